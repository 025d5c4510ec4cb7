import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB, IngestLogTable } from '../db/schema.ts';
import { withPriorContacts, workspaceAnalyzers } from '../modules/analysis/service.ts';
import {
  attachAuthors,
  attachUnattachedAuthors,
  refreshStatsOfAuthors,
  suggestFromCrossReferences,
} from '../modules/customers/service.ts';
import { deliverDueReplies } from '../modules/inbox/replies.ts';
import { routeNewMentions } from '../modules/inbox/routing.ts';
import { workspaceQuerySet } from '../modules/listening/queries-cache.ts';
import {
  collapseEvents,
  forgetCachedAuthors,
  recentContactCounts,
  type StorableDelete,
  type StorablePost,
  storeEvents,
} from '../modules/listening/store.ts';
import { deliverDueWebhooks } from '../modules/webhooks/delivery.ts';
import { type ContentOutcome, type ContentStages, contentOf, defaultStages, signatureOf } from './content.ts';
import { type ContentPool, createContentPool, type Prefetched } from './content-pool.ts';
import { publishMentionsChanged } from './events.ts';
import { type NormalizedEvent, type NormalizedPost, NormalizeError, normalize } from './formats.ts';
import { keptEvents, matchingOnlyConnectors } from './keep.ts';

/** Posts by the same author within this window count as repeated contact (urgency). */
const REPEATED_CONTACT_WINDOW_MS = 7 * 24 * 3600 * 1000;

export type BatchResult = {
  claimed: number;
  stored: number;
  quarantined: number;
  /** Posts and deletes from connectors keeping only what concerns the brand that did not (`keep.ts`). */
  passedOver: number;
};

async function compiledFor(ctx: AppContext, trx: Transaction<DB>, workspaceId: string) {
  return {
    queries: await workspaceQuerySet(ctx, trx, workspaceId),
    analyzers: await workspaceAnalyzers(ctx, trx, workspaceId),
  };
}

type Quarantined = { row: Selectable<IngestLogTable>; stage: string; reason: string };

/**
 * Takes up to `limit` unprocessed log entries and runs them through the stages
 * normalize → match → analyze → resolve author → store → (route) → emit, in one transaction
 * with marking them processed. A crash anywhere rolls the batch back and it runs again; every
 * write is idempotent, so nothing is lost and nothing doubles. A bad item is quarantined with
 * its stage and reason, and the rest of the batch is stored.
 *
 * With a content pool (`startWorker` has one), the entries' normalisation, analysis and matching
 * were worked out on another thread while the previous batch wrote, and this batch sends the next
 * entries there before writing its own.
 */
