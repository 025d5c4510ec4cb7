/**
 * Saved views of the inbox: named filters of the case list, a person's own or shared with the
 * workspace by those who configure the inbox. A view's `count` is the number of cases the list
 * shows for it, read through the list's own query (`countCases`), so the two always agree.
 */
import type { Selectable, Transaction } from 'kysely';
import type { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { DB, InboxViewsTable } from '../../db/schema.ts';
import { AppError, validationError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, can, requirePermission } from '../auth/roles.ts';
import { countCases } from './case-lists.ts';
import { caseFilters } from './schema.ts';
import {
  type InboxView,
  type InboxViewInput,
  type InboxViewOrder,
  type InboxViewPatch,
  inboxViewInput,
  inboxViewOrder,
  inboxViewPatch,
  maxViewsPerPerson,
  type ViewFilters,
  viewCountCap,
} from './views-schema.ts';

type ViewRow = Selectable<InboxViewsTable>;

/** Input checked again here, as every caller (HTTP, CLI, tests) reaches the service: problems name their fields. */
function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationError(parsed.error, 'view');
  return parsed.data;
}

/** Whether `actor` may rename, refilter, share or delete the view. */
function mayChange(actor: Actor, row: ViewRow): boolean {
  // A shared view speaks for the team: only people who configure the inbox change it, its owner included.
  if (Number(row.shared) === 1) return can(actor, 'inbox:configure');
  return row.owner_user_id === actor.userId;
}

/**
 * The view as `viewer` sees it, with its count: `view: mine` counts the viewer's cases, as the
 * list does for them. Stored filters were checked when saved; reading them with the lenient
 * schema drops a filter the vocabulary no longer knows instead of failing the whole list.
 */
async function toView(ctx: AppContext, row: ViewRow, viewer: Actor, editable: boolean): Promise<InboxView> {
  const filters = caseFilters.parse(ctx.dialect.parseJson(row.filters));
  const { count, capped } = can(viewer, 'inbox:read')
    ? await countCases(ctx, viewer, filters, viewCountCap)
    : { count: 0, capped: false };
  return {
    id: row.id,
    name: row.name,
    filters,
    shared: Number(row.shared) === 1,
    ownerUserId: row.owner_user_id,
    position: Number(row.position),
    editable,
    count,
    countCapped: capped,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The views `actor` sees, counted for them (each count a separate capped query; on PostgreSQL they go out together). */
function viewsFor(ctx: AppContext, actor: Actor, rows: ViewRow[]): Promise<InboxView[]> {
  return Promise.all(rows.map((r) => toView(ctx, r, actor, mayChange(actor, r))));
}

function sharedRows(db: AppContext['db'] | Transaction<DB>, workspaceId: string) {
  return db
    .selectFrom('inbox_views')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('shared', '=', 1)
    .orderBy('position')
    .orderBy('name');
}

function personalRows(db: AppContext['db'] | Transaction<DB>, workspaceId: string, ownerId: string) {
  return db
    .selectFrom('inbox_views')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('owner_user_id', '=', ownerId)
    .where('shared', '=', 0)
    .orderBy('position')
    .orderBy('name');
}

/** The views an agent sees: the workspace's shared views, then their own, each by position then name. */
export async function listViews(ctx: AppContext, actor: Actor): Promise<InboxView[]> {
  requirePermission(actor, 'inbox:read');
  const [shared, own] = await Promise.all([
    sharedRows(ctx.db, actor.workspaceId).execute(),
    personalRows(ctx.db, actor.workspaceId, actor.userId).execute(),
  ]);
  return viewsFor(ctx, actor, [...shared, ...own]);
}

/** The view `id` when `actor` may see it (their own, or shared in their workspace). */
async function visibleRow(
  db: AppContext['db'] | Transaction<DB>,
  actor: Actor,
  id: string,
): Promise<ViewRow> {
  const row = await db
    .selectFrom('inbox_views')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || (Number(row.shared) !== 1 && row.owner_user_id !== actor.userId))
    throw new AppError('not_found', `No view ${id}`);
  return row;
}

/**
 * Holds the owner's user row until the transaction ends, so that two saves of one person's views
 * cannot both pass the limit or the name check (PostgreSQL; SQLite has one writer anyway).
 */
async function lockOwner(ctx: AppContext, trx: Transaction<DB>, workspaceId: string, ownerId: string) {
  await ctx.dialect
    .lockForUpdate(
      trx.selectFrom('users').select('id').where('workspace_id', '=', workspaceId).where('id', '=', ownerId),
    )
    .execute();
}

async function checkNameFree(
  trx: Transaction<DB>,
  workspaceId: string,
  ownerId: string,
  name: string,
  except?: string,
): Promise<void> {
  let q = trx
    .selectFrom('inbox_views')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('owner_user_id', '=', ownerId)
    .where('name', '=', name);
  if (except) q = q.where('id', '!=', except);
  if (await q.executeTakeFirst())
    throw new AppError('conflict', `There is already a view named “${name}”`, {
      fields: [{ path: 'name', message: 'already used by another view of the same owner' }],
    });
}

/** The next position at the end of the shared list, or of the owner's own list. */
async function endOf(trx: Transaction<DB>, workspaceId: string, ownerId: string, shared: boolean) {
  let q = trx
    .selectFrom('inbox_views')
    .select((eb) => eb.fn.max('position').as('p'))
    .where('workspace_id', '=', workspaceId)
    .where('shared', '=', shared ? 1 : 0);
  if (!shared) q = q.where('owner_user_id', '=', ownerId);
  const row = await q.executeTakeFirst();
  return Number(row?.p ?? 0) + 1;
}

/**
 * Refuses filters that name a team, person or customer this workspace does not have: a view
 * saved with a mistyped or foreign id would list nothing, forever, without saying why.
 */
async function checkReferences(
  trx: Transaction<DB>,
  workspaceId: string,
  filters: ViewFilters,
): Promise<void> {
  const references = [
    { key: 'teamId', table: 'teams', what: 'team' },
    { key: 'assigneeUserId', table: 'users', what: 'person' },
    { key: 'customerId', table: 'customers', what: 'customer' },
  ] as const;
  const missing: { path: string; message: string }[] = [];
  for (const { key, table, what } of references) {
    const id = filters[key];
    if (!id) continue;
    const found = await trx
      .selectFrom(table)
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) missing.push({ path: `filters.${key}`, message: `no ${what} ${id} in this workspace` });
  }
  if (missing.length > 0)
    throw new AppError('validation_failed', missing.map((m) => m.message).join('; '), { fields: missing });
}

