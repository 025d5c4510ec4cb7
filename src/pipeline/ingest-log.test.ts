import { expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace } from '../../test/factories.ts';
import { appendToLog, pruneIngestLog } from './ingest-log.ts';
import { processBatch } from './worker.ts';

const t = setupTestDatabase();
const DAY = 86_400_000;

it('deletes the entries processed before the retention, oldest first in chunks, and keeps unprocessed ones whatever their age', async () => {
  const ws = await buildWorkspace(t.ctx);
  let n = 0;
  const append = (count: number) =>
    appendToLog(
      t.ctx,
      Array.from({ length: count }, () => ({
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'webhook',
          externalId: `p-${++n}`,
          text: `post ${n}`,
          author: { externalId: 'u-1', handle: 'someone' },
        }),
      })),
    );
  const drain = async () => {
    while ((await processBatch(t.ctx, 100)).claimed > 0) {
      // drain
    }
  };
  const remaining = async () =>
    (await t.ctx.db.selectFrom('ingest_log').select('payload').orderBy('id').execute()).map(
      (r) => (JSON.parse(r.payload) as { externalId: string }).externalId,
    );

  const mentions = async () =>
    Number(
      (
        await t.ctx.db
          .selectFrom('mentions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('workspace_id', '=', ws.id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  // Processed now, all but p-9, which stays pending (as when it arrived in a stopped worker's log).
  const processAllButOne = () =>
    t.ctx.db
      .updateTable('ingest_log')
      .set({ processed_at: t.clock.now().toISOString() })
      .where('processed_at', 'is', null)
      .where('payload', 'not like', '%"p-9"%')
      .execute();

  // 40 days ago: 7 entries, processed. 35 days ago: 3, all but p-9 processed. 10 days ago: 3 more.
  t.clock.set(new Date(Date.parse('2026-11-23T09:00:00.000Z') - 40 * DAY).toISOString());
  await append(7);
  await drain();
  t.clock.advance(5 * DAY);
  await append(3);
  await processAllButOne();
  t.clock.advance(25 * DAY);
  await append(3);
  await processAllButOne();
  t.clock.advance(10 * DAY);

  // Chunks of 3 so that the walk crosses chunk boundaries and stops at the first young entry.
  expect(await pruneIngestLog(t.ctx, 30, 3)).toBe(9);
  expect(await remaining()).toEqual(['p-9', 'p-11', 'p-12', 'p-13']);
  expect(await pruneIngestLog(t.ctx, 30, 3)).toBe(0);
  // The pending entry is processed now, and stays until it is as old as the retention.
  await drain();
  expect(await pruneIngestLog(t.ctx, 5)).toBe(3);
  expect(await remaining()).toEqual(['p-9']);
  // What was stored from the log is not touched.
  expect(await mentions()).toBe(8);
});
