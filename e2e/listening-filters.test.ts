import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, runCli, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

let server: StartedServer;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  dir = mkdtempSync(path.join(tmpdir(), 'rapport-e2e-filters-'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('listening stream filters', () => {
  it('restores the filters from the address, applies the search as one types (and at once on Enter), keeps them over a reload, exports what they select, and dismisses the undecided posts together', async () => {
    // Three posts on a channel of their own, imported into the running server's demo workspace.
    const file = path.join(dir, 'reviews.csv');
    const now = new Date().toISOString();
    writeFileSync(
      file,
      [
        'id,author,text,created_at',
        `r-1,ann,Zebracorn refund please,${now}`,
        `r-2,bob,Zebracorn lovely crew,${now}`,
        `r-3,cat,Quokka seats were fine,${now}`,
      ].join('\n'),
    );
    const imported = runCli(server, [
      'import',
      file,
      '--format',
      'csv',
      '--channel',
      'reviews',
      '--map',
      'externalId=id,author.handle=author,text=text,createdAt=created_at:date',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 3');

    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');

    // A shared link: the channel and the search it names are applied and shown.
    await page.goto(`${server.url}/listening?channel=reviews&q=zebracorn`);
    const stream = page.getByRole('feed', { name: 'Matched mentions' });
    const search = page.getByRole('searchbox', { name: 'Search' });
    const channel = page.getByRole('combobox', { name: 'Channel' });
    await stream.getByText('Zebracorn refund please').waitFor();
    await stream.getByText('Zebracorn lovely crew').waitFor();
    expect(await stream.getByText('Quokka seats were fine').count()).toBe(0);
    expect(await search.inputValue()).toBe('zebracorn');
    await channel.locator('option[value="reviews"]').waitFor({ state: 'attached' });
    expect(await channel.inputValue()).toBe('reviews');

    // Typing applies the search without Enter, once typing pauses, and puts it in the address.
    await search.fill('lovely');
    await page.waitForURL((url) => url.searchParams.get('q') === 'lovely');
    await stream.getByText('Zebracorn refund please').waitFor({ state: 'detached' });
    expect(await stream.getByRole('article').count()).toBe(1);
    await stream.getByText('Zebracorn lovely crew').waitFor();

    // The dropdowns go into the address too.
    await page.getByRole('combobox', { name: 'Urgency' }).selectOption('20');
    await page.waitForURL((url) => url.searchParams.get('urgency') === '20');
    await page.getByRole('combobox', { name: 'Urgency' }).selectOption('');
    await page.waitForURL((url) => !url.searchParams.has('urgency'));

    // A reload restores every filter.
    await page.getByRole('combobox', { name: 'Sentiment' }).selectOption('positive');
    await page.waitForURL((url) => url.searchParams.get('sentiment') === 'positive');
    await page.reload();
    await channel.locator('option[value="reviews"]').waitFor({ state: 'attached' });
    expect(await search.inputValue()).toBe('lovely');
    expect(await channel.inputValue()).toBe('reviews');
    expect(await page.getByRole('combobox', { name: 'Sentiment' }).inputValue()).toBe('positive');
    await page.getByRole('combobox', { name: 'Sentiment' }).selectOption('');

    // Enter applies at once; an emptied box removes the search.
    await search.fill('quokka');
    await search.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'quokka');
    await stream.getByText('Quokka seats were fine').waitFor();
    await search.fill('');
    await page.waitForURL(
      (url) => !url.searchParams.has('q') && url.searchParams.get('channel') === 'reviews',
    );
    await stream.getByText('Zebracorn refund please').waitFor();
    expect(await stream.getByRole('article').count()).toBe(3);

    // Export CSV downloads what the filters select, every one of them.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^mentions-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = parseCsv(readFileSync(await download.path(), 'utf8'), { columns: true }) as Record<
      string,
      string
    >[];
    expect(csv.map((r) => [r.channel, r.author_handle, r.text]).sort()).toEqual([
      ['reviews', 'ann', 'Zebracorn refund please'],
      ['reviews', 'bob', 'Zebracorn lovely crew'],
      ['reviews', 'cat', 'Quokka seats were fine'],
    ]);

    // A post decided through its own menu is no longer among the undecided to tick.
    const boxes = stream.getByRole('checkbox', { name: /^Select the post by / });
    const before = await boxes.count();
    expect(before).toBe(3);
    const lovely = stream.getByRole('article').filter({ hasText: 'Zebracorn lovely crew' });
    await lovely.getByRole('checkbox').check();
    await page.getByRole('group', { name: 'Decide on the selected posts' }).getByText('1 selected').waitFor();
    await lovely.getByRole('button', { name: 'Decide what becomes of this post' }).click();
    await lovely.getByRole('button', { name: 'Answered' }).click();
    await lovely.getByText('Answered', { exact: true }).waitFor();
    await expect.poll(() => boxes.count()).toBe(before - 1);
    expect(await lovely.getByRole('checkbox').count()).toBe(0);
    // It left the selection with its box: nothing is selected, so the bar is gone.
    expect(await page.getByRole('group', { name: 'Decide on the selected posts' }).count()).toBe(0);

    // Triage: the undecided posts shown are ticked at once and dismissed together.
    const undecided = await boxes.count();
    expect(undecided).toBeGreaterThan(0);
    await page.getByRole('button', { name: `Select the ${undecided} undecided shown` }).click();
    const triage = page.getByRole('group', { name: 'Decide on the selected posts' });
    await triage.getByText(`${undecided} selected`).waitFor();
    await triage.getByRole('combobox', { name: 'Dismiss the selected posts as' }).selectOption('noise');
    await page
      .getByRole('status')
      .filter({ hasText: `Dismissed as noise: ${undecided} post` })
      .waitFor();
    await expect.poll(() => boxes.count()).toBe(0);
    expect(await stream.getByText('Dismissed · noise').count()).toBe(undecided);
    await page.screenshot({ path: path.join(artifacts, 'listening-triage.png') });

    // A slow answer to an earlier search, arriving after the later one, does not replace it.
    await page.route(
      (url) => url.pathname === '/api/v1/mentions' && url.searchParams.get('search') === 'quokka',
      async (route) => {
        const response = await route.fetch();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.fulfill({ response });
      },
    );
    const slow = page.waitForEvent('requestfinished', (r) => r.url().includes('search=quokka'));
    await search.fill('quokka');
    await search.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('q') === 'quokka');
    await search.fill('');
    await search.press('Enter');
    await page.waitForURL((url) => !url.searchParams.has('q'));
    await slow;
    // Let the page read the late answer and render whatever it would.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(await stream.getByRole('article').count()).toBe(3);
    await page.unroute('**/*');
    await page.screenshot({ path: path.join(artifacts, 'listening-filters.png'), fullPage: true });
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