/** Saves the current filters as a view of the actor's, at the end of its list; sharing needs inbox:configure. */
export async function createView(ctx: AppContext, actor: Actor, input: InboxViewInput): Promise<InboxView> {
  requirePermission(actor, 'inbox:read');
  const parsed = parseInput(inboxViewInput, input);
  if (parsed.shared) requirePermission(actor, 'inbox:configure');
  const now = ctx.now().toISOString();
  const id = newId(ctx.now());
  const row = await ctx.db.transaction().execute(async (trx) => {
    await lockOwner(ctx, trx, actor.workspaceId, actor.userId);
    const owned = await trx
      .selectFrom('inbox_views')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('workspace_id', '=', actor.workspaceId)
      .where('owner_user_id', '=', actor.userId)
      .executeTakeFirst();
    if (Number(owned?.n ?? 0) >= maxViewsPerPerson)
      throw new AppError(
        'conflict',
        `You have ${maxViewsPerPerson} saved views, the most one person may have: delete one first`,
        { limit: maxViewsPerPerson },
      );
    await checkNameFree(trx, actor.workspaceId, actor.userId, parsed.name);
    await checkReferences(trx, actor.workspaceId, parsed.filters);
    const values = {
      id,
      workspace_id: actor.workspaceId,
      owner_user_id: actor.userId,
      name: parsed.name,
      filters: ctx.dialect.toJson(parsed.filters),
      shared: parsed.shared ? 1 : 0,
      position: await endOf(trx, actor.workspaceId, actor.userId, parsed.shared),
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('inbox_views').values(values).execute();
    if (parsed.shared)
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'inbox_view.create',
        targetType: 'inbox_view',
        targetId: id,
        details: { name: parsed.name, filters: parsed.filters },
      });
    return visibleRow(trx, actor, id);
  });
  return toView(ctx, row, actor, mayChange(actor, row));
}

/** Renames a view, replaces its filters, or shares or unshares it (moved to the end of its new list). */
export async function updateView(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: InboxViewPatch,
): Promise<InboxView> {
  requirePermission(actor, 'inbox:read');
  const parsed = parseInput(inboxViewPatch, patch);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const before = await visibleRow(trx, actor, id);
    const wasShared = Number(before.shared) === 1;
    const shared = parsed.shared ?? wasShared;
    if (!mayChange(actor, before) || (shared && !wasShared)) requirePermission(actor, 'inbox:configure');
    // Names are unique per owner: a manager renaming a colleague's shared view checks the colleague's.
    await lockOwner(ctx, trx, actor.workspaceId, before.owner_user_id);
    if (parsed.name !== undefined && parsed.name !== before.name)
      await checkNameFree(trx, actor.workspaceId, before.owner_user_id, parsed.name, id);
    if (parsed.filters !== undefined) await checkReferences(trx, actor.workspaceId, parsed.filters);
    await trx
      .updateTable('inbox_views')
      .set({
        ...(parsed.name === undefined ? {} : { name: parsed.name }),
        ...(parsed.filters === undefined ? {} : { filters: ctx.dialect.toJson(parsed.filters) }),
        ...(shared === wasShared
          ? {}
          : {
              shared: shared ? 1 : 0,
              position: await endOf(trx, actor.workspaceId, before.owner_user_id, shared),
            }),
        updated_at: ctx.now().toISOString(),
      })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    if (wasShared || shared)
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'inbox_view.update',
        targetType: 'inbox_view',
        targetId: id,
        details: {
          name: parsed.name ?? before.name,
          changed: Object.keys(parsed).filter((k) => parsed[k as keyof typeof parsed] !== undefined),
          shared,
          ...(parsed.filters === undefined ? {} : { filters: parsed.filters }),
        },
      });
    return trx.selectFrom('inbox_views').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  });
  // Unshared by someone other than its owner, the view is no longer theirs to see.
  if (Number(row.shared) !== 1 && row.owner_user_id !== actor.userId) return toView(ctx, row, actor, false);
  return toView(ctx, row, actor, mayChange(actor, row));
}

