import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../../test/factories.ts';
import { createConnector } from '../../../connectors/service.ts';
import { createApp } from '../../../http/app.ts';
import { flagPost, reviewPost } from '../flags.ts';
import { type SignedInMember, signedInMember } from '../members-fixtures.ts';
import { setNewsletterCadence } from '../newsletters.ts';
import { createSpace } from '../spaces.ts';
import {
  acceptAnswer,
  createThread,
  editPost,
  getThread,
  postRevisions,
  replyToThread,
  unacceptAnswer,
} from '../threads.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;
let n = 0;

type Session = SignedInMember;

const member = (workspace: { id: string; slug: string }, trustLevel = 2) =>
  signedInMember(t.ctx, workspace, trustLevel);

async function setup() {
  const ws = await buildWorkspace(t.ctx, { name: 'Acme Air' });
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const space = (kind: 'forum' | 'qa' | 'ideas', extra: object = {}) =>
    createSpace(t.ctx, owner, { slug: `${kind}-${++n}`, title: `The ${kind} ${n}`, kind, ...extra });
  return { ws, owner, space };
}

async function get(path: string, s?: Session) {
  const res = await app().request(path, { headers: s ? { cookie: s.cookie } : {} });
  return { res, body: await res.text() };
}

async function post(path: string, s: Session | null, fields: [string, string][] | Record<string, string>) {
  const body = new URLSearchParams(fields);
  if (s && !body.has('form')) body.append('form', s.token);
  const res = await app().request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(s ? { cookie: s.cookie } : {}) },
    body: body.toString(),
  });
  return { res, body: await res.text() };
}

describe('the community site shows members readable values, not machine ones', () => {
  it('tells a suspended member until when in words, in the workspace time zone, with no ISO timestamp', async () => {
    const { ws, owner, space } = await setup();
    await t.ctx.db
      .updateTable('workspaces')
      .set({ time_zone: 'Europe/London' })
      .where('id', '=', ws.id)
      .execute();
    const forum = await space('forum');
    const s = await member(ws);
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Bags', body: 'Lost bags?' });
    await t.ctx.db
      .updateTable('community_members')
      .set({ suspended_until: '2026-12-12T14:30:00.000Z' })
      .where('id', '=', s.actor.memberId)
      .execute();
    const reply = await post(`/community/${ws.slug}/-/t/${w.thread.id}/reply`, s, { body: 'Mine too' });
    expect(reply.res.status).toBe(403);
    expect(reply.body).toContain('Your account is suspended until 12 December 2026, 14:30 GMT');
    expect(reply.body.replace(/datetime="[^"]*"/g, '')).not.toMatch(ISO);
  });

  it('dates every post, thread and profile in words; an archived space says when it ended', async () => {
    const { ws, owner, space } = await setup();
    const task = await space('forum', { purpose: 'task', endsAt: '2026-11-30T00:00:00.000Z' });
    const w = await createThread(t.ctx, owner, { spaceId: task.id, title: 'Summer', body: 'Plans?' });
    t.clock.set('2026-12-01T00:00:00.000Z');
    const s = await member(ws);
    const spacePage = await get(`/community/${ws.slug}/s/${task.slug}`, s);
    expect(spacePage.body).toContain(
      'This space ended on <time datetime="2026-11-30T00:00:00.000Z">30 November 2026</time>',
    );
    expect(spacePage.body).toContain('23 November 2026, 09:00 UTC</time>');
    const thread = await get(`/community/${ws.slug}/t/${w.thread.id}`, s);
    expect(thread.body).toContain('>23 November 2026, 09:00 UTC</time>');
    const me = await get(`/community/${ws.slug}/-/me`, s);
    expect(me.body).toContain(
      '<dt>Member since</dt><dd><time datetime="2026-12-01T00:00:00.000Z">1 December 2026</time>',
    );
    // The only ISO timestamps left are machine-readable `datetime` attributes.
    for (const page of [spacePage.body, thread.body, me.body])
      expect(page.replace(/datetime="[^"]*"/g, '')).not.toMatch(ISO);
  });

  it('says on the join form what each field needs in plain words', async () => {
    const { ws } = await setup();
    const { owner } = { owner: (await buildUser(t.ctx, ws, { role: 'owner' })).actor };
    // Invalid fields are refused before any mail is sent, so the connector's server is never dialled.
    await createConnector(t.ctx, owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: 2525, fromAddress: 'community@airline.example' },
    });
    const page = await get(`/community/${ws.slug}/-/join`);
    expect(page.body).toContain('name="username"');
    const formCookie = (page.res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="form" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const res = await app().request(`/community/${ws.slug}/-/join`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: formCookie },
      body: new URLSearchParams({
        form: token,
        email: 'not-an-email',
        username: 'ab',
        password: 'short',
      }).toString(),
    });
    const body = await res.text();
    expect(res.status).toBe(400);
    expect(body).toContain(
      'Enter your email address, like name@example.com. Choose a username of 3 to 30 letters, digits, _ . or -, not starting with . or -. Choose a password of 12 to 200 characters.',
    );
    expect(body).not.toMatch(/character\(s\)|Invalid|Too small|expected/);
  });

  it('says what is missing on a not-found page without printing internal ids', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Gone soon', body: 'x' });
    await t.ctx.db
      .updateTable('community_threads')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', w.thread.id)
      .execute();
    const cases: [string, string][] = [
      [`/community/${ws.slug}/t/${w.thread.id}`, 'There is no such thread here'],
      [`/community/${ws.slug}/s/no-such-space`, 'There is no such space here'],
      [`/community/${ws.slug}/u/nobody`, 'There is no member with this name in this community.'],
      ['/community/no-such-community', 'There is no community at this address.'],
      [`/community/${ws.slug}/-/p/999999/history`, 'There is no such post here'],
      ['/community/no-such-community/-/sign-in', 'There is no community at this address.'],
    ];
    for (const [path, text] of cases) {
      const { res, body } = await get(path);
      expect(res.status, path).toBe(404);
      expect(body, path).toContain(text);
      expect(body, path).not.toContain(w.thread.id);
      expect(body, path).not.toMatch(/No (thread|community|space|member|post) /);
    }
  });

  it('names a flag reason by its label: the flag form, its errors and a second flag', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Deals', body: 'Cheap flights' });
    const form = await get(`/community/${ws.slug}/-/p/${w.post.id}/flag`, s);
    expect(form.body).toContain('value="off_topic" required> Off topic: not what this space is for</label>');
    const wrong = await post(`/community/${ws.slug}/-/p/${w.post.id}/flag`, s, { reason: 'rude' });
    expect(wrong.res.status).toBe(400);
    expect(wrong.body).toContain('<p class="error" role="alert">Choose why you flag the post.</p>');
    expect(wrong.body).not.toContain('off_topic"|');
    expect(
      (await post(`/community/${ws.slug}/-/p/${w.post.id}/flag`, s, { reason: 'off_topic' })).res.status,
    ).toBe(303);
    const again = await post(`/community/${ws.slug}/-/p/${w.post.id}/flag`, s, { reason: 'spam' });
    expect(again.res.status).toBe(409);
    expect(again.body).toContain('You have already flagged this post (Off topic)');
  });
});

