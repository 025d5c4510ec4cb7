import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { chooseExportFormat, type ExportFormat, exportFormats } from '../../export-format.ts';
import { csvField } from '../../pipeline/csv.ts';
import { listAuditLog } from '../audit/service.ts';
import {
  addSegmentMembers,
  createSegment,
  getSegment,
  listSegments,
  removeSegmentMember,
  segmentMembers,
  updateSegment,
} from './segments.ts';
import { exportSegmentMembers } from './segments-export.ts';
import {
  createAttributeDefinition,
  createCustomer,
  listCustomers,
  mergeCustomers,
  updateCustomer,
} from './service.ts';

const t = setupTestDatabase();

/** Runs `rapport` on the test database in a child process. */
function cli(dir: string) {
  const env: Record<string, string> = t.location.databaseUrl
    ? { DATABASE_URL: t.location.databaseUrl, DATA_DIR: dir }
    : { DATABASE_URL: '', DATA_DIR: path.dirname(t.location.sqlitePath ?? '') };
  return (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(import.meta.dirname, '../../main.ts'), ...args],
        { env: { ...process.env, LOG_LEVEL: 'warn', ...env } },
      );
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

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const admin = await buildUser(t.ctx, ws, { role: 'admin' });
  await createAttributeDefinition(t.ctx, admin.actor, {
    key: 'plan',
    label: 'Plan',
    type: 'choice',
    choices: ['free', 'pro'],
  });
  await createAttributeDefinition(t.ctx, admin.actor, { key: 'seats', label: 'Seats', type: 'number' });
  const customers = [];
  for (let i = 0; i < 4; i++) {
    t.clock.advance(1000);
    customers.push(
      await createCustomer(t.ctx, admin.actor, {
        displayName: i === 0 ? '=cmd, "quoted"' : `Customer ${i}`,
        email: `c${i}-${ws.slug}@example.test`,
        verified: false,
        attributes: { plan: i % 2 === 0 ? 'pro' : 'free', seats: i * 10 },
      }),
    );
  }
  return { ws, admin, customers };
}

