import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import type { AppContext } from '../../context.ts';
import { createApp } from '../../http/app.ts';
import { createCase } from '../inbox/cases.ts';
import { deliverDueWebhooks } from './delivery.ts';
import { verifyWebhook } from './signature.ts';

const t = setupTestDatabase();
const allowing = (): AppContext => ({
  ...t.ctx,
  config: { ...t.ctx.config, webhooksAllowPrivateTargets: true },
});
/** The app as tests run it: allowed to reach the receiver on 127.0.0.1. */
const app = () => createApp(allowing());

const bodies: { headers: http.IncomingHttpHeaders; body: string }[] = [];
let failNext = 0;
let server: http.Server;
let url = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      bodies.push({ headers: req.headers, body });
      const status = failNext > 0 ? 500 : 204;
      if (failNext > 0) failNext--;
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rapport`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  return {
    ws,
    owner: await buildToken(t.ctx, owner),
    agent: await buildToken(t.ctx, agent),
    agentActor: agent.actor,
  };
}

type Endpoint = { id: string; url: string; enabled: boolean; eventTypes: string[]; description: string };
type Delivery = { id: number; type: string; status: string; attempts: number; lastStatusCode: number | null };

describe('webhooks API', () => {
  it('creates an endpoint (secret once), delivers, lists, redelivers, rotates and deletes', async () => {
    const { owner, agentActor } = await workspace();
    const created = await json<{ endpoint: Endpoint; secret: string }>(
      await call(
        app(),
        'POST',
        '/api/v1/webhooks',
        { url, eventTypes: ['case.*'], description: 'CRM sync' },
        { bearer: owner },
      ),
      201,
    );
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.endpoint).toMatchObject({
      url,
      enabled: true,
      eventTypes: ['case.*'],
      description: 'CRM sync',
    });
    const listed = await json<{ items: Endpoint[] }>(
      await call(app(), 'GET', '/api/v1/webhooks', undefined, { bearer: owner }),
    );
    expect(listed.items.map((e) => e.id)).toEqual([created.endpoint.id]);
    expect(JSON.stringify(listed)).not.toContain(created.secret);

    failNext = 1;
    await createCase(t.ctx, agentActor, { subject: 'Webhook me' });
    await deliverDueWebhooks(allowing());
    const failed = await json<{ items: Delivery[]; nextCursor: string | null }>(
      await call(app(), 'GET', '/api/v1/webhooks/deliveries?status=failed', undefined, { bearer: owner }),
    );
    expect(failed.items.map((d) => [d.type, d.status, d.lastStatusCode])).toEqual([
      ['case.created', 'failed', 500],
    ]);
    const id = failed.items[0]?.id;
    const again = await json<Delivery & { attemptLog: { statusCode: number }[]; payload: string }>(
      await call(app(), 'POST', `/api/v1/webhooks/deliveries/${id}/redeliver`, undefined, { bearer: owner }),
    );
    expect(again.status).toBe('delivered');
    expect(again.attemptLog.map((a) => a.statusCode)).toEqual([500, 204]);
    const last = bodies[bodies.length - 1];
    expect(last?.body).toBe(again.payload);
    expect(
      verifyWebhook(
        created.secret,
        {
          id: String(last?.headers['webhook-id']),
          timestamp: String(last?.headers['webhook-timestamp']),
          signature: String(last?.headers['webhook-signature']),
        },
        last?.body ?? '',
        Math.floor(t.clock.now().getTime() / 1000),
      ),
    ).toBe(true);

    const page = await json<{ items: Delivery[]; nextCursor: string | null }>(
      await call(
        app(),
        'GET',
        `/api/v1/webhooks/deliveries?endpointId=${created.endpoint.id}&limit=1`,
        undefined,
        {
          bearer: owner,
        },
      ),
    );
    expect(page.items).toHaveLength(1);

    const patched = await json<Endpoint>(
      await call(
        app(),
        'PATCH',
        `/api/v1/webhooks/${created.endpoint.id}`,
        { enabled: false, eventTypes: ['lead.*'] },
        {
          bearer: owner,
        },
      ),
    );
    expect(patched).toMatchObject({ enabled: false, eventTypes: ['lead.*'] });
    const rotated = await json<{ secret: string }>(
      await call(app(), 'POST', `/api/v1/webhooks/${created.endpoint.id}/rotate-secret`, undefined, {
        bearer: owner,
      }),
    );
    expect(rotated.secret).not.toBe(created.secret);
    const ping = await json<Delivery>(
      await call(app(), 'POST', `/api/v1/webhooks/${created.endpoint.id}/ping`, undefined, { bearer: owner }),
    );
    expect(ping).toMatchObject({ type: 'ping', status: 'delivered', lastStatusCode: 204 });
    expect(
      (await call(app(), 'DELETE', `/api/v1/webhooks/${created.endpoint.id}`, undefined, { bearer: owner }))
        .status,
    ).toBe(204);
    expect(
      (await call(app(), 'GET', `/api/v1/webhooks/${created.endpoint.id}`, undefined, { bearer: owner }))
        .status,
    ).toBe(404);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', created.endpoint.id)
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'webhook.created',
      'webhook.updated',
      'webhook.secret_rotated',
      'webhook.deleted',
    ]);
  });

  it('answers 403 to agents, 404 across workspaces and 400 to bad or private URLs', async () => {
    const { owner, agent } = await workspace();
    const other = await workspace();
    expect((await call(app(), 'GET', '/api/v1/webhooks', undefined, { bearer: agent })).status).toBe(403);
    expect((await call(app(), 'POST', '/api/v1/webhooks', { url }, { bearer: agent })).status).toBe(403);
    expect(
      (await call(app(), 'GET', '/api/v1/webhooks/deliveries', undefined, { bearer: agent })).status,
    ).toBe(403);
    const { endpoint } = await json<{ endpoint: Endpoint }>(
      await call(app(), 'POST', '/api/v1/webhooks', { url }, { bearer: owner }),
      201,
    );
    expect(endpoint.eventTypes).toEqual(['*']);
    for (const [method, path] of [
      ['GET', `/api/v1/webhooks/${endpoint.id}`],
      ['PATCH', `/api/v1/webhooks/${endpoint.id}`],
      ['DELETE', `/api/v1/webhooks/${endpoint.id}`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/ping`],
      ['POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`],
    ] as const)
      expect(
        (await call(app(), method, path, method === 'PATCH' ? {} : undefined, { bearer: other.owner }))
          .status,
      ).toBe(404);
    // The delivery log of an endpoint that is not there (another workspace's, or a mistyped id)
    // is not found, not an empty log.
    expect(
      (
        await call(app(), 'GET', `/api/v1/webhooks/deliveries?endpointId=${endpoint.id}`, undefined, {
          bearer: other.owner,
        })
      ).status,
    ).toBe(404);
    const unknown = await json<{ error: { code: string; message: string } }>(
      await call(app(), 'GET', '/api/v1/webhooks/deliveries?endpointId=wh_nope', undefined, {
        bearer: owner,
      }),
      404,
    );
    expect(unknown.error).toMatchObject({ code: 'not_found', message: 'No webhook endpoint wh_nope' });
    const bad = await json<{ error: { code: string; details: { fields: { path: string }[] } } }>(
      await call(
        app(),
        'POST',
        '/api/v1/webhooks',
        { url: 'ftp://example.com', eventTypes: ['cases.*'] },
        { bearer: owner },
      ),
      400,
    );
    expect(bad.error.code).toBe('validation_failed');
    expect(bad.error.details.fields.map((f) => f.path)).toContain('eventTypes.0');
    // Without the flag (the production default) the receiver on 127.0.0.1 is refused.
    const refused = await json<{ error: { message: string } }>(
      await call(createApp(t.ctx), 'POST', '/api/v1/webhooks', { url }, { bearer: owner }),
      400,
    );
    expect(refused.error.message).toMatch(/https|private/);
    const doc = await json<{ paths: Record<string, unknown> }>(await call(app(), 'GET', '/api/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/deliveries']),
    );
    const types = await json<{ items: string[] }>(
      await call(app(), 'GET', '/api/v1/webhooks/event-types', undefined, { bearer: owner }),
    );
    expect(types.items).toEqual(
      expect.arrayContaining(['case.created', 'case.assigned', 'lead.stage_changed']),
    );
  });
});
