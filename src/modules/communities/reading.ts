import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { type Db, visibleSpace, visibleThread } from './access.ts';
import { isMember, type MemberActor } from './actors.ts';
import type { UnreadView } from './schema.ts';
import { addReading } from './trust.ts';

/**
 * Read tracking: per member and thread, the number of the last post read (`community_read_state`).
 *
 * What counts as new, exactly:
 * - a post is new to a member when its number is above their last-read number in that thread,
 *   and it is neither deleted nor hidden (a deleted post is gone for everyone, so it stops
 *   counting the moment it is deleted, read or not; a hidden post counts again if restored);
 * - in a thread the member never opened, the posts written since they joined are new: what was
 *   written before they arrived is history, not news (a new member does not start with thousands
 *   of unread posts);
 * - threads deleted or hidden, and closed spaces, count nothing;
 * - a member's own post marks the thread read up to it.
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
            w.and([w('r.member_id', 'is', null), w('t.last_post_at', '>', joined)]),
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
  const joined = await joinedAt(ctx.db, member);
  let q = ctx.db
    .selectFrom('community_threads as t')
    .innerJoin('community_spaces as s', 's.id', 't.space_id')
    .leftJoin('community_read_state as r', (j) =>
      j.onRef('r.thread_id', '=', 't.id').on('r.member_id', '=', member.memberId),
    )
    .innerJoin('community_posts as p', (j) =>
      j
        .onRef('p.thread_id', '=', 't.id')
        .on('p.deleted_at', 'is', null)
        .on('p.hidden_at', 'is', null)
        .on((eb) =>
          eb.or([
            eb.and([eb('r.member_id', 'is not', null), eb('p.number', '>', eb.ref('r.last_read_number'))]),
            eb.and([eb('r.member_id', 'is', null), eb('p.created_at', '>', joined)]),
          ]),
        ),
    )
    .select((eb) => [
      't.space_id',
      eb.fn.count<number>('t.id').distinct().as('unread_threads'),
      eb.fn.count<number>('p.id').as('new_posts'),
    ])
    .where('t.workspace_id', '=', member.workspaceId)
    .where('s.closed_at', 'is', null)
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('r.member_id', 'is not', null),
          eb('t.last_post_number', '>', eb.ref('r.last_read_number')),
        ]),
        eb.and([eb('r.member_id', 'is', null), eb('t.last_post_at', '>', joined)]),
      ]),
    )
    .groupBy('t.space_id');
  if (spaceIds !== undefined) {
    if (spaceIds.length === 0) return [];
    q = q.where('t.space_id', 'in', spaceIds);
  }
  const rows = await q.execute();
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
    .selectFrom('community_posts as p')
    .innerJoin('community_threads as t', 't.id', 'p.thread_id')
    .leftJoin('community_read_state as r', (j) =>
      j.onRef('r.thread_id', '=', 't.id').on('r.member_id', '=', member.memberId),
    )
    .select((eb) => ['p.thread_id', eb.fn.countAll<number>().as('n')])
    .where('t.workspace_id', '=', member.workspaceId)
    .where('p.thread_id', 'in', threadIds)
    .where('p.deleted_at', 'is', null)
    .where('p.hidden_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('r.member_id', 'is not', null), eb('p.number', '>', eb.ref('r.last_read_number'))]),
        eb.and([eb('r.member_id', 'is', null), eb('p.created_at', '>', joined)]),
      ]),
    )
    .groupBy('p.thread_id')
    .execute();
  return new Map(rows.map((r) => [r.thread_id, Number(r.n)]));
}