export async function processBatch(
  ctx: AppContext,
  limit = 500,
  options: { stages?: ContentStages; pool?: ContentPool } = {},
): Promise<BatchResult> {
  const stages = options.stages ?? defaultStages;
  // A test's replaced stage runs here, so the failure it provokes is the one observed.
  const pool = options.stages ? undefined : options.pool;
  const changedByWorkspace = new Map<string, number[]>();
  const afterCommit: (() => void)[] = [];
  const result = await ctx.db.transaction().execute(async (trx) => {
    const rows = await ctx.dialect.inIndexOrder(trx, () =>
      ctx.dialect
        .lockForClaim(
          trx
            .selectFrom('ingest_log')
            .selectAll()
            .where('processed_at', 'is', null)
            .orderBy('id')
            .limit(limit),
        )
        .execute(),
    );
    if (rows.length === 0) return { claimed: 0, stored: 0, quarantined: 0, passedOver: 0 };
    // Each workspace's compiled queries and analyzers, checked once for this batch and the prefetch.
    const compiled = new Map<string, ReturnType<typeof compiledFor>>();
    const compiledOf = (workspaceId: string) => {
      let c = compiled.get(workspaceId);
      if (!c) {
        c = compiledFor(ctx, trx, workspaceId);
        compiled.set(workspaceId, c);
      }
      return c;
    };
    const ahead = pool ? await pool.take(rows.map((r) => Number(r.id))) : new Map<number, Prefetched>();
    if (pool && rows.length === limit)
      await pool.prefetch(ctx, trx, Number(rows[rows.length - 1]?.id), limit, async (workspaceId) => {
        const { queries, analyzers } = await compiledOf(workspaceId);
        return { queries: queries.sources, analyzers: analyzers.sources };
      });

    const quarantined: Quarantined[] = [];
    const byWorkspace = new Map<string, NormalizedEvent[]>();
    const sourceOf = new Map<NormalizedEvent, Selectable<IngestLogTable>>();
    for (const row of rows) {
      const done = ahead.get(Number(row.id))?.content;
      if (done?.kind === 'refused') {
        quarantined.push({ row, stage: 'normalize', reason: done.reason });
        continue;
      }
      try {
        const event = done?.event ?? normalize(row.format, row.payload, row.received_at);
        sourceOf.set(event, row);
        const list = byWorkspace.get(row.workspace_id) ?? [];
        list.push(event);
        byWorkspace.set(row.workspace_id, list);
      } catch (err) {
        if (!(err instanceof NormalizeError)) throw err;
        quarantined.push({ row, stage: 'normalize', reason: err.message });
      }
    }

    let stored = 0;
    const passedOverBy = new Map<string, number>();
    const matchingOnly = await matchingOnlyConnectors(
      ctx,
      trx,
      rows.map((r) => r.connector_id),
    );
    for (const [workspaceId, events] of byWorkspace) {
      const { queries, analyzers } = await compiledOf(workspaceId);
      const signature = signatureOf({ analyzers: analyzers.sources, queries: queries.sources });
      const collapsed = collapseEvents(events);
      const outcomes = new Map<NormalizedPost, Extract<ContentOutcome, { ok: true }>>();
      for (const event of collapsed) {
        if (event.kind === 'delete') continue;
        const row = sourceOf.get(event);
        const prefetched = row ? ahead.get(Number(row.id)) : undefined;
        const worked =
          prefetched?.signature === signature && prefetched.content.kind === 'event'
            ? prefetched.content.outcome
            : null;
        // A post that makes analysis or matching fail is quarantined; the rest of the batch goes on.
        const outcome = worked ?? contentOf(event, analyzers.analyzers, queries.set, stages);
        if (outcome.ok) {
          outcomes.set(event, outcome);
          continue;
        }
        if (!row) throw outcome.error ?? new Error(outcome.reason);
        ctx.log.warn(
          { err: outcome.error ?? outcome.reason, logId: Number(row.id), stage: outcome.stage },
          'pipeline item quarantined',
        );
        quarantined.push({ row, stage: outcome.stage, reason: outcome.reason });
      }
      const kept = await keptEvents(
        trx,
        workspaceId,
        collapsed.filter((e) => e.kind === 'delete' || outcomes.has(e)),
        (e) => matchingOnly.get(sourceOf.get(e)?.connector_id ?? ''),
        (p) => (outcomes.get(p)?.queryIds.length ?? 0) > 0,
      );
      const keptSet = new Set(kept);
      for (const e of collapsed) {
        if (keptSet.has(e) || (e.kind === 'upsert' && !outcomes.has(e))) continue;
        const connectorId = sourceOf.get(e)?.connector_id;
        if (!connectorId) continue;
        passedOverBy.set(connectorId, (passedOverBy.get(connectorId) ?? 0) + 1);
      }
      const contacts = await recentContactCounts(
        trx,
        workspaceId,
        kept.flatMap((e) => (e.kind === 'delete' ? [] : [e])),
        new Date(ctx.now().getTime() - REPEATED_CONTACT_WINDOW_MS).toISOString(),
      );
      const upserts: StorablePost[] = [];
      const deletes: StorableDelete[] = [];
      for (const event of kept) {
        if (event.kind === 'delete') {
          deletes.push(event);
          continue;
        }
        const outcome = outcomes.get(event);
        if (!outcome) continue;
        upserts.push({
          post: event,
          analysis: withPriorContacts(outcome.content, contacts.next(event)),
          queryIds: outcome.queryIds,
        });
      }
      const {
        changed,
        authors,
        deletedAuthorIds,
        afterCommit: recordAuthors,
      } = await storeEvents(ctx, trx, workspaceId, upserts, deletes);
      // Lists read their customers' counts from the statistics, which must not count deleted posts.
      await refreshStatsOfAuthors(ctx, trx, workspaceId, deletedAuthorIds);
      // Resolve identity: every new author becomes a customer's identity (known ones cost nothing).
      await attachAuthors(ctx, trx, workspaceId, authors);
      // "My other account is @…" in a stored post suggests a merge (never merges by itself).
      await suggestFromCrossReferences(
        ctx,
        trx,
        workspaceId,
        upserts.map((u) => u.post),
        changed,
      );
      stored += changed.length;
      changedByWorkspace.set(workspaceId, changed);
      afterCommit.push(recordAuthors);
    }

    const now = ctx.now().toISOString();
    if (quarantined.length > 0) {
      await trx
        .insertInto('quarantine')
        .values(
          quarantined.map(({ row, stage, reason }) => ({
            workspace_id: row.workspace_id,
            log_id: Number(row.id),
            connector_id: row.connector_id,
            format: row.format,
            stage,
            reason,
            payload: row.payload,
            status: 'open' as const,
            created_at: now,
            resolved_at: null,
          })),
        )
        .execute();
    }
    for (const [connectorId, n] of passedOverBy)
      await trx
        .updateTable('connectors')
        .set((eb) => ({ items_passed_over: eb('items_passed_over', '+', n) }))
        .where('id', '=', connectorId)
        .execute();
    await trx
      .updateTable('ingest_log')
      .set({ processed_at: now })
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    const passedOver = [...passedOverBy.values()].reduce((sum, n) => sum + n, 0);
    return { claimed: rows.length, stored, quarantined: quarantined.length, passedOver };
  });
  for (const record of afterCommit) record();
  for (const [workspaceId, mentionIds] of changedByWorkspace)
    publishMentionsChanged({ workspaceId, mentionIds });
  return result;
}

