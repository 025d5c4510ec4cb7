import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

const newPassword = 'a long new passphrase';
let passwordChanged = false;

/** The owner's first sign-in replaces the one-time password; later ones (in either test) use the new one. */
async function signInOwner(page: Page) {
  if (passwordChanged) await signIn(page, server.url, ownerEmail, newPassword);
  else {
    await signIn(page, server.url, ownerEmail, server.password, newPassword);
    passwordChanged = true;
  }
}

describe('undoing a solve', () => {
  it('solving with e shows "Case #n solved. Undo" with the held survey; Undo and z (and Undo after the Status control) put the case back and withdraw the survey', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signInOwner(page);
    // The demo history surveyed some of the stream's customers this week; with no cooldown the
    // survey asks whichever customer the first case has (the cooldown is not what this tests).
    const cooldown = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const { items } = (await (await fetch('/api/v1/surveys')).json()) as {
        items: { id: string; trigger: string }[];
      };
      const survey = items.find((s) => s.trigger === 'case_solved');
      const res = await fetch(`/api/v1/surveys/${survey?.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ cooldownDays: 0 }),
      });
      return ((await res.json()) as { cooldownDays: number }).cooldownDays;
    });
    expect(cooldown).toBe(0);

    // A demo Bluesky complaint: a case with a customer, whom the demo's survey asks in the thread.
    await page.goto(`${server.url}/inbox?view=channel:bluesky&tag=complaint`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    const list = page.getByRole('list', { name: 'bluesky cases' });
    const first = list.getByRole('link', { name: /^#\d+ / }).first();
    await first.waitFor();
    const number = Number(/#(\d+)/.exec((await first.textContent()) ?? '')?.[1]);
    expect(number).toBeGreaterThan(0);
    await first.click();
    const detail = page.getByRole('article', { name: new RegExp(`#${number} `) });
    const status = detail.getByLabel('Status');
    await status.waitFor();
    const before = await status.inputValue();
    expect(before).not.toBe('solved');

    // `?` lists the undo key.
    await page.locator('main').focus();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.textContent()).toContain('Undo the solve while its notice shows');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    // e solves; the notice says so, and how long the survey waits by the server's hold, counting down.
    await page.locator('main').focus();
    await page.keyboard.press('e');
    const toast = page.locator('.undo-toast-region[role="status"]');
    await toast.getByText(`Case #${number} solved.`).waitFor();
    const countdown = toast.locator('.undo-countdown');
    const waitPattern = /^The survey goes to the customer in (\d+) s unless you undo\.$/;
    const secondsShown = async () => Number(waitPattern.exec((await countdown.textContent()) ?? '')?.[1]);
    const shownFirst = await secondsShown();
    expect(shownFirst).toBeGreaterThan(20);
    expect(shownFirst).toBeLessThanOrEqual(30);
    // The ticking copy is hidden from screen readers, which are told the count once.
    expect(await countdown.getAttribute('aria-hidden')).toBe('true');
    expect(await toast.locator('.visually-hidden').first().textContent()).toMatch(waitPattern);
    await expect.poll(secondsShown, { timeout: 5_000 }).toBeLessThan(shownFirst);
    await expect.poll(() => status.inputValue()).toBe('solved');
    await page.screenshot({ path: path.join(artifacts, 'inbox-undo-solve.png') });

    // Undo (the button): back to the status it had, the survey withdrawn.
    await toast.getByRole('button', { name: /^Undo/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Case #${number} is` })
      .filter({ hasText: 'again; its survey was withdrawn.' })
      .waitFor();
    await toast.getByText(`Case #${number} solved.`).waitFor({ state: 'detached' });
    await expect.poll(() => status.inputValue()).toBe(before);
    const caseId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const surveys = await page.evaluate<{ status: string }[], string>(
      async (id) =>
        ((await (await fetch(`/api/v1/cases/${id}/surveys`)).json()) as { items: { status: string }[] })
          .items,
      caseId,
    );
    expect(surveys[0]?.status).toBe('withdrawn');
    // The case's Satisfaction section says so, and offers no link to copy for it.
    const satisfaction = detail.getByRole('region', { name: 'Satisfaction' });
    const withdrawn = satisfaction
      .getByRole('list', { name: 'Surveys of this case' })
      .getByRole('listitem')
      .filter({ hasText: 'Withdrawn (case reopened)' });
    await withdrawn.first().waitFor();
    expect(
      await withdrawn
        .first()
        .getByRole('button', { name: /^Copy link/ })
        .count(),
    ).toBe(0);

    // Solved again: a new survey is held; z undoes this time.
    await page.locator('main').focus();
    await page.keyboard.press('e');
    await toast.getByText(`Case #${number} solved.`).waitFor();
    expect(await countdown.textContent()).toMatch(waitPattern);
    await page.keyboard.press('z');
    await toast.getByText(`Case #${number} solved.`).waitFor({ state: 'detached' });
    await expect.poll(() => status.inputValue()).toBe(before);
    // Undone, the case is listed again in its view.
    await list.getByRole('link', { name: new RegExp(`^#${number} `) }).waitFor();

    // The Status control solves with the same offer; Undo puts the case back again.
    await status.selectOption('solved');
    await toast.getByText(`Case #${number} solved.`).waitFor();
    await toast.getByRole('button', { name: /^Undo/ }).click();
    await toast.getByText(`Case #${number} solved.`).waitFor({ state: 'detached' });
    await expect.poll(() => status.inputValue()).toBe(before);
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('a bulk solve shows "3 cases solved. Undo"; z puts back each case still solved to its own status, withdraws their held surveys, and names the one changed meanwhile', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signInOwner(page);

    type Card = { id: string; number: number; status: string };
    const api = <T>(method: string, url: string, body?: unknown) =>
      page.evaluate<T, { method: string; url: string; body?: unknown }>(
        async (r) => {
          const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
          const res = await fetch(r.url, {
            method: r.method,
            headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
            body: r.body === undefined ? undefined : JSON.stringify(r.body),
          });
          return (await res.json()) as T;
        },
        { method, url, body },
      );
    const statusOf = async (id: string) => (await api<Card>('GET', `/api/v1/cases/${id}`)).status;
    const surveysOf = async (id: string) =>
      (
        await api<{ items: { status: string; heldUntil: string | null }[] }>(
          'GET',
          `/api/v1/cases/${id}/surveys`,
        )
      ).items;

    // Three active cases of the view; one is set on hold first, so the batch's statuses differ.
    const active = (
      await api<{ items: Card[] }>('GET', '/api/v1/cases?channel=bluesky&status=active&limit=3')
    ).items;
    expect(active).toHaveLength(3);
    const [a, b, c] = active as [Card, Card, Card];
    await api('PATCH', `/api/v1/cases/${b.id}`, { status: 'on_hold' });
    // The inbox opens after that change, so its list shows each case's status as it is.
    await page.goto(`${server.url}/inbox?view=channel:bluesky`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    const list = page.getByRole('list', { name: 'bluesky cases' });
    await list.getByRole('link', { name: new RegExp(`^#${b.number} `) }).waitFor();
    const before = new Map<string, string>();
    for (const x of active) before.set(x.id, await statusOf(x.id));
    expect(before.get(b.id)).toBe('on_hold');

    for (const x of active) await list.getByRole('checkbox', { name: `Select case #${x.number}` }).check();
    await page.getByLabel('Set status of the selected cases').selectOption('solved');
    const toast = page.locator('.undo-toast-region[role="status"]');
    await toast.getByText('3 cases solved.').waitFor();
    for (const x of active) await expect.poll(() => statusOf(x.id)).toBe('solved');
    const held = new Set<string>();
    for (const x of active) if ((await surveysOf(x.id))[0]?.heldUntil) held.add(x.id);
    // The demo's customers have not been asked yet: the solves hold surveys, which undo withdraws.
    expect(held.size).toBeGreaterThan(0);
    expect(await toast.locator('.undo-countdown').textContent()).toMatch(
      held.size === 1
        ? /^The survey goes to the customer in \d+ s unless you undo\.$/
        : new RegExp(`^${held.size} surveys go to their customers in \\d+ s unless you undo\\.$`),
    );
    await page.screenshot({ path: path.join(artifacts, 'inbox-undo-bulk-solve.png') });

    // Meanwhile someone reopens one of them: undo leaves it as they set it.
    await api('PATCH', `/api/v1/cases/${c.id}`, { status: 'open' });
    await page.locator('main').focus();
    await page.keyboard.press('z');
    const report = page
      .getByRole('status')
      .filter({ hasText: '2 cases put back to the status each had' })
      .filter({ hasText: `Not undone, no longer solved (changed since): #${c.number}.` });
    await report.waitFor();
    await toast.getByText('3 cases solved.').waitFor({ state: 'detached' });
    expect(await statusOf(a.id)).toBe(before.get(a.id));
    expect(await statusOf(b.id)).toBe('on_hold');
    expect(await statusOf(c.id)).toBe('open');
    // The surveys the batch's solves held are withdrawn by the reopening (PATCH /cases/{id}).
    for (const x of [a, b]) if (held.has(x.id)) expect((await surveysOf(x.id))[0]?.status).toBe('withdrawn');
    const withdrawnCount = [a, b].filter((x) => held.has(x.id)).length;
    if (withdrawnCount > 0)
      expect(await report.textContent()).toContain(
        `${withdrawnCount === 1 ? '1 survey' : `${withdrawnCount} surveys`} withdrawn`,
      );
    // Undone, the cases are listed again in their active view.
    await list.getByRole('link', { name: new RegExp(`^#${a.number} `) }).waitFor();
    await list.getByRole('link', { name: new RegExp(`^#${b.number} `) }).waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
