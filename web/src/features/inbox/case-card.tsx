import { Link } from 'react-router';
import type { CaseCard as CaseCardData, Presence } from '../../api/inbox.ts';
import { urgencyLevel } from '../listening/analysis-badges.tsx';
import { timeAgo } from '../listening/mention-card.tsx';
import {
  type Directory,
  Initial,
  PriorityChip,
  presenceLine,
  SlaChip,
  StatusChip,
  words,
} from './inbox-bits.tsx';

/**
 * What the first post of a case says, and who the customer is to the brand: urgency, sentiment
 * and intents (labels only: the card has no scores or reasons; the case shows them), influence
 * and shared segments.
 */
export function CardBadges({ c }: { c: CaseCardData }) {
  const first = c.firstMessage;
  const influence = c.customer?.influence ?? null;
  const segments = c.segments ?? [];
  if (!first && influence === null && segments.length === 0) return null;
  return (
    <div className="case-analysis mention-foot">
      {first?.urgency != null && (
        <span className={`chip urgency-${urgencyLevel(first.urgency)}`}>
          <span className="visually-hidden">Urgency </span>
          {urgencyLevel(first.urgency)} urgency · {Math.round(first.urgency)}
        </span>
      )}
      {first?.sentiment && first.sentiment !== 'und' && (
        <span className={`chip sentiment-${first.sentiment}`}>{first.sentiment}</span>
      )}
      {first?.intents
        .filter((i) => i !== 'other')
        .map((i) => (
          <span key={i} className="chip intent">
            {words(i)}
          </span>
        ))}
      {influence !== null && (
        <span className="chip influence" title="Influence in the brand's network (0–100)">
          <span aria-hidden="true">★ </span>influence {Math.round(influence)}
        </span>
      )}
      {segments.map((s) => (
        <span key={s.id} className="chip segment" title="Customer segment">
          <span className="visually-hidden">Segment </span>
          {s.name}
        </span>
      ))}
    </div>
  );
}

export function CaseCard({
  c,
  now,
  dir,
  search,
  presence,
  me,
  open,
  selected,
  fresh,
  checked,
  canWork,
  cardRef,
  onCheck,
  onFocus,
}: {
  c: CaseCardData;
  now: number;
  dir: Directory;
  search: string;
  presence: Presence[];
  me: string | undefined;
  open: boolean;
  selected: boolean;
  fresh: boolean;
  checked: boolean;
  canWork: boolean;
  cardRef(el: HTMLAnchorElement | null): void;
  onCheck(on: boolean): void;
  onFocus(): void;
}) {
  const first = c.firstMessage;
  // The customer when the case has one (with their handle on the case's channel), else the first post's author.
  const customer = c.customer;
  const customerName = customer?.displayName ?? first?.authorHandle ?? null;
  const socials = customer?.identities.filter((i) => i.kind === 'social' && i.handle) ?? [];
  const handle = customer
    ? ((socials.find((i) => i.channel === c.channel) ?? socials[0])?.handle ?? null)
    : (first?.authorHandle ?? null);
  const others = presence.filter((p) => p.userId !== me);
  const cls = ['case-card', open && 'open', selected && 'selected', fresh && 'fresh', checked && 'checked']
    .filter(Boolean)
    .join(' ');
  return (
    <li className={cls}>
      {canWork && (
        <input
          type="checkbox"
          className="case-check"
          checked={checked}
          aria-label={`Select case #${c.number}`}
          onChange={(e) => onCheck(e.target.checked)}
        />
      )}
      <Initial name={customerName ?? c.subject} />
      <div className="case-card-body">
        <div className="case-card-top">
          <span className="case-who">
            {customerName ? <strong>{customerName}</strong> : <span className="muted">Unknown customer</span>}
            {handle && <span className="muted"> @{handle}</span>}
          </span>
          {c.channel && <span className={`chip channel-${c.channel}`}>{c.channel}</span>}
          <time className="muted" dateTime={c.updatedAt} title={new Date(c.updatedAt).toLocaleString()}>
            {timeAgo(c.updatedAt)}
          </time>
        </div>
        <Link
          ref={cardRef}
          to={`/inbox/${c.id}${search}`}
          className="case-link"
          aria-current={open ? 'true' : undefined}
          onFocus={onFocus}
        >
          <span className="case-number">#{c.number}</span> {c.subject}
        </Link>
        {first && !first.text.trim().startsWith(c.subject.replace(/…$/, '')) && (
          <p className="case-snippet">{first.text}</p>
        )}
        <div className="case-chips">
          <SlaChip c={c} now={now} />
          {c.snoozedUntil && (
            <span
              className="chip snoozed"
              title={`Snoozed until ${new Date(c.snoozedUntil).toLocaleString()}`}
            >
              snoozed
            </span>
          )}
          {c.waitingSince && (
            <span
              className="chip waiting"
              title={`The customer wrote last, ${new Date(c.waitingSince).toLocaleString()}, and has had no reply since`}
            >
              waiting {timeAgo(c.waitingSince, now)}
            </span>
          )}
          <StatusChip status={c.status} />
          <PriorityChip priority={c.priority} />
          <span className="chip">{words(c.type)}</span>
          <span className="chip assignee-chip">
            <span className="visually-hidden">Assignee </span>
            {c.assigneeUserId ? dir.nameOf(c.assigneeUserId) : 'Unassigned'}
          </span>
          {c.teamId && <span className="chip">{dir.teamsById.get(c.teamId)?.name ?? 'team'}</span>}
          {c.tags.map((t) => (
            <span key={t} className="chip tag">
              #{t}
            </span>
          ))}
          {others.length > 0 && (
            <span
              className={
                others.some((p) => p.state === 'replying') ? 'chip presence replying' : 'chip presence'
              }
            >
              <span aria-hidden="true">● </span>
              {presenceLine(others, me)}
            </span>
          )}
        </div>
        <CardBadges c={c} />
      </div>
    </li>
  );
}
