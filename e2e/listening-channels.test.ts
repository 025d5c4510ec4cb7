import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
  dir = mkdtempSync(path.join(tmpdir(), 'rapport-e2e-import-'));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('channels an import made', () => {
  it("can be chosen in the Listening channel filter, the segment builder, the inbox's channel views and a service level's channels", async () => {
    // `rapport import --channel twitter` into the running server's demo workspace.
    const file = path.join(dir, 'tweets.csv');
    const now = new Date().toISOString();
    writeFileSync(
      file,
      `tweet_id,author_id,text,created_at\nt-1,quokka_fan,Imported tweet about Demo Airways seats,${now}\n`,
    );
    const imported = runCli(server, [
      'import',
      file,
      '--format',
      'csv',
      '--channel',
      'twitter',
      '--map',
      'externalId=tweet_id,author.handle=author_id,text=text,createdAt=created_at:date',
    ]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('imported 1');

    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');

    await page.goto(`${server.url}/listening`);
    const channel = page.getByRole('combobox', { name: 'Channel' });
    await channel.locator('option[value="twitter"]').waitFor({ state: 'attached' });
    const offered = await channel
      .locator('option')
      .evaluateAll((options) => options.map((o) => (o as { value: string }).value));
    // The known channels stay on offer, whether or not anything came from them yet.
    expect(offered).toEqual(expect.arrayContaining(['', 'bluesky', 'mastodon', 'rss', 'email', 'twitter']));
    await channel.selectOption('twitter');
    const stream = page.locator('.stream');
    await stream.getByText('Imported tweet about Demo Airways seats').waitFor();

    await page.goto(`${server.url}/customers/segments/new`);
    await page.getByRole('heading', { name: 'New segment', level: 1 }).waitFor();
    await page.getByLabel('Condition 1 field').selectOption('channel');
    const values = page.getByRole('group', { name: 'Condition 1 values' });
    await values.getByText('Twitter', { exact: true }).click();
    await page
      .getByRole('region', { name: 'Live count' })
      .getByRole('status')
      .filter({ hasText: /^1 customers? match/ })
      .waitFor();
    await page.screenshot({ path: path.join(artifacts, 'segment-channel-twitter.png') });

    // The inbox has a view for the channel, and a service level can apply to it.
    await page.goto(`${server.url}/inbox`);
    await page.locator('nav.inbox-views').getByRole('button', { name: 'twitter', exact: true }).waitFor();
    await page.goto(`${server.url}/settings/service-levels`);
    await page.getByRole('button', { name: 'New policy' }).click();
    await page.getByRole('group', { name: 'Channels' }).getByText('twitter', { exact: true }).waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
