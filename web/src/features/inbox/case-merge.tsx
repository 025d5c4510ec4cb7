import { type FormEvent, useId, useState } from 'react';
import { type Case, type CaseDetail, inboxApi } from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';
import { findCaseByNumber, statusLabels } from './inbox-bits.tsx';

/** Finds another case by number or subject and merges it into this one. */
export function MergeBox({ detail, onMerged }: { detail: CaseDetail; onMerged(c: Case): void }) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Case[] | null>(null);
  const [pick, setPick] = useState<Case | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function find(e: FormEvent) {
    e.preventDefault();
    setError('');
    setPick(null);
    const q = query.trim().replace(/^#/, '');
    if (!q) return;
    setBusy(true);
    try {
      const list = /^\d+$/.test(q)
        ? [await findCaseByNumber(Number(q))].filter((c): c is Case => c !== null)
        : (await inboxApi.cases({ search: q }, undefined, 10)).items;
      const others = list.filter((c) => c.id !== detail.id);
      setFound(others);
      if (others.length === 1) setPick(others[0] ?? null);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not search cases.');
    } finally {
      setBusy(false);
    }
  }

  async function merge() {
    if (!pick) return;
    setBusy(true);
    setError('');
    try {
      const c = await inboxApi.merge(detail.id, pick.id);
      setFound(null);
      setPick(null);
      setQuery('');
      onMerged(c);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not merge.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card case-merge">
      <summary>Merge another case into this one</summary>
      <form onSubmit={(e) => void find(e)}>
        <label htmlFor={`${id}-q`}>Case number or subject words</label>
        <div className="inline-input">
          <input id={`${id}-q`} value={query} placeholder="#42" onChange={(e) => setQuery(e.target.value)} />
          <button type="submit" className="secondary compact" disabled={busy}>
            Find
          </button>
        </div>
      </form>
      {found && found.length === 0 && <p className="notice">No other case matches.</p>}
      {found && found.length > 0 && (
        <fieldset className="plain">
          <legend className="visually-hidden">Case to merge</legend>
          <ul className="pick-list">
            {found.map((c) => (
              <li key={c.id}>
                <label className={pick?.id === c.id ? 'pick checked' : 'pick'}>
                  <input
                    type="radio"
                    name={`${id}-pick`}
                    checked={pick?.id === c.id}
                    onChange={() => setPick(c)}
                  />
                  <span>
                    #{c.number} {c.subject} <span className="muted">({statusLabels[c.status]})</span>
                  </span>
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      )}
      {pick && (
        <div className="row">
          <button type="button" disabled={busy} onClick={() => void merge()}>
            Merge case #{pick.number} into #{detail.number}
          </button>
          <span className="hint">Its conversations move here; it is closed, pointing to this case.</span>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </details>
  );
}
