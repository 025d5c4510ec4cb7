import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn as signInAs, signInAsNewUser } from './session.ts';

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

/** Signs in as the demo owner; the first time, replaces the printed one-time password. */
function signIn(page: Page, first: boolean) {
  return first
    ? signInAs(page, server.url, ownerEmail, server.password, password)
    : signInAs(page, server.url, ownerEmail, password);
}

type Summary = { id: string; displayName: string; mentionCount: number; identities: unknown[] };

/** Customers as the API lists them, read with the page's session. */
/** The first 100 customers, or those a search finds, read with the page's session. */
function listCustomers(page: Page, search?: string): Promise<Summary[]> {
  return page.evaluate(async (q) => {
    const res = await fetch(`/api/v1/customers?limit=100${q ? `&search=${encodeURIComponent(q)}` : ''}`);
    return ((await res.json()) as { items: Summary[] }).items;
  }, search);
}

type Suggestion = { id: string; customer: Summary; other: Summary; evidence: string[] };

/** The open merge suggestions, most confident first, read with the page's session. */
function openSuggestions(page: Page): Promise<Suggestion[]> {
  return page.evaluate(async () => {
    const res = await fetch('/api/v1/customers/suggestions?status=open&limit=50');
    return ((await res.json()) as { items: Suggestion[] }).items;
  });
}

/** The Undo button of the merge of `fromName` on an open profile, then checks it is marked undone. */
async function undoMerge(page: Page, fromName: string) {
  const merges = page.getByRole('region', { name: 'Merges' });
  await merges.getByRole('button', { name: `Undo merge of ${fromName}` }).click();
  await page
    .getByRole('status')
    .filter({ hasText: `Undone: ${fromName} is a separate customer again` })
    .waitFor();
  await merges
    .locator('.merge')
    .filter({ hasText: fromName })
    .locator('.pill', { hasText: 'undone' })
    .first()
    .waitFor();
}

