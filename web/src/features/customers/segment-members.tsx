import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import { type CustomerSummary, customersApi } from '../../api/customers.ts';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ApiError } from '../../api.ts';
import { useSession } from '../../session.tsx';
import { ChannelChips, CustomerAvatar, CustomerFigures } from './customer-bits.tsx';
import { useDebounced } from './customers-page.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

/**
 * The members of a segment, newest customers first, a page at a time; a static list's members
 * can be removed and new ones found and added here.
 */
export function SegmentMembers({
  segment,
  version,
  canWrite,
  dirty,
  onChanged,
}: {
  segment: Segment;
  /** Bumped after a save: the members are read again. */
  version: number;
  canWrite: boolean;
  /** The rule on screen differs from the saved one. */
  dirty: boolean;
  onChanged(): void;
}) {
  const { session } = useSession();
  // Personal data: the same roles as the API's export (customers:privacy).
  const canExport = !!session && ['owner', 'admin'].includes(session.user.role);
  const id = useId();
  const [items, setItems] = useState<CustomerSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const isList = segment.kind === 'static';
  const latest = useRef(0);

  const load = useCallback(
    async (after?: string) => {
      const ticket = ++latest.current;
      setLoading(true);
      setError('');
      try {
        const page = await segmentsApi.members(segment.id, after);
        if (ticket !== latest.current) return;
        setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch (err) {
        if (ticket === latest.current) setError(message(err, 'Could not load the members.'));
      } finally {
        if (ticket === latest.current) setLoading(false);
      }
    },
    [segment.id],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` asks for a reload after a save
  useEffect(() => {
    void load();
  }, [load, version]);

  async function remove(c: CustomerSummary) {
    setBusy(c.id);
    setError('');
    setStatus('');
    try {
      await segmentsApi.removeMember(segment.id, c.id);
      setItems((prev) => prev?.filter((m) => m.id !== c.id) ?? null);
      setStatus(`Removed ${c.displayName} from the list.`);
      // The row and its button are gone: focus goes back to the section.
      heading.current?.focus();
      onChanged();
    } catch (err) {
      setError(message(err, 'Could not remove the customer.'));
    } finally {
      setBusy('');
    }
  }

  return (
    <section className="segment-members" aria-labelledby={`${id}-title`}>
      <div className="members-head">
        <h2 id={`${id}-title`} ref={heading} tabIndex={-1}>
          Members
        </h2>
        <Link to={`/customers?segment=${encodeURIComponent(segment.id)}`} className="small-inline">
          Open in the customer list
        </Link>
      </div>
      {dirty && (
        <p className="notice" role="note">
          These are the members of the saved rule; save to apply your changes.
        </p>
      )}
      {isList && canWrite && (
        <AddMember
          segment={segment}
          onAdded={(c) => {
            setStatus(`Added ${c.displayName} to the list.`);
            void load();
            onChanged();
          }}
        />
      )}
      {status && (
        <p role="status" className="success">
          {status}
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
        <p className="notice">
          {isList
            ? 'Nobody is on this list yet. Add customers from the customer list (tick them, then “Add to list”), from a profile, or above.'
            : 'Nobody matches this rule at the moment.'}
        </p>
      ) : (
        <ul className="customer-list" aria-label={`Members of ${segment.name}`}>
          {items.map((c) => (
            <li key={c.id} className={isList ? 'customer-row removable' : 'customer-row'}>
              <CustomerAvatar name={c.displayName} />
              <div className="customer-main">
                <Link to={`/customers/${encodeURIComponent(c.id)}`} className="customer-name">
                  {c.displayName}
                </Link>
                {c.primaryEmail && <span className="muted small-inline"> {c.primaryEmail}</span>}
                <ChannelChips identities={c.identities} />
              </div>
              <CustomerFigures c={c} />
              {isList && (
                <button
                  type="button"
                  className="secondary compact danger"
                  disabled={!canWrite || busy === c.id}
                  aria-label={`Remove ${c.displayName} from the list`}
                  onClick={() => void remove(c)}
                >
                  {busy === c.id ? 'Removing…' : 'Remove'}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button
          type="button"
          className="secondary load-more"
          disabled={loading}
          onClick={() => void load(cursor)}
        >
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
      <div className="export-hint">
        <h3 className="why-kind">Export</h3>
        {canExport ? (
          <p>
            <a
              className="button-link secondary"
              href={`/api/v1/customers/segments/${encodeURIComponent(segment.id)}/export.csv`}
              download
            >
              Download the members as CSV
            </a>
          </p>
        ) : (
          <p className="muted">Owners and admins can download the members as CSV (personal data).</p>
        )}
        <p className="hint">
          Or from the command line (add <code>--out members.csv</code> to write a file):
        </p>
        <pre className="command">
          <code>rapport customers export --segment {segment.id}</code>
        </pre>
      </div>
    </section>
  );
}

/** Find a customer by name, handle or email and add them to the list. */
function AddMember({ segment, onAdded }: { segment: Segment; onAdded(c: CustomerSummary): void }) {
  const id = useId();
  const [search, setSearch] = useState('');
  const query = useDebounced(search);
  const [results, setResults] = useState<CustomerSummary[]>([]);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!query.trim()) {
      setResults([]);
      return;
    }
    let current = true;
    customersApi
      .list(query, undefined, 8)
      .then((r) => current && setResults(r.items))
      .catch(() => current && setResults([]));
    return () => {
      current = false;
    };
  }, [query]);

  async function add(c: CustomerSummary) {
    setBusy(c.id);
    setError('');
    try {
      await segmentsApi.addMembers(segment.id, [c.id]);
      setSearch('');
      setResults([]);
      onAdded(c);
      input.current?.focus();
    } catch (err) {
      setError(message(err, 'Could not add the customer.'));
    } finally {
      setBusy('');
    }
  }

  return (
    <details className="card add-member">
      <summary>Add a customer to this list</summary>
      <label htmlFor={`${id}-search`}>Find a customer</label>
      <input
        ref={input}
        id={`${id}-search`}
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder="Name, handle or email"
      />
      {query.trim() && results.length === 0 && <p className="muted small">No customer matches.</p>}
      {results.length > 0 && (
        <ul className="add-member-results" aria-label="Matching customers">
          {results.map((c) => (
            <li key={c.id}>
              <CustomerAvatar name={c.displayName} />
              <span className="pick-who">
                <strong>{c.displayName}</strong>
                <ChannelChips identities={c.identities} />
              </span>
              <button
                type="button"
                className="secondary compact"
                disabled={busy === c.id}
                aria-label={`Add ${c.displayName}`}
                onClick={() => void add(c)}
              >
                Add
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </details>
  );
}
