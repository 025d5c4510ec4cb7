import { describe, expect, it } from 'vitest';
import {
  batchUndoReport,
  nextTickIn,
  SOLVE_UNDO_MS,
  type SolvedCase,
  secondsLeft,
  surveyWaitText,
  undoDeadline,
} from './undo-window.ts';

const at = (iso: string) => Date.parse(iso);

describe('undoDeadline', () => {
  it('ends when the server says the survey goes, counted from the server clock, not the browser clock', () => {
    // The browser's clock runs 5 minutes ahead of the server's; 10 s of the hold are left.
    const sentAt = at('2026-12-06T12:05:00.000Z');
    const deadline = undoDeadline(
      [{ heldUntil: '2026-12-06T12:00:30.000Z', serverNow: '2026-12-06T12:00:20.000Z', sentAt }],
      sentAt - 2_000,
    );
    expect(deadline).toBe(sentAt + 10_000);
  });

  it('takes the first survey to go out when a batch holds several', () => {
    const sentAt = 1_000_000;
    const deadline = undoDeadline(
      [
        { heldUntil: '2026-12-06T12:00:30.000Z', serverNow: '2026-12-06T12:00:10.000Z', sentAt },
        {
          heldUntil: '2026-12-06T12:00:29.000Z',
          serverNow: '2026-12-06T12:00:10.000Z',
          sentAt: sentAt + 500,
        },
      ],
      sentAt,
    );
    expect(deadline).toBe(sentAt + 500 + 19_000);
  });

  it('keeps the fixed window when no survey is held, or the server time cannot be read', () => {
    expect(undoDeadline([], 5_000)).toBe(5_000 + SOLVE_UNDO_MS);
    expect(
      undoDeadline([{ heldUntil: 'soon', serverNow: '2026-12-06T12:00:10.000Z', sentAt: 7 }], 5_000),
    ).toBe(5_000 + SOLVE_UNDO_MS);
  });

  it('ends at once when the hold is already over by the server clock', () => {
    expect(
      undoDeadline(
        [{ heldUntil: '2026-12-06T12:00:00.000Z', serverNow: '2026-12-06T12:00:03.000Z', sentAt: 9 }],
        1,
      ),
    ).toBe(9);
  });
});

describe('secondsLeft and nextTickIn', () => {
  it('rounds the seconds up, so the count shows 1 s until the very end and 0 after it', () => {
    expect(secondsLeft(30_000, 0)).toBe(30);
    expect(secondsLeft(30_000, 6_500)).toBe(24);
    expect(secondsLeft(30_000, 29_999)).toBe(1);
    expect(secondsLeft(30_000, 30_000)).toBe(0);
    expect(secondsLeft(30_000, 45_000)).toBe(0);
  });

  it('waits until the shown second changes', () => {
    expect(nextTickIn(30_000, 6_500)).toBe(500);
    expect(nextTickIn(30_000, 7_000)).toBe(1_000);
    expect(nextTickIn(30_000, 29_800)).toBe(200);
    expect(nextTickIn(30_000, 31_000)).toBe(0);
  });
});

describe('surveyWaitText', () => {
  it('says how long the held survey waits, for one case or a batch, and nothing without one', () => {
    expect(surveyWaitText(1, 23)).toBe('The survey goes to the customer in 23 s unless you undo.');
    expect(surveyWaitText(3, 9)).toBe('3 surveys go to their customers in 9 s unless you undo.');
    expect(surveyWaitText(0, 9)).toBe('');
  });
});

const batch: SolvedCase[] = [
  { caseId: 'a', number: 11, from: 'open' },
  { caseId: 'b', number: 12, from: 'pending_customer' },
  { caseId: 'c', number: 13, from: 'on_hold' },
  { caseId: 'd', number: 14, from: 'open' },
];

describe('batchUndoReport', () => {
  it('counts the cases put back and the surveys withdrawn, and names the ones not undone', () => {
    expect(batchUndoReport(batch.slice(0, 2), [], [], 2)).toBe(
      '2 cases put back to the status each had; 2 surveys withdrawn.',
    );
    expect(
      batchUndoReport([batch[0] as SolvedCase], [batch[1] as SolvedCase], [batch[3] as SolvedCase], 0),
    ).toBe(
      '1 case put back to the status it had. Not undone, no longer solved (changed since): #12. Could not be undone: #14.',
    );
  });
});
