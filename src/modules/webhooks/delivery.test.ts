import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import type { AppContext } from '../../context.ts';
import { startWorker } from '../../pipeline/worker.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { createCase, updateCase } from '../inbox/cases.ts';
import {
  DISABLE_AFTER_MS,
  deliverDueWebhooks,
  getDelivery,
  listDeliveries,
  matchesEventTypes,
  pingEndpoint,
  RETRY_DELAYS_MS,
  redeliver,
} from './delivery.ts';
import { createEndpoint, getEndpoint, rotateSecret, updateEndpoint } from './endpoints.ts';
import { signWebhook, verifyWebhook } from './signature.ts';
import { isPrivateAddress } from './targets.ts';

const t = setupTestDatabase();
/** The test's receiver listens on 127.0.0.1, which production refuses: allow it here. */
const ctx = (): AppContext => ({ ...t.ctx, config: { ...t.ctx.config, webhooksAllowPrivateTargets: true } });

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string };

/** A real HTTP receiver on 127.0.0.1; each path answers with the statuses queued for it (then 200). */
const received: Received[] = [];
const answers = new Map<string, number[]>();
let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body });
      const status = answers.get(path)?.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver broke');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let pathSeq = 0;
const newPath = () => `/hook-${++pathSeq}`;
const at = (path: string) => received.filter((r) => r.path === path);

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  return { ws, admin, agent };
}

/** Runs passes until nothing is due now (each pass sends at most a batch). */
async function drain(c = ctx()) {
  while ((await deliverDueWebhooks(c)).attempted > 0) {
    // more
  }
}

describe('signatures (Standard Webhooks)', () => {
  it('signs HMAC-SHA256 of "id.timestamp.body" with the base64-decoded whsec_ key, as v1,<base64>', () => {
    const key = Buffer.from('a fixed key of thirty-two bytes!');
    const secret = `whsec_${key.toString('base64')}`;
    const body = '{"type":"case.created"}';
    const expected = createHmac('sha256', key).update(`msg_1.1700000000.${body}`).digest('base64');
    expect(signWebhook(secret, 'msg_1', 1700000000, body)).toBe(`v1,${expected}`);
    const headers = { id: 'msg_1', timestamp: '1700000000', signature: `v1,wrong v1,${expected}` };
    expect(verifyWebhook(secret, headers, body, 1700000100)).toBe(true);
    expect(verifyWebhook(secret, headers, `${body} `, 1700000100)).toBe(false);
    // Replays older than five minutes are refused.
    expect(verifyWebhook(secret, headers, body, 1700000000 + 301)).toBe(false);
  });

  it('matches event types against *, type.* and exact patterns', () => {
    expect(matchesEventTypes(['*'], 'lead.created')).toBe(true);
    expect(matchesEventTypes(['case.*'], 'case.assigned')).toBe(true);
    expect(matchesEventTypes(['case.*'], 'lead.assigned')).toBe(false);
    expect(matchesEventTypes(['lead.stage_changed'], 'lead.stage_changed')).toBe(true);
    expect(matchesEventTypes(['lead.stage_changed'], 'lead.created')).toBe(false);
  });
});

