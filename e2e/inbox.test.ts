import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
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
  // The owner's one-time password is replaced once, so each test signs in with the new one.
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The card of a post in the Listening stream, found by its text (new posts push cards down). */
/** The first post on the page that nobody has decided on yet (the demo's rules decide some). */
async function undecidedCard(page: Page): Promise<{ card: Locator; text: string }> {
  const first = page
    .locator('article.mention')
    .filter({ has: page.getByRole('button', { name: 'Decide what becomes of this post' }) })
    .first();
  await first.waitFor();
  const id = await first.getAttribute('data-mention-id');
  expect(id).toBeTruthy();
  // Pinned by its id: the demo repeats texts, and the card stays the same card once decided.
  const card = page.locator(`article.mention[data-mention-id="${id}"]`).first();
  const text = (await card.locator('.mention-text').textContent()) ?? '';
  expect(text.length).toBeGreaterThan(0);
  return { card, text };
}

describe('inbox', () => {
  it('turns mentions into decisions and a case, works the case by keyboard, and a manager tries a routing rule', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);

    // Listening: dismiss one post as spam, make a case of another.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Listening' }).click();
    await page.getByRole('heading', { name: 'Listening', level: 1 }).waitFor();
    const dismissed = await undecidedCard(page);
    await dismissed.card.getByRole('button', { name: 'Decide what becomes of this post' }).click();
    await dismissed.card.getByRole('button', { name: 'Dismiss…' }).click();
    await dismissed.card.getByRole('button', { name: 'Spam' }).click();
    await dismissed.card.getByText('Dismissed · spam').waitFor();

    const { card: caseCard, text: caseText } = await undecidedCard(page);
    await caseCard.getByRole('button', { name: 'Decide what becomes of this post' }).click();
    await caseCard.getByRole('button', { name: 'Create case' }).click();
    const caseLink = caseCard.getByRole('link', { name: /^Case #\d+$/ });
    await caseLink.waitFor();
    const caseNumber = Number((await caseLink.textContent())?.replace(/\D+/g, ''));
    expect(caseNumber).toBeGreaterThan(0);
    const author = (await caseCard.locator('.mention-who strong').textContent()) ?? '';
    expect(author.length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(artifacts, 'inbox-listening-dispositions.png') });

    // Inbox: the case is listed with its number; open it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).click();
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    const list = page.getByRole('list', { name: 'All active cases' });
    const cardLink = list.getByRole('link', { name: new RegExp(`^#${caseNumber} `) });
    await cardLink.waitFor();
    await page.getByText(/% heard of \d+ matched mentions/).waitFor();
    await cardLink.click();
    const detail = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    await detail.getByRole('region', { name: 'Conversations' }).waitFor();
    expect(await detail.locator('.post-text').first().textContent()).toBe(caseText);
    await detail.getByText('Case created by Demo Owner').waitFor();

    // Keyboard: the help overlay, then a (assign to me) and e (solve).
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.textContent()).toContain('Assign the selected case to me');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await page.locator('main').focus();
    await page.keyboard.press('a');
    await detail.getByText('Assigned to Demo Owner by Demo Owner').waitFor();
    expect(await detail.getByLabel('Assignee').inputValue()).not.toBe('');
    await page.keyboard.press('e');
    await detail.getByText('Status New → Solved by Demo Owner').waitFor();
    expect(await detail.getByLabel('Status').inputValue()).toBe('solved');
    // Solved, the case leaves the list of active cases; its detail stays open.
    await list.getByRole('link', { name: new RegExp(`^#${caseNumber} `) }).waitFor({ state: 'detached' });
    expect(await detail.getByLabel('Status').inputValue()).toBe('solved');
    // The feed reads newest first (solving also sends the demo's satisfaction survey, as a reply
    // on the case: those lines come above the status change).
    const lines = await detail.locator('.feed-text').allTextContents();
    const solvedAt = lines.findIndex((l) => l.includes('Status New → Solved'));
    const assignedAt = lines.findIndex((l) => l.includes('Assigned to Demo Owner'));
    expect(solvedAt).toBeGreaterThanOrEqual(0);
    expect(assignedAt).toBeGreaterThan(solvedAt);
    expect(lines.at(-1)).toContain('Case created');
    await page.screenshot({ path: path.join(artifacts, 'inbox-case.png') });

    // The Solved view lists it.
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Solved' }).click();
    await page
      .getByRole('list', { name: 'Solved cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .waitFor();
    // / puts the cursor in the search box; the slash is not typed into it.
    await page.locator('main').focus();
    await page.keyboard.press('/');
    const search = page.getByRole('searchbox', {
      name: 'Search subjects, customers and posts, or a case number',
    });
    await expect.poll(() => search.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await page.keyboard.type(`#${caseNumber}`);
    expect(await search.inputValue()).toBe(`#${caseNumber}`);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.getByRole('list', { name: 'Solved cases' }).getByRole('link').count())
      .toBe(1);
    // The search finds it by its customer's name as well.
    await search.fill(author);
    await page.keyboard.press('Enter');
    await page
      .getByRole('list', { name: 'Solved cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .waitFor();
    await search.fill('');
    await page.keyboard.press('Enter');

    // Saved views: the current filters saved under a name show in the sidebar with their count.
    const views = page.getByRole('navigation', { name: 'Views' });
    await views.getByRole('button', { name: 'Save view' }).click();
    const saveForm = page.getByRole('form', { name: 'Save view' });
    await saveForm.getByLabel('View name').fill('Done lately');
    await saveForm.getByRole('button', { name: 'Save' }).click();
    const savedList = views.getByRole('list', { name: 'Saved views' });
    const savedButton = savedList.getByRole('button', { name: /^Done lately, \d+ cases?$/ });
    await savedButton.waitFor();
    const label = (await savedButton.getAttribute('aria-label')) ?? '';
    expect(Number(/(\d+) cases?$/.exec(label)?.[1])).toBeGreaterThanOrEqual(1);
    expect(page.url()).toMatch(/[?&]view=saved%3A|[?&]view=saved:/);
    await page
      .getByRole('list', { name: 'Done lately cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .waitFor();
    // Its menu renames it; the keyboard shortcuts still answer afterwards.
    await savedList.getByRole('button', { name: 'Actions for view Done lately' }).click();
    await savedList.getByRole('button', { name: 'Rename…' }).click();
    await savedList.getByLabel('New name').fill('Solved by me');
    await savedList.getByRole('button', { name: 'Rename', exact: true }).click();
    await savedList.getByRole('button', { name: /^Solved by me, \d+ cases?$/ }).waitFor();
    await page.locator('main').focus();
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.screenshot({ path: path.join(artifacts, 'inbox-saved-views.png') });

    // A saved view keeps its filters when opened again: after a reload its priority is still asked
    // of the server and shown; "Any priority" lifts it.
    await page.goto(`${server.url}/inbox?view=active&priority=high`);
    await views.getByRole('button', { name: 'Save view' }).click();
    await saveForm.getByLabel('View name').fill('High ones');
    await saveForm.getByRole('button', { name: 'Save' }).click();
    await savedList.getByRole('button', { name: /^High ones, \d+ cases?$/ }).waitFor();
    expect(new URL(page.url()).searchParams.get('priority')).toBeNull();
    // The saved view is shown (and its list asked for) before the reload, so that the request
    // awaited below is the reloaded page's.
    const priority = page.getByRole('combobox', { name: 'Priority' });
    await expect.poll(() => priority.inputValue()).toBe('high');
    const askedHigh = page.waitForRequest(
      (r) => r.url().includes('/api/v1/cases?') && new URL(r.url()).searchParams.get('priority') === 'high',
    );
    await page.reload();
    await askedHigh;
    await expect.poll(() => priority.inputValue()).toBe('high');
    const askedAny = page.waitForRequest(
      (r) =>
        r.url().includes('/api/v1/cases?') &&
        !new URL(r.url()).searchParams.has('priority') &&
        !new URL(r.url()).searchParams.has('number'),
    );
    await priority.selectOption('');
    await askedAny;
    expect(new URL(page.url()).searchParams.get('priority')).toBe('any');

    // A manager: a team, then a routing rule tried on past mentions and saved.
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mia@demo.test', name: 'Mia Manager', role: 'manager' },
      password,
    );
    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: 'Teams' }).click();
    const newTeam = page.getByRole('form', { name: 'New team' });
    await newTeam.getByLabel('Team name').fill('Tier 1');
    await newTeam.getByText('Mia Manager').click();
    await newTeam.getByRole('button', { name: 'Create team' }).click();
    await page.getByRole('status').filter({ hasText: 'Team “Tier 1” created.' }).waitFor();
    await page.getByRole('form', { name: 'Team Tier 1' }).waitFor();

    await page.goto(`${server.url}/settings/routing-rules`);
    await page.getByRole('heading', { name: 'Routing rules', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New rule' }).click();
    const editor = page.getByRole('form', { name: 'New routing rule' });
    await editor.getByLabel('Rule name').fill('Unhappy customers');
    // Removing a row shows the next one as it is: two keyword conditions, the first removed.
    for (const [n, words] of [
      [1, 'refund'],
      [2, 'bag, luggage'],
    ] as const) {
      await editor.getByRole('button', { name: 'Add condition' }).click();
      await editor.getByLabel(`Condition ${n} field`).selectOption('keywords');
      await editor.getByLabel(`Condition ${n} values, separated by commas`).fill(words);
    }
    await editor.getByRole('button', { name: 'Remove condition 1' }).click();
    expect(await editor.getByLabel('Condition 1 values, separated by commas').inputValue()).toBe(
      'bag, luggage',
    );
    // A condition left empty is refused in words, under its row.
    await editor.getByLabel('Condition 1 values, separated by commas').fill('');
    await editor.getByRole('button', { name: 'Try on the last 500 mentions' }).click();
    await editor
      .getByRole('list', { name: 'Conditions' })
      .getByRole('listitem')
      .first()
      .getByText('choose or type at least one')
      .waitFor();
    await editor.getByRole('button', { name: 'Remove condition 1' }).click();
    await editor.getByRole('button', { name: 'Add condition' }).click();
    await editor.getByLabel('Condition 1 field').selectOption('sentiment');
    await editor.getByText('negative', { exact: true }).click();
    await editor.getByLabel('Action 1 type').selectOption('create_case');
    await editor.getByRole('button', { name: 'Add action' }).click();
    await editor.getByLabel('Action 2 type').selectOption('assign_team');
    await editor.getByLabel('Action 2 team').selectOption({ label: 'Tier 1' });
    await editor.getByRole('button', { name: 'Try on the last 500 mentions' }).click();
    const figure = editor
      .getByRole('status')
      .filter({ hasText: /Would fire on \d+ of the last \d+ mentions/ });
    await figure.waitFor();
    const [, matched, evaluated] =
      /on (\d+) of the last (\d+)/.exec((await figure.textContent()) ?? '') ?? [];
    expect(Number(evaluated)).toBeGreaterThan(0);
    expect(Number(matched)).toBeLessThanOrEqual(Number(evaluated));
    if (Number(matched) > 0)
      expect(await editor.locator('.rule-samples li').first().textContent()).toContain('sentiment');
    await page.screenshot({ path: path.join(artifacts, 'inbox-routing-rule.png'), fullPage: true });
    await editor.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rule “Unhappy customers” saved.' }).waitFor();
    const rules = page.getByRole('list', { name: 'Routing rules, in the order they run' });
    const rule = rules.getByRole('listitem').filter({ hasText: 'Unhappy customers' });
    await rule.waitFor();
    expect(await rule.textContent()).toContain(
      'When sentiment is any of negative → Create a case, Send to Tier 1',
    );
    // Switching a rule off saves it as it was but for the switch: its conditions and actions stay.
    const enabled = rule.getByRole('checkbox', { name: /^Enabled\W+Unhappy customers$/ });
    await enabled.click();
    await page.getByRole('status').filter({ hasText: '“Unhappy customers” disabled.' }).waitFor();
    expect(await enabled.isChecked()).toBe(false);
    expect(await rule.getAttribute('class')).toContain('off');
    expect(await rule.textContent()).toContain(
      'When sentiment is any of negative → Create a case, Send to Tier 1',
    );
    await enabled.click();
    await page.getByRole('status').filter({ hasText: '“Unhappy customers” enabled.' }).waitFor();
    expect(await enabled.isChecked()).toBe(true);
    // The demo's lead rule reads as one too (its action and lifecycle condition are on the page).
    const leads = rules.getByRole('listitem').filter({ hasText: 'Buying signals become sales leads' });
    expect(await leads.textContent()).toContain('Create a sales lead');

    // A time rule: cases solved three days ago are closed.
    await page.getByRole('button', { name: 'New rule' }).click();
    await editor.getByLabel('Rule name').fill('Close after three days');
    await editor.getByLabel('Runs when').selectOption('time_elapsed');
    // A time rule starts with the "hours since" condition it needs; rules on posts' actions are gone.
    await editor.getByLabel('Condition 1 since').selectOption('solved');
    await editor.getByLabel('Condition 1 hours').fill('72');
    await editor.getByRole('button', { name: 'Add condition' }).click();
    await editor.getByLabel('Condition 2 field').selectOption('case_status');
    await editor
      .getByRole('group', { name: 'Condition 2 values' })
      .getByText('solved', { exact: true })
      .click();
    expect(await editor.getByLabel('Action 1 type').locator('option').allTextContents()).not.toContain(
      'Create a case',
    );
    await editor.getByLabel('Action 1 type').selectOption('set_status');
    await editor.getByLabel('Action 1 status').selectOption('closed');
    await editor.getByRole('button', { name: 'Try on the latest 500 open cases' }).click();
    await editor
      .getByRole('status')
      .filter({ hasText: /Would fire on \d+ of the latest \d+ open cases/ })
      .waitFor();
    await page.screenshot({ path: path.join(artifacts, 'inbox-time-rule.png'), fullPage: true });
    await editor.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rule “Close after three days” saved.' }).waitFor();
    const timed = rules.getByRole('listitem').filter({ hasText: 'Close after three days' });
    expect(await timed.textContent()).toContain(
      'When time passes on an open case and the case was solved at least 72 h ago and case status is any of solved → Set status to closed',
    );
    expect(await timed.textContent()).toContain('time rule');

    // The manager raises the priority of the owner's case; the owner follows it, so the bell rings.
    await page.goto(`${server.url}/inbox?view=solved`);
    await page
      .getByRole('list', { name: 'Solved cases' })
      .getByRole('link', { name: new RegExp(`^#${caseNumber} `) })
      .click();
    const managed = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    // The case took its priority from the post's urgency, so read it rather than assume it.
    const before = await managed.getByLabel('Priority').inputValue();
    expect(before).not.toBe('urgent');
    await managed.getByLabel('Priority').selectOption('urgent');
    await managed.getByText(`Priority ${before} → urgent by Mia Manager`).waitFor();

    await page.context().clearCookies();
    await signIn(page, server.url, ownerEmail, password);
    // The demo's own activity may have left the owner other notifications too.
    const bell = page.getByRole('button', { name: /^Notifications, \d+ unread$/ });
    await bell.click();
    const panel = page.getByRole('region', { name: 'Notifications' });
    await panel.getByRole('link', { name: /priority set to urgent/ }).waitFor();
    await panel.getByRole('button', { name: 'Mark all read' }).click();
    await page.getByRole('button', { name: 'Notifications', exact: true }).waitFor();

    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('keeps the list where it was when a case opens, and shows another page from its top', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox`);
    const links = page.locator('.case-list a.case-link');
    await expect.poll(() => links.count(), { timeout: 30_000 }).toBeGreaterThan(8);
    // Down the list, then open a case that is in view there.
    const target = links.nth(7);
    await target.scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate<number>('window.scrollY');
    expect(scrolled).toBeGreaterThan(100);
    await target.click();
    await page.waitForURL(/\/inbox\/[^/?]+/);
    await page.locator('.case-pane h2').first().waitFor();
    expect(await page.evaluate<number>('window.scrollY')).toBe(scrolled);
    // A page longer than the window opens at its top, with the top bar in view (moving the focus
    // to the page's content used to scroll it past the bar).
    await page.goto(`${server.url}/listening/analysis`);
    await page.getByRole('heading', { name: 'Topics' }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollHeight')).toBeGreaterThan(900);
    expect(await page.evaluate<number>('window.scrollY')).toBe(0);
    await page.getByRole('banner').getByText('Demo Airways').waitFor();
    await page.close();
  });

  it('orders the list by waiting time or priority, kept in the address and in a saved view', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox?view=active`);
    const cards = page.locator('.case-list li.case-card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBeGreaterThan(3);
    const order = page.getByRole('combobox', { name: 'Order' });
    expect(await order.inputValue()).toBe('newest');

    // The list in the new order: its page has come and its cards are drawn.
    const ordered = async (sort: string) => {
      const answered = page.waitForResponse((r) => r.url().includes(`sort=${sort}`) && r.ok());
      await order.selectOption(sort);
      await page.waitForURL(new RegExp(`[?&]sort=${sort}`));
      await answered;
      await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThan(3);
    };
    await ordered('waiting');
    // The demo's customers wait on most active cases: those cards come first, each with the time
    // since the customer wrote, longest first; the cases where nobody waits follow.
    await expect.poll(() => cards.first().locator('.chip.waiting').count()).toBe(1);
    const waits = await cards.evaluateAll((els) =>
      els.map((el) => el.querySelector('.chip.waiting')?.textContent?.replace('waiting ', '') ?? null),
    );
    const firstNotWaiting = waits.indexOf(null);
    if (firstNotWaiting >= 0) expect(waits.slice(firstNotWaiting).every((w) => w === null)).toBe(true);
    const seconds = (w: string) =>
      Number.parseInt(w, 10) * { s: 1, m: 60, h: 3600, d: 86_400 }[w.slice(-1) as 's' | 'm' | 'h' | 'd'];
    const durations = waits.filter((w): w is string => w !== null).map(seconds);
    expect(durations.length).toBeGreaterThan(0);
    // Shown rounded down to a unit, so a longer wait never shows less than a later card's.
    for (let i = 1; i < durations.length; i++)
      expect(durations[i]).toBeLessThanOrEqual(durations[i - 1] as number);

    await ordered('priority');
    const ranks = ['urgent', 'high', 'normal', 'low'];
    await expect
      .poll(
        async () => {
          const shown = await cards
            .locator('.case-priority')
            .evaluateAll((els) => els.map((el) => el.className.replace(/.*priority-/, '')));
          return shown.every((p, i) => i === 0 || ranks.indexOf(p) >= ranks.indexOf(shown[i - 1] as string));
        },
        { timeout: 15_000 },
      )
      .toBe(true);

    // "Needs reply": only the cases whose customer waits, longest first.
    const needing = page.waitForResponse((r) => r.url().includes('needsReply=true') && r.ok());
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('button', { name: 'Needs reply' })
      .click();
    await needing;
    await expect.poll(() => cards.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await order.inputValue()).toBe('waiting');
    const chips = await cards.evaluateAll((els) =>
      els.map((el) => el.querySelectorAll('.chip.waiting').length),
    );
    expect(chips.every((n) => n === 1)).toBe(true);
    // The case says so too, beside its clocks.
    await cards.first().locator('a.case-link').click();
    await page.locator('.case-detail .chip.waiting').filter({ hasText: 'customer waiting' }).waitFor();

    // Saved as a view, the order comes back with it, and the address names the view alone.
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'All active' }).click();
    await ordered('priority');
    await page.getByRole('button', { name: 'Save view' }).click();
    const form = page.getByRole('form', { name: 'Save view' });
    await form.getByLabel('View name').fill('By priority');
    await form.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('view')?.startsWith('saved:') === true);
    expect(new URL(page.url()).searchParams.get('sort')).toBeNull();
    expect(await order.inputValue()).toBe('priority');
    await page.getByRole('navigation', { name: 'Views' }).getByText('By priority').first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'inbox-ordered-by-priority.png') });
    await page.close();
  });

  it('snoozes a case out of the working views and brings it back', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox?view=active`);
    const links = page.locator('.case-list a.case-link');
    await expect.poll(() => links.count(), { timeout: 30_000 }).toBeGreaterThan(2);
    const first = links.first();
    const number = ((await first.locator('.case-number').textContent()) ?? '').trim();
    expect(number).toMatch(/^#\d+$/);
    // From the keyboard: j selects the first case, s opens it with its snooze menu, focused.
    await page.keyboard.press('j');
    await page.keyboard.press('s');
    await page.locator('.case-detail h2').filter({ hasText: number }).waitFor();
    const menu = page.getByRole('form', { name: 'Snooze until' });
    await menu.waitFor();
    const focused = () =>
      page.evaluate<string | undefined>('document.activeElement?.textContent ?? undefined');
    await expect.poll(focused).toBe('In 1 hour');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await expect.poll(focused).toBe('Tomorrow, 9:00');
    await page.keyboard.press('Enter');
    await page
      .getByText(/^Snoozed until /)
      .first()
      .waitFor();
    await page.locator('.case-detail .chip.snoozed').waitFor();
    // The focus comes back to the control, now Unsnooze.
    await expect.poll(focused).toBe('Unsnooze');
    // s on the snoozed case (still the selected one) goes to Unsnooze again, from wherever the focus was.
    await page.locator('.case-detail h2').click();
    await expect.poll(focused).not.toBe('Unsnooze');
    await page.keyboard.press('s');
    await expect.poll(focused).toBe('Unsnooze');
    // Out of All active at once; listed under Snoozed, marked so.
    const listed = (n: string) =>
      page.locator('.case-list .case-number').filter({ hasText: new RegExp(`^${n}$`) });
    await expect.poll(() => listed(number).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Snoozed' }).click();
    await expect.poll(() => listed(number).count(), { timeout: 15_000 }).toBe(1);
    await page
      .locator('.case-list li.case-card')
      .filter({ has: page.locator('.case-number', { hasText: new RegExp(`^${number}$`) }) })
      .locator('.chip.snoozed')
      .waitFor();
    await page.screenshot({ path: path.join(artifacts, 'inbox-snoozed.png') });

    await page.getByRole('button', { name: 'Unsnooze' }).click();
    await page.getByRole('button', { name: 'Snooze…' }).waitFor();
    await expect.poll(() => listed(number).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'All active' }).click();
    await expect.poll(() => listed(number).count(), { timeout: 15_000 }).toBe(1);

    // Two at once from the bulk bar, and back again from the Snoozed view.
    const boxes = page.locator('.case-list li.case-card input.case-check');
    const picked: string[] = [];
    for (const i of [0, 1]) {
      const card = page.locator('.case-list li.case-card').nth(i);
      picked.push(((await card.locator('.case-number').textContent()) ?? '').trim());
      await boxes.nth(i).check();
    }
    await page
      .getByRole('combobox', { name: 'Snooze the selected cases' })
      .selectOption({ label: 'In 1 hour' });
    await page.getByText(/^Snoozed until .* \(2 cases\)$/).waitFor();
    for (const n of picked) await expect.poll(() => listed(n).count()).toBe(0);
    await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Snoozed' }).click();
    for (const n of picked) await expect.poll(() => listed(n).count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('checkbox', { name: 'Select all' }).check();
    await page
      .getByRole('combobox', { name: 'Snooze the selected cases' })
      .selectOption({ label: 'End the snooze' });
    for (const n of picked) await expect.poll(() => listed(n).count()).toBe(0);
    await page.close();
  });

  it("lists the customer's other cases beside a case, and opens one from there", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox?view=active`);
    await page.locator('.case-list a.case-link').first().waitFor({ timeout: 30_000 });
    // A case with a customer, and one more case for that customer made through the API.
    const made = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const list = (await (await fetch('/api/v1/cases?view=all&limit=50')).json()) as {
        items: { id: string; number: number; customerId: string | null }[];
      };
      const current = list.items.find((c) => c.customerId !== null);
      if (!current) return null;
      const res = await fetch('/api/v1/cases', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ subject: 'Seat refund from last trip', customerId: current.customerId }),
      });
      const other = (await res.json()) as { id: string; number: number };
      return { current, other, status: res.status };
    });
    expect(made?.status).toBe(201);
    if (!made) return;

    await page.goto(`${server.url}/inbox/${made.current.id}?view=all`);
    await page
      .locator('.case-detail h2')
      .filter({ hasText: `#${made.current.number}` })
      .waitFor();
    const others = page.getByRole('list', { name: 'Other cases' });
    const link = others.getByRole('link', { name: `#${made.other.number} Seat refund from last trip` });
    await link.waitFor();
    expect(await page.locator('.other-cases').textContent()).toMatch(/\d+ open · \d+ in all/);
    await page.locator('.other-cases').screenshot({ path: path.join(artifacts, 'inbox-other-cases.png') });
    await link.click();
    await page
      .locator('.case-detail h2')
      .filter({ hasText: `#${made.other.number}` })
      .waitFor();
    // The view stays in the address; from the new case, the first one is among the other cases.
    expect(new URL(page.url()).searchParams.get('view')).toBe('all');
    await others.getByRole('link', { name: new RegExp(`^#${made.current.number} `) }).waitFor();
    await page.close();
  });

  it('shows a refused condition under its own row, marks its field and moves focus to it', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/settings/routing-rules`);
    await page.getByRole('heading', { name: 'Routing rules', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New rule' }).click();
    const editor = page.getByRole('form', { name: 'New routing rule' });
    await editor.getByLabel('Rule name').fill('Bags and refunds');
    await editor.getByRole('button', { name: 'Add condition' }).click();
    await editor.getByLabel('Condition 1 field').selectOption('keywords');
    await editor.getByLabel('Condition 1 values, separated by commas').fill('refund');
    // The second condition is left without a keyword.
    await editor.getByRole('button', { name: 'Add condition' }).click();
    await editor.getByLabel('Condition 2 field').selectOption('keywords');
    await editor.getByRole('button', { name: 'Save rule' }).click();

    const rows = editor.getByRole('list', { name: 'Conditions' }).getByRole('listitem');
    const second = rows.nth(1);
    await second.getByText('choose or type at least one').waitFor();
    const field = editor.getByLabel('Condition 2 values, separated by commas');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await field.getAttribute('aria-describedby');
    expect(describedBy).toBeTruthy();
    expect(await second.locator(`[id="${describedBy}"]`).textContent()).toBe('choose or type at least one');
    // Focus is on the refused field, which reads out its message.
    expect(await field.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    // Row 1 is not marked, and no summary repeats what the row says.
    expect(await rows.nth(0).locator('.field-error').count()).toBe(0);
    expect(
      await editor.getByLabel('Condition 1 values, separated by commas').getAttribute('aria-invalid'),
    ).toBeNull();
    expect(await editor.getByRole('alert').count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'inbox-rule-row-error.png'), fullPage: true });

    // With row 1 removed, the message moves up with its row.
    await editor.getByRole('button', { name: 'Remove condition 1' }).click();
    await rows.nth(0).getByText('choose or type at least one').waitFor();
    const moved = editor.getByLabel('Condition 1 values, separated by commas');
    expect(await moved.getAttribute('aria-invalid')).toBe('true');
    await moved.fill('bag');
    await editor.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Rule “Bags and refunds” saved.' }).waitFor();

    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('opens a case by hand from the inbox, for a customer found by name', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    // A demo customer whose full name finds them alone.
    const who = await page.evaluate(async () => {
      const { items } = (await (await fetch('/api/v1/customers?limit=50')).json()) as {
        items: { id: string; displayName: string }[];
      };
      for (const c of items) {
        if (!/^\S+ \S+$/.test(c.displayName)) continue;
        const found = (await (
          await fetch(`/api/v1/customers?search=${encodeURIComponent(c.displayName)}&limit=2`)
        ).json()) as { items: unknown[] };
        if (found.items.length === 1) return c;
      }
      return null;
    });
    if (!who) throw new Error('no demo customer with a name of their own');
    await page.goto(`${server.url}/inbox`);
    await page.getByRole('button', { name: 'New case…' }).click();
    const picker = page.getByRole('region', { name: 'New case: whose is it?' });
    await picker.getByLabel('Customer').fill(who.displayName);
    await picker.getByRole('button', { name: 'Find' }).click();
    await picker.getByRole('list', { name: 'Matching customers' }).getByRole('button').first().click();
    const form = page.getByRole('form', { name: 'New case' });
    await form.getByText(`For ${who.displayName}`).waitFor();
    await form.getByLabel('Subject').fill('Wrote a letter about lost luggage');
    await form.getByLabel('Type').selectOption('complaint');
    await form.getByRole('button', { name: 'Open case' }).click();
    const detail = page.getByRole('article', { name: /Wrote a letter about lost luggage/ });
    await detail.waitFor();
    expect(await detail.getByLabel('Type').inputValue()).toBe('complaint');
    await detail.getByText(who.displayName).first().waitFor();
    // The form is gone and the button is back.
    await page.getByRole('button', { name: 'New case…' }).waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
