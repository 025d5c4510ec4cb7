/**
 * Segments: saved groups of customers. A dynamic segment is a rule (segment-rules.ts) evaluated
 * when read; a static segment is a list of customers added by hand. A private segment is visible
 * and editable by its owner only. See docs/segments.md.
 */
import { type Kysely, type RawBuilder, type Selectable, type SqlBool, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { workspaceChannels } from '../../db/distinct-values.ts';
import type { DB, SegmentsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { CustomerSummary } from './schema.ts';
import {
  compileRule,
  type FieldView,
  fieldCatalogue,
  isGroup,
  type Rule,
  ruleProblems,
} from './segment-rules.ts';
import type { SegmentInput, SegmentPatch, SegmentView } from './segments-schema.ts';
import { customerSummaries } from './service.ts';

type Db = Kysely<DB> | Transaction<DB>;
type SegmentRow = Selectable<SegmentsTable>;

const SAMPLE_SIZE = 5;

// ---------------------------------------------------------------------------------------------
// Rules: catalogue, validation, evaluation

async function catalogueOf(ctx: AppContext, db: Db, workspaceId: string): Promise<FieldView[]> {
  const rows = await db
    .selectFrom('customer_attribute_definitions')
    .select(['key', 'label', 'type', 'choices'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('key')
    .execute();
  return fieldCatalogue(
    rows.map((r) => ({
      key: r.key,
      label: r.label,
      type: r.type,
      choices: ctx.dialect.parseJson<string[]>(r.choices),
    })),
    await workspaceChannels(db, 'identities', workspaceId),
  );
}

/** The fields a rule may use in the actor's workspace (GET /customers/segments/fields). */
export async function segmentFields(ctx: AppContext, actor: Actor): Promise<FieldView[]> {
  requirePermission(actor, 'customers:read');
  const fields = await catalogueOf(ctx, ctx.db, actor.workspaceId);
  // For pickers: the event names seen in the workspace, and the lists the actor can see.
  const events = await ctx.db
    .selectFrom('customer_events')
    .select('name')
    .distinct()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('name')
    .limit(200)
    .execute();
  const lists = (
    await ctx.db
      .selectFrom('segments')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('kind', '=', 'static')
      .orderBy('name')
      .limit(500)
      .execute()
  ).filter(visibleTo(actor));
  return fields.map((f) =>
    f.field === 'event'
      ? { ...f, choices: events.map((e) => ({ value: e.name, label: e.name })) }
      : f.field === 'list'
        ? { ...f, choices: lists.map((l) => ({ value: l.id, label: l.name })) }
        : f,
  );
}

function listIdsOf(rule: Rule): string[] {
  return rule.conditions.flatMap((c) =>
    isGroup(c) ? listIdsOf(c) : c.field === 'list' && typeof c.value === 'string' ? [c.value] : [],
  );
}

/** Throws `validation_failed` naming the path of every bad condition (`rule.conditions.2.op`). */
async function checkRule(ctx: AppContext, db: Db, actor: Actor, rule: Rule): Promise<FieldView[]> {
  const workspaceId = actor.workspaceId;
  const fields = await catalogueOf(ctx, db, workspaceId);
  const listIds = [...new Set(listIdsOf(rule))];
  const lists =
    listIds.length === 0
      ? new Set<string>()
      : new Set(
          (
            await db
              .selectFrom('segments')
              .selectAll()
              .where('workspace_id', '=', workspaceId)
              .where('kind', '=', 'static')
              .where('id', 'in', listIds)
              .execute()
          )
            // Someone else's private list is not there for this actor.
            .filter(visibleTo(actor))
            .map((r) => r.id),
        );
  const problems = ruleProblems(rule, fields, (id) => lists.has(id));
  if (problems.length > 0)
    throw new AppError(
      'validation_failed',
      `Invalid rule: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { fields: problems },
    );
  return fields;
}

/** Live customers (not merged, not erased) of the workspace with their stats, as `c` and `s`. */
function liveCustomers(db: Db, workspaceId: string, among?: readonly string[]) {
  const q = db
    .selectFrom('customers as c')
    // Among given customers, the ids in the join let PostgreSQL read their statistics by key
    // instead of hashing the whole table.
    .leftJoin('customer_stats as s', (join) =>
      among
        ? join.onRef('s.customer_id', '=', 'c.id').on('s.customer_id', 'in', among)
        : join.onRef('s.customer_id', '=', 'c.id'),
    )
    .where('c.workspace_id', '=', workspaceId)
    .where('c.merged_into', 'is', null)
    .where('c.erased_at', 'is', null);
  return among ? q.where('c.id', 'in', among) : q;
}

function ruleCondition(ctx: AppContext, workspaceId: string, rule: Rule, fields: readonly FieldView[]) {
  return compileRule(rule, { db: ctx.db, dialect: ctx.dialect, workspaceId, now: ctx.now(), fields });
}

/** How many live customers of the workspace match `rule` (assumed valid; unknown fields match nobody). */
export async function countMatching(
  ctx: AppContext,
  workspaceId: string,
  rule: Rule,
  fields?: readonly FieldView[],
): Promise<number> {
  const catalogue = fields ?? (await catalogueOf(ctx, ctx.db, workspaceId));
  const row = await liveCustomers(ctx.db, workspaceId)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where(ruleCondition(ctx, workspaceId, rule, catalogue))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Ids of the live customers matching `rule`, newest first, below `before` when given. */
async function matchingIds(
  ctx: AppContext,
  workspaceId: string,
  rule: Rule,
  fields: readonly FieldView[],
  limit: number,
  before?: string,
): Promise<string[]> {
  let q = liveCustomers(ctx.db, workspaceId)
    .select('c.id')
    .where(ruleCondition(ctx, workspaceId, rule, fields));
  if (before !== undefined) q = q.where('c.id', '<', before);
  return (await q.orderBy('c.id', 'desc').limit(limit).execute()).map((r) => r.id);
}

/** Ids of every live customer of the workspace matching `rule`, newest first. */
export async function matchingCustomerIds(
  ctx: AppContext,
  workspaceId: string,
  rule: Rule,
): Promise<string[]> {
  const fields = await catalogueOf(ctx, ctx.db, workspaceId);
  return matchingIds(ctx, workspaceId, rule, fields, 1_000_000_000);
}

/** Count and a few matching customers of a rule being written (POST /customers/segments/preview). */
export async function previewSegment(
  ctx: AppContext,
  actor: Actor,
  rule: Rule,
): Promise<{ count: number; sample: CustomerSummary[] }> {
  requirePermission(actor, 'customers:read');
  const fields = await checkRule(ctx, ctx.db, actor, rule);
  const count = await countMatching(ctx, actor.workspaceId, rule, fields);
  const ids = count === 0 ? [] : await matchingIds(ctx, actor.workspaceId, rule, fields, SAMPLE_SIZE);
  return { count, sample: await customerSummaries(ctx, actor.workspaceId, ids, 'stats') };
}

// ---------------------------------------------------------------------------------------------
// Segments

function ruleOf(ctx: AppContext, row: SegmentRow): Rule | null {
  return row.rule === null ? null : ctx.dialect.parseJson<Rule>(row.rule);
}

async function memberCount(ctx: AppContext, row: SegmentRow, fields?: readonly FieldView[]): Promise<number> {
  const rule = ruleOf(ctx, row);
  if (row.kind === 'dynamic') return rule ? countMatching(ctx, row.workspace_id, rule, fields) : 0;
  const r = await ctx.db
    .selectFrom('segment_members as m')
    .innerJoin('customers as c', 'c.id', 'm.customer_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.segment_id', '=', row.id)
    .where('c.merged_into', 'is', null)
    .where('c.erased_at', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

async function toView(ctx: AppContext, row: SegmentRow, fields?: readonly FieldView[]): Promise<SegmentView> {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    kind: row.kind,
    rule: ruleOf(ctx, row),
    shared: row.shared === 1,
    ownerUserId: row.owner_user_id,
    memberCount: await memberCount(ctx, row, fields),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Shared segments and the actor's own; the operator at the command line sees them all. */
const visibleTo = (actor: Actor) => (row: SegmentRow) =>
  row.shared === 1 || row.owner_user_id === actor.userId || actor.via === 'cli';

/** A segment the actor may see; a private segment of someone else is not found. */
async function visibleSegment(db: Db, actor: Actor, id: string): Promise<SegmentRow> {
  const row = await db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || !visibleTo(actor)(row)) throw new AppError('not_found', `No segment ${id}`);
  return row;
}

/** The visible segments, by name, keyset-paginated by (name, id). */
export async function listSegments(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery,
): Promise<Page<SegmentView>> {
  requirePermission(actor, 'customers:read');
  let q = ctx.db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where((eb) => eb.or([eb('shared', '=', 1), eb('owner_user_id', '=', actor.userId)]));
  if (page.cursor !== undefined) {
    const key = decodeCursor(page.cursor);
    let name: unknown;
    let id: unknown;
    try {
      [name, id] = JSON.parse(String(key)) as unknown[];
    } catch {
      // reported below
    }
    if (typeof name !== 'string' || typeof id !== 'string')
      throw new AppError('validation_failed', 'Invalid cursor', {
        fields: [{ path: 'cursor', message: 'Invalid cursor' }],
      });
    q = q.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
  }
  const rows = await q
    .orderBy('name')
    .orderBy('id')
    .limit(page.limit + 1)
    .execute();
  const items = rows.slice(0, page.limit);
  const fields = await catalogueOf(ctx, ctx.db, actor.workspaceId);
  const last = items[items.length - 1];
  return {
    items: await Promise.all(items.map((r) => toView(ctx, r, fields))),
    nextCursor: rows.length > page.limit && last ? encodeCursor(JSON.stringify([last.name, last.id])) : null,
  };
}

export async function getSegment(ctx: AppContext, actor: Actor, id: string): Promise<SegmentView> {
  requirePermission(actor, 'customers:read');
  return toView(ctx, await visibleSegment(ctx.db, actor, id));
}

/**
 * Segment names are unique in a workspace, in any case and with spaces around ignored, so that a
 * name typed on the command line finds one segment. Checked in the writing transaction after
 * holding the workspace row (PostgreSQL; SQLite has one writer).
 */
async function checkNameFree(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  name: string,
  except?: string,
): Promise<void> {
  await ctx.dialect
    .lockForUpdate(trx.selectFrom('workspaces').select('id').where('id', '=', actor.workspaceId))
    .execute();
  const key = name.trim().toLowerCase();
  const taken = (
    await trx
      .selectFrom('segments')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where((eb) => eb(eb.fn('lower', [eb.ref('name')]), '=', key))
      .execute()
  ).find((r) => r.id !== except);
  if (!taken) return;
  // Someone else's private segment is not shown, but its name is still taken.
  const seen = visibleTo(actor)(taken);
  throw new AppError(
    'conflict',
    seen
      ? `A segment named "${taken.name}" already exists`
      : `A colleague has a private segment named "${taken.name}": choose another name`,
    {
      fields: [{ path: 'name', message: 'already used by another segment' }],
      ...(seen ? { segmentId: taken.id } : {}),
    },
  );
}

export async function createSegment(
  ctx: AppContext,
  actor: Actor,
  input: SegmentInput,
): Promise<SegmentView> {
  requirePermission(actor, 'customers:manage');
  if (input.kind === 'dynamic' && !input.rule)
    throw new AppError('validation_failed', 'A dynamic segment needs a rule', {
      fields: [{ path: 'rule', message: 'required for a dynamic segment' }],
    });
  if (input.kind === 'static' && input.rule)
    throw new AppError('validation_failed', 'A static segment is a list: it has no rule', {
      fields: [{ path: 'rule', message: 'leave it out for a static segment' }],
    });
  const now = ctx.now().toISOString();
  const row: SegmentRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: input.name,
    description: input.description ?? null,
    kind: input.kind,
    rule: null,
    shared: input.shared === false ? 0 : 1,
    owner_user_id: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await checkNameFree(ctx, trx, actor, input.name);
    if (input.rule) await checkRule(ctx, trx, actor, input.rule);
    await trx
      .insertInto('segments')
      .values({ ...row, rule: input.rule ? ctx.dialect.toJson(input.rule) : null })
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'segment.created',
      targetType: 'segment',
      targetId: row.id,
      details: { name: row.name, kind: row.kind, shared: row.shared === 1 },
    });
  });
  return getSegment(ctx, actor, row.id);
}

export async function updateSegment(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: SegmentPatch,
): Promise<SegmentView> {
  requirePermission(actor, 'customers:manage');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await visibleSegment(trx, actor, id);
    if (patch.rule !== undefined && row.kind === 'static')
      throw new AppError('validation_failed', 'A static segment is a list: it has no rule', {
        fields: [{ path: 'rule', message: 'a static segment has no rule' }],
      });
    if (
      patch.shared !== undefined &&
      patch.shared !== (row.shared === 1) &&
      row.owner_user_id !== actor.userId
    )
      throw new AppError('forbidden', 'Only the owner of a segment may change who sees it');
    if (patch.name !== undefined && patch.name.trim().toLowerCase() !== row.name.trim().toLowerCase())
      await checkNameFree(ctx, trx, actor, patch.name, id);
    if (patch.rule !== undefined) await checkRule(ctx, trx, actor, patch.rule);
    await trx
      .updateTable('segments')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
        ...(patch.rule !== undefined ? { rule: ctx.dialect.toJson(patch.rule) } : {}),
        ...(patch.shared !== undefined ? { shared: patch.shared ? 1 : 0 } : {}),
        updated_at: ctx.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'segment.updated',
      targetType: 'segment',
      targetId: id,
      details: { changed: Object.keys(patch) },
    });
  });
  return getSegment(ctx, actor, id);
}

export async function deleteSegment(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'customers:manage');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await visibleSegment(trx, actor, id);
    await trx.deleteFrom('segment_members').where('segment_id', '=', id).execute();
    await trx.deleteFrom('segments').where('id', '=', id).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'segment.deleted',
      targetType: 'segment',
      targetId: id,
      details: { name: row.name, kind: row.kind },
    });
  });
}

/** Ids of the members, newest customer first, below `before` when given. */
async function memberIds(
  ctx: AppContext,
  row: SegmentRow,
  limit: number,
  before?: string,
  fields?: readonly FieldView[],
): Promise<string[]> {
  if (row.kind === 'dynamic') {
    const rule = ruleOf(ctx, row);
    if (!rule) return [];
    const catalogue = fields ?? (await catalogueOf(ctx, ctx.db, row.workspace_id));
    return matchingIds(ctx, row.workspace_id, rule, catalogue, limit, before);
  }
  let q = ctx.db
    .selectFrom('segment_members as m')
    .innerJoin('customers as c', 'c.id', 'm.customer_id')
    .select('c.id')
    .where('m.segment_id', '=', row.id)
    .where('c.merged_into', 'is', null)
    .where('c.erased_at', 'is', null);
  if (before !== undefined) q = q.where('c.id', '<', before);
  return (await q.orderBy('c.id', 'desc').limit(limit).execute()).map((r) => r.id);
}

/** A page of the segment's members (live customers), keyset by customer id, newest first. */
export async function segmentMembers(
  ctx: AppContext,
  actor: Actor,
  id: string,
  page: PageQuery,
): Promise<Page<CustomerSummary>> {
  requirePermission(actor, 'customers:read');
  const row = await visibleSegment(ctx.db, actor, id);
  const before = page.cursor === undefined ? undefined : String(decodeCursor(page.cursor));
  const ids = await memberIds(ctx, row, page.limit + 1, before);
  const pageIds = ids.slice(0, page.limit);
  const last = pageIds[pageIds.length - 1];
  return {
    items: await customerSummaries(ctx, actor.workspaceId, pageIds, 'stats'),
    nextCursor: ids.length > page.limit && last ? encodeCursor(last) : null,
  };
}

/**
 * Pages through every member of a segment the actor can see (for exports): calls `onPage` with
 * each page of ids, newest customer first.
 */
export async function forEachMemberPage(
  ctx: AppContext,
  actor: Actor,
  id: string,
  pageSize: number,
  onPage: (ids: string[]) => Promise<void>,
): Promise<SegmentView> {
  requirePermission(actor, 'customers:read');
  const row = await visibleSegment(ctx.db, actor, id);
  const fields = await catalogueOf(ctx, ctx.db, actor.workspaceId);
  let before: string | undefined;
  for (;;) {
    const ids = await memberIds(ctx, row, pageSize, before, fields);
    if (ids.length === 0) break;
    await onPage(ids);
    before = ids[ids.length - 1];
    if (ids.length < pageSize) break;
  }
  return toView(ctx, row, fields);
}

/** A segment by id, or by its name when no id matches (for the command line). */
export async function findSegment(ctx: AppContext, actor: Actor, idOrName: string): Promise<SegmentView> {
  requirePermission(actor, 'customers:read');
  // A name as a person types it: any case, spaces around it ignored; the exact name wins a tie.
  const name = idOrName.trim();
  const rows = await ctx.db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where((eb) =>
      eb.or([eb('id', '=', idOrName), eb(eb.fn('lower', [eb.ref('name')]), '=', name.toLowerCase())]),
    )
    .execute();
  const visible = rows.filter(visibleTo(actor));
  const byId = visible.find((r) => r.id === idOrName);
  const exact = visible.filter((r) => r.name === name);
  const named = exact.length > 0 ? exact : visible;
  const row = byId ?? named[0];
  if (!row) throw new AppError('not_found', `No segment "${name}"`);
  if (!byId && named.length > 1)
    throw new AppError('conflict', `Several segments are named "${name}": give the id`, {
      ids: named.map((r) => r.id),
    });
  return toView(ctx, row);
}

function requireStatic(row: SegmentRow): void {
  if (row.kind !== 'static')
    throw new AppError(
      'conflict',
      'Members of a dynamic segment follow its rule: they cannot be added or removed',
    );
}

/** Adds live customers of the workspace to a static segment; returns how many were not members yet. */
export async function addSegmentMembers(
  ctx: AppContext,
  actor: Actor,
  id: string,
  customerIds: string[],
): Promise<{ added: number }> {
  requirePermission(actor, 'customers:manage');
  const ids = [...new Set(customerIds)];
  return ctx.db.transaction().execute(async (trx) => {
    const row = await visibleSegment(trx, actor, id);
    requireStatic(row);
    const live = new Set(
      (
        await trx
          .selectFrom('customers')
          .select('id')
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', ids)
          .where('merged_into', 'is', null)
          .where('erased_at', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    const missing = ids.filter((c) => !live.has(c));
    if (missing.length > 0)
      throw new AppError(
        'not_found',
        `No customer ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
        {
          customerIds: missing,
        },
      );
    const now = ctx.now().toISOString();
    const result = await trx
      .insertInto('segment_members')
      .values(
        ids.map((customerId) => ({
          segment_id: id,
          customer_id: customerId,
          workspace_id: actor.workspaceId,
          added_by: actor.userId,
          added_at: now,
        })),
      )
      .onConflict((oc) => oc.columns(['segment_id', 'customer_id']).doNothing())
      .executeTakeFirst();
    const added = Number(result.numInsertedOrUpdatedRows ?? 0);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'segment.members_added',
      targetType: 'segment',
      targetId: id,
      details: { added, given: ids.length },
    });
    return { added };
  });
}

