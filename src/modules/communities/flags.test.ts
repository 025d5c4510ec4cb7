import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import {
  checkPostingAllowed,
  flagPost,
  flagWeight,
  reviewPost,
  reviewQueue,
  screenNewPost,
} from './flags.ts';
import { setSpaceModerator, suspendMember } from './members.ts';
import { insertMember, insertPost, insertSpace } from './members-fixtures.ts';
import { createThread, replyToThread } from './threads.ts';

const t = setupTestDatabase();

async function post(postId: number) {
  return t.ctx.db
    .selectFrom('community_posts')
    .select(['hidden_at'])
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
}

async function member(memberId: string) {
  return t.ctx.db
    .selectFrom('community_members')
    .select(['flags_agreed', 'flags_disagreed', 'points'])
    .where('id', '=', memberId)
    .executeTakeFirstOrThrow();
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  const moderator = await buildUser(t.ctx, ws, { role: 'moderator' });
  const spaceId = await insertSpace(t.ctx, ws.id);
  const author = await insertMember(t.ctx, ws.id);
  const flaggers = [
    await insertMember(t.ctx, ws.id, { trustLevel: 1 }),
    await insertMember(t.ctx, ws.id, { trustLevel: 1 }),
    await insertMember(t.ctx, ws.id, { trustLevel: 1 }),
  ] as const;
  const { threadId, postId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: author.memberId });
  return { ws, owner, moderator, spaceId, author, flaggers, threadId, postId };
}

describe('flagWeight', () => {
  it('weighs by trust level and by the share of past flags moderators agreed with', () => {
    expect(flagWeight({ trustLevel: 1, agreed: 0, disagreed: 0 })).toBe(1);
    expect(flagWeight({ trustLevel: 0, agreed: 0, disagreed: 0 })).toBe(0.5);
    expect(flagWeight({ trustLevel: 3, agreed: 0, disagreed: 0 })).toBe(2);
    expect(flagWeight({ trustLevel: 1, agreed: 8, disagreed: 0 })).toBe(1.8);
    expect(flagWeight({ trustLevel: 1, agreed: 0, disagreed: 8 })).toBe(0.25);
    expect(flagWeight({ trustLevel: 1, agreed: 1000, disagreed: 0 })).toBeLessThanOrEqual(2);
  });
});

