import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { version } from './project.ts';

// The CLI as an operator runs it: a child process on a fresh data dir (embedded SQLite).
const main = path.join(import.meta.dirname, 'main.ts');

function spawnCli(
  args: string[],
  dataDir: string,
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', main, ...args], {
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '', PORT: '0', ...env },
  });
}

function runCli(args: string[], dataDir: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawnCli(args, dataDir, env);
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

/** Starts `rapport serve` and resolves once it printed its URL (and, on first run, the password). */
function startServe(dataDir: string) {
  const child = spawnCli(['serve'], dataDir);
  let stdout = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = new Promise<{ url: string; password: string | undefined }>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const url = /running at (\S+)/.exec(stdout)?.[1];
      if (url && (stdout.includes('not shown again') || !stdout.includes('First run'))) {
        // Give a first-run banner a moment to arrive in full.
        setTimeout(() => resolve({ url, password: /one-time password: (\S+)/.exec(stdout)?.[1] }), 200);
      }
    });
    child.on('close', (code) => reject(new Error(`serve exited early with ${code}: ${stdout}`)));
  });
  return { child, ready, exited, output: () => stdout };
}

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('rapport CLI', () => {
  it('prints its version', async () => {
    const result = await runCli(['version'], freshDir());
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout.trim()).toBe(version);
  });

  it('prints help for a command and lists commands without one', async () => {
    const help = await runCli(['user', 'create', '--help'], freshDir());
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--email');
    const none = await runCli([], freshDir());
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('rapport serve');
  });

  it('rejects bad flags with exit code 2 and a message naming the flag', async () => {
    const badRole = await runCli(['user', 'create', '--email', 'a@b.test', '--role', 'emperor'], freshDir());
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role');
    const unknown = await runCli(['migrate', '--nope'], freshDir());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nope');
    const badService = await runCli(['serve', '--services', 'api,teleporter'], freshDir());
    expect(badService.code).toBe(2);
    expect(badService.stderr).toContain('--services');
  });

  it('stops at start-up with a message naming a bad environment variable', async () => {
    const result = await runCli(['migrate'], freshDir(), { LOG_LEVEL: 'chatty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LOG_LEVEL');
  });

  it('migrates, creates a user, and creates a token for them', async () => {
    const dir = freshDir();
    expect((await runCli(['migrate'], dir)).stdout).toContain('up to date');
    expect((await runCli(['workspace', 'create', '--name', 'Acme', '--slug', 'acme'], dir)).code).toBe(0);
    const user = await runCli(
      ['user', 'create', '--email', 'ops@acme.test', '--role', 'admin', '--workspace', 'acme'],
      dir,
    );
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(/One-time password .*: \S{20}/);
    const token = await runCli(['token', 'create', '--email', 'ops@acme.test', '--name', 'deploy'], dir);
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^rpt_\S{40,}$/m);
    const missing = await runCli(['token', 'create', '--email', 'nobody@acme.test'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No user with email');
  });
});

describe('rapport inbox', () => {
  it('lists the outbox, refuses to retry an unknown reply, and runs the SLA pass', async () => {
    const dir = freshDir();
    expect((await runCli(['workspace', 'create', '--name', 'Acme', '--slug', 'acme'], dir)).code).toBe(0);
    const empty = await runCli(['inbox', 'outbox', 'list', '--workspace', 'acme'], dir);
    expect(empty).toMatchObject({ code: 0 });
    expect(empty.stdout.trim()).toBe('The outbox is empty.');
    const failed = await runCli(
      ['inbox', 'outbox', 'list', '--workspace', 'acme', '--status', 'failed'],
      dir,
    );
    expect(failed.stdout.trim()).toBe('No failed replies.');
    const badStatus = await runCli(['inbox', 'outbox', 'list', '--status', 'lost'], dir);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status');
    const unknown = await runCli(['inbox', 'outbox', 'retry', 'no-such-reply', '--workspace', 'acme'], dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No reply no-such-reply');
    const sla = await runCli(['inbox', 'sla', 'check'], dir);
    expect(sla).toMatchObject({ code: 0 });
    expect(sla.stdout.trim()).toBe('SLA clocks checked: 0 warned, 0 breached.');
  });
});

describe('rapport serve', () => {
  it('on first run prints the URL and one-time password, serves the API, stops on SIGTERM, and keeps data on restart', async () => {
    const dir = freshDir();
    const first = startServe(dir);
    const { url, password } = await first.ready;
    expect(password).toMatch(/^\S{20}$/);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'owner@demo.rapport.local', password }),
    });
    expect(login.status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('SIGTERM received');

    const token = await runCli(['token', 'create', '--email', 'owner@demo.rapport.local'], dir);
    const secret = /^rpt_\S+$/m.exec(token.stdout)?.[0] ?? '';
    const second = startServe(dir);
    const again = await second.ready;
    expect(again.password).toBeUndefined();
    expect(second.output()).not.toContain('First run');
    const users = await fetch(`${again.url}/api/v1/users`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(users.status).toBe(200);
    // The demo's marketer and salesperson come with it (docs/sales.md).
    const emails = ((await users.json()) as { items: { email: string }[] }).items.map((u) => u.email);
    expect(emails.sort()).toEqual([
      'marco.marketing@demo.rapport.local',
      'owner@demo.rapport.local',
      'sofia.sales@demo.rapport.local',
    ]);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
    // Two start-ups, the first seeding the whole demo workspace, in a child process that shares
    // the machine with the other suites: more than the default 30 s when the machine is busy.
  }, 120_000);
});

describe('rapport customers import-contacts', () => {
  it('imports a contacts file with a summary, reports bad lines with exit code 1, and changes nothing the second time', async () => {
    const dir = freshDir();
    expect((await runCli(['workspace', 'create', '--name', 'Acme', '--slug', 'acme'], dir)).code).toBe(0);
    const file = path.join(dir, 'contacts.csv');
    writeFileSync(file, 'full_name,email,bluesky\nMaya,maya@example.com,maya.bsky.social\nBroken,nope,\n');
    const first = await runCli(
      ['customers', 'import-contacts', file, '--workspace', 'acme', '--map', 'name=full_name'],
      dir,
    );
    expect(first.code, first.stderr).toBe(1);
    expect(first.stdout).toContain(
      'new customers 1, updated 0, unchanged 0, merged 0, handles waiting to be seen 1, rejected 1',
    );
    expect(first.stdout).toContain('line 3: email: not an email address');
    const again = await runCli(
      ['customers', 'import-contacts', file, '--workspace', 'acme', '--map', 'name=full_name'],
      dir,
    );
    expect(again.stdout).toContain('new customers 0, updated 0, unchanged 1, merged 0');
    const missing = await runCli(['customers', 'import-contacts', path.join(dir, 'nope.csv')], dir);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('No such file');
  });
});
