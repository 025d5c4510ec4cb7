/**
 * Customer rows shared by the customers module's files: the row types, loading one customer
 * (live or not), its attributes and summaries of rows.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CustomersTable, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import type { AttributeValue, CustomerSummary } from './schema.ts';

export type Db = Kysely<DB> | Transaction<DB>;
export type CustomerRow = Selectable<CustomersTable>;

export const attrsOf = (ctx: AppContext, row: CustomerRow) =>
  ctx.dialect.parseJson<Record<string, AttributeValue>>(row.attributes);

export async function customerRow(db: Db, workspaceId: string, id: string): Promise<CustomerRow> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${id}`);
  return row;
}

export async function liveCustomer(db: Db, workspaceId: string, id: string): Promise<CustomerRow> {
  const row = await customerRow(db, workspaceId, id);
  if (row.merged_into !== null)
    throw new AppError('not_found', `Customer ${id} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
  return row;
}

/**
 * Where a summary's counts come from. `exact` counts the live mentions of the customers' authors
 * now (one customer's profile or case). `stats` reads `customer_stats` (docs/segments.md), one
 * row per customer, for lists: the count and last post lag the pipeline by up to a refresh (30 s);
 * a post deleted at its source refreshes them in the batch that deletes it. Customers with no
 * statistics yet (new since the last refresh) are counted exactly.
 */
export type SummaryCounts = 'exact' | 'stats';

type Counts = { mentions: number; last: string | null; followers: number | null; influence: number | null };

const orNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** A summary's counts from a row, whichever statement read them. */
const countsOf = (r: {
  mentions: unknown;
  last: unknown;
  followers: unknown;
  influence: unknown;
}): Counts => ({
  mentions: Number(r.mentions ?? 0),
  last: (r.last as string | null | undefined) ?? null,
  followers: orNull(r.followers),
  influence: orNull(r.influence),
});

/** Summaries of customer rows: identities, reach, mention count and last activity. */
export async function summarize(
  ctx: AppContext,
  workspaceId: string,
  rows: CustomerRow[],
  counts: SummaryCounts = 'exact',
): Promise<CustomerSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [identities, stats] = await Promise.all([
    ctx.db
      .selectFrom('identities')
      .select(['customer_id', 'kind', 'channel', 'handle'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', ids)
      .orderBy('id')
      .execute(),
    counts === 'exact' ? new Map<string, Counts>() : statsCounts(ctx, workspaceId, ids),
  ]);
  const missing = ids.filter((id) => !stats.has(id));
  const byId =
    missing.length === 0 ? stats : new Map([...stats, ...(await exactCounts(ctx, workspaceId, missing))]);
  return rows.map((r) => {
    const c = byId.get(r.id);
    return {
      id: r.id,
      displayName: r.display_name,
      avatarUrl: r.avatar_url,
      primaryEmail: r.primary_email,
      identities: identities
        .filter((i) => i.customer_id === r.id)
        .map((i) => ({ kind: i.kind, channel: i.channel, handle: i.handle })),
      followers: c?.followers ?? null,
      mentionCount: c?.mentions ?? 0,
      lastSeenAt: c?.last ?? null,
      influence: c?.influence ?? null,
      lifecycleStage: r.lifecycle_stage,
    };
  });
}

async function statsCounts(
  ctx: AppContext,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, Counts>> {
  const rows = await ctx.db
    .selectFrom('customer_stats')
    .select(['customer_id', 'mentions', 'last_mention_at', 'followers', 'influence'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.customer_id, countsOf({ ...r, last: r.last_mention_at })]));
}

/** The customers' reach, live mention count, last post and influence, counted now (one statement). */
async function exactCounts(
  ctx: AppContext,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, Counts>> {
  const rows = await ctx.db
    .selectFrom('customers as c')
    .select((eb) => [
      'c.id',
      eb
        .selectFrom('identities as i')
        .innerJoin('authors as a', 'a.id', 'i.author_id')
        .select((e) => e.fn.max('a.followers').as('v'))
        .whereRef('i.customer_id', '=', 'c.id')
        .as('followers'),
      eb
        .selectFrom('identities as i')
        .innerJoin('mentions as m', 'm.author_id', 'i.author_id')
        .select((e) => e.fn.countAll().as('v'))
        .whereRef('i.customer_id', '=', 'c.id')
        .where('m.deleted_at', 'is', null)
        .as('mentions'),
      eb
        .selectFrom('identities as i')
        .innerJoin('mentions as m', 'm.author_id', 'i.author_id')
        .select((e) => e.fn.max('m.created_at').as('v'))
        .whereRef('i.customer_id', '=', 'c.id')
        .where('m.deleted_at', 'is', null)
        .as('last'),
      // A person's influence is that of their most influential account.
      eb
        .selectFrom('identities as i')
        .innerJoin('author_influence as ai', (join) =>
          join.onRef('ai.author_id', '=', 'i.author_id').onRef('ai.workspace_id', '=', 'i.workspace_id'),
        )
        .select((e) => e.fn.max('ai.score').as('v'))
        .whereRef('i.customer_id', '=', 'c.id')
        .as('influence'),
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.id', 'in', ids)
    .execute();
  const out = new Map<string, Counts>(
    ids.map((id) => [id, { mentions: 0, last: null, followers: null, influence: null }]),
  );
  for (const r of rows) out.set(r.id, countsOf(r));
  return out;
}
