import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { insertMember, insertPost, insertSpace } from './members-fixtures.ts';
import { markRead } from './reading.ts';
import {
  defaultTrustConfig as c,
  getTrustConfig,
  level3PostsToRead,
  nextTrustLevel,
  permissionsFor,
  recomputeTrust,
  recordReading,
  recordVisit,
  saveTrustConfig,
  setLeader,
  type TrustStats,
  trustLevelFor,
} from './trust.ts';

const none: TrustStats = {
  topicsEntered: 0,
  postsRead: 0,
  msReading: 0,
  daysVisited: 0,
  likesGiven: 0,
  likesReceived: 0,
  topicsRepliedTo: 0,
  window: {
    daysVisited: 0,
    postsRead: 0,
    postsCreated: 0,
    topicsRepliedTo: 0,
    likesGiven: 0,
    likesReceived: 0,
    flagsAgreed: 0,
    ownPostsFlagged: 0,
  },
};

/** Exactly at level 1's thresholds. */
const level1: TrustStats = {
  ...none,
  topicsEntered: c.level1.topicsEntered,
  postsRead: c.level1.postsRead,
  msReading: c.level1.minutesReading * 60_000,
};
/** Exactly at level 2's thresholds (and so above level 1's). */
const level2: TrustStats = {
  ...level1,
  daysVisited: c.level2.daysVisited,
  likesGiven: c.level2.likesGiven,
  likesReceived: c.level2.likesReceived,
  topicsRepliedTo: c.level2.topicsRepliedTo,
  postsRead: c.level2.postsRead,
  msReading: c.level2.minutesReading * 60_000,
};
/** Exactly at level 3's window thresholds with 1,000 posts written in the window. */
const level3: TrustStats = {
  ...level2,
  window: {
    daysVisited: 50,
    postsRead: 250,
    postsCreated: 1000,
    topicsRepliedTo: c.level3.topicsRepliedTo,
    likesGiven: c.level3.likesGiven,
    likesReceived: c.level3.likesReceived,
    flagsAgreed: c.level3.flagsAgreed,
    ownPostsFlagged: c.level3.maxOwnPostsFlagged,
  },
};

const below = (s: TrustStats, key: keyof TrustStats, by = 1): TrustStats => ({
  ...s,
  [key]: (s[key] as number) - by,
});
const belowWindow = (s: TrustStats, key: keyof TrustStats['window'], by = 1): TrustStats => ({
  ...s,
  window: { ...s.window, [key]: s.window[key] - by },
});

describe('trustLevelFor', () => {
  it('gives level 0 to a new member', () => {
    expect(trustLevelFor(none)).toBe(0);
  });

  it('reaches level 1 exactly at each of its thresholds, not one below, and stays there above', () => {
    expect(trustLevelFor(level1)).toBe(1);
    expect(trustLevelFor(below(level1, 'topicsEntered'))).toBe(0);
    expect(trustLevelFor(below(level1, 'postsRead'))).toBe(0);
    expect(trustLevelFor(below(level1, 'msReading'))).toBe(0);
    expect(trustLevelFor({ ...level1, topicsEntered: 6, postsRead: 31, msReading: 11 * 60_000 })).toBe(1);
  });

  it('reaches level 2 exactly at each of its thresholds, not one below', () => {
    expect(trustLevelFor(level2)).toBe(2);
    for (const key of [
      'daysVisited',
      'likesGiven',
      'likesReceived',
      'topicsRepliedTo',
      'postsRead',
      'msReading',
    ] as const)
      expect(trustLevelFor(below(level2, key)), key).toBe(1);
    expect(trustLevelFor({ ...level2, daysVisited: 16, likesGiven: 2, likesReceived: 2 })).toBe(2);
  });

  it('reaches level 3 exactly at its rolling thresholds, not one below', () => {
    expect(trustLevelFor(level3)).toBe(3);
    for (const key of ['daysVisited', 'postsRead', 'topicsRepliedTo', 'likesGiven', 'likesReceived'] as const)
      expect(trustLevelFor(belowWindow(level3, key)), key).toBe(2);
    // One own post too many flagged with moderators agreeing.
    expect(trustLevelFor(belowWindow(level3, 'ownPostsFlagged', -1))).toBe(2);
    expect(trustLevelFor({ ...level3, window: { ...level3.window, daysVisited: 51, postsRead: 251 } })).toBe(
      3,
    );
  });

  it('asks for a share of the posts written in the window, capped for busy communities', () => {
    expect(level3PostsToRead(1000, c)).toBe(250);
    expect(level3PostsToRead(1001, c)).toBe(251);
    expect(level3PostsToRead(1_000_000, c)).toBe(20_000);
  });

  it('follows a workspace configuration', () => {
    const strict = { ...c, level1: { ...c.level1, postsRead: 31 } };
    expect(trustLevelFor(level1, strict)).toBe(0);
    const helpful = { ...c, level3: { ...c.level3, flagsAgreed: 1 } };
    expect(trustLevelFor(level3, helpful)).toBe(2);
    expect(trustLevelFor(belowWindow(level3, 'flagsAgreed', -1), helpful)).toBe(3);
  });
});