export async function removeSegmentMember(
  ctx: AppContext,
  actor: Actor,
  id: string,
  customerId: string,
): Promise<void> {
  requirePermission(actor, 'customers:manage');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await visibleSegment(trx, actor, id);
    requireStatic(row);
    const result = await trx
      .deleteFrom('segment_members')
      .where('segment_id', '=', id)
      .where('customer_id', '=', customerId)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw new AppError('not_found', `Customer ${customerId} is not a member of this segment`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'segment.member_removed',
      targetType: 'segment',
      targetId: id,
      details: { customerId },
    });
  });
}

/**
 * A condition on `customers.id` restricting a list to the members of a segment the actor can see
 * (GET /customers?segment=…).
 */
export async function segmentMemberFilter(
  ctx: AppContext,
  actor: Actor,
  id: string,
): Promise<RawBuilder<SqlBool>> {
  const row = await visibleSegment(ctx.db, actor, id);
  const ref = sql.ref('customers.id');
  if (row.kind === 'static') {
    const sub = ctx.db.selectFrom('segment_members').select('customer_id').where('segment_id', '=', row.id);
    return sql<SqlBool>`${ref} in ${sub}`;
  }
  const rule = ruleOf(ctx, row);
  if (!rule) return sql<SqlBool>`1 = 0`;
  const fields = await catalogueOf(ctx, ctx.db, actor.workspaceId);
  const sub = liveCustomers(ctx.db, actor.workspaceId)
    .select('c.id')
    .where(ruleCondition(ctx, actor.workspaceId, rule, fields));
  return sql<SqlBool>`${ref} in ${sub}`;
}

