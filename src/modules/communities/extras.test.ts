import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import {
  createChallenge,
  decideChallenge,
  getChallenge,
  listChallengeNotifications,
  listEntries,
  submitEntry,
  voteEntry,
} from './challenges.ts';
import { setIdeaStatus } from './ideas.ts';
import { addListEntry, createList, followList, getList, listActivity, listLists } from './lists.ts';
import { insertMember } from './members-fixtures.ts';
import { buildDueDigests, deliverNewsletters, sendDueDigests } from './newsletter-digests.ts';
import {
  lastFinishedPeriod,
  listDigests,
  setNewsletterCadence,
  subscribeNewsletter,
  unsubscribeByToken,
  unsubscribeNewsletter,
} from './newsletters.ts';
import { likePost } from './reputation.ts';
import { createSpace } from './spaces.ts';
import { createThread, replyToThread } from './threads.ts';

const t = setupTestDatabase();

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

let n = 0;
async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  return { ws, owner, moderator, agent };
}

/** Quoted-printable soft breaks and escapes undone, so assertions read the mail as sent. */
function decodeQp(raw: string): string {
  const joined = raw.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let k = 0; k < joined.length; k++) {
    const hex = joined[k] === '=' ? joined.slice(k + 1, k + 3) : '';
    if (/^[0-9A-F]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      k += 2;
    } else bytes.push(joined.charCodeAt(k));
  }
  return Buffer.from(bytes).toString('utf8');
}

