import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { type Caller, call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { hashPassword } from '../auth/passwords.ts';
import { createCase } from '../inbox/cases.ts';
import { setIdeaStatus, voteIdea } from './ideas.ts';
import { notifyIdeaStatusChanges } from './loop.ts';
import { insertMember } from './members-fixtures.ts';
import { createSpace } from './spaces.ts';
import { createThread, replyToThread } from './threads.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
const password = 'a long enough password';
let n = 0;

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const ownerUser = await buildUser(t.ctx, ws, { role: 'owner' });
  const agentUser = await buildUser(t.ctx, ws, { role: 'agent' });
  const moderatorUser = await buildUser(t.ctx, ws, { role: 'moderator' });
  const owner = { bearer: await buildToken(t.ctx, ownerUser) };
  const agent = { bearer: await buildToken(t.ctx, agentUser) };
  const moderator = { bearer: await buildToken(t.ctx, moderatorUser) };
  const space = await createSpace(t.ctx, ownerUser.actor, {
    slug: `ideas-${++n}`,
    title: 'Ideas',
    kind: 'ideas',
  });
  const author = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
  const ideaId = (
    await createThread(t.ctx, author, {
      spaceId: space.id,
      title: 'Dark mode for the mobile app',
      body: 'Please add a dark mode theme to the mobile app.',
    })
  ).thread.id;
  return { ws, ownerUser, agentUser, owner, agent, moderator, author, ideaId };
}

/** Signs a member in over HTTP (cookie and CSRF token). */
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

