import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { recomputeInfluence } from './influence.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const tokens = {
    admin: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' })),
    agent: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' })),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
  const authors = [
    { channel: 'bluesky', externalId: 'did:plc:maya', handle: 'maya.travels', displayName: 'Maya Lindqvist' },
    {
      channel: 'mastodon',
      externalId: 'maya@mastodon.example',
      handle: 'maya.travels@mastodon.example',
      displayName: 'Maya Lindqvist',
      bio: 'Travel writer <3',
      links: [{ label: 'Blog', url: 'https://maya.example/' }],
    },
  ];
  await appendToLog(
    t.ctx,
    authors.map((author, i) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: author.channel,
        externalId: `${ws.id}-${i}`,
        text: 'Where is my bag?',
        author,
      }),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  return { ws, ...tokens };
}

type Summary = { id: string; displayName: string; identities: { channel: string }[]; mentionCount: number };

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

describe('customers API', () => {
  it('lists and searches customers, shows a profile and its timeline', async () => {
    const { agent } = await workspace();
    const page = await json<{ items: Summary[]; nextCursor: string | null }>(
      await call(app(), 'GET', '/api/v1/customers?limit=1', undefined, { bearer: agent }),
    );
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).not.toBeNull();
    const next = await json<{ items: Summary[]; nextCursor: string | null }>(
      await call(app(), 'GET', `/api/v1/customers?limit=1&cursor=${page.nextCursor}`, undefined, {
        bearer: agent,
      }),
    );
    expect(next.items.map((c) => c.id)).not.toEqual(page.items.map((c) => c.id));
    expect(next.nextCursor).toBeNull();
    const found = await json<{ items: Summary[] }>(
      await call(app(), 'GET', '/api/v1/customers?search=MASTODON.example', undefined, { bearer: agent }),
    );
    expect(found.items.map((c) => c.identities[0]?.channel)).toEqual(['mastodon']);
    const id = found.items[0]?.id;
    const profile = await json<{ social: { handle: string; mentions: number }[]; influence: null }>(
      await call(app(), 'GET', `/api/v1/customers/${id}`, undefined, { bearer: agent }),
    );
    expect(profile.social).toEqual([
      expect.objectContaining({
        handle: 'maya.travels@mastodon.example',
        mentions: 1,
        bio: 'Travel writer <3',
        links: [{ label: 'Blog', url: 'https://maya.example/', verified: false }],
      }),
    ]);
    expect(profile.influence).toBeNull();
    const timeline = await json<{ items: { kind: string; mention: { text: string } | null }[] }>(
      await call(app(), 'GET', `/api/v1/customers/${id}/timeline`, undefined, { bearer: agent }),
    );
    expect(timeline.items.map((i) => i.kind).sort()).toEqual(['identity', 'mention']);
    expect(timeline.items.find((i) => i.kind === 'mention')?.mention?.text).toBe('Where is my bag?');
    const forged = Buffer.from(
      JSON.stringify([JSON.stringify(['2026-01-01T00:00:00.000Z', 'mention', 'x'])]),
    ).toString('base64url');
    const bad = await call(app(), 'GET', `/api/v1/customers/${id}/timeline?cursor=${forged}`, undefined, {
      bearer: agent,
    });
    expect(bad.status).toBe(400);
  });

  it('suggests the same person on two networks, accepts into a merge and unmerges it', async () => {
    const { agent } = await workspace();
    const { items } = await json<{
      items: { id: string; confidence: number; evidence: string[]; customer: Summary; other: Summary }[];
    }>(await call(app(), 'GET', '/api/v1/customers/suggestions', undefined, { bearer: agent }));
    expect(items).toHaveLength(1);
    expect(items[0]?.confidence).toBe(0.6);
    expect(items[0]?.evidence).toEqual([
      'Same display name "Maya Lindqvist"',
      'Same handle "maya.travels" on Bluesky (maya.travels) and Mastodon (maya.travels@mastodon.example)',
    ]);
    const merge = await json<{ id: string; intoId: string; fromId: string }>(
      await call(app(), 'POST', `/api/v1/customers/suggestions/${items[0]?.id}/accept`, undefined, {
        bearer: agent,
      }),
    );
    const merged = await json<{ identities: unknown[]; mentionCount: number; merges: { id: string }[] }>(
      await call(app(), 'GET', `/api/v1/customers/${merge.intoId}`, undefined, { bearer: agent }),
    );
    expect([merged.identities.length, merged.mentionCount, merged.merges.map((m) => m.id)]).toEqual([
      2,
      2,
      [merge.id],
    ]);
    expect(
      (await call(app(), 'GET', `/api/v1/customers/${merge.fromId}`, undefined, { bearer: agent })).status,
    ).toBe(404);
    const undone = await json<{ into: Summary; restored: Summary }>(
      await call(app(), 'POST', `/api/v1/customers/merges/${merge.id}/unmerge`, undefined, { bearer: agent }),
    );
    expect([undone.into.mentionCount, undone.restored.mentionCount]).toEqual([1, 1]);
    expect(
      (await call(app(), 'GET', '/api/v1/customers/suggestions', undefined, { bearer: agent })).status,
    ).toBe(200);
  });

  it('pages suggestions and filters them by customer; bad query parameters are a 400', async () => {
    const { agent, moderator } = await workspace();
    type SuggestionPage = {
      items: { id: string; customer: Summary; other: Summary }[];
      nextCursor: string | null;
    };
    const get = (bearer: string, query: string) =>
      call(app(), 'GET', `/api/v1/customers/suggestions${query}`, undefined, { bearer });
    const all = await json<SuggestionPage>(await get(agent, ''));
    expect(all).toEqual({ items: [expect.objectContaining({ id: expect.any(String) })], nextCursor: null });
    const [maya] = all.items;
    for (const side of [maya?.customer.id, maya?.other.id]) {
      const page = await json<SuggestionPage>(await get(agent, `?customerId=${side}&limit=1`));
      expect([page.items.map((s) => s.id), page.nextCursor]).toEqual([[maya?.id], null]);
    }
    const someoneElse = await json<{ items: Summary[] }>(
      await call(app(), 'GET', '/api/v1/customers?limit=1', undefined, { bearer: (await workspace()).agent }),
    );
    expect(
      (await json<SuggestionPage>(await get(agent, `?customerId=${someoneElse.items[0]?.id}`))).items,
    ).toEqual([]);
    // Reading is allowed to every role that reads customers, as before.
    expect((await get(moderator, `?customerId=${maya?.customer.id}`)).status).toBe(200);

    for (const bad of [
      '?limit=0',
      '?limit=201',
      '?limit=ten',
      '?status=closed',
      '?customerId=',
      `?customerId=${'x'.repeat(65)}`,
      '?cursor=not-a-cursor',
    ]) {
      const res = await get(agent, bad);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    }
    // The OpenAPI document describes the parameters and the page.
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string }[] } }>;
    };
    expect(doc.paths['/api/v1/customers/suggestions']?.get?.parameters?.map((p) => p.name).sort()).toEqual([
      'cursor',
      'customerId',
      'limit',
      'status',
    ]);
  });

  it('validates attributes with a 400 naming the attribute, and adds identities with 409 on a taken address', async () => {
    const { admin, agent } = await workspace();
    const created = await call(
      app(),
      'POST',
      '/api/v1/customers/attributes',
      { key: 'plan', label: 'Plan', type: 'choice', choices: ['free', 'pro'] },
      { bearer: admin },
    );
    const def = await json<{ id: string; key: string }>(created, 201);
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/customers/attributes',
          { key: 'plan', label: 'Plan', type: 'text' },
          { bearer: admin },
        )
      ).status,
    ).toBe(409);
    const [a, b] = (
      await json<{ items: Summary[] }>(
        await call(app(), 'GET', '/api/v1/customers', undefined, { bearer: agent }),
      )
    ).items;
    const bad = await call(
      app(),
      'PATCH',
      `/api/v1/customers/${a?.id}`,
      { attributes: { plan: 'gold' } },
      { bearer: agent },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'validation_failed', details: { fields: [{ path: 'attributes.plan' }] } },
    });
    const ok = await json<{ attributes: Record<string, unknown> }>(
      await call(
        app(),
        'PATCH',
        `/api/v1/customers/${a?.id}`,
        { attributes: { plan: 'pro' } },
        { bearer: agent },
      ),
    );
    expect(ok.attributes).toEqual({ plan: 'pro' });
    const identity = await json<{
      id: string;
      kind: string;
      externalId: string;
      verified: boolean;
      source: string;
    }>(
      await call(
        app(),
        'POST',
        `/api/v1/customers/${a?.id}/identities`,
        { kind: 'email', value: 'Maya@Example.com' },
        { bearer: agent },
      ),
      201,
    );
    expect(identity).toMatchObject({
      kind: 'email',
      externalId: 'maya@example.com',
      verified: false,
      source: 'agent',
    });
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/customers/${b?.id}/identities`,
          { kind: 'email', value: 'maya@example.com' },
          { bearer: agent },
        )
      ).status,
    ).toBe(409);
    // Removing: the address goes (and may then be added elsewhere); a social account does not.
    const identityId = identity.id;
    const remove = (customerId: string | undefined, id: string) =>
      call(app(), 'DELETE', `/api/v1/customers/${customerId}/identities/${id}`, undefined, { bearer: agent });
    expect((await remove(b?.id, identityId)).status).toBe(404);
    expect((await remove(a?.id, identityId)).status).toBe(204);
    expect((await remove(a?.id, identityId)).status).toBe(404);
    const social = (
      await json<{ identities: { id: string; kind: string }[] }>(
        await call(app(), 'GET', `/api/v1/customers/${a?.id}`, undefined, { bearer: agent }),
      )
    ).identities.find((i) => i.kind === 'social');
    expect(social).toBeDefined();
    expect((await remove(a?.id, social?.id ?? '')).status).toBe(409);
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/customers/${b?.id}/identities`,
          { kind: 'email', value: 'maya@example.com' },
          { bearer: agent },
        )
      ).status,
    ).toBe(201);
    expect(
      (await call(app(), 'DELETE', `/api/v1/customers/attributes/${def.id}`, undefined, { bearer: admin }))
        .status,
    ).toBe(204);
  });

  it('refuses anonymous callers, roles without the permission, and customers of another workspace', async () => {
    const mine = await workspace();
    const theirs = await workspace();
    const [other] = (
      await json<{ items: Summary[] }>(
        await call(app(), 'GET', '/api/v1/customers', undefined, { bearer: theirs.agent }),
      )
    ).items;
    const [own] = (
      await json<{ items: Summary[] }>(
        await call(app(), 'GET', '/api/v1/customers', undefined, { bearer: mine.agent }),
      )
    ).items;
    expect((await call(app(), 'GET', '/api/v1/customers')).status).toBe(401);
    expect((await call(app(), 'GET', `/api/v1/customers/${own?.id}`)).status).toBe(401);
    for (const path of [`/api/v1/customers/${other?.id}`, `/api/v1/customers/${other?.id}/timeline`])
      expect((await call(app(), 'GET', path, undefined, { bearer: mine.agent })).status).toBe(404);
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/customers/${own?.id}/merge`,
          { from: other?.id },
          { bearer: mine.agent },
        )
      ).status,
    ).toBe(404);
    expect(
      (await call(app(), 'PATCH', `/api/v1/customers/${other?.id}`, { bio: 'x' }, { bearer: mine.agent }))
        .status,
    ).toBe(404);
    // Moderators read but do not change customers; agents do not define attributes.
    expect(
      (await call(app(), 'GET', `/api/v1/customers/${own?.id}`, undefined, { bearer: mine.moderator }))
        .status,
    ).toBe(200);
    expect(
      (await call(app(), 'PATCH', `/api/v1/customers/${own?.id}`, { bio: 'x' }, { bearer: mine.moderator }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/customers/attributes',
          { key: 'vip', label: 'VIP', type: 'boolean' },
          { bearer: mine.agent },
        )
      ).status,
    ).toBe(403);
    const suggestions = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', '/api/v1/customers/suggestions', undefined, { bearer: theirs.agent }),
    );
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/customers/suggestions/${suggestions.items[0]?.id}/accept`,
          undefined,
          {
            bearer: mine.agent,
          },
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/customers/suggestions/${suggestions.items[0]?.id}/reject`,
          undefined,
          {
            bearer: mine.moderator,
          },
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await call(app(), 'POST', '/api/v1/customers/merges/no-such-merge/unmerge', undefined, {
          bearer: mine.agent,
        })
      ).status,
    ).toBe(404);
  });

  it('ranks customers by the influence of their accounts in the workspace network, with the reasons', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const post = (externalId: string, handle: string, text: string, replyTo?: string) => ({
      channel: 'bluesky',
      externalId,
      text,
      createdAt: '2026-11-20T10:00:00.000Z',
      ...(replyTo ? { replyTo } : {}),
      author: { externalId: `did:${handle}`, handle, displayName: handle.toUpperCase(), followers: 100 },
    });
    const posts = [
      post('hub-1', 'hub.example', 'Loving the new lounge, thanks team!'),
      post('hub-2', 'hub.example', 'Great crew again today, thank you'),
      ...['ana', 'ben', 'cy', 'dee', 'eve'].map((h, i) =>
        post(`r-${i}`, h, `@hub.example agreed, great tip`, 'hub-1'),
      ),
    ];
    await appendToLog(
      t.ctx,
      posts.map((p) => ({
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify(p),
      })),
    );
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await recomputeInfluence(t.ctx, ws.id);

    const res = await call(app(), 'GET', '/api/v1/customers/influencers?limit=3', undefined, {
      bearer: agent,
    });
    expect(res.status).toBe(200);
    const { items } = (await res.json()) as {
      items: {
        customer: { id: string; displayName: string; influence: number | null };
        score: number;
        reasons: string[];
      }[];
    };
    expect(items[0]?.customer.displayName).toBe('HUB.EXAMPLE');
    expect(items[0]?.reasons.join(' ')).toMatch(/5 people/);
    expect(items[0]?.customer.influence).toBe(items[0]?.score);

    const profile = await call(app(), 'GET', `/api/v1/customers/${items[0]?.customer.id}`, undefined, {
      bearer: agent,
    });
    const body = (await profile.json()) as { influence: { score: number; reasons: string[] } | null };
    expect(body.influence?.score).toBe(items[0]?.score);
    expect(body.influence?.reasons.length).toBeGreaterThan(0);

    const bad = await call(app(), 'GET', '/api/v1/customers/influencers?kind=fans', undefined, {
      bearer: agent,
    });
    expect(bad.status).toBe(400);
    expect((await call(app(), 'GET', '/api/v1/customers/influencers')).status).toBe(401);
  });
});

describe('contacts import API', () => {
  const upload = (token: string, csv: string, query = '?name=crm.csv') =>
    app().request(`/api/v1/customers/import${query}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
      body: csv,
    });

  it('imports a CSV upload, links the identities on a line, and reports bad lines; moderators are refused', async () => {
    const { agent, moderator } = await workspace();
    const csv = 'name,email,bluesky\nMaya Lindqvist,maya@example.com,maya.travels\nNobody,,\n';
    const summary = await json<{ updated: number; rejected: { line: number; reason: string }[] }>(
      await upload(agent, csv),
    );
    expect(summary.updated).toBe(1);
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'names no identity: give an email, phone, bluesky or mastodon column' },
    ]);
    const found = await json<{ items: Summary[] }>(
      await call(app(), 'GET', '/api/v1/customers?search=maya%40example.com', undefined, { bearer: agent }),
    );
    expect(found.items.map((c) => c.identities.map((i) => i.channel).sort())).toEqual([['bluesky', 'email']]);
    expect((await upload(moderator, csv)).status).toBe(403);
    expect((await upload(agent, csv, '?map=email')).status).toBe(400);
  });
});
