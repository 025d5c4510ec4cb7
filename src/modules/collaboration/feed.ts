import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { batchScopeOf } from '../../db/batch-scope.ts';
import { chunks } from '../../db/chunks.ts';
import { settledIdHorizon } from '../../db/id-horizon.ts';
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
  /** The newest event's summary. */
  summary: string;
  /** How many events about the record the line stands for (news while it was unread adds up). */
  count: number;
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
  /**
   * False for an event that only explains another one the followers already hear of (which rules
   * fired, next to the case's creation or its new conversation): in the feed, not in the bell.
   */
  notifyFollowers?: boolean;
};

/**
 * Appends an event to a record's feed and notifies its followers (never the actor). Call it
 * inside the transaction that makes the change, so the feed and the record cannot disagree.
 * In a batch scope (`db/batch-scope.ts`) the event is held and written with the batch's others
 * just before the transaction ends; its followers are still those of the moment it happened.
 */
export async function recordEvent(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  entry: FeedEntry,
): Promise<void> {
  const held = heldFeed(ctx, db);
  if (held) {
    held.push({ event: entry, at: ctx.now().toISOString() });
    return;
  }
  await writeFeed(ctx, db, [{ event: entry, at: ctx.now().toISOString() }]);
}

/** The newest record event id: a new reader of the feed starts after it (only future events). */
export async function latestEventId(db: Kysely<DB> | Transaction<DB>): Promise<number> {
  const row = await db
    .selectFrom('record_events')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/**
 * The highest event id after `after` up to which every event is committed, looking at most
 * `limit` events ahead: where readers of the feed (webhooks, case rules) may move their cursor to.
 */
export async function settledEventHorizon(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  after: number,
  limit: number,
): Promise<number> {
  const rows = await db
    .selectFrom('record_events')
    .select(['id', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(limit)
    .execute();
  return settledIdHorizon(ctx, rows, after);
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
  const follow = { workspaceId, recordType, recordId, userId };
  const held = heldFeed(ctx, db);
  if (held) {
    held.push({ follow, at: ctx.now().toISOString() });
    return;
  }
  await writeFeed(ctx, db, [{ follow, at: ctx.now().toISOString() }]);
}

type Follow = { workspaceId: string; recordType: RecordType; recordId: string; userId: string };
/** Feed writes in the order they happened. */
type FeedWrite = { at: string } & ({ event: FeedEntry; follow?: never } | { follow: Follow; event?: never });

/** The feed writes a batch-scoped transaction holds until it ends (registering their writing). */
function heldFeed(ctx: AppContext, db: Kysely<DB> | Transaction<DB>): FeedWrite[] | undefined {
  const scope = batchScopeOf(db);
  if (!scope) return undefined;
  const held = scope.state<FeedWrite[]>('feed', () => []);
  scope.beforeEnd('feed', () => () => writeFeed(ctx, db, held.splice(0)));
  return held;
}

const recordKey = (workspaceId: string, type: string, id: string) => `${workspaceId}\n${type}\n${id}`;

/**
 * Writes feed events and follows in a few statements, however many: the records' followers are
 * read once, then each event notifies those following at its moment (a follow written later in
 * the batch does not reach back to earlier events), plus its `notify`, never its actor.
 */
async function writeFeed(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  writes: FeedWrite[],
): Promise<void> {
  if (writes.length === 0) return;
  const events = writes.flatMap((w) => (w.event ? [w.event] : []));
  const followers = new Map<string, Set<string>>();
  // Records by workspace and type, to read their followers through the (type, id, user) key.
  const records = new Map<string, { workspaceId: string; recordType: RecordType; ids: Set<string> }>();
  for (const e of events) {
    const key = `${e.workspaceId}\n${e.recordType}`;
    const group = records.get(key) ?? {
      workspaceId: e.workspaceId,
      recordType: e.recordType,
      ids: new Set(),
    };
    group.ids.add(e.recordId);
    records.set(key, group);
  }
  const follow = (key: string, userId: string) => {
    const set = followers.get(key);
    if (set) set.add(userId);
    else followers.set(key, new Set([userId]));
  };
  for (const { workspaceId, recordType, ids } of records.values())
    for (const part of chunks([...ids])) {
      const rows = await db
        .selectFrom('record_follows')
        .select(['record_id', 'user_id'])
        .where('record_type', '=', recordType)
        .where('record_id', 'in', part)
        .where('workspace_id', '=', workspaceId)
        .execute();
      for (const r of rows) follow(recordKey(workspaceId, recordType, r.record_id), r.user_id);
    }
  // Per event, who hears of it, and whether it was addressed to them (true) or is news of a
  // record they follow (false).
  const recipientsOf: Map<string, boolean>[] = [];
  for (const w of writes) {
    if (w.follow) {
      follow(recordKey(w.follow.workspaceId, w.follow.recordType, w.follow.recordId), w.follow.userId);
      continue;
    }
    const e = w.event;
    const recipients = new Map<string, boolean>();
    if (e.notifyFollowers !== false)
      for (const userId of followers.get(recordKey(e.workspaceId, e.recordType, e.recordId)) ?? [])
        recipients.set(userId, false);
    for (const userId of e.notify ?? []) recipients.set(userId, true);
    if (e.actorUserId) recipients.delete(e.actorUserId);
    recipientsOf.push(recipients);
  }
  const eventWrites = writes.filter((w) => w.event !== undefined);
  const notifications: Insertable<NotificationsTable>[] = [];
  let done = 0;
  for (const chunk of chunks(eventWrites)) {
    const inserted = await db
      .insertInto('record_events')
      .values(
        chunk.map(({ event: e, at }) => ({
          workspace_id: e.workspaceId,
          record_type: e.recordType,
          record_id: e.recordId,
          kind: e.kind,
          actor_user_id: e.actorUserId,
          data: ctx.dialect.toJson(e.data ?? {}),
          created_at: at,
        })),
      )
      .returning('id')
      .execute();
    // Ids rise in the order of the rows (one statement, one sequence), whatever order RETURNING gives.
    const ids = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
    chunk.forEach(({ event: e, at }, j) => {
      for (const [userId, direct] of recipientsOf[done + j] ?? [])
        notifications.push({
          workspace_id: e.workspaceId,
          user_id: userId,
          record_type: e.recordType,
          record_id: e.recordId,
          event_id: ids[j] as number,
          summary: e.summary,
          created_at: at,
          read_at: null,
          direct: direct ? 1 : 0,
        });
    });
    done += chunk.length;
  }
  await writeNotifications(db, notifications);
  const followRows = writes.flatMap((w) =>
    w.follow
      ? [
          {
            workspace_id: w.follow.workspaceId,
            record_type: w.follow.recordType,
            record_id: w.follow.recordId,
            user_id: w.follow.userId,
            created_at: w.at,
          },
        ]
      : [],
  );
  for (const part of chunks(followRows))
    await db
      .insertInto('record_follows')
      .values(part)
      .onConflict((oc) => oc.columns(['record_type', 'record_id', 'user_id']).doNothing())
      .execute();
}

/**
 * One unread line per person and followed record: news about a record someone follows and has
 * not read yet replaces their unread line about it (the newest summary, under a new id so it
 * sorts as new) and adds to its count, so a burst of posts on one case is one line in the bell,
 * not twenty. What was addressed to them (an @mention, a handoff) always has a line of its own.
 */
async function writeNotifications(
  db: Kysely<DB> | Transaction<DB>,
  rows: Insertable<NotificationsTable>[],
): Promise<void> {
  if (rows.length === 0) return;
  const keyOf = (r: { user_id: string; record_type: string; record_id: string }) =>
    `${r.user_id}\n${r.record_type}\n${r.record_id}`;
  // Every row names every column: a multi-row insert fills a missing one with null, not its default.
  const direct = rows.filter((r) => r.direct === 1).map((r) => ({ ...r, event_count: 1 }));
  const news = rows.filter((r) => r.direct !== 1);
  const latest = new Map<string, Insertable<NotificationsTable> & { event_count: number }>();
  for (const r of news) {
    const prior = latest.get(keyOf(r));
    latest.set(keyOf(r), { ...r, event_count: (prior?.event_count ?? 0) + 1 });
  }
  // The unread lines these replace, taken away in the same statement that reads their counts.
  for (const part of chunks([...latest.values()], 200)) {
    const removed = await db
      .deleteFrom('notifications')
      .where((eb) =>
        eb.or(
          part.map((r) =>
            eb.and([
              eb('user_id', '=', r.user_id),
              eb('record_type', '=', r.record_type),
              eb('record_id', '=', r.record_id),
            ]),
          ),
        ),
      )
      .where('read_at', 'is', null)
      .where('direct', '=', 0)
      .returning(['user_id', 'record_type', 'record_id', 'event_count'])
      .execute();
    for (const u of removed) {
      const row = latest.get(keyOf(u));
      if (row) row.event_count += Number(u.event_count);
    }
  }
  // In the order of their events, so the newest news has the highest id.
  const inserts = [...direct, ...latest.values()].sort((a, b) => Number(a.event_id) - Number(b.event_id));
  for (const part of chunks(inserts)) await db.insertInto('notifications').values(part).execute();
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
    count: Number(r.event_count),
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
