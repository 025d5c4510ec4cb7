import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * Issue #6, the inbox's acceptance test: a demo complaint arrives, a routing rule makes a case, an
 * agent answers it with a canned response using only the keyboard, the reply goes out through a
 * Bluesky connector (to a stand-in PDS in this process) and the first-response SLA is met.
 */

let server: StartedServer;
let browser: Browser;
let pds: ReturnType<typeof fakePds>;
let pdsUrl = '';
let refusedWs = '';
const password = 'a long new passphrase';
const appPassword = 'demo-app-password-1234';

type CreatedRecord = {
  repo: string;
  collection: string;
  record: {
    text: string;
    reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } };
  };
};

/**
 * The XRPC subset a Bluesky reply uses: createSession (for the brand's app password), getPosts (any
 * post exists, with a made-up cid; demo posts' ids are not at:// URIs, so they get one) and
 * createRecord (recorded).
 */
function fakePds() {
  const created: CreatedRecord[] = [];
  const asAtUri = (uri: string) =>
    uri.startsWith('at://')
      ? uri
      : `at://did:plc:demo-customer/app.bsky.feed.post/${encodeURIComponent(uri)}`;
  const http: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://pds');
    const body = raw ? JSON.parse(raw) : null;
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname === '/xrpc/com.atproto.server.createSession') {
      if (body?.identifier !== 'demo-brand.example' || body?.password !== appPassword)
        return send(401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
      return send(200, {
        accessJwt: 'access-jwt',
        refreshJwt: 'refresh-jwt',
        did: 'did:plc:demo-brand',
        handle: 'demo-brand.example',
      });
    }
    if (req.headers.authorization !== 'Bearer access-jwt') return send(401, { error: 'AuthMissing' });
    if (url.pathname === '/xrpc/app.bsky.feed.getPosts') {
      return send(200, {
        posts: url.searchParams.getAll('uris').map((uri) => ({
          uri: asAtUri(uri),
          cid: 'bafy-demo-parent',
          author: { did: 'did:plc:demo-customer', handle: 'customer.example' },
          record: { $type: 'app.bsky.feed.post', text: '', createdAt: '' },
          indexedAt: '',
        })),
      });
    }
    if (url.pathname === '/xrpc/com.atproto.repo.createRecord') {
      created.push(body as CreatedRecord);
      return send(200, {
        uri: `at://${body.repo}/${body.collection}/${body.rkey}`,
        cid: `bafy-reply-${created.length}`,
      });
    }
    send(404, { error: 'MethodNotImplemented' });
  });
  return { http, created };
}

/** A ws:// URL on this machine where nothing listens: the connector's firehose just fails to connect. */
async function refusingWsUrl(): Promise<string> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return `ws://127.0.0.1:${port}`;
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  pds = fakePds();
  await new Promise<void>((resolve) => pds.http.listen(0, '127.0.0.1', resolve));
  pdsUrl = `http://127.0.0.1:${(pds.http.address() as { port: number }).port}`;
  refusedWs = await refusingWsUrl();
  server = await startBuiltServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => (pds ? pds.http.close(resolve) : resolve(undefined)));
});

