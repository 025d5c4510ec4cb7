import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { listNotifications, recordFeed } from '../collaboration/feed.ts';
import { createCustomer, customerTimeline, getCustomer, updateCustomer } from '../customers/service.ts';
import { listCanned, renderCanned, saveCanned } from './canned.ts';
import { getCase } from './case-lists.ts';
import { createCase } from './cases.ts';
import { addNote, deliverDueReplies, queueReply, retryReply } from './replies.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';

const t = setupTestDatabase();

// ------------------------------------------------------------------ local servers speaking the real protocols

type Captured = { method: string; path: string; headers: IncomingMessage['headers']; body: unknown };

/** An XRPC endpoint (a PDS proxying the AppView) with the brand account `brand.example`. */
function xrpcServer() {
  const calls: Captured[] = [];
  const records = new Map<string, unknown>();
  const posts = new Map<string, { cid: string; reply?: unknown }>();
  let failNextCreates = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const body = raw ? JSON.parse(raw) : null;
    calls.push({ method: req.method ?? '', path: url.pathname, headers: req.headers, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname === '/xrpc/com.atproto.server.createSession') {
      if (body?.identifier !== 'brand.example' || body?.password !== 'app-pass-1234')
        return send(401, { error: 'AuthenticationRequired', message: 'Invalid identifier or password' });
      return send(200, {
        accessJwt: 'access-jwt',
        refreshJwt: 'refresh-jwt',
        did: 'did:plc:brand',
        handle: 'brand.example',
      });
    }
    if (req.headers.authorization !== 'Bearer access-jwt') return send(401, { error: 'AuthMissing' });
    if (url.pathname === '/xrpc/app.bsky.feed.getPosts') {
      const uris = url.searchParams.getAll('uris');
      return send(200, {
        posts: uris.flatMap((uri) => {
          const p = posts.get(uri);
          return p
            ? [
                {
                  uri,
                  cid: p.cid,
                  author: { did: 'did:plc:x', handle: 'x' },
                  record: {
                    $type: 'app.bsky.feed.post',
                    text: '',
                    createdAt: '',
                    ...(p.reply ? { reply: p.reply } : {}),
                  },
                  indexedAt: '',
                },
              ]
            : [];
        }),
      });
    }
    if (url.pathname === '/xrpc/com.atproto.repo.createRecord') {
      if (failNextCreates > 0) {
        failNextCreates--;
        return send(502, { error: 'UpstreamFailure', message: 'Upstream service unreachable' });
      }
      const key = `${body.repo}/${body.rkey}`;
      if (records.has(key)) return send(400, { error: 'InvalidRequest', message: 'Record already exists' });
      records.set(key, body.record);
      return send(200, {
        uri: `at://${body.repo}/${body.collection}/${body.rkey}`,
        cid: `bafy-${records.size}`,
      });
    }
    send(404, { error: 'MethodNotImplemented' });
  });
  return {
    server,
    calls,
    records,
    posts,
    failCreates: (n: number) => {
      failNextCreates = n;
    },
  };
}

/** A Mastodon instance's statuses endpoint, honouring Idempotency-Key as Mastodon does. */
function mastodonServer() {
  const statuses: { id: string; body: Record<string, unknown>; key: string | undefined }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    res.setHeader('content-type', 'application/json');
    if (req.url !== '/api/v1/statuses' || req.method !== 'POST')
      return res.writeHead(404).end('{"error":"Not found"}');
    if (req.headers.authorization !== 'Bearer masto-token')
      return res.writeHead(401).end('{"error":"The access token is invalid"}');
    const key = req.headers['idempotency-key'] as string | undefined;
    const earlier = statuses.find((s) => key && s.key === key);
    const status = earlier ?? { id: String(110000 + statuses.length), body, key };
    if (!earlier) statuses.push(status);
    const host = req.headers.host;
    res.writeHead(200).end(
      JSON.stringify({
        id: status.id,
        uri: `http://${host}/users/brand/statuses/${status.id}`,
        url: `http://${host}/@brand/${status.id}`,
        content: `<p>${body.status}</p>`,
        visibility: body.visibility,
        in_reply_to_id: body.in_reply_to_id ?? null,
      }),
    );
  });
  return { server, statuses };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const xrpc = xrpcServer();
