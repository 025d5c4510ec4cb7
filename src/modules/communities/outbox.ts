import type { Selectable } from 'kysely';
import { PublishError } from '../../connectors/bluesky/publish.ts';
import { smtpConfigSchema } from '../../connectors/email/smtp.ts';
import { connectorSecret } from '../../connectors/service.ts';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';

/** The community's outbox tables: rows with status, attempts and next_attempt_at. */
type OutboxTable =
  | 'community_loop_deliveries'
  | 'community_newsletter_deliveries'
  | 'community_post_deliveries'
  | 'community_shares';

/** A row left "sending" this long was being sent by a process that died: it is due again. */
const STALE_SENDING_MS = 5 * 60_000;

/**
 * Claims up to `limit` due rows of an outbox table (queued and due, or stale in "sending"),
 * marking them "sending" with one more attempt, in one transaction; on PostgreSQL the rows are
 * locked with SKIP LOCKED, so two workers never claim the same row.
 */
async function claimDue<T extends OutboxTable>(
  ctx: AppContext,
  table: T,
  limit: number,
): Promise<Selectable<DB[T]>[]> {
  // The tables share these columns; one of them names the shape for the query builder.
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

/**
 * The worker's pass over an outbox table: claims due rows (and ones left "sending" by a process
 * that died), sends each with `send`, which returns the columns a sent row records (its external
 * id…), and records sent, or a retry with backoff, failed or skipped with why (`failed` may
 * change what a failure leaves). Returns how many rows were attempted.
 */
export async function deliverDue<T extends OutboxTable>(
  ctx: AppContext,
  table: T,
  limit: number,
  send: (row: Selectable<DB[T]>) => Promise<Record<string, string | null>>,
  failed: (next: FailedAttempt) => FailedAttempt = (next) => next,
): Promise<number> {
  // The tables share these columns; one of them names the shape for the query builder.
  const name = table as 'community_loop_deliveries';
  const claimed = await claimDue(ctx, table, limit);
  for (const row of claimed) {
    const { id, attempts } = row as unknown as { id: string; attempts: number };
    const at = ctx.now().toISOString();
    try {
      const sent = await send(row);
      await ctx.db
        .updateTable(name)
        .set({ ...sent, status: 'sent', sent_at: at, last_error: null, next_attempt_at: null })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      await ctx.db
        .updateTable(name)
        .set(failed(afterFailedAttempt(err, attempts, at)))
        .where('id', '=', id)
        .execute();
    }
  }
  return claimed.length;
}

/** Minutes before the 2nd, 3rd, 4th and 5th attempt; after the 5th a row fails for good. */
const BACKOFF_MINUTES = [1, 5, 30, 120];

/** A delivery that will never be possible (no connector, unsubscribed…): `skipped` with the reason. */
export class SkipDelivery extends Error {}

/** What a failed attempt leaves on a row (see `afterFailedAttempt`). */
export type FailedAttempt = {
  status: 'queued' | 'failed' | 'skipped';
  last_error: string;
  next_attempt_at: string | null;
};

/**
 * What a failed attempt leaves on an outbox row: queued again with backoff while the error may
 * pass and attempts remain, else `skipped` (a `SkipDelivery`) or `failed`, with the message.
 */
function afterFailedAttempt(err: unknown, attempts: number, at: string): FailedAttempt {
  const message = err instanceof Error ? err.message : String(err);
  const retryable = !(err instanceof SkipDelivery) && !(err instanceof PublishError && !err.retryable);
  const wait = BACKOFF_MINUTES[attempts - 1];
  return retryable && wait !== undefined
    ? {
        status: 'queued' as const,
        last_error: message,
        next_attempt_at: new Date(Date.parse(at) + wait * 60_000).toISOString(),
      }
    : {
        status: err instanceof SkipDelivery ? ('skipped' as const) : ('failed' as const),
        last_error: message,
        next_attempt_at: null,
      };
}

/**
 * Community mail about something older than this is no longer news. It is dropped (`skipped`,
 * with the reason), never sent late: mail queued while the workspace had no email connector
 * (the demo's seeded history, a mailer added months later) must not flood members with old news.
 */
export const STALE_AFTER_DAYS = 7;

/** Why mail about something that happened at `happenedAt` is too late to send now, or null. */
export function staleReason(happenedAt: string, now: Date, what: string): string | null {
  const days = (now.getTime() - Date.parse(happenedAt)) / 86_400_000;
  return days > STALE_AFTER_DAYS
    ? `Too late: ${what} is ${Math.floor(days)} days old (community mail older than ${STALE_AFTER_DAYS} days is not sent)`
    : null;
}

/** The workspace's first enabled email connector: how the community sends its mail (null: none). */
export async function communityMailer(ctx: AppContext, workspaceId: string) {
  const row = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'email')
    .where('enabled', '=', 1)
    .orderBy('created_at')
    .executeTakeFirst();
  if (!row) return null;
  return {
    config: smtpConfigSchema.parse(ctx.dialect.parseJson(row.config)),
    secret: connectorSecret(ctx, row),
  };
}
