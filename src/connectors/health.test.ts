import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../test/db.ts';
import { buildUser, buildWorkspace } from '../../test/factories.ts';
import { appendToLog } from '../pipeline/ingest-log.ts';
import { startConnectorManager } from './manager.ts';
import { connectorHealth, createConnector } from './service.ts';

const t = setupTestDatabase();

async function until(check: () => Promise<boolean>, what: string) {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`connector health on ${testEngine}`, () => {
  it("counts the demo stream's live posts in items per minute, not its first-run backfill", async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
    const { connector } = await createConnector(t.ctx, admin, {
      kind: 'demo',
      name: 'Demo stream',
      config: { backfill: 300, ratePerMinute: 6000 },
    });
    const manager = startConnectorManager(t.ctx, () => {}, { intervalMs: 60_000 });
    const itemsTotal = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom('connectors')
            .select('items_total')
            .where('id', '=', connector.id)
            .executeTakeFirstOrThrow()
        ).items_total,
      );
    try {
      await until(async () => (await itemsTotal()) >= 300 + 5, 'the backfill and a few live posts');
    } finally {
      await manager.stop();
    }
    const live = (await itemsTotal()) - 300;
    const health = await connectorHealth(t.ctx, admin, connector.id);
    // Every item arrived within the last five minutes; only the live ones count.
    expect(health.itemsPerMinute).toBe(Math.round((live / 5) * 10) / 10);
    expect(health.lastItemAt).not.toBeNull();
  });

  it('counts live items of the last five minutes only, per minute', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
    const { connector } = await createConnector(t.ctx, admin, { kind: 'demo', name: 'Demo', config: {} });
    const entries = (n: number, backfill: boolean) =>
      Array.from({ length: n }, (_, i) => ({
        workspaceId: ws.id,
        connectorId: connector.id,
        format: 'generic' as const,
        payload: JSON.stringify({ i }),
        backfill,
      }));
    await appendToLog(t.ctx, entries(7, false), { connectorId: connector.id, cursor: '1' });
    t.clock.advance(6 * 60_000);
    await appendToLog(t.ctx, entries(200, true), { connectorId: connector.id, cursor: '2' });
    await appendToLog(t.ctx, entries(12, false), { connectorId: connector.id, cursor: '3' });
    expect((await connectorHealth(t.ctx, admin, connector.id)).itemsPerMinute).toBe(2.4);
  });
});
