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

/** Summaries of customer rows: identities, reach, mention count and last activity. */
export async function summarize(
  ctx: AppContext,
  workspaceId: string,
  rows: CustomerRow[],
): Promise<CustomerSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const identities = await ctx.db
    .selectFrom('identities')
    .leftJoin('authors', 'authors.id', 'identities.author_id')
    .select([
      'identities.customer_id',
      'identities.kind',
      'identities.channel',
      'identities.handle',
      'authors.followers',
    ])
    .where('identities.workspace_id', '=', workspaceId)
    .where('identities.customer_id', 'in', ids)
    .orderBy('identities.id')
    .execute();
  const stats = await ctx.db
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
    .execute();
  const statsById = new Map(stats.map((s) => [s.customer_id, s]));
  // A person's influence is that of their most influential account.
  const influence = await ctx.db
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
    .execute();
  const influenceById = new Map(influence.map((i) => [i.customer_id, Number(i.score)]));
  return rows.map((r) => {
    const own = identities.filter((i) => i.customer_id === r.id);
    const followers = own.flatMap((i) => (i.followers === null ? [] : [Number(i.followers)]));
    const s = statsById.get(r.id);
    return {
      id: r.id,
      displayName: r.display_name,
      avatarUrl: r.avatar_url,
      primaryEmail: r.primary_email,
      identities: own.map((i) => ({ kind: i.kind, channel: i.channel, handle: i.handle })),
      followers: followers.length > 0 ? Math.max(...followers) : null,
      mentionCount: Number(s?.n ?? 0),
      lastSeenAt: (s?.last as string | null | undefined) ?? null,
      influence: influenceById.get(r.id) ?? null,
      lifecycleStage: r.lifecycle_stage,
    };
  });
}
