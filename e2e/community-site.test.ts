import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * Issue #7 item 12: the public community site reads without JavaScript and on a phone. A
 * visitor's browser with JavaScript off, at a 360 px wide phone viewport, goes from the home page
 * to a space, to a question and its accepted answer, to the next page of a long thread, and
 * searches with the form.
 */

let server: StartedServer;
let browser: Browser;
const workspace = 'demo';
let longThreadId = '';

type Api = <T>(method: string, path: string, body?: unknown) => Promise<{ status: number; body: T }>;

function apiOf(page: Page): Api {
  return (method, path, body) =>
    page.evaluate(
      async ({ method, path, body }) => {
        const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
        const res = await fetch(path, {
          method,
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: body === undefined ? null : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      },
      { method, path, body },
    ) as never;
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');
  const api = apiOf(page);
  const created = async <T>(method: string, p: string, body: unknown) => {
    const res = await api<T>(method, p, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  const help = await created<{ id: string }>('POST', '/api/v1/communities/spaces', {
    slug: 'phone-help',
    title: 'Help with your trip',
    description: 'Questions about bookings, luggage and check-in, answered by travellers and staff.',
    kind: 'qa',
  });
  await created('POST', '/api/v1/communities/spaces', {
    slug: 'phone-ideas',
    title: 'Ideas',
    description: 'What should Demo Airways do next?',
    kind: 'ideas',
  });
  const question = await created<{ thread: { id: string } }>('POST', '/api/v1/communities/threads', {
    spaceId: help.id,
    title: 'Can I take a folding bike as checked luggage on long-haul flights?',
    body: 'I am flying to **Lisbon** next month with a folding bike in a soft case. Does it count as sports equipment?',
  });
  const answer = await created<{ post: { id: number } }>(
    'POST',
    `/api/v1/communities/threads/${question.thread.id}/posts`,
    {
      body: 'Yes: a folding bike in a case up to 23 kg travels as *standard checked luggage*. See https://demo.example/bikes for the case sizes.',
    },
  );
  await created('POST', `/api/v1/communities/threads/${question.thread.id}/accepted-answer`, {
    postId: answer.post.id,
  });
  const long = await created<{ thread: { id: string } }>('POST', '/api/v1/communities/threads', {
    spaceId: help.id,
    title: 'Seat selection tips',
    body: 'Share your best tips for choosing a seat.',
  });
  longThreadId = long.thread.id;
  for (let i = 2; i <= 24; i++)
    await created('POST', `/api/v1/communities/threads/${longThreadId}/posts`, {
      body: `Tip number ${i}: pick a seat near the wing for a smoother ride.`,
    });
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('public community site (issue #7, item 12)', () => {
  it('reads with JavaScript disabled on a 360 px phone: home, space, question with its accepted answer, thread pages and search', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();

    const home = await page.goto(`${server.url}/community/${workspace}`);
    expect(home?.status()).toBe(200);
    expect(home?.headers()['cache-control']).toContain('public');
    expect(await page.title()).toBe('Home · Demo Airways community');
    await page.getByRole('heading', { level: 1, name: 'Demo Airways community' }).waitFor();
    expect(await page.getByText('Questions about bookings, luggage').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'community-phone-home.png'), fullPage: true });

    await page.getByRole('link', { name: 'Help with your trip' }).click();
    await page.getByRole('heading', { level: 1, name: 'Help with your trip' }).waitFor();
    const questionLink = page.getByRole('link', { name: /folding bike/ });
    expect(await questionLink.isVisible()).toBe(true);

    await questionLink.click();
    await page.getByRole('heading', { level: 1, name: /folding bike/ }).waitFor();
    const accepted = page.locator('article.post.accepted');
    expect(await accepted.count()).toBe(1);
    expect(await accepted.textContent()).toContain('Accepted answer');
    expect(await accepted.textContent()).toContain('standard checked luggage');
    // Nothing sticks out sideways on a phone: the widest element fits the viewport.
    const widest = await page.locator('main').boundingBox();
    expect(widest?.width ?? 999).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(artifacts, 'community-phone-thread.png'), fullPage: true });

    // A long thread pages by post number with plain links.
    await page.goto(`${server.url}/community/${workspace}/t/${longThreadId}`);
    expect(await page.locator('article.post').count()).toBe(20);
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.locator('article#p24').waitFor();
    expect(await page.locator('article.post').count()).toBe(4);
    expect(await page.getByRole('link', { name: 'First page' }).isVisible()).toBe(true);

    // The search form is a plain GET form.
    await page.getByRole('searchbox', { name: 'Search the community' }).first().fill('folding bike');
    await page.getByRole('button', { name: 'Search' }).first().click();
    await page.waitForURL(/\/search\?q=folding\+bike/);
    await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
    expect(await page.getByRole('link', { name: /folding bike/ }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(artifacts, 'community-phone-search.png'), fullPage: true });

    const missing = await page.goto(`${server.url}/community/${workspace}/t/no-such-thread`);
    expect(missing?.status()).toBe(404);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    await context.close();
  });

  it('frames the join and sign-in pages in the site header, and says joining is not open while the community cannot send email', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await page.goto(`${server.url}/community/${workspace}/s/phone-help`);
    await page.getByRole('banner').getByRole('link', { name: 'join' }).click();
    await page.getByRole('heading', { level: 1, name: 'Join the community' }).waitFor();
    expect(await page.title()).toBe('Join the community · Demo Airways community');
    // The demo workspace has no email connector: no form that would fail after being filled in.
    await page.getByText('Joining is not open: this community cannot send email yet').waitFor();
    expect(await page.getByRole('button', { name: 'Join' }).count()).toBe(0);
    expect(await page.getByLabel('Email').count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'community-phone-join-closed.png'), fullPage: true });

    // Existing members still sign in, on a page with the same header.
    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to the community' }).waitFor();
    expect(await page.getByLabel('Email').isVisible()).toBe(true);
    expect(await page.getByRole('main').getByRole('link', { name: 'Join the community' }).count()).toBe(0);
    const banner = page.getByRole('banner');
    expect(await banner.getByRole('searchbox', { name: 'Search the community' }).isVisible()).toBe(true);
    await banner.getByRole('link', { name: 'Demo Airways community' }).click();
    await page.getByRole('heading', { level: 1, name: 'Demo Airways community' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/community/${workspace}`);
    await context.close();
  });

  it('lays the pages out without sideways scrolling at 360 px (measured with scripts on)', async () => {
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    for (const p of [
      `/community/${workspace}`,
      `/community/${workspace}/s/phone-help`,
      `/community/${workspace}/t/${longThreadId}`,
      `/community/${workspace}/-/join`,
      `/community/${workspace}/-/sign-in`,
    ]) {
      await page.goto(`${server.url}${p}`);
      const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
      expect(Number(overflow), p).toBeLessThanOrEqual(0);
    }
    await page.close();
  });
});
