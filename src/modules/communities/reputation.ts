/**
 * Reputation: points for what helped others (accepted answers, likes received, ideas delivered,
 * helpful flags), every change a row in community_points_ledger so a member's score can be
 * explained line by line; ranks with names by points; likes.
 */
import { z } from '@hono/zod-openapi';
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import type { Actor } from '../auth/roles.ts';
import { requirePermission } from '../auth/roles.ts';
import type { MemberActor } from './actors.ts';
import { addToMemberDay, recomputeTrust } from './trust.ts';

type Db = Kysely<DB> | Transaction<DB>;

export const POINTS = Object.freeze({
  acceptedAnswer: 15,
  likeReceived: 1,
  ideaDelivered: 10,
  helpfulFlag: 2,
});

/** Ranks by points, lowest first. */
export const RANKS = Object.freeze([
  { name: 'Newcomer', minPoints: 0 },
  { name: 'Contributor', minPoints: 50 },
  { name: 'Regular', minPoints: 200 },
  { name: 'Expert', minPoints: 500 },
  { name: 'Champion', minPoints: 1500 },
] as const);

/** The rank name for a number of points. Pure. */
export function rankFor(points: number): string {
  let rank: string = RANKS[0].name;
  for (const r of RANKS) if (points >= r.minPoints) rank = r.name;
  return rank;
}

export type LedgerReason =
  | 'accepted_answer'
  | 'like_received'
  | 'idea_delivered'
  | 'helpful_flag'
  /** A hand-made change by staff; its `ref` is the reason they gave (the ledger has no note column). */
  | 'staff_adjustment';

/**
 * Adds `points` (negative to take back) to a member, with its ledger row, and keeps `points` and
 * `rank` on the member current.
 */
export async function addPoints(
  ctx: AppContext,
  db: Db,
  entry: { workspaceId: string; memberId: string; points: number; reason: LedgerReason; ref: string },
): Promise<void> {
  await db
    .insertInto('community_points_ledger')
    .values({
      workspace_id: entry.workspaceId,
      member_id: entry.memberId,
      points: entry.points,
      reason: entry.reason,
      ref: entry.ref,
      created_at: ctx.now().toISOString(),
    })
    .execute();
  await db
    .updateTable('community_members')
    .set((eb) => ({ points: eb('points', '+', entry.points) }))
    .where('id', '=', entry.memberId)
    .execute();
  const m = await db
    .selectFrom('community_members')
    .select(['points', 'rank'])
    .where('id', '=', entry.memberId)
    .executeTakeFirstOrThrow();
  const rank = rankFor(Number(m.points));
  if (rank !== m.rank)
    await db.updateTable('community_members').set({ rank }).where('id', '=', entry.memberId).execute();
}

