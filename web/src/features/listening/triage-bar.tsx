import { useState } from 'react';
import {
  type BulkDispositionResult,
  type DismissReason,
  type Disposition,
  dismissReasons,
  inboxApi,
} from '../../api/inbox.ts';
import { ApiError } from '../../api.ts';

const reasonLabels: Record<DismissReason, string> = {
  noise: 'noise',
  spam: 'spam',
  not_actionable: 'not actionable',
  duplicate: 'duplicate',
};

/** What a triage did, in a sentence: how many were decided, and why others were left. */
export function triageSummary(result: BulkDispositionResult, what: string): string {
  const n = result.decided.length;
  const parts = [`${what} ${n} post${n === 1 ? '' : 's'}.`];
  const count = (reason: BulkDispositionResult['skipped'][number]['reason']) =>
    result.skipped.filter((s) => s.reason === reason).length;
  const decided = count('already_decided');
  const gone = count('deleted') + count('not_found');
  if (decided > 0) parts.push(`${decided} already decided kept ${decided === 1 ? 'its' : 'their'} decision.`);
  if (gone > 0) parts.push(`${gone} deleted meanwhile ${gone === 1 ? 'was' : 'were'} left out.`);
  return parts.join(' ');
}

/**
 * Triage of the ticked posts in one request (up to 200): dismiss them with a reason or mark them
 * answered. Only undecided posts are decided; the server names the others.
 */
export function TriageBar({
  ids,
  onDecided,
  onClear,
}: {
  ids: number[];
  onDecided(decided: Disposition[], message: string): void;
  onClear(): void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = async (input: { action: 'answered' } | { action: 'dismiss'; reason: DismissReason }) => {
    setBusy(true);
    setError('');
    try {
      const result = await inboxApi.disposeMany(ids, input);
      const what =
        input.action === 'answered' ? 'Marked answered:' : `Dismissed as ${reasonLabels[input.reason]}:`;
      onDecided(result.decided, triageSummary(result, what));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not decide on the selected posts.');
    } finally {
      setBusy(false);
    }
  };
  return (
    <fieldset className="bulk-bar triage-bar" aria-label="Decide on the selected posts">
      <strong>{ids.length} selected</strong>
      <select
        aria-label="Dismiss the selected posts as"
        value=""
        disabled={busy}
        onChange={(e) => {
          const reason = dismissReasons.find((r) => r === e.target.value);
          if (reason) void run({ action: 'dismiss', reason });
        }}
      >
        <option value="">Dismiss as…</option>
        {dismissReasons.map((r) => (
          <option key={r} value={r}>
            {reasonLabels[r]}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="secondary compact"
        disabled={busy}
        onClick={() => void run({ action: 'answered' })}
      >
        Mark answered
      </button>
      <button type="button" className="link-button" disabled={busy} onClick={onClear}>
        Clear selection
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
