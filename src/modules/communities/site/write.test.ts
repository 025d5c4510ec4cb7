import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../../test/factories.ts';
import { createApp } from '../../../http/app.ts';
import { flagPost } from '../flags.ts';
import { setIdeaStatus } from '../ideas.ts';
import { notifyIdeaStatusChanges } from '../loop.ts';
import { type SignedInMember, signedInMember } from '../members-fixtures.ts';
import { unreadCounts } from '../reading.ts';
import { adjustPoints } from '../reputation.ts';
import { createSpace } from '../spaces.ts';
import { acceptAnswer, createThread, replyToThread } from '../threads.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
let n = 0;

type Session = SignedInMember;

const member = (workspace: { id: string; slug: string }, trustLevel = 2) =>
  signedInMember(t.ctx, workspace, trustLevel);

async function setup() {
  const ws = await buildWorkspace(t.ctx, { name: 'Acme Air' });
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const space = (kind: 'forum' | 'qa' | 'ideas' | 'kb', extra: object = {}) =>
    createSpace(t.ctx, owner, { slug: `${kind}-${++n}`, title: `The ${kind} ${n}`, kind, ...extra });
  return { ws, owner, space };
}

async function get(path: string, s?: Session) {
  const res = await app().request(path, { headers: s ? { cookie: s.cookie } : {} });
  return { res, body: await res.text() };
}

/** Posts a form as a browser does; the session's token goes in the `form` field unless given. */
async function post(path: string, s: Session | null, fields: Record<string, string>) {
  const body = new URLSearchParams(s && !('form' in fields) ? { form: s.token, ...fields } : fields);
  const res = await app().request(path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(s ? { cookie: s.cookie } : {}),
    },
    body: body.toString(),
  });
  return { res, body: await res.text() };
}

const later = () => t.clock.advance(60_000);
const postsOf = (threadId: string) =>
  t.ctx.db
    .selectFrom('community_posts')
    .selectAll()
    .where('thread_id', '=', threadId)
    .orderBy('number')
    .execute();

