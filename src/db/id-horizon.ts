import type { AppContext } from '../context.ts';

/**
 * On PostgreSQL ids are taken when a row is inserted but become visible at commit, so a gap in a
 * table's ids may be a row still being committed. A reader's cursor stops at a gap until the row
 * after it is this old; then the gap is taken for a rolled-back transaction.
 */
const GAP_GRACE_MS = 60_000;

/**
 * How far a cursor over an append-only table may move: given the rows after `after` in id order,
 * the highest id up to which every row is committed (see GAP_GRACE_MS). Readers of the record
 * feed (webhooks, case rules) and of idea status changes use it.
 */
export function settledIdHorizon(
  ctx: Pick<AppContext, 'dialect' | 'now'>,
  rows: { id: number | string; created_at: string }[],
  after: number,
): number {
  // SQLite has one writer: ids become visible in order, so a gap is a rollback, never a straggler.
  if (ctx.dialect.name === 'sqlite') return Number(rows[rows.length - 1]?.id ?? after);
  const settled = ctx.now().getTime() - GAP_GRACE_MS;
  let horizon = after;
  for (const r of rows) {
    const id = Number(r.id);
    if (id !== horizon + 1 && Date.parse(r.created_at) > settled) break;
    horizon = id;
  }
  return horizon;
}
