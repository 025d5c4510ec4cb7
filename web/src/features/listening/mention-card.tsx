import { readAnalysis, type Topic } from '../../api/analysis.ts';
import { type Disposition, inboxWorkers } from '../../api/inbox.ts';
import type { ListeningQuery, Mention } from '../../api/listening.ts';
import { PostLinks } from '../../components/post-links.tsx';
import { useSession } from '../../session.tsx';
import { DispositionMenu } from '../inbox/disposition-menu.tsx';
import { AnalysisBadges } from './analysis-badges.tsx';

const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });

export function timeAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * One post as a card: author and reach, channel, text, and what the analysis says (urgency,
 * sentiment, intents, topics, custom classifiers, language) with the reasons behind each.
 */
export function MentionCard({
  mention: m,
  queries,
  topics,
  onOpen,
  fresh,
  selection,
  onDecided,
}: {
  mention: Mention;
  queries: Map<string, ListeningQuery>;
  /** The workspace's topics, so a renamed topic shows its current name. */
  topics?: Map<string, Topic>;
  onOpen?: (m: Mention) => void;
  fresh?: boolean;
  /** A tick box for deciding on many posts at once (the listening stream's triage). */
  selection?: { checked: boolean; onToggle(): void };
  /** Told when the post is decided through its own menu. */
  onDecided?: (d: Disposition) => void;
}) {
  const analysis = readAnalysis(m);
  const known = new Set(analysis.topics.map((t) => t.id));
  // Topic ids stored on the mention without a matching entry in the analysis JSON (older rows).
  for (const id of m.topicIds ?? []) {
    if (!known.has(id))
      analysis.topics.push({ id, name: topics?.get(id)?.name ?? 'topic', score: 0, reasons: [] });
  }
  const hasUrgency = m.urgency != null || typeof m.analysis?.urgency === 'object';
  const { session } = useSession();
  const canDecide = !!session && inboxWorkers.includes(session.user.role) && !m.deleted;
  const disposition = m.disposition;
  const name = m.author?.displayName ?? m.author?.handle ?? 'unknown author';
  return (
    <article
      className={fresh ? 'mention fresh' : 'mention'}
      aria-label={`Post by ${name}`}
      data-mention-id={m.id}
    >
      <header className="mention-head">
        {selection && (
          <input
            type="checkbox"
            className="mention-check"
            aria-label={`Select the post by ${name}`}
            checked={selection.checked}
            onChange={selection.onToggle}
          />
        )}
        <span className="avatar" aria-hidden="true">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span className="mention-who">
          <strong>{name}</strong> <span className="muted">@{m.author?.handle}</span>
          {m.author?.followers != null && (
            <span className="muted" title={`${m.author.followers} followers`}>
              {' '}
              · {compact.format(m.author.followers)} followers
            </span>
          )}
        </span>
        <span className={`chip channel-${m.channel}`}>{m.channel}</span>
        <time className="muted" dateTime={m.createdAt} title={new Date(m.createdAt).toLocaleString()}>
          {timeAgo(m.createdAt)}
        </time>
      </header>
      <p className="mention-text">{m.text}</p>
      <PostLinks links={m.links} author={name} />
      <footer>
        <AnalysisBadges
          analysis={analysis}
          showUrgency={hasUrgency}
          topicName={(id, fallback) => topics?.get(id)?.name ?? fallback}
          actions={
            <span className="mention-actions">
              {onOpen && (
                <button type="button" className="link-button" onClick={() => onOpen(m)}>
                  Open thread
                </button>
              )}
              {canDecide && <DispositionMenu mentionId={m.id} initial={disposition} onDecided={onDecided} />}
            </span>
          }
        >
          {m.queryIds.map((id) => (
            <span key={id} className="chip query">
              {queries.get(id)?.name ?? 'query'}
            </span>
          ))}
          {m.replyTo && <span className="muted">reply</span>}
          {m.edited && <span className="muted">edited</span>}
        </AnalysisBadges>
      </footer>
    </article>
  );
}

/** A tiny line chart of daily counts. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const width = 96;
  const height = 24;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map(
    (v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`,
  );
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={label}>
      <polyline points={points.join(' ')} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
