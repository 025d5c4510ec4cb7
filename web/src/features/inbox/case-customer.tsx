import { useId } from 'react';
import { Link, useLocation } from 'react-router';
import type { CaseDetail } from '../../api/inbox.ts';
import { Ago, CustomerFigures } from '../customers/customer-bits.tsx';
import { Initial, PriorityChip, StatusChip, words } from './inbox-bits.tsx';

/** The case's customer: identities, reach, segments, their other cases and a link to the profile. */
export function CustomerCard({ detail }: { detail: CaseDetail }) {
  const c = detail.customer;
  if (!c) {
    return (
      <section className="card case-customer" aria-label="Customer">
        <h3 className="card-title">Customer</h3>
        <p className="muted">No customer is linked to this case.</p>
      </section>
    );
  }
  return (
    <section className="card case-customer" aria-label="Customer">
      <h3 className="card-title">Customer</h3>
      <div className="case-customer-who">
        <Initial name={c.displayName} />
        <div>
          <strong>{c.displayName}</strong>
          {c.primaryEmail && <div className="muted">{c.primaryEmail}</div>}
        </div>
      </div>
      <ul className="chip-list plain-list">
        {c.identities.map((i) => (
          <li key={`${i.kind}-${i.channel}-${i.handle}`} className={`chip channel-${i.channel}`}>
            {i.channel}
            {i.handle && ` ${i.kind === 'social' ? '@' : ''}${i.handle}`}
          </li>
        ))}
      </ul>
      <CustomerFigures c={c} card />
      {c.lifecycleStage && <span className="chip stage">{words(c.lifecycleStage)}</span>}
      {detail.segments && detail.segments.length > 0 && (
        <ul className="chip-list plain-list" aria-label="Segments">
          {detail.segments.map((s) => (
            <li key={s.id} className="chip segment">
              {s.name}
            </li>
          ))}
        </ul>
      )}
      {detail.otherCases && <OtherCases other={detail.otherCases} name={c.displayName} />}
      <p>
        <Link to={`/customers/${c.id}`}>Open {c.displayName}’s profile</Link>
      </p>
    </section>
  );
}

/** What else the customer has asked: an agent sees a repeat problem or a case already open. */
function OtherCases({ other, name }: { other: NonNullable<CaseDetail['otherCases']>; name: string }) {
  const id = useId();
  // The list's view and filters stay in the address when another case opens.
  const { search } = useLocation();
  return (
    <div className="other-cases">
      <h4 id={`${id}-title`} className="small-label">
        Other cases
      </h4>
      {other.total === 0 ? (
        <p className="muted">None: this is {name}’s first case.</p>
      ) : (
        <>
          <p className="muted">
            {other.open} open · {other.total} in all
          </p>
          <ul className="plain-list" aria-labelledby={`${id}-title`}>
            {other.recent.map((o) => (
              <li key={o.id}>
                <Link to={`/inbox/${o.id}${search}`}>
                  #{o.number} {o.subject}
                </Link>{' '}
                <StatusChip status={o.status} /> <PriorityChip priority={o.priority} />{' '}
                <span className="muted">
                  <Ago at={o.updatedAt} />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