describe(`segments on ${testEngine}`, () => {
  it('counts live members of a list only, and audits what changes segments', async () => {
    const { admin, customers } = await setup();
    const [a, b, c] = customers;
    if (!a || !b || !c) throw new Error('setup');
    const list = await createSegment(t.ctx, admin.actor, {
      name: 'Beta testers',
      kind: 'static',
      shared: true,
    });
    expect(await addSegmentMembers(t.ctx, admin.actor, list.id, [a.id, b.id, c.id])).toEqual({ added: 3 });
    expect((await getSegment(t.ctx, admin.actor, list.id)).memberCount).toBe(3);
    // b merged into a: b is no longer a live customer, so no longer a member.
    await mergeCustomers(t.ctx, admin.actor, { intoId: a.id, fromId: b.id });
    expect((await getSegment(t.ctx, admin.actor, list.id)).memberCount).toBe(2);
    const members = await segmentMembers(t.ctx, admin.actor, list.id, { limit: 10 });
    expect(members.items.map((m) => m.id)).toEqual([c.id, a.id]);
    await removeSegmentMember(t.ctx, admin.actor, list.id, c.id);
    await updateSegment(t.ctx, admin.actor, list.id, { name: 'Beta' });
    const audit = await listAuditLog(t.ctx, admin.actor, { limit: 50 });
    expect(audit.items.filter((e) => e.targetId === list.id).map((e) => e.action)).toEqual([
      'segment.updated',
      'segment.member_removed',
      'segment.members_added',
      'segment.created',
    ]);
  });

  it("refuses a second segment of the same name in any case, naming a colleague's private one without showing it", async () => {
    const { ws, admin } = await setup();
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const vip = await createSegment(t.ctx, admin.actor, { name: 'VIP', kind: 'static', shared: true });
    await expect(
      createSegment(t.ctx, manager.actor, { name: ' vip ', kind: 'static', shared: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: 'A segment named "VIP" already exists',
      details: { segmentId: vip.id },
    });
    await createSegment(t.ctx, manager.actor, { name: 'Gold', kind: 'static', shared: false });
    await expect(
      createSegment(t.ctx, admin.actor, { name: 'GOLD', kind: 'static', shared: true }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: 'A colleague has a private segment named "Gold": choose another name',
      details: { fields: [{ path: 'name', message: 'already used by another segment' }] },
    });
    // Renaming to another case of its own name is not a clash; to a taken name is.
    expect((await updateSegment(t.ctx, admin.actor, vip.id, { name: 'Vip' })).name).toBe('Vip');
    const other = await createSegment(t.ctx, admin.actor, { name: 'Silver', kind: 'static', shared: true });
    await expect(updateSegment(t.ctx, admin.actor, other.id, { name: 'vip' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await getSegment(t.ctx, admin.actor, other.id)).name).toBe('Silver');
  });

  it('lists visible segments by name, page by page', async () => {
    const { ws, admin } = await setup();
    const other = await buildUser(t.ctx, ws, { role: 'agent' });
    for (const name of ['Delta', 'Alpha', 'Charlie', 'Bravo'])
      await createSegment(t.ctx, admin.actor, { name, kind: 'static', shared: true });
    await createSegment(t.ctx, admin.actor, { name: 'Echo (private)', kind: 'static', shared: false });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listSegments(t.ctx, other.actor, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((s) => s.name));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta']);
    expect((await listSegments(t.ctx, admin.actor, { limit: 50 })).items.map((s) => s.name)).toContain(
      'Echo (private)',
    );
  });

  it('restricts the customer list to a segment and filters on lifecycle stages', async () => {
    const { admin, customers } = await setup();
    await updateCustomer(t.ctx, admin.actor, customers[1]?.id ?? '', { lifecycleStage: 'customer' });
    const paying = await createSegment(t.ctx, admin.actor, {
      name: 'Paying',
      kind: 'dynamic',
      shared: true,
      rule: {
        match: 'any',
        conditions: [
          { field: 'lifecycle_stage', op: 'in', value: ['customer', 'evangelist'] },
          { field: 'attribute.seats', op: 'gte', value: 30 },
        ],
      },
    });
    expect(paying.memberCount).toBe(2);
    const page = await listCustomers(t.ctx, admin.actor, { limit: 10, segment: paying.id });
    expect(page.items.map((c) => [c.id, c.lifecycleStage])).toEqual([
      [customers[3]?.id, null],
      [customers[1]?.id, 'customer'],
    ]);
  });

  it('quotes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(-5)).toBe('-5');
    expect(csvField(null)).toBe('');
  });

  it('exports a segment as CSV from the command line', async () => {
    const { ws, admin, customers } = await setup();
    const pro = await createSegment(t.ctx, admin.actor, {
      name: 'Pro plan',
      kind: 'dynamic',
      shared: false,
      rule: { match: 'all', conditions: [{ field: 'attribute.plan', op: 'in', value: ['pro'] }] },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-export-'));
    try {
      const out = path.join(dir, 'pro.csv');
      const run = cli(dir);
      const result = await run([
        'customers',
        'export',
        '--segment',
        'Pro plan',
        '--workspace',
        ws.slug,
        '--out',
        out,
      ]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('2/2');
      expect(result.stderr).toContain(
        `Exported 2 customers of segment "Pro plan" (${pro.id}) as CSV to ${out}`,
      );
      const rows = parse(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
      expect(Object.keys(rows[0] ?? {})).toEqual([
        'id',
        'name',
        'email',
        'lifecycle_stage',
        'channels',
        'handles',
        'followers',
        'influence',
        'mentions',
        'positive',
        'negative',
        'created_at',
        'attribute.plan',
        'attribute.seats',
      ]);
      expect(rows.map((r) => [r.id, r.name, r['attribute.plan'], r['attribute.seats'], r.channels])).toEqual([
        [customers[2]?.id, 'Customer 2', 'pro', '20', 'email'],
        [customers[0]?.id, `'=cmd, "quoted"`, 'pro', '0', 'email'],
      ]);
      // Personal data leaving through the CLI is audited as a download is.
      const audit = await listAuditLog(t.ctx, admin.actor, { limit: 50 });
      expect(
        audit.items.filter((e) => e.action === 'segment.export').map((e) => [e.targetId, e.details]),
      ).toEqual([[pro.id, { via: 'cli', format: 'csv' }]]);
      const missing = await run(['customers', 'export', '--segment', 'Nope', '--workspace', ws.slug]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('No segment "Nope"');
      // A name as a person types it: another case, spaces around it.
      const typed = await run(['customers', 'export', '--segment', ' pro PLAN ', '--workspace', ws.slug]);
      expect(typed.code, typed.stderr).toBe(0);
      expect(typed.stderr).toContain(`Exported 2 customers of segment "Pro plan" (${pro.id})`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('writes members as JSON and JSON Lines with typed values, and an empty segment as []', async () => {
    const { admin, customers } = await setup();
    const pro = await createSegment(t.ctx, admin.actor, {
      name: 'Pro plan',
      kind: 'dynamic',
      shared: true,
      rule: { match: 'all', conditions: [{ field: 'attribute.plan', op: 'in', value: ['pro'] }] },
    });
    const written = async (id: string, format: 'json' | 'jsonl') => {
      let text = '';
      await exportSegmentMembers(t.ctx, admin.actor, id, format, (chunk) => {
        text += chunk;
      });
      return text;
    };
    const members = JSON.parse(await written(pro.id, 'json')) as Record<string, unknown>[];
    expect(members.map((m) => [m.id, m.name, m.channels, m.mentions, m.attributes])).toEqual([
      [customers[2]?.id, 'Customer 2', ['email'], 0, { plan: 'pro', seats: 20 }],
      [customers[0]?.id, '=cmd, "quoted"', ['email'], 0, { plan: 'pro', seats: 0 }],
    ]);
    const lines = (await written(pro.id, 'jsonl')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual(members);
    const empty = await createSegment(t.ctx, admin.actor, { name: 'Nobody', kind: 'static', shared: true });
    expect(JSON.parse(await written(empty.id, 'json'))).toEqual([]);
  });

  it('writes a segment in the format its --out file names, and refuses contradictory requests', async () => {
    const { ws, admin, customers } = await setup();
    await createSegment(t.ctx, admin.actor, {
      name: 'Pro plan',
      kind: 'dynamic',
      shared: true,
      rule: { match: 'all', conditions: [{ field: 'attribute.plan', op: 'in', value: ['pro'] }] },
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-export-'));
    const run = cli(dir);
    const base = ['customers', 'export', '--workspace', ws.slug];
    try {
      const json = path.join(dir, 'pro.JSON');
      const asJson = await run([...base, '--segment', 'Pro plan', '--out', json]);
      expect(asJson.code, asJson.stderr).toBe(0);
      expect(asJson.stderr).toContain(`as JSON to ${json}`);
      const members = JSON.parse(readFileSync(json, 'utf8')) as { id: string }[];
      expect(members.map((m) => m.id)).toEqual([customers[2]?.id, customers[0]?.id]);

      const contradiction = path.join(dir, 'contradiction.csv');
      const contradicts = await run([
        ...base,
        '--segment',
        'Pro plan',
        '--format',
        'json',
        '--out',
        contradiction,
      ]);
      expect(contradicts.code).toBe(2);
      expect(contradicts.stderr).toContain(`--format json contradicts --out ${contradiction}`);
      expect(existsSync(contradiction)).toBe(false);

      const id = customers[0]?.id ?? '';
      const both = path.join(dir, 'both.csv');
      const conflicting = await run([
        'customers',
        'export',
        id,
        '--segment',
        'Pro plan',
        '--workspace',
        ws.slug,
        '--out',
        both,
      ]);
      expect(conflicting.code).toBe(2);
      expect(conflicting.stderr).toContain(
        `Give either a customer id (${id}) or --segment (Pro plan), not both`,
      );
      expect(existsSync(both)).toBe(false);

      const personAsCsv = await run(['customers', 'export', id, '--workspace', ws.slug, '--out', both]);
      expect(personAsCsv.code).toBe(2);
      expect(personAsCsv.stderr).toContain(
        `A customer's export (one nested document) cannot be written as CSV (--out ${both})`,
      );
      expect(existsSync(both)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('chooses the export format by the file extension, then --format, then the default', () => {
    const choose = (
      out: string | undefined,
      format?: ExportFormat,
      allowed: readonly ExportFormat[] = exportFormats,
    ) => chooseExportFormat({ out, format, fallback: 'csv', allowed, what: 'It' });
    expect(choose('members.Json')).toBe('json');
    expect(choose('members.jsonl', 'jsonl')).toBe('jsonl');
    expect(choose(undefined, 'json')).toBe('json');
    expect(choose('members.txt', 'jsonl')).toBe('jsonl');
    expect(choose('members.txt')).toBe('csv');
    expect(() => choose('members.csv', 'json')).toThrow('--format json contradicts --out members.csv');
    expect(() => choose('person.csv', undefined, ['json'])).toThrow(
      'It cannot be written as CSV (--out person.csv)',
    );
    expect(() => choose(undefined, 'jsonl', ['json'])).toThrow(
      'It cannot be written as JSONL (--format jsonl)',
    );
  });
});
