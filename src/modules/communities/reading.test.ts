import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { newId } from '../../ids.ts';
import type { MemberActor } from './actors.ts';
import { markAllRead, markRead, unreadCounts, unreadInThreads } from './reading.ts';
import { closeSpace, createSpace } from './spaces.ts';
import { createThread, deletePost, listThreads, replyToThread } from './threads.ts';

const t = setupTestDatabase();
let n = 0;

async function member(workspaceId: string, trustLevel = 2): Promise<MemberActor> {
  const id = newId(t.clock.now());
  await t.ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username: `reader${++n}`,
      display_name: `Reader ${n}`,
      trust_level: trustLevel,
      created_at: t.clock.now().toISOString(),
    })
    .execute();
  return { kind: 'member', memberId: id, workspaceId, trustLevel };
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const space = () => createSpace(t.ctx, owner, { slug: `s-${++n}`, title: `Space ${n}`, kind: 'forum' });
  return { ws, owner, space };
}

const tick = () => t.clock.advance(1000);

describe('read tracking', () => {
  it('counts threads started after the member joined, not the history before until they open it', async () => {
    const { ws, space } = await setup();
    const forum = await space();
    const author = await member(ws.id);
    const old = await createThread(t.ctx, author, { spaceId: forum.id, title: 'Old', body: 'before' });
    await replyToThread(t.ctx, author, old.thread.id, { body: 'also before' });
    tick();
    const reader = await member(ws.id);
    tick();
    expect(await unreadCounts(t.ctx, reader)).toEqual([]);
    await replyToThread(t.ctx, author, old.thread.id, { body: 'after' });
    const fresh = await createThread(t.ctx, author, { spaceId: forum.id, title: 'New', body: 'after' });
    await replyToThread(t.ctx, author, fresh.thread.id, { body: 'after, again' });
    expect(await unreadCounts(t.ctx, reader)).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 2 }]);
    expect(await unreadInThreads(t.ctx, reader, [old.thread.id, fresh.thread.id])).toEqual(
      new Map([[fresh.thread.id, 2]]),
    );

    // Once opened, an old thread is followed like any other: what comes next is new.
    await markRead(t.ctx, reader, old.thread.id, 3);
    await replyToThread(t.ctx, author, old.thread.id, { body: 'news' });
    expect(await unreadCounts(t.ctx, reader)).toEqual([{ spaceId: forum.id, unreadThreads: 2, newPosts: 3 }]);
    expect(await unreadInThreads(t.ctx, reader, [old.thread.id, fresh.thread.id])).toEqual(
      new Map([
        [old.thread.id, 1],
        [fresh.thread.id, 2],
      ]),
    );
  });

  it('is exact after reads, new posts and deletions', async () => {
    const { ws, space } = await setup();
    const forum = await space();
    const reader = await member(ws.id);
    const author = await member(ws.id);
    tick();
    const a = await createThread(t.ctx, author, { spaceId: forum.id, title: 'A', body: 'a1' });
    const a2 = await replyToThread(t.ctx, author, a.thread.id, { body: 'a2' });
    await replyToThread(t.ctx, author, a.thread.id, { body: 'a3' });
    const b = await createThread(t.ctx, author, { spaceId: forum.id, title: 'B', body: 'b1' });
    const counts = () => unreadCounts(t.ctx, reader, [forum.id]);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 2, newPosts: 4 }]);

    // Reading part of A.
    expect(await markRead(t.ctx, reader, a.thread.id, 2)).toEqual({
      threadId: a.thread.id,
      previous: 0,
      lastReadNumber: 2,
    });
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 2, newPosts: 2 }]);

    // Reading an older post again moves nothing back.
    expect((await markRead(t.ctx, reader, a.thread.id, 1)).lastReadNumber).toBe(2);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 2, newPosts: 2 }]);

    // Reading beyond the end is clamped to the last post.
    expect((await markRead(t.ctx, reader, b.thread.id, 99)).lastReadNumber).toBe(1);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 1 }]);

    // A new post in a read thread.
    tick();
    const b2 = await replyToThread(t.ctx, author, b.thread.id, { body: 'b2' });
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 2, newPosts: 2 }]);

    // Deleting an unread post: it stops counting, and the thread with nothing else new is read.
    await deletePost(t.ctx, author, b2.post.id);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 1 }]);

    // Deleting an already-read post changes nothing.
    await deletePost(t.ctx, author, a2.post.id);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 1 }]);

    // Deleting a whole thread removes everything new in it.
    await deletePost(t.ctx, author, a.post.id);
    expect(await counts()).toEqual([{ spaceId: forum.id, unreadThreads: 0, newPosts: 0 }]);
  });

  it('does not count hidden posts, and counts them again when restored', async () => {
    const { ws, space } = await setup();
    const forum = await space();
    const reader = await member(ws.id);
    const author = await member(ws.id);
    tick();
    const a = await createThread(t.ctx, author, { spaceId: forum.id, title: 'A', body: 'a1' });
    const hidden = await replyToThread(t.ctx, author, a.thread.id, { body: 'spam' });
    const hide = (at: string | null) =>
      t.ctx.db
        .updateTable('community_posts')
        .set({ hidden_at: at })
        .where('id', '=', hidden.post.id)
        .execute();
    await hide(t.clock.now().toISOString());
    expect(await unreadCounts(t.ctx, reader)).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 1 }]);
    await hide(null);
    expect(await unreadCounts(t.ctx, reader)).toEqual([{ spaceId: forum.id, unreadThreads: 1, newPosts: 2 }]);
  });

  it('marks the thread read up to a post the member writes, and shows new posts on the thread list', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space();
    const reader = await member(ws.id);
    const author = await member(ws.id);
    tick();
    const a = await createThread(t.ctx, author, { spaceId: forum.id, title: 'A', body: 'a1' });
    await replyToThread(t.ctx, author, a.thread.id, { body: 'a2' });
    await replyToThread(t.ctx, reader, a.thread.id, { body: 'my reply' });
    expect(await unreadCounts(t.ctx, reader)).toEqual([]);
    await createThread(t.ctx, reader, { spaceId: forum.id, title: 'Mine', body: 'x' });
    expect(await unreadCounts(t.ctx, reader)).toEqual([]);
    tick();
    await replyToThread(t.ctx, author, a.thread.id, { body: 'a4' });
    expect(await unreadInThreads(t.ctx, reader, [a.thread.id])).toEqual(new Map([[a.thread.id, 1]]));
    const list = await listThreads(t.ctx, reader, forum.id, { limit: 10 });
    expect(list.items.map((x) => [x.title, x.newPosts, x.voted])).toEqual([
      ['A', 1, null],
      ['Mine', 0, null],
    ]);
    const staffList = await listThreads(t.ctx, owner, forum.id, { limit: 10 });
    expect(staffList.items.map((x) => x.newPosts)).toEqual([null, null]);
  });

  it('marks everything read, in one space or everywhere', async () => {
    const { ws, space } = await setup();
    const one = await space();
    const two = await space();
    const reader = await member(ws.id);
    const author = await member(ws.id);
    tick();
    for (const s of [one, two]) {
      const th = await createThread(t.ctx, author, { spaceId: s.id, title: 'T', body: 'x' });
      await replyToThread(t.ctx, author, th.thread.id, { body: 'y' });
      await createThread(t.ctx, author, { spaceId: s.id, title: 'U', body: 'z' });
    }
    await markRead(
      t.ctx,
      reader,
      (await createThread(t.ctx, author, { spaceId: one.id, title: 'V', body: 'v' })).thread.id,
      1,
    );
    expect(await unreadCounts(t.ctx, reader, [one.id, two.id])).toEqual([
      { spaceId: one.id, unreadThreads: 2, newPosts: 3 },
      { spaceId: two.id, unreadThreads: 2, newPosts: 3 },
    ]);
    expect(await markAllRead(t.ctx, reader, one.id)).toEqual({ threads: 2 });
    expect(await unreadCounts(t.ctx, reader, [one.id, two.id])).toEqual([
      { spaceId: one.id, unreadThreads: 0, newPosts: 0 },
      { spaceId: two.id, unreadThreads: 2, newPosts: 3 },
    ]);
    await markAllRead(t.ctx, reader);
    expect(await unreadCounts(t.ctx, reader)).toEqual([]);
    tick();
    await replyToThread(
      t.ctx,
      author,
      (await createThread(t.ctx, author, { spaceId: two.id, title: 'W', body: 'w' })).thread.id,
      { body: 'w2' },
    );
    expect(await unreadCounts(t.ctx, reader)).toEqual([{ spaceId: two.id, unreadThreads: 1, newPosts: 2 }]);
  });

  it('gives the counts of 50 spaces in one call, leaving out closed spaces', async () => {
    const { ws, owner, space } = await setup();
    const reader = await member(ws.id);
    const author = await member(ws.id);
    tick();
    const spaces = [];
    for (let i = 0; i < 50; i++) {
      const s = await space();
      spaces.push(s);
      for (let j = 0; j < i % 3; j++) {
        const th = await createThread(t.ctx, author, { spaceId: s.id, title: `T${j}`, body: 'x' });
        if (j === 1) await replyToThread(t.ctx, author, th.thread.id, { body: 'y' });
      }
    }
    const closed = spaces[2];
    if (!closed) throw new Error('no space');
    await closeSpace(t.ctx, owner, closed.id, 'test');
    const counts = await unreadCounts(
      t.ctx,
      reader,
      spaces.map((s) => s.id),
    );
    expect(counts).toHaveLength(50);
    const expected = spaces.map((s, i) =>
      s.id === closed.id
        ? { spaceId: s.id, unreadThreads: 0, newPosts: 0 }
        : { spaceId: s.id, unreadThreads: i % 3, newPosts: i % 3 === 2 ? 3 : i % 3 },
    );
    expect(counts).toEqual(expected);
  });

  it('is for members only', async () => {
    const { owner } = await setup();
    await expect(unreadCounts(t.ctx, owner as never)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