describe('weighted flags', () => {
  it('hide a post exactly when their weight reaches the threshold, and a moderator can restore it', async () => {
    const { ws, spaceId, moderator, flaggers, threadId, postId } = await setup();
    const [a, b, c] = flaggers;
    expect((await flagPost(t.ctx, a, postId, { reason: 'offensive' })).hidden).toBe(false);
    expect((await flagPost(t.ctx, b, postId, { reason: 'offensive' })).hidden).toBe(false);
    expect((await post(postId)).hidden_at).toBeNull();
    const third = await flagPost(t.ctx, c, postId, { reason: 'off_topic', note: 'not about flights' });
    expect(third.hidden).toBe(true);
    expect((await post(postId)).hidden_at).not.toBeNull();
    // The opening post hides its thread with it.
    const thread = await t.ctx.db
      .selectFrom('community_threads')
      .select('hidden_at')
      .where('id', '=', threadId)
      .executeTakeFirstOrThrow();
    expect(thread.hidden_at).not.toBeNull();

    const queue = await reviewQueue(t.ctx, moderator.actor, { limit: 10 });
    expect(queue.items).toEqual([
      expect.objectContaining({ postId, hidden: true, score: 3, flags: expect.any(Array) }),
    ]);
    expect(queue.items[0]?.flags).toHaveLength(3);

    expect(await reviewPost(t.ctx, moderator.actor, postId, 'restore')).toEqual({
      hidden: false,
      resolvedFlags: 3,
    });
    expect((await post(postId)).hidden_at).toBeNull();
    expect((await reviewQueue(t.ctx, moderator.actor, { limit: 10 })).items).toEqual([]);
    for (const f of flaggers)
      expect(await member(f.memberId)).toMatchObject({ flags_disagreed: 1, points: 0 });
    // A worse record weighs less next time: (0 + 1) / (1 + 2) × 2.
    const again = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null });
    expect((await flagPost(t.ctx, a, again.postId, { reason: 'spam' })).flag.weight).toBeCloseTo(2 / 3, 2);
  });

  it('improves the flaggers’ record and gives +2 each when a moderator agrees; the post stays hidden', async () => {
    const { owner, flaggers, postId } = await setup();
    for (const f of flaggers) await flagPost(t.ctx, f, postId, { reason: 'spam' });
    expect(await reviewPost(t.ctx, owner.actor, postId, 'agree')).toEqual({ hidden: true, resolvedFlags: 3 });
    expect((await post(postId)).hidden_at).not.toBeNull();
    for (const f of flaggers) expect(await member(f.memberId)).toMatchObject({ flags_agreed: 1, points: 2 });
    // Agreeing again finds nothing open and pays nothing twice.
    expect(await reviewPost(t.ctx, owner.actor, postId, 'agree')).toEqual({ hidden: true, resolvedFlags: 0 });
    for (const f of flaggers) expect(await member(f.memberId)).toMatchObject({ points: 2 });
  });

  it('takes one flag per flagger and post, never on one’s own post', async () => {
    const { author, flaggers, postId } = await setup();
    await flagPost(t.ctx, flaggers[0], postId, { reason: 'other' });
    await expect(flagPost(t.ctx, flaggers[0], postId, { reason: 'spam' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(flagPost(t.ctx, author, postId, { reason: 'spam' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('lets member moderators review their own spaces only, and staff need communities:moderate', async () => {
    const { ws, owner, spaceId, flaggers, postId } = await setup();
    const elsewhere = await insertSpace(t.ctx, ws.id);
    const mod = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const otherMod = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    await setSpaceModerator(t.ctx, owner.actor, { spaceId, memberId: mod.memberId, moderator: true });
    await setSpaceModerator(t.ctx, owner.actor, {
      spaceId: elsewhere,
      memberId: otherMod.memberId,
      moderator: true,
    });
    await flagPost(t.ctx, flaggers[0], postId, { reason: 'spam' });

    expect((await reviewQueue(t.ctx, mod, { limit: 10 })).items.map((i) => i.postId)).toEqual([postId]);
    expect((await reviewQueue(t.ctx, otherMod, { limit: 10 })).items).toEqual([]);
    await expect(reviewPost(t.ctx, otherMod, postId, 'agree')).rejects.toMatchObject({ code: 'forbidden' });
    const plain = await insertMember(t.ctx, ws.id, { trustLevel: 3 });
    await expect(reviewQueue(t.ctx, plain, { limit: 10 })).rejects.toMatchObject({ code: 'forbidden' });
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    await expect(reviewQueue(t.ctx, agent.actor, { limit: 10 })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await reviewPost(t.ctx, mod, postId, 'agree')).toEqual({ hidden: true, resolvedFlags: 1 });
  });
});

describe('spam and posting limits', () => {
  it('hides a new member’s spam by a system flag, and leaves trusted members’ posts alone', async () => {
    const { ws, spaceId, moderator } = await setup();
    const newcomer = await insertMember(t.ctx, ws.id);
    const spamText = 'Buy followers now!! Click here, earn $500 a day working from home, guaranteed profit';
    const spam = await insertPost(t.ctx, ws.id, {
      spaceId,
      authorMemberId: newcomer.memberId,
      body: spamText,
    });
    expect(await screenNewPost(t.ctx, newcomer, spam.postId)).toEqual({ spam: true, hidden: true });
    const queue = await reviewQueue(t.ctx, moderator.actor, { limit: 10 });
    expect(queue.items.find((i) => i.postId === spam.postId)?.flags).toEqual([
      expect.objectContaining({ reason: 'spam', flaggedBy: { kind: 'system' } }),
    ]);

    const ham = await insertPost(t.ctx, ws.id, {
      spaceId,
      authorMemberId: newcomer.memberId,
      body: 'Does the lounge in terminal 2 open before 6am?',
    });
    expect(await screenNewPost(t.ctx, newcomer, ham.postId)).toEqual({ spam: false, hidden: false });
    const regular = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const trusted = await insertPost(t.ctx, ws.id, {
      spaceId,
      authorMemberId: regular.memberId,
      body: spamText,
    });
    expect(await screenNewPost(t.ctx, regular, trusted.postId)).toEqual({ spam: false, hidden: false });
  });

  it('limits a level-0 member to 3 posts per 10 minutes, level 2 not at all', async () => {
    const { ws, spaceId } = await setup();
    const newcomer = await insertMember(t.ctx, ws.id);
    for (let i = 0; i < 3; i++) {
      await checkPostingAllowed(t.ctx, newcomer);
      await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: newcomer.memberId });
      t.clock.advance(60_000);
    }
    await expect(checkPostingAllowed(t.ctx, newcomer)).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: 420, scope: 'member' },
    });
    t.clock.advance(7 * 60_000);
    await checkPostingAllowed(t.ctx, newcomer);

    const regular = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    for (let i = 0; i < 12; i++)
      await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: regular.memberId });
    await checkPostingAllowed(t.ctx, regular);
  });

  it('applies to writing threads and replies: a 4th post is refused, spam is hidden on arrival', async () => {
    const { ws, spaceId } = await setup();
    const newcomer = await insertMember(t.ctx, ws.id);
    const first = await createThread(t.ctx, newcomer, {
      spaceId,
      title: 'Seat pitch',
      body: 'How much legroom?',
    });
    await replyToThread(t.ctx, newcomer, first.thread.id, { body: 'Asking for the A321.' });
    const spam = await createThread(t.ctx, newcomer, {
      spaceId,
      title: 'Great offer',
      body: 'Buy followers now!! Click here, earn $500 a day working from home, guaranteed profit',
    });
    expect((await post(spam.post.id)).hidden_at).not.toBeNull();
    expect((await post(first.post.id)).hidden_at).toBeNull();
    await expect(replyToThread(t.ctx, newcomer, first.thread.id, { body: 'Anyone?' })).rejects.toMatchObject({
      code: 'rate_limited',
    });
  });

  it('refuses posts from a suspended member until the suspension ends', async () => {
    const { ws, moderator } = await setup();
    const m = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const until = new Date(t.clock.now().getTime() + 3600_000).toISOString();
    await suspendMember(t.ctx, moderator.actor, m.memberId, until);
    await expect(checkPostingAllowed(t.ctx, m)).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'suspended' },
    });
    t.clock.advance(3600_000);
    await checkPostingAllowed(t.ctx, m);
  });
});