describe('writing on the community site as a member (no JavaScript)', () => {
  it('opens a thread from a space page: the form, a preview rendered through render.ts with the text kept, then redirect after post', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);

    const page = await get(`/community/${ws.slug}/s/${forum.slug}`, s);
    expect(page.body).toContain(
      `<a class="button" href="/community/${ws.slug}/-/s/${forum.slug}/new">New thread</a>`,
    );
    const form = await get(`/community/${ws.slug}/-/s/${forum.slug}/new`, s);
    expect(form.res.status).toBe(200);
    expect(form.res.headers.get('cache-control')).toBe('no-store');
    expect(form.body).toContain(`<input type="hidden" name="form" value="${s.token}">`);

    const path = `/community/${ws.slug}/-/s/${forum.slug}/new`;
    const preview = await post(path, s, {
      title: 'Lost <b>bag</b>',
      body: '**Where** is my bag? <script>alert(1)</script>',
      preview: '1',
    });
    expect(preview.res.status).toBe(200);
    expect(preview.body).toContain('<h2 id="preview-heading">Preview</h2>');
    expect(preview.body).toContain('<strong>Where</strong> is my bag? &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(preview.body).not.toContain('<script>alert(1)');
    expect(preview.body).toContain('value="Lost &lt;b&gt;bag&lt;/b&gt;"');
    expect(
      await t.ctx.db.selectFrom('community_threads').select('id').where('space_id', '=', forum.id).execute(),
    ).toEqual([]);

    const created = await post(path, s, { title: 'Lost bag', body: '**Where** is my bag?' });
    expect(created.res.status).toBe(303);
    const thread = await t.ctx.db
      .selectFrom('community_threads')
      .selectAll()
      .where('space_id', '=', forum.id)
      .executeTakeFirstOrThrow();
    expect(created.res.headers.get('location')).toBe(`/community/${ws.slug}/t/${thread.id}`);
    expect(thread.title).toBe('Lost bag');
    expect(thread.author_member_id).toBe(s.actor.memberId);
    const [first] = await postsOf(thread.id);
    expect(first?.body_html).toBe('<p><strong>Where</strong> is my bag?</p>');
  });

  it('refuses a post without the form token (403) or without a member session of this community (401), writing nothing', async () => {
    const { ws, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    const path = `/community/${ws.slug}/-/s/${forum.slug}/new`;
    const noToken = await post(path, s, { form: '', title: 'A', body: 'B' });
    expect(noToken.res.status).toBe(403);
    expect(noToken.body).toContain('This form is out of date');
    const wrongToken = await post(path, s, { form: 'x'.repeat(43), title: 'A', body: 'B' });
    expect(wrongToken.res.status).toBe(403);
    const visitor = await post(path, null, { form: s.token, title: 'A', body: 'B' });
    expect(visitor.res.status).toBe(401);
    expect(visitor.body).toContain('Sign in first');
    const other = await setup();
    const stranger = await member(other.ws);
    const elsewhere = await post(path, stranger, { title: 'A', body: 'B' });
    expect(elsewhere.res.status).toBe(401);
    const count = await t.ctx.db
      .selectFrom('community_threads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('space_id', '=', forum.id)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('replies with a quote: the Quote link prefills the quoted post, and the reply is stored answering and quoting it', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    const w = await createThread(t.ctx, owner, {
      spaceId: forum.id,
      title: 'Meals',
      body: 'Vegan meals on board?',
    });
    later();

    const thread = await get(`/community/${ws.slug}/t/${w.thread.id}`, s);
    expect(thread.body).toContain(`href="/community/${ws.slug}/-/t/${w.thread.id}/reply?quote=1">Quote</a>`);
    expect(thread.body).toContain('<h2 id="reply-heading">Reply</h2>');
    const form = await get(`/community/${ws.slug}/-/t/${w.thread.id}/reply?quote=1`, s);
    expect(form.body).toContain('<input type="hidden" name="replyTo" value="1">');
    expect(form.body).toContain('>Vegan meals on board?</textarea>');

    const sent = await post(`/community/${ws.slug}/-/t/${w.thread.id}/reply`, s, {
      replyTo: '1',
      quote: 'Vegan meals on board?',
      body: 'Yes, order them 48 hours ahead.',
    });
    expect(sent.res.status).toBe(303);
    expect(sent.res.headers.get('location')).toBe(`/community/${ws.slug}/t/${w.thread.id}#p2`);
    const reply = (await postsOf(w.thread.id))[1];
    expect(reply?.reply_to_number).toBe(1);
    expect(reply?.body_markdown).toContain(
      'wrote:\n> Vegan meals on board?\n\nYes, order them 48 hours ahead.',
    );
    expect(reply?.body_html).toContain('<blockquote>');
  });

  it('shows errors on the form with the text kept: validation, trust too low for links, the new-member rate limit, a read-only archive', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const task = await space('forum', { purpose: 'task', endsAt: '2026-11-30T00:00:00.000Z' });
    const newcomer = await member(ws, 0);
    const path = `/community/${ws.slug}/-/s/${forum.slug}/new`;

    const empty = await post(path, newcomer, { title: '   ', body: 'Body kept here' });
    expect(empty.res.status).toBe(400);
    expect(empty.body).toContain(
      '<p class="error" role="alert">Give it a title (at most 300 characters).</p>',
    );
    expect(empty.body).toContain('>Body kept here</textarea>');

    const link = await post(path, newcomer, { title: 'Deals', body: 'See https://spam.example/deal now' });
    expect(link.res.status).toBe(403);
    expect(link.body).toContain('Links need trust level 1; you are at level 0.');
    expect(link.body).toContain('>See https://spam.example/deal now</textarea>');
    expect(link.body).toContain('value="Deals"');

    for (let i = 1; i <= 3; i++)
      expect(
        (await post(path, newcomer, { title: `Trip ${i}`, body: `Question ${i} about seats` })).res.status,
      ).toBe(303);
    const limited = await post(path, newcomer, { title: 'Trip 4', body: 'Fourth question' });
    expect(limited.res.status).toBe(429);
    expect(limited.res.headers.get('retry-after')).toBe('600');
    expect(limited.body).toContain(
      'New members may write 3 posts per 10 minutes; try again in about 10 minutes',
    );
    expect(limited.body).not.toContain('seconds');
    expect(limited.body).toContain('>Fourth question</textarea>');

    const s = await member(ws);
    const w = await createThread(t.ctx, owner, { spaceId: task.id, title: 'Summer', body: 'Plans?' });
    t.clock.set('2026-12-01T00:00:00.000Z');
    const archived = await post(`/community/${ws.slug}/-/t/${w.thread.id}/reply`, s, { body: 'Too late?' });
    expect(archived.res.status).toBe(409);
    expect(archived.body).toContain('ended on 30 November 2026; it is a read-only archive now');
    expect(archived.body).not.toContain('2026-11-30');
    expect(archived.body).toContain('>Too late?</textarea>');
    const page = await get(`/community/${ws.slug}/t/${w.thread.id}`, s);
    expect(page.body).not.toContain('reply-heading');
  });

  it('edits and deletes only the member’s own posts; the edit history link lists every version', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Wifi', body: 'Is there wifi?' });
    const mine = await replyToThread(t.ctx, s.actor, w.thread.id, { body: 'On long-haul yes' });
    later();

    const page = await get(`/community/${ws.slug}/t/${w.thread.id}`, s);
    expect(page.body).toContain(`href="/community/${ws.slug}/-/p/${mine.post.id}/edit">Edit</a>`);
    expect(page.body).not.toContain(`/-/p/${w.post.id}/edit`);
    const theirs = await post(`/community/${ws.slug}/-/p/${w.post.id}/edit`, s, { body: 'Hijacked' });
    expect(theirs.res.status).toBe(403);

    const form = await get(`/community/${ws.slug}/-/p/${mine.post.id}/edit`, s);
    expect(form.body).toContain('>On long-haul yes</textarea>');
    const edited = await post(`/community/${ws.slug}/-/p/${mine.post.id}/edit`, s, {
      body: 'On long-haul flights, yes (free).',
    });
    expect(edited.res.status).toBe(303);
    const after = await get(`/community/${ws.slug}/t/${w.thread.id}`);
    expect(after.body).toContain('On long-haul flights, yes (free).');
    expect(after.body).toContain(`<a href="/community/${ws.slug}/-/p/${mine.post.id}/history">edited</a>`);
    const history = await get(`/community/${ws.slug}/-/p/${mine.post.id}/history`);
    expect(history.res.status).toBe(200);
    expect(history.body).toContain('Original');
    expect(history.body).toContain('On long-haul yes');
    expect(history.body).toContain('Edit 1');

    expect((await get(`/community/${ws.slug}/-/p/${mine.post.id}/delete`, s)).body).toContain(
      'Delete post #2?',
    );
    expect((await post(`/community/${ws.slug}/-/p/${w.post.id}/delete`, s, {})).res.status).toBe(403);
    const deleted = await post(`/community/${ws.slug}/-/p/${mine.post.id}/delete`, s, {});
    expect(deleted.res.status).toBe(303);
    expect(deleted.res.headers.get('location')).toBe(`/community/${ws.slug}/t/${w.thread.id}`);
    const rows = await postsOf(w.thread.id);
    expect(rows[0]?.deleted_at).toBeNull();
    expect(rows[1]?.deleted_at).not.toBeNull();
  });

  it('likes and unlikes a post, and three flags of level-1 members hide it until a moderator reviews it', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const author = await member(ws);
    const w = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Deals', body: 'Hello' });
    const bad = await replyToThread(t.ctx, author.actor, w.thread.id, { body: 'Buy cheap watches' });
    const likePath = `/community/${ws.slug}/-/p/${bad.post.id}/like`;
    const fan = await member(ws, 1);
    expect((await post(likePath, fan, { like: 'yes' })).res.status).toBe(303);
    expect((await get(`/community/${ws.slug}/t/${w.thread.id}`, fan)).body).toContain('>Unlike</button>');
    const likes = () =>
      t.ctx.db
        .selectFrom('community_posts')
        .select('like_count')
        .where('id', '=', bad.post.id)
        .executeTakeFirstOrThrow();
    expect(Number((await likes()).like_count)).toBe(1);
    expect((await post(likePath, fan, { like: 'no' })).res.status).toBe(303);
    expect(Number((await likes()).like_count)).toBe(0);
    const self = await post(likePath, author, { like: 'yes' });
    expect(self.res.status).toBe(403);
    expect(self.body).toContain('You cannot like your own post');

    const flagPath = `/community/${ws.slug}/-/p/${bad.post.id}/flag`;
    expect((await get(flagPath, fan)).body).toContain('name="reason" value="spam"');
    const noReason = await post(flagPath, fan, { note: 'kept note' });
    expect(noReason.res.status).toBe(400);
    expect(noReason.body).toContain('>kept note</textarea>');
    for (const [i, flagger] of [fan, await member(ws, 1), await member(ws, 1)].entries()) {
      const flagged = await post(flagPath, flagger, { reason: 'spam', note: 'watches again' });
      expect(flagged.res.status).toBe(303);
      const hidden = await t.ctx.db
        .selectFrom('community_posts')
        .select('hidden_at')
        .where('id', '=', bad.post.id)
        .executeTakeFirstOrThrow();
      expect(hidden.hidden_at === null).toBe(i < 2);
    }
    const visitor = await get(`/community/${ws.slug}/t/${w.thread.id}`);
    expect(visitor.body).not.toContain('Buy cheap watches');
  });

  it('votes and unvotes an idea, and lets only the asker accept an answer, which is then highlighted', async () => {
    const { ws, owner, space } = await setup();
    const ideas = await space('ideas');
    const qa = await space('qa');
    const s = await member(ws);
    const idea = await createThread(t.ctx, owner, {
      spaceId: ideas.id,
      title: 'Window seats',
      body: 'More of them',
    });
    const votePath = `/community/${ws.slug}/-/t/${idea.thread.id}/vote`;
    expect((await get(`/community/${ws.slug}/t/${idea.thread.id}`, s)).body).toContain(
      '>Vote for this idea</button>',
    );
    expect((await post(votePath, s, { vote: 'yes' })).res.headers.get('location')).toBe(
      `/community/${ws.slug}/t/${idea.thread.id}`,
    );
    const voted = await get(`/community/${ws.slug}/t/${idea.thread.id}`, s);
    expect(voted.body).toContain('<span class="votes">1 vote</span>');
    expect(voted.body).toContain('>Remove my vote</button>');
    await post(votePath, s, { vote: 'no' });
    expect((await get(`/community/${ws.slug}/t/${idea.thread.id}`, s)).body).toContain(
      '<span class="votes">0 votes</span>',
    );

    const asker = await member(ws);
    const helper = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Pets?',
      body: 'Can my cat fly?',
    });
    const answer = await replyToThread(t.ctx, helper.actor, q.thread.id, { body: 'Yes, in the cabin.' });
    const acceptPath = `/community/${ws.slug}/-/t/${q.thread.id}/accept`;
    expect((await get(`/community/${ws.slug}/t/${q.thread.id}`, helper)).body).not.toContain(
      'Accept as answer',
    );
    const notAsker = await post(acceptPath, helper, { postId: String(answer.post.id) });
    expect(notAsker.res.status).toBe(403);
    expect(notAsker.body).toContain('Only the asker or a moderator accepts an answer');
    expect((await get(`/community/${ws.slug}/t/${q.thread.id}`, asker)).body).toContain(
      '>Accept as answer</button>',
    );
    const accepted = await post(acceptPath, asker, { postId: String(answer.post.id) });
    expect(accepted.res.status).toBe(303);
    expect(accepted.res.headers.get('location')).toBe(`/community/${ws.slug}/t/${q.thread.id}#p2`);
    const page = await get(`/community/${ws.slug}/t/${q.thread.id}`);
    expect(page.body).toContain('<article class="post accepted" id="p2">');
  });

  it('marks what a member opens as read, and "Mark all read" clears a space', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const s = await member(ws);
    later();
    const a = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'First', body: 'One' });
    await replyToThread(t.ctx, owner, a.thread.id, { body: 'Two' });
    const b = await createThread(t.ctx, owner, { spaceId: forum.id, title: 'Second', body: 'Three' });
    const spacePath = `/community/${ws.slug}/s/${forum.slug}`;
    expect((await get(spacePath, s)).body).toContain(
      'First</a> <span class="badge unread">2 new posts</span>',
    );

    await get(`/community/${ws.slug}/t/${a.thread.id}`, s);
    const after = await get(spacePath, s);
    expect(after.body).not.toContain('First</a> <span class="badge unread">');
    expect(after.body).toContain('Second</a> <span class="badge unread">1 new post</span>');
    later();
    await replyToThread(t.ctx, owner, a.thread.id, { body: 'A new reply' });
    expect((await get(spacePath, s)).body).toContain(
      'First</a> <span class="badge unread">1 new post</span>',
    );

    const marked = await post(`/community/${ws.slug}/-/read-all`, s, { spaceId: forum.id });
    expect(marked.res.status).toBe(303);
    expect(marked.res.headers.get('location')).toBe(spacePath);
    expect(await unreadCounts(t.ctx, s.actor, [forum.id])).toEqual([
      { spaceId: forum.id, unreadThreads: 0, newPosts: 0 },
    ]);
    expect(b.thread.id).toBeTruthy();
  });

  it('lets a member whose trust allows it start a space from the site; others are told which level it takes', async () => {
    const { ws } = await setup();
    const newcomer = await member(ws, 1);
    const below = await get(`/community/${ws.slug}/-/spaces/new`, newcomer);
    expect(below.res.status).toBe(403);
    expect(below.body).toContain('Starting a space needs trust level 3');
    expect(below.body).not.toContain('<form class="compose"');
    const refused = await post(`/community/${ws.slug}/-/spaces/new`, newcomer, {
      title: 'Lisbon meetups',
      slug: 'lisbon-meetups',
      kind: 'forum',
    });
    expect(refused.res.status).toBe(403);

    const regular = await member(ws, 3);
    const page = await get(`/community/${ws.slug}/-/spaces/new`, regular);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<form class="compose"');
    const made = await post(`/community/${ws.slug}/-/spaces/new`, regular, {
      title: 'Lisbon meetups',
      slug: 'Lisbon-Meetups',
      kind: 'qa',
      description: 'Meet other travellers in <b>Lisbon</b>.',
    });
    expect(made.res.status).toBe(303);
    expect(made.res.headers.get('location')).toBe(`/community/${ws.slug}/s/lisbon-meetups`);
    const space = await t.ctx.db
      .selectFrom('community_spaces')
      .select(['kind', 'purpose', 'title', 'created_by_member_id'])
      .where('workspace_id', '=', ws.id)
      .where('slug', '=', 'lisbon-meetups')
      .executeTakeFirstOrThrow();
    expect(space).toEqual({
      kind: 'qa',
      purpose: 'impromptu',
      title: 'Lisbon meetups',
      created_by_member_id: regular.actor.memberId,
    });
    expect((await get(`/community/${ws.slug}`)).body).toContain('Lisbon meetups');

    // The same address again, and a kind members may not start: the form says why, text kept.
    const taken = await post(`/community/${ws.slug}/-/spaces/new`, regular, {
      title: 'Another',
      slug: 'lisbon-meetups',
      kind: 'forum',
    });
    expect(taken.res.status).toBe(409);
    expect(taken.body).toContain('value="Another"');
    const kb = await post(`/community/${ws.slug}/-/spaces/new`, regular, {
      title: 'Our articles',
      slug: 'our-articles',
      kind: 'kb',
    });
    expect(kb.res.status).toBe(403);
    expect(kb.body).toContain('forum, Q&amp;A or idea spaces only');
    // Without the form token nothing is made.
    const forged = await post(`/community/${ws.slug}/-/spaces/new`, regular, {
      form: 'nope',
      title: 'Forged',
      slug: 'forged',
      kind: 'forum',
    });
    expect(forged.res.status).toBe(403);
  });

  it('lists the member’s notifications and marks them read; the profile shows points, rank, trust level and what it unlocks', async () => {
    const { ws, owner, space } = await setup();
    const ideas = await space('ideas');
    const s = await member(ws, 1);
    const idea = await createThread(t.ctx, owner, { spaceId: ideas.id, title: 'Quiet zone', body: 'Please' });
    await post(`/community/${ws.slug}/-/t/${idea.thread.id}/vote`, s, { vote: 'yes' });
    await setIdeaStatus(t.ctx, owner, idea.thread.id, { status: 'planned', note: 'Next spring' });
    await notifyIdeaStatusChanges(t.ctx);

    const list = await get(`/community/${ws.slug}/-/notifications`, s);
    expect(list.res.status).toBe(200);
    expect(list.body).toContain('1 unread.');
    expect(list.body).toContain(`href="/community/${ws.slug}/t/${idea.thread.id}"`);
    expect(list.body).toContain('because you voted for it');
    expect((await post(`/community/${ws.slug}/-/notifications/read`, s, {})).res.status).toBe(303);
    expect((await get(`/community/${ws.slug}/-/notifications`, s)).body).toContain('Nothing unread.');
    expect((await get(`/community/${ws.slug}/-/notifications`)).res.status).toBe(401);

    const me = await get(`/community/${ws.slug}/-/me`, s);
    expect(me.res.status).toBe(200);
    expect(me.body).toMatch(/<dt>Trust level<\/dt><dd>1<\/dd>/);
    expect(me.body).toMatch(/<dt>Rank<\/dt><dd>Newcomer<\/dd>/);
    expect(me.body).toContain('<dt>Post links</dt><dd><strong>yes</strong></dd>');
    expect(me.body).toContain('<dt>Create spaces</dt><dd>not yet (from trust level 3)</dd>');
    expect(me.body).toContain('<dt>Weight of your flags</dt><dd>1</dd>');

    // Points staff gave by hand show with the reason they wrote.
    await adjustPoints(t.ctx, owner, s.actor.memberId, { points: 20, reason: 'Ran the <b>meetup</b>' });
    const after = await get(`/community/${ws.slug}/-/me`, s);
    expect(after.body).toContain('<dt>Points</dt><dd>20</dd>');
    expect(after.body).toContain('From the team: Ran the &lt;b&gt;meetup&lt;/b&gt;');
  });

  it('shows on the profile the points of an accepted answer and their taking back while a moderator hides it', async () => {
    const { ws, owner, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws);
    const answerer = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Pets?',
      body: 'Can my cat fly?',
    });
    const a = await replyToThread(t.ctx, answerer.actor, q.thread.id, { body: 'Yes, under 8 kg.' });
    await acceptAnswer(t.ctx, asker.actor, q.thread.id, a.post.id);
    later();
    await flagPost(t.ctx, owner, a.post.id, { reason: 'spam' });
    const me = await get(`/community/${ws.slug}/-/me`, answerer);
    expect(me.body).toContain('<dt>Points</dt><dd>0</dd>');
    expect(me.body).toMatch(/<strong>\+15<\/strong><\/span><span>Your answer was accepted</);
    expect(me.body).toMatch(
      /<strong>-15<\/strong><\/span><span>Your accepted answer was withdrawn, replaced, hidden by a moderator or deleted</,
    );
  });

  it('shows an answer to the member’s question in their notifications, linked to the answer itself', async () => {
    const { ws, space } = await setup();
    const qa = await space('qa');
    const asker = await member(ws);
    const answerer = await member(ws);
    const q = await createThread(t.ctx, asker.actor, {
      spaceId: qa.id,
      title: 'Seat <change>?',
      body: 'How?',
    });
    await replyToThread(t.ctx, answerer.actor, q.thread.id, { body: 'Use **Manage booking**.' });
    const list = await get(`/community/${ws.slug}/-/notifications`, asker);
    expect(list.body).toContain('1 unread.');
    expect(list.body).toContain(`href="/community/${ws.slug}/t/${q.thread.id}#p2"`);
    expect(list.body).toContain(`${answerer.displayName} answered “Seat &lt;change&gt;?”`);
    expect(list.body).toContain('because you asked the question');
    expect((await get(`/community/${ws.slug}/-/notifications`, answerer)).body).toContain(
      'No notifications yet.',
    );
  });
});

