/**
 * Self-moderation: members flag posts with a reason; each flag weighs by the flagger's trust and
 * track record; a post whose open flags weigh past the workspace's threshold hides itself until a
 * moderator reviews it (staff with communities:moderate, leaders at trust level 4, or the space's
 * member moderators). Also: spam screening of new members' posts and their posting limits.
 */
import { z } from '@hono/zod-openapi';
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunityFlagReason, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { readableWait } from '../../wait.ts';
import { analyzeText } from '../analysis/service.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { MemberActor } from './actors.ts';
import { recountThreadAndSpace } from './counters.ts';
import { awardAcceptedAnswer, awardHelpfulFlag, revokeAcceptedAnswer } from './reputation.ts';
import { permissionsFor, recomputeTrust, type TrustConfig, trustConfigOf } from './trust.ts';
import { flagReasonLabel, suspendedMessage } from './wording.ts';

type Db = Kysely<DB> | Transaction<DB>;

export const flagReasons = [
  'spam',
  'offensive',
  'off_topic',
  'other',
] as const satisfies CommunityFlagReason[];
export const flagInput = z
  .object({
    reason: z.enum(flagReasons),
    note: z.string().trim().max(500).optional(),
  })
  .openapi('CommunityFlagInput');

export type FlagView = {
  id: string;
  postId: number;
  reason: CommunityFlagReason;
  weight: number;
  flaggedBy: { kind: 'member'; memberId: string } | { kind: 'staff'; userId: string } | { kind: 'system' };
  note: string | null;
  createdAt: string;
  resolution: 'agreed' | 'disagreed' | null;
};

/**
 * The weight of one flag: the flagger's level's weight times their track record, a smoothed
 * share of agreed flags (1 with no record; up to 2 when moderators always agreed, down to 0.25
 * when they never did). Pure.
 */
export function flagWeight(
  input: { trustLevel: number; agreed: number; disagreed: number },
  config?: TrustConfig,
): number {
  const base = permissionsFor(input.trustLevel, config).flagWeight;
  const record = ((input.agreed + 1) / (input.agreed + input.disagreed + 2)) * 2;
  const factor = Math.min(2, Math.max(0.25, record));
  return Math.round(base * factor * 100) / 100;
}

function isMember(who: MemberActor | Actor): who is MemberActor {
  return 'kind' in who && who.kind === 'member';
}

