/**
 * Rows or values per statement when a list goes into one `in (…)` or one multi-row insert: well
 * under SQLite's and PostgreSQL's bound-parameter limits even with a dozen columns a row.
 */
export const CHUNK = 400;

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
