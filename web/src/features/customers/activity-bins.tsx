import { useId, useState } from 'react';
import { Link } from 'react-router';
import type { CustomerProfile } from '../../api/customers.ts';
import { NewCaseForm } from '../inbox/new-case-form.tsx';
import { formatMoney } from '../sales/money.ts';
import { Ago, CountBar } from './customer-bits.tsx';

/** The transactional bin: totals per currency (net of refunds) and the latest transactions. */
export function TransactionsSection({ bin }: { bin: CustomerProfile['transactions'] }) {
  const id = useId();
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Transactions</h2>
      {bin.count === 0 ? (
        <p className="notice">No orders or subscriptions recorded.</p>
      ) : (
        <>
          <p>
            {bin.count} in all ·{' '}
            {bin.totalsByCurrency.map((t) => formatMoney(t.amountMinor, t.currency)).join(' · ')}
          </p>
          <table className="data-table">
            <caption className="visually-hidden">Latest transactions</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {bin.last.map((t) => (
                <tr key={t.id}>
                  <td>
                    <Ago at={t.occurredAt} />
                  </td>
                  <td>
                    {t.kind}
                    {t.description && <span className="muted small"> {t.description}</span>}
                  </td>
                  <td>{t.status}</td>
                  <td className="num">
                    {formatMoney(t.kind === 'refund' ? -t.amountMinor : t.amountMinor, t.currency)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The behaviour bin: the most frequent event names with when each last happened. */
export function EventsSection({ bin }: { bin: CustomerProfile['events'] }) {
  const id = useId();
  const max = Math.max(0, ...bin.byName.map((e) => e.count));
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Behaviour</h2>
      {bin.count === 0 ? (
        <p className="notice">No events recorded.</p>
      ) : bin.withheld ? (
        <p className="notice">
          {bin.count} events withheld: this person has not consented to profiling. Record their consent below
          to see them.
        </p>
      ) : (
        <>
          <p className="muted small">{bin.count} events</p>
          <ul className="counts plain">
            {bin.byName.map((e) => (
              <li key={e.name}>
                <CountBar label={e.name.replaceAll('_', ' ')} value={e.count} max={max} tone="intent" />{' '}
                <span className="muted small">
                  last <Ago at={e.lastAt} />
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/**
 * The service-history bin: the customer's cases, open and in all, and the latest ones; with
 * `openFor`, a case can be opened for them by hand.
 */
export function ServiceHistorySection({
  bin,
  openFor,
}: {
  bin: CustomerProfile['serviceHistory'];
  /** The customer a new case is for, for roles that work cases on a profile that is not erased. */
  openFor?: string | undefined;
}) {
  const id = useId();
  const [opening, setOpening] = useState(false);
  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Service history</h2>
      {bin.total === 0 ? (
        <p className="notice">No cases yet.</p>
      ) : (
        <>
          <p>
            {bin.open} open · {bin.total} in all
          </p>
          <ul className="plain-list">
            {bin.recent.map((c) => (
              <li key={c.id}>
                <Link to={`/inbox/${c.id}`}>
                  Case {c.number}: {c.subject}
                </Link>{' '}
                <span className="chip">{c.status.replaceAll('_', ' ')}</span>{' '}
                <span className="chip">{c.priority}</span> <Ago at={c.updatedAt} />
              </li>
            ))}
          </ul>
        </>
      )}
      {openFor &&
        (opening ? (
          <NewCaseForm customerId={openFor} onCancel={() => setOpening(false)} />
        ) : (
          <button type="button" className="secondary" onClick={() => setOpening(true)}>
            New case…
          </button>
        ))}
    </section>
  );
}
