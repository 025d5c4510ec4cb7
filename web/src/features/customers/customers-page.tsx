import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import {
  type CustomerSort,
  type CustomerSummary,
  customerSorts,
  customersApi,
  customerWriters,
  type Influencer,
  type InfluencerKind,
  type Merge,
  type MergeSuggestion,
} from '../../api/customers.ts';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { useSession } from '../../session.tsx';
import { AddToList } from './add-to-list.tsx';
import {
  ChannelChips,
  CustomerAvatar,
  CustomerFigures,
  CustomersNav,
  EvidenceItem,
  LifecycleChip,
  percent,
  roleNote,
} from './customer-bits.tsx';
import { ImportContacts, ImportTransactions } from './import-contacts.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

/** The value after the person stopped typing for `ms`. */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function useCanWriteCustomers(): boolean {
  const { session } = useSession();
  return !!session && customerWriters.includes(session.user.role);
}

export function CustomersPage() {
  usePageTitle('Customers');
  const canWrite = useCanWriteCustomers();
  // The search and the segment filter live in the address, so Back, a reload or a shared link keep
  // them, and a segment's page can link to its members here.
  const [params, setParams] = useSearchParams();
  const [search, setSearch] = useState(() => params.get('q') ?? '');
  const query = useDebounced(search);
  const segment = params.get('segment') ?? '';
  const sortParam = params.get('sort') ?? '';
  const sort: CustomerSort = Object.hasOwn(customerSorts, sortParam) ? (sortParam as CustomerSort) : 'newest';
  useEffect(() => {
    setParams(
      (p) => {
        if ((p.get('q') ?? '') === query.trim()) return p;
        const next = new URLSearchParams(p);
        if (query.trim()) next.set('q', query.trim());
        else next.delete('q');
        return next;
      },
      { replace: true },
    );
  }, [query, setParams]);
  const [segments, setSegments] = useState<Segment[] | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [items, setItems] = useState<CustomerSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState('');
  // Answers to an older search must not overwrite a newer one.
  const latest = useRef(0);
  const id = useId();

  const load = useCallback(async (q: string, seg: string, order: CustomerSort, after?: string) => {
    const ticket = ++latest.current;
    setLoading(true);
    setError('');
    try {
      const page = await customersApi.list(q, after, 30, seg || undefined, order);
      if (ticket !== latest.current) return;
      setItems((prev) => (after ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      if (ticket === latest.current) setError(message(err, 'Could not load customers.'));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(query, segment, sort);
  }, [query, segment, sort, load]);

  // Segments and lists, for the filter and for "Add to list"; none when the server has no segments.
  useEffect(() => {
    segmentsApi
      .all()
      .then(setSegments)
      .catch(() => setSegments([]));
  }, []);
  const lists = (segments ?? []).filter((s) => s.kind === 'static');
  const activeSegment = segments?.find((s) => s.id === segment);
  const shown = items.filter((c) => selected.has(c.id));
  const allShown = items.length > 0 && shown.length === items.length;
  const toggle = (customerId: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(customerId)) next.delete(customerId);
      else next.add(customerId);
      return next;
    });

  return (
    <section className="page wide customers-page">
      <h1>Customers</h1>
      <CustomersNav />
      <p className="hint">
        One profile per person across channels, with the evidence behind every merge, their history with you
        and their influence in your network.
      </p>
      {canWrite && <ImportContacts onImported={() => void load(query, segment, sort)} />}
      {canWrite && <ImportTransactions onImported={() => void load(query, segment, sort)} />}
      <search className="filters">
        <label htmlFor={`${id}-search`} className="visually-hidden">
          Search customers
        </label>
        <input
          id={`${id}-search`}
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="Search by name, handle or email"
          aria-describedby={`${id}-count`}
        />
        {segments && segments.length > 0 && (
          <>
            <label htmlFor={`${id}-segment`} className="visually-hidden">
              Segment
            </label>
            <select
              id={`${id}-segment`}
              value={segment}
              onChange={(e) => {
                const next = new URLSearchParams(params);
                if (e.target.value) next.set('segment', e.target.value);
                else next.delete('segment');
                setParams(next, { replace: true });
              }}
            >
              <option value="">All customers</option>
              {segment && !activeSegment && <option value={segment}>(this segment)</option>}
              {segments.some((s) => s.kind === 'dynamic') && (
                <optgroup label="Segments">
                  {segments
                    .filter((s) => s.kind === 'dynamic')
                    .map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name}
                      </option>
                    ))}
                </optgroup>
              )}
              {lists.length > 0 && (
                <optgroup label="Lists">
                  {lists.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </>
        )}
        <label htmlFor={`${id}-sort`} className="visually-hidden">
          Order
        </label>
        <select
          id={`${id}-sort`}
          value={sort}
          onChange={(e) => {
            const next = new URLSearchParams(params);
            if (e.target.value === 'newest') next.delete('sort');
            else next.set('sort', e.target.value);
            setParams(next, { replace: true });
          }}
        >
          {Object.entries(customerSorts).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        {activeSegment && (
          <Link
            to={`/customers/segments/${encodeURIComponent(activeSegment.id)}`}
            className="small-inline filter-link"
          >
            Open “{activeSegment.name}”
          </Link>
        )}
      </search>
      <p id={`${id}-count`} className="muted small" role="status">
        {loading
          ? 'Loading…'
          : items.length === 0
            ? query.trim()
              ? `No customer matches “${query.trim()}”.`
              : 'No customers yet. Profiles appear as people mention you, write to you or join your community.'
            : `${items.length}${cursor ? '+' : ''} customer${items.length === 1 ? '' : 's'}${query.trim() ? ` matching “${query.trim()}”` : ''}${activeSegment ? ` in “${activeSegment.name}”` : ''}`}
      </p>
      {canWrite && items.length > 0 && (
        <fieldset className="plain bulk-bar">
          <legend className="visually-hidden">Selected customers</legend>
          <label className="check">
            <input
              type="checkbox"
              checked={allShown}
              ref={(el) => {
                if (el) el.indeterminate = shown.length > 0 && !allShown;
              }}
              onChange={() =>
                setSelected((prev) => {
                  const next = new Set(prev);
                  for (const c of items) {
                    if (allShown) next.delete(c.id);
                    else next.add(c.id);
                  }
                  return next;
                })
              }
            />
            Select all shown
          </label>
          <span className="muted small-inline" aria-live="polite">
            {selected.size === 0 ? 'None selected' : `${selected.size} selected`}
          </span>
          <AddToList customerIds={[...selected]} disabled={selected.size === 0} lists={lists} />
          {selected.size > 0 && (
            <button type="button" className="secondary compact" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          )}
        </fieldset>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul className="customer-list" aria-label="Customers">
        {items.map((c) => (
          <li key={c.id} className={canWrite ? 'customer-row selectable' : 'customer-row'}>
            {canWrite && (
              <input
                type="checkbox"
                className="row-check"
                checked={selected.has(c.id)}
                onChange={() => toggle(c.id)}
                aria-label={`Select ${c.displayName}`}
              />
            )}
            <CustomerAvatar name={c.displayName} />
            <div className="customer-main">
              <span className="customer-name-line">
                <Link to={`/customers/${encodeURIComponent(c.id)}`} className="customer-name">
                  {c.displayName}
                </Link>
                {c.lifecycleStage && <LifecycleChip stage={c.lifecycleStage} />}
              </span>
              {c.primaryEmail && <span className="muted small-inline"> {c.primaryEmail}</span>}
              <ChannelChips identities={c.identities} />
            </div>
            <CustomerFigures c={c} />
          </li>
        ))}
      </ul>
      {cursor && (
        <button
          type="button"
          className="secondary load-more"
          disabled={loading}
          onClick={() => void load(query, segment, sort, cursor)}
        >
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

/** One side of a suggestion: who it is and where they are known. */
function SuggestedCustomer({ c, caption }: { c: CustomerSummary; caption: string }) {
  return (
    <div className="suggested">
      <span className="why-kind">{caption}</span>
      <div className="suggested-who">
        <CustomerAvatar name={c.displayName} />
        <div>
          <Link to={`/customers/${encodeURIComponent(c.id)}`} className="customer-name">
            {c.displayName}
          </Link>
          {c.primaryEmail && <div className="muted small">{c.primaryEmail}</div>}
        </div>
      </div>
      <ChannelChips identities={c.identities} />
      <CustomerFigures c={c} />
    </div>
  );
}

export function SuggestionsPage() {
  usePageTitle('Merge suggestions');
  const canWrite = useCanWriteCustomers();
  const [items, setItems] = useState<MergeSuggestion[] | null>(null);
  const [error, setError] = useState('');
  const [done, setDone] = useState<{ merge: Merge; into: CustomerSummary } | null>(null);
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState('');
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const statusRef = useRef<HTMLParagraphElement>(null);
  // The suggestion acted on leaves the list, and its buttons with it: focus moves to the outcome.
  useEffect(() => {
    if (status) statusRef.current?.focus();
  }, [status]);

  /** The first page again (after a decision), or the next one appended. */
  const reload = useCallback(async (after?: string) => {
    try {
      const page = await customersApi.suggestions({ status: 'open', cursor: after });
      setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(message(err, 'Could not load suggestions.'));
    }
  }, []);

  async function loadMore(after: string) {
    setLoadingMore(true);
    await reload(after);
    setLoadingMore(false);
  }
  useEffect(() => {
    void reload();
  }, [reload]);

  async function accept(s: MergeSuggestion) {
    setBusy(s.id);
    setError('');
    setStatus('');
    try {
      const merge = await customersApi.acceptSuggestion(s.id);
      const into = merge.intoId === s.other.id ? s.other : s.customer;
      setDone({ merge, into });
      setStatus(`Merged ${merge.fromName} into ${into.displayName}.`);
      await reload();
    } catch (err) {
      setError(message(err, 'Could not accept the suggestion.'));
    } finally {
      setBusy('');
    }
  }

  async function reject(s: MergeSuggestion) {
    setBusy(s.id);
    setError('');
    setStatus('');
    try {
      await customersApi.rejectSuggestion(s.id);
      setDone(null);
      setStatus(`Kept ${s.customer.displayName} and ${s.other.displayName} apart.`);
      await reload();
    } catch (err) {
      setError(message(err, 'Could not reject the suggestion.'));
    } finally {
      setBusy('');
    }
  }

  async function undo() {
    if (!done) return;
    setError('');
    try {
      const r = await customersApi.unmerge(done.merge.id);
      setStatus(`Undone: ${r.restored.displayName} is a separate customer again.`);
      setDone(null);
      await reload();
    } catch (err) {
      setError(message(err, 'Could not undo the merge.'));
    }
  }

  return (
    <section className="page wide customers-page">
      <h1>Merge suggestions</h1>
      <CustomersNav />
      <p className="hint">
        Strong evidence (the same verified email, a domain handle the person owns, a verified profile link)
        links identities by itself. Weaker evidence only suggests: you decide, and every merge can be undone.
      </p>
      {!canWrite && (
        <p className="notice" role="note">
          {roleNote}
        </p>
      )}
      {status && (
        <p ref={statusRef} role="status" tabIndex={-1} className="success">
          {status}{' '}
          {done && (
            <>
              <Link to={`/customers/${encodeURIComponent(done.into.id)}`}>Open {done.into.displayName}</Link>{' '}
              <button type="button" className="secondary compact" onClick={() => void undo()}>
                Undo
              </button>
            </>
          )}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">No open suggestions. New ones appear as people show up on more channels.</p>
      ) : (
        <ul className="suggestion-list" aria-label="Open suggestions">
          {items.map((s) => (
            <li key={s.id} className="card suggestion">
              <div className="suggestion-head">
                <h2 className="suggestion-title">
                  {s.customer.displayName} and {s.other.displayName}
                </h2>
                <span className={`pill ${s.confidence >= 0.75 ? 'ok' : 'warn'}`}>
                  {percent(s.confidence)} confidence
                </span>
              </div>
              <div className="suggestion-pair">
                <SuggestedCustomer c={s.customer} caption="Customer" />
                <SuggestedCustomer c={s.other} caption="Possibly the same as" />
              </div>
              <h3 className="why-kind">Evidence</h3>
              <ul className="evidence">
                {s.evidence.map((e) => (
                  <EvidenceItem key={e} text={e} />
                ))}
              </ul>
              <div className="row">
                <button
                  type="button"
                  disabled={!canWrite || busy === s.id}
                  aria-label={`Accept: merge ${s.customer.displayName} and ${s.other.displayName}`}
                  onClick={() => void accept(s)}
                >
                  Accept
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={!canWrite || busy === s.id}
                  aria-label={`Reject: keep ${s.customer.displayName} and ${s.other.displayName} apart`}
                  onClick={() => void reject(s)}
                >
                  Reject
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {items !== null && items.length > 0 && cursor && (
        <button
          type="button"
          className="secondary load-more"
          disabled={loadingMore}
          onClick={() => void loadMore(cursor)}
        >
          {loadingMore ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

const influencerKinds: { kind: InfluencerKind; label: string; hint: string }[] = [
  { kind: 'influencers', label: 'Influencers', hint: 'Most influential in the conversations about you.' },
  { kind: 'advocates', label: 'Advocates', hint: 'Influential and positive about you.' },
  { kind: 'detractors', label: 'Detractors', hint: 'Influential and negative about you.' },
];

export function InfluencersPage() {
  usePageTitle('Influencers');
  const [kind, setKind] = useState<InfluencerKind>('influencers');
  const [items, setItems] = useState<Influencer[] | null>(null);
  const [missing, setMissing] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    let current = true;
    setItems(null);
    setError('');
    customersApi
      .influencers(kind)
      .then((r) => current && setItems(r.items))
      .catch((err) => {
        if (!current) return;
        if (err instanceof ApiError && err.status === 404) setMissing(true);
        else setError(message(err, 'Could not load the ranking.'));
      });
    return () => {
      current = false;
    };
  }, [kind]);

  const about = influencerKinds.find((k) => k.kind === kind);
  return (
    <section className="page wide customers-page">
      <h1>Influencers</h1>
      <CustomersNav />
      {missing ? (
        <div className="empty">
          <p className="empty-lead">Influence ranking is not available on this server yet.</p>
          <p>
            It will rank people by their reach and by their influence in your own network (who replies to,
            mentions and reposts whom), with advocates and detractors and the reason for each.
          </p>
        </div>
      ) : (
        <>
          <fieldset className="segmented">
            <legend className="visually-hidden">Ranking</legend>
            {influencerKinds.map((k) => (
              <label key={k.kind} className={k.kind === kind ? 'checked' : undefined}>
                <input
                  type="radio"
                  name="influencer-kind"
                  value={k.kind}
                  checked={k.kind === kind}
                  onChange={() => setKind(k.kind)}
                />
                {k.label}
              </label>
            ))}
          </fieldset>
          <p className="hint">{about?.hint}</p>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          {items === null ? (
            <p className="muted">Loading…</p>
          ) : items.length === 0 ? (
            <p className="notice">
              Nobody here yet: the ranking fills in as people talk about you and to each other.
            </p>
          ) : (
            <ol className="influencer-list" aria-label={about?.label}>
              {items.map((i) => (
                <li key={i.customer.id} className="customer-row">
                  <CustomerAvatar name={i.customer.displayName} />
                  <div className="customer-main">
                    <Link to={`/customers/${encodeURIComponent(i.customer.id)}`} className="customer-name">
                      {i.customer.displayName}
                    </Link>{' '}
                    <span className="pill score" title={`PageRank ${i.pagerank.toFixed(4)}`}>
                      score {Math.round(i.score)}
                    </span>
                    <ChannelChips identities={i.customer.identities} />
                    {i.reasons.length > 0 && (
                      <ul className="reasons">
                        {i.reasons.map((r) => (
                          <li key={r}>{r}</li>
                        ))}
                      </ul>
                    )}
                  </div>
                  <CustomerFigures c={i.customer} />
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
