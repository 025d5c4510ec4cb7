import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { loadConfig, withSecretKey } from '../../config.ts';
import { type AppContext, createContext } from '../../context.ts';
import { openSqlite } from '../../db/client.ts';
import { createHeavyReader } from '../../db/heavy-read.ts';
import { migrateToLatest } from '../../db/migrate.ts';
import { createLogger } from '../../log.ts';
import { createCase } from '../inbox/cases.ts';
import { deliverDueWebhooks } from './delivery.ts';
import { createEndpoint } from './endpoints.ts';

// The CLI as an operator runs it: a child process on the embedded database of a data dir.
const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-webhooks-cli-'));

function runCli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'true',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let status = 500;
let server: http.Server;
let ctx: AppContext;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const config = {
    ...withSecretKey(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' })),
    webhooksAllowPrivateTargets: true,
  };
  const database = openSqlite(path.join(dataDir, 'rapport.sqlite'));
  await migrateToLatest(database);
  ctx = createContext(database, createHeavyReader(database), config, createLogger({ logLevel: 'silent' }));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await ctx.heavy.close();
  await ctx.database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('rapport webhooks deliveries', () => {
  it('lists failed deliveries and retries one', async () => {
    const ws = await buildWorkspace(ctx);
    const admin = (await buildUser(ctx, ws, { role: 'admin' })).actor;
    const port = (server.address() as AddressInfo).port;
    await createEndpoint(ctx, admin, { url: `http://127.0.0.1:${port}/cli`, eventTypes: ['case.created'] });
    await createCase(ctx, admin, { subject: 'From the CLI test' });
    await deliverDueWebhooks(ctx);
    const id = Number(
      (await ctx.db.selectFrom('webhook_deliveries').select('id').executeTakeFirstOrThrow()).id,
    );

    const listed = await runCli(['webhooks', 'deliveries', 'list', '--status', 'failed']);
    expect(listed.code, listed.stderr).toBe(0);
    const [line] = listed.stdout.trim().split('\n');
    expect(line?.split('\t').slice(2, 6)).toEqual(['case.created', 'failed', 'attempts 1', '500']);
    expect(line?.startsWith(`${id}\t`)).toBe(true);

    status = 200;
    const retried = await runCli(['webhooks', 'deliveries', 'retry', String(id)]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`Delivery ${id} delivered (HTTP 200)`);
    const none = await runCli(['webhooks', 'deliveries', 'list', '--status', 'failed']);
    expect(none.stdout.trim()).toBe('No failed deliveries.');

    const unknown = await runCli(['webhooks', 'deliveries', 'list', '--endpoint', 'wh_nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim()).toBe('Error: No webhook endpoint wh_nope');

    const bad = await runCli(['webhooks', 'deliveries', 'list', '--status', 'lost']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status');
  });
});