describe('a signed-in member signs out from any page and edits their profile and newsletters', () => {
  it('shows a sign-out button with the form token on every page for a member, none for a visitor, and it signs out', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Seats', body: 'Aisle?' });
    const s = await member(ws);
    const button = `<form class="inline sign-out" method="post" action="/community/${ws.slug}/-/sign-out"><input type="hidden" name="form" value="${s.token}"><button type="submit" class="link">Sign out</button></form>`;
    const pages = [
      `/community/${ws.slug}`,
      `/community/${ws.slug}/s/${forum.slug}`,
      `/community/${ws.slug}/t/${w.thread.id}`,
      `/community/${ws.slug}/u/${s.username}`,
      `/community/${ws.slug}/search?q=seats`,
      `/community/${ws.slug}/-/me`,
      `/community/${ws.slug}/-/notifications`,
      `/community/${ws.slug}/-/t/${w.thread.id}/reply`,
      `/community/${ws.slug}/-/sign-in`,
    ];
    for (const path of pages) {
      expect((await get(path, s)).body, path).toContain(button);
      expect((await get(path)).body, path).not.toContain('sign-out');
    }
    const forged = await post(`/community/${ws.slug}/-/sign-out`, s, { form: 'not-the-token' });
    expect(forged.res.status).toBe(403);
    expect((await get(`/community/${ws.slug}/-/me`, s)).res.status).toBe(200);
    const out = await post(`/community/${ws.slug}/-/sign-out`, s, {});
    expect(out.res.status).toBe(303);
    expect(out.res.headers.get('location')).toBe(`/community/${ws.slug}`);
    expect((await get(`/community/${ws.slug}/-/me`, s)).res.status).toBe(401);
  });

  it('saves the display name and bio from the profile form, and refuses a bad one with a clear message and the text kept', async () => {
    const { ws } = await setup();
    const s = await member(ws);
    const form = await get(`/community/${ws.slug}/-/me`, s);
    expect(form.body).toContain(`<form class="compose" method="post" action="/community/${ws.slug}/-/me">`);
    expect(form.body).toContain(`value="${s.displayName}"`);
    expect(form.body).not.toContain('name="username"');

    const saved = await post(`/community/${ws.slug}/-/me`, s, {
      displayName: '  Ana Lima ',
      bio: 'Flies <b>a lot</b>',
    });
    expect(saved.res.status).toBe(303);
    expect(saved.res.headers.get('location')).toBe(`/community/${ws.slug}/-/me?saved=profile#edit-profile`);
    const after = await get(`/community/${ws.slug}/-/me?saved=profile`, s);
    expect(after.body).toContain('Your profile is saved.');
    expect(after.body).toContain('Signed in as <a');
    expect(after.body).toContain('>Ana Lima</a>');
    const profile = await get(`/community/${ws.slug}/u/${s.username}`);
    expect(profile.body).toContain('<p class="bio">Flies &lt;b&gt;a lot&lt;/b&gt;</p>');

    const bad = await post(`/community/${ws.slug}/-/me`, s, { displayName: '   ', bio: 'x'.repeat(1001) });
    expect(bad.res.status).toBe(400);
    expect(bad.body).toContain(
      '<p class="error" role="alert">Give a display name of 1 to 80 characters. Keep your bio to 1,000 characters or fewer.</p>',
    );
    expect(bad.body).toContain(`>${'x'.repeat(1001)}</textarea>`);
    const row = await t.ctx.db
      .selectFrom('community_members')
      .select(['display_name', 'bio', 'username'])
      .where('id', '=', s.actor.memberId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ display_name: 'Ana Lima', bio: 'Flies <b>a lot</b>', username: s.username });

    const forged = await post(`/community/${ws.slug}/-/me`, s, { form: 'stale', displayName: 'Hacker' });
    expect(forged.res.status).toBe(403);
  });

  it('subscribes and unsubscribes the newsletters ticked on the profile page', async () => {
    const { ws, owner, space } = await setup();
    const tips = await space('forum');
    const news = await space('qa');
    await space('ideas'); // sends no newsletter: not offered
    await setNewsletterCadence(t.ctx, owner, tips.id, 'weekly');
    await setNewsletterCadence(t.ctx, owner, news.id, 'daily');
    const s = await member(ws);
    const page = await get(`/community/${ws.slug}/-/me`, s);
    expect(page.body).toContain(
      `<input type="checkbox" name="space" value="${tips.id}"> ${tips.title} (weekly)`,
    );
    expect(page.body).not.toContain('The ideas');

    const both = await post(`/community/${ws.slug}/-/me/newsletters`, s, [
      ['space', tips.id],
      ['space', news.id],
    ]);
    expect(both.res.status).toBe(303);
    const subscribed = () =>
      t.ctx.db
        .selectFrom('community_newsletter_subscriptions')
        .select('space_id')
        .where('member_id', '=', s.actor.memberId)
        .where('unsubscribed_at', 'is', null)
        .orderBy('space_id')
        .execute()
        .then((rows) => rows.map((r) => r.space_id).sort());
    expect(await subscribed()).toEqual([tips.id, news.id].sort());
    const shown = await get(`/community/${ws.slug}/-/me?saved=newsletters`, s);
    expect(shown.body).toContain('Your email choices are saved.');
    expect(shown.body).toContain(`value="${news.id}" checked>`);

    expect((await post(`/community/${ws.slug}/-/me/newsletters`, s, [['space', news.id]])).res.status).toBe(
      303,
    );
    expect(await subscribed()).toEqual([news.id]);
    expect((await post(`/community/${ws.slug}/-/me/newsletters`, s, {})).res.status).toBe(303);
    expect(await subscribed()).toEqual([]);
  });

  it('turns email about answers off and on with the checkbox on the profile page', async () => {
    const { ws } = await setup();
    const s = await member(ws);
    const emailReplies = async () =>
      (
        await t.ctx.db
          .selectFrom('community_members')
          .select('email_replies')
          .where('id', '=', s.actor.memberId)
          .executeTakeFirstOrThrow()
      ).email_replies;
    const page = await get(`/community/${ws.slug}/-/me`, s);
    expect(page.body).toContain('<input type="checkbox" name="emailReplies" value="on" checked>');
    expect(Number(await emailReplies())).toBe(1);
    // Unticked: a form sends nothing for it.
    expect((await post(`/community/${ws.slug}/-/me/newsletters`, s, {})).res.status).toBe(303);
    expect(Number(await emailReplies())).toBe(0);
    expect((await get(`/community/${ws.slug}/-/me`, s)).body).toContain(
      '<input type="checkbox" name="emailReplies" value="on">',
    );
    await post(`/community/${ws.slug}/-/me/newsletters`, s, [['emailReplies', 'on']]);
    expect(Number(await emailReplies())).toBe(1);
  });
});