describe('reading on the script-free site counts toward trust levels', () => {
  it('counts a visit per day and the capped gaps between page views as minutes reading, reaching level 1', async () => {
    const { ws, owner, space } = await setup();
    const forum = await space('forum');
    const threads = [];
    for (let i = 0; i < 6; i++)
      threads.push(
        await createThread(t.ctx, owner, { spaceId: forum.id, title: `Topic ${i}`, body: 'Hello' }),
      );
    for (let i = 0; i < 30; i++)
      await replyToThread(t.ctx, owner, threads[i % 6]!.thread.id, { body: `Reply ${i}` });
    const s = await member(ws, 0);

    await get(`/community/${ws.slug}`, s);
    const first = await get(`/community/${ws.slug}/-/me`, s);
    expect(first.body).toContain('<dt>Days visited</dt><dd>1</dd>');
    expect(first.body).toContain('<dt>Minutes reading</dt><dd>0</dd>');

    // Each thread read for 2 minutes, then one for an hour (a gap over 30 minutes counts nothing).
    for (const th of threads) {
      t.clock.advance(120_000);
      await get(`/community/${ws.slug}/t/${th.thread.id}`, s);
    }
    t.clock.advance(3600_000);
    await get(`/community/${ws.slug}/s/${forum.slug}`, s);
    // A long read counts at most 5 minutes.
    t.clock.advance(20 * 60_000);
    const me = await get(`/community/${ws.slug}/-/me`, s);
    expect(me.body).toContain('<dt>Minutes reading</dt><dd>17</dd>');
    expect(me.body).toMatch(/<dt>Trust level<\/dt><dd>1<\/dd>/);

    // The next day's first page counts a second day visited.
    t.clock.advance(24 * 3600_000);
    expect((await get(`/community/${ws.slug}/-/me`, s)).body).toContain('<dt>Days visited</dt><dd>2</dd>');
  });
});
