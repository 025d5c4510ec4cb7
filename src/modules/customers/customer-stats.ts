/**
 * Per-customer mention statistics (`customer_stats`), precomputed so that segments filter 100k
 * customers on sentiment, intents, reach and influence without scanning their mentions.
 *
 * Freshness (docs/segments.md): new mentions are counted by the incremental refresh every 30 s;
 * merges, unmerges, identities added, erasures and deletions from a source refresh their customers
 * in their own transaction (lists read counts from here: `summarize`); edits of mentions, and
 * influence, at the next full rebuild (after each influence recompute).
 */
import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { CHUNK, chunks } from '../../db/chunks.ts';
import type { CustomerStatsTable, DB } from '../../db/schema.ts';
import { committedMentionId } from '../listening/store.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The intent labels counted per customer, each a column `intent_<label>`. */
export const statIntents = [
  'purchase_intent',
  'complaint',
  'support_question',
  'praise',
  'idea',
  'churn_risk',
  'spam',
] as const;
export type StatIntent = (typeof statIntents)[number];

/** How often the scheduler counts new mentions. */
export const STATS_INCREMENTAL_INTERVAL_MS = 30_000;
/** Customers per statement: small enough that the embedded database is never held for long. */

/**
 * Recomputes the statistics of the given customers of a workspace from their identities'
 * authors' live mentions (set-based: one delete and one insert…select per chunk). Runs inside
 * the caller's transaction when given one.
 */
export async function refreshCustomerStats(
  db: Db,
  workspaceId: string,
  customerIds: readonly string[],
  now: Date = new Date(),
): Promise<void> {
  const unique = [...new Set(customerIds)];
  const computedAt = now.toISOString();
  for (const part of chunks(unique)) {
    const count = (cond: RawBuilder<unknown>) =>
      sql<number>`coalesce(sum(case when ${cond} then 1 else 0 end), 0)`;
    const intentHas = (label: string) =>
      sql<boolean>`(' ' || m.intents || ' ') like ${`% ${label.replaceAll('_', '\\_')} %`} escape '\\'`;
    const select = db
      .selectFrom('customers as c')
      .leftJoin(
        (eb) =>
          eb
            .selectFrom('identities')
            .select(['customer_id', 'author_id'])
            .distinct()
            .where('workspace_id', '=', workspaceId)
            .where('author_id', 'is not', null)
            .where('customer_id', 'in', part)
            .as('i'),
        (join) => join.onRef('i.customer_id', '=', 'c.id'),
      )
      .leftJoin('authors as a', 'a.id', 'i.author_id')
      .leftJoin('author_influence as ai', (join) =>
        join.onRef('ai.author_id', '=', 'i.author_id').on('ai.workspace_id', '=', workspaceId),
      )
      .leftJoin('mentions as m', (join) =>
        join.onRef('m.author_id', '=', 'i.author_id').on('m.deleted_at', 'is', null),
      )
      .where('c.workspace_id', '=', workspaceId)
      .where('c.id', 'in', part)
      .groupBy(['c.id', 'c.workspace_id'])
      .select((eb) => [
        'c.id as customer_id',
        'c.workspace_id as workspace_id',
        eb.fn.count<number>('m.id').as('mentions'),
        count(sql`m.sentiment = 'positive'`).as('positive'),
        count(sql`m.sentiment = 'negative'`).as('negative'),
        count(sql`m.sentiment = 'neutral'`).as('neutral'),
        eb.fn.max('a.followers').as('followers'),
        eb.fn.max('ai.score').as('influence'),
        eb.fn.max('m.created_at').as('last_mention_at'),
        sql<string | null>`max(case when m.sentiment = 'positive' then m.created_at end)`.as(
          'last_positive_at',
        ),
        sql<string | null>`max(case when m.sentiment = 'negative' then m.created_at end)`.as(
          'last_negative_at',
        ),
        ...statIntents.map((label) => count(intentHas(label)).as(`intent_${label}`)),
        // coalesce gives the parameter the column's type on PostgreSQL (a bare parameter in a
        // select list is text there); it is never null.
        sql<string>`coalesce(${computedAt}, max(c.created_at))`.as('computed_at'),
      ]);
    await db
      .insertInto('customer_stats')
      .columns([
        'customer_id',
        'workspace_id',
        'mentions',
        'positive',
        'negative',
        'neutral',
        'followers',
        'influence',
        'last_mention_at',
        'last_positive_at',
        'last_negative_at',
        ...statIntents.map((label) => `intent_${label}` as const),
        'computed_at',
      ])
      .expression(select)
      // An upsert, not delete + insert: two transactions refreshing the same customer both succeed.
      .onConflict((oc) =>
        oc.column('customer_id').doUpdateSet((eb) => ({
          mentions: eb.ref('excluded.mentions'),
          positive: eb.ref('excluded.positive'),
          negative: eb.ref('excluded.negative'),
          neutral: eb.ref('excluded.neutral'),
          followers: eb.ref('excluded.followers'),
          influence: eb.ref('excluded.influence'),
          last_mention_at: eb.ref('excluded.last_mention_at'),
          last_positive_at: eb.ref('excluded.last_positive_at'),
          last_negative_at: eb.ref('excluded.last_negative_at'),
          intent_purchase_intent: eb.ref('excluded.intent_purchase_intent'),
          intent_complaint: eb.ref('excluded.intent_complaint'),
          intent_support_question: eb.ref('excluded.intent_support_question'),
          intent_praise: eb.ref('excluded.intent_praise'),
          intent_idea: eb.ref('excluded.intent_idea'),
          intent_churn_risk: eb.ref('excluded.intent_churn_risk'),
          intent_spam: eb.ref('excluded.intent_spam'),
          computed_at: eb.ref('excluded.computed_at'),
        })),
      )
      .execute();
  }
}

