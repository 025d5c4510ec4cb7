import { useEffect, useId, useRef, useState } from 'react';
import { type CustomerProfile, type CustomerSummary, customersApi } from '../../api/customers.ts';
import { ApiError, formatDate } from '../../api.ts';
import { ChannelChips, CustomerAvatar, EvidenceItem } from './customer-bits.tsx';
import { useDebounced } from './customers-page.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);

export function MergesSection({
  profile,
  canWrite,
  onUndone,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onUndone(restored: CustomerSummary): void;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const id = useId();

  async function undo(mergeId: string) {
    setBusy(mergeId);
    setError('');
    try {
      const r = await customersApi.unmerge(mergeId);
      onUndone(r.restored);
    } catch (err) {
      setError(message(err, 'Could not undo the merge.'));
    } finally {
      setBusy('');
    }
  }

  return (
    <section className="card profile-section" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Merges</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {profile.merges.length === 0 ? (
        <p className="notice">No other profile has been merged into this one.</p>
      ) : (
        <ul className="merge-list">
          {profile.merges.map((m) => (
            <li key={m.id} className="merge">
              <div className="merge-head">
                <span>
                  <strong>{m.fromName}</strong> merged in{' '}
                  <time dateTime={m.createdAt} className="muted">
                    {formatDate(m.createdAt)}
                  </time>
                  {!m.actorUserId && <span className="muted"> (automatic)</span>}
                </span>
                {m.undoneAt ? (
                  <span className="pill off">undone {formatDate(m.undoneAt)}</span>
                ) : (
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={!canWrite || busy === m.id}
                    aria-label={`Undo merge of ${m.fromName}`}
                    onClick={() => void undo(m.id)}
                  >
                    {busy === m.id ? 'Undoing…' : 'Undo'}
                  </button>
                )}
              </div>
              {m.evidence.length > 0 && (
                <ul className="evidence">
                  {m.evidence.map((e) => (
                    <EvidenceItem key={e} text={e} />
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MergeAnother({
  profile,
  canWrite,
  onMerged,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onMerged(fromName: string): void;
}) {
  const [search, setSearch] = useState('');
  const query = useDebounced(search);
  const [results, setResults] = useState<CustomerSummary[]>([]);
  const [picked, setPicked] = useState<CustomerSummary | null>(null);
  const [evidence, setEvidence] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const id = useId();

  useEffect(() => {
    if (!query.trim()) {
      setResults([]);
      return;
    }
    let current = true;
    customersApi
      .list(query, undefined, 8)
      .then((r) => current && setResults(r.items.filter((c) => c.id !== profile.id)))
      .catch(() => current && setResults([]));
    return () => {
      current = false;
    };
  }, [query, profile.id]);

  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  async function merge() {
    if (!picked) return;
    setBusy(true);
    setError('');
    try {
      await customersApi.merge(profile.id, {
        from: picked.id,
        ...(evidence.trim() ? { evidence: evidence.trim() } : {}),
      });
      const name = picked.displayName;
      setPicked(null);
      setSearch('');
      setResults([]);
      setEvidence('');
      setConfirming(false);
      onMerged(name);
      // The confirm buttons are gone: keep focus in the form, ready for another merge.
      searchInput.current?.focus();
    } catch (err) {
      setError(message(err, 'Could not merge.'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="card profile-section merge-another">
      <summary>Merge another customer into this one</summary>
      <fieldset disabled={!canWrite} className="plain">
        <label htmlFor={`${id}-search`}>Find the customer to merge</label>
        <input
          ref={searchInput}
          id={`${id}-search`}
          type="search"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setConfirming(false);
          }}
          placeholder="Name, handle or email"
        />
        {query.trim() && results.length === 0 && <p className="muted small">No other customer matches.</p>}
        {results.length > 0 && (
          <fieldset className="plain pick-list">
            <legend className="visually-hidden">Customer to merge into {profile.displayName}</legend>
            {results.map((c) => (
              <label key={c.id} className={picked?.id === c.id ? 'pick checked' : 'pick'}>
                <input
                  type="radio"
                  name={`${id}-pick`}
                  value={c.id}
                  checked={picked?.id === c.id}
                  onChange={() => {
                    setPicked(c);
                    setConfirming(false);
                  }}
                />
                <CustomerAvatar name={c.displayName} />
                <span className="pick-who">
                  <strong>{c.displayName}</strong>
                  <ChannelChips identities={c.identities} />
                </span>
              </label>
            ))}
          </fieldset>
        )}
        <label htmlFor={`${id}-evidence`}>Evidence note (optional)</label>
        <textarea
          id={`${id}-evidence`}
          className="prose"
          rows={2}
          value={evidence}
          onChange={(e) => setEvidence(e.target.value)}
          placeholder="e.g. Confirmed by email that both accounts are theirs"
          maxLength={500}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {confirming && picked ? (
          <fieldset className="plain confirm-box">
            <legend className="visually-hidden">Confirm merge</legend>
            <p>
              Merge <strong>{picked.displayName}</strong> into <strong>{profile.displayName}</strong>? Their
              identities, mentions and history move to this profile. You can undo it later.
            </p>
            <div className="row">
              <button ref={confirmButton} type="button" disabled={busy} onClick={() => void merge()}>
                {busy ? 'Merging…' : 'Yes, merge'}
              </button>
              <button type="button" className="secondary" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </fieldset>
        ) : (
          <div className="row">
            <button type="button" disabled={!canWrite || !picked} onClick={() => setConfirming(true)}>
              Merge…
            </button>
          </div>
        )}
      </fieldset>
    </details>
  );
}
