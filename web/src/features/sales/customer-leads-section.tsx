import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { type LeadCard, salesApi } from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { NewLeadForm } from './new-lead-form.tsx';
import { ScoreBadge, stageLabels } from './sales-bits.tsx';

/** How many of a customer's leads the profile lists, newest first. */
const SHOWN = 10;

/**
 * A customer's leads on their profile, and a form that opens a new one for them (a sales
 * conversation that started elsewhere: a call, an event, a referral). Roles that work leads only.
 */
export function CustomerLeadsSection({ customerId, canCreate }: { customerId: string; canCreate: boolean }) {
  const id = useId();
  const [leads, setLeads] = useState<LeadCard[] | null>(null);
  const [more, setMore] = useState(false);
  /** A customer has one open lead at a time: a new buying signal joins it. */
  const [openLead, setOpenLead] = useState<LeadCard | null>(null);
  const [error, setError] = useState('');
  const [open, setOpen] = useState(false);

  useEffect(() => {
    let stale = false;
    Promise.all([
      salesApi.leads({ customerId, status: 'all' }, undefined, SHOWN),
      salesApi.leads({ customerId, status: 'open' }, undefined, 1),
    ])
      .then(([page, openOnes]) => {
        if (stale) return;
        setLeads(page.items);
        setMore(page.nextCursor !== null);
        setOpenLead(openOnes.items[0] ?? null);
      })
      .catch((err) => !stale && setError(err instanceof ApiError ? err.message : 'Could not load leads.'));
    return () => {
      stale = true;
    };
  }, [customerId]);

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Leads</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {leads === null ? (
        !error && <p className="muted">Loading…</p>
      ) : leads.length === 0 ? (
        <p className="notice">No leads yet.</p>
      ) : (
        <ul className="plain-list" aria-label="Their leads">
          {leads.map((l) => (
            <li key={l.id}>
              <Link to={`/sales/leads/${encodeURIComponent(l.id)}`}>
                Lead {l.number}: {l.title}
              </Link>{' '}
              <span className="chip">{stageLabels[l.stage]}</span>
              {l.status !== 'open' && <span className="chip">{l.status}</span>} <ScoreBadge score={l.score} />
              {l.owner && <span className="muted"> · {l.owner.name}</span>}
            </li>
          ))}
        </ul>
      )}
      {more && <p className="muted">Their {SHOWN} newest are shown.</p>}
      {canCreate && leads !== null && openLead && (
        <p className="muted">
          Their open lead is{' '}
          <Link to={`/sales/leads/${encodeURIComponent(openLead.id)}`}>Lead {openLead.number}</Link>: a new
          one can be opened once it is won or disqualified.
        </p>
      )}
      {canCreate &&
        leads !== null &&
        !openLead &&
        (open ? (
          <NewLeadForm customerId={customerId} onCancel={() => setOpen(false)} />
        ) : (
          <button type="button" className="secondary" onClick={() => setOpen(true)}>
            New lead…
          </button>
        ))}
    </section>
  );
}
