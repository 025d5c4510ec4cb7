import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ApiError } from '../../api.ts';
import { usePageTitle } from '../../components/page-title.tsx';
import { plural } from '../../components/text.ts';
import { useSession } from '../../session.tsx';
import { Ago, CustomersNav, roleNote } from './customer-bits.tsx';
import { useCanWriteCustomers } from './customers-page.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

/** The segments and static lists the person can see, by name. */
export function SegmentsPage() {
  usePageTitle('Segments');
  const canWrite = useCanWriteCustomers();
  const { session } = useSession();
  const location = useLocation();
  const navigate = useNavigate();
  const [status] = useState((location.state as { status?: string } | null)?.status ?? '');
  useEffect(() => {
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, [location, navigate]);
  const [items, setItems] = useState<Segment[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const latest = useRef(0);

  const load = useCallback(async (after?: string) => {
    const ticket = ++latest.current;
    setLoading(true);
    setError('');
    try {
      const page = await segmentsApi.list(after, 50);
      if (ticket !== latest.current) return;
      setItems((prev) => (after && prev ? [...prev, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      if (ticket === latest.current) setError(message(err, 'Could not load the segments.'));
    } finally {
      if (ticket === latest.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section className="page wide customers-page segments-page">
      <div className="page-head">
        <h1>Segments</h1>
      </div>
      <CustomersNav />
      <p className="hint">
        A <strong>segment</strong> is everyone who matches a rule (say, negative about you and spent over
        €500), kept up to date as profiles change. A <strong>list</strong> holds the customers you put on it.
      </p>
      {canWrite ? (
        <div className="row segment-new">
          <Link to="/customers/segments/new" className="button-link">
            New segment
          </Link>
          <Link to="/customers/segments/new?kind=static" className="button-link secondary">
            New list
          </Link>
        </div>
      ) : (
        <p className="notice" role="note">
          {roleNote}
        </p>
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
        <div className="empty">
          <p className="empty-lead">No segments or lists yet.</p>
          <p>
            Build a segment from what you know about people (their profile, attributes, reach, sentiment,
            intents, purchases and events), or start a list and add customers to it by hand.
          </p>
        </div>
      ) : (
        <table className="table segment-table">
          <caption className="visually-hidden">Segments and lists</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Visibility</th>
              <th scope="col" className="numeric">
                Members
              </th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {items.map((s) => (
              <tr key={s.id}>
                <td data-label="Name">
                  <Link to={`/customers/segments/${encodeURIComponent(s.id)}`} className="customer-name">
                    {s.name}
                  </Link>
                  {s.description && <span className="muted small">{s.description}</span>}
                </td>
                <td data-label="Type">
                  <span className={s.kind === 'static' ? 'pill kind static' : 'pill kind'}>
                    {s.kind === 'static' ? 'Static list' : 'Dynamic'}
                  </span>
                </td>
                <td data-label="Visibility">
                  {s.shared ? (
                    <span className="pill ok">Shared</span>
                  ) : (
                    <span className="pill off">
                      Private{s.ownerUserId === session?.user.id ? ' (yours)' : ''}
                    </span>
                  )}
                </td>
                <td data-label="Members" className="numeric">
                  <Link
                    to={`/customers?segment=${encodeURIComponent(s.id)}`}
                    aria-label={`${plural(s.memberCount, 'member')} of ${s.name}: open in the customer list`}
                  >
                    {s.memberCount.toLocaleString()}
                  </Link>
                </td>
                <td data-label="Updated">
                  <Ago at={s.updatedAt} />
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
          disabled={loading}
          onClick={() => void load(cursor)}
        >
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}