/** The net points already given to a member for one reason and ref (0 when none or taken back). */
async function netAwarded(db: Db, memberId: string, reason: LedgerReason, ref: string): Promise<number> {
  const row = await db
    .selectFrom('community_points_ledger')
    .select((eb) => eb.fn.sum<number>('points').as('n'))
    .where('member_id', '=', memberId)
    .where('reason', '=', reason)
    .where('ref', '=', ref)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Gives `points` once per (reason, ref) or takes them back; idempotent both ways. */
async function setAward(
  ctx: AppContext,
  db: Db,
  award: { workspaceId: string; memberId: string; reason: LedgerReason; ref: string; points: number },
  on: boolean,
): Promise<boolean> {
  const net = await netAwarded(db, award.memberId, award.reason, award.ref);
  if (on === net > 0) return false;
  await addPoints(ctx, db, { ...award, points: on ? award.points : -net });
  return true;
}

const inTransaction = <T>(ctx: AppContext, db: Db | undefined, f: (trx: Db) => Promise<T>): Promise<T> =>
  db ? f(db) : ctx.db.transaction().execute(f);

async function postAuthor(db: Db, workspaceId: string, postId: number) {
  const post = await db
    .selectFrom('community_posts')
    .select(['id', 'author_member_id', 'thread_id', 'deleted_at', 'hidden_at', 'like_count'])
    .where('id', '=', postId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!post) throw new AppError('not_found', `No post ${postId}`);
  return post;
}

/**
 * +15 to the author of an accepted answer (a member; staff answers and askers answering their
 * own question earn nothing). Idempotent; may run in the transaction that accepts the answer.
 * `revokeAcceptedAnswer` takes it back when the acceptance moves or is withdrawn.
 */
export async function awardAcceptedAnswer(
  ctx: AppContext,
  input: { workspaceId: string; postId: number },
  db?: Db,
): Promise<boolean> {
  return inTransaction(ctx, db, async (trx) => {
    const post = await postAuthor(trx, input.workspaceId, input.postId);
    if (!post.author_member_id) return false;
    const thread = await trx
      .selectFrom('community_threads')
      .select('author_member_id')
      .where('id', '=', post.thread_id)
      .executeTakeFirst();
    if (thread?.author_member_id === post.author_member_id) return false;
    return setAward(
      ctx,
      trx,
      {
        workspaceId: input.workspaceId,
        memberId: post.author_member_id,
        reason: 'accepted_answer',
        ref: `post:${input.postId}`,
        points: POINTS.acceptedAnswer,
      },
      true,
    );
  });
}

export async function revokeAcceptedAnswer(
  ctx: AppContext,
  input: { workspaceId: string; postId: number },
  db?: Db,
): Promise<boolean> {
  return inTransaction(ctx, db, async (trx) => {
    const post = await postAuthor(trx, input.workspaceId, input.postId);
    if (!post.author_member_id) return false;
    return setAward(
      ctx,
      trx,
      {
        workspaceId: input.workspaceId,
        memberId: post.author_member_id,
        reason: 'accepted_answer',
        ref: `post:${input.postId}`,
        points: POINTS.acceptedAnswer,
      },
      false,
    );
  });
}

/** +10 to the member who proposed an idea, when it reaches `done`. Idempotent. */
export async function awardIdeaDelivered(
  ctx: AppContext,
  input: { workspaceId: string; threadId: string },
  db?: Db,
): Promise<boolean> {
  return inTransaction(ctx, db, async (trx) => {
    const thread = await trx
      .selectFrom('community_threads')
      .select(['author_member_id'])
      .where('id', '=', input.threadId)
      .where('workspace_id', '=', input.workspaceId)
      .executeTakeFirst();
    if (!thread) throw new AppError('not_found', `No thread ${input.threadId}`);
    if (!thread.author_member_id) return false;
    return setAward(
      ctx,
      trx,
      {
        workspaceId: input.workspaceId,
        memberId: thread.author_member_id,
        reason: 'idea_delivered',
        ref: `thread:${input.threadId}`,
        points: POINTS.ideaDelivered,
      },
      true,
    );
  });
}

/** +2 to a member whose flag a moderator agreed with (flags.ts, in the review's transaction). */
export async function awardHelpfulFlag(
  ctx: AppContext,
  db: Db,
  input: { workspaceId: string; memberId: string; flagId: string },
): Promise<boolean> {
  return setAward(
    ctx,
    db,
    {
      workspaceId: input.workspaceId,
      memberId: input.memberId,
      reason: 'helpful_flag',
      ref: `flag:${input.flagId}`,
      points: POINTS.helpfulFlag,
    },
    true,
  );
}

// ---------------------------------------------------------------------------------------------
// Likes

/**
 * Likes a post: idempotent (a second like changes nothing), never one's own post, never a deleted
 * or hidden one. Keeps like_count, the members' likes given and received, and the author's +1.
 */
export async function likePost(
  ctx: AppContext,
  member: MemberActor,
  postId: number,
): Promise<{ liked: true; likeCount: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const post = await postAuthor(trx, member.workspaceId, postId);
    if (post.deleted_at || post.hidden_at) throw new AppError('not_found', `No post ${postId}`);
    if (post.author_member_id === member.memberId)
      throw new AppError('forbidden', 'You cannot like your own post');
    const inserted = await trx
      .insertInto('community_post_likes')
      .values({
        post_id: postId,
        member_id: member.memberId,
        workspace_id: member.workspaceId,
        created_at: ctx.now().toISOString(),
      })
      .onConflict((oc) => oc.columns(['post_id', 'member_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0)
      return { liked: true, likeCount: Number(post.like_count) };
    await changeLikeCounters(ctx, trx, member, post, +1);
    return { liked: true, likeCount: Number(post.like_count) + 1 };
  });
}

/** Takes a like back; idempotent. The author's point goes too. */
export async function unlikePost(
  ctx: AppContext,
  member: MemberActor,
  postId: number,
): Promise<{ liked: false; likeCount: number }> {
  return ctx.db.transaction().execute(async (trx) => {
    const post = await postAuthor(trx, member.workspaceId, postId);
    const deleted = await trx
      .deleteFrom('community_post_likes')
      .where('post_id', '=', postId)
      .where('member_id', '=', member.memberId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) return { liked: false, likeCount: Number(post.like_count) };
    await changeLikeCounters(ctx, trx, member, post, -1);
    return { liked: false, likeCount: Number(post.like_count) - 1 };
  });
}

async function changeLikeCounters(
  ctx: AppContext,
  trx: Db,
  member: MemberActor,
  post: { id: number; author_member_id: string | null },
  delta: 1 | -1,
): Promise<void> {
  await trx
    .updateTable('community_posts')
    .set((eb) => ({ like_count: eb('like_count', '+', delta) }))
    .where('id', '=', post.id)
    .execute();
  await trx
    .updateTable('community_members')
    .set((eb) => ({ likes_given: eb('likes_given', '+', delta) }))
    .where('id', '=', member.memberId)
    .execute();
  // Today's counts feed the rolling (level 3) window; a like taken back is taken back from today.
  await addToMemberDay(ctx, trx, member, { likes_given: delta });
  if (post.author_member_id) {
    const author = { workspaceId: member.workspaceId, memberId: post.author_member_id };
    await trx
      .updateTable('community_members')
      .set((eb) => ({ likes_received: eb('likes_received', '+', delta) }))
      .where('id', '=', post.author_member_id)
      .execute();
    await addToMemberDay(ctx, trx, author, { likes_received: delta });
    await addPoints(ctx, trx, {
      ...author,
      points: delta * POINTS.likeReceived,
      reason: 'like_received',
      ref: `post:${post.id}:${member.memberId}`,
    });
    await recomputeTrust(ctx, post.author_member_id, trx);
  }
  await recomputeTrust(ctx, member.memberId, trx);
}

// ---------------------------------------------------------------------------------------------
// The ledger, explained

export type LedgerEntry = { id: number; points: number; reason: string; ref: string; createdAt: string };

/** A member's points, newest first: the member themself, or staff with communities:read. */
export async function pointsLedger(
  ctx: AppContext,
  who: MemberActor | Actor,
  memberId: string,
  page: PageQuery,
): Promise<Page<LedgerEntry>> {
  if ('kind' in who) {
    if (who.memberId !== memberId) throw new AppError('forbidden', 'You can see only your own points');
  } else requirePermission(who, 'communities:read');
  let q = ctx.db
    .selectFrom('community_points_ledger')
    .select(['id', 'points', 'reason', 'ref', 'created_at'])
    .where('workspace_id', '=', who.workspaceId)
    .where('member_id', '=', memberId)
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.cursor !== undefined) q = q.where('id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q.execute();
  return toPage(
    rows,
    page.limit,
    (r) => Number(r.id),
    (r) => ({
      id: Number(r.id),
      points: Number(r.points),
      reason: r.reason,
      ref: r.ref,
      createdAt: r.created_at,
    }),
  );
}

export const ledgerEntrySchema = z.object({
  id: z.number().int(),
  points: z.number().int(),
  reason: z.string(),
  ref: z.string(),
  createdAt: z.string(),
});
export const pointsAdjustmentInput = z
  .object({
    points: z
      .number()
      .int()
      .min(-10_000)
      .max(10_000)
      .refine((n) => n !== 0, 'give or take at least one point'),
    reason: z.string().trim().min(3).max(300),
  })
  .openapi('CommunityPointsAdjustment');
export const pointsAdjustmentResult = z.object({
  entry: ledgerEntrySchema,
  points: z.number().int(),
  rank: z.string(),
});

/**
 * Staff with `communities:moderate` give (or take back, with negative points) points by hand,
 * with a reason: one ledger line and an audit entry in one transaction. A member's total never
 * goes below zero.
 */
export async function adjustPoints(
  ctx: AppContext,
  actor: Actor,
  memberId: string,
  input: z.output<typeof pointsAdjustmentInput>,
): Promise<z.infer<typeof pointsAdjustmentResult>> {
  requirePermission(actor, 'communities:moderate');
  return ctx.db.transaction().execute(async (trx) => {
    // Locked so two simultaneous deductions cannot both pass the zero check (PostgreSQL).
    const member = await ctx.dialect
      .lockForUpdate(
        trx
          .selectFrom('community_members')
          .select(['id', 'username', 'points'])
          .where('id', '=', memberId)
          .where('workspace_id', '=', actor.workspaceId),
      )
      .executeTakeFirst();
    if (!member) throw new AppError('not_found', `No community member ${memberId}`);
    if (Number(member.points) + input.points < 0)
      throw new AppError('validation_failed', `@${member.username} has only ${member.points} points`, {
        fields: [{ path: 'points', message: `at most ${member.points} can be taken` }],
      });
    await addPoints(ctx, trx, {
      workspaceId: actor.workspaceId,
      memberId,
      points: input.points,
      // Unlike the earned reasons (each once per ref), every hand-made change counts.
      reason: 'staff_adjustment',
      ref: input.reason,
    });
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.points_adjusted',
      targetType: 'community_member',
      targetId: memberId,
      details: { points: input.points, reason: input.reason },
    });
    const entry = await trx
      .selectFrom('community_points_ledger')
      .select(['id', 'points', 'reason', 'ref', 'created_at'])
      .where('member_id', '=', memberId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    const after = await trx
      .selectFrom('community_members')
      .select(['points', 'rank'])
      .where('id', '=', memberId)
      .executeTakeFirstOrThrow();
    return {
      entry: {
        id: Number(entry.id),
        points: Number(entry.points),
        reason: entry.reason,
        ref: entry.ref,
        createdAt: entry.created_at,
      },
      points: Number(after.points),
      rank: after.rank,
    };
  });
}
