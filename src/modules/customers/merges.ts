/**
 * Merges and unmerges of customers (lossless: every merge keeps a snapshot to undo it), and the
 * suggestions weaker evidence leaves for an agent to accept or reject.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeKeyCursor, encodeKeyCursor, type Page, type PageQuery } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { carryActivity, returnActivity } from './activity-queries.ts';
import { type CarriedConsents, carryConsents, returnConsents } from './consents.ts';
import { attrsOf, type CustomerRow, customerRow, type Db, summarize } from './customer-rows.ts';
import { refreshCustomerStats } from './customer-stats.ts';
import { websiteDomainOf } from './rules.ts';
import type { AttributeValue, CustomerSummary, MergeView, SuggestionView } from './schema.ts';

// ---------------------------------------------------------------------------------------------
// Merge and unmerge

/** What unmerge needs: the `from` row as it was, and what the merge changed on `into`. */
type MergeSnapshot = {
  from: Omit<CustomerRow, 'attributes'> & { attributes: Record<string, AttributeValue> };
  into: {
    primary_email: string | null;
    avatar_url: string | null;
    bio: string | null;
    attributes: Record<string, AttributeValue>;
    updated_at: string;
  };
  /** What the merge wrote on `into` (and `website_domain`, derived from the attributes). */
  applied: {
    primary_email: string | null;
    avatar_url: string | null;
    bio: string | null;
    attributes: Record<string, AttributeValue>;
    updated_at: string;
  };
  /** Attributes both had with different values: `into` kept its own. */
  attributeConflicts: Record<string, { into: AttributeValue; from: AttributeValue }>;
  /** The identities moved from `from` to `into` (and with them their mentions). */
  identityIds: string[];
  /** Open suggestions of this pair that the merge closed. */
  suggestionIds: string[];
  /** Transactions, events, cases and conversations moved from `from` (absent in merges made before they existed). */
  transactionIds?: string[];
  eventIds?: string[];
  caseIds?: string[];
  conversationIds?: string[];
} & Partial<CarriedConsents> &
  Partial<CarriedLists>;

/** What a merge did to static lists (segment kind `static`), for unmerge. */
type CarriedLists = {
  /** Lists `from` was on and `into` was not: `from`'s membership row now names `into`. */
  listIds: string[];
  /** Lists both were on: `from`'s row was removed (`into` already holds the place) and is kept here. */
  sharedLists: { segmentId: string; addedBy: string | null; addedAt: string }[];
};

