import { type Expression, type ExpressionBuilder, sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Db, visibleSpace, visibleThread } from './access.ts';
import { isMember, type MemberActor } from './actors.ts';
import type { UnreadView } from './schema.ts';
import { addReading } from './trust.ts';

/**
 * Read tracking: per member and thread, the number of the last post read (`community_read_state`).
 *
 * What counts as new, exactly (the model of Discourse's "unread" and "new"):
 * - in a thread the member has opened, a post is new when its number is above their last-read
 *   number and it is neither deleted nor hidden (a deleted post is gone for everyone, so it stops
 *   counting the moment it is deleted, read or not; a hidden post counts again if restored);
 * - a thread started after the member joined that they have not opened is new with all its
 *   posts; threads started before they arrived are history, not news, until they open one (a
 *   new member does not start with thousands of unread posts);
 * - threads deleted or hidden, and closed spaces, count nothing;
 * - a member's own post marks the thread read up to it.
 *
 * Counts come from the threads' post numbers, never from visiting posts: new posts in a thread
 * are its last post number minus the read position, less the deleted or hidden posts above it,
 * which a partial index of those few posts answers (migration 0019).
 */

async function joinedAt(db: Db, member: MemberActor): Promise<string> {
  const row = await db
    .selectFrom('community_members')
    .select('created_at')
    .where('id', '=', member.memberId)
    .where('workspace_id', '=', member.workspaceId)
    .executeTakeFirst();
  if (!row) throw new AppError('unauthenticated', 'Unknown community member');
  return row.created_at;
}

/** Moves the member's read position forward to `upto` (never back). */
export async function advanceReadState(
  ctx: AppContext,
  db: Db,
  member: MemberActor,
  threadId: string,
  upto: number,
): Promise<void> {
  const now = ctx.now().toISOString();
  await db
    .insertInto('community_read_state')
    .values({
      workspace_id: member.workspaceId,
      member_id: member.memberId,
      thread_id: threadId,
      last_read_number: upto,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['member_id', 'thread_id']).doUpdateSet({
        last_read_number: sql<number>`case when excluded.last_read_number > community_read_state.last_read_number then excluded.last_read_number else community_read_state.last_read_number end`,
        updated_at: now,
      }),
    )
    .execute();
}

export type ReadResult = { threadId: string; lastReadNumber: number; previous: number };

/**
 * Marks a thread read up to a post number (clamped to the last post). Monotonic: reading an
 * older post again never makes newer ones unread. Returns the position before and after, so the
 * caller can credit the posts newly read to the member's trust statistics.
 */
export async function markRead(
  ctx: AppContext,
  member: MemberActor,
  threadId: string,
  uptoNumber: number,
): Promise<ReadResult> {
  if (!isMember(member)) throw new AppError('forbidden', 'Read tracking is for community members');
  const { thread } = await visibleThread(ctx.db, member, threadId);
  const upto = Math.max(0, Math.min(Math.trunc(uptoNumber), Number(thread.last_post_number)));
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('community_read_state')
      .select('last_read_number')
      .where('member_id', '=', member.memberId)
      .where('thread_id', '=', thread.id)
      .executeTakeFirst();
    await advanceReadState(ctx, trx, member, thread.id, upto);
    const previous = Number(before?.last_read_number ?? 0);
    await addReading(ctx, trx, member, { postsRead: Math.max(0, upto - previous), msReading: 0 });
    return { threadId: thread.id, previous, lastReadNumber: Math.max(previous, upto) };
  });
}

