import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { Format } from './formats.ts';

export type LogEntry = {
  workspaceId: string;
  connectorId: string | null;
  format: Format;
  /** The raw item as received, serialised; stored untouched so it can be replayed. */
  payload: string;
  /** The connector's position after this item, so a restart resumes from it. */
  cursor?: string | null;
  /** History the connector fetched rather than received live; left out of its items per minute. */
  backfill?: boolean;
};

const CHUNK = 1000;

type Checkpoint = { connectorId: string; cursor: string };

/**
 * Appends raw items to the ingest log in one transaction and, when given, saves the
 * connector's cursor in the same transaction: what is acknowledged as read is durably stored.
 * With a JetStream transport (`ctx.ingest`) the items are published there, and the cursor is
 * saved once JetStream has stored them all: a crash in between reads them again from the
 * source, which the pipeline's idempotent writes absorb.
 */
export async function appendToLog(
  ctx: AppContext,
  entries: LogEntry[],
  checkpoint?: Checkpoint,
): Promise<void> {
  if (entries.length === 0 && !checkpoint) return;
  const receivedAt = ctx.now().toISOString();
  if (ctx.ingest) {
    await ctx.ingest.publish(entries, receivedAt);
    if (checkpoint) await saveCheckpoint(ctx.db, checkpoint, entries.length, receivedAt);
    return;
  }
  await ctx.db.transaction().execute(async (trx) => {
    await insertLogEntries(trx, entries, receivedAt);
    if (checkpoint) await saveCheckpoint(trx, checkpoint, entries.length, receivedAt);
  });
}

async function saveCheckpoint(
  db: Kysely<DB>,
  checkpoint: Checkpoint,
  appended: number,
  receivedAt: string,
): Promise<void> {
  await db
    .updateTable('connectors')
    .set((eb) => ({
      cursor: checkpoint.cursor,
      last_item_at: appended > 0 ? receivedAt : eb.ref('last_item_at'),
      items_total: eb('items_total', '+', appended),
      updated_at: receivedAt,
    }))
    .where('id', '=', checkpoint.connectorId)
    .execute();
}

/**
 * Writes entries to the ingest log inside a transaction the caller holds, for a caller whose own
 * writes must commit or fail with them (a quarantine retry marks the items retried in the same one).
 */
export async function insertLogEntries(
  trx: Transaction<DB>,
  entries: LogEntry[],
  receivedAt: string,
): Promise<void> {
  for (let i = 0; i < entries.length; i += CHUNK) {
    await trx
      .insertInto('ingest_log')
      .values(
        entries.slice(i, i + CHUNK).map((e) => ({
          workspace_id: e.workspaceId,
          connector_id: e.connectorId,
          format: e.format,
          payload: e.payload,
          cursor: e.cursor ?? null,
          received_at: receivedAt,
          processed_at: null,
          backfill: e.backfill ? 1 : 0,
        })),
      )
      .execute();
  }
}

export async function pendingLogCount(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('ingest_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('processed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const PRUNE_CHUNK = 5000;

/**
 * Deletes the entries processed more than `days` days ago, oldest first, a chunk per statement
 * so that connectors' appends and the pipeline wait at most one chunk. Unprocessed entries stay
 * whatever their age (the quarantine keeps its own copy of each payload it holds). Entries are
 * numbered as they arrive, so the walk stops at the first one received after the cutoff: an
 * hourly pass reads what it deletes and one chunk more. Returns how many were deleted.
 */
export async function pruneIngestLog(ctx: AppContext, days: number, chunk = PRUNE_CHUNK): Promise<number> {
  const cutoff = new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
  let removed = 0;
  let after = 0;
  for (;;) {
    const rows = await ctx.db
      .selectFrom('ingest_log')
      .select(['id', 'received_at', 'processed_at'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(chunk)
      .execute();
    const due = rows.filter((r) => r.processed_at !== null && r.processed_at < cutoff).map((r) => r.id);
    if (due.length > 0) {
      const result = await ctx.db.deleteFrom('ingest_log').where('id', 'in', due).executeTakeFirst();
      removed += Number(result.numDeletedRows);
    }
    if (rows.length < chunk || rows.some((r) => r.received_at >= cutoff)) return removed;
    after = Number(rows[rows.length - 1]?.id);
  }
}
