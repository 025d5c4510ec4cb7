/**
 * Trust levels: what a member has earned by taking part, computed from their reading, visits,
 * likes, replies and flags against thresholds each workspace can tune; and what each level
 * unlocks. Modelled on Discourse's levels: 0 new, 1 basic, 2 member, 3 regular (a rolling
 * window, lost when the member stops meeting it), 4 leader (granted by staff only).
 */
import { z } from '@hono/zod-openapi';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { MemberActor } from './actors.ts';

type Db = Kysely<DB> | Transaction<DB>;

const count = z.number().int().min(0).max(1_000_000);
const percent = z.number().min(0).max(100);

export const trustConfigSchema = z
  .object({
    level1: z.object({ topicsEntered: count, postsRead: count, minutesReading: count }),
    level2: z.object({
      daysVisited: count,
      likesGiven: count,
      likesReceived: count,
      topicsRepliedTo: count,
      postsRead: count,
      minutesReading: count,
    }),
    level3: z.object({
      windowDays: z.number().int().min(1).max(365),
      visitedDaysPercent: percent,
      postsReadPercent: percent,
      /** Caps the posts-read requirement in a busy community (a share of 200k posts is unreadable). */
      postsReadCap: count,
      topicsRepliedTo: count,
      likesGiven: count,
      likesReceived: count,
      flagsAgreed: count,
      /** At most this many of the member's own posts flagged with moderators agreeing, in the window. */
      maxOwnPostsFlagged: count,
      /** No demotion this many days after a promotion, so a member is not bounced on a quiet week. */
      demotionGraceDays: z.number().int().min(0).max(365),
    }),
    unlocks: z.object({
      /** The lowest level that may post links, and images. */
      postLinks: z.number().int().min(0).max(4),
      postImages: z.number().int().min(0).max(4),
      /** The lowest level that may create impromptu spaces. */
      createSpaces: z.number().int().min(0).max(4),
      /** The weight of one flag at levels 0..4 (before the flagger's track record). */
      flagWeights: z.array(z.number().min(0).max(10)).length(5),
      /** A post hides itself when its open flags weigh this much. */
      flagHideThreshold: z.number().min(0.1).max(100),
      /** Posts allowed per window for levels 0 and 1 (null: not limited; levels 2+ never are). */
      postLimits: z.object({
        level0: z.number().int().min(1).max(1000),
        level1: z.number().int().min(1).max(1000).nullable(),
        windowMinutes: z.number().int().min(1).max(1440),
      }),
    }),
  })
  .openapi('CommunityTrustConfig');

export type TrustConfig = z.infer<typeof trustConfigSchema>;

/** Defaults after Discourse's, which years of forums have tuned. */
export const defaultTrustConfig: TrustConfig = Object.freeze({
  level1: { topicsEntered: 5, postsRead: 30, minutesReading: 10 },
  level2: {
    daysVisited: 15,
    likesGiven: 1,
    likesReceived: 1,
    topicsRepliedTo: 3,
    postsRead: 100,
    minutesReading: 60,
  },
  level3: {
    windowDays: 100,
    visitedDaysPercent: 50,
    postsReadPercent: 25,
    postsReadCap: 20_000,
    topicsRepliedTo: 10,
    likesGiven: 30,
    likesReceived: 20,
    flagsAgreed: 0,
    maxOwnPostsFlagged: 5,
    demotionGraceDays: 14,
  },
  unlocks: {
    postLinks: 1,
    postImages: 1,
    createSpaces: 3,
    flagWeights: [0.5, 1, 1.5, 2, 3],
    flagHideThreshold: 3,
    postLimits: { level0: 3, level1: null, windowMinutes: 10 },
  },
}) as TrustConfig;

/** What the trust computation needs to know about a member. */
export type TrustStats = {
  /** Lifetime totals. */
  topicsEntered: number;
  postsRead: number;
  msReading: number;
  daysVisited: number;
  likesGiven: number;
  likesReceived: number;
  topicsRepliedTo: number;
  /** Within the level-3 window (the last `windowDays` days). */
  window: {
    daysVisited: number;
    postsRead: number;
    /** Posts written by anyone in the community in the window (what "read 25%" is a share of). */
    postsCreated: number;
    topicsRepliedTo: number;
    likesGiven: number;
    likesReceived: number;
    flagsAgreed: number;
    ownPostsFlagged: number;
  };
};