async function livePost(db: Db, workspaceId: string, postId: number) {
  const post = await db
    .selectFrom('community_posts')
    .innerJoin('community_threads', 'community_threads.id', 'community_posts.thread_id')
    .select([
      'community_posts.id',
      'community_posts.thread_id',
      'community_posts.number',
      'community_posts.author_member_id',
      'community_posts.body_markdown',
      'community_posts.hidden_at',
      'community_posts.deleted_at',
      'community_threads.space_id',
    ])
    .where('community_posts.id', '=', postId)
    .where('community_posts.workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!post || post.deleted_at) throw new AppError('not_found', `No post ${postId}`);
  return post;
}

/**
 * Hides or shows a post (and its thread, when it is the opening post), taking it out of (or back
 * into) the thread's and the space's counts and last activity.
 */
async function setHidden(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  post: { id: number; thread_id: string; number: number },
  at: string | null,
) {
  await db.updateTable('community_posts').set({ hidden_at: at }).where('id', '=', post.id).execute();
  if (post.number === 1)
    await db
      .updateTable('community_threads')
      .set({ hidden_at: at })
      .where('id', '=', post.thread_id)
      .execute();
  // A hidden accepted answer answers nothing (no "Answered" badge, not in digests, the unanswered
  // escalation sees it again) and earns nothing: its author's points are taken back (a reversing
  // ledger line). Restoring it makes the question answered again and gives them back, unless
  // another answer was accepted (or the acceptance withdrawn) meanwhile.
  const changed =
    at !== null
      ? await db
          .updateTable('community_threads')
          .set({ accepted_post_id: null, withheld_accepted_post_id: post.id })
          .where('id', '=', post.thread_id)
          .where('accepted_post_id', '=', post.id)
          .executeTakeFirst()
      : await db
          .updateTable('community_threads')
          .set({ accepted_post_id: post.id, withheld_accepted_post_id: null })
          .where('id', '=', post.thread_id)
          .where('withheld_accepted_post_id', '=', post.id)
          .where('accepted_post_id', 'is', null)
          .executeTakeFirst();
  if (Number(changed.numUpdatedRows) > 0) {
    const answer = { workspaceId, postId: post.id };
    if (at !== null) await revokeAcceptedAnswer(ctx, answer, db);
    else await awardAcceptedAnswer(ctx, answer, db);
  }
  await recountThreadAndSpace(ctx, db, post.thread_id);
}

/** The summed weight of a post's open flags. */
async function openScore(db: Db, postId: number): Promise<number> {
  const row = await db
    .selectFrom('community_flags')
    .select((eb) => eb.fn.sum<number>('weight').as('w'))
    .where('post_id', '=', postId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.w ?? 0);
}

async function insertFlagAndMaybeHide(
  ctx: AppContext,
  trx: Db,
  workspaceId: string,
  post: { id: number; thread_id: string; number: number; hidden_at: string | null },
  flag: {
    flaggerKey: string;
    memberId: string | null;
    userId: string | null;
    reason: CommunityFlagReason;
    note: string | null;
    weight: number;
  },
  threshold: number,
): Promise<{ flag: FlagView; hidden: boolean }> {
  const now = ctx.now().toISOString();
  const id = newId(ctx.now());
  const inserted = await trx
    .insertInto('community_flags')
    .values({
      id,
      workspace_id: workspaceId,
      post_id: post.id,
      flagger_key: flag.flaggerKey,
      member_id: flag.memberId,
      user_id: flag.userId,
      reason: flag.reason,
      note: flag.note,
      weight: flag.weight,
      created_at: now,
      resolved_at: null,
      resolution: null,
      resolved_by_user_id: null,
      resolved_by_member_id: null,
    })
    .onConflict((oc) => oc.columns(['post_id', 'flagger_key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    const earlier = await trx
      .selectFrom('community_flags')
      .select('reason')
      .where('post_id', '=', post.id)
      .where('flagger_key', '=', flag.flaggerKey)
      .executeTakeFirst();
    throw new AppError(
      'conflict',
      earlier
        ? `You have already flagged this post (${flagReasonLabel(earlier.reason)})`
        : 'You have already flagged this post',
    );
  }
  let hidden = post.hidden_at !== null;
  if (!hidden && (await openScore(trx, post.id)) >= threshold) {
    await setHidden(ctx, trx, workspaceId, post, now);
    hidden = true;
  }
  return {
    flag: {
      id,
      postId: post.id,
      reason: flag.reason,
      weight: flag.weight,
      flaggedBy: flag.memberId
        ? { kind: 'member', memberId: flag.memberId }
        : flag.userId
          ? { kind: 'staff', userId: flag.userId }
          : { kind: 'system' },
      note: flag.note,
      createdAt: now,
      resolution: null,
    },
    hidden,
  };
}

/**
 * Flags a post, by a member (weighted by trust and track record; never their own post) or by
 * staff (the leader weight). Hides the post when its open flags pass the workspace's threshold.
 */
export async function flagPost(
  ctx: AppContext,
  who: MemberActor | Actor,
  postId: number,
  input: { reason: CommunityFlagReason; note?: string | undefined },
): Promise<{ flag: FlagView; hidden: boolean }> {
  const valid = flagInput.parse(input);
  if (!isMember(who)) requirePermission(who, 'communities:read');
  return ctx.db.transaction().execute(async (trx) => {
    const post = await livePost(trx, who.workspaceId, postId);
    const config = await trustConfigOf(ctx, trx, who.workspaceId);
    let weight: number;
    if (isMember(who)) {
      if (post.author_member_id === who.memberId)
        throw new AppError('forbidden', 'You cannot flag your own post');
      const m = await trx
        .selectFrom('community_members')
        .select(['trust_level', 'flags_agreed', 'flags_disagreed'])
        .where('id', '=', who.memberId)
        .executeTakeFirstOrThrow();
      weight = flagWeight(
        {
          trustLevel: Number(m.trust_level),
          agreed: Number(m.flags_agreed),
          disagreed: Number(m.flags_disagreed),
        },
        config,
      );
    } else weight = permissionsFor(4, config).flagWeight;
    return insertFlagAndMaybeHide(
      ctx,
      trx,
      who.workspaceId,
      post,
      {
        flaggerKey: isMember(who) ? `member:${who.memberId}` : `user:${who.userId}`,
        memberId: isMember(who) ? who.memberId : null,
        userId: isMember(who) ? null : who.userId,
        reason: valid.reason,
        note: valid.note ?? null,
        weight,
      },
      config.unlocks.flagHideThreshold,
    );
  });
}

/**
 * Screens a member's new post for spam with the analysis module's intent classifier. Posts of
 * members below trust level 2 that read as spam are flagged by the system with the full hiding
 * weight, so they wait for a moderator. Call it after writing the post.
 */
export async function screenNewPost(
  ctx: AppContext,
  member: MemberActor,
  postId: number,
): Promise<{ spam: boolean; hidden: boolean }> {
  if (member.trustLevel >= 2) return { spam: false, hidden: false };
  return ctx.db.transaction().execute(async (trx) => {
    const post = await livePost(trx, member.workspaceId, postId);
    const analysis = analyzeText({ text: post.body_markdown, declaredLanguage: null, authorFollowers: null });
    const spam = analysis.intents.find((i) => i.label === 'spam');
    if (!spam) return { spam: false, hidden: post.hidden_at !== null };
    const config = await trustConfigOf(ctx, trx, member.workspaceId);
    const { hidden } = await insertFlagAndMaybeHide(
      ctx,
      trx,
      member.workspaceId,
      post,
      {
        flaggerKey: 'system',
        memberId: null,
        userId: null,
        reason: 'spam',
        note: `Spam detected (${Math.round(spam.score * 100)}%): ${spam.reasons.slice(0, 3).join('; ')}`,
        weight: config.unlocks.flagHideThreshold,
      },
      config.unlocks.flagHideThreshold,
    );
    return { spam: true, hidden };
  });
}

/**
 * Throws unless the member may post now: not suspended, and within their level's posting limit
 * (level 0: 3 posts per 10 minutes by default). Counted from the posts table against the clock,
 * so every API process and the tests' controlled clock agree.
 */
export async function checkPostingAllowed(ctx: AppContext, member: MemberActor): Promise<void> {
  const m = await ctx.db
    .selectFrom('community_members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select(['m.trust_level', 'm.suspended_until', 'w.time_zone'])
    .where('m.id', '=', member.memberId)
    .where('m.workspace_id', '=', member.workspaceId)
    .executeTakeFirst();
  if (!m) throw new AppError('unauthenticated', 'Your member account no longer exists');
  const now = ctx.now();
  if (m.suspended_until && m.suspended_until > now.toISOString())
    throw new AppError('forbidden', suspendedMessage(m.suspended_until, m.time_zone), {
      reason: 'suspended',
      until: m.suspended_until,
    });
  const config = await trustConfigOf(ctx, ctx.db, member.workspaceId);
  const limit = permissionsFor(Number(m.trust_level), config).postLimit;
  if (!limit) return;
  const since = new Date(now.getTime() - limit.windowMinutes * 60_000).toISOString();
  const recent = await ctx.db
    .selectFrom('community_posts')
    .select('created_at')
    .where('author_member_id', '=', member.memberId)
    .where('created_at', '>', since)
    .orderBy('created_at', 'desc')
    .limit(limit.posts)
    .execute();
  if (recent.length < limit.posts) return;
  const oldest = recent[recent.length - 1]?.created_at ?? now.toISOString();
  const retryAfterSeconds = Math.max(
    1,
    Math.ceil((Date.parse(oldest) + limit.windowMinutes * 60_000 - now.getTime()) / 1000),
  );
  throw new AppError(
    'rate_limited',
    `New members may write ${limit.posts} posts per ${limit.windowMinutes} minutes; try again in ${readableWait(retryAfterSeconds)}`,
    { retryAfterSeconds, scope: 'member' },
  );
}

// ---------------------------------------------------------------------------------------------
// Review

/** Whether a member moderates a space: a leader (level 4) everywhere, or a moderator of that space. */
export async function memberModerates(
  ctx: AppContext,
  member: MemberActor,
  spaceId: string,
  db: Db = ctx.db,
): Promise<boolean> {
  if (member.trustLevel >= 4) return true;
  const row = await db
    .selectFrom('community_space_moderators')
    .select('space_id')
    .where('space_id', '=', spaceId)
    .where('member_id', '=', member.memberId)
    .executeTakeFirst();
  return row !== undefined;
}

export type ReviewItem = {
  postId: number;
  threadId: string;
  spaceId: string;
  postNumber: number;
  authorMemberId: string | null;
  excerpt: string;
  hidden: boolean;
  score: number;
  flags: FlagView[];
};

function toFlagView(r: {
  id: string;
  post_id: number;
  reason: CommunityFlagReason;
  weight: number;
  member_id: string | null;
  user_id: string | null;
  note: string | null;
  created_at: string;
  resolution: 'agreed' | 'disagreed' | null;
}): FlagView {
  return {
    id: r.id,
    postId: Number(r.post_id),
    reason: r.reason,
    weight: Number(r.weight),
    flaggedBy: r.member_id
      ? { kind: 'member', memberId: r.member_id }
      : r.user_id
        ? { kind: 'staff', userId: r.user_id }
        : { kind: 'system' },
    note: r.note,
    createdAt: r.created_at,
    resolution: r.resolution,
  };
}

/**
 * Posts with open flags, oldest post first (keyset on post id): for staff with
 * communities:moderate every space; for a member moderator the spaces they moderate.
 */
export async function reviewQueue(
  ctx: AppContext,
  who: MemberActor | Actor,
  page: PageQuery,
): Promise<Page<ReviewItem>> {
  let spaces: string[] | null = null;
  if (isMember(who)) {
    if (who.trustLevel < 4) {
      spaces = (
        await ctx.db
          .selectFrom('community_space_moderators')
          .select('space_id')
          .where('member_id', '=', who.memberId)
          .execute()
      ).map((r) => r.space_id);
      if (spaces.length === 0) throw new AppError('forbidden', 'You moderate no space');
    }
  } else requirePermission(who, 'communities:moderate');
  let q = ctx.db
    .selectFrom('community_posts')
    .innerJoin('community_threads', 'community_threads.id', 'community_posts.thread_id')
    .select([
      'community_posts.id',
      'community_posts.thread_id',
      'community_posts.number',
      'community_posts.author_member_id',
      'community_posts.body_markdown',
      'community_posts.hidden_at',
      'community_threads.space_id',
    ])
    .where('community_posts.workspace_id', '=', who.workspaceId)
    .where('community_posts.deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('community_flags')
          .select('community_flags.id')
          .whereRef('community_flags.post_id', '=', 'community_posts.id')
          .where('community_flags.resolved_at', 'is', null),
      ),
    )
    .orderBy('community_posts.id')
    .limit(page.limit + 1);
  if (spaces) q = q.where('community_threads.space_id', 'in', spaces);
  if (page.cursor !== undefined) q = q.where('community_posts.id', '>', Number(decodeCursor(page.cursor)));
  const posts = await q.execute();
  const ids = posts.map((p) => Number(p.id));
  const flags =
    ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('community_flags')
          .selectAll()
          .where('post_id', 'in', ids)
          .where('resolved_at', 'is', null)
          .orderBy('created_at')
          .execute();
  const byPost = new Map<number, FlagView[]>();
  for (const f of flags) {
    const list = byPost.get(Number(f.post_id)) ?? [];
    list.push(toFlagView(f));
    byPost.set(Number(f.post_id), list);
  }
  return toPage(
    posts,
    page.limit,
    (p) => Number(p.id),
    (p) => {
      const list = byPost.get(Number(p.id)) ?? [];
      return {
        postId: Number(p.id),
        threadId: p.thread_id,
        spaceId: p.space_id,
        postNumber: Number(p.number),
        authorMemberId: p.author_member_id,
        excerpt: p.body_markdown.slice(0, 280),
        hidden: p.hidden_at !== null,
        score: Math.round(list.reduce((s, f) => s + f.weight, 0) * 100) / 100,
        flags: list,
      };
    },
  );
}

/**
 * A moderator's decision on a flagged post. `agree`: the flags were right; the post stays (or
 * becomes) hidden, each member flagger's record improves and earns +2. `restore`: the post is
 * shown again and each member flagger's record worsens. Either way the open flags are resolved.
 */
export async function reviewPost(
  ctx: AppContext,
  who: MemberActor | Actor,
  postId: number,
  decision: 'agree' | 'restore',
): Promise<{ hidden: boolean; resolvedFlags: number }> {
  if (!isMember(who)) requirePermission(who, 'communities:moderate');
  return ctx.db.transaction().execute(async (trx) => {
    const post = await livePost(trx, who.workspaceId, postId);
    if (isMember(who)) {
      if (!(await memberModerates(ctx, who, post.space_id, trx)))
        throw new AppError('forbidden', 'You do not moderate this space');
      if (post.author_member_id === who.memberId)
        throw new AppError('forbidden', 'Another moderator reviews your own posts');
    }
    const open = await trx
      .selectFrom('community_flags')
      .select(['id', 'member_id'])
      .where('post_id', '=', postId)
      .where('resolved_at', 'is', null)
      .execute();
    const now = ctx.now().toISOString();
    const resolution = decision === 'agree' ? 'agreed' : 'disagreed';
    await trx
      .updateTable('community_flags')
      .set({
        resolved_at: now,
        resolution,
        resolved_by_user_id: isMember(who) ? null : who.userId,
        resolved_by_member_id: isMember(who) ? who.memberId : null,
      })
      .where('post_id', '=', postId)
      .where('resolved_at', 'is', null)
      .execute();
    if (decision === 'agree' && post.hidden_at === null)
      await setHidden(ctx, trx, who.workspaceId, post, now);
    if (decision === 'restore' && post.hidden_at !== null)
      await setHidden(ctx, trx, who.workspaceId, post, null);
    for (const f of open) {
      if (!f.member_id) continue;
      await trx
        .updateTable('community_members')
        .set((eb) =>
          decision === 'agree'
            ? { flags_agreed: eb('flags_agreed', '+', 1) }
            : { flags_disagreed: eb('flags_disagreed', '+', 1) },
        )
        .where('id', '=', f.member_id)
        .execute();
      if (decision === 'agree')
        await awardHelpfulFlag(ctx, trx, {
          workspaceId: who.workspaceId,
          memberId: f.member_id,
          flagId: f.id,
        });
      await recomputeTrust(ctx, f.member_id, trx);
    }
    if (post.author_member_id) await recomputeTrust(ctx, post.author_member_id, trx);
    if (!isMember(who))
      await recordAudit(ctx, trx, {
        workspaceId: who.workspaceId,
        actorUserId: who.userId,
        action: decision === 'agree' ? 'community.flags_agreed' : 'community.post_restored',
        targetType: 'community_post',
        targetId: String(postId),
        details: { flags: open.length },
      });
    return { hidden: decision === 'agree', resolvedFlags: open.length };
  });
}
