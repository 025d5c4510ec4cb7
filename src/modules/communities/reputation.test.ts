import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { flagPost, reviewPost } from './flags.ts';
import { setIdeaStatus } from './ideas.ts';
import { insertMember, insertPost, insertSpace } from './members-fixtures.ts';
import {
  awardAcceptedAnswer,
  awardIdeaDelivered,
  likePost,
  pointsLedger,
  rankFor,
  revokeAcceptedAnswer,
  unlikePost,
} from './reputation.ts';
import { createSpace } from './spaces.ts';
import { acceptAnswer, createThread, deletePost, replyToThread, unacceptAnswer } from './threads.ts';

const t = setupTestDatabase();

async function member(memberId: string) {
  return t.ctx.db
    .selectFrom('community_members')
    .select(['points', 'rank', 'likes_given', 'likes_received'])
    .where('id', '=', memberId)
    .executeTakeFirstOrThrow();
}

/** A workspace with an owner, a moderator and a Q&A space. */
async function qaWorkspace() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  const qa = await createSpace(t.ctx, owner.actor, { slug: 'help', title: 'Help', kind: 'qa' });
  return { ws, owner, moderator, qa };
}

/** A member's points ledger, oldest line first. */
async function ledgerLines(memberId: string) {
  const rows = await t.ctx.db
    .selectFrom('community_points_ledger')
    .select(['points', 'reason', 'ref'])
    .where('member_id', '=', memberId)
    .orderBy('id')
    .execute();
  return rows.map((l) => ({ ...l, points: Number(l.points) }));
}

async function likeCount(postId: number) {
  const row = await t.ctx.db
    .selectFrom('community_posts')
    .select('like_count')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  return Number(row.like_count);
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const spaceId = await insertSpace(t.ctx, ws.id);
  const author = await insertMember(t.ctx, ws.id);
  const reader = await insertMember(t.ctx, ws.id);
  // The author answers in a thread someone else opened (self-answers earn no accepted-answer points).
  const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: null });
  const { postId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: author.memberId, threadId });
  return { ws, spaceId, author, reader, threadId, postId };
}

describe('ranks', () => {
  it('names ranks by points, each from its threshold on', () => {
    expect([0, 49, 50, 199, 200, 499, 500, 1499, 1500, 10_000].map(rankFor)).toEqual([
      'Newcomer',
      'Newcomer',
      'Contributor',
      'Contributor',
      'Regular',
      'Regular',
      'Expert',
      'Expert',
      'Champion',
      'Champion',
    ]);
  });
});