describe('nextTrustLevel', () => {
  const now = new Date('2026-11-23T09:00:00.000Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 24 * 3600_000).toISOString();

  it('promotes as soon as a level is earned', () => {
    expect(nextTrustLevel({ current: 0, earned: 1, changedAt: null, now })).toBe(1);
    expect(nextTrustLevel({ current: 1, earned: 3, changedAt: daysAgo(1), now })).toBe(3);
  });

  it('never demotes levels 0 to 2, whose requirements are lifetime totals', () => {
    expect(nextTrustLevel({ current: 1, earned: 0, changedAt: daysAgo(200), now })).toBe(1);
    expect(nextTrustLevel({ current: 2, earned: 1, changedAt: daysAgo(200), now })).toBe(2);
  });

  it('demotes level 3 to 2 when the window is no longer met, after the grace period only', () => {
    expect(nextTrustLevel({ current: 3, earned: 2, changedAt: daysAgo(15), now })).toBe(2);
    expect(nextTrustLevel({ current: 3, earned: 2, changedAt: daysAgo(14), now })).toBe(2);
    expect(nextTrustLevel({ current: 3, earned: 2, changedAt: daysAgo(13.9), now })).toBe(3);
    expect(nextTrustLevel({ current: 3, earned: 1, changedAt: daysAgo(30), now })).toBe(2);
    expect(nextTrustLevel({ current: 3, earned: 3, changedAt: daysAgo(30), now })).toBe(3);
  });

  it('keeps level 4, a staff grant, whatever the stats', () => {
    expect(nextTrustLevel({ current: 4, earned: 0, changedAt: daysAgo(300), now })).toBe(4);
  });
});

describe('permissionsFor', () => {
  it('unlocks links and images at 1, impromptu spaces at 3, moderation at 4, heavier flags with trust', () => {
    const p0 = permissionsFor(0);
    expect(p0).toMatchObject({ postLinks: false, postImages: false, createSpaces: false, moderate: false });
    expect(p0.postLimit).toEqual({ posts: 3, windowMinutes: 10 });
    expect(permissionsFor(1)).toMatchObject({ postLinks: true, postImages: true, createSpaces: false });
    expect(permissionsFor(1).postLimit).toBeNull();
    expect(permissionsFor(2).postLimit).toBeNull();
    expect(permissionsFor(3)).toMatchObject({ createSpaces: true, moderate: false });
    expect(permissionsFor(4)).toMatchObject({ createSpaces: true, moderate: true });
    const weights = [0, 1, 2, 3, 4].map((l) => permissionsFor(l).flagWeight);
    expect(weights).toEqual([...weights].sort((a, b) => a - b));
    expect(weights[0]).toBeLessThan(weights[4] as number);
  });

  it('follows the workspace configuration', () => {
    const config = {
      ...c,
      unlocks: {
        ...c.unlocks,
        postLinks: 2,
        createSpaces: 2,
        postLimits: { level0: 1, level1: 5, windowMinutes: 60 },
      },
    };
    expect(permissionsFor(0, config).postLimit).toEqual({ posts: 1, windowMinutes: 60 });
    expect(permissionsFor(1, config).postLimit).toEqual({ posts: 5, windowMinutes: 60 });
    expect(permissionsFor(1, config)).toMatchObject({ postLinks: false, createSpaces: false });
    expect(permissionsFor(2, config)).toMatchObject({ postLinks: true, createSpaces: true });
  });
});

// ------------------------------------------------------------------ against the database

const t = setupTestDatabase();
const day = 24 * 3600_000;

async function memberRow(memberId: string) {
  return t.ctx.db
    .selectFrom('community_members')
    .selectAll()
    .where('id', '=', memberId)
    .executeTakeFirstOrThrow();
}

/** Read-state rows (part of marking a thread read) for `n` new threads: the topics entered. */
async function enterTopics(workspaceId: string, spaceId: string, memberId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const { threadId } = await insertPost(t.ctx, workspaceId, { spaceId, authorMemberId: null });
    await t.ctx.db
      .insertInto('community_read_state')
      .values({
        workspace_id: workspaceId,
        member_id: memberId,
        thread_id: threadId,
        last_read_number: 1,
        updated_at: t.clock.now().toISOString(),
      })
      .execute();
  }
}

