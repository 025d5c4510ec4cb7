import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import {
  type CustomerProfile,
  type CustomerSummary,
  customersApi,
  type Merge,
  type MergeSuggestion,
} from '../../api/customers.ts';
import { ApiError } from '../../api.ts';
import { ChannelChips, CustomerAvatar, EvidenceItem, percent } from './customer-bits.tsx';

const message = (err: unknown, fallback: string) => (err instanceof ApiError ? err.message : fallback);
const profilePath = (id: string) => `/customers/${encodeURIComponent(id)}`;

/**
 * The open merge suggestions naming this customer (either side of the pair), with their evidence,
 * to accept (merge) or reject. Renders nothing while there are none.
 *
 * Accepting merges the suggestion's `other` into its `customer` (the older of the two): when this
 * profile is the one merged away, `onMerged` gets the merge so the page can move to the survivor.
 */
export function PossibleDuplicates({
  profile,
  canWrite,
  onMerged,
  onRejected,
}: {
  profile: CustomerProfile;
  canWrite: boolean;
  onMerged(merge: Merge, into: CustomerSummary, from: CustomerSummary): void;
  onRejected(other: CustomerSummary): void;
}) {
  const [items, setItems] = useState<MergeSuggestion[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState('');
  const latest = useRef(0);
  const id = useId();
  const customerId = profile.id;

  /** The first page (replacing the list), or the page after `after` (appended). */
  const load = useCallback(
    async (after?: string) => {
      const call = ++latest.current;
      try {
        const page = await customersApi.suggestions({ customerId, cursor: after, limit: 10 });
        // Only the latest request counts: an earlier answer may be about another customer.
        if (call !== latest.current) return;
        setItems((prev) => (after ? [...prev, ...page.items] : page.items));
        setCursor(page.nextCursor);
      } catch {
        // A side panel: the profile stays usable without it (the Suggestions page lists them all).
        if (call === latest.current && !after) setItems([]);
      }
    },
    [customerId],
  );

  // Again whenever the profile is reloaded: a merge or an undo there changes what is suggested.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `profile` is the reload signal
  useEffect(() => {
    void load();
  }, [load, profile]);

  async function decide(s: MergeSuggestion, accept: boolean) {
    setBusy(s.id);
    setError('');
    const other = s.customer.id === customerId ? s.other : s.customer;
    try {
      if (accept) {
        const merge = await customersApi.acceptSuggestion(s.id);
        const into = merge.intoId === s.customer.id ? s.customer : s.other;
        const from = into.id === s.customer.id ? s.other : s.customer;
        onMerged(merge, into, from);
      } else {
        await customersApi.rejectSuggestion(s.id);
        onRejected(other);
      }
      await load();
    } catch (err) {
      setError(
        message(err, accept ? 'Could not accept the suggestion.' : 'Could not reject the suggestion.'),
      );
      await load();
    } finally {
      setBusy('');
    }
  }

  if (items.length === 0 && !error) return null;
  return (
    <section className="card profile-section possible-duplicates" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Possible duplicates</h2>
      <p className="hint">
        Weaker evidence suggests these are the same person. Accepting merges the two profiles (it can be
        undone under Merges); rejecting keeps them apart for good.
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <ul className="merge-list" aria-label={`Possible duplicates of ${profile.displayName}`}>
        {items.map((s) => {
          const other = s.customer.id === customerId ? s.other : s.customer;
          // The API merges `other` into `customer`: say which profile remains.
          const survivor = s.customer.id === customerId ? profile.displayName : other.displayName;
          return (
            <li key={s.id} className="merge duplicate">
              <div className="merge-head">
                <div className="suggested-who">
                  <CustomerAvatar name={other.displayName} />
                  <div>
                    <Link to={profilePath(other.id)} className="customer-name">
                      {other.displayName}
                    </Link>
                    {other.primaryEmail && <div className="muted small">{other.primaryEmail}</div>}
                  </div>
                </div>
                <span className={`pill ${s.confidence >= 0.75 ? 'ok' : 'warn'}`}>
                  {percent(s.confidence)} confidence
                </span>
              </div>
              <ChannelChips identities={other.identities} />
              <h3 className="why-kind">Evidence</h3>
              <ul className="evidence">
                {s.evidence.map((e) => (
                  <EvidenceItem key={e} text={e} />
                ))}
              </ul>
              <div className="row">
                <button
                  type="button"
                  className="compact"
                  disabled={!canWrite || busy !== ''}
                  aria-label={`Accept: merge ${profile.displayName} and ${other.displayName} (keeps ${survivor})`}
                  onClick={() => void decide(s, true)}
                >
                  {busy === s.id ? 'Working…' : 'Accept'}
                </button>
                <button
                  type="button"
                  className="secondary compact"
                  disabled={!canWrite || busy !== ''}
                  aria-label={`Reject: keep ${profile.displayName} and ${other.displayName} apart`}
                  onClick={() => void decide(s, false)}
                >
                  Reject
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {cursor && (
        <button type="button" className="secondary load-more" onClick={() => void load(cursor)}>
          Show more
        </button>
      )}
    </section>
  );
}