/**
 * Which of the given customers belong to each of the given segments (static members, or matching
 * a dynamic rule): static lists in one query, each dynamic rule in one query restricted to these
 * customers, so a batch costs the same as one customer.
 */
async function membersAmong(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  segments: readonly SegmentRow[],
  customerIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const members = new Map<string, Set<string>>();
  const ids = [...new Set(customerIds)];
  if (ids.length === 0 || segments.length === 0) return members;
  const statics = segments.filter((s) => s.kind === 'static').map((s) => s.id);
  if (statics.length > 0)
    for (const m of await db
      .selectFrom('segment_members')
      .select(['segment_id', 'customer_id'])
      .where('workspace_id', '=', workspaceId)
      .where('segment_id', 'in', statics)
      .where('customer_id', 'in', ids)
      .execute())
      members.set(m.segment_id, (members.get(m.segment_id) ?? new Set()).add(m.customer_id));
  const dynamics = segments.filter((s) => s.kind === 'dynamic');
  if (dynamics.length === 0) return members;
  const fields = await catalogueOf(ctx, db, workspaceId);
  const env = { db, dialect: ctx.dialect, workspaceId, now: ctx.now(), fields };
  const rules = dynamics.flatMap((s) => {
    const rule = ruleOf(ctx, s);
    return rule ? [{ id: s.id, holds: compileRule(rule, env) }] : [];
  });
  if (rules.length === 0) return members;
  // Every segment in one statement, one column each: a page of cards with five shared segments
  // is one round trip, not five.
  const rows = (await liveCustomers(db, workspaceId, ids)
    .select(['c.id', ...rules.map((r, i) => sql<number>`case when ${r.holds} then 1 else 0 end`.as(`m${i}`))])
    .execute()) as unknown as Record<string, unknown>[];
  for (const [i, r] of rules.entries())
    members.set(r.id, new Set(rows.filter((row) => Number(row[`m${i}`]) === 1).map((row) => String(row.id))));
  return members;
}

