import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { newId } from '../../ids.ts';
import type { MemberActor } from './actors.ts';
import { flagPost, reviewPost } from './flags.ts';
import { ideaStatusChanges, mergeIdeas, setIdeaStatus, unvoteIdea, voteIdea } from './ideas.ts';
import { searchPosts } from './search.ts';
import { closeSpace, createSpace, getSpace, listSpaces, reopenSpace, updateSpace } from './spaces.ts';
import {
  acceptAnswer,
  createThread,
  deletePost,
  editPost,
  getThread,
  listThreads,
  postRevisions,
  promoteAnswerToArticle,
  replyToThread,
} from './threads.ts';

const t = setupTestDatabase();
let n = 0;

async function member(workspaceId: string, trustLevel = 2, username?: string): Promise<MemberActor> {
  const id = newId(t.clock.now());
  await t.ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username: username ?? `member${++n}`,
      display_name: `Member ${n}`,
      trust_level: trustLevel,
      created_at: t.clock.now().toISOString(),
    })
    .execute();
  return { kind: 'member', memberId: id, workspaceId, trustLevel };
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const space = async (kind: 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements', extra: object = {}) =>
    createSpace(t.ctx, owner, { slug: `${kind}-${++n}`, title: `The ${kind}`, kind, ...extra });
  return { ws, owner, moderator, agent, space };
}

const later = () => t.clock.advance(60_000);

