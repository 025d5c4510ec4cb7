import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';

/** The ordered lists of an inbox (evaluated first to last). */
type OrderedTable = 'routing_rules' | 'sla_policies';

/** Puts every row of a workspace's ordered list in the given order; `ids` must name each row once. */
export async function setOrder(
  ctx: AppContext,
  table: OrderedTable,
  workspaceId: string,
  ids: string[],
  what: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom(table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    const known = new Set(existing.map((r) => r.id));
    if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((id) => !known.has(id)))
      throw new AppError('validation_failed', `The order must list every ${what} of the workspace once`, {
        fields: [{ path: 'ids', message: `every ${what} id, once` }],
      });
    for (const [i, id] of ids.entries())
      await trx
        .updateTable(table)
        .set({ position: i + 1 })
        .where('id', '=', id)
        .execute();
  });
}