function meetsLevel1(s: TrustStats, c: TrustConfig): boolean {
  return (
    s.topicsEntered >= c.level1.topicsEntered &&
    s.postsRead >= c.level1.postsRead &&
    s.msReading >= c.level1.minutesReading * 60_000
  );
}

function meetsLevel2(s: TrustStats, c: TrustConfig): boolean {
  return (
    s.daysVisited >= c.level2.daysVisited &&
    s.likesGiven >= c.level2.likesGiven &&
    s.likesReceived >= c.level2.likesReceived &&
    s.topicsRepliedTo >= c.level2.topicsRepliedTo &&
    s.postsRead >= c.level2.postsRead &&
    s.msReading >= c.level2.minutesReading * 60_000
  );
}

/** The posts a member must have read in the window for level 3. */
export function level3PostsToRead(postsCreated: number, c: TrustConfig): number {
  return Math.min(Math.ceil((postsCreated * c.level3.postsReadPercent) / 100), c.level3.postsReadCap);
}

function meetsLevel3(s: TrustStats, c: TrustConfig): boolean {
  const w = s.window;
  return (
    w.daysVisited >= Math.ceil((c.level3.windowDays * c.level3.visitedDaysPercent) / 100) &&
    w.postsRead >= level3PostsToRead(w.postsCreated, c) &&
    w.topicsRepliedTo >= c.level3.topicsRepliedTo &&
    w.likesGiven >= c.level3.likesGiven &&
    w.likesReceived >= c.level3.likesReceived &&
    w.flagsAgreed >= c.level3.flagsAgreed &&
    w.ownPostsFlagged <= c.level3.maxOwnPostsFlagged
  );
}

/** The highest level (0–3) whose requirements, and every lower level's, the stats meet. Pure. */
export function trustLevelFor(stats: TrustStats, config: TrustConfig = defaultTrustConfig): number {
  if (!meetsLevel1(stats, config)) return 0;
  if (!meetsLevel2(stats, config)) return 1;
  if (!meetsLevel3(stats, config)) return 2;
  return 3;
}

/**
 * The level a member moves to. Promotion whenever earned. Levels 0–2 rest on lifetime totals and
 * never demote; level 3 rests on a rolling window and drops to 2 when no longer met, outside the
 * grace period after promotion; level 4 is a staff grant that only staff take back. Pure.
 */
export function nextTrustLevel(input: {
  current: number;
  earned: number;
  changedAt: string | null;
  now: Date;
  config?: TrustConfig;
}): number {
  const { current, earned, now } = input;
  const config = input.config ?? defaultTrustConfig;
  if (current >= 4) return current;
  if (earned >= current) return earned;
  if (current < 3) return current;
  const graceMs = config.level3.demotionGraceDays * 24 * 3600_000;
  if (input.changedAt && now.getTime() - Date.parse(input.changedAt) < graceMs) return current;
  return Math.max(earned, 2);
}

export type TrustPermissions = {
  trustLevel: number;
  postLinks: boolean;
  postImages: boolean;
  createSpaces: boolean;
  /** Moderates every space (level 4); space moderators moderate their spaces at any level. */
  moderate: boolean;
  /** The weight of this member's flags before their track record. */
  flagWeight: number;
  /** Posts per window, or null when not limited. */
  postLimit: { posts: number; windowMinutes: number } | null;
};

/** What a trust level unlocks under a workspace's configuration. Pure. */
export function permissionsFor(
  trustLevel: number,
  config: TrustConfig = defaultTrustConfig,
): TrustPermissions {
  const u = config.unlocks;
  const level = Math.max(0, Math.min(4, Math.trunc(trustLevel)));
  const posts = level === 0 ? u.postLimits.level0 : level === 1 ? u.postLimits.level1 : null;
  return {
    trustLevel: level,
    postLinks: level >= u.postLinks,
    postImages: level >= u.postImages,
    createSpaces: level >= u.createSpaces,
    moderate: level >= 4,
    flagWeight: u.flagWeights[level] ?? 1,
    postLimit: posts === null ? null : { posts, windowMinutes: u.postLimits.windowMinutes },
  };
}

// ---------------------------------------------------------------------------------------------
// Configuration per workspace

/** The workspace's trust configuration, or the defaults when it has none. */
export async function trustConfigOf(ctx: AppContext, db: Db, workspaceId: string): Promise<TrustConfig> {
  const row = await db
    .selectFrom('community_trust_config')
    .select('config')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return defaultTrustConfig;
  const parsed = trustConfigSchema.safeParse(ctx.dialect.parseJson(row.config));
  return parsed.success ? parsed.data : defaultTrustConfig;
}