/** `from`'s static list memberships become `into`'s, so the merged person stays on every list. */
async function carryLists(
  trx: Transaction<DB>,
  workspaceId: string,
  fromId: string,
  intoId: string,
): Promise<CarriedLists> {
  const theirs = await trx
    .selectFrom('segment_members')
    .select(['segment_id', 'added_by', 'added_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', fromId)
    .orderBy('segment_id')
    .execute();
  if (theirs.length === 0) return { listIds: [], sharedLists: [] };
  const intoLists = new Set(
    (
      await trx
        .selectFrom('segment_members')
        .select('segment_id')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', intoId)
        .execute()
    ).map((r) => r.segment_id),
  );
  const listIds = theirs.filter((m) => !intoLists.has(m.segment_id)).map((m) => m.segment_id);
  const sharedLists = theirs
    .filter((m) => intoLists.has(m.segment_id))
    .map((m) => ({ segmentId: m.segment_id, addedBy: m.added_by, addedAt: m.added_at }));
  for (const part of chunks(listIds))
    await trx
      .updateTable('segment_members')
      .set({ customer_id: intoId })
      .where('customer_id', '=', fromId)
      .where('segment_id', 'in', part)
      .execute();
  for (const part of chunks(sharedLists.map((m) => m.segmentId)))
    await trx
      .deleteFrom('segment_members')
      .where('customer_id', '=', fromId)
      .where('segment_id', 'in', part)
      .execute();
  return { listIds, sharedLists };
}

/**
 * Puts `from` back on the lists it was on, as it was (who added it, when), and takes `into` off
 * the lists it was on only through the merge. Only while the merged person is still on the list:
 * one taken off a list since the merge stays off, both of them.
 */
async function returnLists(
  trx: Transaction<DB>,
  workspaceId: string,
  intoId: string,
  fromId: string,
  carried: Partial<CarriedLists>,
): Promise<void> {
  for (const part of chunks(carried.listIds ?? []))
    await trx
      .updateTable('segment_members')
      .set({ customer_id: fromId })
      .where('customer_id', '=', intoId)
      .where('segment_id', 'in', part)
      .execute();
  const shared = carried.sharedLists ?? [];
  if (shared.length === 0) return;
  const stillOn = new Set<string>();
  for (const part of chunks(shared.map((m) => m.segmentId)))
    for (const r of await trx
      .selectFrom('segment_members')
      .select('segment_id')
      .where('customer_id', '=', intoId)
      .where('segment_id', 'in', part)
      .execute())
      stillOn.add(r.segment_id);
  const back = shared
    .filter((m) => stillOn.has(m.segmentId))
    .map((m) => ({
      segment_id: m.segmentId,
      customer_id: fromId,
      workspace_id: workspaceId,
      added_by: m.addedBy,
      added_at: m.addedAt,
    }));
  for (const part of chunks(back)) await trx.insertInto('segment_members').values(part).execute();
}

export function toMergeView(
  ctx: AppContext,
  r: {
    id: string;
    into_customer_id: string;
    from_customer_id: string;
    evidence: unknown;
    snapshot: unknown;
    actor_user_id: string | null;
    created_at: string;
    undone_at: string | null;
  },
): MergeView {
  return {
    id: r.id,
    intoId: r.into_customer_id,
    fromId: r.from_customer_id,
    fromName: ctx.dialect.parseJson<MergeSnapshot>(r.snapshot).from.display_name,
    evidence: ctx.dialect.parseJson<string[]>(r.evidence),
    actorUserId: r.actor_user_id,
    createdAt: r.created_at,
    undoneAt: r.undone_at,
  };
}

/**
 * Merges `from` into `into`: moves every identity (so every mention), fills `into`'s empty
 * fields and missing attributes from `from` (`into` wins conflicts, both kept in the snapshot),
 * keeps `from` as a hidden row pointing at `into`, and records the merge with its evidence.
 */
export async function mergeInTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  actorUserId: string | null,
  input: { intoId: string; fromId: string; evidence: string[] },
): Promise<MergeView> {
  if (input.intoId === input.fromId)
    throw new AppError('conflict', 'A customer cannot be merged into itself');
  const into = await customerRow(trx, workspaceId, input.intoId);
  const from = await customerRow(trx, workspaceId, input.fromId);
  for (const c of [into, from]) {
    if (c.merged_into !== null)
      throw new AppError('conflict', `${c.display_name} was already merged into another customer`, {
        customerId: c.id,
        mergedInto: c.merged_into,
      });
    if (c.erased_at !== null)
      throw new AppError('conflict', 'An erased customer cannot be merged', { customerId: c.id });
  }
  const now = ctx.now().toISOString();
  const identityIds = (
    await trx.selectFrom('identities').select('id').where('customer_id', '=', from.id).orderBy('id').execute()
  ).map((r) => r.id);
  const intoAttrs = attrsOf(ctx, into);
  const fromAttrs = attrsOf(ctx, from);
  const attributeConflicts: MergeSnapshot['attributeConflicts'] = {};
  for (const [key, value] of Object.entries(fromAttrs))
    if (key in intoAttrs && intoAttrs[key] !== value)
      attributeConflicts[key] = { into: intoAttrs[key] ?? null, from: value };
  const applied = {
    primary_email: into.primary_email ?? from.primary_email,
    avatar_url: into.avatar_url ?? from.avatar_url,
    bio: into.bio ?? from.bio,
    attributes: { ...fromAttrs, ...intoAttrs },
    updated_at: now,
  };
  const [a, b] = into.id < from.id ? [into.id, from.id] : [from.id, into.id];
  const suggestionIds = (
    await trx
      .selectFrom('identity_suggestions')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', a)
      .where('other_customer_id', '=', b)
      .where('status', '=', 'open')
      .execute()
  ).map((r) => r.id);
  const snapshot: MergeSnapshot = {
    from: { ...from, attributes: fromAttrs },
    into: {
      primary_email: into.primary_email,
      avatar_url: into.avatar_url,
      bio: into.bio,
      attributes: intoAttrs,
      updated_at: into.updated_at,
    },
    applied,
    attributeConflicts,
    identityIds,
    suggestionIds,
  };

  await trx
    .updateTable('identities')
    .set({ customer_id: into.id })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', from.id)
    .execute();
  Object.assign(snapshot, await carryActivity(trx, workspaceId, from.id, into.id));
  Object.assign(snapshot, await carryConsents(trx, workspaceId, from.id, into.id, actorUserId, now));
  Object.assign(snapshot, await carryLists(trx, workspaceId, from.id, into.id));
  // Guarded on `merged_into is null`: of two concurrent merges of the same customer, one fails.
  for (const [id, values] of [
    [
      into.id,
      {
        ...applied,
        attributes: ctx.dialect.toJson(applied.attributes),
        website_domain: websiteDomainOf(applied.attributes),
      },
    ],
    [from.id, { merged_into: into.id }],
  ] as const) {
    const result = await trx
      .updateTable('customers')
      .set(values)
      .where('id', '=', id)
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new AppError('conflict', 'One of the customers was merged meanwhile; try again');
  }
  if (suggestionIds.length > 0)
    await trx
      .updateTable('identity_suggestions')
      .set({ status: 'accepted', decided_at: now, decided_by: actorUserId })
      .where('id', 'in', suggestionIds)
      .execute();
  const row = {
    id: newId(ctx.now()),
    workspace_id: workspaceId,
    into_customer_id: into.id,
    from_customer_id: from.id,
    evidence: ctx.dialect.toJson(input.evidence),
    snapshot: ctx.dialect.toJson(snapshot),
    actor_user_id: actorUserId,
    created_at: now,
    undone_at: null,
  };
  await trx.insertInto('customer_merges').values(row).execute();
  // The mentions moved with the identities: segments see the merged counts at once.
  await refreshCustomerStats(trx, workspaceId, [into.id, from.id], ctx.now());
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: 'customer',
    recordId: into.id,
    kind: 'merged',
    actorUserId,
    data: { mergeId: row.id, fromId: from.id, evidence: input.evidence },
    summary: `${from.display_name} merged into ${into.display_name}`,
  });
  await recordAudit(ctx, trx, {
    workspaceId,
    actorUserId,
    action: 'customer.merged',
    targetType: 'customer',
    targetId: into.id,
    details: {
      mergeId: row.id,
      from: from.id,
      evidence: input.evidence,
      identities: identityIds.length,
      consents: snapshot.consentIds?.length ?? 0,
      consentWithdrawalsKept: snapshot.consentWithdrawalsAdded?.length ?? 0,
      lists: (snapshot.listIds?.length ?? 0) + (snapshot.sharedLists?.length ?? 0),
    },
  });
  return toMergeView(ctx, row);
}

