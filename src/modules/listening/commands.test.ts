import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { buildWorkspace, mentionRow } from '../../../test/factories.ts';
import type { WorkspaceView } from '../auth/schema.ts';

// `rapport ingest quarantine …` as an operator runs it: a child process on the test engine's database.
const main = path.join(import.meta.dirname, '../../main.ts');

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

function cli(ws: WorkspaceView, args: string[]) {
  return rapport(['ingest', 'quarantine', ...args, '--workspace', ws.slug]);
}

function rapport(args: string[]) {
  const dataDir = db.location.sqlitePath ? path.dirname(db.location.sqlitePath) : db.ctx.config.dataDir;
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: db.location.databaseUrl ?? '',
    SECRET_KEY: db.ctx.config.secretKey ?? '',
    LOG_LEVEL: 'warn',
  };
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env });
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

async function quarantine(ws: WorkspaceView, n: number, stage = 'normalize'): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    workspace_id: ws.id,
    log_id: null,
    connector_id: null,
    format: 'generic',
    stage,
    reason: `${stage} failed`,
    payload: `{"n":${i}}`,
    status: 'open' as const,
    created_at: db.clock.now().toISOString(),
    resolved_at: null,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db.ctx.db
      .insertInto('quarantine')
      .values(rows.slice(i, i + 500))
      .execute();
}

