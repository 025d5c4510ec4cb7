import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';

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

describe('first sign-in', () => {
  it('signs in with the printed one-time password, chooses a new one, sees the shell and Settings → Users', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') scriptErrors.push(msg.text());
    });

    await page.goto(server.url);
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill('owner@demo.rapport.local');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('incorrect');

    await page.getByLabel('Password').fill(server.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await page.getByLabel('Current password').fill(server.password);
    await page.getByLabel('New password', { exact: true }).fill('a long new passphrase');
    await page.getByLabel('Confirm new password').fill('a long new passphrase');
    await page.getByRole('button', { name: 'Save password' }).click();

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Inbox' }).waitFor();
    for (const section of ['Inbox', 'Listening', 'Customers', 'Communities', 'Analytics', 'Settings']) {
      expect(await nav.getByRole('link', { name: section }).isVisible()).toBe(true);
    }
    // Each section opens from the navigation.
    await nav.getByRole('link', { name: 'Communities' }).click();
    await page.getByRole('heading', { name: 'Communities' }).waitFor();
    expect(await page.getByText('idea boards').first().isVisible()).toBe(true);

    await nav.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'owner@demo.rapport.local' });
    await row.waitFor();
    expect(await row.textContent()).toContain('active');
    await page.screenshot({ path: path.join(artifacts, 'settings-users.png'), fullPage: true });

    // The same page on a phone: navigation collapses behind a menu button.
    await page.setViewportSize({ width: 390, height: 844 });
    const menu = page.getByRole('button', { name: 'Menu' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await nav.isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    expect(await nav.getByRole('link', { name: 'Inbox' }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'phone-menu.png'), fullPage: true });

    expect(scriptErrors.filter((e) => !e.includes('401'))).toEqual([]);
    await page.close();
  });

  it('lays the app out for a phone, a tablet and a touch screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('owner@demo.rapport.local');
    await page.getByLabel('Password').fill('a long new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.waitFor();
    // Log out stays on the menu button's row; who is signed in moves to the workspace's row.
    const [menuBox, logOutBox] = await Promise.all([
      menu.boundingBox(),
      page.getByRole('button', { name: 'Log out' }).boundingBox(),
    ]);
    expect(Math.abs((logOutBox?.y ?? 0) - (menuBox?.y ?? 100))).toBeLessThan(10);
    expect(await page.locator('.topbar .me-name').isVisible()).toBe(true);
    // The inbox's views fold under one button on a phone, so its cases come first.
    await page.goto(`${server.url}/inbox`);
    const views = page.getByRole('navigation', { name: 'Views' });
    const toggle = page.getByRole('button', { name: /^Views: All active/ });
    await toggle.waitFor();
    expect(await views.isVisible()).toBe(false);
    await page.getByRole('list', { name: 'All active cases' }).waitFor();
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await views.getByRole('button', { name: 'Mine', exact: true }).click();
    await page.getByRole('button', { name: /^Views: Mine/ }).waitFor();
    expect(await views.isVisible()).toBe(false);
    await page.screenshot({ path: path.join(artifacts, 'phone-inbox.png') });
    // An open case's title takes the phone's width, its buttons below it.
    await page.getByRole('button', { name: /^Views: Mine/ }).click();
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'All active' }).click();
    await page.getByRole('list', { name: 'All active cases' }).getByRole('link').first().click();
    const title = page.locator('#case-title');
    await title.waitFor();
    expect((await title.boundingBox())?.width ?? 0).toBeGreaterThan(300);
    // On a tablet the open case still takes the page; on a laptop it sits beside the list.
    const list = page.getByRole('list', { name: 'All active cases' });
    await page.setViewportSize({ width: 900, height: 844 });
    expect((await title.boundingBox())?.width ?? 0).toBeGreaterThan(300);
    expect(await list.isVisible()).toBe(false);
    await page.setViewportSize({ width: 1280, height: 844 });
    expect(await list.isVisible()).toBe(true);
    expect((await title.boundingBox())?.width ?? 0).toBeGreaterThan(300);
    // A table on a phone becomes a card per row, each value under its column's name.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const address of [
      '/settings/service-levels',
      '/communities',
      '/listening/queries',
      '/settings/users',
    ]) {
      await page.goto(`${server.url}${address}`);
      await page.locator('.table td').first().waitFor();
      const unnamed = await page.locator('.table td:not([data-label])').count();
      expect(unnamed, address).toBe(0);
    }
    await page.goto(`${server.url}/inbox`);
    await page.getByRole('button', { name: /^Views: / }).waitFor();
    // The shortcuts' list is offered where there is a keyboard, not on a touch screen.
    expect(await page.getByRole('button', { name: /Keyboard shortcuts/ }).isVisible()).toBe(true);
    const touch = await browser.newContext({
      viewport: { width: 390, height: 844 },
      hasTouch: true,
      isMobile: true,
      storageState: await page.context().storageState(),
    });
    const phone = await touch.newPage();
    await phone.goto(`${server.url}/inbox`);
    await phone.getByRole('button', { name: /^Views: / }).waitFor();
    expect(await phone.getByRole('button', { name: /Keyboard shortcuts/ }).isVisible()).toBe(false);
    await touch.close();
    await page.close();
  });

  it('creates a user and an API token from Settings, showing each secret once', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('owner@demo.rapport.local');
    await page.getByLabel('Password').fill('a long new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();

    await page.goto(`${server.url}/settings/users`);
    await page.getByText('New user').click();
    await page.getByLabel('Email').fill('agent.one@demo.rapport.local');
    await page.getByLabel('Name').fill('Agent One');
    await page.getByLabel('Role', { exact: true }).selectOption('agent');
    await page.getByLabel('Skills (optional)').fill('Billing, spanish');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('One-time password for agent.one@demo.rapport.local').waitFor();
    expect(await page.locator('.secret-value').textContent()).toMatch(/^\S{20}$/);
    const row = page.getByRole('row').filter({ hasText: 'agent.one@demo.rapport.local' });
    expect(await row.count()).toBe(1);
    // The skills were saved with the user (lower-cased), ready to edit in the row.
    expect(await row.getByLabel('Skills of Agent One').inputValue()).toBe('billing spanish');

    await page.goto(`${server.url}/settings/tokens`);
    await page.getByLabel('Name').fill('reporting');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Your new token.').waitFor();
    const secret = (await page.locator('.secret-value').textContent()) ?? '';
    expect(secret).toMatch(/^rpt_/);
    const res = await fetch(`${server.url}/api/v1/users`, { headers: { authorization: `Bearer ${secret}` } });
    expect(res.status).toBe(200);
    await page.screenshot({ path: path.join(artifacts, 'settings-tokens.png'), fullPage: true });
    await page.close();
  });

  it('shows the demo stream arriving live in the listening view, and previews a query as it is typed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('owner@demo.rapport.local');
    await page.getByLabel('Password').fill('a long new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Listening' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const cards = page.locator('article.mention');
    await cards.first().waitFor();
    const newest = await cards.first().getAttribute('aria-label');
    // The demo connector posts every few seconds; a new card must appear at the top by itself.
    await page.locator('article.mention.fresh').first().waitFor({ timeout: 60_000 });
    expect(await cards.count()).toBeGreaterThan(1);
    expect(await page.getByRole('button', { name: /Baggage/ }).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'listening-live.png') });
    expect(typeof newest).toBe('string');

    // While the pointer rests on the list, new posts wait behind a button: nothing moves under it.
    const top = await cards.first().locator('.mention-text').textContent();
    await cards.first().hover();
    const show = page.getByRole('button', { name: /^Show \d+ new mentions?$/ });
    await show.waitFor({ timeout: 60_000 });
    expect(await cards.first().locator('.mention-text').textContent()).toBe(top);
    await show.click();
    await page.locator('article.mention.fresh').first().waitFor();
    expect(await show.count()).toBe(0);

    await page.getByRole('button', { name: /Baggage/ }).click();
    await page.locator('article.mention').first().waitFor();
    const filtered = await page.locator('article.mention .chip.query').allTextContents();
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered).toContain('Baggage');

    // A thread opens in a modal drawer: focus goes to Close and stays inside while tabbing;
    // Escape closes it and gives focus back to the button that opened it.
    const opener = page.locator('article.mention').first().getByRole('button', { name: 'Open thread' });
    await opener.focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: 'Thread' });
    await drawer.locator('.thread-item').first().waitFor();
    expect(
      await drawer
        .getByRole('button', { name: 'Close' })
        .evaluate((b) => b === b.ownerDocument.activeElement),
    ).toBe(true);
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(
        await drawer.evaluate(
          (d) =>
            d.contains(d.ownerDocument.activeElement) ||
            d.ownerDocument.activeElement === d.ownerDocument.body,
        ),
      ).toBe(true);
    }
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(await opener.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);

    await page.getByRole('link', { name: 'Queries' }).click();
    await page.getByLabel('Query', { exact: true }).fill('(refund* OR bag');
    await page.getByText('Expected ")" at position 15').waitFor();
    await page.getByLabel('Query', { exact: true }).fill('(refund* OR bag) NOT spam');
    await page.getByText(/of the last \d+ mentions match/).waitFor();
    const matched = Number(await page.locator('.preview strong').textContent());
    expect(matched).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(artifacts, 'listening-query-preview.png'), fullPage: true });
    await page.close();
  });

  it("loads a page's code on first visit and reloads once when that code is gone after an upgrade", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill('owner@demo.rapport.local');
    await page.getByLabel('Password').fill('a long new passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.waitFor();

    // The customers page's chunk answers 404 once, as an old tab's request would after an upgrade.
    const asked: string[] = [];
    let refused = 0;
    await page.route('**/assets/customers-page-*.js', async (route) => {
      asked.push(route.request().url());
      if (refused++ === 0) await route.fulfill({ status: 404, body: 'Not found' });
      else await route.continue();
    });
    let loads = 0;
    page.on('load', () => loads++);
    await nav.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    expect(refused).toBe(2);
    expect(loads).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/customers');

    // The server sends the chunks compressed and cacheable for good.
    const res = await fetch(asked[0] ?? '', { headers: { 'accept-encoding': 'br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toContain('immutable');
    await page.close();
  });
});
