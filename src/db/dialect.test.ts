import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../test/db.ts';
import { buildWorkspace, mentionRow } from '../../test/factories.ts';

const t = setupTestDatabase();

describe(`keyset reads on ${testEngine}`, () => {
  it('reads the rows after a cursor by walking an index in id order, even with statistics from before a backlog', async () => {
    const ws = await buildWorkspace(t.ctx);
    // Statistics taken before the backlog arrives.
    await sql`analyze ingest_log`.execute(t.ctx.db);
    await sql`analyze mentions`.execute(t.ctx.db);
    const at = '2026-11-23T09:00:00.000Z';
    for (let i = 0; i < 5; i++) {
      const n = (k: number) => i * 1000 + k;
      await t.ctx.db
        .insertInto('ingest_log')
        .values(
          Array.from({ length: 1000 }, (_, k) => ({
            workspace_id: ws.id,
            connector_id: null,
            format: 'generic',
            payload: JSON.stringify({ n: n(k), text: 'x'.repeat(200) }),
            cursor: null,
            received_at: at,
            processed_at: null,
          })),
        )
        .execute();
      await t.ctx.db
        .insertInto('mentions')
        .values(
          Array.from({ length: 1000 }, (_, k) =>
            mentionRow(t.ctx, ws.id, { external_id: `m-${n(k)}`, text: 'y'.repeat(200), created_at: at }),
          ),
        )
        .execute();
    }
    const explain = (query: string) =>
      testEngine === 'postgres' ? sql.raw(`explain ${query}`) : sql.raw(`explain query plan ${query}`);
    const plan = (rows: unknown[]) =>
      rows
        .map((r) => (r as Record<string, string>)['QUERY PLAN'] ?? (r as { detail: string }).detail)
        .join('\n');
    // The pipeline's claim, and routing's read of the posts after its cursor.
    const claim = explain(
      `select * from ingest_log where processed_at is null order by id limit 100${testEngine === 'postgres' ? ' for update skip locked' : ''}`,
    );
    const unrouted = explain(
      `select * from mentions where workspace_id = '${ws.id}' and id > 0 order by id limit 100`,
    );
    await t.ctx.db.transaction().execute(async (trx) => {
      for (const [read, index] of [
        [claim, 'ingest_log_pending_idx'],
        [unrouted, 'mentions_stream_idx'],
      ] as const) {
        const ordered = plan((await t.ctx.dialect.inIndexOrder(trx, () => read.execute(trx))).rows);
        expect(ordered).toMatch(new RegExp(index));
        expect(ordered).not.toMatch(/Sort|TEMP B-TREE/);
        if (testEngine === 'postgres') {
          // Left to itself, PostgreSQL reads every row after the cursor and sorts them all for
          // each batch; and the setting ends with the read, so the rest plans as usual.
          expect(plan((await read.execute(trx)).rows)).toMatch(/Sort/);
        }
      }
    });
    await t.ctx.db.deleteFrom('ingest_log').where('workspace_id', '=', ws.id).execute();
    await t.ctx.db.deleteFrom('mentions').where('workspace_id', '=', ws.id).execute();
  });
});