export async function getTrustConfig(ctx: AppContext, actor: Actor): Promise<TrustConfig> {
  requirePermission(actor, 'communities:manage');
  return trustConfigOf(ctx, ctx.db, actor.workspaceId);
}

/** Replaces the workspace's thresholds and unlocks (communities:manage); audited. */
export async function saveTrustConfig(
  ctx: AppContext,
  actor: Actor,
  config: TrustConfig,
): Promise<TrustConfig> {
  requirePermission(actor, 'communities:manage');
  const valid = trustConfigSchema.parse(config);
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_trust_config')
      .values({
        workspace_id: actor.workspaceId,
        config: ctx.dialect.toJson(valid),
        updated_by: actor.userId,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({
          config: ctx.dialect.toJson(valid),
          updated_by: actor.userId,
          updated_at: now,
        }),
      )
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.trust_config_saved',
      targetType: 'workspace',
      targetId: actor.workspaceId,
    });
  });
  return valid;
}

// ---------------------------------------------------------------------------------------------
// Stats and recompute

/** YYYY-MM-DD of an instant, in UTC. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

const num = (v: unknown) => Number(v ?? 0);

/** A member's stats as the trust computation needs them, read from the database. */
export async function memberTrustStats(
  ctx: AppContext,
  db: Db,
  memberId: string,
  config: TrustConfig,
): Promise<TrustStats & { workspaceId: string; trustLevel: number; changedAt: string | null }> {
  const m = await db
    .selectFrom('community_members')
    .select([
      'workspace_id',
      'trust_level',
      'trust_level_changed_at',
      'posts_read',
      'time_reading_ms',
      'days_visited',
      'likes_given',
      'likes_received',
    ])
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (!m) throw new AppError('not_found', `No community member ${memberId}`);
  const now = ctx.now();
  const windowStart = new Date(now.getTime() - config.level3.windowDays * 24 * 3600_000);
  const fromDay = utcDay(windowStart);
  const fromAt = windowStart.toISOString();
  const [entered, replied, repliedWindow, days, created, agreed, ownFlagged] = await Promise.all([
    db
      .selectFrom('community_read_state')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('member_id', '=', memberId)
      .executeTakeFirst(),
    db
      .selectFrom('community_posts')
      .select(sql<number>`count(distinct thread_id)`.as('n'))
      .where('author_member_id', '=', memberId)
      .where('number', '>', 1)
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
    db
      .selectFrom('community_posts')
      .select(sql<number>`count(distinct thread_id)`.as('n'))
      .where('author_member_id', '=', memberId)
      .where('number', '>', 1)
      .where('deleted_at', 'is', null)
      .where('created_at', '>=', fromAt)
      .executeTakeFirst(),
    db
      .selectFrom('community_member_days')
      .select((eb) => [
        eb.fn.sum<number>('visited').as('visited'),
        eb.fn.sum<number>('posts_read').as('posts_read'),
        eb.fn.sum<number>('likes_given').as('likes_given'),
        eb.fn.sum<number>('likes_received').as('likes_received'),
      ])
      .where('member_id', '=', memberId)
      .where('day', '>=', fromDay)
      .executeTakeFirst(),
    db
      .selectFrom('community_posts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', m.workspace_id)
      .where('deleted_at', 'is', null)
      .where('created_at', '>=', fromAt)
      .executeTakeFirst(),
    db
      .selectFrom('community_flags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('member_id', '=', memberId)
      .where('resolution', '=', 'agreed')
      .where('resolved_at', '>=', fromAt)
      .executeTakeFirst(),
    db
      .selectFrom('community_flags')
      .innerJoin('community_posts', 'community_posts.id', 'community_flags.post_id')
      .select(sql<number>`count(distinct community_flags.post_id)`.as('n'))
      .where('community_posts.author_member_id', '=', memberId)
      .where('community_flags.resolution', '=', 'agreed')
      .where('community_flags.resolved_at', '>=', fromAt)
      .executeTakeFirst(),
  ]);
  return {
    workspaceId: m.workspace_id,
    trustLevel: num(m.trust_level),
    changedAt: m.trust_level_changed_at,
    topicsEntered: num(entered?.n),
    postsRead: num(m.posts_read),
    msReading: num(m.time_reading_ms),
    daysVisited: num(m.days_visited),
    likesGiven: num(m.likes_given),
    likesReceived: num(m.likes_received),
    topicsRepliedTo: num(replied?.n),
    window: {
      daysVisited: num(days?.visited),
      postsRead: num(days?.posts_read),
      postsCreated: num(created?.n),
      topicsRepliedTo: num(repliedWindow?.n),
      likesGiven: num(days?.likes_given),
      likesReceived: num(days?.likes_received),
      flagsAgreed: num(agreed?.n),
      ownPostsFlagged: num(ownFlagged?.n),
    },
  };
}

/** Recomputes a member's trust level from their stats, promoting or demoting; returns both levels. */
export async function recomputeTrust(
  ctx: AppContext,
  memberId: string,
  db: Db = ctx.db,
): Promise<{ from: number; to: number }> {
  const workspace = await db
    .selectFrom('community_members')
    .select('workspace_id')
    .where('id', '=', memberId)
    .executeTakeFirst();
  if (!workspace) throw new AppError('not_found', `No community member ${memberId}`);
  const config = await trustConfigOf(ctx, db, workspace.workspace_id);
  const stats = await memberTrustStats(ctx, db, memberId, config);
  const to = nextTrustLevel({
    current: stats.trustLevel,
    earned: trustLevelFor(stats, config),
    changedAt: stats.changedAt,
    now: ctx.now(),
    config,
  });
  if (to !== stats.trustLevel)
    await db
      .updateTable('community_members')
      .set({ trust_level: to, trust_level_changed_at: ctx.now().toISOString() })
      .where('id', '=', memberId)
      .execute();
  return { from: stats.trustLevel, to };
}

/** Adds to the member's counters for today (UTC), creating the day's row when needed. */
export async function addToMemberDay(
  ctx: AppContext,
  db: Db,
  member: { workspaceId: string; memberId: string },
  add: Partial<{
    visited: 1;
    posts_read: number;
    time_reading_ms: number;
    likes_given: number;
    likes_received: number;
  }>,
): Promise<void> {
  const row = {
    workspace_id: member.workspaceId,
    member_id: member.memberId,
    day: utcDay(ctx.now()),
    visited: add.visited ?? 0,
    posts_read: add.posts_read ?? 0,
    time_reading_ms: add.time_reading_ms ?? 0,
    likes_given: add.likes_given ?? 0,
    likes_received: add.likes_received ?? 0,
  };
  await db
    .insertInto('community_member_days')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['member_id', 'day']).doUpdateSet((eb) => ({
        visited: add.visited ? 1 : eb.ref('community_member_days.visited'),
        posts_read: eb('community_member_days.posts_read', '+', row.posts_read),
        time_reading_ms: eb('community_member_days.time_reading_ms', '+', row.time_reading_ms),
        likes_given: eb('community_member_days.likes_given', '+', row.likes_given),
        likes_received: eb('community_member_days.likes_received', '+', row.likes_received),
      })),
    )
    .execute();
}

