import { expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace } from '../../test/factories.ts';
import { startConnectorManager } from './manager.ts';
import { createConnector } from './service.ts';

const t = setupTestDatabase();

/** A feed on a closed local port: its reader runs (and backs off), reading nothing. */
async function feedConnector(workspaceId: string, name: string) {
  const { connector } = await createConnector(
    t.ctx,
    { workspaceId, role: 'owner' },
    { kind: 'rss', name, config: { feeds: [{ url: 'http://127.0.0.1:9/feed.xml' }] }, enabled: true },
  );
  return connector.id;
}

it('runs each connector in one process of several, and another takes it over when its holder stops or stops renewing', async () => {
  const ws = await buildWorkspace(t.ctx);
  const first = await feedConnector(ws.id, 'Blog');
  // Reconciled by hand: the interval is longer than the test.
  const manual = { intervalMs: 3_600_000, leaseMs: 30_000 };
  const a = startConnectorManager(t.ctx, () => undefined, manual);
  const b = startConnectorManager(t.ctx, () => undefined, manual);
  await a.reconcile();
  await b.reconcile();
  const runs = () => [a.runningIds(), b.runningIds()];
  // Whichever reconciled first holds it; the other does not read it too.
  expect(runs().flat()).toEqual([first]);
  const [holder, other] = a.runningIds().length === 1 ? [a, b] : [b, a];

  // A connector added later goes to whoever reconciles first; renewing keeps each where it is.
  const second = await feedConnector(ws.id, 'Reviews');
  await other.reconcile();
  await holder.reconcile();
  expect(other.runningIds()).toEqual([second]);
  expect(holder.runningIds()).toEqual([first]);

  // Stopping gives the leases back: the other process takes the connector at its next reconcile.
  await holder.stop();
  await other.reconcile();
  expect(other.runningIds().sort()).toEqual([first, second].sort());

  // A process that stops renewing (it died) loses its connectors once the lease has expired.
  const c = startConnectorManager(t.ctx, () => undefined, manual);
  await c.reconcile();
  expect(c.runningIds()).toEqual([]);
  t.clock.advance(29_000);
  await c.reconcile();
  expect(c.runningIds()).toEqual([]);
  t.clock.advance(2_000);
  await c.reconcile();
  expect(c.runningIds().sort()).toEqual([first, second].sort());
  // The old holder finds its leases taken at its next reconcile and stops reading.
  await other.reconcile();
  expect(other.runningIds()).toEqual([]);

  await Promise.all([other.stop(), c.stop()]);
  const left = await t.ctx.db.selectFrom('connector_leases').selectAll().execute();
  expect(left).toEqual([]);
});