const masto = mastodonServer();
const mails: { from: string; to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onAuth: (auth, _session, cb) =>
    auth.username === 'mailer' && auth.password === 'smtp-pass'
      ? cb(null, { user: 'mailer' })
      : cb(new Error('Invalid login')),
  onData: (stream, session, cb) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      cb();
    });
  },
});
const urls = { xrpc: '', masto: '', smtpPort: 0 };

beforeAll(async () => {
  urls.xrpc = await listen(xrpc.server);
  urls.masto = await listen(masto.server);
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  urls.smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  xrpc.server.close();
  masto.server.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

// ------------------------------------------------------------------ fixtures

let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const colleague = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  await createConnector(t.ctx, owner, {
    kind: 'bluesky',
    name: 'Brand on Bluesky',
    config: { account: { identifier: 'brand.example', service: urls.xrpc } },
    secret: 'app-pass-1234',
  });
  await createConnector(t.ctx, owner, {
    kind: 'mastodon',
    name: 'Brand on Mastodon',
    config: { instance: urls.masto, streams: [{ stream: 'public' }] },
    secret: 'masto-token',
  });
  await createConnector(t.ctx, owner, {
    kind: 'email',
    name: 'Support mail',
    config: {
      host: '127.0.0.1',
      port: urls.smtpPort,
      username: 'mailer',
      fromAddress: 'care@airline.example',
      fromName: 'Airline care',
    },
    secret: 'smtp-pass',
  });
  return { ws, owner, agent, colleague };
}

/** Stores a Bluesky post (and its root, when a reply) and opens a case on it. */
async function blueskyCase(ws: { id: string }, agent: Parameters<typeof createCase>[1], text: string) {
  sequence++;
  const uri = `at://did:plc:customer${sequence}/app.bsky.feed.post/3k${sequence}`;
  xrpc.posts.set(uri, { cid: `bafy-parent-${sequence}` });
  await appendToLog(t.ctx, [
    {
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: uri,
        text,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:customer${sequence}`, handle: `customer${sequence}.bsky.social` },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const m = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('external_id', '=', uri)
    .executeTakeFirstOrThrow();
  const c = await createCase(t.ctx, agent, { subject: text, mentionIds: [Number(m.id)] });
  return { caseId: c.id, mentionId: Number(m.id), uri };
}

// ------------------------------------------------------------------ tests

describe('replies through the outbox', () => {
  it('replies on Bluesky with reply refs, meets the first response, and records the sent post', async () => {
    const { ws, agent } = await setup();
    const { caseId, mentionId, uri } = await blueskyCase(ws, agent, 'My bag is lost');
    const [queued] = await queueReply(t.ctx, agent, caseId, { body: 'So sorry! Sending a DM link now.' });
    expect(queued?.status).toBe('queued');
    expect(await deliverDueReplies(t.ctx)).toBe(1);
    const detail = await getCase(t.ctx, agent, caseId);
    const sent = detail.replies[0];
    expect(sent).toMatchObject({ status: 'sent', channel: 'bluesky', attempts: 1 });
    expect(sent?.externalId).toMatch(/^at:\/\/did:plc:brand\/app\.bsky\.feed\.post\/[2-7a-z]{13}$/);
    const record = [...xrpc.records.values()].at(-1) as {
      text: string;
      reply: { root: unknown; parent: unknown };
    };
    expect(record.text).toBe('So sorry! Sending a DM link now.');
    expect(record.reply).toEqual({
      root: { uri, cid: expect.any(String) },
      parent: { uri, cid: expect.any(String) },
    });
    expect(detail.firstResponseAt).not.toBeNull();
    const mention = await t.ctx.db
      .selectFrom('mentions')
      .select('disposition')
      .where('id', '=', mentionId)
      .executeTakeFirstOrThrow();
    expect(mention.disposition).toBe('case'); // stays a case decision; the reply is on the case
    const feed = await recordFeed(t.ctx, agent, 'case', caseId, { limit: 10 });
    expect(feed.items.map((e) => e.kind).slice(0, 2)).toEqual(['reply_sent', 'reply_queued']);
    // The customer's timeline and service history show the case and the reply.
    const timeline = await customerTimeline(t.ctx, agent, detail.customerId ?? '', { limit: 10 });
    expect(timeline.items.map((i) => i.kind).sort()).toEqual(['case', 'identity', 'mention', 'reply']);
    expect(timeline.items.find((i) => i.kind === 'reply')?.summary).toBe(
      `Reply sent on Bluesky (case ${detail.number}): So sorry! Sending a DM link now.`,
    );
    const profile = await getCustomer(t.ctx, agent, detail.customerId ?? '');
    expect(profile.serviceHistory).toMatchObject({
      open: 1,
      total: 1,
      recent: [{ id: caseId, status: 'new' }],
    });
  });

  it('retries with backoff after a server error without posting twice, then reports a final failure', async () => {
    const { ws, agent } = await setup();
    const { caseId } = await blueskyCase(ws, agent, 'Flight delayed');
    xrpc.failCreates(1);
    await queueReply(t.ctx, agent, caseId, { body: 'Checking with the crew.' });
    await deliverDueReplies(t.ctx);
    let [reply] = (await getCase(t.ctx, agent, caseId)).replies;
    expect(reply).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastError: expect.stringContaining('HTTP 502'),
    });
    expect(await deliverDueReplies(t.ctx)).toBe(0); // not due yet
    t.clock.advance(61_000);
    const before = xrpc.records.size;
    expect(await deliverDueReplies(t.ctx)).toBe(1);
    [reply] = (await getCase(t.ctx, agent, caseId)).replies;
    expect(reply?.status).toBe('sent');
    expect(xrpc.records.size).toBe(before + 1);

    // A delivery that wrote the record but never heard back is retried with the same record key: still one post.
    await t.ctx.db
      .updateTable('outbox_replies')
      .set({ status: 'queued', next_attempt_at: t.clock.now().toISOString() })
      .where('id', '=', reply?.id ?? '')
      .execute();
    await deliverDueReplies(t.ctx);
    expect(xrpc.records.size).toBe(before + 1);
    expect((await getCase(t.ctx, agent, caseId)).replies[0]?.status).toBe('sent');

    // Credentials that no longer work fail at once (a retry cannot help) and tell the author.
    await t.ctx.db
      .updateTable('connectors')
      .set({
        config: t.ctx.dialect.toJson({
          account: { identifier: 'someone.else', service: urls.xrpc },
        }) as string,
      })
      .where('workspace_id', '=', ws.id)
      .where('kind', '=', 'bluesky')
      .execute();
    const [failing] = await queueReply(t.ctx, agent, caseId, { body: 'Another update.' });
    await deliverDueReplies(t.ctx);
    const failed = (await getCase(t.ctx, agent, caseId)).replies.find((r) => r.id === failing?.id);
    expect(failed).toMatchObject({
      status: 'failed',
      lastError: expect.stringContaining('Invalid identifier or password'),
    });
    const notes = await listNotifications(t.ctx, agent, { limit: 5 });
    expect(notes.items[0]?.summary).toContain('could not be sent');
    expect((await retryReply(t.ctx, agent, caseId, failing?.id ?? '')).status).toBe('queued');
  });

  it('replies on Mastodon naming the person, with an idempotency key, from the instance the post came from', async () => {
    const { ws, agent } = await setup();
    const host = new URL(urls.masto).host;
    await appendToLog(t.ctx, [
      {
        workspaceId: ws.id,
        connectorId: null,
        format: 'mastodon' as const,
        payload: JSON.stringify({
          instance: host,
          status: {
            id: '109876',
            uri: `http://${host}/users/ana/statuses/109876`,
            url: `http://${host}/@ana/109876`,
            created_at: t.clock.now().toISOString(),
            content: '<p>Is the lounge open at LIS?</p>',
            account: { id: '42', acct: 'ana', display_name: 'Ana', followers_count: 12 },
          },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const m = await t.ctx.db
      .selectFrom('mentions')
      .select('id')
      .where('external_id', '=', `${host}/109876`)
      .executeTakeFirstOrThrow();
    const c = await createCase(t.ctx, agent, { subject: 'Lounge', mentionIds: [Number(m.id)] });
    await queueReply(t.ctx, agent, c.id, { body: 'Yes, from 05:00.' });
    await deliverDueReplies(t.ctx);
    const status = masto.statuses.at(-1);
    expect(status?.body).toEqual({
      status: `@ana@${host} Yes, from 05:00.`,
      visibility: 'public',
      in_reply_to_id: '109876',
    });
    expect(status?.key).toMatch(/^[0-9a-f-]{36}$/);
    const sent = (await getCase(t.ctx, agent, c.id)).replies[0];
    expect(sent).toMatchObject({ status: 'sent', externalId: `${host}/${status?.id}` });
  });

  it('moves a public conversation to email with a public acknowledgement', async () => {
    const { ws, agent } = await setup();
    const { caseId } = await blueskyCase(ws, agent, 'Charged twice for my ticket');
    const detail = await getCase(t.ctx, agent, caseId);
    await expect(
      queueReply(t.ctx, agent, caseId, {
        body: 'Details',
        visibility: 'private',
        acknowledgement: 'We sent you an email.',
      }),
    ).rejects.toMatchObject({ code: 'conflict' }); // no email on the profile yet
    await updateCustomer(t.ctx, agent, detail.customerId ?? '', { primaryEmail: 'customer@example.com' });
    const queued = await queueReply(t.ctx, agent, caseId, {
      body: 'Please reply with your booking reference and the last four digits of the card.',
      visibility: 'private',
      acknowledgement: 'We have emailed you so we can look at your booking privately.',
    });
    expect(queued.map((r) => [r.channel, r.visibility])).toEqual([
      ['email', 'private'],
      ['bluesky', 'public'],
    ]);
    await deliverDueReplies(t.ctx);
    const mail = mails.at(-1);
    expect(mail?.to).toEqual(['customer@example.com']);
    expect(mail?.raw).toContain(`Subject: Re: Charged twice for my ticket [case ${detail.number}]`);
    expect(mail?.raw).toContain(`Message-ID: <${queued[0]?.id}@airline.example>`);
    expect(mail?.raw).toContain('booking reference');
    expect(mail?.raw).not.toContain('In-Reply-To');
    const statuses = (await getCase(t.ctx, agent, caseId)).replies.map((r) => r.status);
    expect(statuses).toEqual(['sent', 'sent']);

    // The next emails of the case continue the thread in the customer's mail program.
    t.clock.advance(60_000);
    const second = await queueReply(t.ctx, agent, caseId, {
      body: 'Found it, refund on its way.',
      visibility: 'private',
    });
    await deliverDueReplies(t.ctx);
    expect(mails.at(-1)?.raw).toContain(`In-Reply-To: <${queued[0]?.id}@airline.example>`);
    t.clock.advance(60_000);
    const third = await queueReply(t.ctx, agent, caseId, {
      body: 'The refund is done.',
      visibility: 'private',
    });
    await deliverDueReplies(t.ctx);
    const last = mails.at(-1)?.raw ?? '';
    expect(last).toContain(`In-Reply-To: <${second[0]?.id}@airline.example>`);
    expect(last.replace(/\r?\n\s+/g, ' ')).toContain(
      `References: <${queued[0]?.id}@airline.example> <${second[0]?.id}@airline.example>`,
    );
    expect(last).toContain(`Message-ID: <${third[0]?.id}@airline.example>`);
  });

  it('emails through an SMTP relay that needs no password, while Mastodon without its token still cannot send', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
    const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
    // A local relay: no username, so no secret is stored (the connector form does not ask for one).
    await createConnector(t.ctx, owner, {
      kind: 'email',
      name: 'Local relay',
      config: { host: '127.0.0.1', port: urls.smtpPort, fromAddress: 'care@relay.example' },
    });
    await createConnector(t.ctx, owner, {
      kind: 'mastodon',
      name: 'Listening only',
      config: { instance: urls.masto, streams: [{ stream: 'public' }] },
    });
    const customer = await createCustomer(t.ctx, owner, {
      displayName: 'Relay customer',
      email: 'relay-customer@example.com',
      verified: true,
    });
    const c = await createCase(t.ctx, agent, { subject: 'Community question', customerId: customer.id });
    const [queued] = await queueReply(t.ctx, agent, c.id, {
      body: 'Here is the answer.',
      visibility: 'private',
    });
    expect(queued).toMatchObject({ channel: 'email', status: 'queued' });
    await deliverDueReplies(t.ctx);
    expect(mails.at(-1)?.to).toEqual(['relay-customer@example.com']);
    expect((await getCase(t.ctx, agent, c.id)).replies[0]).toMatchObject({ status: 'sent' });

    // A Mastodon connector that only listens (no access token) is not an account to post from.
    sequence++;
    const host = new URL(urls.masto).host;
    await appendToLog(t.ctx, [
      {
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'mastodon',
          externalId: `${host}/relay${sequence}`,
          text: 'Where is my bag?',
          createdAt: t.clock.now().toISOString(),
          author: { externalId: `relay${sequence}`, handle: `relay${sequence}@${host}` },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const m = await t.ctx.db
      .selectFrom('mentions')
      .select('id')
      .where('external_id', '=', `${host}/relay${sequence}`)
      .executeTakeFirstOrThrow();
    const onMastodon = await createCase(t.ctx, agent, { subject: 'Bag', mentionIds: [Number(m.id)] });
    await expect(queueReply(t.ctx, agent, onMastodon.id, { body: 'Looking now.' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('No Mastodon account'),
    });
  });

  it('validates length per channel and refuses channels nothing can send on', async () => {
    const { ws, agent, owner } = await setup();
    const { caseId } = await blueskyCase(ws, agent, 'Wifi broken');
    await expect(queueReply(t.ctx, agent, caseId, { body: 'x'.repeat(301) })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'body', message: 'at most 300 characters on bluesky' }] },
    });
    await t.ctx.db
      .updateTable('connectors')
      .set({ enabled: 0 })
      .where('workspace_id', '=', ws.id)
      .where('kind', '=', 'bluesky')
      .execute();
    await expect(queueReply(t.ctx, agent, caseId, { body: 'Hello' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('No Bluesky account'),
    });
    expect(owner).toBeDefined();
  });
});

