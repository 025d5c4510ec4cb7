import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator } from 'playwright-core';
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
  // The owner's one-time password is replaced once, so each test signs in the same way.
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The drawn width of each score bar's fill, in px (0 where a bar draws none). */
function fillWidths(bars: Locator): Promise<number[]> {
  return bars.evaluateAll((items) =>
    items.map((li) => {
      const fill = li.querySelector('.score-bar-fill');
      return fill ? fill.getBoundingClientRect().width : 0;
    }),
  );
}

describe('surveys', () => {
  it('the owner creates a CSAT survey and sends it from a case; the customer answers; the answer shows on the case, the timeline and the results; an agent reads only', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);

    // Settings → Surveys: a new CSAT survey, its link copied by agents rather than sent.
    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: 'Surveys' }).click();
    await page.getByRole('heading', { name: 'Surveys', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New survey' }).click();
    const editor = page.getByRole('form', { name: 'New survey' });
    await editor.getByLabel('Survey name').fill('After-case CSAT');
    expect(await editor.getByLabel('Kind').inputValue()).toBe('csat');
    await editor.getByLabel('Question').fill('How did we do with your request?');
    await editor.getByLabel('Comment prompt (optional)').fill('Tell us more (optional)');
    await editor.getByLabel('Sent').selectOption('case_solved');
    await editor.getByLabel('Delivery').selectOption('link');
    await editor.getByLabel('Cooldown days').fill('0');
    await editor.getByLabel('Link valid for (days)').fill('30');
    await editor.screenshot({ path: path.join(artifacts, 'surveys-editor.png') });
    await editor.getByRole('button', { name: 'Save survey' }).click();
    await page.getByRole('status').filter({ hasText: 'Survey “After-case CSAT” saved.' }).waitFor();

    const list = page.getByRole('list', { name: 'Surveys' });
    const item = list.getByRole('listitem').filter({ hasText: 'After-case CSAT' });
    await item.waitFor();
    expect(await item.textContent()).toContain(
      'CSAT (1–5) · Sent when a case is solved, as a link agents copy',
    );
    expect(await item.textContent()).toContain('How did we do with your request?');
    expect(await item.locator('.pill').allTextContents()).toContain('enabled');

    // Its results: the figures and one bar per score of the 1–5 scale, each readable as text.
    await item.getByRole('button', { name: 'Results of After-case CSAT' }).click();
    const results = page.getByRole('region', { name: 'Results of “After-case CSAT”' });
    await results.getByText('Response rate').waitFor();
    await results.getByText('CSAT (4 or 5)').waitFor();
    const bars = results.getByRole('list', { name: 'Answers by score, last 30 days' }).getByRole('listitem');
    expect(await bars.count()).toBe(5);
    expect(await bars.first().textContent()).toContain('scored 1 of 5');
    // No answers yet: every bar keeps its score and count but draws nothing, not even a sliver.
    expect(await fillWidths(bars)).toEqual([0, 0, 0, 0, 0]);
    expect(await bars.first().locator('.score-bar-count').textContent()).toMatch(/^0\b/);
    await results.getByText('Last 7 days').click();
    await results.getByRole('list', { name: 'Answers by score, last 7 days' }).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'surveys-settings.png'), fullPage: true });

    // A demo case with a customer (the demo rule makes Bluesky complaints cases): its Satisfaction section.
    await page.goto(`${server.url}/inbox?view=channel:bluesky&tag=complaint`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    const first = page
      .getByRole('list', { name: 'bluesky cases' })
      .getByRole('link', { name: /^#\d+ / })
      .first();
    await first.waitFor();
    const caseNumber = Number(/#(\d+)/.exec((await first.textContent()) ?? '')?.[1]);
    expect(caseNumber).toBeGreaterThan(0);
    await first.click();
    const detail = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    const satisfaction = detail.getByRole('region', { name: 'Satisfaction' });
    await satisfaction.waitFor();

    // Sent now (when the demo's own survey is enabled too, pick ours): the request is listed, its
    // link copied to the clipboard.
    const enabled = await page.evaluate<string[]>(
      "fetch('/api/v1/surveys').then((r) => r.json()).then((b) => b.items.filter((s) => s.enabled).map((s) => s.name))",
    );
    expect(enabled).toContain('After-case CSAT');
    if (enabled.length > 1) {
      const pick = satisfaction.getByLabel('Survey to send');
      await pick.waitFor();
      expect(await pick.locator('option').allTextContents()).toContain('After-case CSAT');
      await pick.selectOption({ label: 'After-case CSAT' });
    }
    await satisfaction.getByRole('button', { name: 'Send survey' }).click();
    const request = satisfaction
      .getByRole('list', { name: 'Surveys of this case' })
      .getByRole('listitem')
      .filter({ hasText: 'After-case CSAT' });
    await request.waitFor();
    await request.getByRole('button', { name: 'Copy link to After-case CSAT' }).click();
    await satisfaction.getByRole('status').filter({ hasText: 'Survey link copied.' }).waitFor();
    const link = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(link).toMatch(/\/survey\/[^/]+$/);
    // Sending it again while it awaits an answer is refused, with the server's reason shown.
    await satisfaction.getByRole('button', { name: 'Send survey' }).click();
    await satisfaction.getByRole('alert').filter({ hasText: 'awaits an answer' }).waitFor();
    await satisfaction.screenshot({ path: path.join(artifacts, 'surveys-case.png') });

    // The customer answers on the public page (no account: the link is the capability).
    const token = /\/survey\/([^/?#]+)/.exec(link)?.[1] ?? '';
    const comment = 'Quick and kind <b>thanks</b>';
    const answerPage = await context.newPage();
    await answerPage.goto(`${server.url}/survey/${token}`);
    await answerPage.getByText('How did we do with your request?').waitFor();
    await answerPage.getByLabel('4', { exact: true }).check();
    await answerPage.getByLabel('Tell us more (optional)').fill(comment);
    await answerPage.getByRole('button', { name: 'Send' }).click();
    await answerPage.getByText('Thank you: your answer was recorded.').waitFor();
    await answerPage.close();

    // The case shows the answer: the score on its scale and the comment, as text.
    await page.reload();
    await satisfaction.waitFor();
    const answered = satisfaction
      .getByRole('list', { name: 'Surveys of this case' })
      .getByRole('listitem')
      .filter({ hasText: 'After-case CSAT' })
      .filter({ hasText: 'Answered' });
    await answered.waitFor();
    expect(await answered.textContent()).toContain('4 / 5');
    expect(await answered.locator('.survey-comment').textContent()).toBe(comment);
    expect(await answered.locator('b').count()).toBe(0);
    expect(await answered.getByRole('button', { name: /Copy link/ }).count()).toBe(0);
    await detail.locator('.feed-text').filter({ hasText: 'Survey answered: 4 / 5' }).waitFor();
    await detail.locator('.feed-text').filter({ hasText: 'Survey link made by Demo Owner' }).waitFor();

    // So does the customer's timeline, with a link back to the case.
    await detail.getByRole('link', { name: /^Open .+’s profile$/ }).click();
    const timelineAnswer = page
      .locator('.timeline-item.kind-survey_answer')
      .filter({ hasText: 'After-case CSAT' })
      .first();
    await timelineAnswer.waitFor();
    expect(await timelineAnswer.textContent()).toContain('4 / 5 on “After-case CSAT”');
    expect(await timelineAnswer.locator('.survey-comment').textContent()).toBe(comment);
    await timelineAnswer.getByRole('link', { name: `case #${caseNumber}` }).waitFor();

    // And the survey's results: one answer of 4, listed with its comment and its case.
    await page.goto(`${server.url}/settings/surveys`);
    const latest = page
      .getByRole('list', { name: 'Latest answers to After-case CSAT' })
      .getByRole('listitem');
    await latest.first().waitFor();
    expect(await latest.first().locator('.survey-comment').textContent()).toBe(comment);
    await latest
      .first()
      .getByRole('link', { name: `Case #${caseNumber}` })
      .waitFor();
    const figure = (label: string) =>
      page
        .locator('.survey-figures > div')
        .filter({ has: page.getByText(label, { exact: true }) })
        .locator('dd');
    expect(await figure('Answered').textContent()).toBe('1');
    expect(await figure('Average').textContent()).toBe('4.0 / 5');
    expect(await figure('CSAT (4 or 5)').textContent()).toBe('100%');
    await page
      .getByRole('list', { name: 'Answers by score, last 30 days' })
      .getByRole('listitem')
      .filter({ hasText: '1 answer scored 4 of 5' })
      .waitFor();
    // The one answer of 4 fills its track; the zeros beside it draw nothing.
    const scored = page.getByRole('list', { name: 'Answers by score, last 30 days' }).getByRole('listitem');
    const widths = await fillWidths(scored);
    const track = await scored.nth(3).locator('.score-bar-track').boundingBox();
    expect(widths[3]).toBeCloseTo(track?.width ?? -1, 0);
    expect(widths.filter((_, i) => i !== 3)).toEqual([0, 0, 0, 0]);
    await page.screenshot({ path: path.join(artifacts, 'surveys-results.png'), fullPage: true });

    // An agent sees the surveys and their results, but cannot create or edit them.
    await signInAsNewUser(
      page,
      server.url,
      { email: 'ada@demo.test', name: 'Ada Agent', role: 'agent' },
      password,
    );
    await page.goto(`${server.url}/settings/surveys`);
    await page.getByRole('heading', { name: 'Surveys', level: 1 }).waitFor();
    await page.getByRole('note').filter({ hasText: 'Only owners, admins and managers' }).waitFor();
    await page
      .getByRole('list', { name: 'Surveys' })
      .getByRole('listitem')
      .filter({ hasText: 'After-case CSAT' })
      .waitFor();
    expect(await page.getByRole('button', { name: 'New survey' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Edit After-case CSAT' }).count()).toBe(0);

    expect(scriptErrors).toEqual([]);
    await context.close();
  });

  it('refuses a cleared cooldown or link-validity field next to the field, instead of saving a default', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 950 } });
    const page = await context.newPage();
    const created: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/v1/surveys') && r.method() === 'POST') created.push(r.postData() ?? '');
    });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/settings/surveys`);
    await page.getByRole('button', { name: 'New survey' }).click();
    const editor = page.getByRole('form', { name: 'New survey' });
    await editor.getByLabel('Survey name').fill('Cleared fields');
    const cooldown = editor.getByLabel('Cooldown days');
    await cooldown.fill('');
    await editor.getByRole('button', { name: 'Save survey' }).click();
    const cooldownError = editor.getByText('Enter the cooldown in days, from 0 to 365');
    await cooldownError.waitFor();
    // The message is the field's own: announced with it, and the field has the focus.
    expect(await cooldown.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await cooldown.getAttribute('aria-describedby')) ?? '';
    expect(describedBy.split(' ')).toContain(await cooldownError.getAttribute('id'));
    expect(await cooldown.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(created).toEqual([]);
    await editor.screenshot({ path: path.join(artifacts, 'surveys-editor-cleared.png') });

    // A number typed in saves as typed.
    await cooldown.fill('3');
    await editor.getByRole('button', { name: 'Save survey' }).click();
    await page.getByRole('status').filter({ hasText: 'Survey “Cleared fields” saved.' }).waitFor();
    expect(created).toHaveLength(1);
    const item = page.getByRole('list', { name: 'Surveys' }).getByRole('listitem').filter({
      hasText: 'Cleared fields',
    });
    expect(await item.textContent()).toContain('at most once in 3 days per customer; link valid 14 days');

    // Editing: clearing the link validity is refused too, and the survey keeps its 14 days.
    await item.getByRole('button', { name: 'Edit Cleared fields' }).click();
    const edit = page.getByRole('form', { name: 'Edit “Cleared fields”' });
    await edit.getByLabel('Link valid for (days)').fill('');
    await edit.getByRole('button', { name: 'Save survey' }).click();
    await edit.getByText('Enter how many days the link takes answers, from 1 to 90.').waitFor();
    await edit.getByRole('button', { name: 'Cancel' }).click();
    await page.reload();
    await item.waitFor();
    expect(await item.textContent()).toContain('link valid 14 days');
    await context.close();
  });
});
