import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { type Caller, call, signIn } from '../../../test/http.ts';
import { createConnector } from '../../connectors/service.ts';
import { createApp } from '../../http/app.ts';
import { insertMember, insertPost, insertSpace } from './members-fixtures.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

const mails: { to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData: (stream, session, cb) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      cb();
    });
  },
});
let smtpPort = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

function tokenMailedTo(to: string): string {
  const raw = mails.filter((m) => m.to.includes(to)).at(-1)?.raw ?? '';
  const match = /verify\?token=([A-Za-z0-9_-]+)/.exec(raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='));
  if (!match?.[1]) throw new Error(`no verification link mailed to ${to}`);
  return match[1];
}

type OpenApiDoc = { paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>> };

let ipSequence = 0;
const password = 'a long enough password';

/** A workspace with a mailer, its owner, and a signed-in, verified member (cookie + CSRF). */
async function communityWithMember() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  await createConnector(t.ctx, owner.actor, {
    kind: 'email',
    name: 'Community mail',
    config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
  });
  const ip = `10.0.0.${++ipSequence}`;
  const email = `member${ipSequence}@example.com`;
  const signup = await call(
    app(),
    'POST',
    '/api/v1/community/auth/signup',
    { workspace: ws.slug, email, username: `member${ipSequence}`, password },
    { ip },
  );
  expect(signup.status).toBe(202);
  expect(await signup.json()).toEqual({ verificationSent: true });
  const verify = await call(
    app(),
    'POST',
    '/api/v1/community/auth/verify',
    { token: tokenMailedTo(email) },
    { ip },
  );
  expect(verify.status).toBe(200);
  const { memberId } = (await verify.json()) as { memberId: string };
  const login = await call(
    app(),
    'POST',
    '/api/v1/community/auth/login',
    { workspace: ws.slug, email, password },
    { ip },
  );
  expect(login.status).toBe(200);
  const setCookie = login.headers.get('set-cookie') ?? '';
  const body = (await login.json()) as { csrfToken: string; member: { id: string } };
  expect(body.member.id).toBe(memberId);
  const member: Caller = { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrfToken, ip };
  return { ws, owner, memberId, member, setCookie, email };
}

describe('member sign-up, sign-in and profile over HTTP', () => {
  it('signs up, verifies by the mailed link, signs in with an httpOnly member cookie, and signs out', async () => {
    const { member, setCookie, memberId } = await communityWithMember();
    expect(setCookie).toMatch(/^rapport_member=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const me = await call(app(), 'GET', '/api/v1/community/me', undefined, { cookie: member.cookie });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      member: { id: memberId, trustLevel: 0 },
      csrfToken: member.csrf,
    });
    const out = await call(app(), 'POST', '/api/v1/community/auth/logout', undefined, member);
    expect(out.status).toBe(204);
    expect(
      (await call(app(), 'GET', '/api/v1/community/me', undefined, { cookie: member.cookie })).status,
    ).toBe(401);
  });

  it('refuses a cookie write without the session CSRF token, and accepts it with', async () => {
    const { member } = await communityWithMember();
    const without = await call(
      app(),
      'PATCH',
      '/api/v1/community/me',
      { displayName: 'X' },
      { cookie: member.cookie },
    );
    expect(without.status).toBe(403);
    expect(await without.json()).toMatchObject({ error: { code: 'csrf_failed' } });
    const withToken = await call(
      app(),
      'PATCH',
      '/api/v1/community/me',
      { displayName: 'Sam', bio: 'Hi' },
      member,
    );
    expect(withToken.status).toBe(200);
    expect(await withToken.json()).toMatchObject({ displayName: 'Sam', bio: 'Hi' });
  });

  it('answers 401 on member routes without a member, and validates input', async () => {
    const { ws } = await communityWithMember();
    expect((await call(app(), 'GET', '/api/v1/community/me')).status).toBe(401);
    expect((await call(app(), 'POST', '/api/v1/community/posts/1/like')).status).toBe(401);
    const bad = await call(
      app(),
      'POST',
      '/api/v1/community/auth/signup',
      { workspace: ws.slug, email: 'not-an-email', username: 'x', password: 'short' },
      { ip: '10.1.0.1' },
    );
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('rate-limits sign-ups per client address', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const a = app();
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await call(
        a,
        'POST',
        '/api/v1/community/auth/resend',
        { workspace: ws.slug, email: `nobody${i}@example.com` },
        { ip: '10.2.0.1' },
      );
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(202));
    expect(statuses[10]).toBe(429);
  });
});

