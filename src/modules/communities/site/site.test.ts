import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../../test/factories.ts';
import { createApp } from '../../../http/app.ts';
import { newId } from '../../../ids.ts';
import { hashPassword } from '../../auth/passwords.ts';
import type { MemberActor } from '../actors.ts';
import { flagPost, reviewPost } from '../flags.ts';
import { setIdeaStatus, voteIdea } from '../ideas.ts';
import { communityThreadUrl } from '../loop.ts';
import { loginMember } from '../member-auth.ts';
import { MEMBER_COOKIE } from '../member-session.ts';
import { searchPosts } from '../search.ts';
import { closeSpace, createSpace } from '../spaces.ts';
import { acceptAnswer, createThread, deletePost, replyToThread } from '../threads.ts';
import { POSTS_PER_PAGE, THREADS_PER_PAGE } from './routes.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
const password = 'a long enough member password';
let n = 0;

const later = () => t.clock.advance(60_000);

async function member(
  workspaceId: string,
  opts: { username?: string; displayName?: string } = {},
): Promise<MemberActor> {
  const id = newId(t.clock.now());
  const username = opts.username ?? `site${++n}`;
  await t.ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username,
      display_name: opts.displayName ?? `Site Member ${n}`,
      trust_level: 2,
      created_at: t.clock.now().toISOString(),
      email: `${username}@members.example`,
      email_verified_at: t.clock.now().toISOString(),
      password_hash: await hashPassword(password),
    })
    .execute();
  return { kind: 'member', memberId: id, workspaceId, trustLevel: 2 };
}