export type WorkerHandle = { stop(): Promise<void>; wake(): void };

/**
 * Runs batches until stopped: a full batch runs the next at once; otherwise the worker waits a
 * short window (or until `wake()`, called when a connector appends) to gather the next batch.
 */
export function startWorker(
  ctx: AppContext,
  options: { batchSize?: number; idleMs?: number } = {},
): WorkerHandle {
  const batchSize = options.batchSize ?? 500;
  const idleMs = options.idleMs ?? 200;
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let webhooks: Promise<unknown> | undefined;
  const pool = createContentPool(ctx.log);
  const loop = (async () => {
    // Backfill: authors stored before the customers module (or by an older version) get theirs.
    try {
      const attached = await attachUnattachedAuthors(ctx);
      if (attached > 0) ctx.log.info({ attached }, 'customers created for authors without identity');
    } catch (err) {
      ctx.log.error({ err }, 'attaching authors without identity failed; the next start retries');
    }
    let routePending = true;
    let lastDelivery = 0;
    while (!stopped) {
      try {
        const { claimed, stored } = await processBatch(ctx, batchSize, { pool });
        if (stored > 0) routePending = true;
        if (claimed === batchSize) continue;
      } catch (err) {
        ctx.log.error({ err }, 'pipeline batch failed; retrying');
        // A cached author id may be stale (its row erased by another process): start afresh.
        forgetCachedAuthors(ctx.db);
      }
      // The outbox at most once a second: an idle worker loops every `idleMs`.
      if (Date.now() - lastDelivery >= 1000) {
        lastDelivery = Date.now();
        try {
          await deliverDueReplies(ctx);
        } catch (err) {
          ctx.log.error({ err }, 'reply delivery failed; retrying');
        }
        // Not awaited: a slow receiver (10 s timeout) must not hold up ingestion; one pass at a time.
        webhooks ??= deliverDueWebhooks(ctx)
          .catch((err) => ctx.log.error({ err }, 'webhook delivery failed; retrying'))
          .finally(() => {
            webhooks = undefined;
          });
      }
      // Route once the log is drained: rules read stored mentions after their own cursor, so a
      // failure here delays routing without holding up ingestion, and the next pass catches up.
      if (routePending) {
        try {
          await routeNewMentions(ctx);
          routePending = false;
        } catch (err) {
          ctx.log.error({ err }, 'routing failed; retrying after the next batch');
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, idleMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  })();
  return {
    wake: () => wakeUp?.(),
    stop: async () => {
      stopped = true;
      wakeUp?.();
      await loop;
      await webhooks;
      await pool.close();
    },
  };
}