describe('the community content routes behind the member session', () => {
  it('serves visitors the community they name, and members their own', async () => {
    const { ws, member } = await communityWithMember();
    await insertSpace(t.ctx, ws.id);
    const anonymous = await call(app(), 'GET', '/api/v1/community/spaces');
    expect(anonymous.status).toBe(401);
    const visitor = await app().request('/api/v1/community/spaces', { headers: { 'x-community': ws.slug } });
    expect(visitor.status).toBe(200);
    expect(((await visitor.json()) as { items: unknown[] }).items).toHaveLength(1);
    const signedIn = await call(app(), 'GET', '/api/v1/community/unread', undefined, {
      cookie: member.cookie,
    });
    expect(signedIn.status).toBe(200);
    const write = await call(app(), 'POST', '/api/v1/community/read-all', {});
    expect(write.status).toBe(401);
  });
});

describe('members never reach staff routes', () => {
  it('answers 401 on every staff route of the OpenAPI document to a member cookie, even posed as staff', async () => {
    const { member, memberId } = await communityWithMember();
    const token = member.cookie?.split('=')[1] ?? '';
    const a = app();
    const doc = (await (await call(a, 'GET', '/api/openapi.json')).json()) as OpenApiDoc;
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const memberRoute = path.startsWith('/api/v1/community/');
        if (memberRoute || op.security?.length === 0) continue;
        const verb = method.toUpperCase();
        const url = path.replace(/\{[^}]+\}/g, memberId);
        const body = verb === 'GET' ? undefined : {};
        for (const who of [
          member,
          { cookie: `rapport_session=${token}`, csrf: member.csrf ?? '' },
          { bearer: token },
        ] as Caller[]) {
          const res = await call(a, verb, url, body, who);
          expect(res.status, `${method} ${path}`).toBe(401);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(50);
  });

  it('marks member-only routes with the member session scheme in the OpenAPI document', async () => {
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as OpenApiDoc;
    expect(doc.paths['/api/v1/community/me']?.get?.security).toEqual([{ memberSession: [] }]);
    expect(doc.paths['/api/v1/community/auth/login']?.post?.security).toEqual([]);
  });
});

