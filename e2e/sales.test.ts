import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn, signInAsNewUser } from './session.ts';

/**
 * Issue #6 item 8 through the web UI: marketing hands a demo lead to a salesperson with a note;
 * the salesperson sees the handoff waiting for them, accepts it, logs the first contact, opens an
 * opportunity and wins it, and the board shows the lead among the customers.
 */

let server: StartedServer;
let browser: Browser;
const password = 'a long new passphrase';
const repPassword = 'the rep chose this passphrase';
const leadTitle = 'Family trip to Lisbon in June';

/** Creates a user as the signed-in owner and returns the one-time password. */
async function createUser(page: Page, body: { email: string; name: string; role: string }): Promise<string> {
  return page.evaluate(async (input) => {
    const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify(input),
    });
    return ((await res.json()) as { temporaryPassword: string }).temporaryPassword;
  }, body);
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  // The owner replaces the one-time password once, so each test can sign in on its own.
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('sales web UI (issue #6, item 8)', () => {
  it('an owner sees the scoring rules refused with the API’s reason, then saved', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Lead scoring' }).click();
    await page.getByRole('heading', { name: 'Lead scoring', level: 1 }).waitFor();
    const halfLife = page.getByLabel('Half-life (days)');
    // The demo workspace's rules: a 14-day half-life and a fit rule on the plan attribute.
    expect(await halfLife.inputValue()).toBe('14');
    expect(
      await page
        .getByRole('listitem', { name: 'Attribute rule 1' })
        .getByLabel('Attribute', { exact: true })
        .inputValue(),
    ).toBe('plan');

    await halfLife.fill('0');
    await page.getByRole('button', { name: 'Save scoring rules' }).click();
    const refused = page.getByRole('alert').filter({ hasText: 'The rules were not saved' });
    await refused.waitFor();
    expect(await refused.textContent()).toContain('Half-life');
    expect(await halfLife.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(artifacts, 'sales-scoring-refused.png'), fullPage: true });

    await halfLife.fill('21');
    await page.getByRole('button', { name: 'Save scoring rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Scoring rules saved' }).waitFor();
    expect(await halfLife.getAttribute('aria-invalid')).toBe('false');
    await page.reload();
    await page.getByRole('heading', { name: 'Lead scoring', level: 1 }).waitFor();
    await expect.poll(() => page.getByLabel('Half-life (days)').inputValue()).toBe('21');

    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('an owner turns back a handoff waiting for someone else: a reason is required, then shown', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/sales`);
    // The demo's handoff to Sofia: pending, but not for the owner.
    const card = page
      .getByRole('list', { name: 'Marketing qualified leads' })
      .getByRole('listitem')
      .filter({ hasText: 'Gold member asking about business class to Tokyo' });
    await card.waitFor();
    expect(await card.locator('.handoff-badge').textContent()).toBe('Handoff pending');
    await card.getByRole('link').click();

    const handoff = page.getByRole('region', { name: 'Handoff to sales' });
    await handoff.getByRole('button', { name: 'Reject…' }).click();
    await handoff.getByRole('button', { name: 'Reject handoff' }).click();
    const reason = handoff.getByLabel('Reason for rejecting');
    await expect.poll(() => reason.getAttribute('aria-invalid')).toBe('true');
    expect(await handoff.locator('.field-error').textContent()).not.toBe('');
    await reason.fill('Tokyo fares are handled by the partner desk.');
    await handoff.getByRole('button', { name: 'Reject handoff' }).click();
    await page.getByRole('status').filter({ hasText: 'Handoff rejected' }).waitFor();
    expect(await handoff.locator('.handoff-reason').textContent()).toContain('partner desk');
    // Back with the sender, who may hand it off again.
    await handoff.getByLabel('Hand off to').waitFor();
    expect(await page.locator('.lead-head .handoff-badge').textContent()).toBe('Handoff rejected');

    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('moves a lead on the board by choosing a stage, then Move; browsing the stages moves nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/sales`);
    await page.locator('.board[aria-busy="false"]').waitFor();
    const card = page.locator('.board .lead-card').first();
    await card.waitFor();
    const title = ((await card.locator('.lead-card-title').textContent()) ?? '').replace(/^#\d+\s*/, '');
    const number = Number(/#(\d+)/.exec((await card.locator('.lead-card-title').textContent()) ?? '')?.[1]);
    const stage = card.getByLabel(`Move lead ${number} to stage`);
    const from = await stage.inputValue();
    const to = from === 'opportunity' ? 'sales_qualified' : 'opportunity';
    await stage.selectOption(to);
    // Chosen, not moved: the card is where it was until Move.
    expect(await page.getByRole('status').filter({ hasText: 'moved to' }).count()).toBe(0);
    await card.getByRole('button', { name: 'Move' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Lead ${number}` })
      .waitFor();
    const label = to === 'opportunity' ? 'Opportunity leads' : 'Sales qualified leads';
    const moved = page.getByRole('list', { name: label }).getByRole('listitem').filter({ hasText: title });
    await moved.waitFor();
    // The keyboard stays with the card in its new column.
    await expect
      .poll(() =>
        moved
          .getByLabel(`Move lead ${number} to stage`)
          .evaluate((el) => el === el.ownerDocument.activeElement),
      )
      .toBe(true);
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it("an erased customer's lead says its explanation was removed, not that engagement halves every 0 days", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    await signIn(page, server.url, ownerEmail, password);
    // A customer without an open lead gets one through the API (scored as it is made), then is erased.
    const lead = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const headers = { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken };
      const customers = (await (await fetch('/api/v1/customers?limit=100')).json()) as {
        items: { id: string }[];
      };
      for (const c of customers.items) {
        const res = await fetch('/api/v1/sales/leads', {
          method: 'POST',
          headers,
          body: JSON.stringify({ customerId: c.id, title: 'Asked about group fares' }),
        });
        if (res.status !== 201) continue;
        const erased = await fetch(`/api/v1/customers/${c.id}/erase`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ reason: 'Asked to be forgotten' }),
        });
        if (erased.status !== 200) throw new Error(`erase: ${erased.status}`);
        return (await res.json()) as { id: string };
      }
      throw new Error('every demo customer has an open lead');
    });
    await page.goto(`${server.url}/sales/leads/${lead.id}`);
    const score = page.getByRole('region', { name: /^Score/ });
    await score.getByText("This score's explanation is not kept").waitFor();
    expect(await score.textContent()).not.toContain('halves every');
    await page.close();
  });

  it('opens a lead for a customer from their profile, owned by whoever opened it, and lists it there', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    // Customers with an open lead and without one (a customer has one open lead at a time).
    const { withLead, withoutLeads } = await page.evaluate(async () => {
      const customers = (await (await fetch('/api/v1/customers?limit=100')).json()) as {
        items: { id: string; displayName: string }[];
      };
      const found: {
        withLead: { id: string; lead: number } | null;
        withoutLeads: { id: string; displayName: string }[];
      } = { withLead: null, withoutLeads: [] };
      for (const c of customers.items) {
        // An erased customer (an earlier test erases one) is read-only: no lead is opened for them.
        const profile = (await (await fetch(`/api/v1/customers/${c.id}`)).json()) as {
          erasedAt: string | null;
        };
        if (profile.erasedAt) continue;
        const res = await fetch(`/api/v1/sales/leads?customerId=${c.id}&status=open&limit=1`);
        const [lead] = ((await res.json()) as { items: { number: number }[] }).items;
        if (lead && !found.withLead) found.withLead = { id: c.id, lead: lead.number };
        // Names that find one customer, so the board's search below picks the right one.
        if (!lead && found.withoutLeads.length < 2 && /^\S+ \S+$/.test(c.displayName))
          found.withoutLeads.push(c);
        if (found.withLead && found.withoutLeads.length === 2) break;
      }
      return found;
    });
    if (!withLead) throw new Error('the demo has no customer with an open lead');
    const [without, another] = withoutLeads;
    if (!without || !another) throw new Error('the demo has too few customers without an open lead');
    const leads = page.getByRole('region', { name: 'Leads' });
    await page.goto(`${server.url}/customers/${encodeURIComponent(withLead.id)}`);
    await leads.getByText('Their open lead is').waitFor();
    await leads
      .getByRole('link', { name: `Lead ${withLead.lead}` })
      .first()
      .waitFor();
    expect(await leads.getByRole('button', { name: 'New lead…' }).count()).toBe(0);

    await page.goto(`${server.url}/customers/${encodeURIComponent(without.id)}`);
    await leads.getByRole('button', { name: 'New lead…' }).click();
    const form = leads.getByRole('form', { name: 'New lead' });
    // Nothing to create without a title.
    expect(await form.getByRole('button', { name: 'Create lead' }).isDisabled()).toBe(true);
    await form.getByLabel('Title').fill('Fleet travel for their consultancy');
    await form.getByLabel('Stage').selectOption({ label: 'Marketing qualified' });
    expect(await form.getByLabel('Owner').locator('option:checked').textContent()).toMatch(/\(you\)$/);
    await form.getByRole('button', { name: 'Create lead' }).click();

    await page.getByRole('heading', { name: /Fleet travel for their consultancy/, level: 1 }).waitFor();
    expect(page.url()).toContain('/sales/leads/');
    const number = Number((await page.locator('#lead-title .muted').textContent())?.replace('#', ''));
    expect(number).toBeGreaterThan(0);
    await page
      .getByRole('status')
      .filter({ hasText: `Lead ${number} created.` })
      .waitFor();
    expect(await page.locator('.lead-head .chip.stage').textContent()).toBe('Marketing qualified');

    await page.goBack();
    await leads
      .getByRole('list', { name: 'Their leads' })
      .getByRole('link', { name: `Lead ${number}: Fleet travel for their consultancy` })
      .waitFor();
    await page.screenshot({ path: path.join(artifacts, 'sales-new-lead-profile.png') });

    // From the board: whose lead it is comes first, found by name.
    await page.goto(`${server.url}/sales`);
    const newLead = async (who: { displayName: string }, title: string) => {
      await page.getByRole('button', { name: 'New lead…' }).click();
      const picker = page.getByRole('region', { name: 'New lead: whose is it?' });
      await picker.getByLabel('Customer').fill(who.displayName);
      await picker.getByRole('button', { name: 'Find' }).click();
      await picker
        .getByRole('list', { name: 'Matching customers' })
        .getByRole('button', { name: new RegExp(`^${who.displayName}`) })
        .first()
        .click();
      const fields = page.getByRole('form', { name: 'New lead' });
      await fields.getByText(`For ${who.displayName}`).waitFor();
      await fields.getByLabel('Title').fill(title);
      await fields.getByRole('button', { name: 'Create lead' }).click();
      return fields;
    };
    // The customer just given a lead has one open: the form says which, and stays.
    const refused = await newLead(without, 'A second one');
    await refused
      .getByRole('alert')
      .filter({ hasText: `open lead ${number}` })
      .waitFor();
    await refused.getByRole('button', { name: 'Cancel' }).click();
    await newLead(another, 'Conference travel for twelve');
    await page.getByRole('heading', { name: /Conference travel for twelve/, level: 1 }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: /^Lead \d+ created\.$/ })
      .waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('an owner imports leads from a spreadsheet and finds them on the board; a bad line is named', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/sales`);
    await page.getByRole('heading', { name: 'Sales pipeline', level: 1 }).waitFor();
    await page.getByText('Import leads', { exact: true }).click();
    await page.getByLabel('Leads file').setInputFiles({
      name: 'fair.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        [
          'E-mail,Name,Deal,Stage',
          'ines.ferreira@fair.example,Inês Ferreira,Fair contact: corporate fares for 40,SQL',
          'rui@fair.example,Rui,Fair contact: group trip,maybe',
        ].join('\n'),
      ),
    });
    await page.getByLabel('Column names').fill('email=E-mail,name=Name,title=Deal,stage=Stage');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const summary = page.getByRole('status', { name: 'Import summary' });
    await summary
      .getByText('Read 2 lines: 1 lead created, 0 already there, 1 new customer, 1 rejected.')
      .waitFor();
    await summary.getByText(/^Line 3: Stage: "maybe" is not a stage/).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'sales-import-leads.png') });

    await page.getByLabel('Search leads by title').fill('corporate fares for 40');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page
      .getByRole('list', { name: 'Sales qualified leads' })
      .getByRole('link', { name: /Fair contact: corporate fares for 40/ })
      .click();
    await page.getByRole('heading', { name: /Fair contact: corporate fares for 40/, level: 1 }).waitFor();
    await page.getByText('Inês Ferreira').first().waitFor();

    // The board's search is also what Export CSV writes.
    await page.goBack();
    await page.getByRole('heading', { name: 'Sales pipeline', level: 1 }).waitFor();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^leads-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\n');
    expect(lines[0]).toMatch(/^number,title,stage,status,/);
    expect(lines.slice(1)).toEqual([
      expect.stringContaining('Fair contact: corporate fares for 40,sales_qualified,open,'),
    ]);
    expect(lines[1]).toContain('ines.ferreira@fair.example');
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('a moderator has no Sales section', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, ownerEmail, password);
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mo.moderator@example.com', name: 'Mo Moderator', role: 'moderator' },
      password,
    );
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sales' }).count(),
    ).toBe(0);
    await page.goto(`${server.url}/sales`);
    await page.getByText('does not include sales').waitFor();
    await page.close();
  });

  it('a marketer hands a lead to a sales rep, who accepts it, contacts the customer and wins an opportunity; the board shows a customer', async () => {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    const repTemporary = await createUser(page, {
      email: 'rob.rep@example.com',
      name: 'Rob Rep',
      role: 'agent',
    });
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mia.marketing@example.com', name: 'Mia Marketing', role: 'agent' },
      password,
    );

    // The marketer: the board, one column per lifecycle stage, the demo lead in "Lead".
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sales' }).click();
    await page.getByRole('heading', { name: 'Sales pipeline', level: 1 }).waitFor();
    for (const stage of ['Subscriber', 'Lead', 'Marketing qualified', 'Customer', 'Advocate'])
      await page.getByRole('region', { name: new RegExp(`^${stage}`) }).waitFor();
    // The demo stream keeps making leads, so the column's first cards may be newer ones: search.
    await page.getByLabel('Search leads by title').fill(leadTitle);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const leadColumn = page.getByRole('list', { name: 'Lead leads' });
    await leadColumn.getByRole('link', { name: new RegExp(leadTitle) }).click();

    await page.getByRole('heading', { name: new RegExp(leadTitle), level: 1 }).waitFor();
    const score = page.getByRole('table', { name: 'Score explanation' });
    await score.waitFor();
    expect(await score.getByRole('row').count()).toBeGreaterThan(1);
    const handoff = page.getByRole('region', { name: 'Handoff to sales' });
    expect(await handoff.textContent()).toContain('Not handed off yet');
    await handoff.getByLabel('Hand off to').selectOption({ label: 'Rob Rep (agent)' });
    await handoff
      .getByLabel('Note for them')
      .fill('Asked twice about family fares for June; call her this week.');
    await handoff.getByRole('button', { name: 'Hand off', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Handed off to Rob Rep' }).waitFor();
    await handoff.getByText('Waiting for Rob Rep to accept or reject it.').waitFor();
    expect(await handoff.locator('.handoff-note').textContent()).toContain('family fares for June');
    // A handoff makes the lead at least marketing qualified.
    expect(await page.getByLabel('Lifecycle stage').inputValue()).toBe('marketing_qualified');

    // The rep signs in: the handoff waits for them on the board.
    await page.context().clearCookies();
    await signIn(page, server.url, 'rob.rep@example.com', repTemporary, repPassword);
    await page.goto(`${server.url}/sales`);
    await page.getByRole('heading', { name: 'Sales pipeline', level: 1 }).waitFor();
    await page.getByText('Handoffs for me (1)').click();
    await page.getByText('Leads handed to you and waiting for your answer').waitFor();
    await page.locator('.board[aria-busy="false"]').waitFor();
    const mqlColumn = page.getByRole('list', { name: 'Marketing qualified leads' });
    const card = mqlColumn.getByRole('listitem').filter({ hasText: leadTitle });
    await card.waitFor();
    expect(await card.textContent()).toContain('Handoff pending for you');
    expect(await page.locator('.board .lead-card').count()).toBe(1);
    // The bell says so too, and its line opens the lead.
    await page.getByRole('button', { name: /^Notifications, \d+ unread$/ }).click();
    await page
      .getByRole('region', { name: 'Notifications' })
      .getByRole('link', { name: /handed off to Rob Rep/i })
      .click();

    await page.getByRole('heading', { name: new RegExp(leadTitle), level: 1 }).waitFor();
    const repHandoff = page.getByRole('region', { name: 'Handoff to sales' });
    await repHandoff.getByRole('button', { name: 'Accept handoff' }).click();
    await page.getByRole('status').filter({ hasText: 'Handoff accepted' }).waitFor();
    expect(await page.getByLabel('Lifecycle stage').inputValue()).toBe('sales_qualified');
    expect(await page.getByLabel('Owner', { exact: true }).locator('option:checked').textContent()).toContain(
      'Rob Rep',
    );
    await repHandoff.getByText('No contact yet').waitFor();

    const contact = page.getByRole('form', { name: 'Log a contact' });
    await contact.getByLabel('Channel').selectOption('phone');
    await contact.getByLabel('Note (optional)').fill('Called: two adults, two children, 12 June.');
    await contact.getByRole('button', { name: 'Log contact' }).click();
    await page.getByRole('status').filter({ hasText: 'Contact by phone logged' }).waitFor();
    await repHandoff.getByText(/First contact .+ after the handoff/).waitFor();

    const opportunities = page.getByRole('region', { name: 'Opportunities' });
    const form = opportunities.getByRole('form', { name: 'New opportunity' });
    await form.getByLabel('Name').fill('Lisbon family package');
    await form.getByLabel('Amount').fill('2400.50');
    await form.getByLabel('Currency').fill('EUR');
    await form.getByLabel('Expected close').fill('2027-01-15');
    await form.getByRole('button', { name: 'Add opportunity' }).click();
    const opportunity = opportunities.getByRole('listitem', { name: 'Opportunity Lisbon family package' });
    await opportunity.waitFor();
    expect(await opportunity.textContent()).toContain('€2,400.50');
    expect(await page.getByLabel('Lifecycle stage').inputValue()).toBe('opportunity');
    await opportunity.getByRole('button', { name: 'Mark won' }).click();
    await page.getByRole('status').filter({ hasText: 'Opportunity “Lisbon family package” won' }).waitFor();
    await opportunity.locator('.opp-stage', { hasText: 'Won' }).waitFor();
    expect(await page.getByLabel('Lifecycle stage').inputValue()).toBe('customer');
    await page.screenshot({ path: path.join(artifacts, 'sales-lead-won.png'), fullPage: true });
    const feed = page.getByRole('region', { name: 'Activity' });
    for (const line of [
      'Handed off to Rob Rep',
      'Handoff accepted by Rob Rep',
      'First contact by phone',
      'Lead won',
    ])
      await feed.getByText(line).first().waitFor();

    // The board: the lead is now among the customers.
    await page.getByRole('link', { name: 'Sales pipeline' }).click();
    await page.getByRole('heading', { name: 'Sales pipeline', level: 1 }).waitFor();
    const customers = page.getByRole('list', { name: 'Customer leads' });
    const won = customers.getByRole('listitem').filter({ hasText: leadTitle });
    await won.waitFor();
    expect(await won.textContent()).toContain('Won');
    expect(await won.textContent()).toContain('Rob Rep');
    expect(
      await page.getByRole('list', { name: 'Marketing qualified leads' }).getByText(leadTitle).count(),
    ).toBe(0);
    const strip = page.getByRole('region', { name: 'Opportunities' });
    expect(await strip.locator('.opp-closed_won').textContent()).toMatch(/€/);
    await won.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'sales-board-customer.png'), fullPage: true });

    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