describe('replies in the demo workspace', () => {
  it('answers demo posts through the demo connector, publicly and privately, without touching a network', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
    await createConnector(t.ctx, owner, { kind: 'demo', name: 'Demo stream', config: {} });
    const post = (externalId: string, author: string) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId,
        text: 'Where is my bag?',
        createdAt: t.clock.now().toISOString(),
        author: { externalId: author, handle: `${author}.example` },
      }),
    });
    await appendToLog(t.ctx, [
      post('demo:7:1', 'demo:maya'),
      post('at://did:plc:real/app.bsky.feed.post/1', 'did:plc:real'),
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const caseFor = async (externalId: string) => {
      const m = await t.ctx.db
        .selectFrom('mentions')
        .select('id')
        .where('workspace_id', '=', ws.id)
        .where('external_id', '=', externalId)
        .executeTakeFirstOrThrow();
      return createCase(t.ctx, owner, { subject: 'Bag', mentionIds: [Number(m.id)] });
    };
    const demoCase = await caseFor('demo:7:1');
    const queued = await queueReply(t.ctx, owner, demoCase.id, {
      body: 'We found it, it is on the next flight.',
      visibility: 'private',
      acknowledgement: 'We have sent you a message.',
    });
    expect(queued.map((r) => [r.channel, r.visibility])).toEqual([
      ['bluesky', 'private'],
      ['bluesky', 'public'],
    ]);
    expect(await deliverDueReplies(t.ctx)).toBe(2);
    const replies = (await getCase(t.ctx, owner, demoCase.id)).replies;
    expect(replies.map((r) => r.status)).toEqual(['sent', 'sent']);
    expect(replies.every((r) => r.externalId?.startsWith('demo:reply:'))).toBe(true);

    // A real post in the same workspace still needs a real account to answer from.
    const realCase = await caseFor('at://did:plc:real/app.bsky.feed.post/1');
    await expect(queueReply(t.ctx, owner, realCase.id, { body: 'Hello' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('No Bluesky account'),
    });
  });
});