describe('likes, flags and moderation over HTTP', () => {
  it('lets a member like and flag; enough weight hides the post; staff review restores it', async () => {
    const { ws, owner, member } = await communityWithMember();
    const spaceId = await insertSpace(t.ctx, ws.id);
    const author = await insertMember(t.ctx, ws.id);
    const { postId } = await insertPost(t.ctx, ws.id, { spaceId, authorMemberId: author.memberId });
    const like = await call(app(), 'POST', `/api/v1/community/posts/${postId}/like`, undefined, member);
    expect(like.status).toBe(200);
    expect(await like.json()).toEqual({ liked: true, likeCount: 1 });

    // The signed-up member is level 0 (weight 0.5); two level-3 members (weight 2) pass the threshold of 3.
    const flag = await call(
      app(),
      'POST',
      `/api/v1/community/posts/${postId}/flags`,
      { reason: 'spam' },
      member,
    );
    expect(flag.status).toBe(201);
    expect(await flag.json()).toMatchObject({ flag: { weight: 0.5, reason: 'spam' }, hidden: false });
    const again = await call(
      app(),
      'POST',
      `/api/v1/community/posts/${postId}/flags`,
      { reason: 'spam' },
      member,
    );
    expect(again.status).toBe(409);
    const staff = await signIn(app(), owner.user.email, owner.password);
    const staffFlag = await call(
      app(),
      'POST',
      `/api/v1/communities/posts/${postId}/flags`,
      { reason: 'offensive' },
      staff,
    );
    expect(await staffFlag.json()).toMatchObject({ flag: { weight: 3 }, hidden: true });

    const queue = await call(app(), 'GET', '/api/v1/communities/moderation/queue', undefined, staff);
    expect(await queue.json()).toMatchObject({ items: [{ postId, hidden: true, score: 3.5 }] });
    const memberQueue = await call(app(), 'GET', '/api/v1/community/moderation/queue', undefined, member);
    expect(memberQueue.status).toBe(403);
    const review = await call(
      app(),
      'POST',
      `/api/v1/communities/moderation/posts/${postId}/review`,
      { decision: 'restore' },
      staff,
    );
    expect(review.status).toBe(200);
    expect(await review.json()).toEqual({ hidden: false, resolvedFlags: 2 });
  });

  it('lets moderators give and take points by hand with a reason, never below zero, audited', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    const managerToken = { bearer: await buildToken(t.ctx, manager) };
    const agentToken = { bearer: await buildToken(t.ctx, agent) };
    const m = await insertMember(t.ctx, ws.id);
    const url = `/api/v1/communities/members/${m.memberId}/points`;

    const given = await call(
      app(),
      'POST',
      url,
      { points: 60, reason: 'Ran the spring meetup' },
      managerToken,
    );
    expect(given.status).toBe(201);
    expect(await given.json()).toMatchObject({
      entry: { points: 60, reason: 'staff_adjustment', ref: 'Ran the spring meetup' },
      points: 60,
      rank: 'Contributor',
    });
    const taken = await call(app(), 'POST', url, { points: -15, reason: 'Duplicate award' }, managerToken);
    expect(taken.status).toBe(201);
    expect(await taken.json()).toMatchObject({ points: 45, rank: 'Newcomer' });

    // The ledger explains the total line by line, newest first.
    const ledger = await call(app(), 'GET', url, undefined, managerToken);
    expect(ledger.status).toBe(200);
    const lines = ((await ledger.json()) as { items: { points: number; ref: string }[] }).items;
    expect(lines.map((l) => [l.points, l.ref])).toEqual([
      [-15, 'Duplicate award'],
      [60, 'Ran the spring meetup'],
    ]);
    const row = await t.ctx.db
      .selectFrom('community_members')
      .select(['points', 'rank'])
      .where('id', '=', m.memberId)
      .executeTakeFirstOrThrow();
    expect({ points: Number(row.points), rank: row.rank }).toEqual({ points: 45, rank: 'Newcomer' });

    // Not below zero: the refusal names the field; nothing is written.
    const tooMuch = await call(app(), 'POST', url, { points: -46, reason: 'Spam clean-up' }, managerToken);
    expect(tooMuch.status).toBe(400);
    expect(await tooMuch.json()).toMatchObject({
      error: { code: 'validation_failed', details: { fields: [{ path: 'points' }] } },
    });
    for (const body of [
      { points: 0, reason: 'Nothing' },
      { points: 5, reason: '' },
      { points: 1.5, reason: 'Half a point' },
    ])
      expect((await call(app(), 'POST', url, body, managerToken)).status, JSON.stringify(body)).toBe(400);

    // Agents read the ledger but do not change it; another workspace's member is not found.
    expect((await call(app(), 'GET', url, undefined, agentToken)).status).toBe(200);
    expect((await call(app(), 'POST', url, { points: 5, reason: 'Helpful' }, agentToken)).status).toBe(403);
    const other = await insertMember(t.ctx, (await buildWorkspace(t.ctx)).id);
    const foreign = await call(
      app(),
      'POST',
      `/api/v1/communities/members/${other.memberId}/points`,
      { points: 5, reason: 'Helpful' },
      managerToken,
    );
    expect(foreign.status).toBe(404);

    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('workspace_id', '=', ws.id)
      .where('target_id', '=', m.memberId)
      .execute();
    expect(audit).toEqual([
      { action: 'community.points_adjusted', actor_user_id: manager.user.id },
      { action: 'community.points_adjusted', actor_user_id: manager.user.id },
    ]);
    const final = await t.ctx.db
      .selectFrom('community_members')
      .select('points')
      .where('id', '=', m.memberId)
      .executeTakeFirstOrThrow();
    expect(Number(final.points)).toBe(45);
  });

  it('keeps trust settings to owners and admins', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    const agentToken = await buildToken(t.ctx, agent);
    const adminToken = await buildToken(t.ctx, admin);
    expect(
      (await call(app(), 'GET', '/api/v1/communities/trust-config', undefined, { bearer: agentToken }))
        .status,
    ).toBe(403);
    const got = await call(app(), 'GET', '/api/v1/communities/trust-config', undefined, {
      bearer: adminToken,
    });
    expect(got.status).toBe(200);
    const config = (await got.json()) as { unlocks: { flagHideThreshold: number } };
    config.unlocks.flagHideThreshold = 5;
    const put = await call(app(), 'PUT', '/api/v1/communities/trust-config', config, { bearer: adminToken });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ unlocks: { flagHideThreshold: 5 } });
    const invalid = await call(
      app(),
      'PUT',
      '/api/v1/communities/trust-config',
      { ...config, level1: { topicsEntered: -1 } },
      { bearer: adminToken },
    );
    expect(invalid.status).toBe(400);
  });
});

