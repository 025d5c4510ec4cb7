import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type LeadCard,
  type LeadStage,
  leadStages,
  type SalesPipeline,
  salesApi,
  salesConfigurers,
  salesWorkers,
} from '../../api/sales.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { ImportLeads } from './import-leads.tsx';
import { formatMoney } from './money.ts';
import { NewLeadForm } from './new-lead-form.tsx';
import {
  formatDuration,
  HandoffBadge,
  opportunityStageLabels,
  SalesNav,
  ScoreBadge,
  stageLabels,
} from './sales-bits.tsx';

/** Cards per column read from the pipeline; the column says how many more there are. */
const TOP = 20;
/** Filtered boards (handoffs for me, a title search) read at most this many leads. */
const FILTERED_LIMIT = 200;

type View = 'all' | 'mine' | 'handoffs';
type Column = { stage: LeadStage; count: number; leads: LeadCard[] };

/** Columns from a filtered list of leads: disqualified ones are not on the board. */
function columnsOf(leads: LeadCard[]): Column[] {
  const shown = leads.filter((l) => l.status !== 'disqualified');
  return leadStages.map((stage) => {
    const here = shown.filter((l) => l.stage === stage);
    return { stage, count: here.length, leads: here };
  });
}

export function SalesPage() {
  usePageTitle('Sales pipeline');
  const { session } = useSession();
  if (session && !salesWorkers.includes(session.user.role)) {
    return (
      <section className="page">
        <h1>Sales pipeline</h1>
        <p className="notice">
          Your role ({session.user.role}) does not include sales. Ask an owner or admin.
        </p>
      </section>
    );
  }
  return <Board />;
}

