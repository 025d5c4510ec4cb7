import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { loadConfig } from '../../config.ts';
import type { AppContext } from '../../context.ts';
import { closeContext, openContext } from '../../server.ts';
import { createCustomer } from '../customers/service.ts';
import { salesCommands } from './commands.ts';
import { createLead } from './leads.ts';

// The commands open the database the environment names, as `rapport` does: an embedded one in a
// fresh DATA_DIR (whatever engine the other suites run on).
const dir = mkdtempSync(path.join(tmpdir(), 'rapport-sales-cli-'));
const saved = {
  DATA_DIR: process.env.DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  LOG_LEVEL: process.env.LOG_LEVEL,
};
let ctx: AppContext;

beforeAll(async () => {
  process.env.DATA_DIR = dir;
  process.env.LOG_LEVEL = 'silent';
  delete process.env.DATABASE_URL;
  ctx = await openContext(loadConfig());
});

afterAll(async () => {
  await closeContext(ctx);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function run(name: string, args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  // The progress bar.
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const command = salesCommands[name];
    if (!command) throw new Error(`no command ${name}`);
    return { code: await command.run(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe('rapport sales', () => {
  it('lists leads as lines or JSON, filters by stage, and rescores open leads', async () => {
    const ws = await buildWorkspace(ctx);
    const { actor } = await buildUser(ctx, ws, { role: 'manager', name: 'Mona' });
    const c = await createCustomer(ctx, actor, {
      displayName: 'Kim Lee',
      email: 'kim@lee.example',
      verified: true,
    });
    await createLead(ctx, actor, {
      customerId: c.id,
      title: 'Business class to Seoul',
      ownerUserId: actor.userId,
    });
    const c2 = await createCustomer(ctx, actor, {
      displayName: 'Ola Berg',
      email: 'ola@berg.example',
      verified: true,
    });
    await createLead(ctx, actor, { customerId: c2.id, title: 'Summer pass', stage: 'marketing_qualified' });

    const lines = await run('sales leads list', []);
    expect(lines.code).toBe(0);
    expect(lines.out).toContain('#1\tlead\topen\tscore 0 (fit 0, engagement 0)\tKim Lee\towner Mona');
    expect(lines.out).toContain('#2\tmarketing_qualified');

    const json = await run('sales leads list', ['--stage', 'marketing_qualified', '--json']);
    expect((JSON.parse(json.out) as { title: string }[]).map((l) => l.title)).toEqual(['Summer pass']);

    await expect(run('sales leads list', ['--stage', 'nowhere'])).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await run('sales rescore', [])).toEqual({ code: 0, out: 'Rescored 2 open leads.' });
  });

  it('imports leads from a file with a summary, exits 1 naming bad lines, makes nothing twice, and exports them', async () => {
    const ws = await buildWorkspace(ctx);
    const { user } = await buildUser(ctx, ws, { role: 'agent', name: 'Sam' });
    const file = path.join(dir, 'leads.csv');
    writeFileSync(
      file,
      `Email,Name,Deal,Stage,Owner\nkim@lee.example,Kim Lee,Fleet renewal,SQL,${user.email}\n,Nobody,Nothing,,\nli@wu.example,Li Wu,Group booking,,\n`,
    );
    const args = [
      file,
      '--workspace',
      ws.slug,
      '--map',
      'email=Email,name=Name,title=Deal,stage=Stage,owner=Owner',
    ];
    const first = await run('sales import-leads', args);
    expect(first.code).toBe(1);
    expect(first.out).toMatch(
      /^Read 3 lines in [\d.]+ s: 2 leads created, 0 already there, new customers by email 2, rejected 1\./,
    );
    expect(first.out).toContain('  line 3: Email: missing');
    const again = await run('sales import-leads', args);
    expect(again.out).toContain('0 leads created, 2 already there, new customers by email 0, rejected 1.');

    const list = await run('sales leads list', ['--workspace', ws.slug, '--json']);
    const leads = JSON.parse(list.out) as {
      title: string;
      stage: string;
      source: string;
      createdBy: string | null;
    }[];
    expect(leads.map((l) => [l.title, l.stage, l.source, l.createdBy]).sort()).toEqual([
      ['Fleet renewal', 'sales_qualified', 'import', null],
      ['Group booking', 'lead', 'import', null],
    ]);
    const out = path.join(dir, 'leads.jsonl');
    await run('sales leads export', ['--workspace', ws.slug, '--out', out, '--sort', 'score']);
    expect(
      readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { customer_email: string }).customer_email)
        .sort(),
    ).toEqual(['kim@lee.example', 'li@wu.example']);
    await expect(
      run('sales leads export', ['--workspace', ws.slug, '--out', out, '--format', 'csv']),
    ).rejects.toThrow(/--format csv contradicts --out/);
    await expect(
      run('sales import-leads', [path.join(dir, 'nope.csv'), '--workspace', ws.slug]),
    ).rejects.toThrow(/No such file/);
  });
});