/** Merges `fromId` into `intoId` by hand (POST /customers/{id}/merge). */
export async function mergeCustomers(
  ctx: AppContext,
  actor: Actor,
  input: { intoId: string; fromId: string; evidence?: string | undefined },
): Promise<MergeView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute((trx) =>
    mergeInTransaction(ctx, trx, actor.workspaceId, actor.userId, {
      intoId: input.intoId,
      fromId: input.fromId,
      evidence: [input.evidence ?? 'Merged by hand'],
    }),
  );
}

/**
 * Undoes a merge: the identities it moved go back (those still on `into`; identities added to
 * `into` since stay), the `from` customer gets its row back exactly, and what the merge wrote on
 * `into` is taken back unless someone changed it since. Later merges into the same customer are
 * untouched. When `into` was itself merged away afterwards, that later merge must be undone first.
 *
 * Records that hang off identities (mentions; community posts when they reference an identity)
 * follow the identities with no extra work here. Records that reference a customer directly
 * (transactions, events, cases, conversations, leads, consents, static list memberships) are
 * listed in the snapshot at merge time and moved back here (activity-queries.ts, consents.ts).
 */
export async function unmergeCustomers(
  ctx: AppContext,
  actor: Actor,
  mergeId: string,
): Promise<{ into: CustomerSummary; restored: CustomerSummary }> {
  requirePermission(actor, 'customers:manage');
  const workspaceId = actor.workspaceId;
  const { intoId, fromId } = await ctx.db.transaction().execute(async (trx) => {
    const merge = await trx
      .selectFrom('customer_merges')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', mergeId)
      .executeTakeFirst();
    if (!merge) throw new AppError('not_found', `No merge ${mergeId}`);
    if (merge.undone_at !== null) throw new AppError('conflict', `Merge ${mergeId} was already undone`);
    const into = await customerRow(trx, workspaceId, merge.into_customer_id);
    if (into.merged_into !== null)
      throw new AppError(
        'conflict',
        `${into.display_name} was merged into another customer afterwards: unmerge that first`,
        { mergedInto: into.merged_into },
      );
    if (into.erased_at !== null)
      throw new AppError('conflict', 'This merge involves an erased customer: it cannot be undone');
    const snap = ctx.dialect.parseJson<MergeSnapshot>(merge.snapshot);
    const now = ctx.now().toISOString();

    for (const part of chunks(snap.identityIds))
      await trx
        .updateTable('identities')
        .set({ customer_id: merge.from_customer_id })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', into.id)
        .where('id', 'in', part)
        .execute();
    await returnActivity(trx, workspaceId, into.id, merge.from_customer_id, snap);
    await returnConsents(trx, workspaceId, into.id, merge.from_customer_id, snap);
    await returnLists(trx, workspaceId, into.id, merge.from_customer_id, snap);

    const { attributes: fromAttrs, id: _id, workspace_id: _ws, ...fromRow } = snap.from;
    await trx
      .updateTable('customers')
      .set({ ...fromRow, attributes: ctx.dialect.toJson(fromAttrs), merged_into: null })
      .where('id', '=', merge.from_customer_id)
      .execute();

    // Take back on `into` only what the merge wrote and nobody has changed since.
    const current = attrsOf(ctx, into);
    for (const [key, value] of Object.entries(snap.applied.attributes))
      if (!(key in snap.into.attributes) && current[key] === value) delete current[key];
    const restore = (field: 'primary_email' | 'avatar_url' | 'bio') =>
      into[field] === snap.applied[field] ? snap.into[field] : into[field];
    await trx
      .updateTable('customers')
      .set({
        primary_email: restore('primary_email'),
        avatar_url: restore('avatar_url'),
        bio: restore('bio'),
        attributes: ctx.dialect.toJson(current),
        website_domain: websiteDomainOf(current),
        updated_at: into.updated_at === snap.applied.updated_at ? snap.into.updated_at : now,
      })
      .where('id', '=', into.id)
      .execute();

    await trx.updateTable('customer_merges').set({ undone_at: now }).where('id', '=', merge.id).execute();
    await refreshCustomerStats(trx, workspaceId, [into.id, merge.from_customer_id], ctx.now());
    // Unmerging says these two are different people: do not suggest them again.
    if (snap.suggestionIds.length > 0)
      await trx
        .updateTable('identity_suggestions')
        .set({ status: 'rejected', decided_at: now, decided_by: actor.userId })
        .where('id', 'in', snap.suggestionIds)
        .execute();
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'customer',
      recordId: into.id,
      kind: 'unmerged',
      actorUserId: actor.userId,
      data: { mergeId, fromId: merge.from_customer_id },
      summary: `A merge into ${into.display_name} was undone: the other customer is separate again`,
    });
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: 'customer.unmerged',
      targetType: 'customer',
      targetId: into.id,
      details: { mergeId, from: merge.from_customer_id },
    });
    return { intoId: into.id, fromId: merge.from_customer_id };
  });
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [intoId, fromId])
    .execute();
  const summaries = await summarize(ctx, workspaceId, rows);
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const into = byId.get(intoId);
  const restored = byId.get(fromId);
  if (!into || !restored) throw new AppError('internal', 'Unmerged customers vanished');
  return { into, restored };
}

