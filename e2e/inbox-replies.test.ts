import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn, signInAsNewUser } from './session.ts';

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

/** As the signed-in owner, creates a user through the API and returns their one-time password. */
async function createUser(page: Page, user: { email: string; name: string; role: string }): Promise<string> {
  return page.evaluate(async (body) => {
    const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as { temporaryPassword: string }).temporaryPassword;
  }, user);
}

describe('inbox replies, notes and service levels', () => {
  it('a manager sets a 30-minute policy and sees the countdown; an agent notes, mentions, picks a canned response and is told clearly why the reply cannot go out', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, password);
    const agentPassword = await createUser(page, {
      email: 'ali@demo.test',
      name: 'Ali Agent',
      role: 'agent',
    });
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mia@demo.test', name: 'Mia Manager', role: 'manager' },
      password,
    );

    // The manager: Settings → Service levels, a policy for Bluesky answered within 30 minutes, around the clock.
    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: 'Service levels' }).click();
    await page.getByRole('heading', { name: 'Service levels', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Attainment, last 30 days' }).waitFor();
    await page.getByRole('heading', { name: 'Business hours' }).waitFor();
    expect(await page.getByLabel('Monday window 1 opens').inputValue()).toBe('09:00');
    await page.getByRole('button', { name: 'New policy' }).click();
    const editor = page.getByRole('form', { name: 'New SLA policy' });
    await editor.getByLabel('Policy name').fill('Bluesky within 30 minutes');
    await editor.getByRole('group', { name: 'Channels' }).getByText('bluesky', { exact: true }).click();
    await editor.getByLabel('First response', { exact: true }).fill('30');
    await editor.getByLabel('First response unit').selectOption('minutes');
    await editor.getByLabel('Resolution', { exact: true }).fill('');
    await editor.getByText('Calendar time (around the clock)').click();
    await editor.screenshot({ path: path.join(artifacts, 'inbox-sla-policy-editor.png') });
    await editor.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').filter({ hasText: 'Policy “Bluesky within 30 minutes” saved' }).waitFor();
    const policies = page.getByRole('list', { name: 'SLA policies, in the order they are matched' });
    const ours = policies.getByRole('listitem').filter({ hasText: 'Bluesky within 30 minutes' });
    expect(await ours.textContent()).toContain('Cases on bluesky → first response 30 min (calendar time');
    // Policies match in order: move it above the demo's catch-all ones.
    const names = await policies.locator('.rule-name').allTextContents();
    const at = names.indexOf('Bluesky within 30 minutes');
    expect(at).toBeGreaterThan(0);
    for (let position = at; position >= 1; position--) {
      await page.getByRole('button', { name: 'Move Bluesky within 30 minutes up' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `“Bluesky within 30 minutes” moved up to position ${position}.` })
        .waitFor();
    }
    expect(await policies.locator('.rule-name').first().textContent()).toBe('Bluesky within 30 minutes');
    await page.screenshot({ path: path.join(artifacts, 'inbox-sla-settings.png'), fullPage: true });

    // The inbox: a Bluesky case counts down from 30 minutes (its clock started when the case was made).
    await page.goto(`${server.url}/inbox?view=channel:bluesky`);
    const list = page.getByRole('list', { name: 'bluesky cases' });
    const firstCard = list.getByRole('listitem').first();
    await firstCard.waitFor();
    const chip = firstCard.locator('.chip.sla');
    await chip.filter({ hasText: /^Reply in (\d|[12]\d|30)m$/ }).waitFor();
    const cardLink = firstCard.getByRole('link', { name: /^#\d+ / });
    const caseNumber = Number(/^#(\d+)/.exec((await cardLink.textContent()) ?? '')?.[1]);
    expect(caseNumber).toBeGreaterThan(0);
    await cardLink.click();
    const detail = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    const sla = detail.getByRole('region', { name: 'Service level' });
    await sla.getByText('target 30 min').waitFor();
    expect(await sla.textContent()).toMatch(/First response\s*Running/);
    await page.screenshot({ path: path.join(artifacts, 'inbox-sla-countdown.png') });
    // Due within the hour: the "Breaching soon" view lists it.
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Breaching soon' })
      .click();
    await page
      .getByRole('list', { name: 'Breaching soon cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .waitFor();

    // The agent: opens the case with the keyboard (j selects, r opens it with the composer focused).
    await page.context().clearCookies();
    await signIn(page, server.url, 'ali@demo.test', agentPassword, password);
    await page.goto(`${server.url}/inbox?search=%23${caseNumber}`);
    await page
      .getByRole('list', { name: 'All active cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .waitFor();
    await page.locator('main').focus();
    await page.keyboard.press('j');
    await page.keyboard.press('r');
    const opened = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    const composer = opened.getByRole('region', { name: 'Reply composer' });
    const text = composer.getByRole('textbox', { name: 'Public reply' });
    await text.waitFor();
    await page.waitForFunction('document.activeElement?.tagName === "TEXTAREA"');
    await opened.getByRole('region', { name: 'Service level' }).getByText('target 30 min').waitFor();

    // The counter knows Bluesky's limit; while there is text, colleagues see the agent replying.
    await text.fill('x'.repeat(301));
    await composer.getByText('301 / 300 characters on bluesky — 1 too many').waitFor();
    expect(await composer.getByRole('button', { name: 'Send reply' }).isDisabled()).toBe(true);
    const presence = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const source = new EventSource('/api/v1/inbox/stream');
          source.addEventListener('presence', (e) => {
            const list = JSON.parse((e as unknown as { data: string }).data) as {
              name: string;
              state: string;
            }[];
            if (list.some((p) => p.name === 'Ali Agent' && p.state === 'replying')) {
              source.close();
              resolve('replying');
            }
          });
        }),
    );
    expect(presence).toBe('replying');
    await text.fill('');

    // An internal note that mentions a colleague, chosen from the @ suggestions.
    await composer.getByRole('button', { name: 'Internal note' }).click();
    const noteComposer = opened.getByRole('region', { name: 'Internal note composer' });
    await noteComposer.getByText('only your team sees notes').waitFor();
    const note = noteComposer.getByRole('textbox', { name: 'Internal note' });
    // The @ suggestions come from the workspace's people, loaded with the inbox: wait for them
    // (the case's assignee list shows them too) before typing.
    await opened
      .getByLabel('Assignee')
      .locator('option', { hasText: 'Mia Manager' })
      .waitFor({ state: 'attached' });
    await note.click();
    await note.pressSequentially('Booking looks odd, @Mi');
    const mia = noteComposer
      .getByRole('listbox', { name: 'Colleagues' })
      .getByRole('option', { name: /Mia Manager/ });
    await mia.click();
    await note.pressSequentially('can you check the fare?');
    expect(await note.inputValue()).toBe('Booking looks odd, @Mia Manager can you check the fare?');
    await noteComposer.getByRole('button', { name: 'Add note' }).click();
    await noteComposer.getByRole('status').filter({ hasText: 'Mia Manager was notified' }).waitFor();
    const notes = opened.getByRole('region', { name: 'Internal notes' });
    const added = notes.getByRole('listitem').filter({ hasText: 'can you check the fare?' });
    await added.waitFor();
    expect(await added.textContent()).toContain('Internal note');
    expect(await added.textContent()).toContain('Mentioned: Mia Manager');

    // A canned response, filled in for this case, then a public reply: no Bluesky account is set up
    // here, so the server refuses it and says why.
    await noteComposer.getByRole('button', { name: 'Reply' }).click();
    await composer.getByLabel('Insert a canned response').selectOption({ label: 'Sorry for the delay' });
    await expect.poll(() => text.inputValue()).toContain('Ali Agent');
    const filled = await text.inputValue();
    expect(filled).toContain('Ali Agent from');
    expect(filled).not.toContain('{{');
    await composer.getByText(new RegExp(`^${[...filled].length} / 300 characters on bluesky`)).waitFor();
    // Demo posts are answered through the demo connector when no real account exists; with it
    // switched off nothing can send on Bluesky, and the agent is told so.
    const db = new Database(path.join(server.dataDir, 'rapport.sqlite'));
    db.prepare("update connectors set enabled = 0 where kind = 'demo'").run();
    db.close();
    await composer.getByRole('button', { name: 'Send reply' }).click();
    const refusal = composer.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Not sent: No Bluesky account to reply from');
    expect(await text.inputValue()).toBe(filled);
    await page.screenshot({ path: path.join(artifacts, 'inbox-reply-refused.png') });

    // So the agent keeps it as an internal note instead.
    await composer.getByRole('button', { name: 'Internal note' }).click();
    expect(await noteComposer.getByRole('textbox', { name: 'Internal note' }).inputValue()).toBe(filled);
    await noteComposer.getByRole('button', { name: 'Add note' }).click();
    await noteComposer.getByRole('status').filter({ hasText: 'Internal note added.' }).waitFor();
    await notes.getByRole('listitem').filter({ hasText: 'Ali Agent from' }).waitFor();
    expect(await notes.getByRole('listitem').count()).toBe(2);
    // The activity feed records both notes.
    await opened.locator('.feed-text').filter({ hasText: 'Internal note by Ali Agent' }).first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'inbox-notes.png'), fullPage: true });

    // Canned responses of one's own: an agent's are private (no sharing).
    await page.goto(`${server.url}/settings/canned-responses`);
    await page.getByRole('heading', { name: 'Canned responses', level: 1 }).waitFor();
    // Leaving the case by loading another page (no React unmount runs) still clears the agent's
    // presence at once: colleagues do not see them on the case until it expires (30 s).
    const stillThere = await page.evaluate(
      () =>
        new Promise<boolean>((resolve) => {
          const source = new EventSource('/api/v1/inbox/stream');
          let ali = true;
          const done = () => {
            source.close();
            resolve(ali);
          };
          // The first list is the state now; a later one only comes with a change.
          const timer = setTimeout(done, 5_000);
          source.addEventListener('presence', (e) => {
            const list = JSON.parse((e as unknown as { data: string }).data) as { name: string }[];
            ali = list.some((p) => p.name === 'Ali Agent');
            if (!ali) {
              clearTimeout(timer);
              done();
            }
          });
        }),
    );
    expect(stillThere).toBe(false);
    await page.getByRole('button', { name: 'New canned response' }).click();
    const form = page.getByRole('form', { name: 'New canned response' });
    await form.getByLabel('Name').fill('Thanks');
    await form.getByLabel('Text').fill('Thank you ');
    await form.getByRole('button', { name: '{{customer.name}}' }).click();
    expect(await form.getByLabel('Text').inputValue()).toBe('Thank you {{customer.name}}');
    expect(await form.getByText('Shared with everyone in the workspace').count()).toBe(0);
    await form.getByRole('button', { name: 'Save response' }).click();
    await page.getByRole('status').filter({ hasText: 'Canned response “Thanks” saved.' }).waitFor();
    const mine = page
      .getByRole('list', { name: 'Canned responses' })
      .getByRole('listitem')
      .filter({ hasText: 'Thanks' });
    expect(await mine.textContent()).toContain('only you');
    await page.screenshot({ path: path.join(artifacts, 'inbox-canned-responses.png'), fullPage: true });

    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
