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
 * row per customer, for lists: the count and last post lag the pipeline by up to a refresh (30 s),
 * and a deleted post stays counted until the next full rebuild. Customers with no statistics yet
 * (new since the last refresh) are counted exactly.
 */
export type SummaryCounts = 'exact' | 'stats';

type Counts = { mentions: number; last: string | null; followers: number | null; influence: number | null };

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
    counts === 'stats' ? statsCounts(ctx, workspaceId, ids) : new Map<string, Counts>(),
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
  return new Map(
    rows.map((r) => [
      r.customer_id,
      {
        mentions: Number(r.mentions),
        last: r.last_mention_at,
        followers: r.followers === null ? null : Number(r.followers),
        influence: r.influence === null ? null : Number(r.influence),
      },
    ]),
  );
}

/** The customers' reach, live mention count, last post and influence, counted now. */
async function exactCounts(
  ctx: AppContext,
  workspaceId: string,
  ids: string[],
): Promise<Map<string, Counts>> {
  const [reach, mentions, influence] = await Promise.all([
    ctx.db
      .selectFrom('identities')
      .innerJoin('authors', 'authors.id', 'identities.author_id')
      .select((eb) => ['identities.customer_id', eb.fn.max('authors.followers').as('followers')])
      .where('identities.workspace_id', '=', workspaceId)
      .where('identities.customer_id', 'in', ids)
      .groupBy('identities.customer_id')
      .execute(),
    ctx.db
      .selectFrom('identities')
      .innerJoin('mentions', 'mentions.author_id', 'identities.author_id')
      .select((eb) => [
        'identities.customer_id',
        eb.fn.countAll<number>().as('n'),
        eb.fn.max('mentions.created_at').as('last'),
      ])
      .where('identities.workspace_id', '=', workspaceId)
      .where('identities.customer_id', 'in', ids)
      .where('mentions.deleted_at', 'is', null)
      .groupBy('identities.customer_id')
      .execute(),
    // A person's influence is that of their most influential account.
    ctx.db
      .selectFrom('identities')
      .innerJoin('author_influence', (join) =>
        join
          .onRef('author_influence.author_id', '=', 'identities.author_id')
          .onRef('author_influence.workspace_id', '=', 'identities.workspace_id'),
      )
      .select((eb) => ['identities.customer_id', eb.fn.max('author_influence.score').as('score')])
      .where('identities.workspace_id', '=', workspaceId)
      .where('identities.customer_id', 'in', ids)
      .groupBy('identities.customer_id')
      .execute(),
  ]);
  const out = new Map<string, Counts>(
    ids.map((id) => [id, { mentions: 0, last: null, followers: null, influence: null }]),
  );
  for (const r of reach) {
    const c = out.get(r.customer_id);
    if (c && r.followers !== null) c.followers = Number(r.followers);
  }
  for (const m of mentions) {
    const c = out.get(m.customer_id);
    if (c) {
      c.mentions = Number(m.n);
      c.last = (m.last as string | null) ?? null;
    }
  }
  for (const i of influence) {
    const c = out.get(i.customer_id);
    if (c && i.score !== null) c.influence = Number(i.score);
  }
  return out;
}