async function statusCounts(ws: WorkspaceView): Promise<Record<string, number>> {
  const rows = await db.ctx.db
    .selectFrom('quarantine')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', ws.id)
    .groupBy('status')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/** The command the list prints for its next page, as arguments (without the leading `rapport ingest quarantine` and --workspace). */
function nextPageArgs(stdout: string): string[] | null {
  const line = /^More remain\. Next page: rapport ingest quarantine (.+)$/m.exec(stdout)?.[1];
  if (!line) return null;
  const args = line.split(' ');
  const at = args.indexOf('--workspace');
  if (at >= 0) args.splice(at, 2);
  return args;
}

describe('rapport ingest quarantine', () => {
  it('lists a page with the total, says how to get the next one until none remain, narrows by stage, and prints JSON', async () => {
    const ws = await buildWorkspace(db.ctx);
    await quarantine(ws, 110);
    await quarantine(ws, 3, 'analyze');

    let args: string[] | null = ['list', '--limit', '50'];
    const lines: string[] = [];
    const headers: string[] = [];
    while (args) {
      const result = await cli(ws, args);
      expect(result.code, result.stderr).toBe(0);
      const out = result.stdout.trimEnd().split('\n');
      headers.push(out[0] ?? '');
      lines.push(...out.filter((l) => l.startsWith('#')));
      args = nextPageArgs(result.stdout);
    }
    expect(headers).toEqual([
      'Showing 50 of 113 open items, newest first:',
      'Showing 50 of 113 open items, newest first:',
      'Showing 13 of 113 open items, newest first:',
    ]);
    expect(new Set(lines).size).toBe(113);

    const analyze = await cli(ws, ['list', '--stage', 'analyze']);
    expect(analyze.stdout).toContain('Showing 3 of 3 open items (stage analyze), newest first:');
    expect(analyze.stdout).not.toContain('More remain');
    expect(analyze.stdout.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      expect.stringContaining('\tanalyze\tnone\tanalyze failed\t'),
      expect.stringContaining('\tanalyze\tnone\tanalyze failed\t'),
      expect.stringContaining('\tanalyze\tnone\tanalyze failed\t'),
    ]);

    const json = await cli(ws, ['list', '--limit', '2', '--json']);
    const page = JSON.parse(json.stdout) as { items: unknown[]; nextCursor: string | null; total: number };
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe(113);
    expect(page.nextCursor).toEqual(expect.any(String));

    expect((await cli(ws, ['list', '--status', 'dropped'])).stdout).toBe('No dropped items.\n');
  });

  it('retries every open item of a stage past the thousand a request takes, and drops all only with --yes, naming how many first', async () => {
    const ws = await buildWorkspace(db.ctx);
    await quarantine(ws, 1005);
    await quarantine(ws, 4, 'analyze');

    const retried = await cli(ws, ['retry', '--all', '--stage', 'normalize']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toBe('Retried 1005 items (stage normalize).\n');
    expect(await statusCounts(ws)).toEqual({ retried: 1005, open: 4 });

    const unconfirmed = await cli(ws, ['drop', '--all']);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain(
      'Would drop 4 open items for good. Run again with --yes to drop them:',
    );
    expect(unconfirmed.stderr).toContain(`rapport ingest quarantine drop --all --workspace ${ws.slug} --yes`);
    expect(await statusCounts(ws)).toEqual({ retried: 1005, open: 4 });

    const dropped = await cli(ws, ['drop', '--all', '--yes']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toBe('Dropped 4 items.\n');
    expect(await statusCounts(ws)).toEqual({ retried: 1005, dropped: 4 });

    const neither = await cli(ws, ['drop']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('--id: give either --id N or --all');
  });
});

describe('rapport mentions export', () => {
  it('writes the filtered posts to a file or standard output with a summary, and names a bad flag', async () => {
    const ws = await buildWorkspace(db.ctx);
    const now = db.clock.now().toISOString();
    await db.ctx.db
      .insertInto('listening_queries')
      .values({
        id: `q-${ws.id}`,
        workspace_id: ws.id,
        name: 'Bags',
        query: 'bag*',
        enabled: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const stored = await db.ctx.db
      .insertInto('mentions')
      .values([
        mentionRow(db.ctx, ws.id, {
          external_id: 'a',
          channel: 'bluesky',
          text: 'My bag, lost',
          created_at: '2026-11-01T10:00:00.000Z',
        }),
        mentionRow(db.ctx, ws.id, {
          external_id: 'b',
          channel: 'mastodon',
          text: 'Nice crew',
          created_at: '2026-11-02T10:00:00.000Z',
        }),
        mentionRow(db.ctx, ws.id, {
          external_id: 'c',
          channel: 'bluesky',
          text: 'bag again',
          created_at: '2026-11-03T10:00:00.000Z',
        }),
      ])
      .returning(['id', 'external_id'])
      .execute();
    const idOf = (e: string) => Number(stored.find((r) => r.external_id === e)?.id);
    await db.ctx.db
      .insertInto('mention_queries')
      .values(
        ['a', 'c'].map((e) => ({
          mention_id: idOf(e),
          query_id: `q-${ws.id}`,
          workspace_id: ws.id,
          created_at: now,
        })),
      )
      .execute();

    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-export-'));
    try {
      const file = path.join(dir, 'bluesky.csv');
      const toFile = await rapport([
        'mentions',
        'export',
        '--channel',
        'bluesky',
        '--out',
        file,
        '--workspace',
        ws.slug,
      ]);
      expect(toFile.code, toFile.stderr).toBe(0);
      const csv = parseCsv(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
      expect(csv.map((r) => [r.id, r.channel, r.text])).toEqual([
        [String(idOf('c')), 'bluesky', 'bag again'],
        [String(idOf('a')), 'bluesky', 'My bag, lost'],
      ]);
      expect(toFile.stderr).toContain(`Exported 2 mentions as CSV to ${file} in `);
      expect(toFile.stdout).toBe('');

      const lines = await rapport([
        'mentions',
        'export',
        '--query',
        'Bags',
        '--since',
        '2026-11-02',
        '--format',
        'jsonl',
        '--workspace',
        ws.slug,
      ]);
      expect(lines.code, lines.stderr).toBe(0);
      expect(
        lines.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      ).toMatchObject([{ id: idOf('c'), queries: ['Bags'], text: 'bag again' }]);

      for (const [args, message] of [
        [['--query', 'Nope'], '--query Nope: no listening query has that name or id'],
        [['--since', '2026-13-45'], 'since'],
        [['--out', path.join(dir, 'x.json'), '--format', 'csv'], '--format csv contradicts --out'],
      ] as const) {
        const refused = await rapport(['mentions', 'export', ...args, '--workspace', ws.slug]);
        expect(refused.code, args.join(' ')).toBe(2);
        expect(refused.stderr).toContain(message);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
