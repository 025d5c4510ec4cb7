import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * axe-core (the checker behind most accessibility tools) over every page of the app as the
 * demo's owner sees it, on a laptop and on a phone, and over the public community site.
 * Serious and critical findings against WCAG 2.1 A and AA fail the test.
 */

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: StartedServer;
let browser: Browser;
const password = 'accessible passphrase';

beforeAll(async () => {
  server = await startBuiltServer();
  browser = await launchChromium();
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type Finding = { page: string; rule: string; impact: string; help: string; html: string };

/** Runs axe on what the page shows now. */
async function findings(page: Page, name: string): Promise<Finding[]> {
  // The app's CSP allows its own scripts only, so the checker comes in through a bypassing context.
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (options: unknown) => Promise<unknown> } }).axe;
    // Without a context, axe checks the whole document.
    const result = (await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    })) as { violations: { id: string; impact: string; help: string; nodes: { html: string }[] }[] };
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.map((n) => ({
        page: name,
        rule: v.id,
        impact: v.impact,
        help: v.help,
        html: n.html.slice(0, 160),
      })),
    );
}

/**
 * Opens an address and waits for its heading and data; `address → selector` then follows the first
 * link the selector finds, `address ⇒ name` presses the button of that name (a form or dialog opens).
 */
async function visit(page: Page, target: string): Promise<void> {
  const [path, button] = target.split(' ⇒ ');
  const [address, firstLink] = (path as string).split(' → ');
  await page.goto(`${server.url}${address}`);
  await page.locator('h1').first().waitFor();
  if (firstLink) {
    await page.locator(firstLink).first().click();
    await page.locator('h1, h2#case-title').first().waitFor();
  }
  // Lists and panels fill in after the heading.
  await page.waitForTimeout(800);
  if (button) {
    await page.getByRole('button', { name: button }).first().click();
    await page.waitForTimeout(300);
  }
}

const appPages = [
  '/inbox',
  '/inbox → .case-list a',
  '/inbox ⇒ Keyboard shortcuts',
  '/inbox ⇒ New case…',
  '/listening',
  '/listening/queries',
  '/listening/analysis',
  '/listening/connectors',
  '/listening/quarantine',
  '/customers',
  '/customers → .customer-list a',
  '/customers/suggestions',
  '/customers/influencers',
  '/customers/segments',
  '/customers/segments/new',
  '/sales',
  '/sales ⇒ New lead…',
  '/sales → .board a',
  '/sales/opportunities',
  '/communities',
  '/communities/questions',
  '/communities/ideas',
  '/communities/moderation',
  '/communities/members',
  '/communities/challenges',
  '/communities/lists',
  '/communities/newsletters',
  '/communities/settings',
  '/analytics',
  '/settings',
  '/settings/users',
  '/settings/tokens',
  '/settings/teams',
  '/settings/routing-rules',
  '/settings/routing-rules ⇒ New rule',
  '/settings/service-levels',
  '/settings/service-levels ⇒ New policy',
  '/settings/canned-responses',
  '/settings/surveys',
  '/settings/webhooks',
  '/settings/customer-attributes',
  '/settings/lead-scoring',
];

describe('accessibility (axe-core, WCAG 2.1 A and AA)', () => {
  it('finds nothing serious on any page of the app on a laptop', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await signIn(page, server.url, ownerEmail, password);
    const found: Finding[] = [];
    for (const target of appPages) {
      await visit(page, target);
      found.push(...(await findings(page, target)));
    }
    expect(found).toEqual([]);
    await context.close();
  });

  it('finds nothing serious on the main pages on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Menu' }).waitFor();
    const found: Finding[] = [];
    for (const target of [
      '/inbox',
      '/inbox → .case-list a',
      '/listening',
      '/customers',
      '/sales',
      '/settings/service-levels',
    ]) {
      await visit(page, target);
      found.push(...(await findings(page, `${target} (phone)`)));
    }
    // The main menu open, too.
    await page.getByRole('button', { name: 'Menu' }).click();
    found.push(...(await findings(page, 'menu (phone)')));
    expect(found).toEqual([]);
    await context.close();
  });

  it('finds nothing serious on the public community site', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    const found: Finding[] = [];
    await page.goto(`${server.url}/community/demo`);
    found.push(...(await findings(page, '/community/demo')));
    await page.goto(`${server.url}/community/demo/s/ask`);
    found.push(...(await findings(page, '/community/demo/s/ask')));
    await page.locator('main a[href*="/t/"]').first().click();
    await page.locator('h1').first().waitFor();
    found.push(...(await findings(page, 'a question thread')));
    for (const address of [
      '/community/demo/s/ideas',
      '/community/demo/-/join',
      '/community/demo/-/sign-in',
    ]) {
      await page.goto(`${server.url}${address}`);
      found.push(...(await findings(page, address)));
    }
    expect(found).toEqual([]);
    await context.close();
  });
});
