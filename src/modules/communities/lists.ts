import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunityListsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { can, requirePermission } from '../auth/roles.ts';
import { checkViewer, isAnonymous, requireActor, seesEverything, type Viewer } from './access.ts';
import { type CommunityActor, isMember, isStaff } from './actors.ts';
import { communityThreadUrl } from './loop.ts';
import { excerpt } from './search.ts';

/**
 * Curated lists (issue #7, item 10) of community members or of customers, that others follow to
 * see those people's activity. Who curates what:
 * - staff curate member lists (`communities:moderate`) and customer lists (`customers:read`);
 * - members from trust level 2 (`MEMBER_LIST_MIN_TRUST`) curate member lists;
 * - customer lists are staff's only: members and visitors never see them.
 * A public member list is seen by everyone, a private one by its owner and staff; a public
 * customer list by staff who read customers, a private one by its owner only.
 */

type ListRow = Selectable<CommunityListsTable>;
export const MEMBER_LIST_MIN_TRUST = 2;

export const listInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).default(''),
    kind: z.enum(['members', 'customers']).default('members'),
    visibility: z.enum(['public', 'private']).default('public'),
  })
  .openapi('CommunityListInput');
export type ListInput = z.input<typeof listInput>;

export const listPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(2000).optional(),
    visibility: z.enum(['public', 'private']).optional(),
  })
  .openapi('CommunityListPatch');

export const listEntryInput = z
  .object({
    memberId: z.string().min(1).max(64).optional(),
    customerId: z.string().min(1).max(64).optional(),
  })
  .refine((v) => (v.memberId === undefined) !== (v.customerId === undefined), 'name a member or a customer')
  .openapi('CommunityListEntryInput');

export const listSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    kind: z.enum(['members', 'customers']),
    visibility: z.enum(['public', 'private']),
    owner: z.object({ type: z.enum(['member', 'staff']), id: z.string() }),
    entryCount: z.number().int(),
    followerCount: z.number().int(),
    /** Whether whoever asks follows it (null for visitors). */
    following: z.boolean().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CommunityList');
export type ListView = z.infer<typeof listSchema>;

export const listEntrySchema = z
  .object({
    type: z.enum(['member', 'customer']),
    id: z.string(),
    name: z.string(),
    username: z.string().nullable(),
    addedAt: z.string(),
  })
  .openapi('CommunityListEntry');

export const activitySchema = z
  .object({
    type: z.enum(['post', 'mention']),
    id: z.number().int(),
    at: z.string(),
    text: z.string(),
    url: z.string().nullable(),
    channel: z.string(),
    threadId: z.string().nullable(),
    threadTitle: z.string().nullable(),
    postNumber: z.number().int().nullable(),
    memberId: z.string().nullable(),
    customerId: z.string().nullable(),
  })
  .openapi('CommunityListActivity');
export type ActivityItem = z.infer<typeof activitySchema>;

const keyOf = (actor: CommunityActor) =>
  isMember(actor) ? `member:${actor.memberId}` : `user:${actor.userId}`;

function isOwner(viewer: Viewer, list: ListRow): boolean {
  if (isAnonymous(viewer)) return false;
  return isMember(viewer) ? list.owner_member_id === viewer.memberId : list.owner_user_id === viewer.userId;
}

function canSee(viewer: Viewer, list: ListRow): boolean {
  if (isOwner(viewer, list)) return true;
  if (list.kind === 'customers')
    return isStaff(viewer) && can(viewer, 'customers:read') && list.visibility === 'public';
  return list.visibility === 'public' || seesEverything(viewer);
}

function canEdit(actor: CommunityActor, list: ListRow): boolean {
  if (isOwner(actor, list)) return true;
  if (!isStaff(actor)) return false;
  return list.kind === 'members'
    ? can(actor, 'communities:moderate')
    : list.visibility === 'public' && can(actor, 'customers:manage');
}

async function listRow(ctx: AppContext, viewer: Viewer, id: string): Promise<ListRow> {
  checkViewer(viewer);
  const row = await ctx.db
    .selectFrom('community_lists')
    .selectAll()
    .where('workspace_id', '=', viewer.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row || !canSee(viewer, row)) throw new AppError('not_found', `No list ${id}`);
  return row;
}

