import { NavLink } from 'react-router';
import type { CustomerSummary, LifecycleStage } from '../../api/customers.ts';
import { timeAgo } from '../listening/mention-card.tsx';

export const compact = new Intl.NumberFormat(undefined, { notation: 'compact' });
export const percent = (x: number) => `${Math.round(x * 100)}%`;

export function CustomersNav() {
  return (
    <nav className="subnav" aria-label="Customers">
      <NavLink to="/customers" end>
        People
      </NavLink>
      <NavLink to="/customers/suggestions">Suggestions</NavLink>
      <NavLink to="/customers/influencers">Influencers</NavLink>
      <NavLink to="/customers/segments">Segments</NavLink>
    </nav>
  );
}

/** The first letter of the name in a circle (remote avatars are not loaded: the CSP allows only own images). */
export function CustomerAvatar({ name, large }: { name: string; large?: boolean }) {
  return (
    <span className={large ? 'avatar large' : 'avatar'} aria-hidden="true">
      {(name.trim().slice(0, 1) || '?').toUpperCase()}
    </span>
  );
}

/** Each channel a customer is known on, with the handle there. */
export function ChannelChips({ identities }: { identities: CustomerSummary['identities'] }) {
  if (identities.length === 0) return null;
  return (
    <span className="chip-list">
      {identities.map((i) => (
        <span key={`${i.kind}-${i.channel}-${i.handle}`} className={`chip channel-${i.channel}`}>
          <span className="visually-hidden">{i.channel} </span>
          <span aria-hidden="true">{i.channel}</span>
          {i.handle && (
            <span className="chip-handle"> {i.kind === 'social' ? `@${i.handle}` : i.handle}</span>
          )}
        </span>
      ))}
    </span>
  );
}

/** "3d ago" with the full date as a tooltip, or a dash. */
export function Ago({ at }: { at: string | null }) {
  if (!at) return <span className="muted">—</span>;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {timeAgo(at)} ago
    </time>
  );
}

/**
 * Followers, mentions, last seen and influence of a customer, as a line of figures: in a list row,
 * or (`card`) in the customer card of a case or a lead.
 */
export function CustomerFigures({
  c,
  card,
}: {
  c: Pick<CustomerSummary, 'followers' | 'mentionCount' | 'lastSeenAt' | 'influence'>;
  card?: boolean;
}) {
  return (
    <dl className={card ? 'figures compact-figures' : 'figures customer-figures'}>
      <div>
        <dt>followers</dt>
        <dd>{c.followers == null ? '—' : compact.format(c.followers)}</dd>
      </div>
      <div>
        <dt>mentions</dt>
        <dd>{c.mentionCount}</dd>
      </div>
      <div>
        <dt>last seen</dt>
        <dd>
          <Ago at={c.lastSeenAt} />
        </dd>
      </div>
      {/* A list row keeps the column (its figures line up with the other rows'); a card drops it. */}
      {(c.influence != null || !card) && (
        <div>
          <dt>influence</dt>
          <dd>{c.influence == null ? '—' : Math.round(c.influence)}</dd>
        </div>
      )}
    </dl>
  );
}

/** A horizontal bar for a count out of a maximum (SVG attributes, so no inline style is needed). */
export function CountBar({
  label,
  value,
  max,
  tone,
}: {
  label: string;
  value: number;
  max: number;
  tone?: string;
}) {
  const width = max > 0 ? Math.max(value > 0 ? 2 : 0, (value / max) * 100) : 0;
  return (
    <div className="count-row">
      <span className="count-label">{label}</span>
      <svg
        className={`count-bar ${tone ?? ''}`}
        viewBox="0 0 100 10"
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        <rect x="0" y="0" width="100" height="10" className="count-track" />
        <rect x="0" y="0" width={width} height="10" className="count-fill" />
      </svg>
      <span className="count-value">{value}</span>
    </div>
  );
}

export const roleNote =
  'You can look at customers; only owners, admins, managers and agents can change them.';

export const lifecycleLabels: Record<LifecycleStage, string> = {
  subscriber: 'Subscriber',
  lead: 'Lead',
  marketing_qualified: 'Marketing qualified',
  sales_qualified: 'Sales qualified',
  opportunity: 'Opportunity',
  customer: 'Customer',
  evangelist: 'Evangelist',
  other: 'Other',
};

/** The customer's lifecycle stage as a chip. */
export function LifecycleChip({ stage }: { stage: LifecycleStage }) {
  return (
    <span className={`chip stage stage-${stage}`} title="Lifecycle stage">
      {lifecycleLabels[stage] ?? stage}
    </span>
  );
}

/** The label the server puts before a cross-reference (a post calling another account its own). */
const CROSS_REFERENCE = 'Cross-reference in a post: ';
const POST_URL = /, (https?:\/\/[^\s)]+)\)$/;

/**
 * One line of merge or suggestion evidence. Evidence is plain sentences; a cross-reference from a
 * post gets its kind as a label and a link to the post.
 */
export function EvidenceItem({ text }: { text: string }) {
  if (!text.startsWith(CROSS_REFERENCE)) return <li>{text}</li>;
  const rest = text.slice(CROSS_REFERENCE.length);
  const url = POST_URL.exec(rest)?.[1];
  return (
    <li>
      <span className="pill kind">Cross-reference in a post</span>{' '}
      {url ? (
        <>
          {rest.slice(0, rest.length - `, ${url})`.length)},{' '}
          <a href={url} rel="noopener noreferrer nofollow" target="_blank">
            open the post
          </a>
          )
        </>
      ) : (
        rest
      )}
    </li>
  );
}
