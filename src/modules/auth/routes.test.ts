import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

type UserBody = { user: { id: string; skills: string[] } };

describe('PATCH /users/{id} with skills', () => {
  it('sets lower-cased skills, each once, and lists them on the user and among the assignees', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const agent = await buildUser(t.ctx, ws);
    const res = await call(
      app(),
      'PATCH',
      `/api/v1/users/${agent.user.id}`,
      { skills: [' Billing ', 'español', 'billing', 'tier_2'] },
      { bearer: admin },
    );
    expect(res.status).toBe(200);
    expect(((await res.json()) as UserBody).user.skills).toEqual(['billing', 'español', 'tier_2']);
    const users = (await (
      await call(app(), 'GET', '/api/v1/users?limit=200', undefined, { bearer: admin })
    ).json()) as {
      items: UserBody['user'][];
    };
    expect(users.items.find((u) => u.id === agent.user.id)?.skills).toEqual(['billing', 'español', 'tier_2']);
    // Agents see their colleagues' skills in the assignee picker, without the user administration permission.
    const agentToken = await buildToken(t.ctx, agent);
    const people = (await (
      await call(app(), 'GET', '/api/v1/inbox/assignees', undefined, { bearer: agentToken })
    ).json()) as { items: { id: string; skills: string[] }[] };
    expect(people.items.find((p) => p.id === agent.user.id)?.skills).toEqual([
      'billing',
      'español',
      'tier_2',
    ]);
  });

  it('refuses a skill that breaks the token rule, or too many, naming the field, and changes nothing', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const agent = await buildUser(t.ctx, ws);
    const path = `/api/v1/users/${agent.user.id}`;
    const bad = await call(app(), 'PATCH', path, { skills: ['billing', 'two words'] }, { bearer: admin });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: {
        code: 'validation_failed',
        details: {
          fields: [{ path: 'skills.1', message: expect.stringMatching(/^a skill is 1–40 letters/) }],
        },
      },
    });
    for (const skills of [
      ['-dash-first'],
      ['x'.repeat(41)],
      Array.from({ length: 31 }, (_, i) => `s${i}`),
      'billing',
    ])
      expect(
        (await call(app(), 'PATCH', path, { skills }, { bearer: admin })).status,
        JSON.stringify(skills),
      ).toBe(400);
    const row = await t.ctx.db
      .selectFrom('users')
      .select('skills')
      .where('id', '=', agent.user.id)
      .executeTakeFirst();
    expect(row?.skills).toBe('');
  });

  it('records the change in the audit log', async () => {
    const ws = await buildWorkspace(t.ctx);
    const adminUser = await buildUser(t.ctx, ws, { role: 'admin' });
    const admin = await buildToken(t.ctx, adminUser);
    const agent = await buildUser(t.ctx, ws);
    await call(app(), 'PATCH', `/api/v1/users/${agent.user.id}`, { skills: ['refunds'] }, { bearer: admin });
    const audit = (await (
      await call(app(), 'GET', '/api/v1/audit-log/export', undefined, { bearer: admin })
    ).json()) as {
      items: { action: string; actorUserId: string; targetId: string; details: Record<string, unknown> }[];
    };
    expect(
      audit.items.filter((e) => e.action === 'user.updated' && e.targetId === agent.user.id),
    ).toMatchObject([
      { actorUserId: adminUser.user.id, details: { before: { skills: [] }, after: { skills: ['refunds'] } } },
    ]);
  });

  it("cannot set the skills of another workspace's user, nor as a manager or agent", async () => {
    const a = await buildWorkspace(t.ctx);
    const b = await buildWorkspace(t.ctx);
    const ownerA = await buildToken(t.ctx, await buildUser(t.ctx, a, { role: 'owner' }));
    const agentB = await buildUser(t.ctx, b);
    const other = await call(
      app(),
      'PATCH',
      `/api/v1/users/${agentB.user.id}`,
      { skills: ['x'] },
      { bearer: ownerA },
    );
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: 'user_not_found' } });
    for (const role of ['manager', 'agent'] as const) {
      const bearer = await buildToken(t.ctx, await buildUser(t.ctx, b, { role }));
      const res = await call(
        app(),
        'PATCH',
        `/api/v1/users/${agentB.user.id}`,
        { skills: ['x'] },
        { bearer },
      );
      expect(res.status).toBe(403);
    }
    const row = await t.ctx.db
      .selectFrom('users')
      .select('skills')
      .where('id', '=', agentB.user.id)
      .executeTakeFirst();
    expect(row?.skills).toBe('');
  });

  it('takes skills when a user is created, and refuses a bad one then too', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const body = { email: `new-${ws.id}@example.test`, name: 'Nora', role: 'agent' };
    const created = await call(
      app(),
      'POST',
      '/api/v1/users',
      { ...body, skills: ['Billing', 'spanish'] },
      { bearer: admin },
    );
    expect(created.status).toBe(201);
    expect(((await created.json()) as UserBody).user.skills).toEqual(['billing', 'spanish']);
    const refused = await call(
      app(),
      'POST',
      '/api/v1/users',
      { ...body, email: `other-${ws.id}@example.test`, skills: ['no spaces'] },
      { bearer: admin },
    );
    expect(refused.status).toBe(400);
  });

  it('documents skills on the user and the update in the OpenAPI document', async () => {
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.components.schemas.User?.properties).toHaveProperty('skills');
    expect(doc.components.schemas.UpdateUserInput?.properties).toHaveProperty('skills');
  });
});