describe('likes', () => {
  it('counts a like once, gives the author a point, and takes both back on unlike, idempotently', async () => {
    const { author, reader, postId } = await setup();
    expect(await likePost(t.ctx, reader, postId)).toEqual({ liked: true, likeCount: 1 });
    expect(await likePost(t.ctx, reader, postId)).toEqual({ liked: true, likeCount: 1 });
    expect(await likeCount(postId)).toBe(1);
    expect(await member(author.memberId)).toMatchObject({ points: 1, likes_received: 1 });
    expect(await member(reader.memberId)).toMatchObject({ points: 0, likes_given: 1 });

    expect(await unlikePost(t.ctx, reader, postId)).toEqual({ liked: false, likeCount: 0 });
    expect(await unlikePost(t.ctx, reader, postId)).toEqual({ liked: false, likeCount: 0 });
    expect(await likeCount(postId)).toBe(0);
    expect(await member(author.memberId)).toMatchObject({ points: 0, likes_received: 0 });
    expect(await member(reader.memberId)).toMatchObject({ likes_given: 0 });
  });

  it('refuses liking your own post, and hidden or deleted posts', async () => {
    const { ws, spaceId, author, reader, postId } = await setup();
    await expect(likePost(t.ctx, author, postId)).rejects.toMatchObject({ code: 'forbidden' });
    const hidden = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: author.memberId });
    await t.ctx.db
      .updateTable('community_posts')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', hidden.postId)
      .execute();
    await expect(likePost(t.ctx, reader, hidden.postId)).rejects.toMatchObject({ code: 'not_found' });
    const other = await buildWorkspace(t.ctx);
    const stranger = await insertMember(t.ctx, other.id);
    await expect(likePost(t.ctx, stranger, postId)).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('awards', () => {
  it('gives +15 for an accepted answer once, and takes it back when the acceptance moves', async () => {
    const { ws, author, postId } = await setup();
    expect(await awardAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId })).toBe(true);
    expect(await awardAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId })).toBe(false);
    expect(await member(author.memberId)).toMatchObject({ points: 15 });
    expect(await revokeAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId })).toBe(true);
    expect(await revokeAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId })).toBe(false);
    expect(await member(author.memberId)).toMatchObject({ points: 0 });
    expect(await awardAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId })).toBe(true);
    expect(await member(author.memberId)).toMatchObject({ points: 15 });
  });

  it('gives +10 to the idea author when it is delivered, once, and ranks follow points', async () => {
    const { ws, spaceId, author } = await setup();
    const { threadId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: author.memberId });
    await t.ctx.db
      .updateTable('community_members')
      .set({ points: 45 })
      .where('id', '=', author.memberId)
      .execute();
    expect(await awardIdeaDelivered(t.ctx, { workspaceId: ws.id, threadId })).toBe(true);
    expect(await awardIdeaDelivered(t.ctx, { workspaceId: ws.id, threadId })).toBe(false);
    expect(await member(author.memberId)).toMatchObject({ points: 55, rank: 'Contributor' });
  });

  it('explains points line by line, newest first, to the member and to staff only', async () => {
    const { ws, author, reader, postId } = await setup();
    await likePost(t.ctx, reader, postId);
    await awardAcceptedAnswer(t.ctx, { workspaceId: ws.id, postId });
    const page = await pointsLedger(t.ctx, author, author.memberId, { limit: 1 });
    expect(page.items).toEqual([expect.objectContaining({ points: 15, reason: 'accepted_answer' })]);
    const next = await pointsLedger(t.ctx, author, author.memberId, {
      limit: 1,
      cursor: page.nextCursor ?? '',
    });
    expect(next.items).toEqual([expect.objectContaining({ points: 1, reason: 'like_received' })]);
    expect(next.nextCursor).toBeNull();
    await expect(pointsLedger(t.ctx, reader, author.memberId, { limit: 10 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    const all = await pointsLedger(t.ctx, agent.actor, author.memberId, { limit: 10 });
    expect(all.items.reduce((s, e) => s + e.points, 0)).toBe((await member(author.memberId)).points);
  });

  it('follows Q&A and idea boards: accepting, moving and withdrawing an answer, delivering an idea', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const qa = await createSpace(t.ctx, owner.actor, { slug: 'help', title: 'Help', kind: 'qa' });
    const ideasSpace = await createSpace(t.ctx, owner.actor, {
      slug: 'ideas',
      title: 'Ideas',
      kind: 'ideas',
    });
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const first = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const second = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Pets in cabin?',
      body: 'Can my cat fly with me?',
    });
    const a1 = await replyToThread(t.ctx, first, q.thread.id, { body: 'Yes, under 8 kg.' });
    const a2 = await replyToThread(t.ctx, second, q.thread.id, {
      body: 'Yes, in a soft carrier under 8 kg.',
    });
    const own = await replyToThread(t.ctx, asker, q.thread.id, { body: 'Found it myself.' });

    await acceptAnswer(t.ctx, asker, q.thread.id, a1.post.id);
    expect((await member(first.memberId)).points).toBe(15);
    await acceptAnswer(t.ctx, asker, q.thread.id, a2.post.id);
    expect((await member(first.memberId)).points).toBe(0);
    expect((await member(second.memberId)).points).toBe(15);
    await acceptAnswer(t.ctx, asker, q.thread.id, own.post.id);
    expect((await member(second.memberId)).points).toBe(0);
    expect((await member(asker.memberId)).points).toBe(0);
    await acceptAnswer(t.ctx, asker, q.thread.id, a2.post.id);
    await unacceptAnswer(t.ctx, asker, q.thread.id);
    expect((await member(second.memberId)).points).toBe(0);

    const idea = await createThread(t.ctx, asker, {
      spaceId: ideasSpace.id,
      title: 'Seat maps',
      body: 'Show them.',
    });
    await setIdeaStatus(t.ctx, owner.actor, idea.thread.id, { status: 'planned' });
    expect((await member(asker.memberId)).points).toBe(0);
    await setIdeaStatus(t.ctx, owner.actor, idea.thread.id, { status: 'done' });
    await setIdeaStatus(t.ctx, owner.actor, idea.thread.id, { status: 'done', note: 'Shipped in the app' });
    expect((await member(asker.memberId)).points).toBe(10);
  });

  it('takes back an accepted answer’s points while moderation hides it and gives them back on restore, never twice', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const answerer = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const a = await replyToThread(t.ctx, answerer, q.thread.id, { body: 'Yes, under 8 kg.' });
    await acceptAnswer(t.ctx, asker, q.thread.id, a.post.id);
    const ledger = async () =>
      (await pointsLedger(t.ctx, answerer, answerer.memberId, { limit: 50 })).items
        .filter((e) => e.reason === 'accepted_answer')
        .map((e) => e.points)
        .reverse();

    expect((await flagPost(t.ctx, moderator, a.post.id, { reason: 'spam' })).hidden).toBe(true);
    expect((await member(answerer.memberId)).points).toBe(0);
    expect(await ledger()).toEqual([15, -15]);
    await reviewPost(t.ctx, moderator, a.post.id, 'restore');
    expect((await member(answerer.memberId)).points).toBe(15);
    // Hidden again (a moderator agreeing with a new flag) and restored again; a second restore of
    // a visible post changes nothing.
    await reviewPost(t.ctx, moderator, a.post.id, 'agree');
    expect((await member(answerer.memberId)).points).toBe(0);
    await reviewPost(t.ctx, moderator, a.post.id, 'agree');
    await reviewPost(t.ctx, moderator, a.post.id, 'restore');
    await reviewPost(t.ctx, moderator, a.post.id, 'restore');
    expect((await member(answerer.memberId)).points).toBe(15);
    expect(await ledger()).toEqual([15, -15, 15, -15, 15]);
    // Accepting it again while visible changes nothing either.
    await acceptAnswer(t.ctx, asker, q.thread.id, a.post.id);
    expect((await member(answerer.memberId)).points).toBe(15);
  });

  it('gives no points back on restore when the acceptance moved or was withdrawn while the answer was hidden', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const first = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const second = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const a1 = await replyToThread(t.ctx, first, q.thread.id, { body: 'Yes, under 8 kg.' });
    const a2 = await replyToThread(t.ctx, second, q.thread.id, { body: 'Yes, in a soft carrier.' });

    await acceptAnswer(t.ctx, asker, q.thread.id, a1.post.id);
    await flagPost(t.ctx, moderator, a1.post.id, { reason: 'spam' });
    await acceptAnswer(t.ctx, asker, q.thread.id, a2.post.id);
    await reviewPost(t.ctx, moderator, a1.post.id, 'restore');
    expect((await member(first.memberId)).points).toBe(0);
    expect((await member(second.memberId)).points).toBe(15);

    await flagPost(t.ctx, moderator, a2.post.id, { reason: 'spam' });
    expect((await member(second.memberId)).points).toBe(0);
    await unacceptAnswer(t.ctx, asker, q.thread.id);
    await reviewPost(t.ctx, moderator, a2.post.id, 'restore');
    expect((await member(second.memberId)).points).toBe(0);
  });

  it('takes nothing from an asker whose own accepted answer is hidden, nor from anyone for a hidden answer never accepted', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const other = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const own = await replyToThread(t.ctx, asker, q.thread.id, { body: 'Found it myself.' });
    const plain = await replyToThread(t.ctx, other, q.thread.id, { body: 'No idea.' });
    await acceptAnswer(t.ctx, asker, q.thread.id, own.post.id);
    await flagPost(t.ctx, moderator, own.post.id, { reason: 'spam' });
    await flagPost(t.ctx, moderator, plain.post.id, { reason: 'spam' });
    await reviewPost(t.ctx, moderator, own.post.id, 'restore');
    await reviewPost(t.ctx, moderator, plain.post.id, 'restore');
    expect((await member(asker.memberId)).points).toBe(0);
    expect((await member(other.memberId)).points).toBe(0);
    const lines = await t.ctx.db
      .selectFrom('community_points_ledger')
      .select('id')
      .where('member_id', 'in', [asker.memberId, other.memberId])
      .execute();
    expect(lines).toEqual([]);
  });

  it('takes back an accepted answer’s points when it is deleted, once, and nothing for a deleted answer never accepted', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const answerer = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const other = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const a = await replyToThread(t.ctx, answerer, q.thread.id, { body: 'Yes, under 8 kg.' });
    const plain = await replyToThread(t.ctx, other, q.thread.id, { body: 'No idea.' });
    await acceptAnswer(t.ctx, asker, q.thread.id, a.post.id);
    expect((await member(answerer.memberId)).points).toBe(15);

    // The author deletes their own accepted answer; a second delete of it changes nothing.
    await deletePost(t.ctx, answerer, a.post.id);
    await deletePost(t.ctx, answerer, a.post.id);
    expect((await member(answerer.memberId)).points).toBe(0);
    expect(await ledgerLines(answerer.memberId)).toEqual([
      { points: 15, reason: 'accepted_answer', ref: `post:${a.post.id}` },
      { points: -15, reason: 'accepted_answer', ref: `post:${a.post.id}` },
    ]);
    const thread = await t.ctx.db
      .selectFrom('community_threads')
      .select('accepted_post_id')
      .where('id', '=', q.thread.id)
      .executeTakeFirstOrThrow();
    expect(thread.accepted_post_id).toBeNull();

    // A moderator deleting an answer never accepted takes nothing from anyone.
    await deletePost(t.ctx, moderator, plain.post.id);
    expect((await member(other.memberId)).points).toBe(0);
    expect(await ledgerLines(other.memberId)).toEqual([]);
  });

  it('takes back the points of an accepted answer a moderator deletes, and nothing more for one already hidden', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const first = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const second = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q1 = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const q2 = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Bags?', body: 'How many bags?' });
    const a1 = await replyToThread(t.ctx, first, q1.thread.id, { body: 'Yes, under 8 kg.' });
    const a2 = await replyToThread(t.ctx, second, q2.thread.id, { body: 'Two.' });
    await acceptAnswer(t.ctx, asker, q1.thread.id, a1.post.id);
    await acceptAnswer(t.ctx, asker, q2.thread.id, a2.post.id);

    await deletePost(t.ctx, moderator, a1.post.id);
    expect((await member(first.memberId)).points).toBe(0);

    // Hidden first (its points already taken back), then deleted: no second reversing line.
    await flagPost(t.ctx, moderator, a2.post.id, { reason: 'spam' });
    await deletePost(t.ctx, moderator, a2.post.id);
    expect((await member(second.memberId)).points).toBe(0);
    const ledger = await pointsLedger(t.ctx, second, second.memberId, { limit: 50 });
    expect(ledger.items.map((e) => e.points).reverse()).toEqual([15, -15]);
  });

  it('takes back the points of the answer a thread accepted when the whole thread is deleted, by its asker or a moderator, once', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const first = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const second = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const replier = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q1 = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const q2 = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Bags?', body: 'How many bags?' });
    const q3 = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Seats?', body: 'Window?' });
    const a1 = await replyToThread(t.ctx, first, q1.thread.id, { body: 'Yes, under 8 kg.' });
    const a2 = await replyToThread(t.ctx, second, q2.thread.id, { body: 'Two.' });
    await replyToThread(t.ctx, replier, q3.thread.id, { body: 'Ask at the desk.' });
    await acceptAnswer(t.ctx, asker, q1.thread.id, a1.post.id);
    await acceptAnswer(t.ctx, asker, q2.thread.id, a2.post.id);
    expect((await member(first.memberId)).points).toBe(15);
    expect((await member(second.memberId)).points).toBe(15);

    // The asker deletes their question (its opening post); deleting it again (a moderator, who
    // still sees it) changes nothing.
    await deletePost(t.ctx, asker, q1.post.id);
    await deletePost(t.ctx, moderator, q1.post.id);
    expect((await member(first.memberId)).points).toBe(0);
    expect(await ledgerLines(first.memberId)).toEqual([
      { points: 15, reason: 'accepted_answer', ref: `post:${a1.post.id}` },
      { points: -15, reason: 'accepted_answer', ref: `post:${a1.post.id}` },
    ]);
    const deleted = await t.ctx.db
      .selectFrom('community_threads')
      .select(['deleted_at', 'accepted_post_id'])
      .where('id', '=', q1.thread.id)
      .executeTakeFirstOrThrow();
    expect(deleted.deleted_at).not.toBeNull();
    expect(deleted.accepted_post_id).toBeNull();

    // A moderator deletes the other question; then its answer too: one reversing line.
    await deletePost(t.ctx, moderator, q2.post.id);
    await deletePost(t.ctx, moderator, a2.post.id);
    expect((await member(second.memberId)).points).toBe(0);
    expect((await ledgerLines(second.memberId)).map((l) => l.points)).toEqual([15, -15]);

    // A deleted thread with no accepted answer takes nothing from anyone.
    await deletePost(t.ctx, moderator, q3.post.id);
    expect(await ledgerLines(replier.memberId)).toEqual([]);
  });

  it('adds no line when a thread whose accepted answer is hidden is deleted, and gives nothing back on restoring that answer', async () => {
    const { ws, moderator, qa } = await qaWorkspace();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const answerer = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets?', body: 'Can my cat fly?' });
    const a = await replyToThread(t.ctx, answerer, q.thread.id, { body: 'Yes, under 8 kg.' });
    await acceptAnswer(t.ctx, asker, q.thread.id, a.post.id);
    await flagPost(t.ctx, moderator, a.post.id, { reason: 'spam' });
    expect((await member(answerer.memberId)).points).toBe(0);

    await deletePost(t.ctx, moderator, q.post.id);
    await reviewPost(t.ctx, moderator, a.post.id, 'restore');
    expect((await member(answerer.memberId)).points).toBe(0);
    const ledger = await pointsLedger(t.ctx, answerer, answerer.memberId, { limit: 50 });
    expect(ledger.items.map((e) => e.points).reverse()).toEqual([15, -15]);
  });
});
