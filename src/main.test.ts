import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/db.ts';
import { buildUser, buildWorkspace } from '../test/factories.ts';
import { createAttributeDefinition } from './modules/customers/attributes.ts';
import { addSegmentMembers, createSegment } from './modules/customers/segments.ts';
import { createCustomer } from './modules/customers/service.ts';
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

describe('rapport ingest prune', () => {
  it('prunes by the configured retention or the flag, keeps the log when retention is off, and refuses a bad flag', async () => {
    const dir = freshDir();
    const byConfig = await runCli(['ingest', 'prune'], dir);
    expect(byConfig).toMatchObject({ code: 0 });
    expect(byConfig.stdout.trim()).toBe('Deleted 0 ingest log entries processed more than 30 days ago.');
    const off = await runCli(['ingest', 'prune'], dir, { INGEST_LOG_RETENTION_DAYS: '0' });
    expect(off.stdout.trim()).toBe(
      'Nothing deleted: INGEST_LOG_RETENTION_DAYS=0 keeps the log; pass --older-than-days N.',
    );
    const byFlag = await runCli(['ingest', 'prune', '--older-than-days', '7'], dir, {
      INGEST_LOG_RETENTION_DAYS: '0',
    });
    expect(byFlag.stdout.trim()).toBe('Deleted 0 ingest log entries processed more than 7 days ago.');
    const bad = await runCli(['ingest', 'prune', '--older-than-days', '-1'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('older-than-days');
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

describe('rapport import', () => {
  it('refuses a mapping naming a column the CSV lacks with exit code 2, reading nothing in, and says how many posts were history', async () => {
    const dir = freshDir();
    expect((await runCli(['workspace', 'create', '--name', 'Acme', '--slug', 'acme'], dir)).code).toBe(0);
    const file = path.join(dir, 'posts.csv');
    writeFileSync(file, 'tweet_id,author_id,text,created_at\n1,ann,hello,Tue Oct 31 22:10:47 +0000 2017\n');
    const args = ['import', file, '--format', 'csv', '--workspace', 'acme', '--channel', 'twitter'];
    const bad = await runCli(
      [...args, '--map', 'externalId=tweet_idd:int,author.handle=author_id,text=text'],
      dir,
    );
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toContain(
      '--map externalId=tweet_idd: no column "tweet_idd"; the file\'s columns are: tweet_id, author_id, text, created_at',
    );
    const quarantine = await runCli(['ingest', 'quarantine', 'list', '--workspace', 'acme'], dir);
    expect(quarantine.stdout).toMatch(/^No \w+ items\./);
    const good = await runCli(
      [
        ...args,
        '--map',
        'externalId=tweet_id:int,author.handle=author_id,text=text,createdAt=created_at:date',
      ],
      dir,
    );
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('imported 1, duplicates 0, quarantined 0');
    expect(good.stdout).toContain('1 of the imported were written more than 14 days ago: kept as history');
  });
});

describe.skipIf(!process.env.TEST_NATS_URL)(
  'rapport with NATS_URL (the ingest log through JetStream)',
  () => {
    it('an import publishes to the stream and writes no log entry; a worker process relays and stores the posts', async () => {
      const dir = freshDir();
      expect((await runCli(['workspace', 'create', '--name', 'Acme', '--slug', 'acme'], dir)).code).toBe(0);
      const stream = `RAPPORT_CLI_TEST_${process.pid}_${Date.now()}`;
      const nats = { NATS_URL: process.env.TEST_NATS_URL as string, NATS_STREAM: stream };
      const file = path.join(dir, 'posts.csv');
      writeFileSync(file, 'id,who,text\n1,ann,the first\n2,bob,the second\n3,cy,the third\n');
      const imported = await runCli(
        [
          ...['import', file, '--format', 'csv', '--workspace', 'acme', '--channel', 'twitter'],
          ...['--map', 'externalId=id,author.handle=who,text=text'],
        ],
        dir,
        nats,
      );
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stdout).toContain('imported 3, duplicates 0, quarantined 0');
      const database = new Database(path.join(dir, 'rapport.sqlite'), { readonly: true });
      const acme = `(select id from workspaces where slug = 'acme')`;
      const logged = () =>
        database
          .prepare(`select transport_id, processed_at from ingest_log where workspace_id = ${acme}`)
          .all() as { transport_id: string | null; processed_at: string | null }[];
      const stored = () =>
        (
          database
            .prepare(`select text from mentions where workspace_id = ${acme} order by external_id`)
            .all() as { text: string }[]
        ).map((m) => m.text);
      expect(logged()).toEqual([]);
      expect(stored()).toEqual([]);

      const worker = spawnCli(['serve', '--services=worker'], dir, nats);
      const exited = new Promise<number | null>((resolve) => worker.on('close', resolve));
      for (let i = 0; i < 150 && stored().length < 3; i++) await new Promise((r) => setTimeout(r, 200));
      worker.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stored()).toEqual(['the first', 'the second', 'the third']);
      const entries = logged();
      expect(entries).toHaveLength(3);
      expect(entries.every((e) => e.transport_id !== null && e.processed_at !== null)).toBe(true);
      database.close();
      const nc = await connect({ servers: nats.NATS_URL });
      await (await jetstreamManager(nc)).streams.delete(stream);
      await nc.close();
    }, 60_000);
  },
);

describe('rapport customers export and erase', () => {
  /**
   * A workspace made through the services on the test engine's database (SQLite or PostgreSQL),
   * and the environment that points the command at it.
   */
  async function customersWorld() {
    const db = await createTestDatabase();
    const { ctx } = db;
    const ws = await buildWorkspace(ctx);
    const admin = (await buildUser(ctx, ws, { role: 'admin' })).actor;
    await createAttributeDefinition(ctx, admin, { key: 'note', label: 'Note', type: 'text' });
    // Cells a spreadsheet would run as formulas: =, + and @ at the start.
    const eve = await createCustomer(ctx, admin, {
      displayName: '=HYPERLINK("http://evil.example","click")',
      email: 'eve@example.com',
      verified: true,
      attributes: { note: '@SUM(1+1)' },
    });
    const kim = await createCustomer(ctx, admin, {
      displayName: 'Lee, Kim',
      email: 'kim@lee.example',
      verified: true,
      attributes: { note: '+44 20 7946 0000' },
    });
    const outsider = await createCustomer(ctx, admin, {
      displayName: 'Out Sider',
      email: 'out@sider.example',
      verified: false,
    });
    const segment = await createSegment(ctx, admin, { name: 'VIP', kind: 'static', shared: true });
    await addSegmentMembers(ctx, admin, segment.id, [eve.id, kim.id]);
    const dir = db.location.sqlitePath ? path.dirname(db.location.sqlitePath) : freshDir();
    const env = { DATABASE_URL: db.location.databaseUrl ?? '', SECRET_KEY: ctx.config.secretKey ?? '' };
    return {
      db,
      ws,
      eve,
      kim,
      outsider,
      segment,
      dir,
      cli: (args: string[]) => runCli([...args, '--workspace', ws.slug], dir, env),
    };
  }

  it('writes the members of a segment as CSV with a progress bar, escaping cells a spreadsheet would run as formulas', async () => {
    const w = await customersWorld();
    try {
      const result = await w.cli(['customers', 'export', '--segment', w.segment.id]);
      expect(result.code, result.stderr).toBe(0);
      const [header, ...rows] = result.stdout.trimEnd().split('\n');
      expect(header).toBe(
        'id,name,email,lifecycle_stage,channels,handles,followers,influence,mentions,positive,negative,created_at,attribute.note',
      );
      // Newest customer first by id; both were made in the same millisecond, so compare by id.
      const byId = new Map(rows.map((r) => [r.split(',')[0], r]));
      expect([...byId.keys()].sort()).toEqual([w.eve.id, w.kim.id].sort());
      expect(byId.get(w.eve.id)).toBe(
        `${w.eve.id},"'=HYPERLINK(""http://evil.example"",""click"")",eve@example.com,,email,email:eve@example.com,,,0,0,0,${w.eve.createdAt},'@SUM(1+1)`,
      );
      // A comma is quoted, not escaped; a leading + is.
      expect(byId.get(w.kim.id)).toBe(
        `${w.kim.id},"Lee, Kim",kim@lee.example,,email,email:kim@lee.example,,,0,0,0,${w.kim.createdAt},'+44 20 7946 0000`,
      );
      expect(result.stdout).not.toContain('Out Sider');
      // The progress bar and the summary go to standard error, so the CSV can be piped.
      expect(result.stderr).toContain(`[${'#'.repeat(24)}] 2/2`);
      expect(result.stderr).toContain(`Exported 2 customers of segment "VIP" (${w.segment.id}) as CSV in `);

      // By name, to a file readable by its owner only.
      const out = path.join(w.dir, 'vip.csv');
      const toFile = await w.cli(['customers', 'export', '--segment', 'VIP', '--out', out]);
      expect(toFile.code, toFile.stderr).toBe(0);
      expect(toFile.stdout).toBe('');
      expect(readFileSync(out, 'utf8')).toBe(result.stdout);
      expect(statSync(out).mode & 0o777).toBe(0o600);
      expect(toFile.stderr).toContain(`segment "VIP" (${w.segment.id}) as CSV to ${out} in `);

      const unknown = await w.cli(['customers', 'export', '--segment', 'No such segment']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe('Error: No segment "No such segment"');
    } finally {
      await w.db.close();
    }
  }, 120_000);

  it('exports everything held about a customer as JSON, erases them with a reason, and refuses to erase twice', async () => {
    const w = await customersWorld();
    try {
      const exported = await w.cli(['customers', 'export', w.kim.id]);
      expect(exported.code, exported.stderr).toBe(0);
      const data = JSON.parse(exported.stdout) as {
        format: string;
        customerId: string;
        profile: { displayName: string; primaryEmail: string };
        customers: { id: string }[];
        identities: { kind: string; value?: string }[];
      };
      expect(data).toMatchObject({
        format: 'rapport.customer-export',
        customerId: w.kim.id,
        profile: { displayName: 'Lee, Kim', primaryEmail: 'kim@lee.example' },
      });
      expect(data.customers.map((c) => c.id)).toEqual([w.kim.id]);
      expect(data.identities).toHaveLength(1);
      const out = path.join(w.dir, 'kim.json');
      const toFile = await w.cli(['customers', 'export', w.kim.id, '--out', out]);
      expect(toFile.stdout.trim()).toBe(`Wrote the export of customer ${w.kim.id} to ${out}.`);
      expect((JSON.parse(readFileSync(out, 'utf8')) as { customerId: string }).customerId).toBe(w.kim.id);
      expect(statSync(out).mode & 0o777).toBe(0o600);

      const noReason = await w.cli(['customers', 'erase', w.kim.id]);
      expect(noReason.code).toBe(2);
      expect(noReason.stderr).toContain('--reason');
      const noId = await w.cli(['customers', 'erase', '--reason', 'asked']);
      expect(noId.code).toBe(2);
      expect(noId.stderr).toContain('Give the customer id');
      const unknown = await w.cli(['customers', 'export', 'no-such-customer']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr.trim()).toBe('Error: No customer no-such-customer');

      const erased = await w.cli(['customers', 'erase', w.kim.id, '--reason', 'GDPR request by email']);
      expect(erased.code, erased.stderr).toBe(0);
      const erasure = await w.db.ctx.db
        .selectFrom('customer_erasures')
        .selectAll()
        .where('customer_id', '=', w.kim.id)
        .executeTakeFirstOrThrow();
      expect(erasure.reason).toBe('GDPR request by email');
      expect(erased.stdout.trim()).toBe(
        `Erased customer ${w.kim.id} (erasure ${erasure.id}): 0 mentions, 1 identities, 0 accounts, 0 log items, 0 quarantined items, 0 transactions, 0 events.`,
      );
      const row = await w.db.ctx.db
        .selectFrom('customers')
        .select(['display_name', 'primary_email', 'erased_at'])
        .where('id', '=', w.kim.id)
        .executeTakeFirstOrThrow();
      expect(row.erased_at).not.toBeNull();
      expect(row.primary_email).toBeNull();
      expect(row.display_name).not.toContain('Kim');
      const audit = await w.db.ctx.db
        .selectFrom('audit_log')
        .select(['action', 'actor_user_id'])
        .where('target_id', '=', w.kim.id)
        .where('action', 'in', ['customer.export', 'customer.erase'])
        .execute();
      expect(audit.map((a) => `${a.action} by ${a.actor_user_id}`).sort()).toEqual([
        'customer.erase by cli',
        'customer.export by cli',
        'customer.export by cli',
      ]);

      const again = await w.cli(['customers', 'erase', w.kim.id, '--reason', 'twice']);
      expect(again.code).toBe(1);
      expect(again.stderr.trim()).toBe(`Error: Customer ${w.kim.id} was already erased`);
      // An erased customer is no longer a member the segment export writes.
      const vip = await w.cli(['customers', 'export', '--segment', 'VIP']);
      expect(
        vip.stdout
          .trimEnd()
          .split('\n')
          .slice(1)
          .map((r) => r.split(',')[0]),
      ).toEqual([w.eve.id]);
    } finally {
      await w.db.close();
    }
  }, 120_000);
});