describe('idea link routes', () => {
  it('lets agents link, confirm and reject, shows requested-in, and refuses moderators and members', async () => {
    const s = await setup();
    const c = await createCase(t.ctx, s.agentUser.actor, { subject: 'Dark mode in the mobile app please' });
    const suggested = await json<{ items: { id: string; caseId: string | null; sharedTerms: string[] }[] }>(
      await call(app(), 'POST', `/api/v1/communities/ideas/${s.ideaId}/links/suggest`, undefined, s.agent),
    );
    const link = suggested.items.find((l) => l.caseId === c.id);
    expect(link?.sharedTerms).toEqual(expect.arrayContaining(['dark', 'mode', 'mobile']));
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/communities/idea-links/${link?.id}/confirm`,
          undefined,
          s.moderator,
        )
      ).status,
    ).toBe(403);
    await json(
      await call(app(), 'POST', `/api/v1/communities/idea-links/${link?.id}/confirm`, undefined, s.agent),
    );
    const listed = await json<{ requestedIn: number; items: { status: string }[] }>(
      await call(
        app(),
        'GET',
        `/api/v1/communities/ideas/${s.ideaId}/links?status=confirmed`,
        undefined,
        s.agent,
      ),
    );
    expect(listed).toMatchObject({ requestedIn: 1, items: [{ status: 'confirmed' }] });
    await json(
      await call(app(), 'POST', `/api/v1/communities/idea-links/${link?.id}/reject`, undefined, s.agent),
    );
    expect(
      (
        await json<{ requestedIn: number }>(
          await call(app(), 'GET', `/api/v1/communities/ideas/${s.ideaId}/links`, undefined, s.agent),
        )
      ).requestedIn,
    ).toBe(0);
    const manual = await call(
      app(),
      'POST',
      `/api/v1/communities/ideas/${s.ideaId}/links`,
      { caseId: c.id },
      s.agent,
    );
    expect(await json(manual, 201)).toMatchObject({ status: 'confirmed', caseId: c.id });
    expect(
      (await call(app(), 'POST', `/api/v1/communities/ideas/${s.ideaId}/links`, {}, s.agent)).status,
    ).toBe(400);
    // A member session is not a staff credential.
    const member = await memberCaller(s.ws.slug, s.author.memberId);
    expect(
      (await call(app(), 'GET', `/api/v1/communities/ideas/${s.ideaId}/links`, undefined, member)).status,
    ).toBe(401);
  });

  it('reads and changes the unanswered-question policy and shares threads with the right roles', async () => {
    const s = await setup();
    expect(
      await json(await call(app(), 'GET', '/api/v1/communities/unanswered-policy', undefined, s.agent)),
    ).toEqual({ enabled: true, hours: 24 });
    expect(
      (
        await call(
          app(),
          'PUT',
          '/api/v1/communities/unanswered-policy',
          { enabled: true, hours: 6 },
          s.agent,
        )
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          app(),
          'PUT',
          '/api/v1/communities/unanswered-policy',
          { enabled: true, hours: 0 },
          s.owner,
        )
      ).status,
    ).toBe(400);
    expect(
      await json(
        await call(
          app(),
          'PUT',
          '/api/v1/communities/unanswered-policy',
          { enabled: true, hours: 6 },
          s.owner,
        ),
      ),
    ).toEqual({ enabled: true, hours: 6 });
    // No Bluesky account: refused now rather than failing at delivery.
    const share = await call(
      app(),
      'POST',
      `/api/v1/communities/threads/${s.ideaId}/shares`,
      { channel: 'bluesky' },
      s.moderator,
    );
    expect(share.status).toBe(409);
    expect(
      (
        await call(
          app(),
          'POST',
          `/api/v1/communities/threads/${s.ideaId}/shares`,
          { channel: 'bluesky' },
          s.agent,
        )
      ).status,
    ).toBe(403);
    expect(
      await json(
        await call(app(), 'GET', `/api/v1/communities/threads/${s.ideaId}/case`, undefined, s.agent),
      ),
    ).toEqual({ threadId: s.ideaId, caseId: null });
    // The count is public: a visitor naming the community reads it; unknown ids are left out.
    const counts = await json(
      await app().request(`/api/v1/community/ideas/requested-in?ids=${s.ideaId},nope&community=${s.ws.slug}`),
    );
    expect(counts).toEqual([{ threadId: s.ideaId, requestedIn: 0 }]);
    expect((await call(app(), 'GET', `/api/v1/community/ideas/requested-in?ids=${s.ideaId}`)).status).toBe(
      401,
    );
    const doc = await json<{ paths: Record<string, unknown> }>(await call(app(), 'GET', '/api/openapi.json'));
    for (const path of [
      '/api/v1/communities/ideas/{id}/links',
      '/api/v1/communities/idea-links/{id}/confirm',
      '/api/v1/communities/answer-with-link',
      '/api/v1/communities/unanswered-policy',
      '/api/v1/communities/threads/{id}/shares',
      '/api/v1/community/notifications',
    ])
      expect(doc.paths[path], path).toBeDefined();
  });
});

describe('member notification routes', () => {
  it('lists a member their idea notifications and marks them read, only with their session and CSRF token', async () => {
    const s = await setup();
    const voter = await insertMember(t.ctx, s.ws.id, { trustLevel: 2 });
    await voteIdea(t.ctx, voter, s.ideaId);
    await setIdeaStatus(t.ctx, s.ownerUser.actor, s.ideaId, { status: 'planned', note: 'Spring' });
    await notifyIdeaStatusChanges(t.ctx);
    const member = await memberCaller(s.ws.slug, voter.memberId);

    const page = await json<{ unread: number; items: { id: number; title: string; reasons: string[] }[] }>(
      await call(app(), 'GET', '/api/v1/community/notifications', undefined, member),
    );
    expect(page.unread).toBe(1);
    expect(page.items).toMatchObject([
      { title: '“Dark mode for the mobile app” is now planned', reasons: ['voted'] },
    ]);
    expect((await call(app(), 'GET', '/api/v1/community/notifications')).status).toBe(401);
    expect((await call(app(), 'GET', '/api/v1/community/notifications', undefined, s.agent)).status).toBe(
      401,
    );
    expect(
      (await call(app(), 'POST', '/api/v1/community/notifications/read', {}, { cookie: member.cookie ?? '' }))
        .status,
    ).toBe(403);
    expect(await json(await call(app(), 'POST', '/api/v1/community/notifications/read', {}, member))).toEqual(
      {
        marked: 1,
      },
    );
    const unread = await json<{ items: unknown[]; unread: number }>(
      await call(app(), 'GET', '/api/v1/community/notifications?unread=true', undefined, member),
    );
    expect(unread).toMatchObject({ items: [], unread: 0 });
  });

  it('lists replies and mentions with the idea changes, a page at a time by keyset, and marks the ones named read', async () => {
    const s = await setup();
    const replier = await insertMember(t.ctx, s.ws.id, { trustLevel: 2 });
    const replies = [];
    for (const body of ['First reply', 'Second reply', 'Third reply']) {
      replies.push(await replyToThread(t.ctx, replier, s.ideaId, { body }));
      t.clock.advance(1000);
    }
    const member = await memberCaller(s.ws.slug, s.author.memberId);
    type Item = { id: number; kind: string; postId: number | null; body: string; reasons: string[] };
    type Listing = { items: Item[]; nextCursor: string | null; unread: number };
    const first = await json<Listing>(
      await call(app(), 'GET', '/api/v1/community/notifications?limit=2', undefined, member),
    );
    expect(first.unread).toBe(3);
    expect(first.items).toMatchObject([
      { kind: 'post', postId: replies[2]?.post.id, body: 'Third reply', reasons: ['started'] },
      { kind: 'post', postId: replies[1]?.post.id, body: 'Second reply' },
    ]);
    expect(first.nextCursor).not.toBeNull();
    const second = await json<Listing>(
      await call(
        app(),
        'GET',
        `/api/v1/community/notifications?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`,
        undefined,
        member,
      ),
    );
    expect(second.items.map((n) => n.postId)).toEqual([replies[0]?.post.id]);
    expect(second.nextCursor).toBeNull();
    expect(
      await json(
        await call(
          app(),
          'POST',
          '/api/v1/community/notifications/read',
          { ids: [first.items[0]?.id] },
          member,
        ),
      ),
    ).toEqual({ marked: 1 });
    const unread = await json<Listing>(
      await call(app(), 'GET', '/api/v1/community/notifications?unread=true', undefined, member),
    );
    expect(unread.unread).toBe(2);
    expect(unread.items.map((n) => n.body)).toEqual(['Second reply', 'First reply']);
    // The replier hears nothing of their own replies.
    const replierCaller = await memberCaller(s.ws.slug, replier.memberId);
    expect(
      await json<Listing>(
        await call(app(), 'GET', '/api/v1/community/notifications', undefined, replierCaller),
      ),
    ).toMatchObject({ items: [], unread: 0 });

    const doc = await json<{
      components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
    }>(await call(app(), 'GET', '/api/openapi.json'));
    const schema = doc.components.schemas.CommunityMemberNotification;
    expect(schema?.properties.kind?.enum).toEqual(['idea_status', 'post', 'answer_accepted']);
    expect(schema?.properties.postId).toBeDefined();
  });

  it('lets a member turn emails about replies off and on through /community/me', async () => {
    const s = await setup();
    const member = await memberCaller(s.ws.slug, s.author.memberId);
    type Me = { member: { emailReplies: boolean } };
    expect(
      (await json<Me>(await call(app(), 'GET', '/api/v1/community/me', undefined, member))).member,
    ).toMatchObject({ emailReplies: true });
    expect(
      await json<{ emailReplies: boolean }>(
        await call(app(), 'PATCH', '/api/v1/community/me', { emailReplies: false }, member),
      ),
    ).toMatchObject({ emailReplies: false });
    expect(
      (await json<Me>(await call(app(), 'GET', '/api/v1/community/me', undefined, member))).member
        .emailReplies,
    ).toBe(false);
    expect((await call(app(), 'PATCH', '/api/v1/community/me', { emailReplies: 'no' }, member)).status).toBe(
      400,
    );
  });
});
