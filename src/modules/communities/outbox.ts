import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';

/** The community's outbox tables: rows with status, attempts and next_attempt_at. */
type OutboxTable = 'community_loop_deliveries' | 'community_newsletter_deliveries' | 'community_shares';

/** A row left "sending" this long was being sent by a process that died: it is due again. */
const STALE_SENDING_MS = 5 * 60_000;

/**
 * Claims up to `limit` due rows of an outbox table (queued and due, or stale in "sending"),
 * marking them "sending" with one more attempt, in one transaction; on PostgreSQL the rows are
 * locked with SKIP LOCKED, so two workers never claim the same row.
 */
export async function claimDue<T extends OutboxTable>(
  ctx: AppContext,
  table: T,
  limit: number,
): Promise<Selectable<DB[T]>[]> {
  // The three tables share these columns; one of them names the shape for the query builder.
  const name = table as 'community_shares';
  const now = ctx.now();
  const claimed = await ctx.db.transaction().execute(async (trx) => {
    const due = await ctx.dialect
      .lockForClaim(
        trx
          .selectFrom(name)
          .selectAll()
          .where((eb) =>
            eb.or([
              eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now.toISOString())]),
              eb.and([
                eb('status', '=', 'sending'),
                eb('next_attempt_at', '<=', new Date(now.getTime() - STALE_SENDING_MS).toISOString()),
              ]),
            ]),
          )
          .orderBy('created_at')
          .limit(limit),
      )
      .execute();
    if (due.length === 0) return [];
    await trx
      .updateTable(name)
      .set((eb) => ({
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: now.toISOString(),
      }))
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .execute();
    return due.map((d) => ({ ...d, attempts: Number(d.attempts) + 1 }));
  });
  return claimed as unknown as Selectable<DB[T]>[];
}
