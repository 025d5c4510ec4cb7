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

describe('undoing a solve', () => {
  it('solving with e shows "Case #n solved. Undo" with the held survey; Undo and z (and Undo after the Status control) put the case back and withdraw the survey', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');

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

    // e solves; the notice says so, and that the survey waits 30 s.
    await page.locator('main').focus();
    await page.keyboard.press('e');
    const toast = page.locator('.undo-toast-region[role="status"]');
    await toast.getByText(`Case #${number} solved.`).waitFor();
    expect(await toast.textContent()).toContain('The survey goes to the customer in 30 s unless you undo.');
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
    expect(await toast.textContent()).toContain('The survey goes to the customer in 30 s');
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
});
