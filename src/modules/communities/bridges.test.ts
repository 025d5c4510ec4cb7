import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { getCase } from '../inbox/case-lists.ts';
import { createCase } from '../inbox/cases.ts';
import {
  answerWithLink,
  caseOfQuestion,
  deliverCommunityShares,
  escalateUnansweredQuestions,
  getUnansweredPolicy,
  listShares,
  saveUnansweredPolicy,
  shareThread,
} from './bridges.ts';
import { insertMember } from './members-fixtures.ts';
import { createSpace } from './spaces.ts';
import { createThread, deletePost, replyToThread } from './threads.ts';

const t = setupTestDatabase();

// ------------------------------------------------------------------ local servers speaking the real protocols

const records = new Map<string, { text: string; reply?: unknown }>();
let failNextCreates = 0;
const xrpc = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const body = raw ? JSON.parse(raw) : null;
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  if (url.pathname === '/xrpc/com.atproto.server.createSession')
    return body?.password === 'app-pass-1234'
      ? send(200, { accessJwt: 'jwt', refreshJwt: 'r', did: 'did:plc:brand', handle: 'brand.example' })
      : send(401, { error: 'AuthenticationRequired' });
  if (req.headers.authorization !== 'Bearer jwt') return send(401, { error: 'AuthMissing' });
  if (url.pathname === '/xrpc/com.atproto.repo.createRecord') {
    if (failNextCreates > 0) {
      failNextCreates--;
      return send(502, { error: 'UpstreamFailure' });
    }
    const key = `${body.repo}/${body.rkey}`;
    if (records.has(key)) return send(400, { error: 'InvalidRequest', message: 'Record already exists' });
    records.set(key, body.record);
    return send(200, { uri: `at://${body.repo}/${body.collection}/${body.rkey}`, cid: 'bafy' });
  }
  send(404, { error: 'MethodNotImplemented' });
});

const statuses: { id: string; body: Record<string, unknown>; key: string | undefined }[] = [];
const masto = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  res.setHeader('content-type', 'application/json');
  if (req.url !== '/api/v1/statuses' || req.headers.authorization !== 'Bearer masto-token')
    return res.writeHead(401).end('{"error":"The access token is invalid"}');
  const key = req.headers['idempotency-key'] as string | undefined;
  const earlier = statuses.find((s) => key && s.key === key);
  const status = earlier ?? { id: String(120000 + statuses.length), body, key };
  if (!earlier) statuses.push(status);
  res.writeHead(200).end(
    JSON.stringify({
      id: status.id,
      uri: `http://${req.headers.host}/s/${status.id}`,
      url: `http://${req.headers.host}/@brand/${status.id}`,
    }),
  );
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
const urls = { xrpc: '', masto: '' };
beforeAll(async () => {
  urls.xrpc = await listen(xrpc);
  urls.masto = await listen(masto);
});
afterAll(() => {
  xrpc.close();
  masto.close();
});

// ------------------------------------------------------------------ fixtures

let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
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
  const qa = await createSpace(t.ctx, owner, { slug: `help-${++sequence}`, title: 'Help', kind: 'qa' });
  return { ws, owner, agent, moderator, qa };
}

