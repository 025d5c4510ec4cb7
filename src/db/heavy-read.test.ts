import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace } from '../../test/factories.ts';

const t = setupTestDatabase();

describe('heavy reads', () => {
  it('return the same rows as the main connection', async () => {
    const ws = await buildWorkspace(t.ctx);
    const query = t.ctx.db.selectFrom('workspaces').selectAll().where('id', '=', ws.id);
    expect(await t.ctx.heavy.all(query)).toEqual(await query.execute());
  });

  it('leave the event loop free while a long query runs', async () => {
    // A query that takes hundreds of milliseconds: on the main thread better-sqlite3 would run it
    // to completion before any other callback; off it, a setImmediate callback runs first.
    const slow = sql<{
      n: number;
    }>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c`;
    let finished = false;
    const running = t.ctx.heavy.all({ compile: () => slow.compile(t.ctx.db) }).then((rows) => {
      finished = true;
      return rows;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(false);
    expect(Number((await running)[0]?.n)).toBe(3000000);
  });

  it('report a failing query as an error', async () => {
    await expect(
      t.ctx.heavy.all({ compile: () => sql`select * from no_such_table`.compile(t.ctx.db) }),
    ).rejects.toThrow(/no_such_table/);
  });
});