describe('newsletters', () => {
  it('computes the last finished daily and weekly period in UTC', () => {
    const wed = new Date('2026-11-25T10:00:00Z');
    expect(lastFinishedPeriod('daily', wed)).toEqual({
      start: new Date('2026-11-24T00:00:00Z'),
      end: new Date('2026-11-25T00:00:00Z'),
    });
    expect(lastFinishedPeriod('weekly', wed)).toEqual({
      start: new Date('2026-11-16T00:00:00Z'),
      end: new Date('2026-11-23T00:00:00Z'),
    });
    expect(lastFinishedPeriod('weekly', new Date('2026-11-30T00:00:00Z')).end).toEqual(
      new Date('2026-11-30T00:00:00Z'),
    );
  });

  it('follows the workspace time zone, across a change of daylight saving time', () => {
    // 10:00 UTC on Wednesday is 05:00 in New York: the days are New York's (UTC-5 in winter).
    expect(lastFinishedPeriod('daily', new Date('2026-11-25T10:00:00Z'), 'America/New_York')).toEqual({
      start: new Date('2026-11-24T05:00:00Z'),
      end: new Date('2026-11-25T05:00:00Z'),
    });
    // Still Tuesday 23:30 in New York: yesterday there is Monday.
    expect(lastFinishedPeriod('daily', new Date('2026-11-25T04:30:00Z'), 'America/New_York').start).toEqual(
      new Date('2026-11-23T05:00:00Z'),
    );
    // The week of the change to summer time (Sunday 2026-03-29 in Lisbon) is an hour short.
    const week = lastFinishedPeriod('weekly', new Date('2026-04-01T12:00:00Z'), 'Europe/Lisbon');
    expect(week).toEqual({ start: new Date('2026-03-23T00:00:00Z'), end: new Date('2026-03-29T23:00:00Z') });
    expect(week.end.getTime() - week.start.getTime()).toBe(7 * 86_400_000 - 3_600_000);
  });

  it('mails each subscriber the week’s best once, even with two passes, with escaped HTML, a text part and a working unsubscribe link', async () => {
    t.clock.set('2026-11-23T09:00:00.000Z');
    const s = await setup();
    await createConnector(t.ctx, s.owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const space = await createSpace(t.ctx, s.owner, {
      slug: `forum-${++n}`,
      title: 'Travel tips',
      kind: 'forum',
    });
    const reader = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const leaver = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const writer = await insertMember(t.ctx, s.ws.id, { trustLevel: 2 });
    await expect(subscribeNewsletter(t.ctx, reader, space.id)).rejects.toMatchObject({ code: 'conflict' });
    await setNewsletterCadence(t.ctx, s.owner, space.id, 'weekly');
    await expect(setNewsletterCadence(t.ctx, s.moderator, space.id, 'daily')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await subscribeNewsletter(t.ctx, reader, space.id);
    await subscribeNewsletter(t.ctx, reader, space.id);
    await subscribeNewsletter(t.ctx, leaver, space.id);
    await unsubscribeNewsletter(t.ctx, leaver, space.id);

    t.clock.set('2026-11-24T10:00:00.000Z');
    const hot = await createThread(t.ctx, writer, {
      spaceId: space.id,
      title: 'Packing <b>light</b> & "smart"',
      body: 'Roll your clothes.',
    });
    await replyToThread(t.ctx, reader, hot.thread.id, { body: 'Great tip, thanks!' });
    await likePost(t.ctx, reader, hot.post.id);
    const quiet = await createThread(t.ctx, writer, {
      spaceId: space.id,
      title: 'Quiet thread',
      body: 'Hello.',
    });

    // Before the week ends nothing is due.
    expect((await sendDueDigests(t.ctx)).built).toBe(0);
    t.clock.set('2026-11-30T06:00:00.000Z');
    const before = mails.length;
    const [a, b] = await Promise.all([sendDueDigests(t.ctx), sendDueDigests(t.ctx)]);
    await sendDueDigests(t.ctx);
    expect(a.built + b.built).toBe(1);
    const sent = mails.slice(before);
    const readerEmail = (
      await t.ctx.db
        .selectFrom('community_members')
        .select('email')
        .where('id', '=', reader.memberId)
        .executeTakeFirstOrThrow()
    ).email;
    expect(sent.map((m) => m.to)).toEqual([[readerEmail]]);
    expect(sent).toHaveLength(1);
    const raw = decodeQp(sent[0]?.raw ?? '');
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('Packing &lt;b&gt;light&lt;/b&gt; &amp; &quot;smart&quot;');
    expect(raw).not.toContain('<b>light</b></a>');
    expect(raw).toContain(`/community/${s.ws.slug}/t/${hot.thread.id}`);
    expect(raw).toContain(`/community/${s.ws.slug}/t/${quiet.thread.id}`);
    expect(sent[0]?.raw).toMatch(/List-Unsubscribe:\s+<http[^>]+\/-\/unsubscribe\?token=/);
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    // The busiest thread comes first in the text part.
    const text = raw.slice(raw.indexOf('Top threads'));
    expect(text.indexOf('Packing')).toBeLessThan(text.indexOf('Quiet thread'));

    const digests = await listDigests(t.ctx, s.owner, space.id, { limit: 10 });
    expect(digests.items).toHaveLength(1);
    expect(digests.items[0]).toMatchObject({
      periodStart: '2026-11-23T00:00:00.000Z',
      periodEnd: '2026-11-30T00:00:00.000Z',
      deliveries: { sent: 1, queued: 0, failed: 0 },
    });

    const link = /\nUnsubscribe: (\S+)/.exec(raw)?.[1] ?? '';
    const token = new URL(link).searchParams.get('token') ?? '';
    await expect(unsubscribeByToken(t.ctx, `${token}x`)).rejects.toMatchObject({ code: 'not_found' });
    expect((await unsubscribeByToken(t.ctx, token)).spaceTitle).toBe('Travel tips');
    const sub = await t.ctx.db
      .selectFrom('community_newsletter_subscriptions')
      .select('unsubscribed_at')
      .where('member_id', '=', reader.memberId)
      .executeTakeFirstOrThrow();
    expect(sub.unsubscribed_at).not.toBeNull();
  });

  it('records an empty period without mailing anyone, and lists idea updates when there are some', async () => {
    t.clock.set('2026-12-01T09:00:00.000Z');
    const s = await setup();
    await createConnector(t.ctx, s.owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const space = await createSpace(t.ctx, s.owner, { slug: `ideas-${++n}`, title: 'Ideas', kind: 'ideas' });
    const m = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    await setNewsletterCadence(t.ctx, s.owner, space.id, 'daily');
    await subscribeNewsletter(t.ctx, m, space.id);
    t.clock.set('2026-12-02T01:00:00.000Z');
    const before = mails.length;
    expect((await sendDueDigests(t.ctx)).built).toBe(1);
    expect(mails.length).toBe(before);
    const idea = await createThread(t.ctx, m, {
      spaceId: space.id,
      title: 'Seat maps offline',
      body: 'Please.',
    });
    await setIdeaStatus(t.ctx, s.owner, idea.thread.id, { status: 'planned', note: 'Coming in spring' });
    t.clock.set('2026-12-03T01:00:00.000Z');
    await sendDueDigests(t.ctx);
    const raw = decodeQp(mails.slice(before).at(-1)?.raw ?? '');
    expect(raw).toContain('Idea updates');
    expect(raw).toContain('Seat maps offline (now planned — Coming in spring)');
  });
  it('skips a subscriber who unsubscribed after the digest was built, and does not build a digest twice', async () => {
    t.clock.set('2026-12-05T09:00:00.000Z');
    const s = await setup();
    await createConnector(t.ctx, s.owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const space = await createSpace(t.ctx, s.owner, { slug: `forum-${++n}`, title: 'Lounge', kind: 'forum' });
    const m = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    await setNewsletterCadence(t.ctx, s.owner, space.id, 'daily');
    await subscribeNewsletter(t.ctx, m, space.id);
    await createThread(t.ctx, m, { spaceId: space.id, title: 'Best lounge?', body: 'Which one?' });
    t.clock.set('2026-12-06T01:00:00.000Z');
    // Passes are global (every workspace): count this space's digests.
    await buildDueDigests(t.ctx);
    await buildDueDigests(t.ctx);
    expect((await listDigests(t.ctx, s.owner, space.id, { limit: 10 })).items).toHaveLength(1);
    await unsubscribeNewsletter(t.ctx, m, space.id);
    const before = mails.length;
    await deliverNewsletters(t.ctx);
    expect(mails.slice(before).filter((mail) => mail.raw.includes('Best lounge'))).toEqual([]);
    const rows = await t.ctx.db
      .selectFrom('community_newsletter_deliveries')
      .select(['status', 'last_error'])
      .where('workspace_id', '=', s.ws.id)
      .execute();
    expect(rows).toEqual([{ status: 'skipped', last_error: 'Unsubscribed before the digest was sent' }]);
  });

  it('does not mail a digest that waited more than a week (no connector until then): skipped, saying why', async () => {
    t.clock.set('2026-12-06T09:00:00.000Z');
    const s = await setup();
    const space = await createSpace(t.ctx, s.owner, { slug: `forum-${++n}`, title: 'Gates', kind: 'forum' });
    const m = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    await setNewsletterCadence(t.ctx, s.owner, space.id, 'daily');
    await subscribeNewsletter(t.ctx, m, space.id);
    await createThread(t.ctx, m, { spaceId: space.id, title: 'Gate changes at OSL', body: 'Again?' });
    t.clock.set('2026-12-07T01:00:00.000Z');
    await buildDueDigests(t.ctx);
    // The email connector comes nine days later; the digest of 6 December is old news by then.
    t.clock.set('2026-12-16T01:00:00.000Z');
    await createConnector(t.ctx, s.owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
    const before = mails.length;
    await deliverNewsletters(t.ctx);
    expect(mails.slice(before).filter((mail) => mail.raw.includes('Gate changes'))).toEqual([]);
    const rows = await t.ctx.db
      .selectFrom('community_newsletter_deliveries')
      .select(['status', 'last_error'])
      .where('workspace_id', '=', s.ws.id)
      .execute();
    expect(rows).toEqual([
      {
        status: 'skipped',
        last_error: 'Too late: the digest is 9 days old (community mail older than 7 days is not sent)',
      },
    ]);
  });
});

describe('challenges', () => {
  it('takes entries and votes only while open, lets staff choose a winner after closing, and tells the winner once', async () => {
    t.clock.set('2026-11-23T09:00:00.000Z');
    const s = await setup();
    const space = await createSpace(t.ctx, s.owner, { slug: `ideas-${++n}`, title: 'Ideas', kind: 'ideas' });
    const forum = await createSpace(t.ctx, s.owner, { slug: `forum-${++n}`, title: 'Forum', kind: 'forum' });
    const input = {
      spaceId: space.id,
      question: 'How should boarding work?',
      reward: 'Two lounge passes',
      opensAt: '2026-11-24T00:00:00.000Z',
      closesAt: '2026-11-26T00:00:00.000Z',
    };
    await expect(createChallenge(t.ctx, s.agent, input)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(createChallenge(t.ctx, s.moderator, { ...input, spaceId: forum.id })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    const challenge = await createChallenge(t.ctx, s.moderator, input);
    expect(challenge.state).toBe('upcoming');
    const alice = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const bob = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const entry = { title: 'Board by seat row', body: 'Back rows first.' };
    await expect(submitEntry(t.ctx, alice, challenge.id, entry)).rejects.toMatchObject({
      code: 'conflict',
      details: { state: 'upcoming' },
    });

    t.clock.set('2026-11-24T12:00:00.000Z');
    expect((await getChallenge(t.ctx, alice, challenge.id)).state).toBe('open');
    const a = await submitEntry(t.ctx, alice, challenge.id, entry);
    const own = await createThread(t.ctx, bob, {
      spaceId: space.id,
      title: 'Open both doors',
      body: 'Front and back.',
    });
    const b = await submitEntry(t.ctx, bob, challenge.id, { threadId: own.thread.id });
    await expect(submitEntry(t.ctx, alice, challenge.id, { threadId: own.thread.id })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(voteEntry(t.ctx, alice, challenge.id, a.threadId, true)).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await voteEntry(t.ctx, bob, challenge.id, a.threadId, true)).votes).toBe(1);
    expect((await voteEntry(t.ctx, bob, challenge.id, a.threadId, true)).votes).toBe(1);
    expect((await voteEntry(t.ctx, alice, challenge.id, b.threadId, true)).votes).toBe(1);
    expect((await voteEntry(t.ctx, alice, challenge.id, b.threadId, false)).votes).toBe(0);
    await expect(
      decideChallenge(t.ctx, s.moderator, challenge.id, { threadId: a.threadId }),
    ).rejects.toMatchObject({ code: 'conflict', details: { reason: 'challenge_not_closed' } });

    const entries = await listEntries(t.ctx, bob, challenge.id, { limit: 1 });
    expect(entries.items.map((e) => [e.threadId, e.votes, e.voted])).toEqual([[a.threadId, 1, true]]);
    const next = await listEntries(t.ctx, bob, challenge.id, { limit: 1, cursor: entries.nextCursor ?? '' });
    expect(next.items.map((e) => e.threadId)).toEqual([b.threadId]);
    expect(next.nextCursor).toBeNull();

    t.clock.set('2026-11-26T00:00:00.000Z');
    expect((await getChallenge(t.ctx, alice, challenge.id)).state).toBe('closed');
    await expect(voteEntry(t.ctx, alice, challenge.id, b.threadId, true)).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      submitEntry(t.ctx, bob, challenge.id, { title: 'Late idea', body: 'Too late.' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(
      decideChallenge(t.ctx, s.agent, challenge.id, { threadId: a.threadId }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    const decided = await decideChallenge(t.ctx, s.moderator, challenge.id, {
      threadId: a.threadId,
      note: 'Clear winner',
    });
    expect(decided).toMatchObject({ state: 'decided', winnerThreadId: a.threadId, entryCount: 2 });
    await expect(
      decideChallenge(t.ctx, s.moderator, challenge.id, { threadId: b.threadId }),
    ).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'already_decided' },
    });
    const won = await listChallengeNotifications(t.ctx, alice, { limit: 10 });
    expect(won.items).toHaveLength(1);
    expect(won.items[0]).toMatchObject({
      kind: 'challenge_won',
      body: 'Reward: Two lounge passes\n\nClear winner',
    });
    expect(won.items[0]?.url).toContain(`/t/${a.threadId}`);
    expect((await listChallengeNotifications(t.ctx, bob, { limit: 10 })).items).toHaveLength(0);
  });
  it('takes no entries or votes once the ideas space is an archive, even while the challenge is open', async () => {
    t.clock.set('2026-11-23T09:00:00.000Z');
    const s = await setup();
    const space = await createSpace(t.ctx, s.owner, {
      slug: `task-${++n}`,
      title: 'Autumn ideas',
      kind: 'ideas',
      purpose: 'task',
      endsAt: '2026-11-24T00:00:00.000Z',
    });
    const challenge = await createChallenge(t.ctx, s.moderator, {
      spaceId: space.id,
      question: 'Snacks on board?',
      opensAt: '2026-11-23T00:00:00.000Z',
      closesAt: '2026-11-30T00:00:00.000Z',
    });
    const alice = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const bob = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const entry = await submitEntry(t.ctx, alice, challenge.id, {
      title: 'Local snacks',
      body: 'From each city.',
    });
    t.clock.set('2026-11-25T00:00:00.000Z');
    expect((await getChallenge(t.ctx, bob, challenge.id)).state).toBe('open');
    await expect(voteEntry(t.ctx, bob, challenge.id, entry.threadId, true)).rejects.toMatchObject({
      code: 'space_read_only',
    });
  });
});

describe('lists', () => {
  it('lets trusted members curate public member lists that others follow to see those members’ posts, paged', async () => {
    t.clock.set('2026-11-23T09:00:00.000Z');
    const s = await setup();
    const space = await createSpace(t.ctx, s.owner, { slug: `forum-${++n}`, title: 'Forum', kind: 'forum' });
    const newcomer = await insertMember(t.ctx, s.ws.id, { trustLevel: 1 });
    const curator = await insertMember(t.ctx, s.ws.id, { trustLevel: 2 });
    const expert = await insertMember(t.ctx, s.ws.id, { trustLevel: 3 });
    const other = await insertMember(t.ctx, s.ws.id, { trustLevel: 3 });
    await expect(createList(t.ctx, newcomer, { name: 'Mine' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(createList(t.ctx, curator, { name: 'VIPs', kind: 'customers' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const list = await createList(t.ctx, curator, { name: 'Helpful travellers' });
    await addListEntry(t.ctx, curator, list.id, { memberId: expert.memberId });
    await expect(addListEntry(t.ctx, newcomer, list.id, { memberId: other.memberId })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const followed = await followList(t.ctx, newcomer, list.id, true);
    expect(followed).toMatchObject({ following: true, followerCount: 1, entryCount: 1 });
    expect((await listLists(t.ctx, newcomer, { limit: 10, followed: true })).items.map((l) => l.id)).toEqual([
      list.id,
    ]);

    const posts: number[] = [];
    for (let i = 0; i < 3; i++) {
      t.clock.advance(60_000);
      posts.push(
        (await createThread(t.ctx, expert, { spaceId: space.id, title: `Tip ${i}`, body: `Tip number ${i}` }))
          .post.id,
      );
    }
    await createThread(t.ctx, other, { spaceId: space.id, title: 'Not on the list', body: 'Hi' });
    const first = await listActivity(t.ctx, newcomer, list.id, { limit: 2 });
    const second = await listActivity(t.ctx, newcomer, list.id, { limit: 2, cursor: first.nextCursor ?? '' });
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual([...posts].reverse());
    expect(second.nextCursor).toBeNull();
    expect(first.items[0]?.url).toContain(`/community/${s.ws.slug}/t/`);
    // Visitors read public lists too.
    expect((await getList(t.ctx, { kind: 'anonymous', workspaceId: s.ws.id }, list.id)).following).toBeNull();
  });

  it('keeps private lists to their owner (and staff), and customer lists to staff', async () => {
    const s = await setup();
    const curator = await insertMember(t.ctx, s.ws.id, { trustLevel: 2 });
    const other = await insertMember(t.ctx, s.ws.id, { trustLevel: 4 });
    const secret = await createList(t.ctx, curator, { name: 'Private', visibility: 'private' });
    await expect(getList(t.ctx, other, secret.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(followList(t.ctx, other, secret.id, true)).rejects.toMatchObject({ code: 'not_found' });
    expect((await getList(t.ctx, s.moderator, secret.id)).name).toBe('Private');
    const customers = await createList(t.ctx, s.agent, { name: 'Key accounts', kind: 'customers' });
    await expect(getList(t.ctx, curator, customers.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      getList(t.ctx, { kind: 'anonymous', workspaceId: s.ws.id }, customers.id),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await getList(t.ctx, s.owner, customers.id)).kind).toBe('customers');
    await expect(
      addListEntry(t.ctx, s.agent, customers.id, { memberId: curator.memberId }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await listLists(t.ctx, curator, { limit: 50 })).items.map((l) => l.id)).toEqual([secret.id]);
  });
  it('shows staff who read customers the social mentions of a customer list’s people, and hides the list from members', async () => {
    t.clock.set('2026-11-23T09:00:00.000Z');
    const s = await setup();
    const uri = `at://did:plc:lists${++n}/app.bsky.feed.post/3k${n}`;
    await appendToLog(t.ctx, [
      {
        workspaceId: s.ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'bluesky',
          externalId: uri,
          text: 'My flight was delayed again',
          createdAt: '2026-11-23T08:00:00.000Z',
          author: { externalId: `did:plc:lists${n}`, handle: `lists${n}.bsky.social` },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain the pipeline
    }
    const mention = await t.ctx.db
      .selectFrom('mentions')
      .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
      .select(['mentions.id', 'identities.customer_id'])
      .where('mentions.external_id', '=', uri)
      .executeTakeFirstOrThrow();
    const list = await createList(t.ctx, s.agent, { name: 'Delayed travellers', kind: 'customers' });
    await addListEntry(t.ctx, s.agent, list.id, { customerId: mention.customer_id });
    const feed = await listActivity(t.ctx, s.agent, list.id, { limit: 10 });
    expect(feed.items).toEqual([
      expect.objectContaining({
        type: 'mention',
        id: Number(mention.id),
        channel: 'bluesky',
        customerId: mention.customer_id,
        text: 'My flight was delayed again',
      }),
    ]);
    const member = await insertMember(t.ctx, s.ws.id, { trustLevel: 4 });
    await expect(listActivity(t.ctx, member, list.id, { limit: 10 })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