describe('recordReading and recomputeTrust', () => {
  it('promotes to level 1 on the reading that reaches the last threshold, not before', async () => {
    const ws = await buildWorkspace(t.ctx);
    const spaceId = await insertSpace(t.ctx, ws.id);
    const member = await insertMember(t.ctx, ws.id);
    await enterTopics(ws.id, spaceId, member.memberId, 4);
    const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null });
    expect(await recordReading(t.ctx, member, { threadId, postsRead: 30, msReading: 10 * 60_000 })).toEqual({
      trustLevel: 0,
    });
    await enterTopics(ws.id, spaceId, member.memberId, 1);
    expect(await recordReading(t.ctx, member, { threadId, postsRead: 0, msReading: 0 })).toEqual({
      trustLevel: 1,
    });
    const row = await memberRow(member.memberId);
    expect(Number(row.posts_read)).toBe(30);
    expect(Number(row.time_reading_ms)).toBe(600_000);
    expect(row.trust_level).toBe(1);
  });

  it('counts the posts a member newly marks read, never twice', async () => {
    const ws = await buildWorkspace(t.ctx);
    const spaceId = await insertSpace(t.ctx, ws.id);
    const member = await insertMember(t.ctx, ws.id);
    const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null });
    for (let i = 0; i < 4; i++) await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null, threadId });
    await t.ctx.db
      .updateTable('community_threads')
      .set({ last_post_number: 5, post_count: 5 })
      .where('id', '=', threadId)
      .execute();
    await markRead(t.ctx, member, threadId, 3);
    await markRead(t.ctx, member, threadId, 2);
    await markRead(t.ctx, member, threadId, 5);
    expect(Number((await memberRow(member.memberId)).posts_read)).toBe(5);
  });

  it('counts a visit once per UTC day', async () => {
    const ws = await buildWorkspace(t.ctx);
    const member = await insertMember(t.ctx, ws.id);
    t.clock.set('2026-12-01T23:00:00.000Z');
    expect(await recordVisit(t.ctx, member, null)).toBe(true);
    const seen = (await memberRow(member.memberId)).last_seen_at;
    expect(await recordVisit(t.ctx, member, seen)).toBe(false);
    // Someone else's request raced ahead with a stale last_seen_at: still one visit.
    expect(await recordVisit(t.ctx, member, null)).toBe(false);
    t.clock.set('2026-12-02T00:30:00.000Z');
    expect(await recordVisit(t.ctx, member, seen)).toBe(true);
    expect((await memberRow(member.memberId)).days_visited).toBe(2);
    const days = await t.ctx.db
      .selectFrom('community_member_days')
      .select(['day', 'visited'])
      .where('member_id', '=', member.memberId)
      .orderBy('day')
      .execute();
    expect(days).toEqual([
      { day: '2026-12-01', visited: 1 },
      { day: '2026-12-02', visited: 1 },
    ]);
  });

  it('promotes to level 3 when the rolling window is met and demotes to 2 once it no longer is', async () => {
    t.clock.set('2026-06-01T12:00:00.000Z');
    const ws = await buildWorkspace(t.ctx);
    const spaceId = await insertSpace(t.ctx, ws.id);
    const other = await insertMember(t.ctx, ws.id);
    const member = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    // Lifetime totals of level 2, and 10 topics replied to with 20 posts written by anyone.
    await t.ctx.db
      .updateTable('community_members')
      .set({
        days_visited: 60,
        posts_read: 500,
        time_reading_ms: 3 * 3600_000,
        likes_given: 40,
        likes_received: 30,
      })
      .where('id', '=', member.memberId)
      .execute();
    await enterTopics(ws.id, spaceId, member.memberId, 5);
    for (let i = 0; i < 10; i++) {
      const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: other.memberId });
      await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: member.memberId, threadId });
    }
    // 49 visited days in the window, with enough reading and likes: one day short.
    for (let i = 0; i < 49; i++)
      await t.ctx.db
        .insertInto('community_member_days')
        .values({
          workspace_id: ws.id,
          member_id: member.memberId,
          day: new Date(t.clock.now().getTime() - i * day).toISOString().slice(0, 10),
          visited: 1,
          posts_read: 10,
          time_reading_ms: 60_000,
          likes_given: 1,
          likes_received: 1,
        })
        .execute();
    expect(await recomputeTrust(t.ctx, member.memberId)).toEqual({ from: 2, to: 2 });
    t.clock.advance(day);
    await recordVisit(t.ctx, member, (await memberRow(member.memberId)).last_seen_at);
    expect((await memberRow(member.memberId)).trust_level).toBe(3);

    // Within the grace period a quiet spell changes nothing; after it, the member drops to 2.
    t.clock.advance(13 * day);
    expect(await recomputeTrust(t.ctx, member.memberId)).toEqual({ from: 3, to: 3 });
    t.clock.advance(60 * day);
    expect(await recomputeTrust(t.ctx, member.memberId)).toEqual({ from: 3, to: 2 });
  });
});

