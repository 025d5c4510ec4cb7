import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { loadConfig } from '../src/config.ts';
import { createContext } from '../src/context.ts';
import { openSqlite } from '../src/db/client.ts';
import { createHeavyReader, type HeavyReader } from '../src/db/heavy-read.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createApp } from '../src/http/app.ts';
import { createLogger } from '../src/log.ts';
import { createApiToken, createWorkspace, provisionUser } from '../src/modules/auth/service.ts';
import { type BenchArgs, type BenchResult, machine, percentile, round } from './lib.ts';

/**
 * Does a heavy read (the audit-log export) freeze the HTTP server? Measures /healthz latency
 * while exports run back to back, with the export on the worker thread (what Rapport does) and,
 * for reference, on the main thread.
 */
export async function run(args: BenchArgs): Promise<BenchResult> {
  if (args.engine !== 'sqlite')
    throw new Error('heavy-read measures the SQLite worker; PostgreSQL queries are asynchronous already');
  const size = args.size ?? 200_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-bench-heavy-'));
  const database = openSqlite(path.join(dir, 'rapport.sqlite'));
  await migrateToLatest(database);
  const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), secretKey: 'x'.repeat(32) };
  const log = createLogger({ logLevel: 'silent' });
  const worker = createHeavyReader(database);
  const mainThread: HeavyReader = {
    all: async (q) => (await database.db.executeQuery(q.compile())).rows,
    close: async () => {},
  };

  const seedCtx = createContext(database, worker, config, log);
  const ws = await createWorkspace(seedCtx, { name: 'Bench', slug: 'bench' });
  const { user } = await provisionUser(seedCtx, {
    workspaceId: ws.id,
    email: 'b@bench.test',
    name: 'B',
    role: 'owner',
    password: 'benchmark password',
  });
  const { secret } = await createApiToken(
    seedCtx,
    { userId: user.id, workspaceId: ws.id },
    { name: 'bench' },
  );
  for (let i = 0; i < size; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, size - i) }, (_, j) => ({
      workspace_id: ws.id,
      actor_user_id: user.id,
      action: 'bench.event',
      target_type: 'thing',
      target_id: `t${i + j}`,
      details: JSON.stringify({ n: i + j, note: 'some details about the event' }),
      created_at: new Date(Date.UTC(2026, 0, 1) + (i + j) * 1000).toISOString(),
    }));
    await database.db.insertInto('audit_log').values(rows).execute();
  }

  async function measure(heavy: HeavyReader) {
    const app = createApp(createContext(database, heavy, config, log));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const exportMs: number[] = [];
    const probeMs: number[] = [];
    let exporting = true;
    const exports = (async () => {
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const res = await fetch(`${base}/api/v1/audit-log/export`, {
          headers: { authorization: `Bearer ${secret}` },
        });
        await res.arrayBuffer();
        exportMs.push(performance.now() - t0);
      }
      exporting = false;
    })();
    while (exporting) {
      const t0 = performance.now();
      await (await fetch(`${base}/healthz`)).arrayBuffer();
      probeMs.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 10));
    }
    await exports;
    await new Promise<void>((r) => server.close(() => r()));
    return { exportMs, probeMs };
  }

  const off = await measure(worker);
  const on = await measure(mainThread);
  await worker.close();
  await database.close();
  rmSync(dir, { recursive: true, force: true });
  return {
    bench: 'heavy-read',
    engine: 'sqlite',
    params: { audit_rows: size, exports: 3 },
    machine: machine(),
    metrics: {
      healthz_ms_p99_export_in_worker: round(percentile(off.probeMs, 99)),
      healthz_ms_max_export_in_worker: round(Math.max(...off.probeMs)),
      healthz_ms_p99_export_on_main_thread: round(percentile(on.probeMs, 99)),
      healthz_ms_max_export_on_main_thread: round(Math.max(...on.probeMs)),
      export_ms_p50_in_worker: round(percentile(off.exportMs, 50)),
      export_ms_p50_on_main_thread: round(percentile(on.exportMs, 50)),
    },
  };
}
