import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { createCustomer } from './service.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const admin = await buildUser(t.ctx, ws, { role: 'admin' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  const tokens = {
    admin: await buildToken(t.ctx, admin),
    agent: await buildToken(t.ctx, agent),
    otherAgent: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' })),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
  const customers = [];
  for (let i = 0; i < 5; i++) {
    t.clock.advance(1000);
    customers.push(
      await createCustomer(t.ctx, admin.actor, {
        displayName: i < 3 ? `Vip ${i}` : `Regular ${i}`,
        email: `c${i}-${ws.slug}@example.test`,
        verified: false,
      }),
    );
  }
  return { ws, customers, ...tokens };
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (status === 204 ? undefined : await res.json()) as T;
}

type Segment = {
  id: string;
  name: string;
  kind: string;
  memberCount: number;
  shared: boolean;
  rule: unknown;
};
type Page<T> = { items: T[]; nextCursor: string | null };
type Summary = { id: string; displayName: string; lifecycleStage: string | null };

const vipRule = { match: 'all', conditions: [{ field: 'name', op: 'contains', value: 'vip' }] };

describe('segments API', () => {
  it('needs a signed-in user, and customers:manage to change segments', async () => {
    const { moderator } = await workspace();
    expect((await call(app(), 'GET', '/api/v1/customers/segments')).status).toBe(401);
    expect((await call(app(), 'GET', '/api/v1/customers/segments/fields')).status).toBe(401);
    expect((await call(app(), 'POST', '/api/v1/customers/segments/preview', { rule: vipRule })).status).toBe(
      401,
    );
    // A moderator reads customers but may not manage them.
    await json(await call(app(), 'GET', '/api/v1/customers/segments', undefined, { bearer: moderator }));
    await json(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'Mine', kind: 'dynamic', rule: vipRule },
        {
          bearer: moderator,
        },
      ),
      403,
    );
  });

  it('creates a dynamic segment, counts and pages its members, previews, filters the customer list', async () => {
    const { agent, customers, moderator } = await workspace();
    const created = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'VIPs', kind: 'dynamic', rule: vipRule },
        {
          bearer: agent,
        },
      ),
      201,
    );
    expect(created).toMatchObject({
      name: 'VIPs',
      kind: 'dynamic',
      memberCount: 3,
      shared: true,
      rule: vipRule,
    });
    const first = await json<Page<Summary>>(
      await call(app(), 'GET', `/api/v1/customers/segments/${created.id}/members?limit=2`, undefined, {
        bearer: moderator,
      }),
    );
    expect(first.items.map((c) => c.displayName)).toEqual(['Vip 2', 'Vip 1']);
    const second = await json<Page<Summary>>(
      await call(
        app(),
        'GET',
        `/api/v1/customers/segments/${created.id}/members?limit=2&cursor=${first.nextCursor}`,
        undefined,
        { bearer: moderator },
      ),
    );
    expect(second.items.map((c) => c.displayName)).toEqual(['Vip 0']);
    expect(second.nextCursor).toBeNull();

    const preview = await json<{ count: number; sample: Summary[] }>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments/preview',
        { rule: { match: 'any', conditions: [{ field: 'name', op: 'equals', value: 'regular 4' }] } },
        { bearer: agent },
      ),
    );
    expect(preview.count).toBe(1);
    expect(preview.sample.map((c) => c.id)).toEqual([customers[4]?.id]);

    const list = await json<Page<Summary>>(
      await call(app(), 'GET', `/api/v1/customers?segment=${created.id}&search=vip 1`, undefined, {
        bearer: agent,
      }),
    );
    expect(list.items.map((c) => c.displayName)).toEqual(['Vip 1']);

    // A lifecycle stage set through PATCH /customers/{id} is a field like any other.
    const patched = await json<{ lifecycleStage: string }>(
      await call(
        app(),
        'PATCH',
        `/api/v1/customers/${customers[3]?.id}`,
        { lifecycleStage: 'evangelist' },
        {
          bearer: agent,
        },
      ),
    );
    expect(patched.lifecycleStage).toBe('evangelist');
    const updated = await json<Segment>(
      await call(
        app(),
        'PATCH',
        `/api/v1/customers/segments/${created.id}`,
        {
          rule: { match: 'all', conditions: [{ field: 'lifecycle_stage', op: 'in', value: ['evangelist'] }] },
        },
        { bearer: agent },
      ),
    );
    expect(updated.memberCount).toBe(1);
    const fields = await json<{ fields: { field: string; ops: string[] }[] }>(
      await call(app(), 'GET', '/api/v1/customers/segments/fields', undefined, { bearer: agent }),
    );
    expect(fields.fields.find((f) => f.field === 'sentiment.negative')?.ops).toContain('gte');
    await json(
      await call(app(), 'DELETE', `/api/v1/customers/segments/${created.id}`, undefined, { bearer: agent }),
      204,
    );
    await json(
      await call(app(), 'GET', `/api/v1/customers/segments/${created.id}`, undefined, { bearer: agent }),
      404,
    );
  });

  it('refuses an invalid rule naming the path of the bad condition', async () => {
    const { agent } = await workspace();
    const res = await call(
      app(),
      'POST',
      '/api/v1/customers/segments',
      {
        name: 'Bad',
        kind: 'dynamic',
        rule: {
          match: 'all',
          conditions: [
            { field: 'name', op: 'contains', value: 'a' },
            { field: 'mentions', op: 'gte', value: 1 },
            { field: 'followers', op: 'contains', value: 'x' },
          ],
        },
      },
      { bearer: agent },
    );
    const body = await json<{
      error: { code: string; details: { fields: { path: string; message: string }[] } };
    }>(res, 400);
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.fields).toEqual([
      { path: 'rule.conditions.2.op', message: expect.stringContaining('gt') },
    ]);
    // A dynamic segment without a rule.
    await json(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'No rule', kind: 'dynamic' },
        { bearer: agent },
      ),
      400,
    );
  });

  it("offers the channels the workspace's customers have beside the known ones, and takes a segment on one an import made", async () => {
    const { ws, agent } = await workspace();
    const other = await buildWorkspace(t.ctx);
    const post = (channel: string, id: string) => ({
      channel,
      externalId: id,
      text: `post ${id}`,
      author: { externalId: `author-${id}`, handle: `author-${id}` },
    });
    await storePosts(t.ctx, ws.id, [post('twitter', 'tw-1')]);
    await storePosts(t.ctx, other.id, [post('zendesk', 'zd-1')]);
    const { fields } = await json<{
      fields: { field: string; choices?: { value: string; label: string }[] }[];
    }>(await call(app(), 'GET', '/api/v1/customers/segments/fields', undefined, { bearer: agent }));
    const channels = fields.find((f) => f.field === 'channel')?.choices ?? [];
    expect(channels.map((c) => c.value)).toEqual(expect.arrayContaining(['bluesky', 'email', 'twitter']));
    expect(channels.find((c) => c.value === 'twitter')?.label).toBe('Twitter');
    expect(channels.map((c) => c.value)).not.toContain('zendesk');
    const onTwitter = { match: 'all', conditions: [{ field: 'channel', op: 'in', value: ['twitter'] }] };
    const preview = await json<{ count: number }>(
      await call(app(), 'POST', '/api/v1/customers/segments/preview', { rule: onTwitter }, { bearer: agent }),
    );
    expect(preview.count).toBe(1);
    await json(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'On Twitter', kind: 'dynamic', rule: onTwitter },
        { bearer: agent },
      ),
      201,
    );
    // A channel no customer of the workspace has is still not a choice.
    const zendesk = { match: 'all', conditions: [{ field: 'channel', op: 'in', value: ['zendesk'] }] };
    await json(
      await call(app(), 'POST', '/api/v1/customers/segments/preview', { rule: zendesk }, { bearer: agent }),
      400,
    );
  });

  it('keeps a private segment to its owner', async () => {
    const { agent, otherAgent } = await workspace();
    const mine = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'Private', kind: 'dynamic', rule: vipRule, shared: false },
        { bearer: agent },
      ),
      201,
    );
    await json(
      await call(app(), 'GET', `/api/v1/customers/segments/${mine.id}`, undefined, { bearer: agent }),
    );
    for (const [method, path, body] of [
      ['GET', `/api/v1/customers/segments/${mine.id}`, undefined],
      ['GET', `/api/v1/customers/segments/${mine.id}/members`, undefined],
      ['PATCH', `/api/v1/customers/segments/${mine.id}`, { name: 'Taken' }],
      ['DELETE', `/api/v1/customers/segments/${mine.id}`, undefined],
      ['GET', `/api/v1/customers?segment=${mine.id}`, undefined],
    ] as const)
      await json(await call(app(), method, path, body, { bearer: otherAgent }), 404);
    const others = await json<Page<Segment>>(
      await call(app(), 'GET', '/api/v1/customers/segments', undefined, { bearer: otherAgent }),
    );
    expect(others.items.map((s) => s.id)).not.toContain(mine.id);
    // Nor can a rule of someone else use a private list.
    const privateList = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'My list', kind: 'static', shared: false },
        {
          bearer: agent,
        },
      ),
      201,
    );
    const rule = { match: 'all', conditions: [{ field: 'list', op: 'in', value: privateList.id }] };
    await json(await call(app(), 'POST', '/api/v1/customers/segments/preview', { rule }, { bearer: agent }));
    const refused = await json<{ error: { details: { fields: { path: string }[] } } }>(
      await call(app(), 'POST', '/api/v1/customers/segments/preview', { rule }, { bearer: otherAgent }),
      400,
    );
    expect(refused.error.details.fields.map((f) => f.path)).toEqual(['rule.conditions.0.value']);
  });

  it('adds and removes members of a static segment only', async () => {
    const { agent, customers } = await workspace();
    const list = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'Beta testers', kind: 'static' },
        {
          bearer: agent,
        },
      ),
      201,
    );
    const fields = await json<{ fields: { field: string; choices?: { value: string; label: string }[] }[] }>(
      await call(app(), 'GET', '/api/v1/customers/segments/fields', undefined, { bearer: agent }),
    );
    expect(fields.fields.find((f) => f.field === 'list')?.choices).toEqual([
      { value: list.id, label: 'Beta testers' },
    ]);
    const ids = customers.slice(0, 2).map((c) => c.id);
    expect(
      await json<{ added: number }>(
        await call(
          app(),
          'POST',
          `/api/v1/customers/segments/${list.id}/members`,
          { customerIds: ids },
          {
            bearer: agent,
          },
        ),
      ),
    ).toEqual({ added: 2 });
    expect(
      await json<{ added: number }>(
        await call(
          app(),
          'POST',
          `/api/v1/customers/segments/${list.id}/members`,
          { customerIds: [...ids, customers[2]?.id] },
          { bearer: agent },
        ),
      ),
    ).toEqual({ added: 1 });
    await json(
      await call(
        app(),
        'POST',
        `/api/v1/customers/segments/${list.id}/members`,
        { customerIds: ['nope'] },
        {
          bearer: agent,
        },
      ),
      404,
    );
    await json(
      await call(app(), 'DELETE', `/api/v1/customers/segments/${list.id}/members/${ids[0]}`, undefined, {
        bearer: agent,
      }),
      204,
    );
    expect(
      (
        await json<Segment>(
          await call(app(), 'GET', `/api/v1/customers/segments/${list.id}`, undefined, { bearer: agent }),
        )
      ).memberCount,
    ).toBe(2);
    // A list is a field of dynamic rules too.
    const inList = await json<{ count: number }>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments/preview',
        { rule: { match: 'all', conditions: [{ field: 'list', op: 'not_in', value: list.id }] } },
        { bearer: agent },
      ),
    );
    expect(inList.count).toBe(3);
    const dynamic = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'Dyn', kind: 'dynamic', rule: vipRule },
        {
          bearer: agent,
        },
      ),
      201,
    );
    await json(
      await call(
        app(),
        'POST',
        `/api/v1/customers/segments/${dynamic.id}/members`,
        { customerIds: ids },
        {
          bearer: agent,
        },
      ),
      409,
    );
  });

  it('describes the segment routes in the OpenAPI document', async () => {
    const res = await call(app(), 'GET', '/api/openapi.json');
    const doc = await json<{
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    }>(res);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/customers/segments',
        '/api/v1/customers/segments/fields',
        '/api/v1/customers/segments/preview',
        '/api/v1/customers/segments/{id}/members',
      ]),
    );
    expect(doc.components.schemas).toHaveProperty('SegmentRule');
  });
});

