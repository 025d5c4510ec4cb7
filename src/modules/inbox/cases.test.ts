import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { followRecord, listNotifications, markNotificationsRead, recordFeed } from '../collaboration/feed.ts';
import { addSegmentMembers, createSegment } from '../customers/segments.ts';
import { getCustomer, updateCustomer } from '../customers/service.ts';
import { createQuery } from '../listening/service.ts';
import { countCases, getCase, listCases } from './case-lists.ts';
import { mergeCases, splitCase } from './case-merge-split.ts';
import { attachMention, createCase, updateCase } from './cases.ts';
import {
  disposeMention,
  disposeMentions,
  dispositionStats,
  priorityFromUrgency,
  summarize,
  typeFromIntents,
} from './dispositions.ts';
import { deleteTeam, listAssignees, listTeams, saveTeam } from './teams.ts';

const t = setupTestDatabase();
let sequence = 0;

/** `threadRoot` as Bluesky sends it (reply refs carry the root); the generic format defaults it to `replyTo`. */
type Post = {
  id?: string;
  text: string;
  author?: string;
  replyTo?: string;
  threadRoot?: string;
  channel?: string;
  /** A deletion of the post `id` from its source. */
  deleted?: boolean;
};

/** Ingests posts through the real pipeline and returns the stored mention ids by external id. */
async function ingest(workspaceId: string, posts: Post[]): Promise<Map<string, number>> {
  const ids = posts.map((p) => p.id ?? `post-${++sequence}`);
  await appendToLog(
    t.ctx,
    posts.map((p, i) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify(
        p.deleted
          ? { channel: p.channel ?? 'bluesky', externalId: ids[i], deleted: true }
          : {
              channel: p.channel ?? 'bluesky',
              externalId: ids[i],
              text: p.text,
              createdAt: t.clock.now().toISOString(),
              replyTo: p.replyTo ?? null,
              threadRoot: p.threadRoot ?? p.replyTo ?? null,
              author: {
                externalId: `bluesky:${p.author ?? 'maya'}`,
                handle: p.author ?? 'maya',
                displayName: p.author ?? 'Maya',
              },
            },
      ),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const rows = await t.ctx.db
    .selectFrom('mentions')
    .select(['id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .where('external_id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.external_id, Number(r.id)]));
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const other = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  return { ws, agent, other, manager, moderator };
}

const idOf = (m: Map<string, number>, key: string) => {
  const id = m.get(key);
  if (id === undefined) throw new Error(`no mention ${key}`);
  return id;
};

describe('segment badges', () => {
  it("shows the customer's shared segments on the case cards and the case, not private ones", async () => {
    const { ws, agent, manager } = await setup();
    const posts = await ingest(ws.id, [
      { id: 'badge-maya', text: 'My refund is late', author: 'maya' },
      { id: 'badge-tom', text: 'Where is my bag?', author: 'tom' },
    ]);
    const customerOf = async (mentionId: number) =>
      (await createCase(t.ctx, agent, { subject: `Case of ${mentionId}`, mentionIds: [mentionId] }))
        .customerId ?? '';
    const mayaCase = await createCase(t.ctx, agent, {
      subject: 'Maya',
      mentionIds: [idOf(posts, 'badge-maya')],
    });
    const tomId = await customerOf(idOf(posts, 'badge-tom'));
    await updateCustomer(t.ctx, manager, mayaCase.customerId ?? '', { lifecycleStage: 'customer' });
    const paying = await createSegment(t.ctx, manager, {
      name: 'Paying',
      kind: 'dynamic',
      shared: true,
      rule: { match: 'all', conditions: [{ field: 'lifecycle_stage', op: 'in', value: ['customer'] }] },
    });
    // A second dynamic segment: each is its own column of one statement, matched separately.
    await createSegment(t.ctx, manager, {
      name: 'Prospects',
      kind: 'dynamic',
      shared: true,
      rule: { match: 'all', conditions: [{ field: 'lifecycle_stage', op: 'not_in', value: ['customer'] }] },
    });
    const watch = await createSegment(t.ctx, manager, { name: 'Watch list', kind: 'static', shared: true });
    await addSegmentMembers(t.ctx, manager, watch.id, [tomId, mayaCase.customerId ?? '']);
    const mine = await createSegment(t.ctx, manager, { name: 'My own list', kind: 'static', shared: false });
    await addSegmentMembers(t.ctx, manager, mine.id, [tomId]);

    const cards = (await listCases(t.ctx, agent, { view: 'all', limit: 10 })).items;
    const badges = Object.fromEntries(cards.map((c) => [c.customerId, c.segments.map((s) => s.name)]));
    expect(badges).toEqual({
      [mayaCase.customerId ?? '']: ['Paying', 'Watch list'],
      [tomId]: ['Prospects', 'Watch list'],
    });
    expect((await getCase(t.ctx, agent, mayaCase.id)).segments).toEqual([
      { id: paying.id, name: 'Paying' },
      { id: watch.id, name: 'Watch list' },
    ]);
  });
});

describe('cases from mentions', () => {
  it('turns a mention into a case whose conversation is the whole thread, linked to the author’s customer', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 'root-1', text: 'My bag never arrived in Lisbon, flight TP123', author: 'maya' },
      {
        id: 'reply-1',
        text: 'So sorry Maya, can you DM the tag number?',
        author: 'airline',
        replyTo: 'root-1',
      },
      {
        id: 'reply-2',
        text: 'Done, still nothing',
        author: 'maya',
        replyTo: 'reply-1',
        threadRoot: 'root-1',
      },
    ]);
    const d = await disposeMention(t.ctx, agent, idOf(m, 'root-1'), { action: 'create_case' });
    expect(d.disposition).toBe('case');
    expect(d.caseId).not.toBeNull();
    const detail = await getCase(t.ctx, agent, d.caseId ?? '');
    expect(detail.number).toBe(1);
    expect(detail.subject).toBe('My bag never arrived in Lisbon, flight TP123');
    expect(detail.status).toBe('new');
    expect(detail.channel).toBe('bluesky');
    expect(detail.conversations).toHaveLength(1);
    expect(detail.conversations[0]?.threadKey).toBe('root-1');
    expect(detail.conversations[0]?.messages.map((x) => x.externalId)).toEqual([
      'root-1',
      'reply-1',
      'reply-2',
    ]);
    expect(detail.customer?.identities.some((i) => i.handle === 'maya')).toBe(true);
    expect(detail.following).toBe(true);
    // The list's card carries the customer and the post that opened the case.
    const [card] = (await listCases(t.ctx, agent, { view: 'all', search: '#1', limit: 10 })).items;
    expect(card?.id).toBe(detail.id);
    expect(card?.firstMessage).toMatchObject({
      text: 'My bag never arrived in Lisbon, flight TP123',
      authorHandle: 'maya',
    });
    expect(card?.customer?.id).toBe(detail.customerId);
    expect((await listCases(t.ctx, agent, { view: 'all', search: '#2', limit: 10 })).items).toEqual([]);
  });

  it('numbers cases per workspace from 1 without gaps', async () => {
    const { agent } = await setup();
    const numbers = [];
    for (let i = 0; i < 3; i++)
      numbers.push((await createCase(t.ctx, agent, { subject: `Case ${i}` })).number);
    expect(numbers).toEqual([1, 2, 3]);
    const second = await setup();
    expect((await createCase(t.ctx, second.agent, { subject: 'Another workspace' })).number).toBe(1);
  });

  it("shows on the case page which listening queries each of the case's posts matched", async () => {
    const { ws, agent, manager } = await setup();
    const refunds = await createQuery(t.ctx, manager, { name: 'Refunds', query: 'refund*', enabled: true });
    const flights = await createQuery(t.ctx, manager, { name: 'Flights', query: 'flight', enabled: true });
    const m = await ingest(ws.id, [
      { id: 'q1', text: 'Refund for my cancelled flight please' },
      { id: 'q2', text: 'Still waiting', replyTo: 'q1' },
      { id: 'q3', text: 'No refund yet', replyTo: 'q1' },
    ]);
    const c = await createCase(t.ctx, agent, { subject: 'Refund', mentionIds: [idOf(m, 'q1')] });
    const [conversation] = (await getCase(t.ctx, agent, c.id)).conversations;
    expect(conversation?.messages.map((x) => [x.externalId, [...x.queryIds].sort()])).toEqual([
      ['q1', [refunds.id, flights.id].sort()],
      ['q2', []],
      ['q3', [refunds.id]],
    ]);
  });

  it('attaches a second thread to an open case and refuses to attach to a closed one', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 'a', text: 'Refund for my cancelled flight please' },
      { id: 'b', text: 'Still no refund, two weeks now' },
      { id: 'c', text: 'Another thing entirely' },
    ]);
    const c = await createCase(t.ctx, agent, { subject: 'Refund', mentionIds: [idOf(m, 'a')] });
    await attachMention(t.ctx, agent, c.id, idOf(m, 'b'));
    const detail = await getCase(t.ctx, agent, c.id);
    expect(detail.conversations.map((x) => x.threadKey).sort()).toEqual(['a', 'b']);
    await updateCase(t.ctx, agent, c.id, { status: 'closed' });
    await expect(attachMention(t.ctx, agent, c.id, idOf(m, 'c'))).rejects.toMatchObject({ code: 'conflict' });
  });

  it('moves a thread that already has a conversation to the case it is attached to, keeping one conversation', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 'root', text: 'My order never arrived' },
      { id: 'other', text: 'Question about invoices' },
    ]);
    const first = await createCase(t.ctx, agent, { subject: 'Order', mentionIds: [idOf(m, 'root')] });
    const second = await createCase(t.ctx, agent, { subject: 'Invoices', mentionIds: [idOf(m, 'other')] });
    await attachMention(t.ctx, agent, second.id, idOf(m, 'root'));
    expect((await getCase(t.ctx, agent, first.id)).conversations).toEqual([]);
    expect((await getCase(t.ctx, agent, second.id)).conversations.map((x) => x.threadKey).sort()).toEqual([
      'other',
      'root',
    ]);
    const conversations = await t.ctx.db
      .selectFrom('conversations')
      .select(['thread_key', 'case_id'])
      .where('workspace_id', '=', ws.id)
      .where('thread_key', '=', 'root')
      .execute();
    expect(conversations).toEqual([{ thread_key: 'root', case_id: second.id }]);
    const feed = await recordFeed(t.ctx, agent, 'case', second.id, { limit: 20 });
    expect(feed.items.find((e) => e.kind === 'conversation_added')?.data).toMatchObject({
      movedFrom: first.id,
    });
  });

  it('derives type and priority from the analysis when an agent does not choose', () => {
    expect(typeFromIntents('support_question complaint')).toBe('complaint');
    expect(typeFromIntents('purchase_intent')).toBe('lead');
    expect(typeFromIntents('support_question')).toBe('question');
    expect(typeFromIntents('praise')).toBe('feedback');
    expect(typeFromIntents(null)).toBe('other');
    expect(priorityFromUrgency(90)).toBe('urgent');
    expect(priorityFromUrgency(65)).toBe('high');
    expect(priorityFromUrgency(30)).toBe('normal');
    expect(priorityFromUrgency(5)).toBe('low');
    expect(priorityFromUrgency(null)).toBe('normal');
    expect(summarize('short')).toBe('short');
    const long = summarize(`${'word '.repeat(30)}end`);
    expect(long.length).toBeLessThanOrEqual(81);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('case lifecycle and feed', () => {
  it('records one feed event per change, keeps status times, and notifies followers but not the actor', async () => {
    const { agent, other } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Lost bag', tags: ['Baggage'] });
    expect(c.tags).toEqual(['baggage']);
    await followRecord(t.ctx, other, 'case', c.id);
    t.clock.advance(60_000);
    const solved = await updateCase(t.ctx, agent, c.id, { status: 'solved', priority: 'high' });
    expect(solved.solvedAt).toBe(t.clock.now().toISOString());
    const reopened = await updateCase(t.ctx, agent, c.id, { status: 'open' });
    expect(reopened.solvedAt).toBeNull();
    const feed = await recordFeed(t.ctx, agent, 'case', c.id, { limit: 50 });
    expect(feed.items.map((e) => [e.kind, e.data.field ?? null])).toEqual([
      ['status_changed', 'status'],
      ['status_changed', 'status'],
      ['updated', 'priority'],
      ['created', null],
    ]);
    // The three changes the follower did not make, as one unread line about the case.
    const forOther = await listNotifications(t.ctx, other, { limit: 50 });
    expect(forOther.unreadCount).toBe(1);
    expect(forOther.items[0]?.summary).toContain('status set to open');
    expect(forOther.items[0]?.count).toBe(3);
    expect((await listNotifications(t.ctx, agent, { limit: 50 })).unreadCount).toBe(0);
    expect(await markNotificationsRead(t.ctx, other)).toBe(1);
    expect((await listNotifications(t.ctx, other, { limit: 50, unread: true })).items).toHaveLength(0);
  });

  it('applies two changes of one case made at the same moment in turn, each from the status the other left', async () => {
    const { agent, other } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Refund' });
    await Promise.all([
      updateCase(t.ctx, agent, c.id, { status: 'pending_customer' }),
      updateCase(t.ctx, other, c.id, { status: 'solved' }),
    ]);
    const feed = await recordFeed(t.ctx, agent, 'case', c.id, { limit: 50 });
    const changes = feed.items
      .filter((e) => e.kind === 'status_changed')
      .reverse()
      .map((e) => [e.data.from, e.data.to]);
    // Whichever ran second saw the first one's status: the history chains, never two from "new".
    expect(changes).toHaveLength(2);
    expect(changes[0]?.[0]).toBe('new');
    expect(changes[1]?.[0]).toBe(changes[0]?.[1]);
    expect((await getCase(t.ctx, agent, c.id)).status).toBe(changes[1]?.[1]);
  });

  it('assigns only to people who may work cases, and the assignee follows the case', async () => {
    const { agent, other, manager, moderator } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Seat change' });
    await expect(updateCase(t.ctx, agent, c.id, { assigneeUserId: moderator.userId })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await getCase(t.ctx, other, c.id)).following).toBe(false);
    await updateCase(t.ctx, agent, c.id, { assigneeUserId: other.userId });
    // Each person's case page says whether they follow it: the assignee now, not a manager who never followed it.
    expect((await getCase(t.ctx, other, c.id)).following).toBe(true);
    expect((await getCase(t.ctx, manager, c.id)).following).toBe(false);
    const n = await listNotifications(t.ctx, other, { limit: 10 });
    expect(n.items).toHaveLength(0); // following starts with the assignment, after its own event
    await updateCase(t.ctx, agent, c.id, { priority: 'urgent' });
    expect((await listNotifications(t.ctx, other, { limit: 10 })).items.map((x) => x.summary)).toEqual([
      'Case 1: priority set to urgent',
    ]);
    const mine = await listCases(t.ctx, other, { view: 'mine', limit: 10 });
    expect(mine.items.map((x) => x.id)).toEqual([c.id]);
    expect((await listCases(t.ctx, agent, { view: 'unassigned', limit: 10 })).items).toHaveLength(0);
  });

  it('changes a case only while it has the status an ifStatus names, and says which it has otherwise', async () => {
    const { agent, other } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Undo me' });
    await updateCase(t.ctx, agent, c.id, { status: 'solved' });
    // A colleague reopens it; the first agent's undo, meant for a solved case, changes nothing.
    await updateCase(t.ctx, other, c.id, { status: 'pending_customer' });
    await expect(
      updateCase(t.ctx, agent, c.id, { status: 'open', ifStatus: 'solved' }),
    ).rejects.toMatchObject({ code: 'conflict', details: { status: 'pending_customer' } });
    expect((await getCase(t.ctx, agent, c.id)).status).toBe('pending_customer');
    const feed = await recordFeed(t.ctx, agent, 'case', c.id, { limit: 50 });
    expect(feed.items.filter((e) => e.kind === 'status_changed')).toHaveLength(2);
    // Solved again, the same undo applies.
    await updateCase(t.ctx, other, c.id, { status: 'solved' });
    expect((await updateCase(t.ctx, agent, c.id, { status: 'open', ifStatus: 'solved' })).status).toBe(
      'open',
    );
  });

  it('will not reopen a closed case', async () => {
    const { agent } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Closed' });
    await updateCase(t.ctx, agent, c.id, { status: 'closed' });
    await expect(updateCase(t.ctx, agent, c.id, { status: 'open' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('filters the list by status set, priority, tag and subject, with keyset pages', async () => {
    const { agent } = await setup();
    const a = await createCase(t.ctx, agent, {
      subject: 'Refund please',
      priority: 'high',
      tags: ['refund'],
    });
    const b = await createCase(t.ctx, agent, { subject: 'Wifi on board', tags: ['wifi'] });
    const c = await createCase(t.ctx, agent, { subject: 'Refund again', tags: ['refund', 'vip'] });
    await updateCase(t.ctx, agent, b.id, { status: 'solved' });
    const ids = async (f: Parameters<typeof listCases>[2]) =>
      (await listCases(t.ctx, agent, f)).items.map((x) => x.id);
    expect(await ids({ view: 'all', status: 'active', limit: 10 })).toEqual([c.id, a.id]);
    expect(await ids({ view: 'all', status: 'solved,closed', limit: 10 })).toEqual([b.id]);
    expect(await ids({ view: 'all', priority: 'high', limit: 10 })).toEqual([a.id]);
    expect(await ids({ view: 'all', tag: 'refund', limit: 10 })).toEqual([c.id, a.id]);
    expect(await ids({ view: 'all', search: 'WIFI', limit: 10 })).toEqual([b.id]);
    const first = await listCases(t.ctx, agent, { view: 'all', limit: 2 });
    expect(first.items.map((x) => x.id)).toEqual([c.id, b.id]);
    const next = await listCases(t.ctx, agent, { view: 'all', limit: 2, cursor: first.nextCursor ?? '' });
    expect(next.items.map((x) => x.id)).toEqual([a.id]);
    expect(next.nextCursor).toBeNull();
    await expect(listCases(t.ctx, agent, { view: 'all', status: 'bogus', limit: 10 })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('searching cases', () => {
  it("finds cases by subject, by their customer's name, email or handle, and by the words of their posts, deleted posts left out", async () => {
    const { ws, agent, manager } = await setup();
    const m = await ingest(ws.id, [
      { id: 'sr1', text: 'The lounge in Lisbon was closed again', author: 'ana.lima' },
      { id: 'sr2', text: 'Seat 14C had no power socket', author: 'bo' },
      { id: 'sr3', text: 'Also the Lisbon lounge coffee machine', author: 'bo', replyTo: 'sr2' },
      { id: 'sr4', text: 'Lisbon lounge staff were rude', author: 'cy' },
    ]);
    const ana = await createCase(t.ctx, agent, { subject: 'Lounge', mentionIds: [idOf(m, 'sr1')] });
    const bo = await createCase(t.ctx, agent, {
      subject: 'Seat power',
      mentionIds: [idOf(m, 'sr2'), idOf(m, 'sr3')],
    });
    const cy = await createCase(t.ctx, agent, { subject: 'Staff', mentionIds: [idOf(m, 'sr4')] });
    const none = await createCase(t.ctx, agent, { subject: 'Refund for the Lisbon flight' });
    await updateCustomer(t.ctx, manager, bo.customerId ?? '', {
      displayName: 'Bohdan Kowal',
      primaryEmail: 'bohdan@example.org',
    });
    const found = async (search: string) =>
      (await listCases(t.ctx, agent, { view: 'all', search, limit: 10 })).items.map((c) => c.id).sort();

    // Every word of a post, in any order and case; the subject as a substring.
    expect(await found('lisbon LOUNGE')).toEqual([ana.id, bo.id, cy.id].sort());
    expect(await found('Lisbon')).toEqual([ana.id, bo.id, cy.id, none.id].sort());
    expect(await found('power socket')).toEqual([bo.id]);
    expect(await found('lounge power')).toEqual([]);
    // The customer: a part of the name, the email, the handle as shown (with its "@").
    expect(await found('kowal')).toEqual([bo.id]);
    expect(await found('bohdan@example')).toEqual([bo.id]);
    expect(await found('@ana.li')).toEqual([ana.id]);
    // A post deleted at its source is not searched.
    expect(await found('rude')).toEqual([cy.id]);
    await ingest(ws.id, [{ id: 'sr4', text: '', deleted: true }]);
    expect(await found('rude')).toEqual([]);
    // Punctuation and query syntax are text to look for, never an error.
    for (const odd of ['"', "'", '%', '_', '\\', '*', 'NEAR(x y)', 'zz OR', '#', '(', 'x"y'])
      expect([odd, await found(odd)]).toEqual([odd, []]);
    // "@" alone is a character of the email, not a handle's mark.
    expect(await found('@')).toEqual([bo.id]);
    // The same search filters the counts of saved views and bulk actions.
    expect(await countCases(t.ctx, agent, { view: 'all', search: 'lisbon lounge' }, 100)).toEqual({
      count: 2,
      capped: false,
    });
  });
});

describe('merge and split', () => {
  it('merges a case into another, moving its conversations and keeping the history on both', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 'm1', text: 'Charged twice for my ticket', author: 'ana' },
      { id: 'm2', text: 'Hello? Charged twice!', author: 'ana' },
    ]);
    const a = await createCase(t.ctx, agent, {
      subject: 'Double charge',
      mentionIds: [idOf(m, 'm1')],
      tags: ['billing'],
    });
    const b = await createCase(t.ctx, agent, {
      subject: 'Double charge again',
      mentionIds: [idOf(m, 'm2')],
      tags: ['angry'],
    });
    const merged = await mergeCases(t.ctx, agent, a.id, b.id);
    expect(merged.tags.sort()).toEqual(['angry', 'billing']);
    const into = await getCase(t.ctx, agent, a.id);
    expect(into.conversations.map((c) => c.threadKey).sort()).toEqual(['m1', 'm2']);
    const away = await getCase(t.ctx, agent, b.id);
    expect(away.mergedInto).toBe(a.id);
    expect(away.status).toBe('closed');
    expect(away.conversations).toHaveLength(0);
    const mention = await t.ctx.db
      .selectFrom('mentions')
      .select('case_id')
      .where('id', '=', idOf(m, 'm2'))
      .executeTakeFirstOrThrow();
    expect(mention.case_id).toBe(a.id);
    const intoFeed = await recordFeed(t.ctx, agent, 'case', a.id, { limit: 10 });
    expect(intoFeed.items[0]?.kind).toBe('merged_in');
    expect((await recordFeed(t.ctx, agent, 'case', b.id, { limit: 10 })).items[0]?.kind).toBe('merged_away');
    expect((await listCases(t.ctx, agent, { view: 'all', limit: 10 })).items.map((c) => c.id)).toEqual([
      a.id,
    ]);
    await expect(updateCase(t.ctx, agent, b.id, { priority: 'low' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('splits conversations off into a new case that keeps the customer, and must leave one behind', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 's1', text: 'Where is my refund', author: 'leo' },
      { id: 's2', text: 'Also the app crashes on login', author: 'leo' },
      { id: 's3', text: 'Same crash here', author: 'mia' },
    ]);
    const c = await createCase(t.ctx, agent, {
      subject: 'Leo',
      mentionIds: [idOf(m, 's1'), idOf(m, 's2'), idOf(m, 's3')],
    });
    const detail = await getCase(t.ctx, agent, c.id);
    const crash = detail.conversations.find((x) => x.threadKey === 's2');
    expect(crash).toBeDefined();
    await expect(
      splitCase(
        t.ctx,
        agent,
        c.id,
        detail.conversations.map((x) => x.id),
      ),
    ).rejects.toMatchObject({ code: 'bad_request' });
    const split = await splitCase(t.ctx, agent, c.id, [crash?.id ?? ''], 'App crash');
    expect(split.subject).toBe('App crash');
    expect(split.customerId).toBe(c.customerId);
    expect(split.number).toBe(c.number + 1);
    expect((await getCase(t.ctx, agent, split.id)).conversations.map((x) => x.threadKey)).toEqual(['s2']);
    expect((await getCase(t.ctx, agent, c.id)).conversations.map((x) => x.threadKey)).toEqual(['s1', 's3']);
    const mention = await t.ctx.db
      .selectFrom('mentions')
      .select('case_id')
      .where('id', '=', idOf(m, 's2'))
      .executeTakeFirstOrThrow();
    expect(mention.case_id).toBe(split.id);
    expect((await recordFeed(t.ctx, agent, 'case', c.id, { limit: 5 })).items[0]?.data).toMatchObject({
      to: { id: split.id },
      conversationIds: [crash?.id],
    });
    // A thread by someone else, split off, takes its own author's customer.
    const mia = detail.conversations.find((x) => x.threadKey === 's3');
    const miaCase = await splitCase(t.ctx, agent, c.id, [mia?.id ?? '']);
    expect(miaCase.customerId).toBe(mia?.customerId);
    expect(miaCase.customerId).not.toBe(c.customerId);
  });
});

describe("the customer's other cases", () => {
  it('shows on a case how many other cases its customer has open and in all, and the latest five, without merged-away ones', async () => {
    const { ws, agent } = await setup();
    const m = await ingest(ws.id, [
      { id: 'o1', text: 'My bag is lost', author: 'ana' },
      { id: 'o2', text: 'Refund please', author: 'bo' },
    ]);
    const current = await createCase(t.ctx, agent, { subject: 'Lost bag', mentionIds: [idOf(m, 'o1')] });
    const customerId = current.customerId ?? undefined;
    expect(customerId).toBeTypeOf('string');
    const earlier = [];
    for (let i = 1; i <= 7; i++)
      earlier.push(await createCase(t.ctx, agent, { subject: `Earlier ${i}`, customerId }));
    const [first, , , , fifth, sixth, seventh] = earlier;
    if (!first || !fifth || !sixth || !seventh) throw new Error('cases missing');
    await updateCase(t.ctx, agent, first.id, { status: 'solved' });
    await updateCase(t.ctx, agent, seventh.id, { status: 'solved' });
    await mergeCases(t.ctx, agent, fifth.id, sixth.id);
    const theirs = await createCase(t.ctx, agent, { subject: 'Refund', mentionIds: [idOf(m, 'o2')] });

    const seen = await getCase(t.ctx, agent, current.id);
    // Seven made, one merged away: six, of which two are solved.
    expect(seen.otherCases).toMatchObject({ open: 4, total: 6 });
    expect(seen.otherCases?.recent.map((c) => [c.subject, c.status])).toEqual([
      ['Earlier 7', 'solved'],
      ['Earlier 5', 'new'],
      ['Earlier 4', 'new'],
      ['Earlier 3', 'new'],
      ['Earlier 2', 'new'],
    ]);
    expect(seen.otherCases?.recent[0]?.number).toBe(seventh.number);
    // From one of those cases, the case first opened is among the other ones.
    const fromFifth = await getCase(t.ctx, agent, fifth.id);
    expect(fromFifth.otherCases).toMatchObject({ open: 4, total: 6 });
    expect(fromFifth.otherCases?.recent.map((c) => c.subject)).not.toContain('Earlier 5');
    // Another customer's case has none; a case without a customer says so with null.
    expect((await getCase(t.ctx, agent, theirs.id)).otherCases).toEqual({ open: 0, total: 0, recent: [] });
    const loose = await createCase(t.ctx, agent, { subject: 'Nobody yet' });
    expect((await getCase(t.ctx, agent, loose.id)).otherCases).toBeNull();
    // The customer's profile counts the same cases, the one opened first among them.
    const profile = await getCustomer(t.ctx, agent, customerId ?? '');
    expect(profile.serviceHistory).toMatchObject({ open: 5, total: 7 });
    expect(profile.serviceHistory.recent.map((c) => [c.subject, c.type])).toEqual([
      ['Earlier 7', 'question'],
      ['Earlier 5', 'question'],
      ['Earlier 4', 'question'],
      ['Earlier 3', 'question'],
      ['Earlier 2', 'question'],
    ]);
  });
});

describe('dispositions: heard versus listened', () => {
  it('counts matched mentions with a disposition, by kind, and the time to decide', async () => {
    const { ws, agent, manager } = await setup();
    await createQuery(t.ctx, manager, { name: 'Refunds', query: 'refund*', enabled: true });
    const m = await ingest(ws.id, [
      { id: 'd1', text: 'I want a refund' },
      { id: 'd2', text: 'refund refund refund' },
      { id: 'd3', text: 'refunds are slow' },
      { id: 'd4', text: 'nothing to see here' },
    ]);
    t.clock.advance(10 * 60_000);
    await disposeMention(t.ctx, agent, idOf(m, 'd1'), { action: 'create_case' });
    t.clock.advance(20 * 60_000);
    const dismissed = await disposeMention(t.ctx, agent, idOf(m, 'd2'), {
      action: 'dismiss',
      reason: 'spam',
    });
    expect(dismissed).toMatchObject({ disposition: 'dismissed', reason: 'spam', by: agent.userId });
    const stats = await dispositionStats(t.ctx, agent, 30);
    expect(stats.matched).toBe(3);
    expect(stats.disposed).toBe(2);
    expect(stats.share).toBeCloseTo(2 / 3);
    expect(stats.byDisposition).toEqual({ case: 1, lead: 0, answered: 0, dismissed: 1 });
    expect(stats.minutesToDisposition).toEqual({ p50: 10, p90: 30 });
  });

  it('refuses dispositions to roles that do not work cases and for mentions of another workspace', async () => {
    const { ws, agent, moderator } = await setup();
    const m = await ingest(ws.id, [{ text: 'hello' }]);
    const [id] = [...m.values()];
    await expect(disposeMention(t.ctx, moderator, id ?? 0, { action: 'answered' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const stranger = await setup();
    await expect(
      disposeMention(t.ctx, stranger.agent, id ?? 0, { action: 'answered' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await disposeMention(t.ctx, agent, id ?? 0, { action: 'answered' })).disposition).toBe(
      'answered',
    );
  });
});

describe('triage of many posts at once', () => {
  it('dismisses the undecided posts with a reason, leaves decided, deleted and unknown ones as they are, and says why', async () => {
    const { ws, agent, moderator } = await setup();
    const m = await ingest(ws.id, [
      { id: 'b1', text: 'Win free followers now' },
      { id: 'b2', text: 'Cheap pills here' },
      { id: 'b3', text: 'My bag is lost' },
      { id: 'b4', text: 'Going away' },
      { id: 'b5', text: 'Thanks, all sorted' },
    ]);
    await disposeMention(t.ctx, agent, idOf(m, 'b3'), { action: 'create_case' });
    await ingest(ws.id, [{ id: 'b4', text: '', deleted: true }]);
    const stranger = await setup();
    const theirs = await ingest(stranger.ws.id, [{ id: 'x1', text: 'Not yours' }]);
    t.clock.advance(5 * 60_000);

    const ids = ['b1', 'b2', 'b3', 'b4'].map((k) => idOf(m, k));
    const result = await disposeMentions(t.ctx, agent, {
      mentionIds: [...ids, idOf(theirs, 'x1')],
      action: 'dismiss',
      reason: 'spam',
    });
    expect(result.decided.map((d) => [d.mentionId, d.disposition, d.reason, d.by])).toEqual([
      [idOf(m, 'b1'), 'dismissed', 'spam', agent.userId],
      [idOf(m, 'b2'), 'dismissed', 'spam', agent.userId],
    ]);
    expect(result.decided[0]?.at).toBe(t.clock.now().toISOString());
    expect(result.skipped).toEqual([
      { mentionId: idOf(m, 'b3'), reason: 'already_decided' },
      { mentionId: idOf(m, 'b4'), reason: 'deleted' },
      { mentionId: idOf(theirs, 'x1'), reason: 'not_found' },
    ]);
    const rows = await t.ctx.db
      .selectFrom('mentions')
      .select(['external_id', 'disposition', 'disposition_reason'])
      .where('id', 'in', [...ids, idOf(theirs, 'x1')])
      .orderBy('id')
      .execute();
    expect(rows.map((r) => [r.external_id, r.disposition, r.disposition_reason])).toEqual([
      ['b1', 'dismissed', 'spam'],
      ['b2', 'dismissed', 'spam'],
      ['b3', 'case', null],
      ['b4', null, null],
      ['x1', null, null],
    ]);

    const answered = await disposeMentions(t.ctx, agent, { mentionIds: [idOf(m, 'b5')], action: 'answered' });
    expect(answered.decided).toMatchObject([{ disposition: 'answered', reason: null }]);
    // A second pass finds nothing left to decide.
    expect(
      (
        await disposeMentions(t.ctx, agent, {
          mentionIds: [idOf(m, 'b5')],
          action: 'dismiss',
          reason: 'noise',
        })
      ).skipped,
    ).toEqual([{ mentionId: idOf(m, 'b5'), reason: 'already_decided' }]);
    await expect(
      disposeMentions(t.ctx, moderator, { mentionIds: [idOf(m, 'b1')], action: 'answered' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('teams', () => {
  it('lists the people who can be assigned cases, without moderators', async () => {
    const { agent, other, manager, moderator } = await setup();
    const people = await listAssignees(t.ctx, agent);
    const ids = people.map((p) => p.id);
    expect(ids).toEqual(expect.arrayContaining([agent.userId, other.userId, manager.userId]));
    expect(ids).not.toContain(moderator.userId);
    await expect(listAssignees(t.ctx, moderator)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('creates, renames and deletes teams; cases of a deleted team keep everything else', async () => {
    const { agent, other, manager } = await setup();
    await expect(saveTeam(t.ctx, agent, { name: 'Care' })).rejects.toMatchObject({ code: 'forbidden' });
    const care = await saveTeam(t.ctx, manager, { name: 'Care', memberIds: [agent.userId] });
    await expect(saveTeam(t.ctx, manager, { name: 'Care' })).rejects.toMatchObject({ code: 'conflict' });
    const renamed = await saveTeam(
      t.ctx,
      manager,
      { name: 'Customer care', memberIds: [agent.userId, other.userId] },
      care.id,
    );
    expect(renamed.memberIds.sort()).toEqual([agent.userId, other.userId].sort());
    const c = await createCase(t.ctx, agent, {
      subject: 'Team case',
      teamId: care.id,
      assigneeUserId: other.userId,
    });
    await deleteTeam(t.ctx, manager, care.id);
    expect(await listTeams(t.ctx, agent)).toEqual([]);
    const after = await getCase(t.ctx, agent, c.id);
    expect(after.teamId).toBeNull();
    expect(after.assigneeUserId).toBe(other.userId);
  });
});
