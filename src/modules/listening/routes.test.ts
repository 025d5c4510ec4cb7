import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { webhookSignature } from '../../connectors/service.ts';
import { createApp } from '../../http/app.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { createQuery, listQueries } from './service.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function signedPost(connectorId: string, secret: string, body: unknown, signature?: string) {
  const raw = JSON.stringify(body);
  return app().request(`/api/v1/ingest/${connectorId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-rapport-signature': signature ?? webhookSignature(secret, raw),
    },
    body: raw,
  });
}

const item = (externalId: string, text: string) => ({
  channel: 'reviews',
  externalId,
  text,
  author: { externalId: 'r-1', handle: 'reviewer' },
});

describe('webhook connector', () => {
  it('accepts a signed delivery, quarantines the bad items with the reason it returns, and stores the rest', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const created = await call(
      app(),
      'POST',
      '/api/v1/connectors',
      { kind: 'webhook', name: 'Reviews' },
      { bearer: admin },
    );
    expect(created.status).toBe(201);
    const { connector, secret } = (await created.json()) as {
      connector: { id: string; hasSecret: boolean };
      secret: string;
    };
    expect(secret).toMatch(/^whsec_/);
    expect(connector.hasSecret).toBe(true);

    const res = await signedPost(connector.id, secret, [
      item('rv-1', 'Lovely crew'),
      { channel: 'reviews', externalId: 'rv-2' },
      item('rv-3', 'Lost my bag'),
    ]);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 2,
      rejected: [{ index: 1, reason: 'author: required unless deleted is true' }],
    });

    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const mentions = (await (
      await call(app(), 'GET', '/api/v1/mentions?channel=reviews', undefined, { bearer: admin })
    ).json()) as {
      items: { externalId: string }[];
    };
    expect(mentions.items.map((m) => m.externalId)).toEqual(['rv-3', 'rv-1']);
    const quarantine = (await (
      await call(app(), 'GET', '/api/v1/quarantine', undefined, { bearer: admin })
    ).json()) as {
      items: { reason: string; connectorId: string }[];
    };
    expect(quarantine.items).toEqual([
      expect.objectContaining({
        reason: 'author: required unless deleted is true',
        connectorId: connector.id,
      }),
    ]);
    const health = (await (
      await call(app(), 'GET', `/api/v1/connectors/${connector.id}/health`, undefined, { bearer: admin })
    ).json()) as {
      itemsPerMinute: number;
      lastItemAt: string | null;
    };
    expect(health.lastItemAt).not.toBeNull();
    expect(health.itemsPerMinute).toBeGreaterThan(0);
  });

  it('deletes a connector for an admin only; its stored mentions stay and its ingest address stops answering', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const { connector, secret } = (await (
      await call(
        app(),
        'POST',
        '/api/v1/connectors',
        { kind: 'webhook', name: 'Old reviews' },
        { bearer: admin },
      )
    ).json()) as { connector: { id: string }; secret: string };
    expect(
      (await signedPost(connector.id, secret, item('old-1', 'Kept after the connector goes'))).status,
    ).toBe(202);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const path = `/api/v1/connectors/${connector.id}`;
    expect((await call(app(), 'DELETE', path, undefined, { bearer: agent })).status).toBe(403);
    expect((await call(app(), 'DELETE', path, undefined, { bearer: admin })).status).toBe(204);
    expect((await call(app(), 'DELETE', path, undefined, { bearer: admin })).status).toBe(404);
    expect((await call(app(), 'GET', `${path}/health`, undefined, { bearer: admin })).status).toBe(404);
    expect((await signedPost(connector.id, secret, item('old-2', 'Too late'))).status).toBe(401);
    const mentions = (await (
      await call(app(), 'GET', '/api/v1/mentions', undefined, { bearer: admin })
    ).json()) as { items: { externalId: string }[] };
    expect(mentions.items.map((m) => m.externalId)).toEqual(['old-1']);
  });

  it('shows what a network connector keeps, with the default for one saved before the option, and changes it', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const created = (await (
      await call(
        app(),
        'POST',
        '/api/v1/connectors',
        { kind: 'bluesky', name: 'Firehose' },
        { bearer: admin },
      )
    ).json()) as { connector: { id: string; config: Record<string, unknown> } };
    expect(created.connector.config.keep).toBe('matching');
    const path = `/api/v1/connectors/${created.connector.id}`;
    // As saved before `keep` existed: the default is in effect, and shown.
    const { keep: _, ...legacy } = created.connector.config;
    await t.ctx.db
      .updateTable('connectors')
      .set({ config: t.ctx.dialect.toJson(legacy) })
      .where('id', '=', created.connector.id)
      .execute();
    const shown = async () =>
      (
        (await (await call(app(), 'GET', '/api/v1/connectors', undefined, { bearer: admin })).json()) as {
          items: { id: string; config: Record<string, unknown> }[];
        }
      ).items.find((c) => c.id === created.connector.id)?.config.keep;
    expect(await shown()).toBe('matching');
    const bad = await call(app(), 'PATCH', path, { config: { ...legacy, keep: 'some' } }, { bearer: admin });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('config.keep');
    expect(
      (await call(app(), 'PATCH', path, { config: { ...legacy, keep: 'all' } }, { bearer: admin })).status,
    ).toBe(200);
    expect(await shown()).toBe('all');
  });

  it('refuses a connector whose configuration needs a secret without one, saying which', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const post = (body: unknown) => call(app(), 'POST', '/api/v1/connectors', body, { bearer: admin });
    const replies = {
      kind: 'bluesky',
      name: 'Replies',
      config: { account: { identifier: 'flyacme.bsky.social' } },
    };
    const home = {
      kind: 'mastodon',
      name: 'Home',
      config: { instance: 'https://mastodon.example', streams: [{ stream: 'user' }] },
    };
    for (const [body, needed] of [
      [replies, 'the app password of the reply account'],
      [home, 'an access token, for the home timeline (user stream)'],
      [
        {
          kind: 'email',
          name: 'Mail',
          config: { host: 'smtp.example', username: 'care', fromAddress: 'care@acme.test' },
        },
        'the SMTP password of care',
      ],
    ] as const) {
      const refused = await post(body);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: {
          code: 'validation_failed',
          details: { fields: [{ path: 'secret', message: `required: ${needed}` }] },
        },
      });
      expect((await post({ ...body, secret: 'the-credential' })).status).toBe(201);
    }
    // Listening alone needs none; adding a reply account later needs its password then.
    const listening = (await (await post({ kind: 'bluesky', name: 'Firehose' })).json()) as {
      connector: { id: string; config: Record<string, unknown> };
    };
    const path = `/api/v1/connectors/${listening.connector.id}`;
    const withAccount = { ...listening.connector.config, account: replies.config.account };
    expect((await call(app(), 'PATCH', path, { config: withAccount }, { bearer: admin })).status).toBe(400);
    expect(
      (await call(app(), 'PATCH', path, { config: withAccount, secret: 'app-password' }, { bearer: admin }))
        .status,
    ).toBe(200);
    // Once stored, the secret stays: the configuration can change without sending it again.
    expect(
      (await call(app(), 'PATCH', path, { config: { ...withAccount, keep: 'all' } }, { bearer: admin }))
        .status,
    ).toBe(200);
  });

  it('refuses a wrong or missing signature and an unknown connector with the same 401', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const { connector, secret } = (await (
      await call(app(), 'POST', '/api/v1/connectors', { kind: 'webhook', name: 'W' }, { bearer: admin })
    ).json()) as { connector: { id: string }; secret: string };
    const wrong = await signedPost(
      connector.id,
      secret,
      item('x', 'y'),
      webhookSignature('not-the-secret', '{}'),
    );
    expect(wrong.status).toBe(401);
    const unknown = await signedPost('no-such-connector', secret, item('x', 'y'));
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const notJson = await app().request(`/api/v1/ingest/${connector.id}`, {
      method: 'POST',
      headers: { 'x-rapport-signature': webhookSignature(secret, '{oops') },
      body: '{oops',
    });
    expect(notJson.status).toBe(400);
  });

  it('never returns connector credentials and lets only owners and admins manage connectors', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
    await call(app(), 'POST', '/api/v1/connectors', { kind: 'webhook', name: 'W' }, { bearer: admin });
    const list = await (
      await call(app(), 'GET', '/api/v1/connectors', undefined, { bearer: manager })
    ).text();
    expect(list).not.toMatch(/whsec_|secret_encrypted/);
    expect(
      (await call(app(), 'POST', '/api/v1/connectors', { kind: 'webhook', name: 'X' }, { bearer: manager }))
        .status,
    ).toBe(403);
    const badKind = await call(
      app(),
      'POST',
      '/api/v1/connectors',
      { kind: 'carrier-pigeon', name: 'X' },
      { bearer: admin },
    );
    expect(badKind.status).toBe(400);
    expect(await badKind.json()).toMatchObject({ error: { details: { fields: [{ path: 'kind' }] } } });
  });
});

describe('listening queries API', () => {
  it('creates, previews, lists, updates and deletes queries; syntax errors are 400 with the position', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
    const bad = await call(
      app(),
      'POST',
      '/api/v1/listening/queries',
      { name: 'Bad', query: '(refund OR late' },
      { bearer: manager },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'validation_failed', details: { position: 15, expected: '")"' } },
    });

    const created = await call(
      app(),
      'POST',
      '/api/v1/listening/queries',
      { name: 'Refunds', query: 'refund*' },
      { bearer: manager },
    );
    expect(created.status).toBe(201);
    const q = (await created.json()) as { id: string; enabled: boolean };
    expect(q.enabled).toBe(true);
    const preview = await call(
      app(),
      'POST',
      '/api/v1/listening/queries/preview',
      { query: 'refund*' },
      { bearer: manager },
    );
    expect(await preview.json()).toMatchObject({ matched: 0, perDay: [], examples: [] });
    const patched = await call(
      app(),
      'PATCH',
      `/api/v1/listening/queries/${q.id}`,
      { enabled: false },
      { bearer: manager },
    );
    expect(await patched.json()).toMatchObject({ enabled: false, query: 'refund*' });
    expect(
      (await call(app(), 'DELETE', `/api/v1/listening/queries/${q.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(204);
    expect(
      (await call(app(), 'DELETE', `/api/v1/listening/queries/${q.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(404);
  });

  it('matches url: against the links in a post, never its own address, in the pipeline and the preview alike', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const query = (await (
      await call(
        app(),
        'POST',
        '/api/v1/listening/queries',
        { name: 'Demo links', query: 'url:example.com/demo' },
        { bearer: admin },
      )
    ).json()) as { id: string };
    const { connector, secret } = (await (
      await call(app(), 'POST', '/api/v1/connectors', { kind: 'webhook', name: 'Links' }, { bearer: admin })
    ).json()) as { connector: { id: string }; secret: string };
    const post = (externalId: string, url: string, text: string) => ({
      ...item(externalId, text),
      url,
    });
    expect(
      (
        await signedPost(connector.id, secret, [
          // Its own address contains the text, but it links nothing.
          post('permalink-only', 'https://example.com/demo/reviews/1', 'Lovely crew, no link here'),
          post(
            'links-it',
            'https://reviews.example/2',
            'The help page https://example.com/demo/help was useless.',
          ),
        ])
      ).status,
    ).toBe(202);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }

    const matched = (await (
      await call(app(), 'GET', `/api/v1/mentions?queryId=${query.id}`, undefined, { bearer: admin })
    ).json()) as { items: { externalId: string }[] };
    expect(matched.items.map((m) => m.externalId)).toEqual(['links-it']);

    const preview = async (q: string) =>
      (await (
        await call(app(), 'POST', '/api/v1/listening/queries/preview', { query: q }, { bearer: admin })
      ).json()) as { sampled: number; matched: number; examples: { externalId: string }[] };
    const demo = await preview('url:example.com/demo');
    expect(demo.sampled).toBe(2);
    expect(demo.examples.map((m) => m.externalId)).toEqual(['links-it']);
    // The address of the post that links example.com is no link of it either.
    expect(await preview('url:reviews.example')).toMatchObject({ matched: 0, examples: [] });
  });

  it('counts matches per day over every day the sample covers, days without a match included', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const post = (externalId: string, day: string, text: string) => ({
      ...item(externalId, text),
      createdAt: `2026-11-${day}T10:00:00.000Z`,
    });
    await storePosts(t.ctx, ws.id, [
      post('a', '02', 'Still no refund'),
      post('b', '02', 'refund please'),
      post('c', '03', 'Lovely crew'),
      post('d', '05', 'refund requested again'),
    ]);
    const res = await call(
      app(),
      'POST',
      '/api/v1/listening/queries/preview',
      { query: 'refund*' },
      { bearer: admin },
    );
    expect(await res.json()).toMatchObject({
      sampled: 4,
      matched: 3,
      perDay: [
        { day: '2026-11-02', count: 2 },
        { day: '2026-11-03', count: 0 },
        { day: '2026-11-04', count: 0 },
        { day: '2026-11-05', count: 1 },
      ],
    });
  });

  it('charts at most the latest 92 days of a sample that spans more, and still counts the older matches', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    await storePosts(t.ctx, ws.id, [
      { ...item('old', 'refund from last spring'), createdAt: '2026-04-01T10:00:00.000Z' },
      { ...item('new', 'refund today'), createdAt: '2026-11-30T10:00:00.000Z' },
    ]);
    const body = (await (
      await call(app(), 'POST', '/api/v1/listening/queries/preview', { query: 'refund*' }, { bearer: admin })
    ).json()) as { matched: number; perDay: { day: string; count: number }[] };
    expect(body.matched).toBe(2);
    expect(body.perDay).toHaveLength(92);
    expect(body.perDay[0]?.day).toBe('2026-08-31');
    expect(body.perDay.at(-1)).toEqual({ day: '2026-11-30', count: 1 });
    expect(body.perDay.reduce((n, d) => n + d.count, 0)).toBe(1);
  });

  it('refuses a name another query of the workspace has, ignoring case and surrounding spaces, on create and rename', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
    const post = (name: string) =>
      call(app(), 'POST', '/api/v1/listening/queries', { name, query: 'refund*' }, { bearer: manager });
    const patch = (id: string, body: Record<string, unknown>) =>
      call(app(), 'PATCH', `/api/v1/listening/queries/${id}`, body, { bearer: manager });
    const refunds = (await (await post('Refunds')).json()) as { id: string };
    const delays = (await (await post('Delays')).json()) as { id: string };

    const twice = await post('  rEFUNDS ');
    expect(twice.status).toBe(409);
    expect(await twice.json()).toMatchObject({
      error: {
        code: 'conflict',
        message: 'A listening query named "Refunds" already exists',
        details: {
          fields: [{ path: 'name', message: 'already used by the query "Refunds"' }],
          queryId: refunds.id,
        },
      },
    });
    const renamed = await patch(delays.id, { name: 'refunds' });
    expect(renamed.status).toBe(409);
    expect(((await renamed.json()) as { error: { code: string } }).error.code).toBe('conflict');
    // Its own name in another case, and another workspace's name, are free.
    expect(await (await patch(refunds.id, { name: ' REFUNDS ' })).json()).toMatchObject({ name: 'REFUNDS' });
    const other = await buildWorkspace(t.ctx);
    const otherManager = await buildToken(t.ctx, await buildUser(t.ctx, other, { role: 'manager' }));
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/listening/queries',
          { name: 'Delays', query: 'late' },
          {
            bearer: otherManager,
          },
        )
      ).status,
    ).toBe(201);

    // Duplicates saved before names were checked stay editable under their name.
    const now = t.clock.now().toISOString();
    await t.ctx.db
      .insertInto('listening_queries')
      .values({
        id: 'lq_legacy_duplicate',
        workspace_id: ws.id,
        name: 'delays',
        query: 'late',
        enabled: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
    expect(
      await (await patch('lq_legacy_duplicate', { name: 'delays', enabled: false })).json(),
    ).toMatchObject({
      name: 'delays',
      enabled: false,
    });
    expect((await patch('lq_legacy_duplicate', { name: 'Late arrivals' })).status).toBe(200);
    const names = (await (
      await call(app(), 'GET', '/api/v1/listening/queries', undefined, { bearer: manager })
    ).json()) as { items: { name: string }[] };
    expect(names.items.map((q) => q.name).sort()).toEqual(['Delays', 'Late arrivals', 'REFUNDS']);
  });

  it('lets only one of several simultaneous creations of a name through', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const results = await Promise.allSettled(
      ['Brand', 'brand ', 'BRAND', ' Brand', 'bRand', 'brAnd', 'braNd', 'branD'].map((name) =>
        createQuery(t.ctx, manager.actor, { name, query: 'acme', enabled: true }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect(await listQueries(t.ctx, manager.actor)).toHaveLength(1);
  });

  it("lists the known channels and those of the workspace's stored mentions, to a signed-in member only", async () => {
    const ws = await buildWorkspace(t.ctx);
    const other = await buildWorkspace(t.ctx);
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const post = (channel: string, id: string) => ({
      channel,
      externalId: id,
      text: `post ${id}`,
      author: { externalId: `author-${id}`, handle: `author-${id}` },
    });
    const channels = async () => {
      const res = await call(app(), 'GET', '/api/v1/listening/channels', undefined, { bearer: agent });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: string[] }).items;
    };
    const known = ['bluesky', 'mastodon', 'rss', 'webhook', 'import', 'email'];
    expect(await channels()).toEqual(known);
    await storePosts(t.ctx, ws.id, [
      post('twitter', 'tw-1'),
      post('bluesky', 'bs-1'),
      post('reviews', 'rv-1'),
    ]);
    await storePosts(t.ctx, other.id, [post('zendesk', 'zd-1')]);
    expect(await channels()).toEqual([...known, 'reviews', 'twitter']);
    const twitter = await call(app(), 'GET', '/api/v1/mentions?channel=twitter', undefined, {
      bearer: agent,
    });
    expect(
      ((await twitter.json()) as { items: { externalId: string }[] }).items.map((m) => m.externalId),
    ).toEqual(['tw-1']);
    expect((await call(app(), 'GET', '/api/v1/listening/channels')).status).toBe(401);
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(doc.paths).toHaveProperty(['/api/v1/listening/channels', 'get']);
  });

  it('lets agents read but not change queries', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    expect((await call(app(), 'GET', '/api/v1/listening/queries', undefined, { bearer: agent })).status).toBe(
      200,
    );
    expect(
      (await call(app(), 'POST', '/api/v1/listening/queries', { name: 'x', query: 'x' }, { bearer: agent }))
        .status,
    ).toBe(403);
    expect((await call(app(), 'GET', '/api/v1/quarantine', undefined, { bearer: agent })).status).toBe(403);
  });
});
