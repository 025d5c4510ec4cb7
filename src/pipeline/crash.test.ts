import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace } from '../../test/factories.ts';
import { appendToLog } from './ingest-log.ts';

const t = setupTestDatabase();
const child = path.join(import.meta.dirname, '..', '..', 'test', 'pipeline-child.ts');

function runChild(
  killAfterBatches: number | null,
): Promise<{ code: number | null; signal: string | null; batches: number }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], {
      env: {
        ...process.env,
        CHILD_DATABASE_URL: t.location.databaseUrl ?? '',
        CHILD_SQLITE_PATH: t.location.sqlitePath ?? '',
      },
    });
    let batches = 0;
    proc.stdout.on('data', (d: Buffer) => {
      batches += d
        .toString()
        .split('\n')
        .filter((l) => l.startsWith('batch')).length;
      if (killAfterBatches !== null && batches >= killAfterBatches) proc.kill('SIGKILL');
    });
    proc.on('close', (code, signal) => resolve({ code, signal, batches }));
  });
}

describe('crash safety', () => {
  it('leaves exactly 50,000 mentions after the worker is killed with SIGKILL mid-ingest and restarted', async () => {
    const ws = await buildWorkspace(t.ctx);
    const item = (i: number) =>
      JSON.stringify({
        channel: 'import',
        externalId: `crash-${i}`,
        text: `post number ${i} about a late flight`,
        createdAt: '2026-11-20T10:00:00.000Z',
        author: { externalId: `a-${i % 997}`, handle: `author${i % 997}` },
      });
    // 50,000 distinct posts plus 5,000 redeliveries of some of them.
    const entries = [
      ...Array.from({ length: 50_000 }, (_, i) => item(i)),
      ...Array.from({ length: 5_000 }, (_, i) => item((i * 7) % 50_000)),
    ].map((payload) => ({ workspaceId: ws.id, connectorId: null, format: 'generic' as const, payload }));
    await appendToLog(t.ctx, entries);

    // Kill somewhere in the middle: after a random number of committed batches (up to ~110 in all),
    // i.e. while the next batch is being written.
    const killAfter = 5 + Math.floor(Math.random() * 60);
    const first = await runChild(killAfter);
    expect(first.signal).toBe('SIGKILL');
    const midway = await t.ctx.db
      .selectFrom('mentions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(Number(midway.n)).toBeLessThan(50_000);

    const second = await runChild(null);
    expect(second.code).toBe(0);
    const after = await t.ctx.db
      .selectFrom('mentions')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.count<number>('external_id').distinct().as('distinct'),
      ])
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(50_000);
    expect(Number(after.distinct)).toBe(50_000);
    const pending = await t.ctx.db
      .selectFrom('ingest_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('processed_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(pending.n)).toBe(0);
  }, 240_000);
});
