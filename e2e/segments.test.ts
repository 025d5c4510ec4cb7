import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn as signInAs, signInAsNewUser } from './session.ts';

let server: StartedServer;
let browser: Browser;
const password = 'a long new passphrase';
let signedInOnce = false;

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** Signs in as the demo owner; the first time, replaces the printed one-time password. */
async function signIn(page: Page) {
  if (signedInOnce) return signInAs(page, server.url, ownerEmail, password);
  await signInAs(page, server.url, ownerEmail, server.password, password);
  signedInOnce = true;
}

/**
 * Script errors and failed customer and segment API calls (with their address), so a test can say
 * there were none. Other sections' calls are left to their own tests (the inbox a moderator lands on
 * after signing in answers 403 to some of them, by design).
 */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => {
    if (res.status() >= 400 && new URL(res.url()).pathname.startsWith('/api/v1/customers')) {
      errors.push(`${res.status()} ${res.request().method()} ${res.url()}`);
    }
  });
  return errors;
}

// The demo workspace seeds the customers with attributes: Carlos Ruiz (loyalty tier gold, 23 flights
// in 2026), Noor Haddad (silver) and Erik Lund (blue), and the sales demo's contacts (Aiko Tanaka and
// Priya Nair gold, others silver or blue, no flights). Everyone else comes from the demo stream
// without attributes, so rules on attributes have counts that do not move while the stream runs.
describe('segments and lists', () => {
  it('builds a two-condition segment with a live count, saves it and sees its members', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    const errors = watchErrors(page);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('navigation', { name: 'Customers' }).getByRole('link', { name: 'Segments' }).click();
    await page.getByRole('heading', { name: 'Segments', level: 1 }).waitFor();
    // The demo workspace comes with a few segments and a list.
    await page
      .getByRole('row')
      .filter({ hasText: 'Beta testers' })
      .filter({ hasText: 'Static list' })
      .waitFor();
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByRole('heading', { name: 'New segment', level: 1 }).waitFor();

    await page.getByLabel('Name', { exact: true }).fill('Gold frequent flyers');
    await page.getByLabel('Description (optional)').fill('Gold tier, more than 20 flights this year');
    const count = page.getByRole('region', { name: 'Live count' }).getByRole('status');

    // Condition 1: loyalty tier is gold. Chips for the choices; the count follows.
    await page.getByLabel('Condition 1 field').selectOption('attribute.plan');
    expect(await page.getByLabel('Condition 1 operator').inputValue()).toBe('in');
    await page.getByText('Not counted yet').first().waitFor();
    await page.getByRole('group', { name: 'Condition 1 values' }).getByText('Gold', { exact: true }).click();
    await count.filter({ hasText: /^3 customers match$/ }).waitFor();
    await page
      .getByRole('list', { name: 'Sample of matching customers' })
      .getByRole('link', { name: 'Carlos Ruiz' })
      .waitFor();

    // Condition 2: more than 30 flights. The new condition takes focus; nobody matches any more.
    await page.getByRole('button', { name: 'Add condition', exact: true }).click();
    const field2 = page.getByLabel('Condition 2 field');
    await expect.poll(() => field2.evaluate((el) => el.matches(':focus'))).toBe(true);
    await field2.selectOption('attribute.flights_2026');
    await page.getByLabel('Condition 2 operator').selectOption('gt');
    await page.getByLabel('Condition 2 value').fill('30');
    await count.filter({ hasText: /^0 customers match$/ }).waitFor();
    // "any" instead of "all": gold tier alone is enough again.
    await page.getByLabel('Match for the rule').selectOption('any');
    await count.filter({ hasText: /^3 customers match$/ }).waitFor();
    await page.getByLabel('Match for the rule').selectOption('all');
    await count.filter({ hasText: /^0 customers match$/ }).waitFor();
    await page.getByLabel('Condition 2 value').fill('20');
    await count.filter({ hasText: /^1 customer matches$/ }).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'segment-builder.png'), fullPage: true });

    await page.getByRole('button', { name: 'Save segment' }).click();
    await page.getByRole('status').filter({ hasText: 'Segment “Gold frequent flyers” saved.' }).waitFor();
    expect(page.url()).toMatch(/\/customers\/segments\/[^/]+$/);
    const segmentId = page.url().split('/').pop() ?? '';
    await page.getByRole('heading', { name: 'Gold frequent flyers', level: 1 }).waitFor();
    await page.getByText('1 member', { exact: true }).waitFor();
    const members = page.getByRole('list', { name: 'Members of Gold frequent flyers' });
    await members.getByRole('link', { name: 'Carlos Ruiz' }).waitFor();
    expect(await members.getByRole('listitem').count()).toBe(1);
    await page.getByText(`rapport customers export --segment ${segmentId}`).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'segment-members.png'), fullPage: true });

    // The saved rule comes back into the builder as it was.
    await page.reload();
    expect(await page.getByLabel('Condition 1 field').inputValue()).toBe('attribute.plan');
    expect(
      await page
        .getByRole('group', { name: 'Condition 1 values' })
        .getByRole('checkbox', { name: 'Gold' })
        .isChecked(),
    ).toBe(true);
    expect(await page.getByLabel('Condition 2 value').inputValue()).toBe('20');

    // Duplicate, then delete the copy after confirming.
    await page.getByRole('button', { name: 'Duplicate' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Copied to “Gold frequent flyers (copy)”: change it and save.' })
      .waitFor();
    await page.getByRole('heading', { name: 'Gold frequent flyers (copy)', level: 1 }).waitFor();
    expect(await page.getByLabel('Condition 2 field').inputValue()).toBe('attribute.flights_2026');
    await page.getByRole('list', { name: 'Members of Gold frequent flyers (copy)' }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: 'Yes, delete' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Segment “Gold frequent flyers (copy)” deleted.' })
      .waitFor();
    await page.getByRole('link', { name: 'Gold frequent flyers', exact: true }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: 'Gold frequent flyers (copy)' }).count()).toBe(0);

    // The segments list shows it with its count; the member opens the profile.
    await page.getByRole('navigation', { name: 'Customers' }).getByRole('link', { name: 'Segments' }).click();
    const row = page.getByRole('row').filter({ hasText: 'Gold frequent flyers' });
    await row.waitFor();
    expect(await row.textContent()).toContain('Dynamic');
    expect(await row.textContent()).toContain('Shared');
    await row.getByRole('link', { name: 'Gold frequent flyers', exact: true }).click();
    await members.getByRole('link', { name: 'Carlos Ruiz' }).click();
    await page.getByRole('heading', { name: 'Carlos Ruiz', level: 1 }).waitFor();

    // The customer list filtered by the segment.
    await page.goto(`${server.url}/customers`);
    await page.getByLabel('Segment', { exact: true }).selectOption({ label: 'Gold frequent flyers' });
    await page.getByRole('status').filter({ hasText: '1 customer in “Gold frequent flyers”' }).waitFor();
    const rows = page.getByRole('list', { name: 'Customers' }).getByRole('listitem');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Carlos Ruiz');

    // Phone width: the builder stacks, and the live count stays in sight.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/customers/segments/${segmentId}`);
    await count.filter({ hasText: /^1 customer matches$/ }).waitFor();
    expect(await count.isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'segment-phone.png'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the server’s objection to a condition next to that condition', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await page.goto(`${server.url}/customers/segments/new`);
    await page.getByLabel('Condition 1 field').selectOption('created_at');
    await page.getByLabel('Condition 1 operator').selectOption('within_days');
    await page.getByLabel('Condition 1 days').fill('30');
    const count = page.getByRole('region', { name: 'Live count' }).getByRole('status');
    await count.filter({ hasText: /^\d+ customers? match(es)?$/ }).waitFor();
    // A fraction of a day passes the browser's number field; the server wants whole days.
    await page.getByLabel('Condition 1 days').fill('1.5');
    await count.filter({ hasText: 'Fix the rule to see who matches.' }).waitFor();
    const condition = page.locator('.rule-condition').first();
    const problem = condition.locator('.field-error');
    await problem.filter({ hasText: 'whole number of days' }).waitFor();
    expect(await page.getByLabel('Condition 1 days').getAttribute('aria-describedby')).toBe(
      await problem.getAttribute('id'),
    );
    expect(await page.getByLabel('Condition 1 days').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Condition 1 days').fill('2');
    await count.filter({ hasText: /^\d+ customers? match(es)?$/ }).waitFor();
    expect(await condition.locator('.field-error').count()).toBe(0);
    await page.close();
  });

  it('creates a static list, adds a customer from the customer list and removes them again', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/customers/segments`);
    await page.getByRole('link', { name: 'New list' }).click();
    await page.getByRole('heading', { name: 'New list', level: 1 }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Conference follow-up');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('status').filter({ hasText: 'List “Conference follow-up” created.' }).waitFor();
    await page.getByText('Nobody is on this list yet.').waitFor();

    // From the customer list: find Carlos, tick him, add him to the list.
    await page.getByRole('navigation', { name: 'Customers' }).getByRole('link', { name: 'People' }).click();
    await page.getByRole('searchbox', { name: 'Search customers' }).fill('Carlos Ruiz');
    await page.getByRole('status').filter({ hasText: 'matching “Carlos Ruiz”' }).waitFor();
    const addButton = page.getByRole('button', { name: 'Add to list' });
    expect(await addButton.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select Carlos Ruiz' }).check();
    await page.getByText('1 selected').waitFor();
    await page
      .getByRole('group', { name: 'Selected customers' })
      .getByLabel('List', { exact: true })
      .selectOption({
        label: 'Conference follow-up',
      });
    await addButton.click();
    const added = page.getByRole('status').filter({ hasText: 'Added 1 customer to Conference follow-up.' });
    await added.waitFor();
    await page.screenshot({ path: path.join(artifacts, 'customers-add-to-list.png'), fullPage: true });
    await added.getByRole('link', { name: 'Conference follow-up' }).click();

    // The list holds him now.
    await page.getByRole('heading', { name: 'Conference follow-up', level: 1 }).waitFor();
    const members = page.getByRole('list', { name: 'Members of Conference follow-up' });
    await members.getByRole('link', { name: 'Carlos Ruiz' }).waitFor();
    await page.getByText('1 member', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'static-list.png'), fullPage: true });

    // Removing him empties it again.
    await members.getByRole('button', { name: 'Remove Carlos Ruiz from the list' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed Carlos Ruiz from the list.' }).waitFor();
    await page.getByText('Nobody is on this list yet.').waitFor();
    await page.getByText('0 members', { exact: true }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sets a lifecycle stage on a profile and adds the customer to a list from there', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/customers`);
    await page.getByRole('searchbox', { name: 'Search customers' }).fill('Carlos Ruiz');
    await page.getByRole('status').filter({ hasText: 'matching “Carlos Ruiz”' }).waitFor();
    await page
      .getByRole('list', { name: 'Customers' })
      .getByRole('link', { name: 'Carlos Ruiz', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Carlos Ruiz', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Edit customer' });
    await form.getByLabel('Lifecycle stage').selectOption('opportunity');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.waitFor({ state: 'detached' });
    await page.locator('.profile-stage').getByText('Opportunity').waitFor();
    await page.reload();
    await page.locator('.profile-stage').getByText('Opportunity').waitFor();

    const lists = page.getByRole('region', { name: 'Lists' });
    await lists.getByLabel('List', { exact: true }).selectOption({ label: 'Conference follow-up' });
    await lists.getByRole('button', { name: 'Add to list' }).click();
    await lists.getByRole('status').filter({ hasText: 'to Conference follow-up.' }).waitFor();
    await page.goto(`${server.url}/customers/segments`);
    await page
      .getByRole('row')
      .filter({ hasText: 'Conference follow-up' })
      .getByRole('link', { name: 'Conference follow-up', exact: true })
      .click();
    await page
      .getByRole('list', { name: 'Members of Conference follow-up' })
      .getByRole('link', { name: 'Carlos Ruiz' })
      .waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a moderator segments and lists read-only', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page);
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mod.segments@demo.rapport.local', name: 'Mo Segments', role: 'moderator' },
      password,
    );
    const errors = watchErrors(page);
    await page.goto(`${server.url}/customers/segments`);
    await page.getByText('only owners, admins, managers and agents can change them').waitFor();
    expect(await page.getByRole('link', { name: 'New segment' }).count()).toBe(0);

    await page.getByRole('link', { name: 'Paying customers', exact: true }).click();
    await page.getByRole('heading', { name: 'Paying customers', level: 1 }).waitFor();
    expect(await page.getByLabel('Condition 1 field').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Add condition', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    await page
      .getByRole('region', { name: 'Live count' })
      .getByRole('status')
      .filter({ hasText: /^\d+ customers? match(es)?$/ })
      .waitFor();

    await page.goto(`${server.url}/customers/segments`);
    await page.getByRole('link', { name: 'Beta testers', exact: true }).click();
    const members = page.getByRole('list', { name: 'Members of Beta testers' });
    await members.getByRole('link', { name: 'Carlos Ruiz' }).waitFor();
    expect(await members.getByRole('button', { name: 'Remove Carlos Ruiz from the list' }).isDisabled()).toBe(
      true,
    );
    expect(await page.getByText('Add a customer to this list').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
