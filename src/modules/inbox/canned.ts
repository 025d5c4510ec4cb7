import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CannedResponsesTable, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { CannedInput, CannedView } from './notes-schema.ts';

/** The variables a canned response may use, and where each comes from. */
export const cannedVariables = [
  'customer.name',
  'customer.handle',
  'agent.name',
  'case.number',
  'case.subject',
  'workspace.name',
] as const;
type Variable = (typeof cannedVariables)[number];

// Every {{…}} token, whatever is inside: a narrower pattern let `{{customer.first_name}}` or
// `{{customerx}}` past the check, and they then went out to customers as raw text.
const variablePattern = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The unknown variables of a template (empty when it is valid), each once. */
export function unknownVariables(body: string): string[] {
  return [
    ...new Set(
      [...body.matchAll(variablePattern)]
        .map((m) => m[1] ?? '')
        .filter((v) => !(cannedVariables as readonly string[]).includes(v)),
    ),
  ];
}

/**
 * Fills a template; a known variable without a value renders as an empty string. A token that is
 * no variable (in a response saved before every token was checked) is dropped, or with
 * `keepUnknown` left as typed, so the agent's composer shows it and refuses to send it.
 */
export function renderTemplate(
  body: string,
  values: Partial<Record<Variable, string>>,
  keepUnknown = false,
): string {
  return body
    .replace(variablePattern, (token, name: string) =>
      (cannedVariables as readonly string[]).includes(name)
        ? (values[name as Variable] ?? '')
        : keepUnknown
          ? token
          : '',
    )
    .trim();
}

function toView(r: Selectable<CannedResponsesTable>): CannedView {
  return {
    id: r.id,
    name: r.name,
    body: r.body,
    shared: Number(r.shared) === 1,
    ownerUserId: r.owner_user_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function checkBody(body: string): void {
  const unknown = unknownVariables(body);
  if (unknown.length > 0)
    throw new AppError(
      'validation_failed',
      `Unknown variables: ${unknown.map((v) => `{{${v}}}`).join(', ')}`,
      {
        fields: [
          { path: 'body', message: `unknown: ${unknown.join(', ')}; known: ${cannedVariables.join(', ')}` },
        ],
      },
    );
}

/** Shared responses and the actor's own, by name. */
export async function listCanned(ctx: AppContext, actor: Actor): Promise<CannedView[]> {
  requirePermission(actor, 'inbox:read');
  const rows = await ctx.db
    .selectFrom('canned_responses')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where((eb) => eb.or([eb('shared', '=', 1), eb('owner_user_id', '=', actor.userId)]))
    .orderBy('name')
    .execute();
  return rows.map(toView);
}

async function visible(ctx: AppContext, actor: Actor, id: string) {
  const row = await ctx.db
    .selectFrom('canned_responses')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || (Number(row.shared) !== 1 && row.owner_user_id !== actor.userId))
    throw new AppError('not_found', `No canned response ${id}`);
  return row;
}

/** Creates a response, or changes one (shared ones by managers and up, private ones by their owner). */
export async function saveCanned(
  ctx: AppContext,
  actor: Actor,
  input: CannedInput,
  id?: string,
): Promise<CannedView> {
  requirePermission(actor, 'inbox:work');
  checkBody(input.body);
  // Sharing speaks for the team: only people who configure the inbox may share.
  if (input.shared) requirePermission(actor, 'inbox:configure');
  const now = ctx.now().toISOString();
  if (id) {
    const row = await visible(ctx, actor, id);
    if (row.owner_user_id !== actor.userId) requirePermission(actor, 'inbox:configure');
    await ctx.db
      .updateTable('canned_responses')
      .set({ name: input.name, body: input.body, shared: input.shared ? 1 : 0, updated_at: now })
      .where('id', '=', id)
      .execute();
    return toView(await visible(ctx, actor, id));
  }
  const newRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: input.name,
    body: input.body,
    shared: input.shared ? 1 : 0,
    owner_user_id: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.insertInto('canned_responses').values(newRow).execute();
  return toView(newRow);
}

export async function deleteCanned(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'inbox:work');
  const row = await visible(ctx, actor, id);
  if (row.owner_user_id !== actor.userId) requirePermission(actor, 'inbox:configure');
  await ctx.db.deleteFrom('canned_responses').where('id', '=', id).execute();
}

/** A canned response filled in for a case: its customer, the agent, the case, the workspace. */
export async function renderCanned(
  ctx: AppContext,
  actor: Actor,
  id: string,
  caseId: string,
): Promise<string> {
  requirePermission(actor, 'inbox:read');
  const row = await visible(ctx, actor, id);
  return fillCanned(ctx.db, actor.workspaceId, row.body, caseId, actor.userId, true);
}

/**
 * A routing rule's reply: the workspace's shared canned response `id`, filled in for the case,
 * signed by the case's assignee or, when it has none, by the workspace's team.
 */
export async function renderSharedCanned(
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
  id: string,
  caseId: string,
  assigneeUserId: string | null,
): Promise<string> {
  const row = await db
    .selectFrom('canned_responses')
    .select('body')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('shared', '=', 1)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No shared canned response ${id}`);
  return fillCanned(db, workspaceId, row.body, caseId, assigneeUserId);
}

async function fillCanned(
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
  body: string,
  caseId: string,
  agentUserId: string | null,
  keepUnknown = false,
): Promise<string> {
  const c = await db
    .selectFrom('cases')
    .innerJoin('workspaces', 'workspaces.id', 'cases.workspace_id')
    .leftJoin('customers', 'customers.id', 'cases.customer_id')
    .select([
      'cases.number',
      'cases.subject',
      'cases.customer_id',
      'workspaces.name as workspace',
      'customers.display_name',
    ])
    .where('cases.workspace_id', '=', workspaceId)
    .where('cases.id', '=', caseId)
    .executeTakeFirst();
  if (!c) throw new AppError('not_found', `No case ${caseId}`);
  const handle = c.customer_id
    ? await db
        .selectFrom('identities')
        .select('handle')
        .where('customer_id', '=', c.customer_id)
        .where('kind', '=', 'social')
        .orderBy('created_at')
        .executeTakeFirst()
    : undefined;
  const agent = agentUserId
    ? await db
        .selectFrom('users')
        .select(['name', 'email'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', agentUserId)
        .executeTakeFirst()
    : undefined;
  return renderTemplate(
    body,
    {
      'customer.name': c.display_name ?? '',
      'customer.handle': handle?.handle ? `@${handle.handle}` : '',
      'agent.name': agent?.name || agent?.email || `The ${c.workspace} team`,
      'case.number': String(c.number),
      'case.subject': c.subject,
      'workspace.name': c.workspace,
    },
    keepUnknown,
  );
}