async function editableList(ctx: AppContext, viewer: Viewer, id: string): Promise<ListRow> {
  const actor = requireActor(viewer);
  const row = await listRow(ctx, actor, id);
  if (!canEdit(actor, row))
    throw new AppError('forbidden', 'Only the owner of the list (or a moderator) changes it');
  return row;
}

async function toViews(ctx: AppContext, viewer: Viewer, rows: ListRow[]): Promise<ListView[]> {
  const followed = new Set<string>();
  if (!isAnonymous(viewer) && rows.length > 0)
    for (const f of await ctx.db
      .selectFrom('community_list_follows')
      .select('list_id')
      .where('follower_key', '=', keyOf(viewer))
      .where(
        'list_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute())
      followed.add(f.list_id);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    visibility: r.visibility,
    owner: r.owner_member_id
      ? { type: 'member' as const, id: r.owner_member_id }
      : { type: 'staff' as const, id: r.owner_user_id ?? '' },
    entryCount: Number(r.entry_count),
    followerCount: Number(r.follower_count),
    following: isAnonymous(viewer) ? null : followed.has(r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

async function toView(ctx: AppContext, viewer: Viewer, row: ListRow): Promise<ListView> {
  const [v] = await toViews(ctx, viewer, [row]);
  if (!v) throw new AppError('not_found', `No list ${row.id}`);
  return v;
}

/** Creates a list (see the module comment for who may curate which kind). */
export async function createList(ctx: AppContext, viewer: Viewer, input: ListInput): Promise<ListView> {
  const actor = requireActor(viewer);
  const valid = listInput.parse(input);
  if (isMember(actor)) {
    if (valid.kind !== 'members') throw new AppError('forbidden', 'Customer lists are kept by staff');
    if (actor.trustLevel < MEMBER_LIST_MIN_TRUST)
      throw new AppError('forbidden', `Lists are open to members from trust level ${MEMBER_LIST_MIN_TRUST}`, {
        trustLevel: actor.trustLevel,
        needed: MEMBER_LIST_MIN_TRUST,
      });
  } else requirePermission(actor, valid.kind === 'members' ? 'communities:moderate' : 'customers:read');
  const now = ctx.now().toISOString();
  const row: ListRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: valid.name,
    description: valid.description,
    kind: valid.kind,
    visibility: valid.visibility,
    owner_user_id: isMember(actor) ? null : actor.userId,
    owner_member_id: isMember(actor) ? actor.memberId : null,
    entry_count: 0,
    follower_count: 0,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.insertInto('community_lists').values(row).execute();
  return toView(ctx, actor, row);
}

export async function updateList(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  patch: z.input<typeof listPatch>,
): Promise<ListView> {
  const row = await editableList(ctx, viewer, id);
  const valid = listPatch.parse(patch);
  await ctx.db
    .updateTable('community_lists')
    .set({ ...valid, updated_at: ctx.now().toISOString() })
    .where('id', '=', row.id)
    .execute();
  return getList(ctx, viewer, row.id);
}

export async function deleteList(ctx: AppContext, viewer: Viewer, id: string): Promise<void> {
  const row = await editableList(ctx, viewer, id);
  await ctx.db.deleteFrom('community_lists').where('id', '=', row.id).execute();
}

export async function getList(ctx: AppContext, viewer: Viewer, id: string): Promise<ListView> {
  return toView(ctx, viewer, await listRow(ctx, viewer, id));
}

/** Lists the viewer may see, newest first; `followed` keeps the ones they follow, `mine` their own. */
export async function listLists(
  ctx: AppContext,
  viewer: Viewer,
  query: PageQuery & { followed?: boolean; mine?: boolean },
): Promise<Page<ListView>> {
  checkViewer(viewer);
  let q = ctx.db
    .selectFrom('community_lists as l')
    .selectAll('l')
    .where('l.workspace_id', '=', viewer.workspaceId);
  const memberId = isMember(viewer) ? viewer.memberId : null;
  const userId = isStaff(viewer) ? viewer.userId : null;
  const staffCustomers = isStaff(viewer) && can(viewer, 'customers:read');
  q = q.where((eb) =>
    eb.or([
      ...(memberId ? [eb('l.owner_member_id', '=', memberId)] : []),
      ...(userId ? [eb('l.owner_user_id', '=', userId)] : []),
      // No bound `true` here: better-sqlite3 cannot bind booleans (500 for staff on SQLite).
      seesEverything(viewer)
        ? eb('l.kind', '=', 'members')
        : eb.and([eb('l.kind', '=', 'members'), eb('l.visibility', '=', 'public')]),
      ...(staffCustomers
        ? [eb.and([eb('l.kind', '=', 'customers'), eb('l.visibility', '=', 'public')])]
        : []),
    ]),
  );
  if (query.mine) {
    if (memberId) q = q.where('l.owner_member_id', '=', memberId);
    else if (userId) q = q.where('l.owner_user_id', '=', userId);
    else return { items: [], nextCursor: null };
  }
  if (query.followed) {
    if (isAnonymous(viewer)) return { items: [], nextCursor: null };
    const key = keyOf(viewer);
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('community_list_follows as f')
          .select('f.list_id')
          .whereRef('f.list_id', '=', 'l.id')
          .where('f.follower_key', '=', key),
      ),
    );
  }
  if (query.cursor) q = q.where('l.id', '<', String(decodeCursor(query.cursor)));
  const rows = await q
    .orderBy('l.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(
    rows,
    query.limit,
    (r) => r.id,
    (r) => r,
  );
  return { items: await toViews(ctx, viewer, page.items), nextCursor: page.nextCursor };
}

async function recountEntries(ctx: AppContext, listId: string): Promise<void> {
  await ctx.db
    .updateTable('community_lists')
    .set((eb) => ({
      entry_count: eb
        .selectFrom('community_list_entries')
        .select(eb.fn.countAll<number>().as('n'))
        .where('community_list_entries.list_id', '=', listId),
      updated_at: ctx.now().toISOString(),
    }))
    .where('id', '=', listId)
    .execute();
}

/** Adds a member (member lists) or a customer (customer lists) to a list; idempotent. */
export async function addListEntry(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  input: z.input<typeof listEntryInput>,
): Promise<ListView> {
  const row = await editableList(ctx, viewer, id);
  const actor = requireActor(viewer);
  const valid = listEntryInput.parse(input);
  if ((row.kind === 'members') !== (valid.memberId !== undefined))
    throw new AppError('validation_failed', `A ${row.kind} list holds ${row.kind}`, {
      fields: [{ path: row.kind === 'members' ? 'memberId' : 'customerId', message: 'required' }],
    });
  if (valid.memberId !== undefined) {
    const m = await ctx.db
      .selectFrom('community_members')
      .select('id')
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', valid.memberId)
      .executeTakeFirst();
    if (!m) throw new AppError('not_found', `No member ${valid.memberId}`);
  } else {
    const c = await ctx.db
      .selectFrom('customers')
      .select('id')
      .where('workspace_id', '=', row.workspace_id)
      .where('id', '=', valid.customerId ?? '')
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', `No customer ${valid.customerId}`);
  }
  await ctx.db
    .insertInto('community_list_entries')
    .values({
      list_id: row.id,
      entry_key: valid.memberId !== undefined ? `member:${valid.memberId}` : `customer:${valid.customerId}`,
      workspace_id: row.workspace_id,
      member_id: valid.memberId ?? null,
      customer_id: valid.customerId ?? null,
      added_by: keyOf(actor),
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['list_id', 'entry_key']).doNothing())
    .execute();
  await recountEntries(ctx, row.id);
  return getList(ctx, viewer, row.id);
}

export async function removeListEntry(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  entry: { type: 'member' | 'customer'; id: string },
): Promise<ListView> {
  const row = await editableList(ctx, viewer, id);
  await ctx.db
    .deleteFrom('community_list_entries')
    .where('list_id', '=', row.id)
    .where('entry_key', '=', `${entry.type}:${entry.id}`)
    .execute();
  await recountEntries(ctx, row.id);
  return getList(ctx, viewer, row.id);
}

/** The people on a list, in the order they were added (keyset on entry key within equal times). */
export async function listEntriesOf(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  page: PageQuery,
): Promise<Page<z.infer<typeof listEntrySchema>>> {
  const row = await listRow(ctx, viewer, id);
  let q = ctx.db
    .selectFrom('community_list_entries as e')
    .leftJoin('community_members as m', 'm.id', 'e.member_id')
    .leftJoin('customers as c', 'c.id', 'e.customer_id')
    .select([
      'e.entry_key',
      'e.member_id',
      'e.customer_id',
      'e.created_at',
      'm.username',
      'm.display_name',
      'c.display_name as customer_name',
    ])
    .where('e.list_id', '=', row.id);
  if (page.cursor) q = q.where('e.entry_key', '>', String(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('e.entry_key')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => r.entry_key,
    (r) => ({
      type: r.member_id ? ('member' as const) : ('customer' as const),
      id: r.member_id ?? r.customer_id ?? '',
      name: r.display_name ?? r.customer_name ?? '',
      username: r.username ?? null,
      addedAt: r.created_at,
    }),
  );
}

async function recountFollowers(ctx: AppContext, listId: string): Promise<void> {
  await ctx.db
    .updateTable('community_lists')
    .set((eb) => ({
      follower_count: eb
        .selectFrom('community_list_follows')
        .select(eb.fn.countAll<number>().as('n'))
        .where('community_list_follows.list_id', '=', listId),
    }))
    .where('id', '=', listId)
    .execute();
}

/** Follows (or stops following) a list the viewer may see; idempotent. */
export async function followList(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  follow: boolean,
): Promise<ListView> {
  const actor = requireActor(viewer);
  const row = await listRow(ctx, actor, id);
  if (follow)
    await ctx.db
      .insertInto('community_list_follows')
      .values({
        list_id: row.id,
        follower_key: keyOf(actor),
        workspace_id: row.workspace_id,
        created_at: ctx.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['list_id', 'follower_key']).doNothing())
      .execute();
  else
    await ctx.db
      .deleteFrom('community_list_follows')
      .where('list_id', '=', row.id)
      .where('follower_key', '=', keyOf(actor))
      .execute();
  await recountFollowers(ctx, row.id);
  return getList(ctx, viewer, row.id);
}

// ------------------------------------------------------------------ activity

type FeedCursor = { at: string; rank: 0 | 1; id: number };

function decodeFeedCursor(cursor: string): FeedCursor {
  const [at, rank, id] = String(decodeCursor(cursor)).split('|');
  const r = Number(rank);
  const n = Number(id);
  if (!at || Number.isNaN(Date.parse(at)) || (r !== 0 && r !== 1) || !Number.isInteger(n))
    throw new AppError('validation_failed', 'Invalid cursor', {
      fields: [{ path: 'cursor', message: 'Invalid cursor' }],
    });
  return { at, rank: r, id: n };
}

/** The members and customers behind a list's entries: a customer's members are found by their community identity. */
async function peopleOf(
  ctx: AppContext,
  list: ListRow,
): Promise<{ memberIds: string[]; customerIds: string[] }> {
  const entries = await ctx.db
    .selectFrom('community_list_entries')
    .select(['member_id', 'customer_id'])
    .where('list_id', '=', list.id)
    .execute();
  const memberIds = new Set(entries.flatMap((e) => (e.member_id ? [e.member_id] : [])));
  const customerIds = new Set(entries.flatMap((e) => (e.customer_id ? [e.customer_id] : [])));
  if (customerIds.size > 0)
    for (const i of await ctx.db
      .selectFrom('identities')
      .select('external_id')
      .where('workspace_id', '=', list.workspace_id)
      .where('channel', '=', 'community')
      .where('customer_id', 'in', [...customerIds])
      .execute())
      memberIds.add(i.external_id);
  if (memberIds.size > 0)
    for (const i of await ctx.db
      .selectFrom('identities')
      .select('customer_id')
      .where('workspace_id', '=', list.workspace_id)
      .where('channel', '=', 'community')
      .where('external_id', 'in', [...memberIds])
      .execute())
      customerIds.add(i.customer_id);
  return { memberIds: [...memberIds], customerIds: [...customerIds] };
}

/**
 * A list's activity, newest first: community posts by the people on it as the viewer may see
 * them, and for staff who read customers also their mentions on other channels (social posts,
 * email, reviews). Keyset on (time, source, id) across both sources.
 */
export async function listActivity(
  ctx: AppContext,
  viewer: Viewer,
  id: string,
  page: PageQuery,
): Promise<Page<ActivityItem>> {
  const list = await listRow(ctx, viewer, id);
  const { memberIds, customerIds } = await peopleOf(ctx, list);
  const cursor = page.cursor ? decodeFeedCursor(page.cursor) : null;
  const staff = seesEverything(viewer);
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select('slug')
    .where('id', '=', list.workspace_id)
    .executeTakeFirstOrThrow();
  const items: (ActivityItem & { rank: 0 | 1 })[] = [];
  if (memberIds.length > 0) {
    let q = ctx.db
      .selectFrom('community_posts as p')
      .innerJoin('community_threads as t', 't.id', 'p.thread_id')
      .innerJoin('community_spaces as s', 's.id', 't.space_id')
      .select([
        'p.id',
        'p.created_at',
        'p.body_markdown',
        'p.number',
        'p.author_member_id',
        't.id as thread_id',
        't.title',
      ])
      .where('p.workspace_id', '=', list.workspace_id)
      .where('p.author_member_id', 'in', memberIds)
      .where('p.deleted_at', 'is', null)
      .where('t.deleted_at', 'is', null);
    if (!staff)
      q = q
        .where('p.hidden_at', 'is', null)
        .where('t.hidden_at', 'is', null)
        .where('s.closed_at', 'is', null);
    if (cursor) {
      const c = cursor;
      q = q.where((eb) =>
        c.rank === 0
          ? eb.or([
              eb('p.created_at', '<', c.at),
              eb.and([eb('p.created_at', '=', c.at), eb('p.id', '<', c.id)]),
            ])
          : eb('p.created_at', '<', c.at),
      );
    }
    const rows = await q
      .orderBy('p.created_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(page.limit + 1)
      .execute();
    for (const r of rows)
      items.push({
        rank: 0,
        type: 'post',
        id: Number(r.id),
        at: new Date(r.created_at).toISOString(),
        text: excerpt(r.body_markdown, '', 280),
        url: communityThreadUrl(ctx, ws.slug, r.thread_id, Number(r.number)),
        channel: 'community',
        threadId: r.thread_id,
        threadTitle: r.title,
        postNumber: Number(r.number),
        memberId: r.author_member_id,
        customerId: null,
      });
  }
  // Mentions on other channels show conversation text: staff who read customers only.
  if (customerIds.length > 0 && isStaff(viewer) && can(viewer, 'customers:read')) {
    let q = ctx.db
      .selectFrom('mentions as m')
      .innerJoin('identities as i', (j) =>
        j.onRef('i.author_id', '=', 'm.author_id').onRef('i.workspace_id', '=', 'm.workspace_id'),
      )
      .select(['m.id', 'm.created_at', 'm.text', 'm.url', 'm.channel', 'i.customer_id'])
      .where('m.workspace_id', '=', list.workspace_id)
      .where('i.customer_id', 'in', customerIds)
      .where('m.deleted_at', 'is', null);
    if (cursor) {
      const c = cursor;
      q = q.where((eb) =>
        c.rank === 1
          ? eb.or([
              eb('m.created_at', '<', c.at),
              eb.and([eb('m.created_at', '=', c.at), eb('m.id', '<', c.id)]),
            ])
          : eb('m.created_at', '<=', c.at),
      );
    }
    const rows = await q
      .orderBy('m.created_at', 'desc')
      .orderBy('m.id', 'desc')
      .limit(page.limit + 1)
      .execute();
    const seen = new Set<number>();
    for (const r of rows) {
      if (seen.has(Number(r.id))) continue;
      seen.add(Number(r.id));
      items.push({
        rank: 1,
        type: 'mention',
        id: Number(r.id),
        at: new Date(r.created_at).toISOString(),
        text: r.text.slice(0, 280),
        url: r.url,
        channel: r.channel,
        threadId: null,
        threadTitle: null,
        postNumber: null,
        memberId: null,
        customerId: r.customer_id,
      });
    }
  }
  items.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : a.rank - b.rank || b.id - a.id));
  const pageItems = items.slice(0, page.limit);
  const last = pageItems[pageItems.length - 1];
  return {
    items: pageItems.map(({ rank: _rank, ...item }) => item),
    nextCursor: items.length > page.limit && last ? encodeCursor(`${last.at}|${last.rank}|${last.id}`) : null,
  };
}