/**
 * For each of the given customers, which of the given segments they belong to (routing rules
 * and lead scoring read a batch at once). Unknown segment ids match nobody.
 */
export async function segmentsOfCustomers(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  segmentIds: readonly string[],
  customerIds: readonly string[],
): Promise<Map<string, Set<string>>> {
  const byCustomer = new Map<string, Set<string>>();
  if (segmentIds.length === 0 || customerIds.length === 0) return byCustomer;
  const rows = await db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...segmentIds])
    .execute();
  for (const [segmentId, members] of await membersAmong(ctx, db, workspaceId, rows, customerIds))
    for (const customerId of members)
      byCustomer.set(customerId, (byCustomer.get(customerId) ?? new Set()).add(segmentId));
  return byCustomer;
}

/**
 * Whether a customer belongs to any of the given segments (static members, or matching a dynamic
 * rule): for SLA policies and routing rules. Unknown segment ids match nothing.
 */
export async function customerInSegments(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  customerId: string,
  segmentIds: string[],
): Promise<boolean> {
  const of = await segmentsOfCustomers(ctx, db, workspaceId, segmentIds, [customerId]);
  return (of.get(customerId)?.size ?? 0) > 0;
}

/** How many shared segments the inbox shows as badges (by name): each costs a query per list. */
export const BADGE_SEGMENTS = 20;

/**
 * The shared segments (the first BADGE_SEGMENTS by name) each of the given customers belongs to,
 * for the badges on inbox cards.
 */
export async function segmentBadges(
  ctx: AppContext,
  workspaceId: string,
  customerIds: readonly string[],
): Promise<Map<string, { id: string; name: string }[]>> {
  const badges = new Map<string, { id: string; name: string }[]>();
  const ids = [...new Set(customerIds)];
  if (ids.length === 0) return badges;
  const segments = await ctx.db
    .selectFrom('segments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('shared', '=', 1)
    .orderBy('name')
    .orderBy('id')
    .limit(BADGE_SEGMENTS)
    .execute();
  const members = await membersAmong(ctx, ctx.db, workspaceId, segments, ids);
  for (const s of segments)
    for (const customerId of members.get(s.id) ?? [])
      badges.set(customerId, [...(badges.get(customerId) ?? []), { id: s.id, name: s.name }]);
  return badges;
}
