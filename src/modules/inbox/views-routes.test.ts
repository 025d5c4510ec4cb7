import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { createCase } from './cases.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const manager = await buildUser(t.ctx, ws, { role: 'manager' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  await createCase(t.ctx, manager.actor, { subject: 'Card declined', priority: 'urgent' });
  await createCase(t.ctx, manager.actor, {
    subject: 'Refund late',
    priority: 'urgent',
    assigneeUserId: agent.user.id,
  });
  await createCase(t.ctx, manager.actor, { subject: 'Nice app', priority: 'low' });
  return {
    ws,
    agentId: agent.user.id,
    manager: await buildToken(t.ctx, manager),
    agent: await buildToken(t.ctx, agent),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

type View = {
  id: string;
  name: string;
  filters: Record<string, unknown>;
  shared: boolean;
  ownerUserId: string;
  position: number;
  editable: boolean;
  count: number;
  countCapped: boolean;
  createdAt: string;
  updatedAt: string;
};
type ErrorBody = { error: { code: string; details?: { fields?: { path: string }[] } } };

describe('inbox views API', () => {
  it('saves, lists with counts, renames, shares, orders and deletes views', async () => {
    const { agent, manager, agentId } = await workspace();
    const created = await json<View>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'Urgent', filters: { priority: 'urgent', status: 'active' } },
        { bearer: agent },
      ),
      201,
    );
    expect(created).toEqual({
      id: expect.any(String),
      name: 'Urgent',
      filters: { view: 'all', priority: 'urgent', status: 'active' },
      shared: false,
      ownerUserId: agentId,
      position: 1,
      editable: true,
      count: 2,
      countCapped: false,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    // The count is what GET /cases lists for the same filters.
    const listed = await json<{ items: unknown[] }>(
      await call(app(), 'GET', '/api/v1/cases?priority=urgent&status=active', undefined, { bearer: agent }),
    );
    expect(listed.items).toHaveLength(created.count);

    const mine = await json<View>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'Mine', filters: { view: 'mine' } },
        { bearer: agent },
      ),
      201,
    );
    expect(mine.count).toBe(1);
    const shared = await json<View>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'Low', filters: { priority: 'low' }, shared: true },
        { bearer: manager },
      ),
      201,
    );
    const seen = await json<{ items: View[] }>(
      await call(app(), 'GET', '/api/v1/inbox/views', undefined, { bearer: agent }),
    );
    expect(seen.items.map((v) => [v.name, v.shared, v.editable, v.count])).toEqual([
      ['Low', true, false, 1],
      ['Urgent', false, true, 2],
      ['Mine', false, true, 1],
    ]);

    const renamed = await json<View>(
      await call(
        app(),
        'PATCH',
        `/api/v1/inbox/views/${created.id}`,
        { name: 'Urgent, active' },
        { bearer: agent },
      ),
    );
    expect(renamed).toMatchObject({ id: created.id, name: 'Urgent, active', count: 2 });
    const ordered = await json<{ items: View[] }>(
      await call(
        app(),
        'PUT',
        '/api/v1/inbox/views/order',
        { scope: 'personal', ids: [mine.id, created.id] },
        { bearer: agent },
      ),
    );
    expect(ordered.items.map((v) => v.name)).toEqual(['Low', 'Mine', 'Urgent, active']);
    expect(
      (await call(app(), 'DELETE', `/api/v1/inbox/views/${created.id}`, undefined, { bearer: agent })).status,
    ).toBe(204);
    expect(
      (await call(app(), 'DELETE', `/api/v1/inbox/views/${shared.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(204);
    const after = await json<{ items: View[] }>(
      await call(app(), 'GET', '/api/v1/inbox/views', undefined, { bearer: agent }),
    );
    expect(after.items.map((v) => v.name)).toEqual(['Mine']);
  });

  it('answers 401 without credentials, 403 to roles that may not, 404 across workspaces and 400/409 on bad input', async () => {
    const { agent, manager, moderator } = await workspace();
    for (const [method, path] of [
      ['GET', '/api/v1/inbox/views'],
      ['POST', '/api/v1/inbox/views'],
      ['PUT', '/api/v1/inbox/views/order'],
      ['PATCH', '/api/v1/inbox/views/x'],
      ['DELETE', '/api/v1/inbox/views/x'],
    ] as const) {
      const res = await call(app(), method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(res.status, `${method} ${path}`).toBe(401);
    }
    expect((await call(app(), 'GET', '/api/v1/inbox/views', undefined, { bearer: moderator })).status).toBe(
      403,
    );
    const sharedByAgent = await json<ErrorBody>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'All', filters: {}, shared: true },
        { bearer: agent },
      ),
      403,
    );
    expect(sharedByAgent.error.code).toBe('forbidden');
    const shared = await json<View>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'All', filters: {}, shared: true },
        { bearer: manager },
      ),
      201,
    );
    expect(
      (await call(app(), 'PATCH', `/api/v1/inbox/views/${shared.id}`, { name: 'Mine' }, { bearer: agent }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(
          app(),
          'PUT',
          '/api/v1/inbox/views/order',
          { scope: 'shared', ids: [shared.id] },
          { bearer: agent },
        )
      ).status,
    ).toBe(403);
    const stranger = await workspace();
    expect(
      (
        await call(
          app(),
          'PATCH',
          `/api/v1/inbox/views/${shared.id}`,
          { name: 'Ours' },
          { bearer: stranger.manager },
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await call(app(), 'DELETE', `/api/v1/inbox/views/${shared.id}`, undefined, {
          bearer: stranger.manager,
        })
      ).status,
    ).toBe(404);

    const bad = await json<ErrorBody>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: '', filters: { status: 'lost', priority: 'asap', cursor: 'x' } },
        { bearer: agent },
      ),
      400,
    );
    expect(bad.error.code).toBe('validation_failed');
    expect(bad.error.details?.fields?.map((f) => f.path).sort()).toEqual([
      'filters',
      'filters.priority',
      'name',
    ]);
    const badStatus = await json<ErrorBody>(
      await call(
        app(),
        'POST',
        '/api/v1/inbox/views',
        { name: 'Lost', filters: { status: 'lost' } },
        { bearer: agent },
      ),
      400,
    );
    expect(badStatus.error.details?.fields?.map((f) => f.path)).toEqual(['filters.status']);
    await json<View>(
      await call(app(), 'POST', '/api/v1/inbox/views', { name: 'Dup', filters: {} }, { bearer: agent }),
      201,
    );
    const dup = await json<ErrorBody>(
      await call(app(), 'POST', '/api/v1/inbox/views', { name: 'Dup', filters: {} }, { bearer: agent }),
      409,
    );
    expect(dup.error.code).toBe('conflict');
  });

  it('describes the view routes in the OpenAPI document', async () => {
    const doc = await json<{
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    }>(await call(app(), 'GET', '/api/openapi.json'));
    expect(Object.keys(doc.paths['/api/v1/inbox/views'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/inbox/views/{id}'] ?? {}).sort()).toEqual(['delete', 'patch']);
    expect(Object.keys(doc.paths['/api/v1/inbox/views/order'] ?? {})).toEqual(['put']);
    expect(doc.components.schemas).toHaveProperty('InboxView');
    expect(doc.components.schemas).toHaveProperty('InboxViewFilters');
  });
});
