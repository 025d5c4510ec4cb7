import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { createCase, updateCase } from '../inbox/cases.ts';
import { deliverDueReplies, queueReply } from '../inbox/replies.ts';
import type { MemberActor } from './actors.ts';
import {
  decideIdeaLink,
  linkIdea,
  listIdeaLinks,
  requestedInCounts,
  suggestIdeaLinks,
  textSimilarity,
} from './idea-links.ts';
import { setIdeaStatus, voteIdea } from './ideas.ts';
import {
  deliverLoopDeliveries,
  listMemberNotifications,
  markMemberNotificationsRead,
  notifyIdeaStatusChanges,
} from './loop.ts';
import { insertMember } from './members-fixtures.ts';
import { createSpace } from './spaces.ts';
import { createThread, replyToThread } from './threads.ts';

const t = setupTestDatabase();

// ------------------------------------------------------------------ local servers speaking the real protocols

/** An XRPC endpoint with the brand account `brand.example`: sessions, getPosts, createRecord. */
const records: { repo: string; record: { text: string; reply?: unknown } }[] = [];
const xrpc = createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const body = raw ? JSON.parse(raw) : null;
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, payload: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  };
  if (url.pathname === '/xrpc/com.atproto.server.createSession')
    return body?.password === 'app-pass-1234'
      ? send(200, { accessJwt: 'jwt', refreshJwt: 'r', did: 'did:plc:brand', handle: 'brand.example' })
      : send(401, { error: 'AuthenticationRequired' });
  if (url.pathname === '/xrpc/app.bsky.feed.getPosts')
    return send(200, {
      posts: url.searchParams.getAll('uris').map((uri) => ({ uri, cid: 'bafy-parent', record: {} })),
    });
  if (url.pathname === '/xrpc/com.atproto.repo.createRecord') {
    records.push({ repo: body.repo, record: body.record });
    return send(200, { uri: `at://${body.repo}/${body.collection}/${body.rkey}`, cid: 'bafy-new' });
  }
  send(404, { error: 'MethodNotImplemented' });
});

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
const urls = { xrpc: '', smtpPort: 0 };