describe('answers hidden by moderators, and title edits in the history', () => {
  it('stops counting a question as answered while its accepted answer is hidden, and again once it is restored', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws);
    const answerer = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Pets in cabin?',
      body: 'Can my cat fly with me?',
    });
    const a = await replyToThread(t.ctx, answerer.actor, q.thread.id, { body: 'Yes, under 8 kg.' });
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, a.post.id);
    const answered = async () =>
      (await getThread(t.ctx, owner, q.thread.id, { limit: 5 })).thread.acceptedPostId;
    expect(await answered()).toBe(a.post.id);
    expect((await get(`/community/${ws.slug}/s/${qa.slug}`)).body).toContain(
      '<span class="badge answered">Answered</span>',
    );

    // Staff flags weigh enough to hide a post at once.
    expect((await flagPost(t.ctx, owner, a.post.id, { reason: 'offensive' })).hidden).toBe(true);
    expect(await answered()).toBeNull();
    const hiddenList = await get(`/community/${ws.slug}/s/${qa.slug}`);
    expect(hiddenList.body).not.toContain('Answered</span>');
    expect(hiddenList.body).toContain('<span class="badge">Unanswered</span>');
    const hiddenThread = await get(`/community/${ws.slug}/t/${q.thread.id}`);
    expect(hiddenThread.body).not.toContain('Answered</span>');
    expect(hiddenThread.body).not.toContain('Yes, under 8 kg.');

    await reviewPost(t.ctx, owner, a.post.id, 'restore');
    expect(await answered()).toBe(a.post.id);
    const restored = await get(`/community/${ws.slug}/t/${q.thread.id}`);
    expect(restored.body).toContain('<span class="badge answered">Answered</span>');
    expect(restored.body).toContain('<strong class="badge answered">Accepted answer</strong>');
  });

  it('restores a hidden answer without taking the place of an answer accepted meanwhile', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Lounge?',
      body: 'Which lounge?',
    });
    const first = await replyToThread(t.ctx, owner, q.thread.id, { body: 'Lounge A' });
    const second = await replyToThread(t.ctx, owner, q.thread.id, { body: 'Lounge B' });
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, first.post.id);
    await flagPost(t.ctx, owner, first.post.id, { reason: 'spam' });
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, second.post.id);
    await reviewPost(t.ctx, owner, first.post.id, 'restore');
    expect((await getThread(t.ctx, owner, q.thread.id, { limit: 5 })).thread.acceptedPostId).toBe(
      second.post.id,
    );
  });

  it('keeps an answer set aside while hidden from coming back once the asker chose again or withdrew the choice', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Meals?',
      body: 'Any vegan meal?',
    });
    const first = await replyToThread(t.ctx, owner, q.thread.id, { body: 'Order it 48 h before' });
    const second = await replyToThread(t.ctx, owner, q.thread.id, { body: 'In the app, under Extras' });
    const accepted = async () =>
      (await getThread(t.ctx, owner, q.thread.id, { limit: 5 })).thread.acceptedPostId;
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, first.post.id);
    await flagPost(t.ctx, owner, first.post.id, { reason: 'spam' });
    // Chose another, then withdrew that choice: the question has no accepted answer, and stays so.
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, second.post.id);
    await unacceptAnswer(t.ctx, asker.actor, q.thread.id);
    await reviewPost(t.ctx, owner, first.post.id, 'restore');
    expect(await accepted()).toBeNull();
  });

  it("records a thread title edit in the opening post's history, shown on the history page", async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    const w = await createThread(t.ctx, s.actor, {
      spaceId: forum.id,
      title: 'Wifi on board',
      body: 'Is there wifi?',
    });
    t.clock.advance(60_000);
    await editPost(t.ctx, s.actor, w.post.id, {
      title: 'Free wifi on long-haul flights?',
      body: 'Is there wifi?',
    });
    t.clock.advance(60_000);
    await editPost(t.ctx, s.actor, w.post.id, { body: 'Is there free wifi?' });
    const revisions = await postRevisions(t.ctx, s.actor, w.post.id);
    expect(revisions.map((r) => [r.revision, r.title, r.bodyMarkdown])).toEqual([
      [1, 'Wifi on board', 'Is there wifi?'],
      [2, 'Free wifi on long-haul flights?', 'Is there wifi?'],
      [3, 'Free wifi on long-haul flights?', 'Is there free wifi?'],
    ]);
    const reply = await replyToThread(t.ctx, s.actor, w.thread.id, { body: 'Answering myself' });
    expect((await postRevisions(t.ctx, s.actor, reply.post.id))[0]?.title).toBeNull();

    const page = await get(`/community/${ws.slug}/-/p/${w.post.id}/history`);
    expect(page.body).toContain('<p class="revision-title">Title: <strong>Wifi on board</strong></p>');
    expect(page.body).toContain(
      '<p class="revision-title">Title changed to: <strong>Free wifi on long-haul flights?</strong></p>',
    );
    expect(page.body.match(/Title changed to/g)).toHaveLength(1);
  });
});
