import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * Issue #7: a member's whole path on the community site, in plain HTML forms. Two people join
 * (the verification emails are caught by a local SMTP server the workspace's email connector
 * points at), confirm their emails through the links, and sign in. One asks a question with
 * JavaScript disabled on a 360 px phone (previewing it first), the other answers, the unread mark
 * shows the asker the new reply and goes once they read it, the asker accepts the answer (shown
 * highlighted), and votes for an idea.
 */

let server: StartedServer;
let browser: Browser;
const workspace = 'demo';
let ideaId = '';
const memberPassword = 'a long member passphrase';

const mails: { to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  onData: (stream, session, cb) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      cb();
    });
  },
});

/** The verification link mailed to `email` (the body may be quoted-printable), as a path. */
async function verificationPath(email: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const mail = mails.find((m) => m.to.includes(email));
    if (mail) {
      const text = mail.raw
        .replace(/=\r?\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
      const link = /https?:\/\/\S+?(\/community\/[^/\s]+\/-\/verify\?token=[A-Za-z0-9_%-]+)/.exec(text)?.[1];
      if (!link) throw new Error(`No verification link in: ${text}`);
      return link;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`No email reached ${email}`);
}

/** Joins through the form, confirms the email through the mailed link, and signs in. */
async function join(page: Page, who: { email: string; username: string; name: string }) {
  await page.goto(`${server.url}/community/${workspace}/-/join`);
  // The join page wears the site's header, which leads back to the community.
  await page.getByRole('banner').getByRole('link', { name: 'Demo Airways community' }).waitFor();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Username').fill(who.username);
  await page.getByLabel('Display name').fill(who.name);
  await page.getByLabel(/^Password/).fill(memberPassword);
  await page.getByRole('button', { name: 'Join' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.goto(`${server.url}${await verificationPath(who.email)}`);
  await page.getByRole('heading', { name: 'Email confirmed' }).waitFor();
  await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(memberPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${who.name}`).waitFor();
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  server = await startBuiltServer();
  browser = await launchChromium();
  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, 'a long new passphrase');
  const api = <T>(method: string, p: string, body: unknown) =>
    page.evaluate(
      async ({ method, p, body }) => {
        const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
        const res = await fetch(p, {
          method,
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      },
      { method, p, body },
    ) as Promise<{ status: number; body: T }>;
  const created = async <T>(p: string, body: unknown) => {
    const res = await api<T>('POST', p, body);
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    return res.body;
  };
  // The community mails through the workspace's email connector: here, the local SMTP server.
  await created('/api/v1/connectors', {
    kind: 'email',
    name: 'Community mail',
    config: {
      host: '127.0.0.1',
      port: smtpPort,
      fromAddress: 'community@demo.example',
      fromName: 'Demo community',
    },
  });
  await created('/api/v1/communities/spaces', {
    slug: 'crew-questions',
    title: 'Ask the crew',
    description: 'Questions about flying with Demo Airways.',
    kind: 'qa',
  });
  const wishlist = await created<{ id: string }>('/api/v1/communities/spaces', {
    slug: 'member-wishlist',
    title: 'Member wishlist',
    description: 'What should we do next?',
    kind: 'ideas',
  });
  const idea = await created<{ thread: { id: string } }>('/api/v1/communities/threads', {
    spaceId: wishlist.id,
    title: 'Power sockets at every seat',
    body: 'Long flights drain phones and laptops.',
  });
  ideaId = idea.thread.id;
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('a community member writes on the site (issue #7)', () => {
  it('joins, asks on a phone without JavaScript, gets an answer from another member, sees and clears the unread mark, accepts the answer, and votes', async () => {
    const phone: BrowserContext = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 360, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const asker = await phone.newPage();
    await join(asker, { email: 'ines@traveller.example', username: 'ines', name: 'Inês Travel' });

    // Ask: the space page's button, a preview rendered by the server, then post.
    await asker.getByRole('link', { name: 'Ask the crew' }).click();
    await asker.getByRole('link', { name: 'Ask a question' }).click();
    await asker.getByLabel('Title').fill('Can I bring my surfboard to Lisbon?');
    await asker.getByLabel(/Your question/).fill('I fly in **June** with a 2 metre board in a padded bag.');
    await asker.getByRole('button', { name: 'Preview' }).click();
    const preview = asker.getByRole('region', { name: 'Preview' });
    await preview.waitFor();
    expect(await preview.locator('strong').textContent()).toBe('June');
    expect(await asker.getByLabel('Title').inputValue()).toBe('Can I bring my surfboard to Lisbon?');
    const main = await asker.locator('main').boundingBox();
    expect(main?.width ?? 999).toBeLessThanOrEqual(360);
    await asker.screenshot({
      path: path.join(artifacts, 'community-member-phone-preview.png'),
      fullPage: true,
    });
    await asker.getByRole('button', { name: 'Post', exact: true }).click();
    await asker.getByRole('heading', { level: 1, name: /surfboard/ }).waitFor();
    const questionUrl = asker.url();
    expect(questionUrl).toMatch(/\/community\/demo\/t\/[^/?#]+$/);

    // A second member answers from a desktop browser.
    const desk = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const helper = await desk.newPage();
    await join(helper, { email: 'tom@surf.example', username: 'tom', name: 'Tom Surfer' });
    await helper.goto(questionUrl);
    await helper
      .getByLabel('Your reply (Markdown)')
      .fill('Yes: boards up to 3 m fly as sports equipment. Book it ahead.');
    await helper.getByRole('button', { name: 'Post reply' }).click();
    await helper.locator('article#p2').getByText('sports equipment').waitFor();
    // Only the asker (or a moderator) accepts.
    expect(await helper.getByRole('button', { name: 'Accept as answer' }).count()).toBe(0);

    // The asker sees the new reply marked on the space page, reads it, and the mark goes.
    await asker.goto(`${server.url}/community/${workspace}/s/crew-questions`);
    const card = asker.locator('li.card.thread').filter({ hasText: 'surfboard' });
    expect(await card.locator('.badge.unread').textContent()).toBe('1 new post');
    await asker.screenshot({
      path: path.join(artifacts, 'community-member-phone-unread.png'),
      fullPage: true,
    });
    await card.getByRole('link', { name: /surfboard/ }).click();
    await asker.locator('article#p2').waitFor();
    await asker.goto(`${server.url}/community/${workspace}/s/crew-questions`);
    expect(
      await asker.locator('li.card.thread').filter({ hasText: 'surfboard' }).locator('.badge.unread').count(),
    ).toBe(0);

    // Accepting the answer: a form button, redirect after post, the answer highlighted.
    await asker.goto(questionUrl);
    await asker.locator('article#p2').getByRole('button', { name: 'Accept as answer' }).click();
    const accepted = asker.locator('article.post.accepted');
    await accepted.waitFor();
    expect(await accepted.getAttribute('id')).toBe('p2');
    expect(await accepted.textContent()).toContain('Accepted answer');
    expect(await accepted.textContent()).toContain('sports equipment');
    expect(await asker.locator('h1 .badge.answered').textContent()).toBe('Answered');
    await asker.screenshot({
      path: path.join(artifacts, 'community-member-phone-accepted.png'),
      fullPage: true,
    });

    // Voting for an idea.
    await asker.goto(`${server.url}/community/${workspace}/s/member-wishlist`);
    await asker.getByRole('link', { name: 'Power sockets at every seat' }).click();
    await asker.getByRole('button', { name: 'Vote for this idea' }).click();
    await asker.getByRole('button', { name: 'Remove my vote' }).waitFor();
    expect(await asker.locator('.meta.idea .votes').textContent()).toBe('1 vote');
    expect(asker.url()).toContain(`/t/${ideaId}`);
    await asker.screenshot({
      path: path.join(artifacts, 'community-member-phone-voted.png'),
      fullPage: true,
    });

    // The profile page says where the member stands.
    await asker.getByRole('link', { name: 'My profile' }).click();
    await asker.getByRole('heading', { level: 2, name: 'What your trust level lets you do' }).waitFor();
    expect(await asker.locator('dl.facts').first().textContent()).toContain('@ines');

    await desk.close();
    await phone.close();
  });
});
