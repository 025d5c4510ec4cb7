import type { ListeningQuery, Mention } from '../../api.ts';

const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });

export function timeAgo(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** One post as a card: author and reach, channel, text, language, sentiment, intents, queries. */
export function MentionCard({
  mention: m,
  queries,
  onOpen,
  fresh,
}: {
  mention: Mention;
  queries: Map<string, ListeningQuery>;
  onOpen?: (m: Mention) => void;
  fresh?: boolean;
}) {
  const name = m.author?.displayName ?? m.author?.handle ?? 'unknown author';
  return (
    <article className={fresh ? 'mention fresh' : 'mention'} aria-label={`Post by ${name}`}>
      <header className="mention-head">
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
      <footer className="mention-foot">
        <span className="chip" title="Language">
          {m.language}
        </span>
        {m.sentiment && m.sentiment !== 'und' && (
          <span className={`chip sentiment-${m.sentiment}`}>{m.sentiment}</span>
        )}
        {m.intents.map((i) => (
          <span key={i} className="chip intent">
            {i.replace('_', ' ')}
          </span>
        ))}
        {m.queryIds.map((id) => (
          <span key={id} className="chip query">
            {queries.get(id)?.name ?? 'query'}
          </span>
        ))}
        {m.replyTo && <span className="muted">reply</span>}
        {m.edited && <span className="muted">edited</span>}
        {onOpen && (
          <button type="button" className="link-button" onClick={() => onOpen(m)}>
            Open thread
          </button>
        )}
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
