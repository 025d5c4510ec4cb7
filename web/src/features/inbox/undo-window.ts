import type { CaseStatus } from '../../api/inbox.ts';

/**
 * How long "Undo" is offered after a solve that holds no survey: the status can always be set
 * back, so this is only how long the notice stays. A held survey sets its own window (`undoDeadline`).
 */
export const SOLVE_UNDO_MS = 30_000;

/** One solved case the notice can put back: the status it had before the solve. */
export type SolvedCase = { caseId: string; number: number; from: CaseStatus };

/**
 * When, on this browser's clock (epoch ms), the undo offer ends. With held surveys it ends when
 * the first of them may go out: the server's `heldUntil` measured from the server's own `now` in
 * the same answer, so a browser clock that is off, or a slow network, does not stretch or shrink
 * it. Each hold's `sentAt` is when the browser sent that request: the server's `now` is no earlier
 * than that, so the window counted from it can end a round trip early but never after the survey
 * has gone. Without held surveys the offer lasts SOLVE_UNDO_MS from `solvedAt`.
 */
export function undoDeadline(holds: SurveyHold[], solvedAt: number): number {
  const ends = holds
    .map((h) => h.sentAt + Math.max(0, Date.parse(h.heldUntil) - Date.parse(h.serverNow)))
    .filter((ms) => Number.isFinite(ms));
  return ends.length === 0 ? solvedAt + SOLVE_UNDO_MS : Math.min(...ends);
}

/** A survey a solve holds, as one answer of the surveys API gave it, and when that request was sent. */
export type SurveyHold = { heldUntil: string; serverNow: string; sentAt: number };

/** Whole seconds left until `deadline`, rounded up (so "1 s" shows until the very end), never below 0. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** How long until the shown seconds change (or the offer ends): the next tick of a countdown. */
export function nextTickIn(deadline: number, now: number): number {
  const left = deadline - now;
  if (left <= 0) return 0;
  return left % 1000 || 1000;
}

/** The sentence the notice adds for held surveys, e.g. "The survey goes to the customer in 23 s unless you undo." */
export function surveyWaitText(held: number, seconds: number): string {
  if (held <= 0) return '';
  return held === 1
    ? `The survey goes to the customer in ${seconds} s unless you undo.`
    : `${held} surveys go to their customers in ${seconds} s unless you undo.`;
}

/** What the inbox says after a batch undo: how many were put back, and which were not and why. */
export function batchUndoReport(
  restored: SolvedCase[],
  changed: SolvedCase[],
  failed: SolvedCase[],
  surveysWithdrawn: number,
): string {
  const parts: string[] = [];
  const plural = (n: number) => (n === 1 ? '1 case' : `${n} cases`);
  parts.push(
    `${plural(restored.length)} put back to the status ${restored.length === 1 ? 'it' : 'each'} had`,
  );
  if (surveysWithdrawn > 0)
    parts.push(`${surveysWithdrawn === 1 ? '1 survey' : `${surveysWithdrawn} surveys`} withdrawn`);
  let text = `${parts.join('; ')}.`;
  const numbers = (cs: SolvedCase[]) => cs.map((c) => `#${c.number}`).join(', ');
  if (changed.length > 0) text += ` Not undone, no longer solved (changed since): ${numbers(changed)}.`;
  if (failed.length > 0) text += ` Could not be undone: ${numbers(failed)}.`;
  return text;
}
