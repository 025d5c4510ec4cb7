/** Managing a workspace's routing rules: list, save, delete, reorder (routing.ts runs them). */
import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, RoutingRulesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { latestEventId } from '../collaboration/feed.ts';
import { committedMentionId } from '../listening/store.ts';
import { checkSalesUser } from '../sales/leads.ts';
import { checkAssignee } from './cases.ts';
import { setOrder } from './ordering.ts';
import {
  type RoutingAction,
  type RoutingCondition,
  type RoutingRuleInput,
  type RoutingRuleView,
  routingAction,
  routingCondition,
  routingRuleInput,
} from './routing-schema.ts';

type RuleRow = Selectable<RoutingRulesTable>;
export type Rule = Omit<RoutingRuleView, 'conditions' | 'actions'> & {
  conditions: RoutingCondition[];
  actions: RoutingAction[];
};

export function toRule(ctx: AppContext, r: RuleRow): Rule {
  return {
    id: r.id,
    name: r.name,
    position: Number(r.position),
    enabled: Number(r.enabled) === 1,
    event: r.event,
    match: r.match,
    // Stored rules were validated on the way in; parsing again fills defaults added since.
    conditions: ctx.dialect.parseJson<unknown[]>(r.conditions).map((c) => routingCondition.parse(c)),
    actions: ctx.dialect.parseJson<unknown[]>(r.actions).map((a) => routingAction.parse(a)),
    firedCount: Number(r.fired_count),
    lastFiredAt: r.last_fired_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Rules apply to mentions stored from now on: the cursor starts at `from`, the committed horizon
 * of the workspace's mentions (`committedMentionId`) read before the caller's transaction.
 */
export async function startRouting(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  from: number,
): Promise<void> {
  await trx
    .insertInto('routing_state')
    .values({
      workspace_id: workspaceId,
      last_mention_id: from,
      round_robin: ctx.dialect.toJson({}),
      updated_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
}

/**
 * Case rules read the feed from the moment the first one is saved: the cursor starts at the
 * newest event, so earlier history is not replayed.
 */
export async function startCaseRules(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
): Promise<void> {
  await trx
    .insertInto('case_rule_state')
    .values({
      workspace_id: workspaceId,
      last_event_id: await latestEventId(trx),
      round_robin: ctx.dialect.toJson({}),
      updated_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
}

/** The workspaces with an enabled rule on `event`: those the routing and case-rule passes visit. */
export async function workspacesWithRules(ctx: AppContext, event: Rule['event']): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('routing_rules')
    .select('workspace_id')
    .distinct()
    .where('enabled', '=', 1)
    .where('event', '=', event)
    .execute();
  return rows.map((r) => r.workspace_id);
}

export async function listRules(ctx: AppContext, actor: Actor): Promise<RoutingRuleView[]> {
  requirePermission(actor, 'inbox:read');
  const rows = await ctx.db
    .selectFrom('routing_rules')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('position')
    .execute();
  return rows.map((r) => toRule(ctx, r));
}

/** Checks that the teams and people a rule names belong to the workspace. */
async function checkReferences(
  ctx: AppContext,
  workspaceId: string,
  actions: RoutingAction[],
): Promise<void> {
  for (const [i, a] of actions.entries()) {
    const teamId =
      a.type === 'assign_team' || a.type === 'assign' || a.type === 'create_lead' ? a.teamId : undefined;
    if (teamId) {
      const team = await ctx.db
        .selectFrom('teams')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', teamId)
        .executeTakeFirst();
      if (!team)
        throw new AppError('validation_failed', `No team ${teamId}`, {
          fields: [{ path: `actions.${i}.teamId`, message: 'unknown team' }],
        });
    }
    // A lead's named owner must be able to work leads (the rule would otherwise make leads
    // nobody can act on; at run time such an owner is passed over for the team's round robin).
    if (a.type === 'create_lead' && a.ownerUserId) {
      const path = `actions.${i}.ownerUserId`;
      try {
        await checkSalesUser(ctx.db, workspaceId, a.ownerUserId, path);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        throw new AppError('validation_failed', err.message, { fields: [{ path, message: err.message }] });
      }
    }
    if (a.type === 'send_reply') {
      const canned = await ctx.db
        .selectFrom('canned_responses')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', a.cannedId)
        .where('shared', '=', 1)
        .executeTakeFirst();
      if (!canned)
        throw new AppError('validation_failed', `No shared canned response ${a.cannedId}`, {
          fields: [
            { path: `actions.${i}.cannedId`, message: 'not a shared canned response of this workspace' },
          ],
        });
    }
    if (a.type === 'assign_agent') {
      const path = `actions.${i}.userId`;
      try {
        await checkAssignee(ctx.db, workspaceId, a.userId);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        throw new AppError('validation_failed', err.message, { fields: [{ path, message: err.message }] });
      }
    }
    if (a.type === 'notify') {
      const found = await ctx.db
        .selectFrom('users')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', a.userIds)
        .execute();
      if (found.length !== new Set(a.userIds).size)
        throw new AppError('validation_failed', 'Unknown users to notify', {
          fields: [{ path: `actions.${i}.userIds`, message: 'not all are users of this workspace' }],
        });
    }
  }
}

/** Creates a rule at the end of the order, or replaces an existing one's definition. */
export async function saveRule(
  ctx: AppContext,
  actor: Actor,
  input: RoutingRuleInput,
  id?: string,
): Promise<RoutingRuleView> {
  requirePermission(actor, 'inbox:configure');
  const parsed = routingRuleInput.parse(input);
  await checkReferences(ctx, actor.workspaceId, parsed.actions);
  const now = ctx.now().toISOString();
  const ruleId = id ?? newId(ctx.now());
  const from = await committedMentionId(ctx, actor.workspaceId);
  await ctx.db.transaction().execute(async (trx) => {
    const values = {
      name: parsed.name,
      enabled: parsed.enabled ? 1 : 0,
      event: parsed.event,
      match: parsed.match,
      conditions: ctx.dialect.toJson(parsed.conditions),
      actions: ctx.dialect.toJson(parsed.actions),
      updated_at: now,
    };
    if (id) {
      const updated = await trx
        .updateTable('routing_rules')
        .set(values)
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new AppError('not_found', `No routing rule ${id}`);
    } else {
      const last = await trx
        .selectFrom('routing_rules')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('workspace_id', '=', actor.workspaceId)
        .executeTakeFirst();
      await trx
        .insertInto('routing_rules')
        .values({
          id: ruleId,
          workspace_id: actor.workspaceId,
          position: Number(last?.p ?? 0) + 1,
          fired_count: 0,
          last_fired_at: null,
          created_at: now,
          ...values,
        })
        .execute();
    }
    if (parsed.event === 'mention_stored') await startRouting(ctx, trx, actor.workspaceId, from);
    else await startCaseRules(ctx, trx, actor.workspaceId);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: id ? 'routing_rule.update' : 'routing_rule.create',
      targetType: 'routing_rule',
      targetId: ruleId,
      details: { name: parsed.name, enabled: parsed.enabled, event: parsed.event },
    });
  });
  const row = await ctx.db
    .selectFrom('routing_rules')
    .selectAll()
    .where('id', '=', ruleId)
    .executeTakeFirstOrThrow();
  return toRule(ctx, row);
}

export async function deleteRule(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'inbox:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('routing_rules')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new AppError('not_found', `No routing rule ${id}`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'routing_rule.delete',
      targetType: 'routing_rule',
      targetId: id,
    });
  });
}

/** Puts the workspace's rules in the given order (every rule id, once). */
export async function reorderRules(ctx: AppContext, actor: Actor, ids: string[]): Promise<RoutingRuleView[]> {
  requirePermission(actor, 'inbox:configure');
  await setOrder(ctx, actor, 'routing_rules', ids);
  return listRules(ctx, actor);
}
