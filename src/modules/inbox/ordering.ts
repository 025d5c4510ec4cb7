import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/service.ts';
import type { Actor } from '../auth/roles.ts';

/** The ordered lists of an inbox (evaluated first to last), with what their audit entries call a row. */
const ordered = {
  routing_rules: { what: 'rule', target: 'routing_rule' },
  sla_policies: { what: 'policy', target: 'sla_policy' },
} as const;

/**
 * Puts every row of the actor's workspace's ordered list in the given order (`ids` must name each
 * row once) and records it in the audit log: the order decides which rule or policy applies.
 */
export async function setOrder(
  ctx: AppContext,
  actor: Actor,
  table: keyof typeof ordered,
  ids: string[],
): Promise<void> {
  const { what, target } = ordered[table];
  const workspaceId = actor.workspaceId;
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
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: `${target}.reorder`,
      targetType: 'workspace',
      targetId: workspaceId,
      details: { ids },
    });
  });
}
