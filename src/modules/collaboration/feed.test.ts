import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { inBatchScope } from '../../db/batch-scope.ts';
import { addFollower, listNotifications, recordEvent } from './feed.ts';

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

    const summaries = async (u: typeof follower) =>
      (await listNotifications(t.ctx, u.actor, { limit: 50 })).items.map((n) => n.summary);
    expect(await summaries(follower)).toEqual(['Second', 'First']);
    expect(await summaries(named)).toEqual(['First']);
    expect(await summaries(late)).toEqual(['Second']);
    expect(await summaries(actor)).toEqual([]);
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
        .map((n) => `${n.summary}@${n.eventId}`)
        .sort();
    const idOf = (events: { id: number | string; kind: string }[], kind: string) =>
      events.find((e) => e.kind === kind)?.id;
    expect(await notified(follower)).toEqual(
      [`A1@${idOf(eventsA, 'a1')}`, `A2@${idOf(eventsA, 'a2')}`].sort(),
    );
    expect(await notified(named)).toEqual([`A1@${idOf(eventsA, 'a1')}`]);
    // Following from the middle of the batch reaches the events after it only.
    expect(await notified(late)).toEqual([`A2@${idOf(eventsA, 'a2')}`, `B2@${idOf(eventsB, 'b2')}`].sort());
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