describe('outbound webhooks', () => {
  it('delivers case events made through the inbox once each, filtered, signed and with a stable webhook-id', async () => {
    const { ws, admin, agent } = await setup();
    // An event before the endpoint exists is not sent: endpoints start at the newest event.
    await createCase(t.ctx, agent, { subject: 'Before the endpoint' });
    const path = newPath();
    const { endpoint, secret } = await createEndpoint(ctx(), admin, {
      url: `${base}${path}`,
      eventTypes: ['case.created', 'case.assigned'],
    });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const created = await createCase(t.ctx, agent, { subject: 'Lost bag in Lisbon' });
    await updateCase(t.ctx, agent, created.id, { assigneeUserId: agent.userId });
    await updateCase(t.ctx, agent, created.id, { status: 'open' }); // filtered out
    await drain();
    await drain(); // a second pass sends nothing again
    const got = at(path);
    expect(got.map((r) => JSON.parse(r.body).type)).toEqual(['case.created', 'case.assigned']);
    const [first, second] = got.map((r) => JSON.parse(r.body));
    expect(first.data).toMatchObject({
      workspaceId: ws.id,
      record: { type: 'case', id: created.id },
      kind: 'created',
      actor: { type: 'user', id: agent.userId },
      number: created.number,
    });
    expect(second.data).toMatchObject({ kind: 'assigned', field: 'assignee', to: agent.userId });
    for (const r of got) {
      const headers = {
        id: String(r.headers['webhook-id']),
        timestamp: String(r.headers['webhook-timestamp']),
        signature: String(r.headers['webhook-signature']),
      };
      expect(verifyWebhook(secret, headers, r.body, Math.floor(t.clock.now().getTime() / 1000))).toBe(true);
    }
    const log = await listDeliveries(t.ctx, admin, { limit: 10, endpointId: endpoint.id });
    expect(log.items.map((d) => [d.type, d.status, d.attempts, d.lastStatusCode])).toEqual([
      ['case.assigned', 'delivered', 1, 200],
      ['case.created', 'delivered', 1, 200],
    ]);
    expect(got.map((r) => r.headers['webhook-id'])).toEqual(log.items.map((d) => d.messageId).reverse());
  });

  it('sends lead events but never customer events, even to an endpoint that takes everything', async () => {
    const { ws, admin } = await setup();
    const path = newPath();
    await createEndpoint(ctx(), admin, { url: `${base}${path}`, eventTypes: ['*'] });
    await t.ctx.db.transaction().execute(async (trx) => {
      await recordEvent(t.ctx, trx, {
        workspaceId: ws.id,
        recordType: 'customer',
        recordId: 'c-1',
        kind: 'merged',
        actorUserId: null,
        data: { email: 'maya@example.test' },
        summary: 'merged',
      });
      await recordEvent(t.ctx, trx, {
        workspaceId: ws.id,
        recordType: 'lead',
        recordId: 'l-1',
        kind: 'stage_changed',
        actorUserId: null,
        data: { from: 'lead', to: 'sales_qualified' },
        summary: 'stage',
      });
    });
    await drain();
    const got = at(path).map((r) => JSON.parse(r.body));
    expect(got.map((b) => b.type)).toEqual(['lead.stage_changed']);
    expect(got[0].data).toMatchObject({ from: 'lead', to: 'sales_qualified', actor: { type: 'system' } });
    expect(at(path).some((r) => r.body.includes('maya@example.test'))).toBe(false);
  });

  it('retries a failed delivery with backoff and logs both attempts', async () => {
    const { admin, agent } = await setup();
    const path = newPath();
    answers.set(path, [500]);
    await createEndpoint(ctx(), admin, { url: `${base}${path}`, eventTypes: ['case.created'] });
    await createCase(t.ctx, agent, { subject: 'Refund please' });
    await drain();
    const [failed] = (await listDeliveries(t.ctx, admin, { limit: 5, status: 'failed' })).items;
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastStatusCode: 500,
      lastError: 'HTTP 500',
    });
    const wait = Date.parse(failed?.nextAttemptAt ?? '') - t.clock.now().getTime();
    expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] ?? 0);
    expect(wait).toBeLessThanOrEqual((RETRY_DELAYS_MS[0] ?? 0) * 1.2);
    // Not due yet: nothing is sent.
    expect((await deliverDueWebhooks(ctx())).attempted).toBe(0);
    t.clock.advance(wait);
    await drain();
    const detail = await getDelivery(t.ctx, admin, failed?.id ?? 0);
    expect(detail.status).toBe('delivered');
    expect(detail.attempts).toBe(2);
    expect(detail.attemptLog.map((a) => [a.statusCode, a.error])).toEqual([
      [500, 'HTTP 500'],
      [200, null],
    ]);
    expect(detail.attemptLog[0]?.response).toBe('receiver broke');
    // Both attempts carried the same webhook-id, so the receiver can tell it is the same message.
    expect(new Set(at(path).map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(at(path)).toHaveLength(2);
  });

  it('gives up after the last retry, and disables an endpoint that has failed for five days', async () => {
    const { admin, agent } = await setup();
    const path = newPath();
    answers.set(path, Array(20).fill(503));
    const { endpoint } = await createEndpoint(ctx(), admin, {
      url: `${base}${path}`,
      eventTypes: ['case.*'],
    });
    await createCase(t.ctx, agent, { subject: 'Never answered' });
    await drain();
    for (const wait of RETRY_DELAYS_MS) {
      t.clock.advance(wait * 1.2 + 1000);
      await drain();
    }
    const [dead] = (await listDeliveries(t.ctx, admin, { limit: 5, endpointId: endpoint.id })).items;
    expect(dead).toMatchObject({ status: 'dead', attempts: RETRY_DELAYS_MS.length + 1, nextAttemptAt: null });
    expect(at(path)).toHaveLength(RETRY_DELAYS_MS.length + 1);
    t.clock.advance(30 * 24 * 3600_000);
    expect((await deliverDueWebhooks(ctx())).attempted).toBe(0);

    // Still failing, the streak is now older than five days: the endpoint is switched off.
    expect(DISABLE_AFTER_MS).toBe(5 * 24 * 3600_000);
    await createCase(t.ctx, agent, { subject: 'Still nobody home' });
    await drain();
    const off = await getEndpoint(t.ctx, admin, endpoint.id);
    expect(off.enabled).toBe(false);
    expect(off.disabledReason).toMatch(/failed for 5 days/);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', endpoint.id)
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['webhook.created', 'webhook.disabled']);
    // Disabled: new events are not fanned out.
    const before = at(path).length;
    await createCase(t.ctx, agent, { subject: 'Quiet now' });
    await drain();
    expect(at(path)).toHaveLength(before);

    // A manual redelivery of the dead one works once the receiver is back, with a fresh schedule.
    answers.set(path, []);
    const again = await redeliver(ctx(), admin, dead?.id ?? 0);
    expect(again).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    expect(again.attemptLog).toHaveLength(RETRY_DELAYS_MS.length + 2);
    // Enabling again clears the failure state and resumes from now.
    const on = await updateEndpoint(t.ctx, admin, endpoint.id, { enabled: true });
    expect(on).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
  });

  it('sends each delivery once when two passes run at the same time', async () => {
    const { admin, agent } = await setup();
    const path = newPath();
    await createEndpoint(ctx(), admin, { url: `${base}${path}`, eventTypes: ['case.created'] });
    for (let i = 0; i < 6; i++) await createCase(t.ctx, agent, { subject: `Concurrent ${i}` });
    const [a, b] = await Promise.all([deliverDueWebhooks(ctx()), deliverDueWebhooks(ctx())]);
    expect((a?.attempted ?? 0) + (b?.attempted ?? 0)).toBe(6);
    await drain();
    const ids = at(path).map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('refuses private and non-http targets unless allowed, also at send time', async () => {
    const { admin } = await setup();
    for (const url of [
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://10.1.2.3/',
      'https://169.254.169.254/latest',
    ])
      await expect(createEndpoint(t.ctx, admin, { url })).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringMatching(/private or local/),
      });
    await expect(createEndpoint(t.ctx, admin, { url: 'ftp://example.com/x' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    await expect(createEndpoint(t.ctx, admin, { url: 'http://example.com/x' })).rejects.toMatchObject({
      message: expect.stringMatching(/must be https/),
    });
    expect(isPrivateAddress('::ffff:192.168.1.1')).toBe(true);
    expect(isPrivateAddress('100.64.0.1')).toBe(true);
    expect(isPrivateAddress('93.184.215.14')).toBe(false);
    expect(isPrivateAddress('2606:4700::1111')).toBe(false);

    // Saved while allowed, sent while not (by address, and by a name resolving to loopback).
    const byIp = await createEndpoint(ctx(), admin, { url: `${base}/ssrf` });
    const byName = await createEndpoint(ctx(), admin, {
      url: `${base.replace('127.0.0.1', 'localhost')}/ssrf`,
    });
    const before = at('/ssrf').length;
    for (const e of [byIp, byName]) {
      const ping = await pingEndpoint(t.ctx, admin, e.endpoint.id);
      expect(ping.status).toBe('dead');
      expect(ping.lastError).toMatch(/private or local/);
    }
    expect(at('/ssrf')).toHaveLength(before);
  });

  it('pings an endpoint, and after a rotation signs with both secrets for a day', async () => {
    const { admin } = await setup();
    const path = newPath();
    const { endpoint, secret: oldSecret } = await createEndpoint(ctx(), admin, { url: `${base}${path}` });
    const rotated = await rotateSecret(t.ctx, admin, endpoint.id);
    expect(rotated.secret).not.toBe(oldSecret);
    const ping = await pingEndpoint(ctx(), admin, endpoint.id);
    expect(ping).toMatchObject({ type: 'ping', status: 'delivered', eventId: null });
    const [r] = at(path);
    const headers = {
      id: String(r?.headers['webhook-id']),
      timestamp: String(r?.headers['webhook-timestamp']),
      signature: String(r?.headers['webhook-signature']),
    };
    const now = Math.floor(t.clock.now().getTime() / 1000);
    expect(headers.signature.split(' ')).toHaveLength(2);
    expect(verifyWebhook(rotated.secret, headers, r?.body ?? '', now)).toBe(true);
    expect(verifyWebhook(oldSecret, headers, r?.body ?? '', now)).toBe(true);
    expect(JSON.parse(r?.body ?? '{}')).toMatchObject({ type: 'ping', data: { endpointId: endpoint.id } });
    t.clock.advance(25 * 3600_000);
    await pingEndpoint(ctx(), admin, endpoint.id);
    expect(String(at(path)[1]?.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  it('lets only owners and admins manage webhooks, and only in their own workspace', async () => {
    const { admin, agent } = await setup();
    const { endpoint } = await createEndpoint(ctx(), admin, { url: `${base}${newPath()}` });
    await expect(createEndpoint(ctx(), agent, { url: `${base}/x` })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(listDeliveries(t.ctx, agent, { limit: 5 })).rejects.toMatchObject({ code: 'forbidden' });
    const stranger = (await setup()).admin;
    await expect(getEndpoint(t.ctx, stranger, endpoint.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(pingEndpoint(t.ctx, stranger, endpoint.id)).rejects.toMatchObject({ code: 'not_found' });
    const ping = await pingEndpoint(ctx(), admin, endpoint.id);
    await expect(getDelivery(t.ctx, stranger, ping.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(redeliver(t.ctx, stranger, ping.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await listDeliveries(t.ctx, stranger, { limit: 5 })).items).toEqual([]);
  });

  it(`holds the cursor at a gap in event ids until it settles (${testEngine})`, async () => {
    const { ws, admin, agent } = await setup();
    const path = newPath();
    await createEndpoint(ctx(), admin, { url: `${base}${path}`, eventTypes: ['case.created'] });
    // A rolled-back transaction that had written an event leaves a gap on PostgreSQL.
    await expect(
      t.ctx.db.transaction().execute(async (trx) => {
        await recordEvent(t.ctx, trx, {
          workspaceId: ws.id,
          recordType: 'case',
          recordId: 'rolled-back',
          kind: 'created',
          actorUserId: null,
          summary: 'x',
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await createCase(t.ctx, agent, { subject: 'After the gap' });
    await drain();
    if (testEngine === 'postgres') {
      // The gap might be a transaction still committing: wait for it to settle.
      expect(at(path)).toHaveLength(0);
      t.clock.advance(61_000);
      await drain();
    }
    expect(at(path).map((r) => JSON.parse(r.body).data.record.id)).not.toContain('rolled-back');
    expect(at(path)).toHaveLength(1);
  });

  it('is sent by the worker service on its own', async () => {
    const { admin, agent } = await setup();
    const path = newPath();
    await createEndpoint(ctx(), admin, { url: `${base}${path}`, eventTypes: ['case.created'] });
    await createCase(t.ctx, agent, { subject: 'Picked up by the worker' });
    const worker = startWorker(ctx(), { idleMs: 20 });
    try {
      for (let i = 0; i < 500 && at(path).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await worker.stop();
    }
    expect(at(path).map((r) => JSON.parse(r.body).type)).toEqual(['case.created']);
  });
});
