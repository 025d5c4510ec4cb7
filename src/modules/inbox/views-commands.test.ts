import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import type { AppContext } from '../../context.ts';
import { createCase } from './cases.ts';
import { inboxCommands } from './commands.ts';
import { createView } from './views.ts';

// The command opens the database the environment names, as `rapport` does: here the fresh test
// database of whichever engine the suite runs on (a SQLite file, or a PostgreSQL database).
let db: TestDatabase;
let ctx: AppContext;
const saved = {
  DATA_DIR: process.env.DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  LOG_LEVEL: process.env.LOG_LEVEL,
  SECRET_KEY: process.env.SECRET_KEY,
};
let cliEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  ctx = db.ctx;
  const sqlite = db.location.sqlitePath;
  cliEnv = {
    DATA_DIR: sqlite ? path.dirname(sqlite) : ctx.config.dataDir,
    DATABASE_URL: db.location.databaseUrl ?? '',
    SECRET_KEY: ctx.config.secretKey ?? '',
    LOG_LEVEL: 'silent',
  };
  for (const [k, v] of Object.entries(cliEnv)) {
    if (v) process.env[k] = v;
    else delete process.env[k];
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await db?.close();
});

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    const command = inboxCommands['inbox views list'];
    if (!command) throw new Error('no command inbox views list');
    return { code: await command.run(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

function runCli(args: string[]) {
  const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, ...cliEnv, LOG_LEVEL: 'warn' },
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

type ListedView = { id: string; name: string; shared: boolean; ownerEmail: string; count: number };

describe('rapport inbox views list', () => {
  it("lists every view of the workspace, or one person's, with counts, as lines or JSON", async () => {
    const ws = await buildWorkspace(ctx);
    const manager = await buildUser(ctx, ws, { role: 'manager', email: 'mia@views.test' });
    const agent = await buildUser(ctx, ws, { role: 'agent', email: 'ana@views.test' });
    const colleague = await buildUser(ctx, ws, { role: 'agent', email: 'ola@views.test' });
    await createCase(ctx, manager.actor, { subject: 'Urgent one', priority: 'urgent' });
    await createCase(ctx, manager.actor, {
      subject: 'Urgent two',
      priority: 'urgent',
      assigneeUserId: agent.user.id,
    });
    const shared = await createView(ctx, manager.actor, {
      name: 'Urgent',
      filters: { priority: 'urgent', status: 'active' },
      shared: true,
    });
    const mine = await createView(ctx, agent.actor, { name: 'Mine', filters: { view: 'mine' } });
    await createView(ctx, colleague.actor, { name: 'Low', filters: { priority: 'low' } });

    const all = await run(['--workspace', ws.slug]);
    expect(all.code).toBe(0);
    expect(all.out.split('\n').map((l) => l.split('\t'))).toEqual([
      [shared.id, 'shared', 'Urgent', 'owner mia@views.test', '2 cases', 'status=active priority=urgent'],
      [mine.id, 'personal', 'Mine', 'owner ana@views.test', '1 case', 'view=mine'],
      [expect.any(String), 'personal', 'Low', 'owner ola@views.test', '0 cases', 'priority=low'],
    ]);

    const ana = JSON.parse(
      (await run(['--workspace', ws.slug, '--user', 'ANA@views.test', '--json'])).out,
    ) as ListedView[];
    expect(ana.map((v) => [v.name, v.shared, v.ownerEmail, v.count])).toEqual([
      ['Urgent', true, 'mia@views.test', 2],
      ['Mine', false, 'ana@views.test', 1],
    ]);
    const ola = await run(['--workspace', ws.slug, '--user', 'ola@views.test']);
    expect(ola.out.split('\n').map((l) => l.split('\t')[2])).toEqual(['Urgent', 'Low']);

    await expect(run(['--workspace', ws.slug, '--user', 'nobody@views.test'])).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(run(['--workspace', ws.slug, '--user', 'not-an-email'])).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('--user'),
    });
    await expect(run(['--workspace', ws.slug, 'extra'])).rejects.toMatchObject({
      message: expect.stringContaining('Unexpected argument'),
    });
    const empty = await buildWorkspace(ctx);
    expect((await run(['--workspace', empty.slug])).out).toBe('No saved views.');

    // Through the `rapport` command: dispatched, and listed in the help.
    const cli = await runCli([
      'inbox',
      'views',
      'list',
      '--workspace',
      ws.slug,
      '--user',
      'ana@views.test',
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as ListedView[]).map((v) => v.name)).toEqual(['Urgent', 'Mine']);
    const help = await runCli(['help']);
    expect(help.stdout).toContain('rapport inbox views list');
  }, 60_000);
});
