import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * What a person types in the inbox is theirs until they save or send it: a colleague's change
 * arriving live does not wipe it, nor does opening another case; a placeholder left from a canned
 * response does not go out; and the focus stays somewhere after the button pressed goes away.
 */

let server: StartedServer;
let browser: Browser;
let page: Page;
const password = 'a long new passphrase';
type CaseRow = { id: string; number: number; subject: string; priority: string };
let cases: CaseRow[] = [];

/** A call to the API from the signed-in page, with the session's CSRF token. */
async function api(method: string, url: string, body?: unknown) {
  return page.evaluate(
    async ({ method, url, body }) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json().catch(() => null)) as unknown };
    },
    { method, url, body },
  );
}

/** The active element's tag, text and accessible name-ish, to say where the focus is. */
const focused = (p: Page) =>
  p.locator('body').evaluate((body) => {
    const el = body.ownerDocument.activeElement;
    return { tag: el?.tagName ?? '', text: el?.textContent ?? '' };
  });

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  await signIn(page, server.url, ownerEmail, server.password, password);
  const listed = await api('GET', '/api/v1/cases?status=active&limit=10');
  cases = (listed.json as { items: CaseRow[] }).items;
  expect(cases.length).toBeGreaterThanOrEqual(2);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('inbox editing', () => {
  it("keeps the tags a person is typing when a colleague's change to the case arrives live", async () => {
    const c = cases[0] as CaseRow;
    await page.goto(`${server.url}/inbox/${c.id}`);
    const fields = page.getByRole('region', { name: 'Fields' });
    const tags = fields.getByLabel('Tags', { exact: true });
    await tags.waitFor();
    await tags.fill('sales, vip, wifi');
    const priority = c.priority === 'urgent' ? 'low' : 'urgent';
    expect((await api('PATCH', `/api/v1/cases/${c.id}`, { priority })).status).toBe(200);
    // The live update has reached the open case: its priority shows the colleague's change.
    await expect
      .poll(() => fields.getByLabel('Priority', { exact: true }).inputValue(), { timeout: 15_000 })
      .toBe(priority);
    await page.waitForTimeout(300);
    expect(await tags.inputValue()).toBe('sales, vip, wifi');
    // Saving takes the text, and the field shows what was saved.
    await tags.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Tags set to sales, vip, wifi' }).waitFor();
    await expect.poll(() => tags.inputValue(), { timeout: 5_000 }).toBe('sales vip wifi');
    // Escape gives back the saved tags.
    await tags.fill('oops');
    await tags.press('Escape');
    expect(await tags.inputValue()).toBe('sales vip wifi');
  });

  it('keeps a reply draft per case while the person opens another one, and forgets it once sent', async () => {
    const [a, b] = cases as [CaseRow, CaseRow];
    await page.goto(`${server.url}/inbox/${a.id}`);
    const composer = page.getByRole('region', { name: /composer$/ });
    await composer.locator('textarea').fill('Half-written answer for A');
    await page.locator(`a[href^="/inbox/${b.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`#${b.number} `) }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('');
    await composer.getByRole('button', { name: 'Internal note' }).click();
    await composer.locator('textarea').fill('A note for B');
    await page.locator(`a[href^="/inbox/${a.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`#${a.number} `) }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('Half-written answer for A');
    await page.locator(`a[href^="/inbox/${b.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`#${b.number} `) }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('A note for B');
    expect(await composer.getByRole('button', { name: 'Internal note' }).getAttribute('aria-pressed')).toBe(
      'true',
    );

    // Adding the note sends it: the composer is empty, the focus stays in it, and no draft is kept.
    await composer.getByRole('button', { name: 'Add note' }).click();
    await composer.getByRole('status').filter({ hasText: 'Internal note added' }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('');
    expect((await focused(page)).tag).toBe('TEXTAREA');
    await page.locator(`a[href^="/inbox/${a.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`#${a.number} `) }).waitFor();
    await page.locator(`a[href^="/inbox/${b.id}"]`).first().click();
    await page.getByRole('heading', { name: new RegExp(`#${b.number} `) }).waitFor();
    expect(await composer.locator('textarea').inputValue()).toBe('');
  });

  it('refuses to send a reply that still holds a {{…}} placeholder, saying which', async () => {
    const c = cases[1] as CaseRow;
    await page.goto(`${server.url}/inbox/${c.id}`);
    const composer = page.getByRole('region', { name: /composer$/ });
    await composer.getByRole('button', { name: 'Reply', exact: true }).click();
    await composer.locator('textarea').fill('Hi {{customer.first_name}}, we are on it.');
    await composer.getByRole('button', { name: /^Send/ }).click();
    const alert = composer.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('{{customer.first_name}}');
    expect(await composer.locator('textarea').inputValue()).toBe('Hi {{customer.first_name}}, we are on it.');
    const detail = await api('GET', `/api/v1/cases/${c.id}`);
    expect((detail.json as { replies?: unknown[] }).replies ?? []).toHaveLength(0);
  });

  it('says no case matches a search, and clears it', async () => {
    await page.goto(`${server.url}/inbox?search=zqxnothingmatches`);
    const notice = page.getByText('No case in All active matches “zqxnothingmatches”.');
    await notice.waitFor();
    expect(await page.getByText('Create cases from mentions').count()).toBe(0);
    await page.getByRole('button', { name: 'Clear search and filters' }).click();
    await page.getByRole('list', { name: 'All active cases' }).waitFor();
    expect(page.url()).not.toContain('search=');
  });

  it('exports what the view and its search select as a CSV file', async () => {
    const [one] = cases;
    if (!one) throw new Error('the demo has cases');
    await page.goto(`${server.url}/inbox?search=${encodeURIComponent(`#${one.number}`)}`);
    await page.getByRole('list', { name: 'All active cases' }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^cases-\d{4}-\d{2}-\d{2}\.csv$/);
    const [header, ...lines] = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\n');
    expect(header).toMatch(/^number,subject,status,priority,type,channel,customer_id,customer_name,/);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.startsWith(`${one.number},`)).toBe(true);
  });

  it('keeps the view asked for last when the answer to an earlier search arrives after it', async () => {
    await page.route(
      (url) => url.pathname === '/api/v1/cases' && url.searchParams.get('search') === 'zqxslowsearch',
      async (route) => {
        const response = await route.fetch();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.fulfill({ response });
      },
    );
    await page.goto(`${server.url}/inbox`);
    const list = page.getByRole('list', { name: 'All active cases' });
    await list.waitFor();
    const slow = page.waitForEvent('requestfinished', (r) => r.url().includes('search=zqxslowsearch'));
    const box = page.getByRole('searchbox', {
      name: 'Search subjects, customers and posts, or a case number',
    });
    await box.fill('zqxslowsearch');
    await box.press('Enter');
    await page.waitForURL((url) => url.searchParams.get('search') === 'zqxslowsearch');
    // The box keeps the focus, so what is typed next goes on refining, not to the shortcuts.
    await expect.poll(() => box.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await box.fill('');
    await box.press('Enter');
    await page.waitForURL((url) => !url.searchParams.has('search'));
    await list.waitFor();
    await slow;
    // Let the page read the late answer and render whatever it would.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(await page.getByText('No case in All active matches “zqxslowsearch”.').count()).toBe(0);
    expect(await list.getByRole('listitem').count()).toBeGreaterThan(0);
    await page.unroute('**/*');
  });

  it('puts the focus on the saved canned response', async () => {
    await page.goto(`${server.url}/settings/canned-responses`);
    await page.getByRole('button', { name: 'New canned response' }).click();
    await page.getByLabel('Name').fill('Thanks for waiting');
    await page.getByLabel('Text').fill('Thanks for waiting, {{customer.name}}.');
    await page.getByRole('button', { name: 'Save response' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Canned response “Thanks for waiting” saved.' })
      .waitFor();
    await expect.poll(async () => (await focused(page)).text).toBe('Thanks for waiting');
    expect((await focused(page)).tag).toBe('H2');
  });
});
