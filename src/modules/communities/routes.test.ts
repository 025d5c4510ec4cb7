import { OpenAPIHono } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { handleError } from '../../http/errors.ts';
import { newId } from '../../ids.ts';
import type { MemberActor } from './actors.ts';
import { type CommunityEnv, communityMemberRoutes } from './routes.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
let n = 0;

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const tokens = {
    owner: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'owner' })),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
    agent: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' })),
  };
  return { ws, ...tokens };
}

async function member(workspaceId: string, trustLevel = 1): Promise<MemberActor> {
  const id = newId(t.clock.now());
  await t.ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username: `http${++n}`,
      display_name: `Http ${n}`,
      trust_level: trustLevel,
      created_at: t.clock.now().toISOString(),
    })
    .execute();
  return { kind: 'member', memberId: id, workspaceId, trustLevel };
}

/**
 * The member routes behind a stand-in for the member-session middleware: the member comes from
 * a test header, the visitor's workspace from another.
 */
function memberApp(members: Map<string, MemberActor>) {
  const a = new OpenAPIHono<CommunityEnv>();
  a.onError(handleError as never);
  a.use('*', async (c, next) => {
    const m = members.get(c.req.header('x-test-member') ?? '');
    if (m) c.set('member', m);
    const ws = c.req.header('x-test-workspace');
    if (ws) c.set('communityWorkspaceId', ws);
    await next();
  });
  a.route('/api/v1', communityMemberRoutes(t.ctx));
  return a;
}

type Space = { id: string; slug: string; readOnly: string | null; threadCount: number; postCount: number };
type Written = {
  thread: { id: string; postCount: number };
  post: { id: number; number: number; bodyHtml: string };
};

