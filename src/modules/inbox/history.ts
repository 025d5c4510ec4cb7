/**
 * A post stored more than this many days after it was written arrived as history (an imported
 * archive, an RSS feed's first poll): it is kept, analysed and shown in Listening, but routing
 * opens no case or lead for it, sends no reply and dismisses nothing. Two weeks is past any
 * conversation a person still waits on an answer in, and beyond the week the demo back-fills.
 */
export const HISTORY_AFTER_DAYS = 14;

const HISTORY_AFTER_MS = HISTORY_AFTER_DAYS * 24 * 3_600_000;

/** Whether a post written at `createdAt` was already history when it was stored at `storedAt`. */
export function arrivedAsHistory(createdAt: string, storedAt: string): boolean {
  const age = Date.parse(storedAt) - Date.parse(createdAt);
  // An unreadable date counts as new: better a case too many than a conversation never seen.
  return Number.isFinite(age) && age > HISTORY_AFTER_MS;
}