const readingInput = z.object({
  threadId: z.string().min(1).max(64),
  postsRead: z.number().int().min(0).max(1000),
  /** Time spent reading; one report covers at most an hour (a tab left open counts no more). */
  msReading: z.number().int().min(0).max(3600_000),
});

/**
 * Records reading for trust levels: posts read and time spent, lifetime and for today. The UI
 * reports time with `POST /community/reading`; `markRead` reports the posts newly read.
 * Recomputes the member's level.
 */
export async function recordReading(
  ctx: AppContext,
  member: MemberActor,
  input: { threadId: string; postsRead: number; msReading: number },
): Promise<{ trustLevel: number }> {
  const valid = readingInput.parse(input);
  const thread = await ctx.db
    .selectFrom('community_threads')
    .select('id')
    .where('id', '=', valid.threadId)
    .where('workspace_id', '=', member.workspaceId)
    .executeTakeFirst();
  if (!thread) throw new AppError('not_found', `No thread ${valid.threadId}`);
  return ctx.db.transaction().execute((trx) => addReading(ctx, trx, member, valid));
}

/** `recordReading` inside the caller's transaction (markRead), for a thread already checked. */
export async function addReading(
  ctx: AppContext,
  db: Db,
  member: MemberActor,
  input: { postsRead: number; msReading: number },
): Promise<{ trustLevel: number }> {
  if (input.postsRead > 0 || input.msReading > 0) {
    await db
      .updateTable('community_members')
      .set((eb) => ({
        posts_read: eb('posts_read', '+', input.postsRead),
        time_reading_ms: eb('time_reading_ms', '+', input.msReading),
      }))
      .where('id', '=', member.memberId)
      .where('workspace_id', '=', member.workspaceId)
      .execute();
    await addToMemberDay(ctx, db, member, {
      visited: 1,
      posts_read: input.postsRead,
      time_reading_ms: input.msReading,
    });
  }
  const { to } = await recomputeTrust(ctx, member.memberId, db);
  return { trustLevel: to };
}

