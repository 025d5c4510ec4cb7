import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
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

describe('connectors', () => {
  it('the owner adds a Bluesky firehose that keeps only matching posts, then has it keep every post', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');
    await page.goto(`${server.url}/listening/connectors`);
    const form = page.getByRole('form', { name: 'New connector' });
    await form.getByLabel('Kind').selectOption('bluesky');
    await form.getByLabel('Name').fill('Bluesky firehose');
    // Nothing listens there: the connector backs off, which is not what this test is about.
    await form.getByLabel('Jetstream endpoint').fill('ws://127.0.0.1:9');
    expect(await form.getByLabel('Store').inputValue()).toBe('matching');
    await form.getByRole('button', { name: 'Create connector' }).click();

    const row = page.getByRole('row').filter({ hasText: 'Bluesky firehose' });
    await row.getByText('keeps posts matching a query').waitFor();
    await page.screenshot({ path: path.join(artifacts, 'connectors-keep.png'), fullPage: true });
    await row.getByRole('button', { name: 'Keep every post' }).click();
    await row.getByText('keeps every post').waitFor();
    await row.getByRole('button', { name: 'Keep only matching' }).waitFor();
    expect(scriptErrors).toEqual([]);
    await context.close();
  });
});
