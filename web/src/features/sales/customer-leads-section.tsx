import { type FormEvent, useEffect, useId, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { type LeadCard, type LeadStage, leadStages, salesApi } from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { ScoreBadge, stageLabels, useOwners } from './sales-bits.tsx';

/** How many of a customer's leads the profile lists (newest first); the rest are on the board. */
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
      .then(([page, open]) => {
        if (stale) return;
        setLeads(page.items);
        setMore(page.nextCursor !== null);
        setOpenLead(open.items[0] ?? null);
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
      {more && <p className="muted">Their older leads are on the Sales board.</p>}
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

/** Title, stage and owner of a new lead for `customerId`; once made, its page opens. */
function NewLeadForm({ customerId, onCancel }: { customerId: string; onCancel(): void }) {
  const id = useId();
  const navigate = useNavigate();
  const { session } = useSession();
  const owners = useOwners();
  const [title, setTitle] = useState('');
  const [stage, setStage] = useState<LeadStage>('lead');
  const [owner, setOwner] = useState(session?.user.id ?? '');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      const lead = await salesApi.createLead({
        customerId,
        title: title.trim(),
        stage,
        ...(owner ? { ownerUserId: owner } : {}),
      });
      navigate(`/sales/leads/${encodeURIComponent(lead.id)}`, {
        state: { status: `Lead ${lead.number} created.` },
      });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not create the lead.');
      setBusy(false);
    }
  }

  // The signed-in person first: who opens a lead usually works it.
  const people = [...owners.items].sort((a, b) =>
    a.id === session?.user.id ? -1 : b.id === session?.user.id ? 1 : a.name.localeCompare(b.name),
  );
  return (
    <form className="edit-form" aria-label="New lead" onSubmit={(e) => void submit(e)}>
      <label htmlFor={`${id}-title`}>Title</label>
      <input
        id={`${id}-title`}
        value={title}
        required
        maxLength={300}
        placeholder="Group booking for the spring conference"
        // biome-ignore lint/a11y/noAutofocus: the form opens on request; typing the title comes first
        autoFocus
        onChange={(e) => setTitle(e.target.value)}
      />
      <label htmlFor={`${id}-stage`}>Stage</label>
      <select id={`${id}-stage`} value={stage} onChange={(e) => setStage(e.target.value as LeadStage)}>
        {leadStages.map((s) => (
          <option key={s} value={s}>
            {stageLabels[s]}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-owner`}>Owner</label>
      <select id={`${id}-owner`} value={owner} onChange={(e) => setOwner(e.target.value)}>
        <option value="">Nobody yet</option>
        {people.map((p) => (
          <option key={p.id} value={p.id}>
            {p.id === session?.user.id ? `${p.name} (you)` : p.name}
          </option>
        ))}
      </select>
      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy || title.trim() === ''}>
          Create lead
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