/**
 * Counts today's visit once per UTC day (the member middleware calls it on every authenticated
 * request; only the first of the day writes). Returns whether this was the first of the day.
 */
export async function recordVisit(
  ctx: AppContext,
  member: { workspaceId: string; memberId: string },
  lastSeenAt: string | null,
): Promise<boolean> {
  const now = ctx.now();
  if (lastSeenAt && utcDay(new Date(lastSeenAt)) === utcDay(now)) return false;
  return ctx.db.transaction().execute(async (trx) => {
    // The condition on last_seen_at makes two simultaneous first requests count one visit.
    const updated = await trx
      .updateTable('community_members')
      .set((eb) => ({ days_visited: eb('days_visited', '+', 1), last_seen_at: now.toISOString() }))
      .where('id', '=', member.memberId)
      .where((eb) =>
        eb.or([eb('last_seen_at', 'is', null), eb('last_seen_at', '<', `${utcDay(now)}T00:00:00.000Z`)]),
      )
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    await addToMemberDay(ctx, trx, member, { visited: 1 });
    await recomputeTrust(ctx, member.memberId, trx);
    return true;
  });
}

/** A gap between two site page views counts as reading up to this long (the page was read). */
export const SITE_READING_CAP_MS = 5 * 60_000;
/** A longer gap means the member left; the next page starts a new sitting and counts nothing. */
export const SITE_READING_IDLE_MS = 30 * 60_000;

/**
 * Counts a signed-in member's page view of the public site: today's visit, and reading time as
 * the gap since their previous page view in the same session, capped at SITE_READING_CAP_MS and
 * nothing after SITE_READING_IDLE_MS. The site sends no script, so the gap is the only measure.
 */
export async function recordSitePageView(
  ctx: AppContext,
  session: {
    member: MemberActor;
    sessionId: string;
    lastSeenAt: string | null;
    lastPageViewAt: string | null;
  },
): Promise<void> {
  await recordVisit(ctx, session.member, session.lastSeenAt);
  const now = ctx.now();
  const previous = session.lastPageViewAt;
  const gap = previous ? now.getTime() - Date.parse(previous) : 0;
  const ms = gap > 0 && gap <= SITE_READING_IDLE_MS ? Math.min(gap, SITE_READING_CAP_MS) : 0;
  await ctx.db.transaction().execute(async (trx) => {
    // Taking the previous view by its value makes two simultaneous pages count the gap once.
    const moved = await trx
      .updateTable('community_member_sessions')
      .set({ last_page_view_at: now.toISOString() })
      .where('id', '=', session.sessionId)
      .where((eb) =>
        previous === null ? eb('last_page_view_at', 'is', null) : eb('last_page_view_at', '=', previous),
      )
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) > 0 && ms > 0)
      await addReading(ctx, trx, session.member, { postsRead: 0, msReading: ms });
  });
}

/** Staff grant (or take back) level 4, leader; taking it back recomputes the earned level. */
export async function setLeader(
  ctx: AppContext,
  actor: Actor,
  memberId: string,
  leader: boolean,
): Promise<{ trustLevel: number }> {
  requirePermission(actor, 'communities:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const m = await trx
      .selectFrom('community_members')
      .select(['id', 'trust_level'])
      .where('id', '=', memberId)
      .where('workspace_id', '=', actor.workspaceId)
      .executeTakeFirst();
    if (!m) throw new AppError('not_found', `No community member ${memberId}`);
    const now = ctx.now().toISOString();
    if (leader)
      await trx
        .updateTable('community_members')
        .set({ trust_level: 4, trust_level_changed_at: now })
        .where('id', '=', memberId)
        .execute();
    else if (num(m.trust_level) === 4)
      // Back to level 0 first, so the recompute promotes to exactly what the member has earned.
      await trx
        .updateTable('community_members')
        .set({ trust_level: 0, trust_level_changed_at: null })
        .where('id', '=', memberId)
        .execute();
    const { to } = leader ? { to: 4 } : await recomputeTrust(ctx, memberId, trx);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: leader ? 'community.leader_granted' : 'community.leader_revoked',
      targetType: 'community_member',
      targetId: memberId,
      details: { trustLevel: to },
    });
    return { trustLevel: to };
  });
}
