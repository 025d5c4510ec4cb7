/**
 * The rows that make up a person, read alike by the privacy export and by erasure: the customer,
 * the customers merged into it, their identities and the social accounts behind them.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

type Db = AppContext['db'] | Transaction<DB>;

/** The customer and every customer merged into it (hidden rows of the same person), at any depth. */
export async function personRows(db: Db, workspaceId: string, id: string) {
  const root = await db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!root) throw new AppError('not_found', `No customer ${id}`);
  if (root.merged_into !== null)
    throw new AppError('not_found', `Customer ${id} was merged into ${root.merged_into}`, {
      mergedInto: root.merged_into,
    });
  const rows = [root];
  let frontier = [root.id];
  while (frontier.length > 0) {
    const next = await db
      .selectFrom('customers')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('merged_into', 'in', frontier)
      .execute();
    rows.push(...next);
    frontier = next.map((r) => r.id);
  }
  return rows;
}

export async function identitiesOf(db: Db, workspaceId: string, customerIds: string[]) {
  return db
    .selectFrom('identities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', customerIds)
    .orderBy('id')
    .execute();
}

export const authorIdsOf = (identities: { author_id: number | null }[]) =>
  identities.flatMap((i) => (i.author_id === null ? [] : [Number(i.author_id)]));