/** Recomputes the statistics of the customers these authors belong to (posts of theirs were deleted). */
export async function refreshStatsOfAuthors(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  authorIds: readonly number[],
): Promise<void> {
  if (authorIds.length === 0) return;
  const customers = new Set<string>();
  for (const part of chunks([...new Set(authorIds)])) {
    const rows = await db
      .selectFrom('identities')
      .select('customer_id')
      .where('workspace_id', '=', workspaceId)
      .where('author_id', 'in', part)
      .execute();
    for (const r of rows) customers.add(r.customer_id);
  }
  await refreshCustomerStats(db, workspaceId, [...customers], ctx.now());
}

async function watermarkOf(db: Db, workspaceId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('customer_stats_state')
    .select('last_mention_id')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row ? Number(row.last_mention_id) : undefined;
}

async function setWatermark(
  db: Db,
  workspaceId: string,
  lastMentionId: number,
  rebuiltAt: string | undefined,
): Promise<void> {
  await db
    .insertInto('customer_stats_state')
    .values({ workspace_id: workspaceId, last_mention_id: lastMentionId, rebuilt_at: rebuiltAt ?? null })
    .onConflict((oc) =>
      oc.column('workspace_id').doUpdateSet({
        last_mention_id: lastMentionId,
        ...(rebuiltAt !== undefined ? { rebuilt_at: rebuiltAt } : {}),
      }),
    )
    .execute();
}

/**
 * Counts the mentions stored since the last run: refreshes the customers whose authors wrote a
 * mention with an id above the watermark, then advances it. Returns how many were refreshed.
 */
export async function refreshNewMentionStats(ctx: AppContext, workspaceId: string): Promise<number> {
  const from = await watermarkOf(ctx.db, workspaceId);
  // Never rebuilt: the full rebuild counts everything and sets the watermark.
  if (from === undefined) return (await rebuildCustomerStats(ctx, workspaceId)).customers;
  const to = await committedMentionId(ctx, workspaceId);
  if (to <= from) return 0;
  const ids = (
    await ctx.db
      .selectFrom('identities')
      .select('identities.customer_id')
      .distinct()
      .where('identities.workspace_id', '=', workspaceId)
      .where(
        'identities.author_id',
        'in',
        ctx.db
          .selectFrom('mentions')
          .select('author_id')
          .where('workspace_id', '=', workspaceId)
          .where('id', '>', from)
          .where('id', '<=', to)
          .where('author_id', 'is not', null)
          .$narrowType<{ author_id: number }>(),
      )
      .execute()
  ).map((r) => r.customer_id);
  for (const part of chunks(ids))
    await ctx.db.transaction().execute((trx) => refreshCustomerStats(trx, workspaceId, part, ctx.now()));
  await setWatermark(ctx.db, workspaceId, to, undefined);
  return ids.length;
}

/**
 * Recomputes every customer of a workspace, a chunk of customers per transaction (so the
 * embedded database is never held for seconds), and removes statistics of customers that no
 * longer exist in it.
 */
export async function rebuildCustomerStats(
  ctx: AppContext,
  workspaceId: string,
  signal?: AbortSignal,
): Promise<{ customers: number }> {
  // Read before counting: mentions stored meanwhile are above the watermark and counted next time.
  const to = await committedMentionId(ctx, workspaceId);
  let after: string | undefined;
  let total = 0;
  for (;;) {
    signal?.throwIfAborted();
    let q = ctx.db
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .limit(CHUNK);
    if (after !== undefined) q = q.where('id', '>', after);
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) break;
    await ctx.db.transaction().execute((trx) => refreshCustomerStats(trx, workspaceId, ids, ctx.now()));
    total += ids.length;
    after = ids[ids.length - 1];
  }
  await setWatermark(ctx.db, workspaceId, to, ctx.now().toISOString());
  return { customers: total };
}

let queue: Promise<unknown> = Promise.resolve();

/** Runs `job` after the stats jobs queued before it in this process: never two at a time. */
function exclusive<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/** Counts new mentions of every workspace (the scheduler's job, every 30 s). */
export function refreshAllNewMentionStats(ctx: AppContext): Promise<void> {
  return exclusive(async () => {
    const workspaces = await ctx.db.selectFrom('workspaces').select('id').orderBy('id').execute();
    for (const ws of workspaces) await refreshNewMentionStats(ctx, ws.id);
  });
}

/** Rebuilds the statistics of one workspace, queued behind any stats job of this process. */
export function rebuildCustomerStatsQueued(
  ctx: AppContext,
  workspaceId: string,
  signal?: AbortSignal,
): Promise<{ customers: number }> {
  return exclusive(() => rebuildCustomerStats(ctx, workspaceId, signal));
}

/**
 * Runs the incremental refresh every 30 s, never two at a time and never beside a full rebuild
 * started through `rebuild` (the influence recompute calls it after each run).
 */
export function scheduleCustomerStats(
  ctx: AppContext,
  intervalMs = STATS_INCREMENTAL_INTERVAL_MS,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = refreshAllNewMentionStats(ctx)
      .catch((err) => ctx.log.error({ err }, 'customer stats refresh failed'))
      .finally(() => {
        running = undefined;
      });
  };
  const every = setInterval(tick, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(every);
      await running;
    },
  };
}

/** Stats of the given customers, by id (customers never computed are absent). */
export async function statsOf(
  db: Db,
  workspaceId: string,
  customerIds: string[],
): Promise<Map<string, Selectable<CustomerStatsTable>>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('customer_stats')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', customerIds)
    .execute();
  return new Map(rows.map((r) => [r.customer_id, r]));
}