describe('segment CSV download', () => {
  it('streams the members as CSV to an admin, records it, and refuses agents and unknown segments', async () => {
    const { ws, admin, agent } = await workspace();
    const vips = await json<Segment>(
      await call(
        app(),
        'POST',
        '/api/v1/customers/segments',
        { name: 'VIPs (top)', kind: 'dynamic', shared: true, rule: vipRule },
        { bearer: admin },
      ),
      201,
    );
    const path = `/api/v1/customers/segments/${vips.id}/export.csv`;
    expect((await call(app(), 'GET', path, undefined, { bearer: agent })).status).toBe(403);
    expect(
      (await call(app(), 'GET', '/api/v1/customers/segments/nope/export.csv', undefined, { bearer: admin }))
        .status,
    ).toBe(404);
    const res = await call(app(), 'GET', path, undefined, { bearer: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain('filename="VIPs-top.csv"');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe(
      'id,name,email,lifecycle_stage,channels,handles,followers,influence,mentions,positive,negative,created_at',
    );
    expect(
      lines
        .slice(1)
        .map((l) => l.split(',')[1])
        .sort(),
    ).toEqual(['Vip 0', 'Vip 1', 'Vip 2']);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'target_id'])
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'segment.export')
      .execute();
    expect(audit).toEqual([{ action: 'segment.export', target_id: vips.id }]);
  });
});