// ---------------------------------------------------------------------------------------------
// Suggestions

export type SuggestionStatus = SuggestionView['status'];

export type SuggestionQuery = PageQuery & {
  status?: SuggestionStatus | undefined;
  /** Only the suggestions where this customer is either side of the pair. */
  customerId?: string | undefined;
};

type SuggestionKey = [confidence: number, id: string];

const isSuggestionKey = (k: unknown[]): k is SuggestionKey =>
  k.length === 2 && typeof k[0] === 'number' && Number.isFinite(k[0]) && typeof k[1] === 'string';

/**
 * Suggestions with a status (open by default), most confident first (confidence, id), keyset
 * paginated; with `customerId`, only those where that customer is either side of the pair.
 */
export async function suggestionsPage(
  ctx: AppContext,
  actor: Actor,
  query: SuggestionQuery,
): Promise<Page<SuggestionView>> {
  requirePermission(actor, 'customers:read');
  const status = query.status ?? 'open';
  const after = query.cursor === undefined ? undefined : decodeKeyCursor(query.cursor, isSuggestionKey);
  let q = ctx.db
    .selectFrom('identity_suggestions as s')
    .innerJoin('customers as a', 'a.id', 's.customer_id')
    .innerJoin('customers as b', 'b.id', 's.other_customer_id')
    .selectAll('s')
    .where('s.workspace_id', '=', actor.workspaceId)
    .where('s.status', '=', status);
  // An open suggestion about a customer merged since is moot until that merge is undone.
  if (status === 'open') q = q.where('a.merged_into', 'is', null).where('b.merged_into', 'is', null);
  const customerId = query.customerId;
  if (customerId !== undefined)
    q = q.where((eb) =>
      eb.or([eb('s.customer_id', '=', customerId), eb('s.other_customer_id', '=', customerId)]),
    );
  if (after !== undefined) {
    const [confidence, id] = after;
    q = q.where((eb) =>
      eb.or([
        eb('s.confidence', '<', confidence),
        eb.and([eb('s.confidence', '=', confidence), eb('s.id', '<', id)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('s.confidence', 'desc')
    .orderBy('s.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const ids = [...new Set(items.flatMap((r) => [r.customer_id, r.other_customer_id]))];
  const customers =
    ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('customers')
          .selectAll()
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', ids)
          .execute();
  const byId = new Map((await summarize(ctx, actor.workspaceId, customers)).map((s) => [s.id, s]));
  const last = items[items.length - 1];
  return {
    items: items.flatMap((r) => {
      const customer = byId.get(r.customer_id);
      const other = byId.get(r.other_customer_id);
      return customer && other ? [toSuggestionView(ctx, r, customer, other)] : [];
    }),
    nextCursor:
      rows.length > query.limit && last ? encodeKeyCursor([Number(last.confidence), last.id]) : null,
  };
}

/** Every suggestion with a status, page by page: for in-process callers (tests, scripts). */
export async function listSuggestions(
  ctx: AppContext,
  actor: Actor,
  status: SuggestionStatus = 'open',
): Promise<SuggestionView[]> {
  const all: SuggestionView[] = [];
  let cursor: string | undefined;
  do {
    const page = await suggestionsPage(ctx, actor, { status, limit: 200, cursor });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return all;
}

function toSuggestionView(
  ctx: AppContext,
  r: {
    id: string;
    confidence: number;
    evidence: unknown;
    status: SuggestionView['status'];
    created_at: string;
  },
  customer: CustomerSummary,
  other: CustomerSummary,
): SuggestionView {
  return {
    id: r.id,
    customer,
    other,
    confidence: Number(r.confidence),
    evidence: ctx.dialect.parseJson<string[]>(r.evidence),
    status: r.status,
    createdAt: r.created_at,
  };
}

async function openSuggestion(db: Db, workspaceId: string, id: string) {
  const row = await db
    .selectFrom('identity_suggestions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No suggestion ${id}`);
  if (row.status !== 'open') throw new AppError('conflict', `Suggestion ${id} is already ${row.status}`);
  return row;
}

/** Accepts a suggestion: the newer customer of the pair is merged into the older, with its evidence. */
export async function acceptSuggestion(ctx: AppContext, actor: Actor, id: string): Promise<MergeView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const s = await openSuggestion(trx, actor.workspaceId, id);
    return mergeInTransaction(ctx, trx, actor.workspaceId, actor.userId, {
      intoId: s.customer_id,
      fromId: s.other_customer_id,
      evidence: ctx.dialect.parseJson<string[]>(s.evidence),
    });
  });
}

export async function rejectSuggestion(ctx: AppContext, actor: Actor, id: string): Promise<SuggestionView> {
  requirePermission(actor, 'customers:manage');
  const s = await openSuggestion(ctx.db, actor.workspaceId, id);
  const now = ctx.now().toISOString();
  await ctx.db
    .updateTable('identity_suggestions')
    .set({ status: 'rejected', decided_at: now, decided_by: actor.userId })
    .where('id', '=', id)
    .execute();
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', 'in', [s.customer_id, s.other_customer_id])
    .execute();
  const byId = new Map((await summarize(ctx, actor.workspaceId, rows)).map((c) => [c.id, c]));
  const customer = byId.get(s.customer_id);
  const other = byId.get(s.other_customer_id);
  if (!customer || !other) throw new AppError('internal', 'Suggested customers vanished');
  return toSuggestionView(ctx, { ...s, status: 'rejected' }, customer, other);
}
