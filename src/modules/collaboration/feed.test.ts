import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { inBatchScope } from '../../db/batch-scope.ts';
import { addFollower, listNotifications, markNotificationsRead, recordEvent } from './feed.ts';

const t = setupTestDatabase();

/** Any id serves as a record here: the feed does not check that the record exists. */
const record = (n: number) => `record-${n}-${Math.random().toString(36).slice(2)}`;

async function eventsOf(recordId: string) {
  return t.ctx.db
    .selectFrom('record_events')
    .select(['id', 'kind'])
    .where('record_id', '=', recordId)
    .orderBy('id')
    .execute();
}

/** A follower, the actor, someone the event names, and someone who follows later. */
const people = (ws: Awaited<ReturnType<typeof buildWorkspace>>) =>
  Promise.all([buildUser(t.ctx, ws), buildUser(t.ctx, ws), buildUser(t.ctx, ws), buildUser(t.ctx, ws)]);

describe('record feeds', () => {
  it('notifies the followers of the moment and those named, never the actor', async () => {
    const ws = await buildWorkspace(t.ctx);
    const [follower, actor, named, late] = await people(ws);
    const id = record(1);
    for (const u of [follower, actor]) await addFollower(t.ctx, t.ctx.db, ws.id, 'case', id, u.user.id);
    const entry = {
      workspaceId: ws.id,
      recordType: 'case' as const,
      recordId: id,
      actorUserId: actor.user.id,
    };
    await recordEvent(t.ctx, t.ctx.db, {
      ...entry,
      kind: 'first',
      summary: 'First',
      notify: [named.user.id],
    });
    await addFollower(t.ctx, t.ctx.db, ws.id, 'case', id, late.user.id);
    await recordEvent(t.ctx, t.ctx.db, { ...entry, kind: 'second', summary: 'Second' });

    // One unread line per record: the newest summary and how many events it stands for.
    const summaries = async (u: typeof follower) =>
      (await listNotifications(t.ctx, u.actor, { limit: 50 })).items.map((n) => `${n.summary} ×${n.count}`);
    expect(await summaries(follower)).toEqual(['Second ×2']);
    expect(await summaries(named)).toEqual(['First ×1']);
    expect(await summaries(late)).toEqual(['Second ×1']);
    expect(await summaries(actor)).toEqual([]);
  });

  it('keeps one unread line per person and record that grows, and starts a new one once it was read', async () => {
    const ws = await buildWorkspace(t.ctx);
    const [follower, actor] = await people(ws);
    const [a, b] = [record(11), record(12)];
    for (const id of [a, b]) await addFollower(t.ctx, t.ctx.db, ws.id, 'case', id, follower.user.id);
    const event = (recordId: string, summary: string) =>
      recordEvent(t.ctx, t.ctx.db, {
        workspaceId: ws.id,
        recordType: 'case',
        recordId,
        actorUserId: actor.user.id,
        kind: 'updated',
        summary,
      });
    await event(a, 'A1');
    await event(b, 'B1');
    await event(a, 'A2');
    await event(a, 'A3');
    const lines = async () => {
      const page = await listNotifications(t.ctx, follower.actor, { limit: 50 });
      return {
        unread: page.unreadCount,
        items: page.items.map((n) => `${n.summary} ×${n.count}${n.readAt ? ' read' : ''}`),
      };
    };
    // Newest news first: A's line moved above B's when A2 and A3 came.
    expect(await lines()).toEqual({ unread: 2, items: ['A3 ×3', 'B1 ×1'] });
    await markNotificationsRead(t.ctx, follower.actor);
    await event(a, 'A4');
    expect(await lines()).toEqual({ unread: 1, items: ['A4 ×1', 'A3 ×3 read', 'B1 ×1 read'] });
    // What is addressed to them (an @mention, a handoff) has its own line; later news does not join it.
    await recordEvent(t.ctx, t.ctx.db, {
      workspaceId: ws.id,
      recordType: 'case',
      recordId: a,
      actorUserId: actor.user.id,
      kind: 'note_added',
      summary: 'You were mentioned on A',
      notify: [follower.user.id],
    });
    await event(a, 'A5');
    expect((await lines()).items.slice(0, 3)).toEqual(['A5 ×2', 'You were mentioned on A ×1', 'A3 ×3 read']);
  });

  it('holds a batch’s events until its end, then writes them in order with the same recipients', async () => {
    const ws = await buildWorkspace(t.ctx);
    const [follower, actor, named, late] = await people(ws);
    const [a, b] = [record(2), record(3)];
    await addFollower(t.ctx, t.ctx.db, ws.id, 'case', a, follower.user.id);
    const entry = { workspaceId: ws.id, recordType: 'case' as const, actorUserId: actor.user.id };

    await t.ctx.db.transaction().execute((trx) =>
      inBatchScope(trx, async () => {
        await recordEvent(t.ctx, trx, {
          ...entry,
          recordId: a,
          kind: 'a1',
          summary: 'A1',
          notify: [named.user.id],
        });
        await recordEvent(t.ctx, trx, { ...entry, recordId: b, kind: 'b1', summary: 'B1' });
        await addFollower(t.ctx, trx, ws.id, 'case', a, late.user.id);
        await addFollower(t.ctx, trx, ws.id, 'case', b, late.user.id);
        await recordEvent(t.ctx, trx, { ...entry, recordId: a, kind: 'a2', summary: 'A2' });
        await recordEvent(t.ctx, trx, { ...entry, recordId: b, kind: 'b2', summary: 'B2' });
        // Held, not yet written: nothing in the batch reads the feed back.
        expect(
          await trx.selectFrom('record_events').select('id').where('record_id', 'in', [a, b]).execute(),
        ).toEqual([]);
      }),
    );

    const [eventsA, eventsB] = [await eventsOf(a), await eventsOf(b)];
    expect(eventsA.map((e) => e.kind)).toEqual(['a1', 'a2']);
    expect(eventsB.map((e) => e.kind)).toEqual(['b1', 'b2']);
    // One sequence across records, in the order the events happened.
    expect(Number(eventsA[0]?.id) < Number(eventsB[0]?.id)).toBe(true);
    expect(Number(eventsB[0]?.id) < Number(eventsA[1]?.id)).toBe(true);
    expect(Number(eventsA[1]?.id) < Number(eventsB[1]?.id)).toBe(true);

    const notified = async (u: typeof follower) =>
      (await listNotifications(t.ctx, u.actor, { limit: 50 })).items
        .map((n) => `${n.summary}@${n.eventId}×${n.count}`)
        .sort();
    const idOf = (events: { id: number | string; kind: string }[], kind: string) =>
      events.find((e) => e.kind === kind)?.id;
    // Both of A's events, as one unread line with the newest.
    expect(await notified(follower)).toEqual([`A2@${idOf(eventsA, 'a2')}×2`]);
    expect(await notified(named)).toEqual([`A1@${idOf(eventsA, 'a1')}×1`]);
    // Following from the middle of the batch reaches the events after it only.
    expect(await notified(late)).toEqual(
      [`A2@${idOf(eventsA, 'a2')}×1`, `B2@${idOf(eventsB, 'b2')}×1`].sort(),
    );
    expect(await notified(actor)).toEqual([]);
    const follows = await t.ctx.db
      .selectFrom('record_follows')
      .select('user_id')
      .where('record_id', '=', b)
      .execute();
    expect(follows.map((f) => f.user_id)).toEqual([late.user.id]);
  });

  it('writes none of a batch’s held events when the batch fails', async () => {
    const ws = await buildWorkspace(t.ctx);
    const id = record(4);
    await expect(
      t.ctx.db.transaction().execute((trx) =>
        inBatchScope(trx, async () => {
          await recordEvent(t.ctx, trx, {
            workspaceId: ws.id,
            recordType: 'case',
            recordId: id,
            kind: 'lost',
            actorUserId: null,
            summary: 'Lost',
          });
          throw new Error('the batch failed');
        }),
      ),
    ).rejects.toThrow('the batch failed');
    expect(await eventsOf(id)).toEqual([]);
  });
});