describe('communities staff API', () => {
  it('creates spaces for owners, refuses agents and anonymous callers, validates input', async () => {
    const { owner, agent } = await setup();
    const created = await json<Space>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'help', title: 'Help', kind: 'qa' },
        { bearer: owner },
      ),
      201,
    );
    expect(created).toMatchObject({ slug: 'help', readOnly: null });
    const refused = await call(
      app(),
      'POST',
      '/api/v1/communities/spaces',
      { slug: 'x', title: 'X', kind: 'forum' },
      { bearer: agent },
    );
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    expect((await call(app(), 'GET', '/api/v1/communities/spaces')).status).toBe(401);
    const bad = await json<{ error: { code: string; details: { fields: { path: string }[] } } }>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'Bad Slug', title: '', kind: 'blog' },
        { bearer: owner },
      ),
      400,
    );
    expect(bad.error.code).toBe('validation_failed');
    expect(bad.error.details.fields.map((f) => f.path).sort()).toEqual(['kind', 'slug', 'title']);
    const list = await json<{ items: Space[] }>(
      await call(app(), 'GET', '/api/v1/communities/spaces', undefined, { bearer: agent }),
    );
    expect(list.items.map((s) => s.slug)).toEqual(['help']);
    expect(
      await json<Space>(
        await call(app(), 'GET', '/api/v1/communities/spaces/help', undefined, { bearer: agent }),
      ),
    ).toMatchObject({
      id: created.id,
    });
  });

  it('posts, replies, edits, reads a thread page, searches and deletes as staff', async () => {
    const { owner, agent, moderator } = await setup();
    const forum = await json<Space>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'forum', title: 'Forum', kind: 'forum' },
        { bearer: owner },
      ),
      201,
    );
    const opened = await json<Written>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/threads',
        { spaceId: forum.id, title: 'Welcome', body: 'Hello <script>alert(1)</script> **all**' },
        { bearer: agent },
      ),
      201,
    );
    expect(opened.post.bodyHtml).toBe(
      '<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; <strong>all</strong></p>',
    );
    const reply = await json<Written>(
      await call(
        app(),
        'POST',
        `/api/v1/communities/threads/${opened.thread.id}/posts`,
        { body: 'Thanks, wombat' },
        { bearer: owner },
      ),
      201,
    );
    expect(reply.post.number).toBe(2);
    await json<Written>(
      await call(
        app(),
        'PATCH',
        `/api/v1/communities/posts/${reply.post.id}`,
        { body: 'Thanks, koala' },
        { bearer: owner },
      ),
    );
    const revisions = await json<{ bodyMarkdown: string }[]>(
      await call(app(), 'GET', `/api/v1/communities/posts/${reply.post.id}/revisions`, undefined, {
        bearer: agent,
      }),
    );
    expect(revisions.map((r) => r.bodyMarkdown)).toEqual(['Thanks, wombat', 'Thanks, koala']);
    const page = await json<{
      thread: { postCount: number };
      posts: { items: { number: number }[]; nextCursor: string | null };
    }>(
      await call(app(), 'GET', `/api/v1/communities/threads/${opened.thread.id}?limit=1`, undefined, {
        bearer: agent,
      }),
    );
    expect(page.posts.items.map((p) => p.number)).toEqual([1]);
    expect(page.posts.nextCursor).not.toBeNull();
    const hits = await json<{ postId: number }[]>(
      await call(app(), 'GET', '/api/v1/communities/search?q=koala', undefined, { bearer: agent }),
    );
    expect(hits.map((h) => h.postId)).toEqual([reply.post.id]);
    expect(
      (
        await call(app(), 'DELETE', `/api/v1/communities/posts/${reply.post.id}`, undefined, {
          bearer: moderator,
        })
      ).status,
    ).toBe(204);
    expect(
      await json<unknown[]>(
        await call(app(), 'GET', '/api/v1/communities/search?q=koala', undefined, { bearer: agent }),
      ),
    ).toEqual([]);
    const threads = await json<{ items: { id: string; postCount: number }[] }>(
      await call(app(), 'GET', `/api/v1/communities/spaces/${forum.id}/threads`, undefined, {
        bearer: agent,
      }),
    );
    expect(threads.items).toEqual([expect.objectContaining({ id: opened.thread.id, postCount: 1 })]);
  });

  it('answers 409 space_read_only when a task space has ended', async () => {
    const { owner } = await setup();
    const ends = new Date(t.clock.now().getTime() + 1000).toISOString();
    const space = await json<Space>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'sprint', title: 'Sprint', kind: 'forum', purpose: 'task', endsAt: ends },
        { bearer: owner },
      ),
      201,
    );
    t.clock.advance(1000);
    const res = await call(
      app(),
      'POST',
      '/api/v1/communities/threads',
      { spaceId: space.id, title: 'x', body: 'y' },
      { bearer: owner },
    );
    const body = await json<{ error: { code: string; details: { reason: string } } }>(res, 409);
    expect(body.error).toMatchObject({ code: 'space_read_only', details: { reason: 'archived' } });
  });

  it('runs ideas through statuses and merges, and promotes accepted answers, for moderators only', async () => {
    const { owner, moderator, agent } = await setup();
    const mk = async (slug: string, kind: string) =>
      json<Space>(
        await call(
          app(),
          'POST',
          '/api/v1/communities/spaces',
          { slug, title: slug, kind },
          { bearer: owner },
        ),
        201,
      );
    const ideasSpace = await mk('ideas', 'ideas');
    const qa = await mk('qa', 'qa');
    const kb = await mk('kb', 'kb');
    const idea = await json<Written>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/threads',
        { spaceId: ideasSpace.id, title: 'Dark mode', body: 'x' },
        { bearer: agent },
      ),
      201,
    );
    const dup = await json<Written>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/threads',
        { spaceId: ideasSpace.id, title: 'Night', body: 'y' },
        { bearer: agent },
      ),
      201,
    );
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/communities/threads/${idea.thread.id}/status`,
          { status: 'planned' },
          { bearer: agent },
        )
      ).status,
    ).toBe(403);
    expect(
      await json<{ ideaStatus: string }>(
        await call(
          app(),
          'POST',
          `/api/v1/communities/threads/${idea.thread.id}/status`,
          { status: 'planned', note: 'Soon' },
          { bearer: moderator },
        ),
      ),
    ).toMatchObject({ ideaStatus: 'planned' });
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/communities/threads/${idea.thread.id}/status`,
          { status: 'duplicate' },
          { bearer: moderator },
        )
      ).status,
    ).toBe(400);
    await json(
      await call(
        app(),
        'POST',
        `/api/v1/communities/threads/${dup.thread.id}/merge`,
        { intoThreadId: idea.thread.id },
        { bearer: moderator },
      ),
    );
    const changes = await json<{ toStatus: string }[]>(
      await call(app(), 'GET', `/api/v1/communities/threads/${dup.thread.id}/status-changes`, undefined, {
        bearer: agent,
      }),
    );
    expect(changes.map((c) => c.toStatus)).toEqual(['duplicate']);

    const question = await json<Written>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/threads',
        { spaceId: qa.id, title: 'How?', body: 'q' },
        { bearer: agent },
      ),
      201,
    );
    const answer = await json<Written>(
      await call(
        app(),
        'POST',
        `/api/v1/communities/threads/${question.thread.id}/posts`,
        { body: 'Like so' },
        { bearer: owner },
      ),
      201,
    );
    await json(
      await call(
        app(),
        'POST',
        `/api/v1/communities/threads/${question.thread.id}/accepted-answer`,
        { postId: answer.post.id },
        { bearer: moderator },
      ),
    );
    const article = await json<Written>(
      await call(
        app(),
        'POST',
        `/api/v1/communities/posts/${answer.post.id}/promote`,
        { kbSpaceId: kb.id },
        { bearer: moderator },
      ),
      201,
    );
    expect(article.post.bodyHtml).toBe('<p>Like so</p>');
  });

  it('answers 401 on every staff community route without staff credentials, even with a member header', async () => {
    const doc = await json<{ paths: Record<string, Record<string, unknown>> }>(
      await call(app(), 'GET', '/api/openapi.json'),
    );
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/communities/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, '1')]),
      );
    expect(routes.length).toBeGreaterThanOrEqual(20);
    for (const [method, path] of routes) {
      const res = await app().request(path ?? '', {
        method,
        headers: { 'content-type': 'application/json', 'x-test-member': 'ana' },
        ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
      });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  it('documents the staff routes in the OpenAPI document', async () => {
    const doc = await json<{ paths: Record<string, unknown> }>(await call(app(), 'GET', '/api/openapi.json'));
    for (const path of [
      '/api/v1/communities/spaces',
      '/api/v1/communities/threads/{id}',
      '/api/v1/communities/search',
      '/api/v1/communities/posts/{id}/promote',
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });
});

describe('communities member routes', () => {
  it('lets visitors read public spaces, refuses writes without a member (401), and serves members', async () => {
    const { ws, owner } = await setup();
    const forum = await json<Space>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'pub', title: 'Pub', kind: 'ideas' },
        { bearer: owner },
      ),
      201,
    );
    const ana = await member(ws.id);
    const a = memberApp(new Map([['ana', ana]]));
    const as = (who: string | null, ws2?: string) => ({
      ...(who ? { 'x-test-member': who } : {}),
      ...(ws2 ? { 'x-test-workspace': ws2 } : {}),
      'content-type': 'application/json',
    });
    const req = (method: string, path: string, headers: Record<string, string>, body?: unknown) =>
      a.request(`/api/v1${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

    expect((await req('GET', '/community/spaces', as(null))).status).toBe(401);
    const visible = await json<{ items: Space[] }>(await req('GET', '/community/spaces', as(null, ws.id)));
    expect(visible.items.map((s) => s.id)).toEqual([forum.id]);
    const anonymousWrite = await req('POST', '/community/threads', as(null, ws.id), {
      spaceId: forum.id,
      title: 'x',
      body: 'y',
    });
    expect(anonymousWrite.status).toBe(401);

    const idea = await json<Written>(
      await req('POST', '/community/threads', as('ana'), {
        spaceId: forum.id,
        title: 'Offline mode',
        body: 'please',
      }),
      201,
    );
    expect(await json(await req('PUT', `/community/threads/${idea.thread.id}/vote`, as('ana')))).toEqual({
      voted: true,
      voteCount: 1,
    });
    expect(await json(await req('PUT', `/community/threads/${idea.thread.id}/vote`, as('ana')))).toEqual({
      voted: true,
      voteCount: 1,
    });
    expect((await req('PUT', `/community/threads/${idea.thread.id}/vote`, as(null, ws.id))).status).toBe(401);
    const read = await json<{ lastReadNumber: number }>(
      await req('POST', `/community/threads/${idea.thread.id}/read`, as('ana'), { uptoNumber: 1 }),
    );
    expect(read.lastReadNumber).toBe(1);
    expect(await json(await req('GET', `/community/unread?spaceIds=${forum.id}`, as('ana')))).toEqual([
      { spaceId: forum.id, unreadThreads: 0, newPosts: 0 },
    ]);
    expect((await req('POST', '/community/read-all', as(null, ws.id), {})).status).toBe(401);
    const page = await json<{ posts: { items: unknown[] } }>(
      await req('GET', `/community/threads/${idea.thread.id}`, as(null, ws.id)),
    );
    expect(page.posts.items).toHaveLength(1);
  });

  it('never lets a member reach staff-only actions through the member routes', async () => {
    const { ws, owner } = await setup();
    const space = await json<Space>(
      await call(
        app(),
        'POST',
        '/api/v1/communities/spaces',
        { slug: 'news', title: 'News', kind: 'announcements' },
        { bearer: owner },
      ),
      201,
    );
    const ana = await member(ws.id, 4);
    const a = memberApp(new Map([['ana', ana]]));
    const headers = { 'x-test-member': 'ana', 'content-type': 'application/json' };
    const post = (path: string, body: unknown) =>
      a.request(`/api/v1${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect((await post('/community/threads', { spaceId: space.id, title: 'x', body: 'y' })).status).toBe(403);
    expect(
      (await post('/community/spaces', { slug: 'mine', title: 'Mine', kind: 'kb', purpose: 'impromptu' }))
        .status,
    ).toBe(403);
    // Staff-only routes do not exist on the member side at all.
    for (const path of [
      '/community/spaces/x/close',
      '/community/threads/x/status',
      '/community/threads/x/merge',
      '/community/posts/1/promote',
    ])
      expect((await post(path, {})).status).toBe(404);
  });
});