async function blueskyPost(workspaceId: string, text: string): Promise<number> {
  sequence++;
  const uri = `at://did:plc:bridge${sequence}/app.bsky.feed.post/3k${sequence}`;
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: uri,
        text,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:bridge${sequence}`, handle: `bridge${sequence}.bsky.social` },
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
  return Number(m.id);
}

const hours = (n: number) => n * 3600_000;

// ------------------------------------------------------------------ tests

describe('answering a mention with a community link', () => {
  it('queues a public reply on the case with the URL of the answer post, and opens a case for a post without one', async () => {
    const { ws, agent, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const helper = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Pets in the cabin?',
      body: 'Can my cat fly with me?',
    });
    await replyToThread(t.ctx, helper, q.thread.id, { body: 'Yes, under 8 kg in a soft carrier.' });
    const expected = `${t.ctx.config.publicUrl}/community/${ws.slug}/t/${q.thread.id}#p2`;

    const mentionId = await blueskyPost(ws.id, 'Can I bring my cat on board?');
    const c = await createCase(t.ctx, agent, { subject: 'Cat on board', mentionIds: [mentionId] });
    const answered = await answerWithLink(t.ctx, agent, {
      caseId: c.id,
      threadId: q.thread.id,
      postNumber: 2,
    });
    expect(answered).toMatchObject({ caseId: c.id, url: expected });
    const detail = await getCase(t.ctx, agent, c.id);
    expect(detail.replies).toHaveLength(1);
    expect(detail.replies[0]).toMatchObject({
      visibility: 'public',
      channel: 'bluesky',
      body: `This was answered in our community: ${expected}`,
      mentionId,
    });

    const loose = await blueskyPost(ws.id, 'Cats in the cabin, allowed?');
    const opened = await answerWithLink(t.ctx, agent, {
      mentionId: loose,
      threadId: q.thread.id,
      text: 'Here you go:',
    });
    expect(opened.caseId).not.toBe(c.id);
    const made = await getCase(t.ctx, agent, opened.caseId);
    expect(made.replies[0]?.body).toBe(
      `Here you go: ${t.ctx.config.publicUrl}/community/${ws.slug}/t/${q.thread.id}`,
    );
  });

  it('refuses a link the public cannot open and refuses roles that cannot work cases', async () => {
    const { ws, agent, moderator, owner, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Seat change?',
      body: 'How do I change seats?',
    });
    const reply = await replyToThread(t.ctx, owner, q.thread.id, { body: 'In the app, under Trips.' });
    const mentionId = await blueskyPost(ws.id, 'how to change my seat');
    const c = await createCase(t.ctx, agent, { subject: 'Seat', mentionIds: [mentionId] });
    await deletePost(t.ctx, owner, reply.post.id);
    await expect(
      answerWithLink(t.ctx, agent, { caseId: c.id, threadId: q.thread.id, postNumber: 2 }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      answerWithLink(t.ctx, moderator, { caseId: c.id, threadId: q.thread.id }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('unanswered community questions become cases', () => {
  it('opens one case per question nobody answered within the hours, however often or concurrently the pass runs', async () => {
    const { ws, agent, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const helper = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    // The asker is also a customer (a Bluesky author): the case is theirs.
    const mentionId = await blueskyPost(ws.id, 'hello from the asker');
    const customer = await t.ctx.db
      .selectFrom('mentions')
      .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
      .select('identities.customer_id as id')
      .where('mentions.id', '=', mentionId)
      .executeTakeFirstOrThrow();
    await t.ctx.db
      .updateTable('community_members')
      .set({ customer_id: customer.id })
      .where('id', '=', asker.memberId)
      .execute();
    const lonely = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Lost my boarding pass',
      body: 'What now?',
    });
    // The asker bumping their own question does not answer it.
    await replyToThread(t.ctx, asker, lonely.thread.id, { body: 'Anyone?' });
    const answered = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Wifi on board?',
      body: 'Is there wifi?',
    });
    await replyToThread(t.ctx, helper, answered.thread.id, { body: 'Yes, on long-haul flights.' });
    expect(await getUnansweredPolicy(t.ctx, agent)).toEqual({ enabled: true, hours: 24 });

    t.clock.advance(hours(23));
    expect(await escalateUnansweredQuestions(t.ctx)).toBe(0);
    t.clock.advance(hours(2));
    // The pass covers every workspace; other tests' questions may be escalated too.
    await Promise.all([escalateUnansweredQuestions(t.ctx), escalateUnansweredQuestions(t.ctx)]);
    expect(await escalateUnansweredQuestions(t.ctx)).toBe(0);

    const link = await caseOfQuestion(t.ctx, agent, lonely.thread.id);
    expect(link.caseId).not.toBeNull();
    const c = await getCase(t.ctx, agent, link.caseId ?? '');
    expect(c).toMatchObject({
      subject: 'Community question unanswered for 24 h: Lost my boarding pass',
      type: 'question',
      tags: ['community'],
      customFields: {
        community_thread_id: lonely.thread.id,
        community_space_id: qa.id,
        community_url: `${t.ctx.config.publicUrl}/community/${ws.slug}/t/${lonely.thread.id}`,
      },
      customerId: customer.id,
    });
    expect((await caseOfQuestion(t.ctx, agent, answered.thread.id)).caseId).toBeNull();
    const cases = await t.ctx.db.selectFrom('cases').select('id').where('workspace_id', '=', ws.id).execute();
    expect(cases).toHaveLength(1);
  });

  it("records a staff answer on the question's case activity", async () => {
    const { ws, agent, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Pets in cabin?', body: 'A cat?' });
    t.clock.advance(hours(25));
    await escalateUnansweredQuestions(t.ctx);
    const caseId = (await caseOfQuestion(t.ctx, agent, q.thread.id)).caseId ?? '';
    const answer = await replyToThread(t.ctx, agent, q.thread.id, { body: 'Yes, up to 8 kg in a bag.' });
    const feed = await recordFeed(t.ctx, agent, 'case', caseId, { limit: 10 });
    expect(feed.items[0]).toMatchObject({
      kind: 'community_answer',
      actorUserId: agent.userId,
      data: { threadId: q.thread.id, postId: Number(answer.post.id), postNumber: 2 },
    });
  });

  it("follows the workspace's hours and can be switched off (people who configure the inbox only)", async () => {
    const { ws, owner, agent, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    await expect(saveUnansweredPolicy(t.ctx, agent, { enabled: true, hours: 2 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await saveUnansweredPolicy(t.ctx, owner, { enabled: false, hours: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Refund timing',
      body: 'How long do refunds take?',
    });
    t.clock.advance(hours(3));
    await escalateUnansweredQuestions(t.ctx);
    expect((await caseOfQuestion(t.ctx, agent, q.thread.id)).caseId).toBeNull();
    expect(await saveUnansweredPolicy(t.ctx, owner, { enabled: true, hours: 2 })).toEqual({
      enabled: true,
      hours: 2,
    });
    await escalateUnansweredQuestions(t.ctx);
    const c = await caseOfQuestion(t.ctx, agent, q.thread.id);
    expect(c.caseId).not.toBeNull();
    expect((await getCase(t.ctx, agent, c.caseId ?? '')).subject).toBe(
      'Community question unanswered for 2 h: Refund timing',
    );
  });
});

describe('sharing a thread on the brand accounts', () => {
  it('posts the title and link on Bluesky as a top-level post, retrying a server error without posting twice', async () => {
    const { ws, moderator, agent, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Best seats for sleeping',
      body: 'Window or aisle?',
    });
    await expect(shareThread(t.ctx, agent, q.thread.id, { channel: 'bluesky' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const share = await shareThread(t.ctx, moderator, q.thread.id, { channel: 'bluesky' });
    const url = `${t.ctx.config.publicUrl}/community/${ws.slug}/t/${q.thread.id}`;
    expect(share).toMatchObject({ status: 'queued', text: `Best seats for sleeping\n${url}` });
    failNextCreates = 1;
    const before = records.size;
    expect(await deliverCommunityShares(t.ctx)).toBe(1);
    expect((await listShares(t.ctx, agent, q.thread.id))[0]).toMatchObject({
      status: 'queued',
      attempts: 1,
      lastError: expect.stringContaining('HTTP 502'),
    });
    expect(await deliverCommunityShares(t.ctx)).toBe(0);
    t.clock.advance(61_000);
    expect(await deliverCommunityShares(t.ctx)).toBe(1);
    const [sent] = await listShares(t.ctx, agent, q.thread.id);
    expect(sent).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(sent?.externalId).toMatch(/^at:\/\/did:plc:brand\/app\.bsky\.feed\.post\/[2-7a-z]{13}$/);
    expect(records.size).toBe(before + 1);
    const record = [...records.values()].at(-1);
    expect(record?.text).toBe(`Best seats for sleeping\n${url}`);
    expect(record?.reply).toBeUndefined();
  });

  it('posts on Mastodon with the share as idempotency key, and never cuts the link when the text is long', async () => {
    const { ws, moderator, qa } = await setup();
    const asker = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Long haul tips',
      body: 'Share yours',
    });
    const share = await shareThread(t.ctx, moderator, q.thread.id, {
      channel: 'mastodon',
      text: 'x'.repeat(200),
    });
    await deliverCommunityShares(t.ctx);
    const posted = statuses.at(-1);
    expect(posted?.key).toBe(share.id);
    expect(posted?.body).toMatchObject({ visibility: 'public', status: share.text });
    expect(posted?.body.in_reply_to_id).toBeUndefined();
    expect(share.text.endsWith(`/community/${ws.slug}/t/${q.thread.id}`)).toBe(true);
    const bluesky = await shareThread(t.ctx, moderator, q.thread.id, {
      channel: 'bluesky',
      text: 'y'.repeat(200),
    });
    expect([...bluesky.text].length).toBeLessThanOrEqual(300);
    expect(bluesky.text.endsWith(`/t/${q.thread.id}`)).toBe(true);
  });
});
