import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { type Caller, call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { hashPassword } from '../auth/passwords.ts';
import { insertMember } from './members-fixtures.ts';
import { unsubscribeToken } from './newsletters.ts';
import { createSpace } from './spaces.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
const password = 'a long enough password';
let n = 0;

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function memberCaller(slug: string, memberId: string): Promise<Caller> {
  await t.ctx.db
    .updateTable('community_members')
    .set({ password_hash: await hashPassword(password) })
    .where('id', '=', memberId)
    .execute();
  const m = await t.ctx.db
    .selectFrom('community_members')
    .select('email')
    .where('id', '=', memberId)
    .executeTakeFirstOrThrow();
  const login = await call(app(), 'POST', '/api/v1/community/auth/login', {
    workspace: slug,
    email: m.email,
    password,
  });
  const body = await json<{ csrfToken: string }>(login);
  return { cookie: (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '', csrf: body.csrfToken };
}

async function setup() {
  t.clock.set('2026-11-23T09:00:00.000Z');
  const ws = await buildWorkspace(t.ctx);
  const ownerUser = await buildUser(t.ctx, ws, { role: 'owner' });
  const moderatorUser = await buildUser(t.ctx, ws, { role: 'moderator' });
  const owner = { bearer: await buildToken(t.ctx, ownerUser) };
  const moderator = { bearer: await buildToken(t.ctx, moderatorUser) };
  const ideas = await createSpace(t.ctx, ownerUser.actor, {
    slug: `ideas-${++n}`,
    title: 'Ideas',
    kind: 'ideas',
  });
  const alice = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
  const bob = await insertMember(t.ctx, ws.id, { trustLevel: 1 });
  return { ws, owner, moderator, ideas, alice, bob };
}

describe('newsletter routes', () => {
  it('lets staff set the cadence, members subscribe, and anyone holding the signed link unsubscribe without signing in', async () => {
    const s = await setup();
    const alice = await memberCaller(s.ws.slug, s.alice.memberId);
    const path = `/api/v1/communities/spaces/${s.ideas.id}/newsletter`;
    expect((await call(app(), 'PUT', path, { cadence: 'weekly' }, s.moderator)).status).toBe(403);
    expect((await call(app(), 'PUT', path, { cadence: 'hourly' }, s.owner)).status).toBe(400);
    await json(await call(app(), 'PUT', path, { cadence: 'weekly' }, s.owner));
    // A member session is no staff authentication.
    expect((await call(app(), 'GET', path, undefined, alice)).status).toBe(401);
    const sub = await json<{ subscribed: boolean; cadence: string }>(
      await call(app(), 'PUT', `/api/v1/community/spaces/${s.ideas.id}/newsletter`, undefined, alice),
    );
    expect(sub).toMatchObject({ subscribed: true, cadence: 'weekly' });
    expect(
      (
        await call(app(), 'PUT', `/api/v1/community/spaces/${s.ideas.id}/newsletter`, undefined, {
          cookie: alice.cookie,
        })
      ).status,
    ).toBe(403);
    const settings = await json<{ subscribers: number }>(await call(app(), 'GET', path, undefined, s.owner));
    expect(settings.subscribers).toBe(1);
    const mine = await json<{ spaceId: string; subscribed: boolean }[]>(
      await call(app(), 'GET', '/api/v1/community/newsletters', undefined, alice),
    );
    expect(mine).toEqual([expect.objectContaining({ spaceId: s.ideas.id, subscribed: true })]);

    const row = await t.ctx.db
      .selectFrom('community_newsletter_subscriptions')
      .select('id')
      .where('member_id', '=', s.alice.memberId)
      .executeTakeFirstOrThrow();
    const token = unsubscribeToken(t.ctx, row.id);
    const page = await app().request(
      `/community/${s.ws.slug}/-/unsubscribe?token=${encodeURIComponent(token)}`,
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<button type="submit">Unsubscribe</button>');
    // Opening the page does not unsubscribe (link scanners open links).
    expect(
      (await json<{ subscribers: number }>(await call(app(), 'GET', path, undefined, s.owner))).subscribers,
    ).toBe(1);
    const bad = await app().request(
      `/community/${s.ws.slug}/-/unsubscribe?token=${encodeURIComponent(`${row.id}.forged`)}`,
      {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(bad.status).toBe(404);
    // RFC 8058 one-click: a POST to the address of the List-Unsubscribe header.
    const done = await app().request(
      `/community/${s.ws.slug}/-/unsubscribe?token=${encodeURIComponent(token)}`,
      {
        method: 'POST',
        body: 'List-Unsubscribe=One-Click',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed');
    expect(
      (await json<{ subscribers: number }>(await call(app(), 'GET', path, undefined, s.owner))).subscribers,
    ).toBe(0);
    // The JSON form needs no session either.
    await json(await call(app(), 'POST', '/api/v1/community/newsletters/unsubscribe', { token }));
    expect(
      (await call(app(), 'POST', '/api/v1/community/newsletters/unsubscribe', { token: 'x.y' })).status,
    ).toBe(404);
  });
});

describe('challenge routes', () => {
  it('runs a challenge over HTTP: staff open it, visitors read it, members enter and vote, staff pick the winner', async () => {
    const s = await setup();
    const alice = await memberCaller(s.ws.slug, s.alice.memberId);
    const bob = await memberCaller(s.ws.slug, s.bob.memberId);
    const body = {
      spaceId: s.ideas.id,
      question: 'What would make check-in easier?',
      reward: 'A free upgrade',
      opensAt: '2026-11-23T00:00:00Z',
      closesAt: '2026-11-25T00:00:00Z',
    };
    expect((await call(app(), 'POST', '/api/v1/communities/challenges', body, alice)).status).toBe(401);
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/communities/challenges',
          { ...body, closesAt: '2026-11-22T00:00:00Z' },
          s.moderator,
        )
      ).status,
    ).toBe(400);
    const challenge = await json<{ id: string; state: string }>(
      await call(app(), 'POST', '/api/v1/communities/challenges', body, s.moderator),
      201,
    );
    expect(challenge.state).toBe('open');
    const visitor = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', `/api/v1/community/challenges?community=${s.ws.slug}&state=open`),
    );
    expect(visitor.items.map((c) => c.id)).toEqual([challenge.id]);
    expect((await call(app(), 'GET', '/api/v1/community/challenges')).status).toBe(401);
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/community/challenges/${challenge.id}/entries?community=${s.ws.slug}`,
          { title: 'Kiosks', body: 'More kiosks.' },
        )
      ).status,
    ).toBe(401);
    const entry = await json<{ threadId: string }>(
      await call(
        app(),
        'POST',
        `/api/v1/community/challenges/${challenge.id}/entries`,
        { title: 'Self-service kiosks', body: 'More kiosks, fewer queues.' },
        alice,
      ),
      201,
    );
    const voted = await json<{ votes: number; voted: boolean }>(
      await call(
        app(),
        'PUT',
        `/api/v1/community/challenges/${challenge.id}/entries/${entry.threadId}/vote`,
        undefined,
        bob,
      ),
    );
    expect(voted).toMatchObject({ votes: 1, voted: true });
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/communities/challenges/${challenge.id}/winner`,
          { threadId: entry.threadId },
          s.moderator,
        )
      ).status,
    ).toBe(409);
    t.clock.set('2026-11-25T00:00:01.000Z');
    expect(
      (
        await call(
          app(),
          'PUT',
          `/api/v1/community/challenges/${challenge.id}/entries/${entry.threadId}/vote`,
          undefined,
          alice,
        )
      ).status,
    ).toBe(409);
    const decided = await json<{ state: string; winnerThreadId: string }>(
      await call(
        app(),
        'POST',
        `/api/v1/communities/challenges/${challenge.id}/winner`,
        { threadId: entry.threadId },
        s.moderator,
      ),
    );
    expect(decided).toMatchObject({ state: 'decided', winnerThreadId: entry.threadId });
    const notes = await json<{ items: { kind: string }[] }>(
      await call(app(), 'GET', '/api/v1/community/challenge-notifications', undefined, alice),
    );
    expect(notes.items.map((i) => i.kind)).toEqual(['challenge_won']);
    const entries = await json<{ items: { winner: boolean; votes: number }[] }>(
      await call(app(), 'GET', `/api/v1/community/challenges/${challenge.id}/entries?community=${s.ws.slug}`),
    );
    expect(entries.items).toEqual([expect.objectContaining({ winner: true, votes: 1 })]);
  });
});

