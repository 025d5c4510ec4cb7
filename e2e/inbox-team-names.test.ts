import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * A team's name can be 80 characters; the inbox's views sidebar is narrow. A long name is cut
 * with an ellipsis, the whole name stays the button's accessible name and its tooltip, and
 * nothing sticks out of the sidebar, at desktop width or where the views wrap above the list.
 */

let server: StartedServer;
let browser: Browser;
const password = 'a long new passphrase';
const unbroken = 'Customer-Care-Escalations-Europe-Middle-East-Africa-Weekend-And-Holiday-Rotation';
const spaced = 'Customer care for escalated complaints about lost luggage on weekends';

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  for (const name of [unbroken, spaced]) {
    const created = await page.evaluate(async (name) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/teams', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ name, memberIds: [] }),
      });
      return { status: res.status, body: await res.text() };
    }, name);
    expect(created.status, created.body).toBe(201);
  }
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** How each long team's button is laid out, and whether anything overflows the page sideways. */
async function measure(page: Page) {
  // Through the nav element: the e2e files are compiled without the DOM's global types.
  return page.locator('nav.inbox-views').evaluate(
    (nav, { names }) => {
      const doc = nav.ownerDocument;
      const view = doc.defaultView;
      if (!view) throw new Error('no window');
      const navBox = nav.getBoundingClientRect();
      const buttons = [...nav.querySelectorAll('button.view-button')].filter((b) =>
        names.includes(b.textContent ?? ''),
      );
      const column = doc.querySelector('.case-column');
      if (!column) throw new Error('no case column');
      return {
        pageOverflow: doc.documentElement.scrollWidth - doc.documentElement.clientWidth,
        navRight: navBox.right,
        columnLeft: column.getBoundingClientRect().left,
        buttons: buttons.map((b) => {
          const box = b.getBoundingClientRect();
          const style = view.getComputedStyle(b);
          return {
            title: b.getAttribute('title') ?? '',
            right: box.right,
            height: box.height,
            truncated: b.scrollWidth > b.clientWidth,
            ellipsis: style.textOverflow === 'ellipsis' && style.whiteSpace === 'nowrap',
          };
        }),
      };
    },
    { names: [unbroken, spaced] },
  );
}

describe('inbox team names', () => {
  it('cuts a long team name in the views sidebar with an ellipsis, keeps the whole name as its name and tooltip, and keeps the layout', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox`);
    const views = page.getByRole('navigation', { name: 'Views' });
    const team = views.getByRole('button', { name: unbroken, exact: true });
    await team.waitFor();
    await views.getByRole('button', { name: spaced, exact: true }).waitFor();

    await page.screenshot({ path: path.join(artifacts, 'inbox-long-team-name.png') });
    const wide = await measure(page);
    expect(wide.buttons).toHaveLength(2);
    for (const b of wide.buttons) {
      expect(b.ellipsis).toBe(true);
      expect(b.truncated).toBe(true);
      expect([unbroken, spaced]).toContain(b.title);
      // One line, inside the sidebar, which stays clear of the case list.
      expect(b.height).toBeLessThan(40);
      expect(b.right).toBeLessThanOrEqual(wide.navRight + 0.5);
    }
    expect(wide.navRight).toBeLessThanOrEqual(wide.columnLeft);
    expect(wide.pageOverflow).toBeLessThanOrEqual(0);

    // It still picks the team's view.
    await team.click();
    await page.waitForURL(/[?&]view=team(:|%3A)/);
    // The address changes before the sidebar re-renders: wait for the mark, do not read it at once.
    await expect.poll(() => team.getAttribute('aria-current')).toBe('page');

    // Narrower, the views wrap above the list: a long name is cut there too, not stretched across.
    await page.setViewportSize({ width: 1000, height: 900 });
    const narrow = await measure(page);
    for (const b of narrow.buttons) {
      expect(b.ellipsis).toBe(true);
      expect(b.truncated).toBe(true);
      expect(b.height).toBeLessThan(40);
    }
    expect(narrow.pageOverflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 390, height: 800 });
    expect((await measure(page)).pageOverflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(artifacts, 'inbox-long-team-name-phone.png') });

    expect(scriptErrors).toEqual([]);
    await context.close();
  });
});