describe('customers', () => {
  it('lists demo customers, searches, opens a profile with identities and timeline, merges and undoes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') scriptErrors.push(msg.text());
    });
    await signIn(page, true);

    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('heading', { name: 'Customers', level: 1 }).waitFor();
    const rows = page.getByRole('list', { name: 'Customers' }).getByRole('listitem');
    await rows.first().waitFor();
    expect(await rows.count()).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(artifacts, 'customers-list.png'), fullPage: true });

    // A demo customer with mentions, known on several channels when the demo has one.
    const all = await listCustomers(page);
    const withMentions = all.filter((c) => c.mentionCount > 0);
    const chosen =
      withMentions.find((c) => c.identities.length > 1) ?? withMentions[0] ?? (all[0] as Summary);
    expect(chosen).toBeDefined();

    // Search narrows the list (debounced) to the chosen customer.
    const search = page.getByRole('searchbox', { name: 'Search customers' });
    await search.fill(chosen.displayName);
    await page
      .getByRole('status')
      .filter({ hasText: `matching “${chosen.displayName}”` })
      .waitFor();
    await rows.getByRole('link', { name: chosen.displayName, exact: true }).first().click();

    // The profile: header, identities, the timeline with mentions rendered as cards.
    await page.getByRole('heading', { name: chosen.displayName, level: 1 }).waitFor();
    const identities = page.getByRole('region', { name: 'Identities' });
    await identities.locator('.identity').first().waitFor();
    expect(await identities.locator('.identity').count()).toBeGreaterThan(0);
    const timeline = page.getByRole('list', { name: 'Timeline' });
    await timeline.getByRole('listitem').first().waitFor();
    if (chosen.mentionCount > 0) {
      await timeline.locator('article.mention').first().waitFor();
    }
    await page.screenshot({ path: path.join(artifacts, 'customer-profile.png'), fullPage: true });

    // Back to the list: the search is in the address, so it is still there.
    await page.goBack();
    await page
      .getByRole('status')
      .filter({ hasText: `matching “${chosen.displayName}”` })
      .waitFor();
    expect(await search.inputValue()).toBe(chosen.displayName);
    expect(new URL(page.url()).searchParams.get('q')).toBe(chosen.displayName);
    await page.goForward();
    await page.getByRole('heading', { name: chosen.displayName, level: 1 }).waitFor();

    // Possible duplicates on a profile (the demo suggests Maya's two accounts): the other customer,
    // linked, with the confidence and the evidence, from either side of the pair.
    const [suggested] = await openSuggestions(page);
    if (suggested) {
      for (const [me, other] of [
        [suggested.other, suggested.customer],
        [suggested.customer, suggested.other],
      ] as const) {
        await page.goto(`${server.url}/customers/${encodeURIComponent(me.id)}`);
        await page.getByRole('heading', { name: me.displayName, level: 1 }).waitFor();
        const duplicate = page
          .getByRole('region', { name: 'Possible duplicates' })
          .locator('li.duplicate')
          .filter({ has: page.locator(`a[href="/customers/${encodeURIComponent(other.id)}"]`) });
        await duplicate.waitFor();
        expect(await duplicate.textContent()).toMatch(/\d+% confidence/);
        expect(await duplicate.locator('.evidence li').allTextContents()).toHaveLength(
          suggested.evidence.length,
        );
        expect(await duplicate.getByRole('button', { name: /^Accept: merge / }).isEnabled()).toBe(true);
        expect(await duplicate.getByRole('button', { name: /^Reject: keep / }).isEnabled()).toBe(true);
      }
      await page.screenshot({ path: path.join(artifacts, 'customer-duplicates.png'), fullPage: true });
    }

    // A merge suggestion: accept it, open the customer it went into, undo the merge there.
    await nav.getByRole('link', { name: 'Customers' }).click();
    await page
      .getByRole('navigation', { name: 'Customers' })
      .getByRole('link', { name: 'Suggestions' })
      .click();
    await page.getByRole('heading', { name: 'Merge suggestions' }).waitFor();
    await page.locator('.suggestion, .notice').first().waitFor();
    const suggestions = page.locator('li.suggestion');
    if ((await suggestions.count()) > 0) {
      const first = suggestions.first();
      expect((await first.locator('.evidence li').allTextContents()).length).toBeGreaterThan(0);
      expect(await first.textContent()).toMatch(/\d+% confidence/);
      await page.screenshot({ path: path.join(artifacts, 'customer-suggestions.png'), fullPage: true });
      await first.getByRole('button', { name: /^Accept/ }).click();
      const done = page.getByRole('status').filter({ hasText: /^Merged / });
      await done.waitFor();
      const fromName = /^Merged (.+?) into /.exec((await done.textContent()) ?? '')?.[1] ?? '';
      expect(fromName).not.toBe('');
      await done.getByRole('link', { name: /^Open / }).click();
      await page.getByRole('region', { name: 'Merges' }).getByText(fromName).first().waitFor();
      await undoMerge(page, fromName);
      // The unmerge rejected the pair: the profile no longer offers it as a possible duplicate.
      if (suggested && page.url().endsWith(`/customers/${encodeURIComponent(suggested.customer.id)}`))
        await page
          .locator(`.possible-duplicates a[href="/customers/${encodeURIComponent(suggested.other.id)}"]`)
          .waitFor({ state: 'detached' });
    }

    // Merge two customers by hand from a profile, then undo it.
    const [into, from] = (await listCustomers(page)).filter((c) => c.id !== chosen.id);
    expect(into && from).toBeTruthy();
    if (!into || !from) return;
    await page.goto(`${server.url}/customers/${encodeURIComponent(into.id)}`);
    await page.getByRole('heading', { name: into.displayName, level: 1 }).waitFor();
    await page.getByText('Merge another customer into this one').click();
    await page.getByLabel('Find the customer to merge').fill(from.displayName);
    await page
      .getByRole('radio', { name: new RegExp(from.displayName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) })
      .first()
      .check();
    await page
      .getByLabel('Evidence note (optional)')
      .fill('Confirmed by email that both accounts are theirs');
    await page.getByRole('button', { name: 'Merge…' }).click();
    await page.getByRole('button', { name: 'Yes, merge' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Merged ${from.displayName} into ${into.displayName}` })
      .waitFor();
    const merges = page.getByRole('region', { name: 'Merges' });
    const merge = merges.locator('.merge').filter({ hasText: from.displayName }).first();
    await merge.waitFor();
    expect(await merge.textContent()).toContain('Confirmed by email');
    await page.getByRole('list', { name: 'Timeline' }).locator('.kind-merge').first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'customer-merged.png'), fullPage: true });
    await undoMerge(page, from.displayName);
    // The restored customer has a profile of their own again.
    await page
      .getByRole('status')
      .getByRole('link', { name: `Open ${from.displayName}` })
      .click();
    await page.getByRole('heading', { name: from.displayName, level: 1 }).waitFor();

    // Phone width: the profile stays readable.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/customers/${encodeURIComponent(chosen.id)}`);
    await page.getByRole('heading', { name: chosen.displayName, level: 1 }).waitFor();
    await page.getByRole('list', { name: 'Timeline' }).getByRole('listitem').first().waitFor();
    // The name has the width beside the avatar; Follow and Edit go below it.
    const name = await page.getByRole('heading', { name: chosen.displayName, level: 1 }).boundingBox();
    expect(name?.width ?? 0).toBeGreaterThan(200);
    await page.screenshot({ path: path.join(artifacts, 'customer-profile-phone.png'), fullPage: true });

    expect(scriptErrors.filter((e) => !e.includes('401'))).toEqual([]);

    // Influencers: a ranking with reasons, or a plain message while the server has no ranking yet.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server.url}/customers/influencers`);
    await page.getByRole('heading', { name: 'Influencers', level: 1 }).waitFor();
    await page
      .locator('.influencer-list, .notice')
      .or(page.getByText('Influence ranking is not available on this server yet.'))
      .first()
      .waitFor();
    // Soon after the first start the ranking counts the demo history's replies and @mentions.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.locator('.influencer-list').first().waitFor();
          return page.locator('.influencer-list').first().textContent();
        },
        { timeout: 30_000, interval: 2_000 },
      )
      .toMatch(/replied to or mentioned by \d+ (person|people) in your network/);
    await page.screenshot({ path: path.join(artifacts, 'customer-influencers.png'), fullPage: true });
    await page.close();
  });

  it('orders the list by influence, most influential first, and keeps the order in the address', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, false);
    await page.goto(`${server.url}/customers`);
    const rows = page.getByRole('list', { name: 'Customers' }).getByRole('listitem');
    await rows.first().waitFor();
    // The demo's first influence recompute runs 10 s after the start; wait for its scores.
    await expect
      .poll(
        async () => {
          const res = await page.evaluate(async () =>
            (await fetch('/api/v1/customers?sort=influence&limit=1')).json(),
          );
          return (res as { items: { influence: number | null }[] }).items[0]?.influence ?? null;
        },
        { timeout: 30_000 },
      )
      .not.toBeNull();
    await page.getByRole('combobox', { name: 'Order' }).selectOption({ label: 'Most influential' });
    await page.waitForURL(/[?&]sort=influence/);
    /** Each shown row's influence figure, null where it has none. */
    const shownInfluence = () =>
      rows.evaluateAll((items) =>
        items.map((item) => {
          const figure = [...item.querySelectorAll('dl.customer-figures > div')].find(
            (d) => d.querySelector('dt')?.textContent === 'influence',
          );
          return figure ? Number(figure.querySelector('dd')?.textContent) : null;
        }),
      );
    /** Highest first, and every customer with a score before every one without. */
    const inOrder = (figures: (number | null)[]) => {
      const scored = figures.filter((f): f is number => f !== null);
      return (
        figures[0] !== null &&
        scored.every((f, i) => i === 0 || f <= (scored[i - 1] as number)) &&
        figures.slice(0, scored.length).every((f) => f !== null)
      );
    };
    // The list reloads in the new order once the address changed.
    await expect.poll(async () => inOrder(await shownInfluence()), { timeout: 10_000 }).toBe(true);
    expect((await shownInfluence()).length).toBeGreaterThan(5);
    await page.screenshot({ path: path.join(artifacts, 'customers-by-influence.png'), fullPage: true });
    // A reload keeps the order.
    await page.reload();
    await rows.first().waitFor();
    expect(await page.getByRole('combobox', { name: 'Order' }).inputValue()).toBe('influence');
    await page.close();
  });

  it("shows a social account's bio as text and its links, opening in a new tab", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, false);
    // The demo gives Carlos Ruiz's Bluesky account a bio and a portfolio link.
    await expect
      .poll(
        async () => (await listCustomers(page, 'Carlos Ruiz')).some((c) => c.displayName === 'Carlos Ruiz'),
        { timeout: 30_000 },
      )
      .toBe(true);
    const carlos = (await listCustomers(page, 'Carlos Ruiz')).find(
      (c) => c.displayName === 'Carlos Ruiz',
    ) as Summary;
    await page.goto(`${server.url}/customers/${encodeURIComponent(carlos.id)}`);
    await page.getByRole('heading', { name: 'Carlos Ruiz', level: 1 }).waitFor();
    const social = page.getByRole('region', { name: 'Social' });
    await social.locator('.social-bio').filter({ hasText: 'Product designer in Madrid' }).waitFor();
    const link = social
      .getByRole('list', { name: 'Links of @carlos.ruiz.example' })
      .getByRole('link', { name: /Portfolio/ });
    expect(await link.getAttribute('href')).toBe('https://example.com/demo/carlos-ruiz');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    await page.screenshot({ path: path.join(artifacts, 'customer-social-bio.png'), fullPage: true });
    await page.close();
  });

  it('defines a choice attribute in Settings, sets it on a profile and deletes the definition after confirming', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, false);
    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: 'Customer attributes' }).click();
    await page.getByRole('heading', { name: 'Customer attributes' }).waitFor();
    const form = page.getByRole('form', { name: 'New attribute' });
    await form.getByLabel('Label').fill('Plan tier');
    expect(await form.getByLabel('Key').inputValue()).toBe('plan_tier');
    await form.getByLabel('Type').selectOption('choice');
    await form.getByLabel('Choices').fill('free\npro\nenterprise');
    await form.getByRole('button', { name: 'Create attribute' }).click();
    await page.getByRole('status').filter({ hasText: 'Attribute “Plan tier” created' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'plan_tier' }).waitFor();

    const [someone] = await listCustomers(page);
    expect(someone).toBeDefined();
    if (!someone) return;
    await page.goto(`${server.url}/customers/${encodeURIComponent(someone.id)}`);
    const attributes = page.getByRole('form', { name: 'Attributes' });
    await attributes.getByLabel('Plan tier').selectOption('pro');
    await attributes.getByRole('button', { name: 'Save attributes' }).click();
    await attributes.getByText('Attributes saved.').waitFor();
    await page.reload();
    await page.getByRole('form', { name: 'Attributes' }).getByLabel('Plan tier').waitFor();
    expect(await page.getByRole('form', { name: 'Attributes' }).getByLabel('Plan tier').inputValue()).toBe(
      'pro',
    );

    // Deleting the definition asks first.
    await page.goto(`${server.url}/settings/customer-attributes`);
    const row = page.getByRole('row').filter({ hasText: 'plan_tier' });
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await row.waitFor({ state: 'detached' });
    await page.close();
  });

  it('shows a moderator customers read-only, with the reason', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, false);
    const [someone] = await listCustomers(page);
    expect(someone).toBeDefined();
    if (!someone) return;
    await signInAsNewUser(
      page,
      server.url,
      { email: 'mod@demo.rapport.local', name: 'Mo Derator', role: 'moderator' },
      password,
    );

    await page.goto(`${server.url}/customers/${encodeURIComponent(someone.id)}`);
    await page.getByRole('heading', { name: someone.displayName, level: 1 }).waitFor();
    await page.getByText('only owners, admins, managers and agents can change them').waitFor();
    expect(await page.getByRole('button', { name: 'Edit' }).isDisabled()).toBe(true);
    await page.getByText('Add email or phone', { exact: true }).click();
    expect(await page.getByLabel('Email address').isDisabled()).toBe(true);
    await page.getByText('Only owners and admins can export or erase').waitFor();
    expect(await page.getByRole('button', { name: 'Export data' }).isDisabled()).toBe(true);
    await page.getByText('Record a consent change').click();
    expect(await page.getByRole('button', { name: 'Record consent' }).isDisabled()).toBe(true);
    await page.goto(`${server.url}/customers/suggestions`);
    await page.getByText('only owners, admins, managers and agents can change them').waitFor();
    const accept = page.getByRole('button', { name: /^Accept/ });
    if ((await accept.count()) > 0) expect(await accept.first().isDisabled()).toBe(true);
    await page.goto(`${server.url}/settings/customer-attributes`);
    await page.getByText('Only owners and admins can define customer attributes.').waitFor();
    expect(await page.getByRole('form', { name: 'New attribute' }).getByLabel('Label').isDisabled()).toBe(
      true,
    );
    await page.close();
  });

  it('records a consent, exports the data and erases a demo customer as the owner', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, false);
    const all = (await listCustomers(page)).filter((c) => c.displayName !== 'Erased customer');
    const person = all.find((c) => c.mentionCount > 0) ?? all[0];
    expect(person).toBeDefined();
    if (!person) return;
    await page.goto(`${server.url}/customers/${encodeURIComponent(person.id)}`);
    await page.getByRole('heading', { name: person.displayName, level: 1 }).waitFor();

    // Consent: record a withdrawal of marketing by email; it becomes the current state.
    const consent = page.getByRole('region', { name: 'Consent' });
    await consent.getByText('Record a consent change').click();
    const form = consent.getByRole('form', { name: 'Record consent' });
    await form.getByLabel('Purpose').selectOption('marketing');
    await form.getByLabel('Channel').selectOption('email');
    await form.getByLabel('Status').selectOption('withdrawn');
    await form.getByLabel('Source (optional)').fill('unsubscribe link');
    await form.getByRole('button', { name: 'Record consent' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Consent recorded: marketing on email withdrawn' })
      .waitFor();
    const current = consent.getByRole('list', { name: 'Current consent' }).getByRole('listitem');
    await current
      .filter({ hasText: 'marketing' })
      .filter({ hasText: 'withdrawn' })
      .filter({ hasText: 'unsubscribe link' })
      .waitFor();
    await consent.getByRole('button', { name: 'Show consent history' }).click();
    await consent
      .getByRole('list', { name: 'Consent history, newest first' })
      .getByRole('listitem')
      .first()
      .filter({ hasText: 'withdrawn' })
      .waitFor();

    // Export: a JSON file is downloaded.
    const privacy = page.getByRole('region', { name: 'Privacy' });
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      privacy.getByRole('button', { name: 'Export data' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`customer-${person.id}.json`);
    const file = await download.path();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; consents: unknown };
    expect(exported.format).toBe('rapport.customer-export');
    await privacy.getByRole('status').filter({ hasText: 'Export downloaded' }).waitFor();

    // Erase: needs a reason and the name typed; the button stays disabled until both are there.
    await privacy.getByText('Erase personal data…').click();
    const erase = privacy.getByRole('form', { name: 'Erase personal data' });
    const submit = erase.getByRole('button', { name: 'Erase personal data' });
    await erase.getByLabel('Reason').fill('GDPR art. 17 request #e2e');
    expect(await submit.isDisabled()).toBe(true);
    await erase.getByLabel(/Type the customer’s name/).fill(person.displayName);
    await privacy.screenshot({ path: path.join(artifacts, 'customer-erase-confirm.png') });
    await submit.click();
    const result = privacy.getByRole('status').filter({ hasText: 'Personal data erased' });
    await result.waitFor();
    expect(
      await result.getByRole('list', { name: 'What was erased' }).getByRole('listitem').count(),
    ).toBeGreaterThan(0);
    await page.getByRole('heading', { name: 'Erased customer', level: 1 }).waitFor();
    // The withdrawal outlives the profile.
    await consent.getByRole('list', { name: 'Current consent' }).getByText('withdrawn').first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'customer-privacy.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await consent.getByRole('button', { name: 'Hide consent history' }).waitFor();
    await page.screenshot({ path: path.join(artifacts, 'customer-privacy-phone.png'), fullPage: true });
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('opens a case by hand from a profile, assigned to whoever opened it, and lists it in their service history', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, false);
    // A customer whose data was not erased (a test above erases one).
    const customer = await page.evaluate(async () => {
      const { items } = (await (await fetch('/api/v1/customers?limit=20')).json()) as {
        items: { id: string; displayName: string }[];
      };
      for (const c of items) {
        const profile = (await (await fetch(`/api/v1/customers/${c.id}`)).json()) as {
          erasedAt: string | null;
        };
        if (!profile.erasedAt) return c;
      }
      return null;
    });
    if (!customer) throw new Error('no customer to open a case for');
    await page.goto(`${server.url}/customers/${encodeURIComponent(customer.id)}`);
    const history = page.getByRole('region', { name: 'Service history' });
    await history.getByRole('button', { name: 'New case…' }).click();
    const form = history.getByRole('form', { name: 'New case' });
    expect(await form.getByRole('button', { name: 'Open case' }).isDisabled()).toBe(true);
    await form.getByLabel('Subject').fill('Called about the refund for DA 204');
    await form.getByLabel('Priority').selectOption('high');
    expect(await form.getByLabel('Assignee').locator('option:checked').textContent()).toMatch(/\(you\)$/);
    await form.getByRole('button', { name: 'Open case' }).click();

    const detail = page.getByRole('article', { name: /Called about the refund for DA 204/ });
    await detail.waitFor();
    expect(page.url()).toMatch(/\/inbox\/[^/]+$/);
    expect(await detail.getByLabel('Priority').inputValue()).toBe('high');
    expect(await detail.getByLabel('Assignee').locator('option:checked').textContent()).toContain(
      'Demo Owner',
    );
    await detail.getByText(customer.displayName).first().waitFor();
    await page.screenshot({ path: path.join(artifacts, 'inbox-case-by-hand.png') });

    await page.goBack();
    await history.getByRole('link', { name: /Called about the refund for DA 204/ }).waitFor();
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
