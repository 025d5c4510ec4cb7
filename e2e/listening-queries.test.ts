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

describe('listening query names', () => {
  it('says at the name field that a name is taken, while typing and when someone else took it meanwhile', async () => {
    const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');
    await page.goto(`${server.url}/listening/queries`);
    const editor = page.getByRole('form', { name: 'New query' });
    const name = editor.getByLabel('Name');
    const create = editor.getByRole('button', { name: 'Create query' });
    await page.getByRole('cell', { name: 'Brand mentions' }).waitFor();

    // The demo workspace has "Brand mentions": another case and stray spaces are the same name.
    await name.fill('  brand MENTIONS ');
    await editor.getByLabel('Query').fill('acme');
    const error = editor.locator('#query-name-error');
    await error.waitFor();
    expect(await error.textContent()).toBe('A listening query named "Brand mentions" already exists');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await name.getAttribute('aria-describedby')).toBe('query-name-error');
    expect(await create.isDisabled()).toBe(true);
    await name.fill('Competitors');
    await error.waitFor({ state: 'detached' });

    // Someone else saves "competitors" while this editor is open: the service refuses, and the
    // editor says so at the name, not in a message far from it.
    const status = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/listening/queries', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ name: 'competitors', query: 'globex' }),
      });
      return res.status;
    });
    expect(status).toBe(201);
    await create.click();
    await error.waitFor();
    expect(await error.textContent()).toBe('A listening query named "competitors" already exists');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await page.getByRole('cell', { name: 'competitors', exact: true }).waitFor();
    await editor.screenshot({ path: path.join(artifacts, 'listening-query-name-taken.png') });

    // A free name saves.
    await name.fill('Competitors (EU)');
    await create.click();
    await page.getByRole('status').filter({ hasText: 'Query created' }).waitFor();
    await page.getByRole('cell', { name: 'Competitors (EU)' }).waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
