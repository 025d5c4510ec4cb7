import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

let server: StartedServer;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const database = () => new Database(path.join(server.dataDir, 'rapport.sqlite'));

/** Puts items in the demo workspace's quarantine as the pipeline would; their ids, oldest first. */
function quarantine(n: number, stage: string, reason: string): number[] {
  const db = database();
  try {
    const ws = db.prepare('select id from workspaces order by created_at limit 1').get() as { id: string };
    const insert = db.prepare(
      `insert into quarantine (workspace_id, log_id, connector_id, format, stage, reason, payload, status, created_at)
       values (?, null, null, 'generic', ?, ?, ?, 'open', ?)`,
    );
    const ids: number[] = [];
    db.transaction(() => {
      for (let i = 0; i < n; i++)
        ids.push(
          Number(
            insert.run(ws.id, stage, reason, `not json ${stage} ${i}`, new Date().toISOString())
              .lastInsertRowid,
          ),
        );
    })();
    return ids;
  } finally {
    db.close();
  }
}

function counts(): Record<string, number> {
  const db = database();
  try {
    const rows = db.prepare('select status, count(*) as n from quarantine group by status').all() as {
      status: string;
      n: number;
    }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  } finally {
    db.close();
  }
}

const focused = (locator: Locator) => locator.evaluate((el) => el === el.ownerDocument.activeElement);

describe('quarantine', () => {
  it('the owner sees how many items wait, filters them by stage in the address, drops one after a question with focus moving on, and drops and retries in bulk', async () => {
    const before = counts().open ?? 0;
    const normalize = quarantine(130, 'normalize', 'not JSON');
    const analyze = quarantine(5, 'analyze', 'model failed');
    const open = before + normalize.length + analyze.length;

    const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');
    await page.goto(`${server.url}/listening/quarantine`);
    const status = page.getByRole('status').filter({ hasText: 'open item' });
    await status.getByText(`${open.toLocaleString('en')} open items; showing the newest 100.`).waitFor();

    // Every button names its item.
    const newest = analyze[analyze.length - 1] as number;
    await page.getByRole('button', { name: `Retry item ${newest}`, exact: true }).waitFor();
    const drop = page.getByRole('button', { name: `Drop item ${newest}`, exact: true });

    // Dropping asks first; Cancel takes focus and gives it back to Drop.
    await drop.click();
    await page.getByText(`Drop item #${newest} for good? It cannot be retried afterwards.`).waitFor();
    const cancel = page.getByRole('button', { name: 'Cancel' });
    expect(await focused(cancel)).toBe(true);
    await cancel.click();
    await expect.poll(() => focused(drop)).toBe(true);
    expect(counts().dropped ?? 0).toBe(0);

    // Confirmed, the item goes and focus moves to the item now in its place.
    await drop.click();
    await page.getByRole('button', { name: `Yes, drop item ${newest}` }).click();
    const next = page.getByRole('heading', { name: `Item #${analyze[analyze.length - 2]}`, exact: true });
    await expect.poll(() => focused(next)).toBe(true);
    await status.getByText(`${(open - 1).toLocaleString('en')} open items`).waitFor();
    expect(counts().dropped).toBe(1);
    await page.getByRole('heading', { name: `Item #${newest}`, exact: true }).waitFor({ state: 'detached' });

    // The stage filter, with its counts, lives in the address: a reload keeps it.
    await page.getByLabel('Stage').selectOption({ label: 'analyze (4)' });
    await page.waitForURL(/[?&]stage=analyze/);
    await page.reload();
    await status
      .getByText(`4 open items matching the filters (of ${(open - 1).toLocaleString('en')})`)
      .waitFor();
    expect(await page.getByLabel('Stage').inputValue()).toBe('analyze');
    expect(await page.getByRole('heading', { name: /^Item #/ }).count()).toBe(4);

    // Bulk drop of what is ticked, after a question naming how many; focus goes to the heading.
    await page.getByLabel('Select all shown').check();
    await page.getByRole('button', { name: 'Drop selected' }).click();
    await page.getByText('Drop 4 items for good? They cannot be retried afterwards.').waitFor();
    await page.screenshot({ path: path.join(artifacts, 'quarantine-bulk-drop.png'), fullPage: true });
    await page.getByRole('button', { name: 'Yes, drop 4 items' }).click();
    await page.getByRole('status').getByText('4 items dropped.').waitFor();
    await page.getByText('No open item matches these filters.').waitFor();
    expect(await focused(page.getByRole('heading', { name: 'Quarantine', level: 1 }))).toBe(true);
    expect(counts().dropped).toBe(5);

    // Every item matching (more than the 100 shown), retried at once.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await status
      .getByText(`${(open - 5).toLocaleString('en')} open items; showing the newest 100.`)
      .waitFor();
    await page.getByLabel('Select all shown').check();
    await page
      .getByRole('button', { name: `Select all ${(open - 5).toLocaleString('en')} items matching` })
      .click();
    await page.getByText(`All ${(open - 5).toLocaleString('en')} matching items selected`).waitFor();
    await page.getByRole('button', { name: 'Retry selected' }).click();
    await page
      .getByRole('status')
      .getByText(`${(open - 5).toLocaleString('en')} items sent to the pipeline again.`)
      .waitFor();
    expect(counts().retried).toBe(open - 5);
    expect(scriptErrors).toEqual([]);
    await context.close();
  });
});