describe('the member pages of the community site (no JavaScript)', () => {
  /** Posts a form as a browser would, from `ip`, with the given cookies. */
  function postForm(
    a: ReturnType<typeof app>,
    path: string,
    fields: Record<string, string>,
    cookie = '',
    ip = '10.3.0.1',
  ) {
    return a.request(
      path,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(fields).toString(),
      },
      { incoming: { socket: { remoteAddress: ip } } },
    );
  }

  it('joins, confirms by the mailed link, signs in and out through forms with a double-submit token', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const a = app();
    const joinPage = await a.request(`/community/${ws.slug}/-/join`);
    expect(joinPage.status).toBe(200);
    expect(joinPage.headers.get('cache-control')).toBe('no-store');
    const formCookie = (joinPage.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(formCookie).toMatch(/^rapport_form=/);
    const token = /name="form" value="([^"]+)"/.exec(await joinPage.text())?.[1] ?? '';
    expect(formCookie).toBe(`rapport_form=${token}`);

    const fields = { email: 'form@example.com', username: 'formuser', displayName: 'Form User', password };
    const forged = await postForm(a, `/community/${ws.slug}/-/join`, { ...fields, form: token });
    expect(forged.status).toBe(403);
    const joined = await postForm(a, `/community/${ws.slug}/-/join`, { ...fields, form: token }, formCookie);
    expect(joined.status).toBe(202);
    expect(await joined.text()).toContain('Check your email');
    const raw = (mails.filter((m) => m.to.includes('form@example.com')).at(-1)?.raw ?? '')
      .replace(/=\r?\n/g, '')
      .replace(/=3D/g, '=');
    const link = new RegExp(`/community/${ws.slug}/-/verify\\?token=([A-Za-z0-9_-]+)`).exec(raw);
    expect(link).not.toBeNull();
    const verified = await a.request(link?.[0] ?? '');
    expect(verified.status).toBe(200);
    expect(await verified.text()).toContain('Email confirmed');
    expect((await a.request(link?.[0] ?? '')).status).toBe(400);

    const wrong = await postForm(
      a,
      `/community/${ws.slug}/-/sign-in`,
      { email: 'form@example.com', password: 'not the password', form: token },
      formCookie,
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Email or password is incorrect');
    const signedIn = await postForm(
      a,
      `/community/${ws.slug}/-/sign-in`,
      { email: 'form@example.com', password, form: token },
      formCookie,
    );
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe(`/community/${ws.slug}`);
    const memberCookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const me = await call(a, 'GET', '/api/v1/community/me', undefined, { cookie: memberCookie });
    expect(await me.json()).toMatchObject({ member: { username: 'formuser', displayName: 'Form User' } });

    const out = await postForm(
      a,
      `/community/${ws.slug}/-/sign-out`,
      { form: token },
      `${formCookie}; ${memberCookie}`,
    );
    expect(out.status).toBe(303);
    expect((await call(a, 'GET', '/api/v1/community/me', undefined, { cookie: memberCookie })).status).toBe(
      401,
    );
  });

  it('shows errors on the form with what was typed, escaped', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const a = app();
    const joinPage = await a.request(`/community/${ws.slug}/-/join`);
    const formCookie = (joinPage.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="form" value="([^"]+)"/.exec(await joinPage.text())?.[1] ?? '';
    const res = await postForm(
      a,
      `/community/${ws.slug}/-/join`,
      {
        email: 'x@example.com',
        username: '.no',
        displayName: '"><script>alert(1)</script>',
        password,
        form: token,
      },
      formCookie,
      '10.3.0.2',
    );
    // A username the rules refuse: the form comes back with the reason and what was typed.
    expect(res.status).toBe(400);
    const body = await res.text();
    expect(body).toContain(
      'Choose a username of 3 to 30 letters, digits, _ . or -, not starting with . or -.',
    );
    expect(body).not.toContain('username:');
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('frames the join, sign-in and confirmation pages in the site header, which leads back to the community', async () => {
    const ws = await buildWorkspace(t.ctx, { name: 'Harbour Air' });
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const a = app();
    for (const path of ['join', 'sign-in', 'verify?token=not-a-token']) {
      const res = await a.request(`/community/${ws.slug}/-/${path}`);
      const body = await res.text();
      expect(body, path).toContain('<header class="site">');
      expect(body, path).toContain(`<a class="brand" href="/community/${ws.slug}">Harbour Air community</a>`);
      expect(body, path).toContain(`action="/community/${ws.slug}/search"`);
      expect(body, path).toContain('<meta name="robots" content="noindex">');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
    }
    // A signed-in member of this community is named in the header here too.
    const { ws: other, setCookie } = await communityWithMember();
    const signedIn = await (
      await a.request(`/community/${other.slug}/-/sign-in`, {
        headers: { cookie: setCookie.split(';')[0] ?? '' },
      })
    ).text();
    expect(signedIn).toContain('Signed in as');
    // No such community: the site's "not found" page, not a form that cannot work.
    const missing = await a.request('/community/no-such-community/-/join');
    expect(missing.status).toBe(404);
    expect(await missing.text()).not.toContain('<form method="post"');
  });

  it('says up front that joining is not open while the community cannot send email, and still lets members sign in', async () => {
    const ws = await buildWorkspace(t.ctx);
    const a = app();
    const joinPage = await a.request(`/community/${ws.slug}/-/join`);
    expect(joinPage.status).toBe(200);
    const body = await joinPage.text();
    expect(body).toContain('Joining is not open: this community cannot send email yet');
    expect(body).not.toContain(`action="/community/${ws.slug}/-/join"`);
    expect(body).not.toContain('name="password"');
    expect(body).toContain(`<a href="/community/${ws.slug}/-/sign-in">Sign in</a>`);

    // A form posted anyway (an old tab) gets the same answer, not the form back.
    const signInPage = await a.request(`/community/${ws.slug}/-/sign-in`);
    const formCookie = (signInPage.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const signInBody = await signInPage.text();
    const token = /name="form" value="([^"]+)"/.exec(signInBody)?.[1] ?? '';
    const posted = await postForm(
      a,
      `/community/${ws.slug}/-/join`,
      { email: 'late@example.com', username: 'latecomer', password, form: token },
      formCookie,
      '10.3.0.3',
    );
    expect(posted.status).toBe(409);
    const postedBody = await posted.text();
    expect(postedBody).toContain('Joining is not open');
    expect(postedBody).not.toContain('name="password"');

    // Sign-in keeps its form; it no longer invites people to a join that cannot work.
    expect(signInBody).toContain(`action="/community/${ws.slug}/-/sign-in"`);
    expect(signInBody).toContain('Joining is not open yet');
    expect(signInBody).not.toContain('Join the community</a>');
    const wrong = await postForm(
      a,
      `/community/${ws.slug}/-/sign-in`,
      { email: 'nobody@example.com', password, form: token },
      formCookie,
      '10.3.0.3',
    );
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Email or password is incorrect');

    // Once an email connector is set up, the form is there.
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const open = await (await a.request(`/community/${ws.slug}/-/join`)).text();
    expect(open).not.toContain('Joining is not open');
    expect(open).toContain(`action="/community/${ws.slug}/-/join"`);
  });
});