describe('community spaces', () => {
  it('lets owners create spaces and refuses agents', async () => {
    const { owner, agent } = await setup();
    const s = await createSpace(t.ctx, owner, { slug: 'help', title: 'Help', kind: 'qa' });
    expect(s).toMatchObject({
      slug: 'help',
      kind: 'qa',
      purpose: 'objective',
      readOnly: null,
      threadCount: 0,
    });
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('target_id', '=', s.id)
      .execute();
    expect(audit).toEqual([{ action: 'community.space_created', actor_user_id: owner.userId }]);
    await expect(createSpace(t.ctx, agent, { slug: 'x', title: 'X', kind: 'forum' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      createSpace(t.ctx, owner, { slug: 'help', title: 'Again', kind: 'forum' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('requires an end date for task spaces and only for them', async () => {
    const { owner } = await setup();
    await expect(
      createSpace(t.ctx, owner, { slug: 'launch', title: 'Launch', kind: 'forum', purpose: 'task' }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      createSpace(t.ctx, owner, {
        slug: 'perm',
        title: 'P',
        kind: 'forum',
        endsAt: '2027-01-01T00:00:00.000Z',
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('lets a member create an impromptu space only with enough trust, and only of member kinds', async () => {
    const { ws } = await setup();
    const newcomer = await member(ws.id, 0);
    const regular = await member(ws.id, 3);
    await expect(
      createSpace(t.ctx, newcomer, { slug: 'meetup', title: 'Meetup', kind: 'forum', purpose: 'impromptu' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      createSpace(t.ctx, regular, {
        slug: 'meetup',
        title: 'Meetup',
        kind: 'announcements',
        purpose: 'impromptu',
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      createSpace(t.ctx, regular, { slug: 'meetup', title: 'Meetup', kind: 'forum', purpose: 'objective' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const created = await createSpace(t.ctx, regular, {
      slug: 'meetup',
      title: 'Meetup',
      kind: 'forum',
      purpose: 'impromptu',
    });
    expect(created).toMatchObject({ purpose: 'impromptu', createdByMemberId: regular.memberId });
  });

  it('makes a task space a read-only archive once its end date passes (controlled clock)', async () => {
    const { ws, owner } = await setup();
    const ends = new Date(t.clock.now().getTime() + 3_600_000).toISOString();
    const space = await createSpace(t.ctx, owner, {
      slug: `sprint-${++n}`,
      title: 'Beta feedback',
      kind: 'forum',
      purpose: 'task',
      endsAt: ends,
    });
    const m = await member(ws.id);
    const { thread } = await createThread(t.ctx, m, {
      spaceId: space.id,
      title: 'First impressions',
      body: 'Nice',
    });
    t.clock.advance(3_600_000);
    expect((await getSpace(t.ctx, m, space.id)).readOnly).toBe('archived');
    await expect(replyToThread(t.ctx, m, thread.id, { body: 'Late' })).rejects.toMatchObject({
      code: 'space_read_only',
      details: { reason: 'archived' },
    });
    await expect(
      createThread(t.ctx, owner, { spaceId: space.id, title: 'x', body: 'y' }),
    ).rejects.toMatchObject({
      code: 'space_read_only',
    });
    // Still readable: an archive.
    const page = await getThread(t.ctx, m, thread.id, { limit: 10 });
    expect(page.posts.items).toHaveLength(1);
    // Extending the end opens it again.
    await updateSpace(t.ctx, owner, space.id, {
      endsAt: new Date(t.clock.now().getTime() + 60_000).toISOString(),
    });
    await replyToThread(t.ctx, m, thread.id, { body: 'Made it' });
  });

  it('lets moderators close a space: members no longer see it or post, staff still see it, and it can reopen', async () => {
    const { ws, moderator, agent, space } = await setup();
    const forum = await space('forum');
    const m = await member(ws.id, 2);
    const { thread } = await createThread(t.ctx, m, { spaceId: forum.id, title: 'Rude', body: 'text' });
    await expect(closeSpace(t.ctx, m, forum.id, 'harmful')).rejects.toMatchObject({ code: 'forbidden' });
    const closed = await closeSpace(t.ctx, moderator, forum.id, 'harmful');
    expect(closed).toMatchObject({ readOnly: 'closed', closedReason: 'harmful' });
    await expect(getSpace(t.ctx, m, forum.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(replyToThread(t.ctx, m, thread.id, { body: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(replyToThread(t.ctx, agent, thread.id, { body: 'x' })).rejects.toMatchObject({
      code: 'space_read_only',
      details: { reason: 'closed' },
    });
    const memberList = await listSpaces(t.ctx, m, { limit: 50 });
    expect(memberList.items.map((s) => s.id)).not.toContain(forum.id);
    const staffList = await listSpaces(t.ctx, agent, { limit: 50 });
    expect(staffList.items.map((s) => s.id)).toContain(forum.id);
    await reopenSpace(t.ctx, moderator, forum.id);
    await replyToThread(t.ctx, m, thread.id, { body: 'Sorry' });
  });

  it('lists spaces by address with keyset pages', async () => {
    const { owner } = await setup();
    for (const slug of ['c-one', 'a-one', 'b-one'])
      await createSpace(t.ctx, owner, { slug, title: slug, kind: 'forum' });
    const first = await listSpaces(t.ctx, owner, { limit: 2 });
    expect(first.items.map((s) => s.slug)).toEqual(['a-one', 'b-one']);
    const second = await listSpaces(t.ctx, owner, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((s) => s.slug)).toEqual(['c-one']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('community threads and posts', () => {
  it('opens a thread with its first post, numbers replies and keeps the counters', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const bob = await member(ws.id);
    const opened = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Hello', body: 'Hi **all**' });
    expect(opened.thread).toMatchObject({ kind: 'discussion', postCount: 1, lastPostNumber: 1 });
    expect(opened.post).toMatchObject({ number: 1, bodyHtml: '<p>Hi <strong>all</strong></p>' });
    expect(opened.post.author).toMatchObject({ type: 'member', id: ana.memberId });
    later();
    const reply = await replyToThread(t.ctx, bob, opened.thread.id, { body: 'Welcome', replyToNumber: 1 });
    expect(reply.post).toMatchObject({ number: 2, replyToNumber: 1 });
    expect(reply.thread).toMatchObject({
      postCount: 2,
      lastPostNumber: 2,
      lastPostAt: t.clock.now().toISOString(),
    });
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({ threadCount: 1, postCount: 2 });
  });

  it('quotes the post replied to above the reply', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id, 1, `ana${++n}`);
    const bob = await member(ws.id);
    const opened = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Q', body: 'Is it fast?' });
    const reply = await replyToThread(t.ctx, bob, opened.thread.id, {
      body: 'Yes',
      replyToNumber: 1,
      quote: 'Is it fast?',
    });
    expect(reply.post.bodyHtml).toBe(
      '<blockquote>\n<p><strong>Member ' +
        `${n - 1}</strong> wrote:\nIs it fast?</p>\n</blockquote>\n<p>Yes</p>`,
    );
    await expect(
      replyToThread(t.ctx, bob, opened.thread.id, { body: 'x', replyToNumber: 9 }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('links mentions of existing members only and reports them for notification', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const name = `carla${++n}`;
    const carla = await member(ws.id, 1, name);
    const ana = await member(ws.id);
    const r = await createThread(t.ctx, ana, {
      spaceId: forum.id,
      title: 'Ping',
      body: `@${name.toUpperCase()} and @nobody${n} look`,
    });
    expect(r.mentionedMemberIds).toEqual([carla.memberId]);
    expect(r.post.bodyHtml).toContain(`href="/community/u/${name.toUpperCase()}"`);
    expect(r.post.bodyHtml).toContain(`@nobody${n} look`);
    expect(r.post.bodyHtml).not.toContain(`/community/u/nobody`);
  });

  it('renders links only for members whose trust allows them', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const newcomer = await member(ws.id, 0);
    const regular = await member(ws.id, 3);
    const a = await createThread(t.ctx, newcomer, {
      spaceId: forum.id,
      title: 'a',
      body: 'see https://x.example',
    });
    expect(a.post.bodyHtml).toBe('<p>see https://x.example</p>');
    const b = await createThread(t.ctx, regular, {
      spaceId: forum.id,
      title: 'b',
      body: 'see https://x.example',
    });
    expect(b.post.bodyHtml).toContain('<a href="https://x.example" rel="nofollow ugc noopener">');
  });

  it('keeps every text of an edited post as a revision; only the author or a moderator edits', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const bob = await member(ws.id);
    const { thread, post } = await createThread(t.ctx, ana, {
      spaceId: forum.id,
      title: 'Tpyo',
      body: 'frist',
    });
    later();
    const edited = await editPost(t.ctx, ana, post.id, { body: 'first', title: 'Typo' });
    expect(edited.post).toMatchObject({ bodyHtml: '<p>first</p>', editedAt: t.clock.now().toISOString() });
    expect(edited.thread.title).toBe('Typo');
    await expect(editPost(t.ctx, bob, post.id, { body: 'hijack' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await editPost(t.ctx, moderator, post.id, { body: 'first (redacted)' });
    const revisions = await postRevisions(t.ctx, bob, post.id);
    expect(revisions.map((r) => [r.revision, r.bodyMarkdown, r.editedBy?.type])).toEqual([
      [1, 'frist', 'member'],
      [2, 'first', 'member'],
      [3, 'first (redacted)', 'staff'],
    ]);
    const reply = await replyToThread(t.ctx, bob, thread.id, { body: 'ok' });
    await expect(editPost(t.ctx, bob, reply.post.id, { body: 'x', title: 'no' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it('deletes a post softly: the text and revisions go, the number stays, counts drop', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const bob = await member(ws.id);
    const { thread } = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'T', body: 'one' });
    const reply = await replyToThread(t.ctx, bob, thread.id, { body: 'secret phone number' });
    await replyToThread(t.ctx, ana, thread.id, { body: 'three' });
    await expect(deletePost(t.ctx, ana, reply.post.id)).rejects.toMatchObject({ code: 'forbidden' });
    await deletePost(t.ctx, bob, reply.post.id);
    const page = await getThread(t.ctx, ana, thread.id, { limit: 10 });
    expect(page.posts.items.map((p) => [p.number, p.deleted, p.bodyMarkdown])).toEqual([
      [1, false, 'one'],
      [2, true, ''],
      [3, false, 'three'],
    ]);
    expect(page.thread).toMatchObject({ postCount: 2, lastPostNumber: 3 });
    expect(page.space.postCount).toBe(2);
    expect(await postRevisions(t.ctx, ana, reply.post.id)).toEqual([]);
    const stored = await t.ctx.db
      .selectFrom('community_posts')
      .select(['body_markdown', 'body_html'])
      .where('id', '=', reply.post.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ body_markdown: '', body_html: '' });
  });

  it('deleting the opening post deletes the thread and takes its posts out of the space counts', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const keep = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Keep', body: 'k' });
    const gone = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Spam', body: 'buy' });
    await replyToThread(t.ctx, ana, gone.thread.id, { body: 'more spam' });
    await deletePost(t.ctx, moderator, gone.post.id);
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({ threadCount: 1, postCount: 1 });
    const list = await listThreads(t.ctx, ana, forum.id, { limit: 10 });
    expect(list.items.map((x) => x.id)).toEqual([keep.thread.id]);
    await expect(getThread(t.ctx, ana, gone.thread.id, { limit: 10 })).rejects.toMatchObject({
      code: 'not_found',
    });
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', gone.thread.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['community.thread_deleted']);
  });

  it('leaves a hidden thread out of the space’s counts and last activity, and puts it back on restore', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const visitor = { kind: 'anonymous', workspaceId: ws.id } as const;
    const keep = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Keep', body: 'k' });
    const kept = (await replyToThread(t.ctx, ana, keep.thread.id, { body: 'reply' })).post.createdAt;
    later();
    const spam = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Spam', body: 'buy now' });
    await replyToThread(t.ctx, ana, spam.thread.id, { body: 'more spam' });
    expect(await getSpace(t.ctx, visitor, forum.id)).toMatchObject({
      threadCount: 2,
      postCount: 4,
      lastPostAt: spam.post.createdAt,
    });

    // One staff flag hides the opening post, and the thread with it.
    expect((await flagPost(t.ctx, moderator, spam.post.id, { reason: 'spam' })).hidden).toBe(true);
    const hidden = { threadCount: 1, postCount: 2, lastPostAt: kept };
    expect(await getSpace(t.ctx, visitor, forum.id)).toMatchObject(hidden);
    expect(await getSpace(t.ctx, moderator, forum.id)).toMatchObject(hidden);
    expect((await listThreads(t.ctx, visitor, forum.id, { limit: 10 })).items.map((x) => x.id)).toEqual([
      keep.thread.id,
    ]);

    await reviewPost(t.ctx, moderator, spam.post.id, 'restore');
    expect(await getSpace(t.ctx, visitor, forum.id)).toMatchObject({
      threadCount: 2,
      postCount: 4,
      lastPostAt: spam.post.createdAt,
    });
  });

  it('leaves a hidden reply out of its thread’s and space’s counts and last activity until restored', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const visitor = { kind: 'anonymous', workspaceId: ws.id } as const;
    const { thread, post } = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'T', body: 'one' });
    later();
    const rude = await replyToThread(t.ctx, ana, thread.id, { body: 'rude' });
    await flagPost(t.ctx, moderator, rude.post.id, { reason: 'offensive' });
    expect((await listThreads(t.ctx, visitor, forum.id, { limit: 10 })).items).toEqual([
      expect.objectContaining({ id: thread.id, postCount: 1, lastPostAt: post.createdAt }),
    ]);
    expect(await getSpace(t.ctx, visitor, forum.id)).toMatchObject({
      threadCount: 1,
      postCount: 1,
      lastPostAt: post.createdAt,
    });
    await reviewPost(t.ctx, moderator, rude.post.id, 'restore');
    expect((await listThreads(t.ctx, visitor, forum.id, { limit: 10 })).items).toEqual([
      expect.objectContaining({ id: thread.id, postCount: 2, lastPostAt: rude.post.createdAt }),
    ]);
    expect(await getSpace(t.ctx, visitor, forum.id)).toMatchObject({
      postCount: 2,
      lastPostAt: rude.post.createdAt,
    });
  });

  it('recounts on deletion: a hidden reply leaves the counts once, and the last activity falls back to the last post left', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const { thread, post } = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'T', body: 'one' });
    later();
    const second = await replyToThread(t.ctx, ana, thread.id, { body: 'two' });
    later();
    const third = await replyToThread(t.ctx, ana, thread.id, { body: 'three' });
    await flagPost(t.ctx, moderator, second.post.id, { reason: 'offensive' });
    await deletePost(t.ctx, moderator, second.post.id);
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({
      postCount: 2,
      lastPostAt: third.post.createdAt,
    });
    await deletePost(t.ctx, ana, third.post.id);
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({
      threadCount: 1,
      postCount: 1,
      lastPostAt: post.createdAt,
    });
    expect((await getThread(t.ctx, ana, thread.id, { limit: 10 })).thread).toMatchObject({
      postCount: 1,
      lastPostAt: post.createdAt,
    });
    await deletePost(t.ctx, ana, post.id);
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({
      threadCount: 0,
      postCount: 0,
      lastPostAt: null,
    });
  });

  it('does not count a staff reply in a hidden thread in the space until the thread is restored', async () => {
    const { ws, moderator, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const { thread, post } = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'T', body: 'one' });
    await flagPost(t.ctx, moderator, post.id, { reason: 'spam' });
    later();
    const note = await replyToThread(t.ctx, moderator, thread.id, { body: 'Looking into this' });
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({
      threadCount: 0,
      postCount: 0,
      lastPostAt: null,
    });
    await reviewPost(t.ctx, moderator, post.id, 'restore');
    expect(await getSpace(t.ctx, ana, forum.id)).toMatchObject({
      threadCount: 1,
      postCount: 2,
      lastPostAt: note.post.createdAt,
    });
  });

  it('lists threads by last activity with keyset pages', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const ids: string[] = [];
    for (const title of ['a', 'b', 'c']) {
      later();
      ids.push((await createThread(t.ctx, ana, { spaceId: forum.id, title, body: title })).thread.id);
    }
    later();
    await replyToThread(t.ctx, ana, ids[0] ?? '', { body: 'bump' });
    const first = await listThreads(t.ctx, ana, forum.id, { limit: 2 });
    expect(first.items.map((x) => x.title)).toEqual(['a', 'c']);
    const second = await listThreads(t.ctx, ana, forum.id, { limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((x) => x.title)).toEqual(['b']);
    expect(second.nextCursor).toBeNull();
  });

  it('pages a thread by post number', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const { thread } = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Long', body: 'p1' });
    for (let i = 2; i <= 5; i++) await replyToThread(t.ctx, ana, thread.id, { body: `p${i}` });
    const first = await getThread(t.ctx, { kind: 'anonymous', workspaceId: ws.id }, thread.id, { limit: 2 });
    expect(first.posts.items.map((p) => p.number)).toEqual([1, 2]);
    const rest = await getThread(t.ctx, ana, thread.id, { limit: 10, cursor: first.posts.nextCursor ?? '' });
    expect(rest.posts.items.map((p) => p.number)).toEqual([3, 4, 5]);
  });

  it('keeps announcements and knowledge-base articles for staff; members comment on announcements only', async () => {
    const { ws, agent, moderator, space } = await setup();
    const news = await space('announcements');
    const kb = await space('kb');
    const m = await member(ws.id, 4);
    await expect(createThread(t.ctx, m, { spaceId: news.id, title: 'x', body: 'y' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      createThread(t.ctx, agent, { spaceId: news.id, title: 'x', body: 'y' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    const post = await createThread(t.ctx, moderator, {
      spaceId: news.id,
      title: 'v2 is out',
      body: 'Enjoy',
    });
    expect(post.thread).toMatchObject({ kind: 'announcement', author: { type: 'staff' } });
    await replyToThread(t.ctx, m, post.thread.id, { body: 'Great!' });
    const article = await createThread(t.ctx, moderator, { spaceId: kb.id, title: 'How to', body: 'Steps' });
    await expect(replyToThread(t.ctx, m, article.thread.id, { body: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      createThread(
        t.ctx,
        { kind: 'anonymous', workspaceId: ws.id },
        { spaceId: news.id, title: 'x', body: 'y' },
      ),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('keeps workspaces apart', async () => {
    const a = await setup();
    const b = await setup();
    const forum = await a.space('forum');
    const outsider = await member(b.ws.id);
    await expect(getSpace(t.ctx, outsider, forum.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      createThread(t.ctx, outsider, { spaceId: forum.id, title: 'x', body: 'y' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(listThreads(t.ctx, b.owner, forum.id, { limit: 5 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('community Q&A', () => {
  it('lets the asker or a moderator accept one answer; accepting another replaces it', async () => {
    const { ws, moderator, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws.id);
    const helper = await member(ws.id);
    const other = await member(ws.id);
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'How?', body: 'How do I?' });
    expect(q.thread.kind).toBe('question');
    const a1 = await replyToThread(t.ctx, helper, q.thread.id, { body: 'Like this' });
    const a2 = await replyToThread(t.ctx, other, q.thread.id, { body: 'Or this' });
    await expect(acceptAnswer(t.ctx, helper, q.thread.id, a1.post.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(acceptAnswer(t.ctx, asker, q.thread.id, q.post.id)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await acceptAnswer(t.ctx, asker, q.thread.id, a1.post.id)).acceptedPostId).toBe(a1.post.id);
    expect((await acceptAnswer(t.ctx, moderator, q.thread.id, a2.post.id)).acceptedPostId).toBe(a2.post.id);
    const page = await getThread(t.ctx, asker, q.thread.id, { limit: 10 });
    expect(page.posts.items.filter((p) => p.accepted).map((p) => p.id)).toEqual([a2.post.id]);
  });

  it('refuses accepted answers on threads that are not questions', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const d = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Chat', body: 'hi' });
    const r = await replyToThread(t.ctx, ana, d.thread.id, { body: 'yo' });
    await expect(acceptAnswer(t.ctx, ana, d.thread.id, r.post.id)).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('promotes an accepted answer to a knowledge-base article crediting its author, once', async () => {
    const { ws, moderator, agent, space } = await setup();
    const qa = await space('qa');
    const kb = await space('kb');
    const asker = await member(ws.id);
    const helper = await member(ws.id);
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Reset password?', body: 'How?' });
    const a = await replyToThread(t.ctx, helper, q.thread.id, { body: 'Go to **Settings**' });
    await expect(promoteAnswerToArticle(t.ctx, moderator, a.post.id, kb.id)).rejects.toMatchObject({
      code: 'conflict',
    });
    await acceptAnswer(t.ctx, asker, q.thread.id, a.post.id);
    await expect(promoteAnswerToArticle(t.ctx, agent, a.post.id, kb.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(promoteAnswerToArticle(t.ctx, moderator, a.post.id, qa.id)).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const article = await promoteAnswerToArticle(t.ctx, moderator, a.post.id, kb.id);
    expect(article.thread).toMatchObject({
      kind: 'article',
      spaceId: kb.id,
      title: 'Reset password?',
      sourcePostId: a.post.id,
      author: { type: 'member', id: helper.memberId },
    });
    expect(article.post.bodyHtml).toBe('<p>Go to <strong>Settings</strong></p>');
    await expect(promoteAnswerToArticle(t.ctx, moderator, a.post.id, kb.id)).rejects.toMatchObject({
      code: 'conflict',
    });
    expect(await getSpace(t.ctx, asker, kb.id)).toMatchObject({ threadCount: 1, postCount: 1 });
  });
});

describe('community ideas', () => {
  it('counts each member once however often they vote, and unvoting is idempotent too', async () => {
    const { ws, owner, space } = await setup();
    const ideas = await space('ideas');
    const a = await member(ws.id);
    const b = await member(ws.id);
    const idea = await createThread(t.ctx, a, { spaceId: ideas.id, title: 'Dark mode', body: 'Please' });
    expect(idea.thread).toMatchObject({ kind: 'idea', ideaStatus: 'open', voteCount: 0 });
    expect(await voteIdea(t.ctx, a, idea.thread.id)).toEqual({ voted: true, voteCount: 1 });
    expect(await voteIdea(t.ctx, a, idea.thread.id)).toEqual({ voted: true, voteCount: 1 });
    expect(await voteIdea(t.ctx, b, idea.thread.id)).toEqual({ voted: true, voteCount: 2 });
    expect(await unvoteIdea(t.ctx, b, idea.thread.id)).toEqual({ voted: false, voteCount: 1 });
    expect(await unvoteIdea(t.ctx, b, idea.thread.id)).toEqual({ voted: false, voteCount: 1 });
    await expect(voteIdea(t.ctx, owner as never, idea.thread.id)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('sorts an idea board by votes with keyset pages', async () => {
    const { ws, space } = await setup();
    const ideas = await space('ideas');
    const voters = [await member(ws.id), await member(ws.id), await member(ws.id)];
    const made: Record<string, string> = {};
    for (const [title, votes] of [
      ['one', 1],
      ['three', 3],
      ['zero', 0],
      ['two', 2],
    ] as const) {
      const idea = await createThread(t.ctx, voters[0] as MemberActor, {
        spaceId: ideas.id,
        title,
        body: title,
      });
      made[title] = idea.thread.id;
      for (const v of voters.slice(0, votes)) await voteIdea(t.ctx, v, idea.thread.id);
    }
    const first = await listThreads(t.ctx, voters[0] as MemberActor, ideas.id, { limit: 3, sort: 'votes' });
    expect(first.items.map((x) => [x.title, x.voteCount])).toEqual([
      ['three', 3],
      ['two', 2],
      ['one', 1],
    ]);
    const rest = await listThreads(t.ctx, voters[0] as MemberActor, ideas.id, {
      limit: 3,
      sort: 'votes',
      cursor: first.nextCursor ?? '',
    });
    expect(rest.items.map((x) => x.title)).toEqual(['zero']);
    // The member's marks: voted for every idea with a vote (voter 0 is in each), not for 'zero'.
    expect(first.items.map((x) => x.voted)).toEqual([true, true, true]);
    expect(rest.items.map((x) => x.voted)).toEqual([false]);
  });

  it('records each status change with its note; members cannot change statuses', async () => {
    const { ws, moderator, space } = await setup();
    const ideas = await space('ideas');
    const a = await member(ws.id);
    const idea = await createThread(t.ctx, a, { spaceId: ideas.id, title: 'Export', body: 'CSV please' });
    await expect(
      setIdeaStatus(t.ctx, a as never, idea.thread.id, { status: 'planned' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await setIdeaStatus(t.ctx, moderator, idea.thread.id, { status: 'planned', note: 'Next quarter' });
    await setIdeaStatus(t.ctx, moderator, idea.thread.id, { status: 'planned' }); // no change, no note: nothing
    const done = await setIdeaStatus(t.ctx, moderator, idea.thread.id, { status: 'done', note: 'Shipped' });
    expect(done.ideaStatus).toBe('done');
    const changes = await ideaStatusChanges(t.ctx, a, idea.thread.id);
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.note, c.changedByUserId])).toEqual([
      ['open', 'planned', 'Next quarter', moderator.userId],
      ['planned', 'done', 'Shipped', moderator.userId],
    ]);
  });

  it('merges a duplicate idea keeping every voter once', async () => {
    const { ws, moderator, space } = await setup();
    const ideas = await space('ideas');
    const [a, b, c] = [await member(ws.id), await member(ws.id), await member(ws.id)] as [
      MemberActor,
      MemberActor,
      MemberActor,
    ];
    const keep = await createThread(t.ctx, a, { spaceId: ideas.id, title: 'Dark mode', body: 'x' });
    const dup = await createThread(t.ctx, b, { spaceId: ideas.id, title: 'Night theme', body: 'y' });
    await voteIdea(t.ctx, a, keep.thread.id);
    await voteIdea(t.ctx, b, keep.thread.id);
    await voteIdea(t.ctx, b, dup.thread.id);
    await voteIdea(t.ctx, c, dup.thread.id);
    const merged = await mergeIdeas(t.ctx, moderator, dup.thread.id, keep.thread.id, 'Same request');
    expect(merged.voteCount).toBe(3);
    const voters = await t.ctx.db
      .selectFrom('community_idea_votes')
      .select('member_id')
      .where('thread_id', '=', keep.thread.id)
      .orderBy('member_id')
      .execute();
    expect(voters.map((v) => v.member_id)).toEqual([a.memberId, b.memberId, c.memberId].sort());
    const page = await getThread(t.ctx, a, dup.thread.id, { limit: 1 });
    expect(page.thread).toMatchObject({
      ideaStatus: 'duplicate',
      duplicateOfThreadId: keep.thread.id,
      voteCount: 0,
    });
    await expect(voteIdea(t.ctx, a, dup.thread.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(mergeIdeas(t.ctx, moderator, dup.thread.id, keep.thread.id)).rejects.toMatchObject({
      code: 'conflict',
    });
    const changes = await ideaStatusChanges(t.ctx, a, dup.thread.id);
    expect(changes.map((x) => [x.toStatus, x.duplicateOfThreadId])).toEqual([['duplicate', keep.thread.id]]);
  });
});

describe('community search', () => {
  it('finds posts by all their words, best match first, leaving out deleted, hidden and other workspaces', async () => {
    const { ws, moderator, space } = await setup();
    const other = await setup();
    const forum = await space('forum');
    const elsewhere = await other.space('forum');
    const a = await member(ws.id);
    const strong = await createThread(t.ctx, a, {
      spaceId: forum.id,
      title: 'Baggage',
      body: 'Lost baggage again. The baggage desk said my baggage is lost.',
    });
    const weak = await createThread(t.ctx, a, {
      spaceId: forum.id,
      title: 'Trip',
      body: 'A long trip report with many words where lost baggage appears once among everything else.',
    });
    const deleted = await replyToThread(t.ctx, a, weak.thread.id, { body: 'lost baggage deleted' });
    await deletePost(t.ctx, a, deleted.post.id);
    const hidden = await replyToThread(t.ctx, a, weak.thread.id, { body: 'lost baggage hidden' });
    await t.ctx.db
      .updateTable('community_posts')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', hidden.post.id)
      .execute();
    await createThread(t.ctx, await member(other.ws.id), {
      spaceId: elsewhere.id,
      title: 'x',
      body: 'lost baggage elsewhere',
    });
    await createThread(t.ctx, a, { spaceId: forum.id, title: 'y', body: 'only baggage here' });
    const hits = await searchPosts(t.ctx, a, { q: 'LOST baggage' });
    expect(hits.map((h) => h.postId)).toEqual([strong.post.id, weak.post.id]);
    expect(hits[0]).toMatchObject({ threadTitle: 'Baggage', spaceId: forum.id, postNumber: 1 });
    expect((hits[0]?.score ?? 0) > (hits[1]?.score ?? 0)).toBe(true);
    expect(hits[1]?.excerpt).toContain('lost baggage');
    expect(await searchPosts(t.ctx, moderator, { q: '"); drop table --' })).toEqual([]);
    expect(await searchPosts(t.ctx, moderator, { q: '*** "" --' })).toEqual([]);
  });

  it('finds a thread by the words of its title at its opening post, and excerpts keep names as written', async () => {
    const { ws, space } = await setup();
    const qa = await space('qa');
    const a = await member(ws.id);
    const q = await createThread(t.ctx, a, {
      spaceId: qa.id,
      title: 'Is there a lactose-free meal option?',
      body: 'Asking for my trip next week, @qa_mia said to ask here (see case #20). _Thanks_ in advance.',
    });
    const reply = await replyToThread(t.ctx, a, q.thread.id, {
      body: 'Lactose-free meals exist, ask at booking.',
    });
    const other = await createThread(t.ctx, a, {
      spaceId: qa.id,
      title: 'Seats',
      body: 'A lactose question too',
    });
    const hits = await searchPosts(t.ctx, a, { q: 'lactose' });
    expect(hits[0]).toMatchObject({ postId: q.post.id, postNumber: 1, threadTitle: q.thread.title });
    expect(hits.map((h) => h.postId).sort()).toEqual([q.post.id, reply.post.id, other.post.id].sort());
    // Every word must be in the title (or in one post): "lactose seats" names neither.
    expect(await searchPosts(t.ctx, a, { q: 'lactose seats' })).toEqual([]);
    expect((await searchPosts(t.ctx, a, { q: 'meal option' })).map((h) => h.postId)).toEqual([q.post.id]);
    expect(hits[0]?.excerpt).toBe(
      'Asking for my trip next week, @qa_mia said to ask here (see case #20). Thanks in advance.',
    );
  });

  it('finds an edited post by its new words only, and filters by space', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const qa = await space('qa');
    const a = await member(ws.id);
    const p = await createThread(t.ctx, a, { spaceId: forum.id, title: 't', body: 'zebra crossing' });
    await createThread(t.ctx, a, { spaceId: qa.id, title: 'q', body: 'giraffe question' });
    await editPost(t.ctx, a, p.post.id, { body: 'giraffe crossing' });
    expect(await searchPosts(t.ctx, a, { q: 'zebra' })).toEqual([]);
    expect((await searchPosts(t.ctx, a, { q: 'giraffe' })).length).toBe(2);
    const inForum = await searchPosts(t.ctx, a, { q: 'giraffe', spaceId: forum.id });
    expect(inForum.map((h) => h.postId)).toEqual([p.post.id]);
  });

  it('finds the best matches in one space when thousands of better ones are elsewhere', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const qa = await space('qa');
    const a = await member(ws.id);
    // 3,400 strong matches in the forum push the Q&A space's weaker ones past every round of
    // best candidates: the search must still find them (by ranking every match at the end).
    const crowd = await createThread(t.ctx, a, { spaceId: forum.id, title: 'crowd', body: 'kiwi kiwi kiwi' });
    const now = t.clock.now().toISOString();
    const extra = Array.from({ length: 3400 }, (_, i) => ({
      workspace_id: ws.id,
      thread_id: crowd.thread.id,
      number: i + 2,
      body_markdown: 'kiwi kiwi kiwi',
      body_html: '<p>kiwi kiwi kiwi</p>',
      created_at: now,
    }));
    for (let i = 0; i < extra.length; i += 400)
      await t.ctx.db
        .insertInto('community_posts')
        .values(extra.slice(i, i + 400))
        .execute();
    const weak: number[] = [];
    for (let i = 0; i < 25; i++) {
      const body = `a question about the kiwi ${'and other things '.repeat(1 + (i % 5))}number ${i}`;
      weak.push((await createThread(t.ctx, a, { spaceId: qa.id, title: `q${i}`, body })).post.id);
    }
    const inQa = await searchPosts(t.ctx, a, { q: 'kiwi', spaceId: qa.id, limit: 20 });
    expect(inQa).toHaveLength(20);
    expect(inQa.every((h) => h.spaceId === qa.id && weak.includes(h.postId))).toBe(true);
    const scores = inQa.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    const everywhere = await searchPosts(t.ctx, a, { q: 'kiwi', limit: 20 });
    expect(everywhere.every((h) => h.spaceId === forum.id)).toBe(true);
  });
});
