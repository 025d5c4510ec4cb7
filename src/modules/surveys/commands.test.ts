import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
import { createCustomer } from '../customers/service.ts';
import { createCase } from '../inbox/cases.ts';
import { answerSurvey, createSurvey, sendCaseSurvey } from './service.ts';

// The CLI as an operator runs it: a child process on the embedded database of a data dir.
const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-surveys-cli-'));

function runCli(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
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

let ctx: AppContext;
beforeAll(async () => {
  const config = withSecretKey(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
  const database = openSqlite(path.join(dataDir, 'rapport.sqlite'));
  await migrateToLatest(database);
  ctx = createContext(database, createHeavyReader(database), config, createLogger({ logLevel: 'silent' }));
});
afterAll(async () => {
  await ctx.heavy.close();
  await ctx.database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('rapport surveys', () => {
  it('lists surveys and prints a survey’s results', async () => {
    const ws = await buildWorkspace(ctx);
    const owner = (await buildUser(ctx, ws, { role: 'owner' })).actor;
    const survey = await createSurvey(ctx, owner, {
      name: 'Support CSAT',
      kind: 'csat',
      question: 'How did we do?',
      delivery: 'link',
      trigger: 'manual',
    });
    for (const score of [5, 4, 1]) {
      const customer = await createCustomer(ctx, owner, {
        displayName: `Customer ${score}`,
        email: `c${score}@example.com`,
        verified: false,
      });
      const c = await createCase(ctx, owner, { subject: 'Question', customerId: customer.id });
      const request = await sendCaseSurvey(ctx, owner, c.id, {});
      await answerSurvey(ctx, request.link.split('/').at(-1) as string, { score, comment: null });
    }

    const listed = await runCli(['surveys', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim()).toBe(
      [survey.id, 'Support CSAT', 'csat', 'manual', 'link', 'enabled'].join('\t'),
    );

    const results = await runCli(['surveys', 'results', survey.id, '--days', '7']);
    expect(results.code, results.stderr).toBe(0);
    const lines = results.stdout.trim().split('\n');
    expect(lines[0]).toBe('Last 7 days: 3 sent, 3 answered (response rate 100 %)');
    expect(lines[1]).toBe('Average 3.33; CSAT 67 %');
    expect(lines.slice(2).map((l) => l.trim().split(' ').at(-1))).toEqual(['1', '0', '0', '1', '1']);

    const bad = await runCli(['surveys', 'results', survey.id, '--days', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--days');
    const missing = await runCli(['surveys', 'results', 'no-such-survey']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('No survey no-such-survey');
  });
});