function Board() {
  const { session } = useSession();
  const me = session?.user.id;
  const id = useId();
  const [params, setParams] = useSearchParams();
  const view = (
    ['all', 'mine', 'handoffs'].includes(params.get('view') ?? '') ? params.get('view') : 'all'
  ) as View;
  const q = params.get('q') ?? '';
  const [search, setSearch] = useState(q);
  const [pipeline, setPipeline] = useState<SalesPipeline | null>(null);
  const [columns, setColumns] = useState<Column[] | null>(null);
  const [filtered, setFiltered] = useState(false);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [moved, setMoved] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => setSearch(q), [q]);

  const [loading, setLoading] = useState(true);
  /** Only the latest load may fill the board: an earlier filter's answer can arrive last. */
  const latest = useRef(0);

  const reload = useCallback(async () => {
    const n = ++latest.current;
    setError('');
    setLoading(true);
    try {
      const owner = view === 'mine' ? 'me' : undefined;
      const byList = view === 'handoffs' || q.trim() !== '';
      const [p, list] = await Promise.all([
        salesApi.pipeline({ top: TOP, ...(owner ? { owner } : {}) }),
        byList
          ? salesApi.leads(
              {
                status: 'all',
                sort: 'score',
                ...(owner ? { owner } : {}),
                ...(view === 'handoffs' ? { handoff: 'pending_for_me' as const } : {}),
                ...(q.trim() ? { q: q.trim() } : {}),
              },
              undefined,
              FILTERED_LIMIT,
            )
          : Promise.resolve(null),
      ]);
      if (n !== latest.current) return;
      setPipeline(p);
      setFiltered(byList);
      setColumns(list ? columnsOf(list.items) : p.stages);
    } catch (err) {
      if (n === latest.current)
        setError(err instanceof ApiError ? err.message : 'Could not load the pipeline.');
    } finally {
      if (n === latest.current) setLoading(false);
    }
  }, [view, q]);

  useEffect(() => {
    void reload();
  }, [reload]);

  function setView(next: View) {
    const p = new URLSearchParams(params);
    if (next === 'all') p.delete('view');
    else p.set('view', next);
    setParams(p, { replace: true });
  }

  function submitSearch(e: FormEvent) {
    e.preventDefault();
    const p = new URLSearchParams(params);
    if (search.trim()) p.set('q', search.trim());
    else p.delete('q');
    setParams(p, { replace: true });
  }

  async function move(lead: LeadCard, stage: LeadStage) {
    setError('');
    setMessage('');
    try {
      await salesApi.updateLead(lead.id, { stage });
      setMessage(`Lead ${lead.number} “${lead.title}” moved to ${stageLabels[stage]}.`);
      setMoved(lead.id);
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not move the lead.');
    }
  }

  const pendingForMe = pipeline?.handoffs.pendingForMe ?? 0;
  return (
    <section className="page wide sales-page">
      <div className="page-head">
        <h1>Sales pipeline</h1>
        {!creating && (
          <button type="button" className="secondary" onClick={() => setCreating(true)}>
            New lead…
          </button>
        )}
        {session && salesConfigurers.includes(session.user.role) && (
          <a
            className="button-link secondary"
            href={salesApi.exportUrl({
              status: 'all',
              owner: view === 'mine' ? 'me' : undefined,
              handoff: view === 'handoffs' ? 'pending_for_me' : undefined,
              q: q || undefined,
            })}
            title="Every lead the board's filters select, in any status, as a spreadsheet"
            download
          >
            Export CSV
          </a>
        )}
      </div>
      <SalesNav />
      {creating && <NewLeadForm onCancel={() => setCreating(false)} />}
      <ImportLeads onImported={() => void reload()} />
      <div className="filters board-filters">
        <fieldset className="segmented" aria-label="Which leads">
          <legend className="visually-hidden">Which leads</legend>
          {(
            [
              ['all', 'All leads'],
              ['mine', 'Mine'],
              ['handoffs', `Handoffs for me (${pendingForMe})`],
            ] as [View, string][]
          ).map(([key, label]) => (
            <label key={key} className={view === key ? 'checked' : undefined}>
              <input
                type="radio"
                name={`${id}-view`}
                className="visually-hidden"
                checked={view === key}
                onChange={() => setView(key)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        <search>
          <form className="inline-input" onSubmit={submitSearch}>
            <label htmlFor={`${id}-q`} className="visually-hidden">
              Search leads by title
            </label>
            <input
              id={`${id}-q`}
              type="search"
              value={search}
              placeholder="Search titles, or #12"
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit" className="secondary compact">
              Search
            </button>
          </form>
        </search>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
      {columns === null ? (
        <p className="loading">Loading…</p>
      ) : (
        <>
          {filtered && (
            <p className="hint">
              {view === 'handoffs'
                ? 'Leads handed to you and waiting for your answer'
                : 'Leads matching the search'}
              {q.trim() ? ` “${q.trim()}”` : ''} (won ones included, disqualified ones left out).
            </p>
          )}
          <div className="board" aria-busy={loading}>
            {columns.map((col) => (
              <BoardColumn
                key={col.stage}
                col={col}
                me={me}
                owner={view === 'mine' ? 'me' : undefined}
                moved={moved}
                onMove={(l, s) => void move(l, s)}
              />
            ))}
          </div>
        </>
      )}
      {pipeline && <OpportunityStrip pipeline={pipeline} />}
      {pipeline && <HandoffFigures pipeline={pipeline} />}
    </section>
  );
}

function BoardColumn({
  col,
  me,
  owner,
  moved,
  onMove,
}: {
  col: Column;
  me: string | undefined;
  owner: string | undefined;
  /** The lead just moved: its card takes the focus in its new column. */
  moved: string | null;
  onMove(lead: LeadCard, stage: LeadStage): void;
}) {
  const headingId = useId();
  const label = stageLabels[col.stage];
  const [all, setAll] = useState<LeadCard[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  // A reload of the board brings new top cards: drop the expanded list.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `col` asks for the reset
  useEffect(() => setAll(null), [col]);
  const leads = all ?? col.leads;

  async function showAll() {
    setBusy(true);
    setError('');
    try {
      const page = await salesApi.leads(
        { stage: col.stage, status: 'all', sort: 'score', ...(owner ? { owner } : {}) },
        undefined,
        FILTERED_LIMIT,
      );
      setAll(page.items.filter((l) => l.status !== 'disqualified'));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not load the leads.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className={`board-column stage-${col.stage}`} aria-labelledby={headingId}>
      <h2 id={headingId} className="board-column-head">
        <span>{label}</span>
        <span className="board-count">
          <span className="visually-hidden">: </span>
          {col.count}
          <span className="visually-hidden"> {col.count === 1 ? 'lead' : 'leads'}</span>
        </span>
      </h2>
      {leads.length === 0 ? (
        <p className="muted board-empty">No leads</p>
      ) : (
        <ul className="board-cards plain-list" aria-label={`${label} leads`}>
          {leads.map((l) => (
            <LeadCardItem key={l.id} lead={l} me={me} focus={l.id === moved} onMove={onMove} />
          ))}
        </ul>
      )}
      {col.count > leads.length && (
        <p className="hint">
          The {leads.length} best scored of {col.count}.{' '}
          <button type="button" className="link-button" disabled={busy} onClick={() => void showAll()}>
            Show all {col.count}
            <span className="visually-hidden"> {label} leads</span>
          </button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </section>
  );
}

function LeadCardItem({
  lead,
  me,
  focus,
  onMove,
}: {
  lead: LeadCard;
  me: string | undefined;
  focus: boolean;
  onMove(lead: LeadCard, stage: LeadStage): void;
}) {
  const id = useId();
  // Choosing a stage and moving are two steps: browsing the options with the keyboard moves nothing.
  // A moved lead's card is a new one in its new column, so `target` starts from its stage again.
  const [target, setTarget] = useState<LeadStage>(lead.stage);
  const select = useRef<HTMLSelectElement>(null);
  useEffect(() => {
    if (focus) select.current?.focus();
  }, [focus]);
  return (
    <li className={lead.status === 'won' ? 'lead-card won' : 'lead-card'}>
      <div className="lead-card-top">
        <Link to={`/sales/leads/${lead.id}`} className="lead-card-title">
          <span className="muted">#{lead.number}</span> {lead.title}
        </Link>
        <ScoreBadge score={lead.score} />
      </div>
      <div className="lead-card-who">
        <span>{lead.customer.displayName || 'Unknown customer'}</span>
        {lead.customer.handle && <span className="chip chip-handle">@{lead.customer.handle}</span>}
      </div>
      <div className="lead-card-meta">
        <span className="muted">{lead.owner ? lead.owner.name : 'No owner'}</span>
        {lead.status === 'won' && <span className="chip lead-won">Won</span>}
        <HandoffBadge lead={lead} me={me} />
      </div>
      <label htmlFor={`${id}-stage`} className="visually-hidden">
        Move lead {lead.number} to stage
      </label>
      <div className="lead-card-move-row">
        <select
          ref={select}
          id={`${id}-stage`}
          className="lead-card-move"
          value={target}
          onChange={(e) => setTarget(e.target.value as LeadStage)}
        >
          {leadStages.map((s) => (
            <option key={s} value={s}>
              {s === lead.stage ? `In ${stageLabels[s]}` : `Move to ${stageLabels[s]}`}
            </option>
          ))}
        </select>
        {target !== lead.stage && (
          <button type="button" className="compact" onClick={() => onMove(lead, target)}>
            Move
          </button>
        )}
      </div>
    </li>
  );
}

/** Per opportunity stage: how many, and the amounts per currency. */
export function OpportunityStrip({ pipeline }: { pipeline: SalesPipeline }) {
  return (
    <section className="card opportunity-strip" aria-labelledby="opportunity-strip-title">
      <h2 id="opportunity-strip-title" className="card-title">
        Opportunities
      </h2>
      <ul className="strip plain-list">
        {pipeline.opportunities.map((o) => (
          <li key={o.stage} className={`strip-stage opp-${o.stage}`}>
            <span className="strip-label">{opportunityStageLabels[o.stage]}</span>
            <span className="strip-count">
              {o.count} <span className="muted">{o.count === 1 ? 'opportunity' : 'opportunities'}</span>
            </span>
            {o.amounts.length === 0 ? (
              <span className="muted">—</span>
            ) : (
              o.amounts.map((a) => (
                <span key={a.currency} className="strip-amount">
                  {formatMoney(a.amountMinor, a.currency)}
                </span>
              ))
            )}
          </li>
        ))}
      </ul>
      <p className="hint">
        <Link to="/sales/opportunities">Every opportunity</Link>
      </p>
    </section>
  );
}

function HandoffFigures({ pipeline }: { pipeline: SalesPipeline }) {
  const h = pipeline.handoffs;
  const t = h.handoffToFirstContactMs;
  return (
    <section className="card" aria-labelledby="handoff-figures-title">
      <h2 id="handoff-figures-title" className="card-title">
        Handoffs from marketing to sales
      </h2>
      <dl className="figures handoff-figures">
        <div>
          <dt>Pending</dt>
          <dd>{h.pending}</dd>
        </div>
        <div>
          <dt>Waiting for you</dt>
          <dd>{h.pendingForMe}</dd>
        </div>
        <div>
          <dt>Accepted</dt>
          <dd>{h.accepted}</dd>
        </div>
        <div>
          <dt>Rejected</dt>
          <dd>{h.rejected}</dd>
        </div>
        <div>
          <dt>Accepted, not contacted yet</dt>
          <dd>{h.awaitingFirstContact}</dd>
        </div>
        <div>
          <dt>Handoff → first contact, median</dt>
          <dd>{t.median === null ? '—' : formatDuration(t.median)}</dd>
        </div>
        <div>
          <dt>… 90th percentile</dt>
          <dd>{t.p90 === null ? '—' : formatDuration(t.p90)}</dd>
        </div>
      </dl>
      <p className="hint">
        Over the {t.count} {t.count === 1 ? 'handoff' : 'handoffs'} of the last 90 days with a first contact.
      </p>
    </section>
  );
}