beforeAll(async () => {
  await new Promise<void>((resolve) => xrpc.listen(0, '127.0.0.1', resolve));
  urls.xrpc = `http://127.0.0.1:${(xrpc.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  urls.smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  xrpc.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

// ------------------------------------------------------------------ fixtures

let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  await createConnector(t.ctx, owner, {
    kind: 'bluesky',
    name: 'Brand on Bluesky',
    config: { account: { identifier: 'brand.example', service: urls.xrpc } },
    secret: 'app-pass-1234',
  });
  await createConnector(t.ctx, owner, {
    kind: 'email',
    name: 'Community mail',
    config: { host: '127.0.0.1', port: urls.smtpPort, fromAddress: 'community@airline.example' },
  });
  const space = await createSpace(t.ctx, owner, {
    slug: `ideas-${++sequence}`,
    title: 'Ideas',
    kind: 'ideas',
  });
  return { ws, owner, agent, moderator, space };
}

/** Stores a Bluesky post through the pipeline; returns its mention id and its author's customer. */
async function blueskyPost(workspaceId: string, text: string) {
  sequence++;
  const uri = `at://did:plc:loop${sequence}/app.bsky.feed.post/3k${sequence}`;
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: uri,
        text,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:loop${sequence}`, handle: `loop${sequence}.bsky.social` },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const m = await t.ctx.db
    .selectFrom('mentions')
    .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
    .select(['mentions.id', 'identities.customer_id'])
    .where('mentions.external_id', '=', uri)
    .executeTakeFirstOrThrow();
  return { mentionId: Number(m.id), customerId: m.customer_id };
}

async function idea(author: MemberActor, spaceId: string, title: string, body: string) {
  return (await createThread(t.ctx, author, { spaceId, title, body })).thread.id;
}

const DARK_MODE = {
  title: 'Dark mode for the mobile app',
  body: 'Please add a dark mode theme to the mobile app: bright screens hurt at night.',
};

async function notificationsOf(workspaceId: string) {
  return (
    t.ctx.db
      .selectFrom('community_member_notifications')
      .select(['member_id', 'change_id', 'reasons'])
      .where('workspace_id', '=', workspaceId)
      // Replies in the idea tell its author too (kind `post`, post-notifications.test.ts); these are the status changes.
      .where('kind', '=', 'idea_status')
      .orderBy('member_id')
      .orderBy('change_id')
      .execute()
  );
}

async function deliveriesOf(workspaceId: string) {
  return t.ctx.db
    .selectFrom('community_loop_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('kind')
    .orderBy('target_key')
    .execute();
}

async function memberEmail(m: MemberActor): Promise<string> {
  const row = await t.ctx.db
    .selectFrom('community_members')
    .select('email')
    .where('id', '=', m.memberId)
    .executeTakeFirstOrThrow();
  return row.email ?? '';
}

// ------------------------------------------------------------------ tests

describe('text similarity', () => {
  it('scores texts that share distinctive terms and names them, ignoring stop words and plurals', () => {
    const s = textSimilarity(
      'Dark mode for the mobile app, please',
      'Any plans for dark modes in your mobile app?',
    );
    expect(s.sharedTerms.sort()).toEqual(['app', 'dark', 'mobile', 'mode']);
    expect(s.score).toBeGreaterThan(0.6);
    const none = textSimilarity('Dark mode for the mobile app', 'My luggage is lost at the airport');
    expect(none).toEqual({ score: 0, sharedTerms: [] });
  });
});

describe('idea links', () => {
  it('suggests the mentions and cases that asked for the idea, with the shared terms, and not unrelated posts', async () => {
    const { ws, agent, space } = await setup();
    const author = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const ideaId = await idea(author, space.id, DARK_MODE.title, DARK_MODE.body);
    const asked = await blueskyPost(
      ws.id,
      'Any plans for dark mode in your mobile app? Night flights are brutal',
    );
    const c = await createCase(t.ctx, agent, { subject: 'Dark mode request', mentionIds: [asked.mentionId] });
    const loose = await blueskyPost(ws.id, 'A dark mode on the mobile app would be great');
    const unrelated = await blueskyPost(ws.id, 'My luggage is lost at the airport');
    const oneWord = await blueskyPost(ws.id, 'The app crashed when I checked in');

    const links = await suggestIdeaLinks(t.ctx, agent, ideaId);
    const keys = links.items.map((l) => (l.caseId ? `case:${l.caseId}` : `mention:${l.mentionId}`)).sort();
    expect(keys).toEqual([`case:${c.id}`, `mention:${loose.mentionId}`].sort());
    const caseLink = links.items.find((l) => l.caseId === c.id);
    expect(caseLink).toMatchObject({
      status: 'suggested',
      targetType: 'case',
      target: { caseNumber: c.number, customerId: asked.customerId, channel: 'bluesky' },
    });
    expect(caseLink?.sharedTerms).toEqual(expect.arrayContaining(['dark', 'mode', 'mobile', 'app']));
    expect(links.requestedIn).toBe(0);
    expect(keys).not.toContain(`mention:${unrelated.mentionId}`);
    expect(keys).not.toContain(`mention:${oneWord.mentionId}`);
  });

  it('links a case named by its number, with or without #, as agents see it, and still by id', async () => {
    const { ws, agent, space } = await setup();
    const author = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const ideaId = await idea(author, space.id, DARK_MODE.title, DARK_MODE.body);
    const first = await createCase(t.ctx, agent, { subject: 'Dark mode at night' });
    const second = await createCase(t.ctx, agent, { subject: 'Dark theme please' });
    const byHash = await linkIdea(t.ctx, agent, ideaId, { caseId: `#${first.number}` });
    expect(byHash.caseId).toBe(first.id);
    const byNumber = await linkIdea(t.ctx, agent, ideaId, { caseId: ` ${second.number}` });
    expect(byNumber.caseId).toBe(second.id);
    // The same case again by id is the same link, not a second one.
    expect((await linkIdea(t.ctx, agent, ideaId, { caseId: first.id })).id).toBe(byHash.id);
    await expect(linkIdea(t.ctx, agent, ideaId, { caseId: '#999' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'No case #999',
    });
  });

  it('counts "requested in" by conversation over confirmed links only, and keeps decisions when suggesting again', async () => {
    const { ws, agent, moderator, space } = await setup();
    const author = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const ideaId = await idea(author, space.id, DARK_MODE.title, DARK_MODE.body);
    const first = await blueskyPost(ws.id, 'Dark mode for the mobile app when?');
    const c = await createCase(t.ctx, agent, { subject: 'Dark mode', mentionIds: [first.mentionId] });
    const second = await blueskyPost(ws.id, 'Still waiting for dark mode in the mobile app');
    await t.ctx.db
      .updateTable('mentions')
      .set({ case_id: c.id })
      .where('id', '=', second.mentionId)
      .execute();
    const other = await blueskyPost(ws.id, 'Mobile app dark mode please, my eyes');

    const suggested = await suggestIdeaLinks(t.ctx, agent, ideaId);
    const toOther = suggested.items.find((l) => l.mentionId === other.mentionId);
    const toCase = suggested.items.find((l) => l.caseId === c.id);
    if (!toOther || !toCase) throw new Error('expected both suggestions');
    await expect(decideIdeaLink(t.ctx, moderator, toCase.id, 'confirmed')).rejects.toMatchObject({
      code: 'forbidden',
    });
    await decideIdeaLink(t.ctx, agent, toCase.id, 'confirmed');
    // A post of the same case linked by hand: still one conversation.
    await linkIdea(t.ctx, agent, ideaId, { mentionId: second.mentionId });
    expect((await requestedInCounts(t.ctx, ws.id, [ideaId])).get(ideaId)).toBe(1);
    await decideIdeaLink(t.ctx, agent, toOther.id, 'confirmed');
    expect((await listIdeaLinks(t.ctx, agent, ideaId)).requestedIn).toBe(2);
    await decideIdeaLink(t.ctx, agent, toOther.id, 'rejected');
    const again = await suggestIdeaLinks(t.ctx, agent, ideaId);
    expect(again.requestedIn).toBe(1);
    expect(again.items.find((l) => l.id === toOther.id)?.status).toBe('rejected');
    expect(
      (await listIdeaLinks(t.ctx, agent, ideaId, 'confirmed')).items.map((l) => l.targetType).sort(),
    ).toEqual(['case', 'mention']);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', ideaId)
      .where('action', 'like', 'community.idea_link_%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual([
      'community.idea_link_confirmed',
      'community.idea_link_confirmed',
      'community.idea_link_rejected',
    ]);
  });
});