describe('list routes', () => {
  it('lets a trusted member make a list, others follow it and read its activity, and lists the routes in OpenAPI', async () => {
    const s = await setup();
    const alice = await memberCaller(s.ws.slug, s.alice.memberId);
    const bob = await memberCaller(s.ws.slug, s.bob.memberId);
    expect((await call(app(), 'POST', '/api/v1/community/lists', { name: 'Mine' }, bob)).status).toBe(403);
    const list = await json<{ id: string }>(
      await call(app(), 'POST', '/api/v1/community/lists', { name: 'Great posters' }, alice),
      201,
    );
    await json(
      await call(
        app(),
        'POST',
        `/api/v1/community/lists/${list.id}/entries`,
        { memberId: s.bob.memberId },
        alice,
      ),
    );
    const followed = await json<{ following: boolean; followerCount: number }>(
      await call(app(), 'PUT', `/api/v1/community/lists/${list.id}/follow`, undefined, bob),
    );
    expect(followed).toMatchObject({ following: true, followerCount: 1 });
    await json(
      await call(
        app(),
        'POST',
        '/api/v1/community/threads',
        { spaceId: s.ideas.id, title: 'Quieter cabins', body: 'Please.' },
        bob,
      ),
      201,
    );
    const activity = await json<{ items: { type: string; threadTitle: string }[] }>(
      await call(app(), 'GET', `/api/v1/community/lists/${list.id}/activity?community=${s.ws.slug}`),
    );
    expect(activity.items).toEqual([
      expect.objectContaining({ type: 'post', threadTitle: 'Quieter cabins' }),
    ]);
    const staff = await json<{ items: unknown[] }>(
      await call(app(), 'GET', `/api/v1/communities/lists/${list.id}/activity`, undefined, s.moderator),
    );
    expect(staff.items).toHaveLength(1);
    expect((await call(app(), 'DELETE', `/api/v1/community/lists/${list.id}`, undefined, bob)).status).toBe(
      403,
    );
    expect((await call(app(), 'DELETE', `/api/v1/community/lists/${list.id}`, undefined, alice)).status).toBe(
      204,
    );

    const doc = await json<{ paths: Record<string, Record<string, { security?: unknown }>> }>(
      await app().request('/api/openapi.json'),
    );
    expect(doc.paths['/api/v1/community/lists']?.post?.security).toEqual([{ memberSession: [] }]);
    expect(doc.paths['/api/v1/community/newsletters/unsubscribe']?.post?.security).toEqual([]);
    for (const p of [
      '/api/v1/communities/spaces/{id}/newsletter',
      '/api/v1/communities/challenges/{id}/winner',
      '/api/v1/community/challenges/{id}/entries/{threadId}/vote',
      '/api/v1/community/lists/{id}/activity',
      '/api/v1/community/newsletters/unsubscribe',
    ])
      expect(Object.keys(doc.paths)).toContain(p);
  });

  it('lists for staff every member list, private ones included, and the public customer lists', async () => {
    const s = await setup();
    const alice = await memberCaller(s.ws.slug, s.alice.memberId);
    const hers = await json<{ id: string }>(
      await call(
        app(),
        'POST',
        '/api/v1/community/lists',
        { name: 'Private picks', visibility: 'private' },
        alice,
      ),
      201,
    );
    const staffList = await json<{ id: string }>(
      await call(app(), 'POST', '/api/v1/communities/lists', { name: 'Regulars' }, s.moderator),
      201,
    );
    const customers = await json<{ id: string }>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/lists',
        { name: 'Key accounts', kind: 'customers', visibility: 'private' },
        s.owner,
      ),
      201,
    );
    const ownerView = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', '/api/v1/communities/lists', undefined, s.owner),
    );
    expect(ownerView.items.map((l) => l.id).sort()).toEqual([hers.id, staffList.id, customers.id].sort());
    // A private customer list is its owner's alone.
    const moderatorView = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', '/api/v1/communities/lists', undefined, s.moderator),
    );
    expect(moderatorView.items.map((l) => l.id).sort()).toEqual([hers.id, staffList.id].sort());
    // Members see public member lists and their own.
    const memberView = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', '/api/v1/community/lists', undefined, alice),
    );
    expect(memberView.items.map((l) => l.id).sort()).toEqual([hers.id, staffList.id].sort());
  });
});
