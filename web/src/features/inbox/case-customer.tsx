import { Link } from 'react-router';
import type { CaseDetail } from '../../api/inbox.ts';
import { CustomerFigures } from '../customers/customer-bits.tsx';
import { Initial, words } from './inbox-bits.tsx';

/** The case's customer: identities, reach, segments and a link to the profile. */
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
      <p>
        <Link to={`/customers/${c.id}`}>Open {c.displayName}’s profile</Link>
      </p>
    </section>
  );
}