describe('inbox acceptance (issue #6)', () => {
  it('a demo complaint becomes a case by rule; an agent answers it with a canned response by keyboard; the reply is sent and the first response SLA is met', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, server.password, password);

    // The brand's Bluesky account, for sending (its firehose points nowhere: listening is not tested here).
    const created = await page.evaluate(
      async (body) => {
        const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
        const res = await fetch('/api/v1/connectors', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.text() };
      },
      {
        kind: 'bluesky',
        name: 'Demo brand on Bluesky',
        config: {
          endpoint: refusedWs,
          appviewUrl: null,
          account: { identifier: 'demo-brand.example', service: pdsUrl },
        },
        secret: appPassword,
      },
    );
    expect(created.status, created.body).toBe(201);

    // The inbox, Bluesky complaints: the demo stream's complaints were made cases by the demo rule.
    await page.goto(`${server.url}/inbox?view=channel:bluesky&tag=complaint`);
    await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
    await page.getByRole('list', { name: 'bluesky cases' }).getByRole('listitem').first().waitFor();

    // From here on the agent uses the keyboard only: j selects the first case, Enter opens it.
    await page.locator('main').focus();
    await page.keyboard.press('j');
    const selected = (await page.locator(':focus').textContent()) ?? '';
    const caseNumber = Number(/#(\d+)/.exec(selected)?.[1]);
    expect(caseNumber).toBeGreaterThan(0);
    const card = page
      .getByRole('list', { name: 'bluesky cases' })
      .getByRole('listitem')
      .filter({ has: page.locator(':focus') });
    expect(await card.locator('.chip').allTextContents()).toContain('bluesky');
    expect(await card.locator('.chip.tag').allTextContents()).toContain('#complaint');
    await page.keyboard.press('Enter');
    const detail = page.getByRole('article', { name: new RegExp(`#${caseNumber} `) });
    await detail.getByRole('region', { name: 'Conversations' }).waitFor();
    await detail
      .locator('.feed-text')
      .filter({ hasText: 'Case created by rule “Complaints and churn risk become cases”' })
      .first()
      .waitFor();
    const sla = detail.getByRole('region', { name: 'Service level' });
    const firstResponse = sla
      .locator('.sla-clock')
      .filter({ hasText: 'First response' })
      .locator('.sla-status');
    await firstResponse.waitFor();
    expect(await firstResponse.textContent()).not.toBe('Met');

    // r: the composer, focused; Shift+Tab back to the canned responses; typing "S" picks
    // "Sorry for the delay", which fills in and returns to the text.
    await page.keyboard.press('r');
    const composer = detail.getByRole('region', { name: 'Reply composer' });
    const text = composer.getByRole('textbox', { name: 'Public reply' });
    await text.waitFor();
    await page.waitForFunction('document.activeElement?.tagName === "TEXTAREA"');
    for (let i = 0; i < 8; i++) {
      if ((await page.locator(':focus').getAttribute('aria-label')) === 'Insert a canned response') break;
      await page.keyboard.press('Shift+Tab');
    }
    expect(await page.locator(':focus').getAttribute('aria-label')).toBe('Insert a canned response');
    await page.keyboard.press('S');
    await expect.poll(() => text.inputValue()).toContain('Demo Owner from');
    await page.waitForFunction('document.activeElement?.tagName === "TEXTAREA"');
    const filled = await text.inputValue();
    expect(filled).toContain('We are sorry for the wait');
    expect(filled).not.toContain('{{');

    // Ctrl+Enter sends; the worker delivers it through the connector, and it shows as sent.
    await page.keyboard.press('Control+Enter');
    await composer.getByRole('status').filter({ hasText: 'Reply queued' }).waitFor();
    const reply = detail.getByRole('listitem', { name: 'Reply by Demo Owner: Sent' });
    await reply.waitFor({ timeout: 30_000 });
    expect(await reply.textContent()).toContain(filled);
    expect(await reply.textContent()).toContain('replied publicly on bluesky');

    // What reached the PDS: one post in the brand's repo, a reply to the customer's post.
    expect(pds.created).toHaveLength(1);
    const record = pds.created[0] as CreatedRecord;
    expect(record.repo).toBe('did:plc:demo-brand');
    expect(record.collection).toBe('app.bsky.feed.post');
    expect(record.record.text).toBe(filled);
    expect(record.record.reply?.parent.cid).toBe('bafy-demo-parent');
    expect(record.record.reply?.root).toEqual(record.record.reply?.parent);

    // The first response target is met.
    await firstResponse.filter({ hasText: /^Met$/ }).waitFor({ timeout: 30_000 });
    expect(await sla.locator('.sla-clock').filter({ hasText: 'First response' }).textContent()).toMatch(
      /met .+ ago/,
    );
    await reply.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'inbox-acceptance-reply-sent.png') });
    await sla.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, 'inbox-acceptance-sla-met.png') });

    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
