import { expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createSpace } from '../../modules/communities/spaces.ts';
import { createThread, replyToThread } from '../../modules/communities/threads.ts';
import { up } from './0030_community_visible_counts.ts';

const t = setupTestDatabase();

it('recounts threads and spaces from the posts visitors can read: hidden and deleted ones left out', async () => {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const forum = await createSpace(t.ctx, owner, { slug: 'forum', title: 'Forum', kind: 'forum' });
  const empty = await createSpace(t.ctx, owner, { slug: 'empty', title: 'Empty', kind: 'forum' });
  const at = (minutes: number) =>
    t.clock.set(new Date(Date.parse('2026-11-23T09:00:00.000Z') + minutes * 60_000).toISOString());
  at(0);
  const keep = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Keep', body: 'one' });
  at(1);
  const kept = await replyToThread(t.ctx, owner, keep.thread.id, { body: 'two' });
  at(2);
  const hiddenReply = await replyToThread(t.ctx, owner, keep.thread.id, { body: 'rude' });
  at(3);
  const deletedReply = await replyToThread(t.ctx, owner, keep.thread.id, { body: 'oops' });
  at(4);
  const spam = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Spam', body: 'win' });
  await replyToThread(t.ctx, owner, spam.thread.id, { body: 'win more' });
  // As an install made before 0030 was: hidden by hand, deleted in place, counters as they were kept then.
  const now = t.clock.now().toISOString();
  await t.ctx.db
    .updateTable('community_posts')
    .set({ hidden_at: now })
    .where('id', 'in', [hiddenReply.post.id, spam.post.id])
    .execute();
  await t.ctx.db
    .updateTable('community_threads')
    .set({ hidden_at: now })
    .where('id', '=', spam.thread.id)
    .execute();
  await t.ctx.db
    .updateTable('community_posts')
    .set({ deleted_at: now })
    .where('id', '=', deletedReply.post.id)
    .execute();
  await t.ctx.db
    .updateTable('community_threads')
    .set({ post_count: 3 })
    .where('id', '=', keep.thread.id)
    .execute();
  await t.ctx.db
    .updateTable('community_spaces')
    .set({ thread_count: 2, post_count: 5, last_post_at: now })
    .where('id', '=', forum.id)
    .execute();
  // A space with nothing visible, whose counters had drifted.
  await t.ctx.db
    .updateTable('community_spaces')
    .set({ thread_count: 1, post_count: 1, last_post_at: now })
    .where('id', '=', empty.id)
    .execute();

  await up(t.ctx.db, t.ctx.dialect);

  const threads = await t.ctx.db
    .selectFrom('community_threads')
    .select(['id', 'post_count', 'last_post_at'])
    .orderBy('created_at')
    .execute();
  expect(threads.map((r) => [r.id, Number(r.post_count), r.last_post_at])).toEqual([
    [keep.thread.id, 2, kept.post.createdAt],
    // A hidden thread keeps counting its opening post, for the staff who still see it.
    [spam.thread.id, 2, spam.post.createdAt],
  ]);
  const spaces = await t.ctx.db
    .selectFrom('community_spaces')
    .select(['slug', 'thread_count', 'post_count', 'last_post_at'])
    .orderBy('slug')
    .execute();
  expect(spaces.map((r) => [r.slug, Number(r.thread_count), Number(r.post_count), r.last_post_at])).toEqual([
    ['empty', 0, 0, null],
    ['forum', 1, 2, kept.post.createdAt],
  ]);
});