/** Deletes one of the actor's views, or a shared view (inbox:configure; audited). */
export async function deleteView(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'inbox:read');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await visibleRow(trx, actor, id);
    if (!mayChange(actor, row)) requirePermission(actor, 'inbox:configure');
    await trx
      .deleteFrom('inbox_views')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .execute();
    if (Number(row.shared) === 1)
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'inbox_view.delete',
        targetType: 'inbox_view',
        targetId: id,
        details: { name: row.name, ownerUserId: row.owner_user_id },
      });
  });
}

/**
 * Puts the actor's own views, or the workspace's shared views (inbox:configure; audited), in the
 * given order: `ids` names each view of that list once. Not `ordering.ts`'s setOrder: that orders
 * every row of a workspace's table and audits every reorder, where views are ordered per list
 * (one person's, or the shared one) and a person's own order is nobody else's business.
 */
export async function reorderViews(
  ctx: AppContext,
  actor: Actor,
  input: InboxViewOrder,
): Promise<InboxView[]> {
  requirePermission(actor, 'inbox:read');
  const { scope, ids } = parseInput(inboxViewOrder, input);
  if (scope === 'shared') requirePermission(actor, 'inbox:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const rows = await (scope === 'shared'
      ? sharedRows(trx, actor.workspaceId)
      : personalRows(trx, actor.workspaceId, actor.userId)
    ).execute();
    const known = new Set(rows.map((r) => r.id));
    if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((i) => !known.has(i)))
      throw new AppError('validation_failed', `The order must list every ${scope} view once`, {
        fields: [{ path: 'ids', message: `every ${scope} view id, once` }],
      });
    for (const [i, viewId] of ids.entries())
      await trx
        .updateTable('inbox_views')
        .set({ position: i + 1 })
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', viewId)
        .execute();
    if (scope === 'shared')
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'inbox_view.reorder',
        targetType: 'workspace',
        targetId: actor.workspaceId,
        details: { ids },
      });
  });
  return listViews(ctx, actor);
}

/** A view as the operator lists it: with its owner's email. */
export type ViewOfWorkspace = InboxView & { ownerEmail: string };

/**
 * For the operator at the command line: with `email`, the views that person sees, counted for
 * them (what their sidebar shows); without, every view of the workspace, each counted as its
 * owner sees it (`view: mine` is the owner's cases).
 */
export async function operatorViews(
  ctx: AppContext,
  operator: Actor,
  email?: string,
): Promise<ViewOfWorkspace[]> {
  requirePermission(operator, 'workspace:manage');
  const people = await ctx.db
    .selectFrom('users')
    .select(['id', 'email', 'role'])
    .where('workspace_id', '=', operator.workspaceId)
    .execute();
  const actorOf = (p: (typeof people)[number]): Actor => ({
    userId: p.id,
    workspaceId: operator.workspaceId,
    role: p.role,
    via: 'cli',
  });
  const emailOf = new Map(people.map((p) => [p.id, p.email]));
  const withEmail = (v: InboxView) => ({ ...v, ownerEmail: emailOf.get(v.ownerUserId) ?? '' });
  if (email !== undefined) {
    const person = people.find((p) => p.email.toLowerCase() === email.toLowerCase());
    if (!person) throw new AppError('not_found', `No user ${email} in this workspace`);
    const viewer = actorOf(person);
    if (!can(viewer, 'inbox:read'))
      throw new AppError('validation_failed', `${email} is a ${person.role}, who has no inbox`);
    return (await listViews(ctx, viewer)).map(withEmail);
  }
  const rows = await ctx.db
    .selectFrom('inbox_views')
    .selectAll()
    .where('workspace_id', '=', operator.workspaceId)
    .orderBy('position')
    .orderBy('name')
    .execute();
  // The shared views first, then each person's own, people by email (a stable sort keeps each list's order).
  const sortKey = (r: ViewRow) => (Number(r.shared) === 1 ? '' : `~${emailOf.get(r.owner_user_id) ?? ''}`);
  rows.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const byId = new Map(people.map((p) => [p.id, p]));
  const views = await Promise.all(
    rows.map((r) => {
      const owner = byId.get(r.owner_user_id);
      return owner ? toView(ctx, r, actorOf(owner), true) : null;
    }),
  );
  return views.flatMap((v) => (v ? [withEmail(v)] : []));
}
