import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, NotificationsTable, RecordEventsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, type Permission, requirePermission } from '../auth/roles.ts';

export type RecordType = RecordEventsTable['record_type'];

/** Who may read a record's feed, and so follow it. */
const readPermission: Record<RecordType, Permission> = {
  case: 'inbox:read',
  lead: 'sales:read',
  customer: 'customers:read',
};

export type RecordEventView = {
  id: number;
  recordType: RecordType;
  recordId: string;
  kind: string;
  actorUserId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
};

export type NotificationView = {
  id: number;
  recordType: RecordType;
  recordId: string;
  eventId: number;
  summary: string;
  createdAt: string;
  readAt: string | null;
};

export type FeedEntry = {
  workspaceId: string;
  recordType: RecordType;
  recordId: string;
  kind: string;
  actorUserId: string | null;
  data?: Record<string, unknown>;
  /** One line for the followers' notifications, e.g. "Case 42 assigned to Ana". */
  summary: string;
  /** People to notify besides the followers (e.g. colleagues @mentioned in a note). */
  notify?: string[];
};

/**
 * Appends an event to a record's feed and notifies its followers (never the actor). Call it
 * inside the transaction that makes the change, so the feed and the record cannot disagree.
 */
export async function recordEvent(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  entry: FeedEntry,
): Promise<number> {
  const now = ctx.now().toISOString();
  const inserted = await db
    .insertInto('record_events')
    .values({
      workspace_id: entry.workspaceId,
      record_type: entry.recordType,
      record_id: entry.recordId,
      kind: entry.kind,
      actor_user_id: entry.actorUserId,
      data: ctx.dialect.toJson(entry.data ?? {}),
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const eventId = Number(inserted.id);
  const followers = await db
    .selectFrom('record_follows')
    .select('user_id')
    .where('workspace_id', '=', entry.workspaceId)
    .where('record_type', '=', entry.recordType)
    .where('record_id', '=', entry.recordId)
    .execute();
  const recipients = new Set([...followers.map((f) => f.user_id), ...(entry.notify ?? [])]);
  if (entry.actorUserId) recipients.delete(entry.actorUserId);
  if (recipients.size > 0) {
    await db
      .insertInto('notifications')
      .values(
        [...recipients].map((userId) => ({
          workspace_id: entry.workspaceId,
          user_id: userId,
          record_type: entry.recordType,
          record_id: entry.recordId,
          event_id: eventId,
          summary: entry.summary,
          created_at: now,
          read_at: null,
        })),
      )
      .execute();
  }
  return eventId;
}

/** Makes `userId` a follower of the record (idempotent). */
export async function addFollower(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
  recordType: RecordType,
  recordId: string,
  userId: string,
): Promise<void> {
  await db
    .insertInto('record_follows')
    .values({
      workspace_id: workspaceId,
      record_type: recordType,
      record_id: recordId,
      user_id: userId,
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.columns(['record_type', 'record_id', 'user_id']).doNothing())
    .execute();
}

/** The record must exist in the actor's workspace before anyone follows or reads its feed. */
async function requireRecord(ctx: AppContext, actor: Actor, type: RecordType, id: string): Promise<void> {
  requirePermission(actor, readPermission[type]);
  const found = await ctx.db
    .selectFrom(type === 'customer' ? 'customers' : type === 'lead' ? 'leads' : 'cases')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!found) throw new AppError('not_found', `No ${type} ${id}`);
}

export async function followRecord(
  ctx: AppContext,
  actor: Actor,
  type: RecordType,
  id: string,
): Promise<void> {
  await requireRecord(ctx, actor, type, id);
  await addFollower(ctx, ctx.db, actor.workspaceId, type, id, actor.userId);
}

export async function unfollowRecord(
  ctx: AppContext,
  actor: Actor,
  type: RecordType,
  id: string,
): Promise<void> {
  await requireRecord(ctx, actor, type, id);
  await ctx.db
    .deleteFrom('record_follows')
    .where('record_type', '=', type)
    .where('record_id', '=', id)
    .where('user_id', '=', actor.userId)
    .execute();
}

export async function isFollowing(
  ctx: AppContext,
  actor: Actor,
  type: RecordType,
  id: string,
): Promise<boolean> {
  const row = await ctx.db
    .selectFrom('record_follows')
    .select('user_id')
    .where('record_type', '=', type)
    .where('record_id', '=', id)
    .where('user_id', '=', actor.userId)
    .executeTakeFirst();
  return row !== undefined;
}

function toEventView(ctx: AppContext, r: Selectable<RecordEventsTable>): RecordEventView {
  return {
    id: Number(r.id),
    recordType: r.record_type,
    recordId: r.record_id,
    kind: r.kind,
    actorUserId: r.actor_user_id,
    data: ctx.dialect.parseJson<Record<string, unknown>>(r.data),
    createdAt: r.created_at,
  };
}

/** A record's feed, newest first. */
export async function recordFeed(
  ctx: AppContext,
  actor: Actor,
  type: RecordType,
  id: string,
  page: PageQuery,
): Promise<Page<RecordEventView>> {
  await requireRecord(ctx, actor, type, id);
  let q = ctx.db
    .selectFrom('record_events')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('record_type', '=', type)
    .where('record_id', '=', id);
  if (page.cursor !== undefined) q = q.where('id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => Number(r.id),
    (r) => toEventView(ctx, r),
  );
}

function toNotificationView(r: Selectable<NotificationsTable>): NotificationView {
  return {
    id: Number(r.id),
    recordType: r.record_type,
    recordId: r.record_id,
    eventId: Number(r.event_id),
    summary: r.summary,
    createdAt: r.created_at,
    readAt: r.read_at,
  };
}

/** The actor's own notifications, newest first. */
export async function listNotifications(
  ctx: AppContext,
  actor: Actor,
  query: PageQuery & { unread?: boolean | undefined },
): Promise<Page<NotificationView> & { unreadCount: number }> {
  let q = ctx.db.selectFrom('notifications').selectAll().where('user_id', '=', actor.userId);
  if (query.unread) q = q.where('read_at', 'is', null);
  if (query.cursor !== undefined) q = q.where('id', '<', Number(decodeCursor(query.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const unread = await ctx.db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', actor.userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return {
    ...toPage(rows, query.limit, (r) => Number(r.id), toNotificationView),
    unreadCount: Number(unread.n),
  };
}

/** Marks the given notifications of the actor read, or all of them when `ids` is omitted. */
export async function markNotificationsRead(
  ctx: AppContext,
  actor: Actor,
  ids?: number[] | undefined,
): Promise<number> {
  let q = ctx.db
    .updateTable('notifications')
    .set({ read_at: ctx.now().toISOString() })
    .where('user_id', '=', actor.userId)
    .where('read_at', 'is', null);
  if (ids) {
    if (ids.length === 0) return 0;
    q = q.where('id', 'in', ids);
  }
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
