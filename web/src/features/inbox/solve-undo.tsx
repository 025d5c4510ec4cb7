import { useEffect, useState } from 'react';
import type { Case, CaseStatus } from '../../api/inbox.ts';
import { surveysApi } from '../../api/surveys.ts';
import { statusLabels } from './inbox-bits.tsx';
import {
  nextTickIn,
  type SolvedCase,
  type SurveyHold,
  secondsLeft,
  surveyWaitText,
  undoDeadline,
} from './undo-window.ts';

/**
 * A solve (of one case, or of a batch from the bulk bar) that can still be undone: each case with
 * the status it had, which of them hold a survey, and when the offer ends on this browser's clock.
 */
export type SolveUndo = {
  cases: SolvedCase[];
  /** The cases whose solve queued a survey that is still held (withdrawn if undone in time). */
  heldCaseIds: string[];
  /** Epoch ms (browser clock): the first held survey's `heldUntil`, or SOLVE_UNDO_MS without one. */
  until: number;
  /** The seconds left when the offer was made: the only count screen readers are told. */
  startSeconds: number;
};

/**
 * What the notice offers after cases were solved (each from its `from`): asks each case's surveys
 * whether one is held, and until when by the server's clock.
 */
export async function solveUndoOf(solved: { c: Case; from: CaseStatus }[]): Promise<SolveUndo> {
  const solvedAt = Date.now();
  const holds = await Promise.all(
    solved.map(async ({ c }): Promise<SurveyHold | null> => {
      const sentAt = Date.now();
      try {
        const { items, now } = await surveysApi.forCase(c.id);
        const held = items.find((r) => r.heldUntil !== null);
        return held?.heldUntil ? { heldUntil: held.heldUntil, serverNow: now, sentAt } : null;
      } catch {
        return null;
      }
    }),
  );
  const until = undoDeadline(
    holds.filter((h): h is SurveyHold => h !== null),
    solvedAt,
  );
  return {
    cases: solved.map(({ c, from }) => ({ caseId: c.id, number: c.number, from })),
    heldCaseIds: solved.filter((_, i) => holds[i]).map(({ c }) => c.id),
    until,
    startSeconds: secondsLeft(until, Date.now()),
  };
}

/**
 * "Case #123 solved. Undo" (or "5 cases solved. Undo"): a live region that is always in the page
 * (so screen readers announce what appears in it), showing the offer until `undo.until`, with the
 * seconds left counting down. Only the first count is announced: the ticking copy is aria-hidden.
 * `z` undoes too (the inbox's shortcuts).
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
  // The clock of the countdown, for the offer it was read for (a new offer starts from its own).
  const [tick, setTick] = useState<{ of: SolveUndo | null; now: number }>({ of: null, now: 0 });
  useEffect(() => {
    if (!undo) return;
    let timer = 0;
    const next = () => {
      const at = Date.now();
      if (at >= undo.until) {
        onExpire(undo);
        return;
      }
      setTick({ of: undo, now: at });
      timer = window.setTimeout(next, nextTickIn(undo.until, at));
    };
    next();
    return () => window.clearTimeout(timer);
  }, [undo, onExpire]);
  const seconds = undo ? (tick.of === undo ? secondsLeft(undo.until, tick.now) : undo.startSeconds) : 0;
  const single = undo?.cases.length === 1 ? undo.cases[0] : undefined;
  return (
    <div className="undo-toast-region" role="status">
      {undo && (
        <div className="undo-toast">
          <span>
            {single ? `Case #${single.number} solved.` : `${undo.cases.length} cases solved.`}
            {undo.heldCaseIds.length > 0 && (
              <>
                {' '}
                <span className="visually-hidden">
                  {surveyWaitText(undo.heldCaseIds.length, undo.startSeconds)}
                </span>
                <span className="undo-countdown" aria-hidden="true">
                  {surveyWaitText(undo.heldCaseIds.length, seconds)}
                </span>
              </>
            )}
          </span>
          <button type="button" className="compact undo-button" disabled={busy} onClick={() => onUndo(undo)}>
            Undo
            <span className="visually-hidden">
              {single ? ` (back to ${statusLabels[single.from]})` : ' (each back to the status it had)'}
            </span>
          </button>
          <span className="undo-key">
            or press <kbd>z</kbd>
          </span>
        </div>
      )}
    </div>
  );
}
