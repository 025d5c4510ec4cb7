import { useCallback, useEffect, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type Opportunity,
  type OpportunityStage,
  opportunityStages,
  type SalesPipeline,
  salesApi,
  salesWorkers,
} from '../../api/sales.ts';
import { ApiError, formatDate } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { formatMoney } from './money.ts';
import { OpportunityStrip } from './pipeline-page.tsx';
import { opportunityStageLabels, SalesNav, useOwners } from './sales-bits.tsx';

type OpenFilter = 'true' | 'false' | 'all';

/** Every opportunity, newest first, by open or closed and stage, with the totals per stage above. */
export function OpportunitiesPage() {
  usePageTitle('Opportunities');
  const { session } = useSession();
  const id = useId();
  const owners = useOwners();
  const [params, setParams] = useSearchParams();
  const open = (
    ['true', 'false', 'all'].includes(params.get('open') ?? '') ? params.get('open') : 'true'
  ) as OpenFilter;
  const stage = (opportunityStages as readonly string[]).includes(params.get('stage') ?? '')
    ? (params.get('stage') as OpportunityStage)
    : undefined;
  const mine = params.get('owner') === 'me';
  const [items, setItems] = useState<Opportunity[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [pipeline, setPipeline] = useState<SalesPipeline | null>(null);
  const [error, setError] = useState('');

  const filters = useCallback(
    () => ({
      ...(open === 'all' ? {} : { open }),
      ...(stage ? { stage } : {}),
      ...(mine ? { owner: 'me' } : {}),
    }),
    [open, stage, mine],
  );

  useEffect(() => {
    setItems(null);
    setError('');
    Promise.all([
      salesApi.opportunities(filters()),
      salesApi.pipeline({ top: 0, ...(mine ? { owner: 'me' } : {}) }),
    ])
      .then(([page, p]) => {
        setItems(page.items);
        setCursor(page.nextCursor);
        setPipeline(p);
      })
      .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not load opportunities.'));
  }, [filters, mine]);

  function set(key: string, value: string | undefined) {
    const p = new URLSearchParams(params);
    if (value === undefined) p.delete(key);
    else p.set(key, value);
    setParams(p, { replace: true });
  }

  if (session && !salesWorkers.includes(session.user.role)) {
    return (
      <section className="page">
        <h1>Opportunities</h1>
        <p className="notice">Your role ({session.user.role}) does not include sales.</p>
      </section>
    );
  }
  return (
    <section className="page wide sales-page">
      <h1>Opportunities</h1>
      <SalesNav />
      {pipeline && <OpportunityStrip pipeline={pipeline} />}
      <div className="filters">
        <label htmlFor={`${id}-open`}>Show</label>
        <select
          id={`${id}-open`}
          value={open}
          onChange={(e) => set('open', e.target.value === 'true' ? undefined : e.target.value)}
        >
          <option value="true">Open</option>
          <option value="false">Closed (won or lost)</option>
          <option value="all">All</option>
        </select>
        <label htmlFor={`${id}-stage`}>Stage</label>
        <select
          id={`${id}-stage`}
          value={stage ?? ''}
          onChange={(e) => set('stage', e.target.value || undefined)}
        >
          <option value="">Any stage</option>
          {opportunityStages.map((s) => (
            <option key={s} value={s}>
              {opportunityStageLabels[s]}
            </option>
          ))}
        </select>
        <label className="check">
          <input
            type="checkbox"
            checked={mine}
            onChange={(e) => set('owner', e.target.checked ? 'me' : undefined)}
          />{' '}
          Mine only
        </label>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items === null ? (
        !error && <p className="loading">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">No opportunities match.</p>
      ) : (
        <table className="table">
          <caption className="visually-hidden">Opportunities</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Amount</th>
              <th scope="col">Stage</th>
              <th scope="col">Expected close</th>
              <th scope="col">Owner</th>
              <th scope="col">Lead</th>
            </tr>
          </thead>
          <tbody>
            {items.map((o) => (
              <tr key={o.id}>
                <td data-label="Name">
                  <strong>{o.name}</strong>
                  {o.lostReason && <div className="muted">Lost: {o.lostReason}</div>}
                </td>
                <td data-label="Amount">{formatMoney(o.amountMinor, o.currency)}</td>
                <td data-label="Stage">{opportunityStageLabels[o.stage]}</td>
                <td data-label="Expected close">
                  {o.closedAt ? `closed ${formatDate(o.closedAt)}` : (o.expectedCloseOn ?? '—')}
                </td>
                <td data-label="Owner">{o.ownerUserId ? owners.nameOf(o.ownerUserId) : '—'}</td>
                <td data-label="Lead">
                  <Link to={`/sales/leads/${o.leadId}`}>
                    Open the lead<span className="visually-hidden"> of {o.name}</span>
                  </Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cursor && (
        <button
          type="button"
          className="secondary load-more"
          onClick={() =>
            void salesApi
              .opportunities(filters(), cursor)
              .then((page) => {
                setItems((prev) => [...(prev ?? []), ...page.items]);
                setCursor(page.nextCursor);
              })
              .catch((err) => setError(err instanceof ApiError ? err.message : 'Could not load more.'))
          }
        >
          More opportunities
        </button>
      )}
    </section>
  );
}