/** Marks every thread read (in one space, or everywhere) as of now, in one statement. */
export async function markAllRead(
  ctx: AppContext,
  member: MemberActor,
  spaceId?: string,
): Promise<{ threads: number }> {
  if (!isMember(member)) throw new AppError('forbidden', 'Read tracking is for community members');
  const space = spaceId === undefined ? undefined : await visibleSpace(ctx.db, member, spaceId);
  const joined = await joinedAt(ctx.db, member);
  const now = ctx.now().toISOString();
  const result = await ctx.db
    .insertInto('community_read_state')
    .columns(['workspace_id', 'member_id', 'thread_id', 'last_read_number', 'updated_at'])
    .expression((eb) => {
      let q = eb
        .selectFrom('community_threads as t')
        .leftJoin('community_read_state as r', (j) =>
          j.onRef('r.thread_id', '=', 't.id').on('r.member_id', '=', member.memberId),
        )
        .select([
          't.workspace_id',
          eb.val(member.memberId).as('member_id'),
          't.id',
          't.last_post_number',
          eb.val(now).as('updated_at'),
        ])
        .where('t.workspace_id', '=', member.workspaceId)
        .where('t.deleted_at', 'is', null)
        .where((w) =>
          w.or([
            w.and([w('r.member_id', 'is', null), w('t.created_at', '>', joined)]),
            w('r.last_read_number', '<', w.ref('t.last_post_number')),
          ]),
        );
      if (space) q = q.where('t.space_id', '=', space.id);
      return q;
    })
    .onConflict((oc) =>
      oc.columns(['member_id', 'thread_id']).doUpdateSet((eb) => ({
        last_read_number: eb.ref('excluded.last_read_number'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .executeTakeFirst();
  return { threads: Number(result.numInsertedOrUpdatedRows ?? 0) };
}

/** Deleted or hidden posts of thread `t` numbered above `after` (answered by a partial index). */
function goneAbove(
  eb: ExpressionBuilder<DB & { t: DB['community_threads'] }, 't'>,
  after: Expression<number>,
) {
  return eb
    .selectFrom('community_posts as g')
    .select((g) => g.fn.countAll<number>().as('n'))
    .whereRef('g.thread_id', '=', 't.id')
    .where('g.number', '>', after)
    .where(sql<boolean>`(g.deleted_at is not null or g.hidden_at is not null)`);
}

/**
 * Per thread, the member's new posts by the rules above: the threads they opened with posts
 * above their read position, and the threads started since they joined that they never opened.
 */
function newPostsByThread(
  ctx: AppContext,
  member: MemberActor,
  joined: string,
  scope: { spaceIds: string[] } | { threadIds: string[] },
) {
  const [column, ids] =
    'spaceIds' in scope ? (['t.space_id', scope.spaceIds] as const) : (['t.id', scope.threadIds] as const);
  const opened = ctx.db
    .selectFrom('community_read_state as r')
    .innerJoin('community_threads as t', 't.id', 'r.thread_id')
    .select((eb) => [
      't.id as thread_id',
      't.space_id',
      eb(
        eb(eb.ref('t.last_post_number'), '-', eb.ref('r.last_read_number')),
        '-',
        goneAbove(eb, eb.ref('r.last_read_number')),
      ).as('n'),
    ])
    .where('r.member_id', '=', member.memberId)
    .where('t.workspace_id', '=', member.workspaceId)
    .where(column, 'in', ids)
    .whereRef('t.last_post_number', '>', 'r.last_read_number')
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null);
  const started = ctx.db
    .selectFrom('community_threads as t')
    .select((eb) => [
      't.id as thread_id',
      't.space_id',
      eb(eb.ref('t.last_post_number'), '-', goneAbove(eb, eb.val(0))).as('n'),
    ])
    .where('t.workspace_id', '=', member.workspaceId)
    .where(column, 'in', ids)
    .where('t.created_at', '>', joined)
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('community_read_state as r')
            .select('r.thread_id')
            .where('r.member_id', '=', member.memberId)
            .whereRef('r.thread_id', '=', 't.id'),
        ),
      ),
    );
  return opened.unionAll(started);
}

/**
 * Per space, the member's unread threads and new posts (rules above), in one grouped query
 * however many spaces: only spaces with something new are listed unless `spaceIds` names them.
 */
export async function unreadCounts(
  ctx: AppContext,
  member: MemberActor,
  spaceIds?: string[],
): Promise<UnreadView[]> {
  if (!isMember(member)) throw new AppError('forbidden', 'Read tracking is for community members');
  if (spaceIds !== undefined && spaceIds.length === 0) return [];
  const joined = await joinedAt(ctx.db, member);
  let spaces = ctx.db
    .selectFrom('community_spaces')
    .select('id')
    .where('workspace_id', '=', member.workspaceId)
    .where('closed_at', 'is', null);
  if (spaceIds !== undefined) spaces = spaces.where('id', 'in', spaceIds);
  const open = (await spaces.execute()).map((r) => r.id);
  const rows =
    open.length === 0
      ? []
      : await ctx.db
          .selectFrom(newPostsByThread(ctx, member, joined, { spaceIds: open }).as('u'))
          .select((eb) => [
            'u.space_id',
            eb.fn.sum<number>(eb.case().when('u.n', '>', 0).then(1).else(0).end()).as('unread_threads'),
            eb.fn
              .sum<number>(eb.case().when('u.n', '>', 0).then(eb.ref('u.n')).else(0).end())
              .as('new_posts'),
          ])
          .groupBy('u.space_id')
          .having((eb) => eb.fn.sum(eb.case().when('u.n', '>', 0).then(1).else(0).end()), '>', 0)
          .execute();
  const found = new Map(
    rows.map((r) => [
      r.space_id,
      { spaceId: r.space_id, unreadThreads: Number(r.unread_threads), newPosts: Number(r.new_posts) },
    ]),
  );
  if (spaceIds === undefined) return [...found.values()];
  return spaceIds.map((id) => found.get(id) ?? { spaceId: id, unreadThreads: 0, newPosts: 0 });
}

/** Per thread, the member's new posts (for the marks on a list of threads), by the same rules. */
export async function unreadInThreads(
  ctx: AppContext,
  member: MemberActor,
  threadIds: string[],
): Promise<Map<string, number>> {
  if (threadIds.length === 0) return new Map();
  const joined = await joinedAt(ctx.db, member);
  const rows = await ctx.db
    .selectFrom(newPostsByThread(ctx, member, joined, { threadIds }).as('u'))
    .select(['u.thread_id', 'u.n'])
    .where('u.n', '>', 0)
    .execute();
  return new Map(rows.map((r) => [r.thread_id, Number(r.n)]));
}
