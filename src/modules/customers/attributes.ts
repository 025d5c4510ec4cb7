/**
 * Custom attribute definitions: what attributes a workspace defines for its customers (values
 * are checked against them in rules.ts).
 */
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { Db } from './customer-rows.ts';
import type { AttributeDefinition } from './rules.ts';
import type { AttributeDefinitionView } from './schema.ts';

// ---------------------------------------------------------------------------------------------
// Attribute definitions

function toDefinitionView(
  ctx: AppContext,
  r: {
    id: string;
    key: string;
    label: string;
    type: AttributeDefinitionView['type'];
    choices: unknown;
    created_at: string;
  },
): AttributeDefinitionView {
  return {
    id: r.id,
    key: r.key,
    label: r.label,
    type: r.type,
    choices: ctx.dialect.parseJson<string[]>(r.choices),
    createdAt: r.created_at,
  };
}

export async function listAttributeDefinitions(
  ctx: AppContext,
  actor: Actor,
): Promise<AttributeDefinitionView[]> {
  requirePermission(actor, 'customers:read');
  const rows = await ctx.db
    .selectFrom('customer_attribute_definitions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('key')
    .execute();
  return rows.map((r) => toDefinitionView(ctx, r));
}

export async function createAttributeDefinition(
  ctx: AppContext,
  actor: Actor,
  input: {
    key: string;
    label: string;
    type: AttributeDefinitionView['type'];
    choices?: string[] | undefined;
  },
): Promise<AttributeDefinitionView> {
  requirePermission(actor, 'customers:configure');
  const choices = input.type === 'choice' ? [...new Set(input.choices ?? [])] : [];
  if (input.type === 'choice' && choices.length === 0)
    throw new AppError('validation_failed', 'A choice attribute needs choices', {
      fields: [{ path: 'choices', message: 'give at least one choice' }],
    });
  const taken = await ctx.db
    .selectFrom('customer_attribute_definitions')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('key', '=', input.key)
    .executeTakeFirst();
  if (taken) throw new AppError('conflict', `An attribute "${input.key}" already exists`);
  const row = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    key: input.key,
    label: input.label,
    type: input.type,
    choices: ctx.dialect.toJson(choices),
    created_at: ctx.now().toISOString(),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('customer_attribute_definitions').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'customer_attribute.created',
      targetType: 'customer_attribute',
      targetId: row.id,
      details: { key: row.key, type: row.type },
    });
  });
  return toDefinitionView(ctx, row);
}

/** Removes a definition; values already stored on customers stay (nothing is lost silently). */
export async function deleteAttributeDefinition(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'customers:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('customer_attribute_definitions')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returning('key')
      .executeTakeFirst();
    if (!deleted) throw new AppError('not_found', `No attribute definition ${id}`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'customer_attribute.deleted',
      targetType: 'customer_attribute',
      targetId: id,
      details: { key: deleted.key },
    });
  });
}

export async function definitionsOf(
  db: Db,
  ctx: AppContext,
  workspaceId: string,
): Promise<AttributeDefinition[]> {
  const rows = await db
    .selectFrom('customer_attribute_definitions')
    .select(['key', 'type', 'choices'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  return rows.map((r) => ({ key: r.key, type: r.type, choices: ctx.dialect.parseJson<string[]>(r.choices) }));
}
