import { useEffect, useId, useState } from 'react';
import { Link } from 'react-router';
import { type Segment, segmentsApi } from '../../api/segments.ts';
import { ApiError } from '../../api.ts';

/** The static lists the person can see, or null while loading (and when the server has none). */
export function useStaticLists(): { lists: Segment[] | null; unavailable: boolean } {
  const [lists, setLists] = useState<Segment[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  useEffect(() => {
    let current = true;
    segmentsApi
      .all()
      .then((all) => current && setLists(all.filter((s) => s.kind === 'static')))
      .catch(() => current && setUnavailable(true));
    return () => {
      current = false;
    };
  }, []);
  return { lists, unavailable };
}

/**
 * Adds customers to a static list chosen from a select. `customerIds` empty disables it; the
 * outcome is announced, with a link to the list.
 */
export function AddToList({
  customerIds,
  disabled,
  lists,
  onAdded,
  label = 'Add to list',
}: {
  customerIds: string[];
  disabled: boolean;
  lists: Segment[];
  onAdded?(list: Segment, added: number): void;
  label?: string;
}) {
  const id = useId();
  const [listId, setListId] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ list: Segment; added: number; asked: number } | null>(null);
  const [error, setError] = useState('');
  const chosen = lists.find((l) => l.id === listId) ?? (lists.length === 1 ? lists[0] : undefined);

  if (lists.length === 0) {
    return (
      <p className="muted small-inline add-to-list-empty">
        No static lists yet. <Link to="/customers/segments/new?kind=static">Create a list</Link>
      </p>
    );
  }

  async function add() {
    if (!chosen) return;
    setBusy(true);
    setError('');
    setResult(null);
    try {
      // The API takes up to 500 customers a call.
      let added = 0;
      for (let i = 0; i < customerIds.length; i += 500) {
        added += (await segmentsApi.addMembers(chosen.id, customerIds.slice(i, i + 500))).added;
      }
      setResult({ list: chosen, added, asked: customerIds.length });
      onAdded?.(chosen, added);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not add to the list.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <span className="add-to-list">
      <label htmlFor={`${id}-list`} className="visually-hidden">
        List
      </label>
      <select
        id={`${id}-list`}
        value={chosen?.id ?? ''}
        disabled={disabled}
        onChange={(e) => {
          setListId(e.target.value);
          setResult(null);
        }}
      >
        {lists.length > 1 && <option value="">Choose a list…</option>}
        {lists.map((l) => (
          <option key={l.id} value={l.id}>
            {l.name}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="secondary"
        disabled={disabled || busy || !chosen || customerIds.length === 0}
        onClick={() => void add()}
      >
        {busy ? 'Adding…' : label}
      </button>
      <span role="status" className="add-to-list-status">
        {result && (
          <span className="success-inline">
            {result.added === result.asked
              ? `Added ${result.added === 1 ? '1 customer' : `${result.added} customers`} to `
              : result.added === 0
                ? `Already on `
                : `Added ${result.added} (the others were already there) to `}
            <Link to={`/customers/segments/${encodeURIComponent(result.list.id)}`}>{result.list.name}</Link>.
          </span>
        )}
      </span>
      {error && (
        <span role="alert" className="field-error">
          {error}
        </span>
      )}
    </span>
  );
}