describe('our own replies coming back, notes, canned responses', () => {
  it('adds our reply to the case when the stream brings it back, without reopening or routing it', async () => {
    const { ws, agent, owner } = await setup();
    await saveRule(t.ctx, owner, {
      name: 'Everything',
      actions: [{ type: 'create_case', attachToOpenCase: false }],
    });
    const { caseId, uri, mentionId } = await blueskyCase(ws, agent, 'Seat broken');
    await queueReply(t.ctx, agent, caseId, { body: 'We will fix it.' });
    await deliverDueReplies(t.ctx);
    const sent = (await getCase(t.ctx, agent, caseId)).replies[0];
    await appendToLog(t.ctx, [
      {
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'bluesky',
          externalId: sent?.externalId,
          text: 'We will fix it.',
          createdAt: t.clock.now().toISOString(),
          replyTo: uri,
          author: { externalId: 'did:plc:brand', handle: 'brand.example' },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await routeNewMentions(t.ctx);
    const detail = await getCase(t.ctx, agent, caseId);
    expect(detail.conversations[0]?.messages.map((m) => m.text)).toEqual(['Seat broken', 'We will fix it.']);
    expect(detail.sla.find((s) => s.metric === 'next_response')).toBeUndefined();
    const all = await t.ctx.db.selectFrom('cases').select('id').where('workspace_id', '=', ws.id).execute();
    expect(all).toHaveLength(1); // the rule did not make a case of our own post

    // Someone else answers in the thread too: the next reply still goes to the customer's post,
    // not to the latest post of the case (theirs, or ours before it).
    await appendToLog(t.ctx, [
      {
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'bluesky',
          externalId: 'at://did:plc:bystander/app.bsky.feed.post/3kbystander',
          text: 'Same happened to me last week',
          createdAt: t.clock.now().toISOString(),
          replyTo: uri,
          author: { externalId: 'did:plc:bystander', handle: 'bystander.bsky.social' },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await routeNewMentions(t.ctx);
    const thread = (await getCase(t.ctx, agent, caseId)).conversations[0]?.messages ?? [];
    expect(thread.map((m) => m.text)).toEqual([
      'Seat broken',
      'We will fix it.',
      'Same happened to me last week',
    ]);
    const [next] = await queueReply(t.ctx, agent, caseId, { body: 'Fixed, thanks for waiting.' });
    expect(next?.mentionId).toBe(mentionId);
  });

  it('notifies colleagues mentioned in an internal note', async () => {
    const { ws, agent, colleague } = await setup();
    const { caseId } = await blueskyCase(ws, agent, 'Need a wheelchair');
    const note = await addNote(t.ctx, agent, caseId, {
      body: 'Can you call the station?',
      mentionUserIds: [colleague.userId],
    });
    expect(note.mentionUserIds).toEqual([colleague.userId]);
    const n = await listNotifications(t.ctx, colleague, { limit: 5 });
    expect(n.items[0]?.summary).toContain('you were mentioned in a note');
    expect((await getCase(t.ctx, agent, caseId)).notes.map((x) => x.body)).toEqual([
      'Can you call the station?',
    ]);
    const stranger = await setup();
    await expect(
      addNote(t.ctx, agent, caseId, { body: 'x', mentionUserIds: [stranger.agent.userId] }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('fills canned responses for a case, refuses unknown variables, and keeps private ones private', async () => {
    const { ws, owner, agent, colleague } = await setup();
    const { caseId } = await blueskyCase(ws, agent, 'Refund status');
    const shared = await saveCanned(t.ctx, owner, {
      name: 'Apology',
      body: 'Hi {{customer.handle}}, {{agent.name}} here about case {{case.number}}: sorry!',
      shared: true,
    });
    await expect(saveCanned(t.ctx, agent, { name: 'Shared', body: 'x', shared: true })).rejects.toMatchObject(
      {
        code: 'forbidden',
      },
    );
    await expect(
      saveCanned(t.ctx, agent, { name: 'Bad', body: 'Hi {{customer.shoe}}' }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await saveCanned(t.ctx, agent, { name: 'Mine', body: 'My own words' });
    expect((await listCanned(t.ctx, agent)).map((c) => c.name)).toEqual(['Apology', 'Mine']);
    expect((await listCanned(t.ctx, colleague)).map((c) => c.name)).toEqual(['Apology']);
    const text = await renderCanned(t.ctx, agent, shared.id, caseId);
    expect(text).toMatch(/^Hi @customer\d+\.bsky\.social, .+ here about case 1: sorry!$/);
  });
});
