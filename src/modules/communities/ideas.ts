import type { AppContext } from '../../context.ts';
import type { IdeaStatus } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import {
  assertWritable,
  authorsOf,
  checkViewer,
  type Db,
  type ThreadRow,
  threadRow,
  toThreadView,
  type Viewer,
  visibleThread,
} from './access.ts';
import { isMember, type MemberActor } from './actors.ts';
import { awardIdeaDelivered } from './reputation.ts';
import {
  type IdeaStatusChangeView,
  type IdeaStatusInput,
  ideaStatusInput,
  type ThreadView,
} from './schema.ts';

/**
 * Idea boards: members vote (once each, idempotently), staff move ideas through their statuses
 * with a note, and merge duplicates keeping every voter once. Each status change is a row of
 * `community_idea_status_changes`: the notification fan-out reads them after its cursor, so each
 * change is told once.
 */

function checkIdea(thread: ThreadRow): void {
  if (thread.kind !== 'idea') throw new AppError('conflict', 'Only ideas take votes and statuses');
  if (thread.deleted_at !== null) throw new AppError('not_found', `No idea ${thread.id}`);
}

/** Counts the votes again: the stored count is always the number of rows, never drifted arithmetic. */
async function recount(trx: Db, threadId: string): Promise<number> {
  const row = await trx
    .selectFrom('community_idea_votes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('thread_id', '=', threadId)
    .executeTakeFirstOrThrow();
  const n = Number(row.n);
  await trx.updateTable('community_threads').set({ vote_count: n }).where('id', '=', threadId).execute();
  return n;
}

async function openIdeaFor(ctx: AppContext, member: MemberActor, threadId: string): Promise<ThreadRow> {
  if (!isMember(member)) throw new AppError('forbidden', 'Members vote on ideas; staff set their status');
  const { thread, space } = await visibleThread(ctx.db, member, threadId);
  checkIdea(thread);
  if (thread.duplicate_of_thread_id !== null)
    throw new AppError('conflict', 'This idea was merged into another; vote there', {
      duplicateOfThreadId: thread.duplicate_of_thread_id,
    });
  assertWritable(ctx, space);
  return thread;
}

export type VoteResult = { voted: boolean; voteCount: number };

/** Votes for an idea; voting twice changes nothing. */
export async function voteIdea(ctx: AppContext, member: MemberActor, threadId: string): Promise<VoteResult> {
  const thread = await openIdeaFor(ctx, member, threadId);
  const voteCount = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_idea_votes')
      .values({ thread_id: thread.id, member_id: member.memberId, created_at: ctx.now().toISOString() })
      .onConflict((oc) => oc.columns(['thread_id', 'member_id']).doNothing())
      .execute();
    return recount(trx, thread.id);
  });
  return { voted: true, voteCount };
}

/** Takes a vote back; taking back a vote never given changes nothing. */
export async function unvoteIdea(
  ctx: AppContext,
  member: MemberActor,
  threadId: string,
): Promise<VoteResult> {
  const thread = await openIdeaFor(ctx, member, threadId);
  const voteCount = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('community_idea_votes')
      .where('thread_id', '=', thread.id)
      .where('member_id', '=', member.memberId)
      .execute();
    return recount(trx, thread.id);
  });
  return { voted: false, voteCount };
}