describe('idea status change fan-out', () => {
  /** An idea with an author who voted, two more voters (one without email), a replier and a linked customer. */
  async function scene() {
    const { ws, owner, agent, moderator, space } = await setup();
    const author = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const voter = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const quiet = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    await t.ctx.db
      .updateTable('community_members')
      .set({ email: null, email_verified_at: null })
      .where('id', '=', quiet.memberId)
      .execute();
    const replier = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const customerMember = await insertMember(t.ctx, ws.id, { trustLevel: 2 });
    const ideaId = await idea(author, space.id, DARK_MODE.title, DARK_MODE.body);
    for (const m of [author, voter, quiet]) await voteIdea(t.ctx, m, ideaId);
    await replyToThread(t.ctx, replier, ideaId, { body: 'Yes, and a black theme for OLED screens.' });
    const asked = await blueskyPost(
      ws.id,
      'Any plans for dark mode in your mobile app? Night flights are brutal',
    );
    const c = await createCase(t.ctx, agent, { subject: 'Dark mode request', mentionIds: [asked.mentionId] });
    await t.ctx.db
      .updateTable('community_members')
      .set({ customer_id: asked.customerId })
      .where('id', '=', customerMember.memberId)
      .execute();
    await linkIdea(t.ctx, agent, ideaId, { caseId: c.id });
    return {
      ws,
      owner,
      agent,
      moderator,
      ideaId,
      caseId: c.id,
      author,
      voter,
      quiet,
      replier,
      customerMember,
    };
  }

  it('tells every voter, the author, repliers and linked customers exactly once, however often and concurrently the pass runs', async () => {
    const s = await scene();
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, {
      status: 'planned',
      note: 'Coming in the spring release.',
    });
    const [a, b] = await Promise.all([notifyIdeaStatusChanges(t.ctx), notifyIdeaStatusChanges(t.ctx)]);
    // The cursor row is locked for a pass: exactly one of the two told the change.
    expect([a, b].sort()).toEqual([0, 1]);
    expect(await notifyIdeaStatusChanges(t.ctx)).toBe(0);

    const told = await notificationsOf(s.ws.id);
    const reasons = Object.fromEntries(
      told.map((n) => [n.member_id, t.ctx.dialect.parseJson<string[]>(n.reasons)]),
    );
    expect(told).toHaveLength(5);
    expect(reasons).toEqual({
      [s.author.memberId]: ['author', 'voted'],
      [s.voter.memberId]: ['voted'],
      [s.quiet.memberId]: ['voted'],
      [s.replier.memberId]: ['replied'],
      [s.customerMember.memberId]: ['linked'],
    });

    const deliveries = await deliveriesOf(s.ws.id);
    expect(deliveries.map((d) => [d.kind, d.target_key])).toEqual(
      [
        ['case_reply', s.caseId],
        ...[s.author, s.voter, s.replier, s.customerMember].map((m) => ['email', m.memberId]),
      ].sort((x, y) => `${x[0]}${x[1]}`.localeCompare(`${y[0]}${y[1]}`)),
    );

    // Two delivery passes at once still send each email once and queue one reply on the case.
    const before = mails.length;
    await Promise.all([deliverLoopDeliveries(t.ctx), deliverLoopDeliveries(t.ctx)]);
    expect(await deliverLoopDeliveries(t.ctx)).toBe(0);
    const sent = mails.slice(before);
    const expected = await Promise.all([s.author, s.voter, s.replier, s.customerMember].map(memberEmail));
    expect(sent.flatMap((m) => m.to).sort()).toEqual(expected.sort());
    expect(sent[0]?.raw).toContain('Coming in the spring release.');
    expect((await deliveriesOf(s.ws.id)).every((d) => d.status === 'sent')).toBe(true);
    const replies = await t.ctx.db
      .selectFrom('outbox_replies')
      .select(['body', 'visibility', 'author_user_id'])
      .where('case_id', '=', s.caseId)
      .execute();
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ visibility: 'public', author_user_id: s.owner.userId });
    expect(replies[0]?.body).toContain('is now planned');
    expect(replies[0]?.body).toContain(`/community/${s.ws.slug}/t/${s.ideaId}`);
    // The reply reaches the customer's Bluesky thread through the inbox outbox.
    await deliverDueReplies(t.ctx);
    expect(records.at(-1)?.record.text).toContain(`/t/${s.ideaId}`);
    expect(records.at(-1)?.record.reply).toBeDefined();
  });

  it('tells everyone again on a second change, and the member sees both, newest first, and can mark them read', async () => {
    const s = await scene();
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'planned', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    t.clock.advance(60_000);
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'done', note: 'Shipped in 4.2' });
    await notifyIdeaStatusChanges(t.ctx);
    await notifyIdeaStatusChanges(t.ctx);
    const told = await notificationsOf(s.ws.id);
    expect(told).toHaveLength(10);
    expect(new Set(told.map((n) => `${n.member_id}:${n.change_id}`)).size).toBe(10);
    const deliveries = await deliveriesOf(s.ws.id);
    expect(deliveries.filter((d) => d.kind === 'case_reply')).toHaveLength(2);
    expect(deliveries.filter((d) => d.kind === 'email')).toHaveLength(8);

    const page = await listMemberNotifications(t.ctx, s.voter, { limit: 1 });
    expect(page.unread).toBe(2);
    expect(page.items[0]).toMatchObject({
      title: '“Dark mode for the mobile app” is now done',
      body: 'Shipped in 4.2',
    });
    expect(page.items[0]?.url).toBe(`${t.ctx.config.publicUrl}/community/${s.ws.slug}/t/${s.ideaId}`);
    const next = await listMemberNotifications(t.ctx, s.voter, { limit: 1, cursor: page.nextCursor ?? '' });
    expect(next.items[0]?.title).toContain('is now planned');
    expect(next.nextCursor).toBeNull();
    expect(await markMemberNotificationsRead(t.ctx, s.voter, [page.items[0]?.id ?? 0])).toEqual({
      marked: 1,
    });
    expect((await listMemberNotifications(t.ctx, s.voter, { limit: 10, unread: true })).items).toHaveLength(
      1,
    );
    expect(await markMemberNotificationsRead(t.ctx, s.voter)).toEqual({ marked: 1 });
    // Another member's notifications are not theirs to mark.
    expect(await markMemberNotificationsRead(t.ctx, s.voter, [next.items[0]?.id ?? 0])).toEqual({
      marked: 0,
    });
    // The author's: the two status changes, and the reply in their idea.
    const authors = await listMemberNotifications(t.ctx, s.author, { limit: 10 });
    expect(authors.unread).toBe(3);
    expect(authors.items.map((n) => n.kind)).toEqual(['idea_status', 'idea_status', 'post']);
  });

  it('tells nothing and keeps its cursor when a pass dies halfway, and the next pass tells everyone once', async () => {
    const s = await scene();
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'planned', note: '' });
    const cursorBefore = await t.ctx.db
      .selectFrom('community_loop_cursors')
      .select('last_id')
      .where('name', '=', 'idea_status_changes')
      .executeTakeFirstOrThrow();
    // The process "dies" on the third notification written: after two rows, inside the pass.
    let calls = 0;
    const crashing = {
      ...t.ctx,
      dialect: {
        ...t.ctx.dialect,
        toJson: (v: unknown) => {
          if (++calls === 3) throw new Error('killed');
          return t.ctx.dialect.toJson(v);
        },
      },
    };
    await expect(notifyIdeaStatusChanges(crashing)).rejects.toThrow('killed');
    expect(await notificationsOf(s.ws.id)).toHaveLength(0);
    expect(await deliveriesOf(s.ws.id)).toHaveLength(0);
    const cursorAfter = await t.ctx.db
      .selectFrom('community_loop_cursors')
      .select('last_id')
      .where('name', '=', 'idea_status_changes')
      .executeTakeFirstOrThrow();
    expect(Number(cursorAfter.last_id)).toBe(Number(cursorBefore.last_id));
    expect(await notifyIdeaStatusChanges(t.ctx)).toBe(1);
    expect(await notificationsOf(s.ws.id)).toHaveLength(5);
  });

  it('adopts the case reply an attempt queued before dying instead of queueing a second one', async () => {
    const s = await scene();
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'planned', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    const delivery = (await deliveriesOf(s.ws.id)).find((d) => d.kind === 'case_reply');
    if (!delivery) throw new Error('expected a case reply delivery');
    // An attempt claimed it, queued the reply, and died before recording that.
    await t.ctx.db
      .updateTable('community_loop_deliveries')
      .set({ status: 'sending', attempts: 1, next_attempt_at: t.clock.now().toISOString() })
      .where('id', '=', delivery.id)
      .execute();
    const [earlier] = await queueReply(t.ctx, s.owner, s.caseId, { body: delivery.body });
    t.clock.advance(6 * 60_000);
    await deliverLoopDeliveries(t.ctx);
    const after = (await deliveriesOf(s.ws.id)).find((d) => d.id === delivery.id);
    expect(after).toMatchObject({ status: 'sent', external_id: earlier?.id, attempts: 2 });
    const replies = await t.ctx.db
      .selectFrom('outbox_replies')
      .select('id')
      .where('case_id', '=', s.caseId)
      .execute();
    expect(replies).toHaveLength(1);
  });

  it('records why a linked case could not be answered instead of retrying: a closed case is skipped', async () => {
    const s = await scene();
    await updateCase(t.ctx, s.agent, s.caseId, { status: 'closed' });
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'declined', note: 'Not for now.' });
    await notifyIdeaStatusChanges(t.ctx);
    await deliverLoopDeliveries(t.ctx);
    const reply = (await deliveriesOf(s.ws.id)).find((d) => d.kind === 'case_reply');
    expect(reply).toMatchObject({ status: 'skipped', attempts: 1 });
    expect(reply?.last_error).toMatch(/closed/);
    expect(await deliverLoopDeliveries(t.ctx)).toBe(0);
  });

  it('drops status mail that is months old or superseded by a later status, saying why, instead of sending it late', async () => {
    const s = await scene();
    const day = 24 * 3600 * 1000;
    const deliveriesOfChange = async (changeId: number) =>
      (await deliveriesOf(s.ws.id)).filter((d) => Number(d.change_id) === changeId);
    const changeIds = async () =>
      (
        await t.ctx.db
          .selectFrom('community_idea_status_changes')
          .select('id')
          .where('thread_id', '=', s.ideaId)
          .orderBy('id')
          .execute()
      ).map((r) => Number(r.id));

    // A change made months ago and told only now (the demo's seeded history): in the app, not in mail.
    const past: typeof t.ctx = { ...t.ctx, now: () => new Date(t.clock.now().getTime() - 90 * day) };
    await setIdeaStatus(past, s.owner, s.ideaId, { status: 'under_review', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    const [old] = await changeIds();
    expect((await notificationsOf(s.ws.id)).filter((n) => Number(n.change_id) === old)).toHaveLength(5);
    const oldDeliveries = await deliveriesOfChange(old ?? 0);
    expect(oldDeliveries.length).toBeGreaterThan(0);
    for (const d of oldDeliveries) {
      expect(d).toMatchObject({ status: 'skipped', next_attempt_at: null });
      expect(d.last_error).toMatch(/^Too late: the status change is 90 days old/);
    }

    // Two changes queued before any delivery pass: the first is superseded by the second.
    const before = mails.length;
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'planned', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    t.clock.advance(60_000);
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'in_progress', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    while ((await deliverLoopDeliveries(t.ctx)) > 0) {
      // drain
    }
    const [, planned, inProgress] = await changeIds();
    for (const d of await deliveriesOfChange(planned ?? 0))
      expect(d).toMatchObject({ status: 'skipped', last_error: 'Superseded: the idea is now in progress' });
    expect((await deliveriesOfChange(inProgress ?? 0)).every((d) => d.status === 'sent')).toBe(true);
    // Quoted-printable bodies: soft line breaks joined before reading.
    const bodies = mails.slice(before).map((m) => m.raw.replace(/=\r?\n/g, ''));
    expect(bodies.length).toBe(4);
    for (const body of bodies) {
      expect(body).toContain('is now in progress');
      expect(body).not.toContain('is now planned');
    }

    // Queued while nothing could send, and delivered after more than a week: too late, not sent.
    await setIdeaStatus(t.ctx, s.owner, s.ideaId, { status: 'done', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    t.clock.advance(8 * day);
    const count = mails.length;
    await deliverLoopDeliveries(t.ctx);
    expect(mails.length).toBe(count);
    const [, , , done] = await changeIds();
    for (const d of await deliveriesOfChange(done ?? 0)) {
      expect(d.status).toBe('skipped');
      expect(d.last_error).toMatch(/^Too late: the status change is 8 days old/);
    }
  });

  it('authors the reply as the case assignee when the moderator who changed the status cannot work cases', async () => {
    const s = await scene();
    // The agent opened the case and follows it, but only an assignee is a fallback author.
    await updateCase(t.ctx, s.agent, s.caseId, { assigneeUserId: s.agent.userId });
    const moderatorOnly: Actor = s.moderator;
    await setIdeaStatus(t.ctx, moderatorOnly, s.ideaId, { status: 'in_progress', note: '' });
    await notifyIdeaStatusChanges(t.ctx);
    await deliverLoopDeliveries(t.ctx);
    const reply = await t.ctx.db
      .selectFrom('outbox_replies')
      .select('author_user_id')
      .where('case_id', '=', s.caseId)
      .executeTakeFirstOrThrow();
    expect(reply.author_user_id).toBe(s.agent.userId);
  });
});