async function setup() {
  const ws = await buildWorkspace(t.ctx, { name: 'Acme Air' });
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const space = (kind: 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements', extra: object = {}) =>
    createSpace(t.ctx, owner, { slug: `${kind}-${++n}`, title: `The ${kind} ${n}`, kind, ...extra });
  return { ws, owner, space };
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await app().request(path, { headers });
  return { res, body: await res.text() };
}

/** The hrefs of the page's links with `rel` (pager links). */
function relLink(body: string, rel: 'next' | 'first'): string | null {
  const m = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(body);
  return m?.[1]?.replaceAll('&amp;', '&') ?? null;
}

describe('the public community site', () => {
  it('shows the home page to a visitor without signing in: public spaces with kind, counts and activity, archived marked, closed absent', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum', { description: 'Talk about trips' });
    const task = await space('forum', { purpose: 'task', endsAt: '2026-11-24T00:00:00.000Z' });
    const closed = await space('qa');
    await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Welcome aboard', body: 'Hello!' });
    await closeSpace(t.ctx, owner, closed.id, 'offensive');
    t.clock.set('2026-11-25T09:00:00.000Z');

    const { res, body } = await get(`/community/${ws.slug}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60, stale-while-revalidate=300');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(body).toContain('<title>Home · Acme Air community</title>');
    expect(body).toContain(`<link rel="canonical" href="${t.ctx.config.publicUrl}/community/${ws.slug}">`);
    expect(body).toContain('<meta name="description"');
    expect(body).toContain(`href="/community/${ws.slug}/s/${forum.slug}">${forum.title}</a>`);
    expect(body).toContain('Talk about trips');
    expect(body).toContain('1 thread');
    expect(body).toContain('<time datetime="2026-11-23T09:00:00.000Z">');
    expect(body).toMatch(new RegExp(`${task.title}</a> <span class="badge archived">Archived</span>`));
    expect(body).not.toContain(closed.title);
    expect(body).not.toContain('<script');
  });

  it('pages a space by last activity with ?cursor= links, and marks answered questions', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const ids: string[] = [];
    for (let i = 0; i < THREADS_PER_PAGE + 2; i++) {
      later();
      const w = await createThread(t.ctx, owner, {
        spaceId: qa.id,
        title: `Question ${i}`,
        body: `Body ${i}`,
      });
      ids.push(w.thread.id);
    }
    const asker = await member(ws.id);
    later();
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Can I bring skis?', body: 'Skis?' });
    const answer = await replyToThread(t.ctx, owner, q.thread.id, { body: 'Yes, as checked luggage.' });
    await acceptAnswer(t.ctx, asker, q.thread.id, answer.post.id);

    const first = await get(`/community/${ws.slug}/s/${qa.slug}`);
    expect(first.res.status).toBe(200);
    const titles = [...first.body.matchAll(/\/t\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(titles).toHaveLength(THREADS_PER_PAGE);
    expect(titles[0]).toBe('Can I bring skis?');
    expect(titles[1]).toBe(`Question ${THREADS_PER_PAGE + 1}`);
    expect(first.body).toMatch(/Can I bring skis\?<\/a> <span class="badge answered">Answered<\/span>/);
    expect(first.body).toMatch(/Question 3<\/a> <span class="badge">Unanswered<\/span>/);
    expect(relLink(first.body, 'first')).toBeNull();
    const next = relLink(first.body, 'next');
    expect(next).toMatch(new RegExp(`^/community/${ws.slug}/s/${qa.slug}\\?cursor=`));

    const second = await get(next ?? '');
    const rest = [...second.body.matchAll(/\/t\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(rest).toEqual(['Question 2', 'Question 1', 'Question 0']);
    expect(relLink(second.body, 'next')).toBeNull();
    expect(relLink(second.body, 'first')).toBe(`/community/${ws.slug}/s/${qa.slug}`);
  });

  it('sorts ideas by votes with status badges, and shows an idea with its votes and status history', async () => {
    const { ws, owner, space } = await setup();
    const ideas = await space('ideas');
    const voters = [await member(ws.id), await member(ws.id), await member(ws.id)];
    const a = await createThread(t.ctx, voters[0] as MemberActor, {
      spaceId: ideas.id,
      title: 'Window seat booking',
      body: 'Let me pick',
    });
    later();
    const b = await createThread(t.ctx, voters[1] as MemberActor, {
      spaceId: ideas.id,
      title: 'Free wifi',
      body: 'Please',
    });
    for (const v of voters) await voteIdea(t.ctx, v, a.thread.id);
    await voteIdea(t.ctx, voters[0] as MemberActor, b.thread.id);
    await setIdeaStatus(t.ctx, owner, a.thread.id, { status: 'planned', note: 'Coming in spring' });

    const { body } = await get(`/community/${ws.slug}/s/${ideas.slug}`);
    const order = [...body.matchAll(/\/t\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
    expect(order).toEqual(['Window seat booking', 'Free wifi']);
    expect(body).toContain('Window seat booking</a> <span class="badge planned">Planned</span>');
    expect(body).toContain('Free wifi</a> <span class="badge open">Open</span>');
    expect(body).toContain('3 votes');

    const idea = await get(`/community/${ws.slug}/t/${a.thread.id}`);
    expect(idea.body).toContain('<span class="votes">3 votes</span>');
    expect(idea.body).toContain('Planned — Coming in spring');
  });

  it('shows a thread in order with the accepted answer highlighted, paged by post number, without hidden or deleted posts', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws.id, { username: 'asker' });
    const q = await createThread(t.ctx, asker, {
      spaceId: qa.id,
      title: 'Lost bag',
      body: 'Where is my bag?',
    });
    const replies = [];
    for (let i = 2; i <= POSTS_PER_PAGE + 3; i++) {
      later();
      replies.push(await replyToThread(t.ctx, owner, q.thread.id, { body: `Reply number ${i}` }));
    }
    const accepted = replies[2];
    const deleted = replies[3];
    const hidden = replies[4];
    await acceptAnswer(t.ctx, asker, q.thread.id, accepted?.post.id as number);
    await deletePost(t.ctx, owner, deleted?.post.id as number);
    await t.ctx.db
      .updateTable('community_posts')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', hidden?.post.id as number)
      .execute();

    const first = await get(`/community/${ws.slug}/t/${q.thread.id}`);
    expect(first.res.status).toBe(200);
    expect(first.body).toContain('<title>Lost bag · Acme Air community</title>');
    expect(first.body).toContain('<meta name="description" content="Where is my bag?">');
    const numbers = [...first.body.matchAll(/<article class="post[^"]*" id="p(\d+)">/g)].map((m) =>
      Number(m[1]),
    );
    // Posts 5 (deleted) and 6 (hidden) are left out; the page still covers numbers 1..20.
    expect(numbers).toEqual(
      Array.from({ length: POSTS_PER_PAGE }, (_, i) => i + 1).filter((x) => x !== 5 && x !== 6),
    );
    expect(first.body).not.toContain('Reply number 5');
    expect(first.body).not.toContain('Reply number 6');
    expect(first.body).toMatch(
      /<article class="post accepted" id="p4">[\s\S]*?Accepted answer[\s\S]*?Reply number 4/,
    );
    expect(first.body.match(/class="post accepted"/g)).toHaveLength(1);
    expect(first.body).toContain(`<a class="author" href="/community/${ws.slug}/u/asker">`);

    const next = relLink(first.body, 'next');
    expect(next).not.toBeNull();
    const second = await get(next ?? '');
    const rest = [...second.body.matchAll(/id="p(\d+)"/g)].map((m) => Number(m[1]));
    expect(rest).toEqual([POSTS_PER_PAGE + 1, POSTS_PER_PAGE + 2, POSTS_PER_PAGE + 3]);
    expect(relLink(second.body, 'next')).toBeNull();
  });

  it('shows an accepted answer from a later page under the question on the first page, where #p<number> links land', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws.id);
    const q = await createThread(t.ctx, asker, { spaceId: qa.id, title: 'Long one', body: 'Question?' });
    let late = 0;
    for (let i = 2; i <= POSTS_PER_PAGE + 5; i++) {
      const r = await replyToThread(t.ctx, owner, q.thread.id, { body: `Answer ${i}` });
      if (i === POSTS_PER_PAGE + 3) late = r.post.id;
    }
    await acceptAnswer(t.ctx, asker, q.thread.id, late);

    const first = await get(`/community/${ws.slug}/t/${q.thread.id}`);
    const numbers = [...first.body.matchAll(/<article class="post[^"]*" id="p(\d+)">/g)].map((m) =>
      Number(m[1]),
    );
    expect(numbers.slice(0, 3)).toEqual([1, POSTS_PER_PAGE + 3, 2]);
    expect(numbers).toHaveLength(POSTS_PER_PAGE + 1);
    expect(first.body).toContain('(shown here from later in the thread)');
    const second = await get(relLink(first.body, 'next') ?? '');
    const rest = [...second.body.matchAll(/id="p(\d+)"/g)].map((m) => Number(m[1]));
    expect(rest).toEqual([
      POSTS_PER_PAGE + 1,
      POSTS_PER_PAGE + 2,
      POSTS_PER_PAGE + 3,
      POSTS_PER_PAGE + 4,
      POSTS_PER_PAGE + 5,
    ]);
    expect(second.body).not.toContain('shown here from later');
  });

  it('links a late post (in emails, shares, search and replies) to the page that holds it', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const th = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Busy', body: 'Start' });
    for (let i = 2; i <= 2 * POSTS_PER_PAGE + 5; i++)
      await replyToThread(t.ctx, owner, th.thread.id, {
        body: i === 2 * POSTS_PER_PAGE + 3 ? 'needle here' : `Reply ${i}`,
      });
    const number = 2 * POSTS_PER_PAGE + 3;
    const absolute = communityThreadUrl(t.ctx, ws.slug, th.thread.id, number);
    const path = absolute.slice(t.ctx.config.publicUrl.length);
    expect(path).toMatch(new RegExp(`^/community/${ws.slug}/t/${th.thread.id}\\?cursor=[^#]+#p${number}$`));
    const page = await get(path.split('#')[0] ?? '');
    const shown = [...page.body.matchAll(/<article class="post[^"]*" id="p(\d+)">/g)].map((m) =>
      Number(m[1]),
    );
    expect(shown[0]).toBe(2 * POSTS_PER_PAGE + 1);
    expect(shown).toContain(number);
    // The search results page links to the same place.
    const results = await get(`/community/${ws.slug}/search?q=needle`);
    expect(results.body).toContain(`href="${path.replaceAll('&', '&amp;')}"`);
    // The first page's posts link without a cursor.
    expect(communityThreadUrl(t.ctx, ws.slug, th.thread.id, POSTS_PER_PAGE)).toBe(
      `${t.ctx.config.publicUrl}/community/${ws.slug}/t/${th.thread.id}#p${POSTS_PER_PAGE}`,
    );
  });

  it('answers 404 pages for unknown workspaces, spaces, threads, members and paths, and for closed, hidden or deleted content', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const closed = await space('forum');
    const inClosed = await createThread(t.ctx, owner, { spaceId: closed.id, title: 'Secret', body: 'x' });
    await closeSpace(t.ctx, owner, closed.id, 'harmful');
    const hidden = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Hidden one', body: 'x' });
    await t.ctx.db
      .updateTable('community_threads')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', hidden.thread.id)
      .execute();
    const gone = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Gone', body: 'x' });
    await deletePost(t.ctx, owner, gone.post.id);

    for (const path of [
      '/community/no-such-community',
      `/community/no-such-community/s/${forum.slug}`,
      `/community/${ws.slug}/s/no-such-space`,
      `/community/${ws.slug}/s/${closed.slug}`,
      `/community/${ws.slug}/t/no-such-thread`,
      `/community/${ws.slug}/t/${inClosed.thread.id}`,
      `/community/${ws.slug}/t/${hidden.thread.id}`,
      `/community/${ws.slug}/t/${gone.thread.id}`,
      `/community/${ws.slug}/u/nobody`,
      `/community/${ws.slug}/whatever/else`,
    ]) {
      const { res, body } = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('text/html');
      expect(body, path).toContain('<h1>Not found</h1>');
      expect(body, path).toContain('<meta name="robots" content="noindex">');
    }
    const bad = await get(`/community/${ws.slug}/s/${forum.slug}?cursor=not-a-cursor`);
    expect(bad.res.status).toBe(400);
    const list = await get(`/community/${ws.slug}/s/${forum.slug}`);
    expect(list.body).not.toContain('Hidden one');
    expect(list.body).not.toContain('Gone');
  });

  it('counts only what a visitor can see: a hidden thread or reply leaves the counts and last activity until restored', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const ana = await member(ws.id);
    const keep = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'Lisbon tips', body: 'Go' });
    later();
    const rude = await replyToThread(t.ctx, ana, keep.thread.id, { body: 'rude words' });
    later();
    const spam = await createThread(t.ctx, ana, { spaceId: forum.id, title: 'FREE vouchers', body: 'win' });
    await replyToThread(t.ctx, ana, spam.thread.id, { body: 'win more' });
    const spacePath = `/community/${ws.slug}/s/${forum.slug}`;
    const meta = (body: string) =>
      /<p class="meta"><span class="badge kind">[^<]*<\/span>(.*?)<\/p>/.exec(body)?.[1];
    const stamp = (iso: string) => `<time datetime="${iso}">`;

    await flagPost(t.ctx, owner, spam.post.id, { reason: 'spam' });
    await flagPost(t.ctx, owner, rude.post.id, { reason: 'offensive' });
    const space1 = await get(spacePath);
    expect(space1.body).not.toContain('FREE vouchers');
    expect(meta(space1.body)).toBe('<span>1 thread</span><span>latest activity first</span>');
    expect(space1.body).toContain('<span>0 replies</span>');
    expect(space1.body).toContain(`<span>last activity ${stamp(keep.post.createdAt)}`);
    const home1 = await get(`/community/${ws.slug}`);
    expect(meta(home1.body)).toContain(
      `<span>1 thread</span><span>1 post</span><span>last activity ${stamp(keep.post.createdAt)}`,
    );

    await reviewPost(t.ctx, owner, spam.post.id, 'restore');
    await reviewPost(t.ctx, owner, rude.post.id, 'restore');
    const space2 = await get(spacePath);
    expect(meta(space2.body)).toBe('<span>2 threads</span><span>latest activity first</span>');
    expect(space2.body).toContain('<span>1 reply</span>');
    const home2 = await get(`/community/${ws.slug}`);
    expect(meta(home2.body)).toContain('<span>2 threads</span><span>4 posts</span>');
    expect(meta(home2.body)).toContain(stamp(spam.post.createdAt));
  });

  it('escapes titles, descriptions and names: a <script> in them is text, never markup', async () => {
    const { ws, owner } = await setup();
    const evil = '<script>alert(1)</script>';
    const forum = await createSpace(t.ctx, owner, {
      slug: 'evil-space',
      title: `Space ${evil}`,
      description: `About "<img src=x onerror=alert(1)>"`,
      kind: 'forum',
    });
    const author = await member(ws.id, { username: 'mallory', displayName: `Mallory ${evil}` });
    const w = await createThread(t.ctx, author, { spaceId: forum.id, title: `Thread ${evil}`, body: evil });

    for (const path of [
      `/community/${ws.slug}`,
      `/community/${ws.slug}/s/evil-space`,
      `/community/${ws.slug}/t/${w.thread.id}`,
      `/community/${ws.slug}/u/mallory`,
      `/community/${ws.slug}/search?q=${encodeURIComponent(`alert ${evil}`)}`,
    ]) {
      const { res, body } = await get(path);
      expect(res.status, path).toBe(200);
      expect(body, path).not.toContain('<script');
      expect(body, path).not.toContain('<img src=x');
      expect(body, path).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
    const thread = await get(`/community/${ws.slug}/t/${w.thread.id}`);
    expect(thread.body).toContain('<title>Thread &lt;script&gt;alert(1)&lt;/script&gt; · ');
    expect(thread.body).toContain('>Mallory &lt;script&gt;alert(1)&lt;/script&gt;</a>');
  });

  it('points @mentions at the member profile on this site, which shows rank, trust level and recent posts', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const maya = await member(ws.id, { username: 'maya', displayName: 'Maya Lind' });
    const other = await member(ws.id);
    const first = await createThread(t.ctx, maya, {
      spaceId: forum.id,
      title: 'Meals',
      body: 'Vegan meals?',
    });
    later();
    const removed = await replyToThread(t.ctx, maya, first.thread.id, { body: 'Removed later' });
    await deletePost(t.ctx, maya, removed.post.id);
    later();
    await replyToThread(t.ctx, other, first.thread.id, { body: 'Ask @maya about it' });

    const thread = await get(`/community/${ws.slug}/t/${first.thread.id}`);
    expect(thread.body).toContain(
      `<a href="/community/${ws.slug}/u/maya" rel="nofollow ugc noopener" class="mention">@maya</a>`,
    );

    const profile = await get(`/community/${ws.slug}/u/maya`);
    expect(profile.res.status).toBe(200);
    expect(profile.body).toContain('<h1>Maya Lind</h1>');
    expect(profile.body).toContain('<dd>@maya</dd>');
    expect(profile.body).toContain('<dd>Newcomer (0 points)</dd>');
    expect(profile.body).toContain('<dt>Trust level</dt><dd>2</dd>');
    expect(profile.body).toContain('Vegan meals?');
    expect(profile.body).not.toContain('Removed later');
  });

  it('searches with ?q=, in the ranked order of the community search, never finding hidden posts', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const a = await createThread(t.ctx, owner, {
      spaceId: forum.id,
      title: 'Pets on board',
      body: 'Small pets travel in the cabin. Pets over 8 kg travel in the hold.',
    });
    await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Meals', body: 'Pets are not meals.' });
    const hidden = await replyToThread(t.ctx, owner, a.thread.id, { body: 'pets pets pets secret' });
    await t.ctx.db
      .updateTable('community_posts')
      .set({ hidden_at: t.clock.now().toISOString() })
      .where('id', '=', hidden.post.id)
      .execute();

    const empty = await get(`/community/${ws.slug}/search`);
    expect(empty.res.status).toBe(200);
    expect(empty.body).toContain('<h1>Search</h1>');

    const { res, body } = await get(`/community/${ws.slug}/search?q=pets`);
    expect(res.status).toBe(200);
    expect(body).toContain('<meta name="robots" content="noindex">');
    const found = [...body.matchAll(/<h2><a href="([^"]+)">([^<]+)<\/a><\/h2>/g)].map((m) => m[2]);
    // In the order part A's ranked search gives, for a visitor.
    const ranked = await searchPosts(t.ctx, { kind: 'anonymous', workspaceId: ws.id }, { q: 'pets' });
    expect(ranked).toHaveLength(2);
    expect(found).toEqual(ranked.map((h) => h.threadTitle));
    expect(found.sort()).toEqual(['Meals', 'Pets on board']);
    expect(body).toContain(`href="/community/${ws.slug}/t/${a.thread.id}#p1"`);
    expect(body).not.toContain('secret');
    const none = await get(`/community/${ws.slug}/search?q=zeppelin`);
    expect(none.body).toContain('No posts match “zeppelin”.');
  });

  it('shows a signed-in member their name and unread marks, privately cached; a member of another community reads as a visitor', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const reader = await member(ws.id, { username: 'reader', displayName: 'Rita Reader' });
    const session = await loginMember(t.ctx, {
      workspace: ws.slug,
      email: 'reader@members.example',
      password,
    });
    later();
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'News', body: 'Fresh news' });
    await replyToThread(t.ctx, owner, w.thread.id, { body: 'More news' });
    const cookie = { cookie: `${MEMBER_COOKIE}=${session.sessionToken}` };

    const home = await get(`/community/${ws.slug}`, cookie);
    expect(home.res.headers.get('cache-control')).toBe('private, no-cache');
    expect(home.body).toContain(`Signed in as <a href="/community/${ws.slug}/u/reader">Rita Reader</a>`);
    expect(home.body).toContain('<span class="badge unread">2 new posts</span>');
    const list = await get(`/community/${ws.slug}/s/${forum.slug}`, cookie);
    expect(list.body).toContain('News</a> <span class="badge unread">2 new posts</span>');
    expect(reader.memberId).toBe(session.memberId);

    const elsewhere = await setup();
    const visitor = await get(`/community/${elsewhere.ws.slug}`, cookie);
    expect(visitor.body).toContain('Reading as a visitor.');
    expect(visitor.body).not.toContain('Rita Reader');
    expect(visitor.res.headers.get('cache-control')).toContain('public');
    const anonymous = await get(`/community/${ws.slug}`);
    expect(anonymous.body).not.toContain('unread');
  });

  it('serves its stylesheet and leaves the member pages, the web app and the API where they were', async () => {
    const css = await get('/community/-/site.css');
    expect(css.res.status).toBe(200);
    expect(css.res.headers.get('content-type')).toContain('text/css');
    expect(css.body).toContain('max-width');
    // The member pages under /community/<workspace>/-/ stay theirs.
    const { ws } = await setup();
    const signIn = await get(`/community/${ws.slug}/-/sign-in`);
    expect(signIn.res.status).toBe(200);
    expect(signIn.body).toContain('Sign in to the community');
    const home = await get(`/community/${ws.slug}`);
    expect(home.body).toContain(`<a href="/community/${ws.slug}/-/sign-in">Sign in</a>`);
    const spa = await get('/inbox');
    expect(spa.body).not.toContain('<h1>Not found</h1>');
    const api = await app().request('/api/v1/communities/spaces');
    expect(api.status).toBe(401);
  });
});