/** The ideas among `threadIds` the member voted for (for the "voted" mark on a list). */
export async function votedIdeas(
  ctx: AppContext,
  member: MemberActor,
  threadIds: string[],
): Promise<Set<string>> {
  if (threadIds.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom('community_idea_votes')
    .select('thread_id')
    .where('member_id', '=', member.memberId)
    .where('thread_id', 'in', threadIds)
    .execute();
  return new Set(rows.map((r) => r.thread_id));
}

async function recordChange(
  ctx: AppContext,
  trx: Db,
  actor: Actor,
  thread: ThreadRow,
  to: IdeaStatus,
  note: string,
  duplicateOf: string | null,
): Promise<void> {
  const now = ctx.now().toISOString();
  await trx
    .updateTable('community_threads')
    .set({ idea_status: to, duplicate_of_thread_id: duplicateOf, updated_at: now })
    .where('id', '=', thread.id)
    .execute();
  await trx
    .insertInto('community_idea_status_changes')
    .values({
      workspace_id: actor.workspaceId,
      thread_id: thread.id,
      from_status: thread.idea_status,
      to_status: to,
      note,
      duplicate_of_thread_id: duplicateOf,
      changed_by_user_id: actor.userId,
      created_at: now,
    })
    .execute();
  await recordAudit(ctx, trx, {
    workspaceId: actor.workspaceId,
    actorUserId: actor.userId,
    action: 'community.idea_status_changed',
    targetType: 'community_thread',
    targetId: thread.id,
    details: { from: thread.idea_status, to, duplicateOf },
  });
}

/**
 * Moves an idea to another status with a note for the people who asked (staff moderators).
 * The same status again with no note changes nothing and records nothing.
 */
export async function setIdeaStatus(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
  input: IdeaStatusInput,
): Promise<ThreadView> {
  if (isMember(actor)) throw new AppError('forbidden', 'Staff set the status of ideas');
  requirePermission(actor, 'communities:moderate');
  const valid = ideaStatusInput.parse(input);
  const thread = await threadRow(ctx.db, actor.workspaceId, threadId);
  checkIdea(thread);
  if (thread.duplicate_of_thread_id !== null)
    throw new AppError('conflict', 'This idea was merged into another', {
      duplicateOfThreadId: thread.duplicate_of_thread_id,
    });
  if (thread.idea_status !== valid.status || valid.note !== '')
    await ctx.db
      .transaction()
      .execute((trx) => recordChange(ctx, trx, actor, thread, valid.status, valid.note, null));
  if (valid.status === 'done') await awardIdeaDelivered(ctx, { workspaceId: actor.workspaceId, threadId });
  const row = await threadRow(ctx.db, actor.workspaceId, threadId);
  return toThreadView(row, await authorsOf(ctx.db, actor.workspaceId, [row]));
}

/**
 * Merges a duplicate idea into another (staff moderators): the duplicate's voters become voters
 * of the other (a member who voted for both counts once), and the duplicate is marked as such,
 * pointing at the idea it joined.
 */
export async function mergeIdeas(
  ctx: AppContext,
  actor: Actor,
  duplicateId: string,
  intoId: string,
  note = '',
): Promise<ThreadView> {
  if (isMember(actor)) throw new AppError('forbidden', 'Staff merge ideas');
  requirePermission(actor, 'communities:moderate');
  if (duplicateId === intoId) throw new AppError('conflict', 'An idea cannot be merged into itself');
  const duplicate = await threadRow(ctx.db, actor.workspaceId, duplicateId);
  const into = await threadRow(ctx.db, actor.workspaceId, intoId);
  checkIdea(duplicate);
  checkIdea(into);
  if (duplicate.duplicate_of_thread_id !== null)
    throw new AppError('conflict', 'This idea was merged already', {
      duplicateOfThreadId: duplicate.duplicate_of_thread_id,
    });
  if (into.duplicate_of_thread_id !== null)
    throw new AppError('conflict', 'The target idea was itself merged into another', {
      duplicateOfThreadId: into.duplicate_of_thread_id,
    });
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_idea_votes')
      .columns(['thread_id', 'member_id', 'created_at'])
      .expression((eb) =>
        eb
          .selectFrom('community_idea_votes')
          .select([eb.val(into.id).as('thread_id'), 'member_id', 'created_at'])
          .where('thread_id', '=', duplicate.id),
      )
      .onConflict((oc) => oc.columns(['thread_id', 'member_id']).doNothing())
      .execute();
    await trx.deleteFrom('community_idea_votes').where('thread_id', '=', duplicate.id).execute();
    await recount(trx, into.id);
    await recount(trx, duplicate.id);
    await recordChange(ctx, trx, actor, duplicate, 'duplicate', note, into.id);
  });
  const row = await threadRow(ctx.db, actor.workspaceId, into.id);
  return toThreadView(row, await authorsOf(ctx.db, actor.workspaceId, [row]));
}

/** An idea's status history, oldest first. */
export async function ideaStatusChanges(
  ctx: AppContext,
  viewer: Viewer,
  threadId: string,
): Promise<IdeaStatusChangeView[]> {
  checkViewer(viewer);
  const { thread } = await visibleThread(ctx.db, viewer, threadId);
  const rows = await ctx.db
    .selectFrom('community_idea_status_changes')
    .selectAll()
    .where('workspace_id', '=', viewer.workspaceId)
    .where('thread_id', '=', thread.id)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    threadId: r.thread_id,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    note: r.note,
    duplicateOfThreadId: r.duplicate_of_thread_id,
    changedByUserId: r.changed_by_user_id,
    createdAt: r.created_at,
  }));
}
