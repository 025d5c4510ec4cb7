import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

let server: StartedServer;
let browser: Browser;
const password = 'a long new passphrase';

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
    await signIn(page, server.url, ownerEmail, server.password, password);
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

  it('a firehose read from a local Jetstream stores the post about the brand, passes over the other, and says so', async () => {
    // A WebSocket server on 127.0.0.1 speaking Jetstream: two posts on each connection.
    const jetstream = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => jetstream.once('listening', r));
    const post = (rkey: string, text: string, timeUs: number) =>
      JSON.stringify({
        did: 'did:plc:e2efirehose',
        time_us: timeUs,
        kind: 'commit',
        commit: {
          rev: rkey,
          operation: 'create',
          collection: 'app.bsky.feed.post',
          rkey,
          record: { $type: 'app.bsky.feed.post', createdAt: new Date().toISOString(), text },
        },
      });
    jetstream.on('connection', (socket) => {
      socket.send(post('e2e1', 'Demo Airways lost my bag in Porto, firehose-e2e-kept', Date.now() * 1000));
      socket.send(post('e2e2', 'What a sunset over the river, firehose-e2e-passed', Date.now() * 1000 + 1));
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
      const page = await context.newPage();
      // The first test replaced the one-time password.
      await signIn(page, server.url, ownerEmail, password);
      await page.goto(`${server.url}/listening/connectors`);
      const form = page.getByRole('form', { name: 'New connector' });
      await form.getByLabel('Kind').selectOption('bluesky');
      await form.getByLabel('Name').fill('Local firehose');
      await form
        .getByLabel('Jetstream endpoint')
        .fill(`ws://127.0.0.1:${(jetstream.address() as AddressInfo).port}`);
      await form.getByRole('button', { name: 'Create connector' }).click();

      // The page refreshes its connectors every 10 s.
      const row = page.getByRole('row').filter({ hasText: 'Local firehose' });
      await row.getByText(/keeps posts matching a query \(1 passed over\)/).waitFor({ timeout: 30_000 });
      const found = async (words: string) =>
        (
          (await (
            await page.request.get(`${server.url}/api/v1/mentions?search=${words}&limit=5`)
          ).json()) as {
            items: { text: string }[];
          }
        ).items.map((m) => m.text);
      expect(await found('firehose-e2e-kept')).toEqual([
        'Demo Airways lost my bag in Porto, firehose-e2e-kept',
      ]);
      expect(await found('firehose-e2e-passed')).toEqual([]);
      await context.close();
    } finally {
      for (const socket of jetstream.clients) socket.terminate();
      await new Promise((r) => jetstream.close(r));
    }
  });
});
