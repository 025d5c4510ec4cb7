import { useEffect } from 'react';
import { type Case, type CaseStatus, surveysApi } from '../../api.ts';
import { statusLabels } from './inbox-bits.tsx';

/**
 * How long "Undo" is offered after a solve: the server holds the survey a solve queues as long
 * (SOLVE_SURVEY_GRACE_MS in src/modules/surveys/service.ts), so undoing in time withdraws it.
 */
export const SOLVE_UNDO_MS = 30_000;

/** A solve that can still be undone: the case, the status it had, and whether a survey is held. */
export type SolveUndo = { caseId: string; number: number; from: CaseStatus; surveyHeld: boolean };

/** What the toast offers after a case was solved from `from`; asks the case's surveys whether one is held. */
export async function solveUndoOf(c: Case, from: CaseStatus): Promise<SolveUndo> {
  const surveyHeld = await surveysApi
    .forCase(c.id)
    .then(({ items }) => items.some((r) => r.heldUntil !== null))
    .catch(() => false);
  return { caseId: c.id, number: c.number, from, surveyHeld };
}

/**
 * "Case #123 solved. Undo": a live region that is always in the page (so screen readers announce
 * what appears in it), showing the offer for SOLVE_UNDO_MS. `z` undoes too (the inbox's shortcuts).
 */
export function SolveUndoToast({
  undo,
  busy,
  onUndo,
  onExpire,
}: {
  undo: SolveUndo | null;
  busy: boolean;
  onUndo(u: SolveUndo): void;
  onExpire(u: SolveUndo): void;
}) {
  useEffect(() => {
    if (!undo) return;
    const timer = window.setTimeout(() => onExpire(undo), SOLVE_UNDO_MS);
    return () => window.clearTimeout(timer);
  }, [undo, onExpire]);
  return (
    <div className="undo-toast-region" role="status">
      {undo && (
        <div className="undo-toast">
          <span>
            Case #{undo.number} solved.
            {undo.surveyHeld &&
              ` The survey goes to the customer in ${SOLVE_UNDO_MS / 1000} s unless you undo.`}
          </span>
          <button type="button" className="compact undo-button" disabled={busy} onClick={() => onUndo(undo)}>
            Undo<span className="visually-hidden"> (back to {statusLabels[undo.from]})</span>
          </button>
          <span className="undo-key">
            or press <kbd>z</kbd>
          </span>
        </div>
      )}
    </div>
  );
}
