import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createTestClock } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { loadConfig } from '../../config.ts';
import { createContext } from '../../context.ts';
import { createLogger } from '../../log.ts';
import { setIdeaStatus, voteIdea } from '../../modules/communities/ideas.ts';
import { listMemberNotifications, notifyIdeaStatusChanges } from '../../modules/communities/loop.ts';
import { insertMember } from '../../modules/communities/members-fixtures.ts';
import { createSpace } from '../../modules/communities/spaces.ts';
import { createThread, replyToThread } from '../../modules/communities/threads.ts';
import { openSqlite } from '../client.ts';
import { createHeavyReader } from '../heavy-read.ts';
import { migrateTo, migrateToLatest } from '../migrate.ts';

// SQLite rebuilds the table (PostgreSQL alters it in place, which the suites on PostgreSQL cover):
// this is the path that copies rows, so it is tested over data written before it.
const dir = mkdtempSync(path.join(tmpdir(), 'rapport-0036-'));
const database = openSqlite(path.join(dir, 'rapport.sqlite'));
const heavy = createHeavyReader(database);
afterAll(async () => {
  await heavy.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

it('keeps the idea notifications written before it, ids and read marks included, and lets posts be told after it', async () => {
  await migrateTo(database, '0035_community_answer_and_title_history');
  const clock = createTestClock();
  const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), secretKey: 'x'.repeat(40) };
  const ctx = createContext(database, heavy, config, createLogger({ logLevel: 'silent' }), clock.now);
  const ws = await buildWorkspace(ctx);
  const owner = (await buildUser(ctx, ws, { role: 'owner' })).actor;
  const ideas = await createSpace(ctx, owner, { slug: 'ideas', title: 'Ideas', kind: 'ideas' });
  const voter = await insertMember(ctx, ws.id, { trustLevel: 2 });
  const idea = await createThread(ctx, owner, { spaceId: ideas.id, title: 'Quiet zone', body: 'Please.' });
  await voteIdea(ctx, voter, idea.thread.id);
  await setIdeaStatus(ctx, owner, idea.thread.id, { status: 'planned', note: 'Spring' });
  await notifyIdeaStatusChanges(ctx);
  clock.advance(60_000);
  await setIdeaStatus(ctx, owner, idea.thread.id, { status: 'done', note: '' });
  await notifyIdeaStatusChanges(ctx);
  const before = await ctx.db
    .selectFrom('community_member_notifications')
    .selectAll()
    .orderBy('id')
    .execute();
  expect(before).toHaveLength(2);
  await ctx.db
    .updateTable('community_member_notifications')
    .set({ read_at: clock.now().toISOString() })
    .where('id', '=', before[0]?.id ?? 0)
    .execute();

  await migrateToLatest(database);
  const after = await ctx.db.selectFrom('community_member_notifications').selectAll().orderBy('id').execute();
  expect(after.map((r) => [r.id, r.change_id, r.post_id, r.kind, r.title, r.read_at !== null])).toEqual(
    before.map((r, i) => [r.id, r.change_id, null, 'idea_status', r.title, i === 0]),
  );
  // The old key still holds, so a repeated fan-out cannot double a change.
  await expect(
    ctx.db
      .insertInto('community_member_notifications')
      .values({ ...after[0], id: undefined, read_at: null } as never)
      .execute(),
  ).rejects.toThrow(/UNIQUE/);
  // New ids follow the copied ones, and a reply is told now.
  const replier = await insertMember(ctx, ws.id, { trustLevel: 2 });
  await replyToThread(ctx, replier, idea.thread.id, { body: 'Yes please.' });
  const owned = await insertMember(ctx, ws.id, { trustLevel: 2 });
  const mine = await createThread(ctx, owned, { spaceId: ideas.id, title: 'Mine', body: 'An idea.' });
  const answer = await replyToThread(ctx, voter, mine.thread.id, { body: 'Good one.' });
  const told = await listMemberNotifications(ctx, owned, { limit: 10 });
  expect(told.items).toMatchObject([{ kind: 'post', postId: answer.post.id, reasons: ['started'] }]);
  expect(told.items[0]?.id).toBeGreaterThan(Number(after[1]?.id));
  expect((await listMemberNotifications(ctx, voter, { limit: 10 })).unread).toBe(1);
});