describe('staff settings', () => {
  it('lets owners and admins change thresholds, which the next recompute follows', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    await expect(getTrustConfig(t.ctx, agent.actor)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await getTrustConfig(t.ctx, owner.actor)).toEqual(c);
    const easy = { ...c, level1: { topicsEntered: 0, postsRead: 1, minutesReading: 0 } };
    await saveTrustConfig(t.ctx, owner.actor, easy);
    expect(await getTrustConfig(t.ctx, owner.actor)).toEqual(easy);
    const spaceId = await insertSpace(t.ctx, ws.id);
    const member = await insertMember(t.ctx, ws.id);
    const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null });
    expect(await recordReading(t.ctx, member, { threadId, postsRead: 1, msReading: 0 })).toEqual({
      trustLevel: 1,
    });
  });

  it('grants level 4 by staff only, kept by recomputes, and taking it back returns the earned level', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const moderator = await buildUser(t.ctx, ws, { role: 'moderator' });
    const member = await insertMember(t.ctx, ws.id, { trustLevel: 1 });
    await expect(setLeader(t.ctx, moderator.actor, member.memberId, true)).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(await setLeader(t.ctx, owner.actor, member.memberId, true)).toEqual({ trustLevel: 4 });
    expect(await recomputeTrust(t.ctx, member.memberId)).toEqual({ from: 4, to: 4 });
    expect(await setLeader(t.ctx, owner.actor, member.memberId, false)).toEqual({ trustLevel: 0 });
  });
});
