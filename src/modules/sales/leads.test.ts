import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { followRecord, listNotifications, recordFeed } from '../collaboration/feed.ts';
import { recordEvents } from '../customers/activity.ts';
import { recordConsent } from '../customers/consents.ts';
import { eraseCustomer } from '../customers/erasure.ts';
import {
  createAttributeDefinition,
  createCustomer,
  mergeCustomers,
  unmergeCustomers,
  updateCustomer,
} from '../customers/service.ts';
import { createCase } from '../inbox/cases.ts';
import { acceptHandoff, handoffLead, logContact, rejectHandoff } from './lead-handoff.ts';
import { getLead, listLeads } from './lead-lists.ts';
import { createLead, rescoreLead, rescoreOpenLeads, updateLead } from './leads.ts';
import { createOpportunity, listOpportunities, updateOpportunity } from './opportunities.ts';
import { salesPipeline } from './pipeline.ts';
import { getScoringConfig, saveScoringConfig } from './signals.ts';

const t = setupTestDatabase();
let n = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const marketer = (await buildUser(t.ctx, ws, { role: 'agent', name: 'Mia Marketing' })).actor;
  const rep = (await buildUser(t.ctx, ws, { role: 'agent', name: 'Sam Sales' })).actor;
  const other = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
  await createAttributeDefinition(t.ctx, admin, {
    key: 'plan',
    label: 'Plan',
    type: 'choice',
    choices: ['blue', 'gold'],
  });
  const customer = async (plan: 'blue' | 'gold' = 'blue') =>
    createCustomer(t.ctx, manager, {
      displayName: `Person ${++n}`,
      email: `person${n}@example.test`,
      verified: true,
      attributes: { plan },
    });
  return { ws, manager, marketer, rep, other, moderator, customer };
}

const stageOfCustomer = async (id: string) =>
  (
    await t.ctx.db
      .selectFrom('customers')
      .select('lifecycle_stage')
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
  ).lifecycle_stage;

describe('leads', () => {
  it('creates a numbered lead, mirrors its stage onto the customer, and allows one open lead per customer', async () => {
    const { manager, marketer, customer } = await setup();
    const c = await customer();
    await updateCustomer(t.ctx, manager, c.id, { lifecycleStage: 'subscriber' });
    const lead = await createLead(t.ctx, marketer, { customerId: c.id, title: 'Wants a group booking' });
    expect(lead).toMatchObject({
      number: 1,
      stage: 'lead',
      status: 'open',
      source: 'agent',
      createdBy: marketer.userId,
    });
    expect(await stageOfCustomer(c.id)).toBe('lead');
    await expect(createLead(t.ctx, marketer, { customerId: c.id, title: 'Again' })).rejects.toMatchObject({
      code: 'conflict',
      details: { leadId: lead.id },
    });
    const second = await createLead(t.ctx, marketer, { customerId: (await customer()).id, title: 'Another' });
    expect(second.number).toBe(2);
    const feed = await recordFeed(t.ctx, manager, 'lead', lead.id, { limit: 10 });
    expect(feed.items.map((e) => e.kind)).toContain('created');
  });

  it('keeps leads to their workspace and to roles that may read them', async () => {
    const { marketer, moderator, customer } = await setup();
    const lead = await createLead(t.ctx, marketer, { customerId: (await customer()).id, title: 'Mine' });
    const elsewhere = await buildWorkspace(t.ctx);
    const stranger = (await buildUser(t.ctx, elsewhere, { role: 'owner' })).actor;
    await expect(getLead(t.ctx, stranger, lead.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(updateLead(t.ctx, stranger, lead.id, { title: 'x' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(followRecord(t.ctx, stranger, 'lead', lead.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(getLead(t.ctx, moderator, lead.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await listLeads(t.ctx, stranger, {})).items).toEqual([]);
  });

  it('records every stage change on the feed and never moves the customer backwards automatically', async () => {
    const { manager, marketer, rep, customer } = await setup();
    const c = await customer();
    const lead = await createLead(t.ctx, marketer, { customerId: c.id, title: 'Upgrade', stage: 'lead' });
    await followRecord(t.ctx, rep, 'lead', lead.id);
    await updateLead(t.ctx, marketer, lead.id, { stage: 'sales_qualified' });
    expect(await stageOfCustomer(c.id)).toBe('sales_qualified');
    await updateLead(t.ctx, marketer, lead.id, { stage: 'marketing_qualified' });
    // The lead moved back by hand; the customer stays where they got to.
    expect(await stageOfCustomer(c.id)).toBe('sales_qualified');
    const feed = await recordFeed(t.ctx, manager, 'lead', lead.id, { limit: 10 });
    expect(feed.items.filter((e) => e.kind === 'stage_changed').map((e) => e.data)).toEqual([
      { from: 'sales_qualified', to: 'marketing_qualified' },
      { from: 'lead', to: 'sales_qualified' },
    ]);
    // Followers hear of both, as one unread line about the lead with the newest.
    const notes = await listNotifications(t.ctx, rep, { limit: 10 });
    expect(notes.items.map((x) => [x.summary, x.count])).toEqual([
      [expect.stringContaining('sales qualified → marketing qualified'), 2],
    ]);
  });

  it('assigns owners who may work leads, and disqualifies only with a reason', async () => {
    const { marketer, rep, moderator, customer } = await setup();
    const lead = await createLead(t.ctx, marketer, { customerId: (await customer()).id, title: 'Owner' });
    await expect(
      updateLead(t.ctx, marketer, lead.id, { ownerUserId: moderator.userId }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect((await updateLead(t.ctx, marketer, lead.id, { ownerUserId: rep.userId })).ownerUserId).toBe(
      rep.userId,
    );
    await expect(updateLead(t.ctx, marketer, lead.id, { status: 'disqualified' })).rejects.toThrow(/reason/);
    const out = await updateLead(t.ctx, marketer, lead.id, {
      status: 'disqualified',
      disqualifyReason: 'a competitor',
    });
    expect(out).toMatchObject({ status: 'disqualified', disqualifyReason: 'a competitor' });
    expect(out.closedAt).not.toBeNull();
    expect((await updateLead(t.ctx, marketer, lead.id, { status: 'open' })).status).toBe('open');
  });
});

describe('handoff from marketing to sales', () => {
  it('waits for the salesperson, who accepts and owns it; the clock runs from handoff to first contact', async () => {
    const { manager, marketer, rep, other, customer } = await setup();
    const lead = await createLead(t.ctx, marketer, {
      customerId: (await customer()).id,
      title: 'Corporate travel',
      ownerUserId: marketer.userId,
    });
    const pending = await handoffLead(t.ctx, marketer, lead.id, {
      toUserId: rep.userId,
      note: 'Asked twice for a quote',
    });
    expect(pending.stage).toBe('marketing_qualified');
    expect(pending.handoff).toMatchObject({
      status: 'pending',
      fromUserId: marketer.userId,
      toUserId: rep.userId,
      note: 'Asked twice for a quote',
      handoffToFirstContactMs: null,
    });
    const told = (await listNotifications(t.ctx, rep, { limit: 10 })).items.map((x) => x.summary);
    expect(told.some((x) => /handed off to Sam Sales: Asked twice/.test(x))).toBe(true);
    expect((await listLeads(t.ctx, rep, { handoff: 'pending_for_me' })).items.map((l) => l.id)).toEqual([
      lead.id,
    ]);
    expect((await listLeads(t.ctx, other, { handoff: 'pending_for_me' })).items).toEqual([]);
    await expect(
      handoffLead(t.ctx, marketer, lead.id, { toUserId: other.userId, note: 'x' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(acceptHandoff(t.ctx, other, lead.id)).rejects.toMatchObject({ code: 'forbidden' });

    t.clock.advance(30 * 60_000);
    const accepted = await acceptHandoff(t.ctx, rep, lead.id);
    expect(accepted).toMatchObject({ ownerUserId: rep.userId, stage: 'sales_qualified' });
    expect(accepted.handoff.status).toBe('accepted');
    expect((await salesPipeline(t.ctx, manager)).handoffs).toMatchObject({
      accepted: 1,
      awaitingFirstContact: 1,
    });

    t.clock.advance(90 * 60_000);
    const contacted = await logContact(t.ctx, rep, lead.id, { channel: 'phone', note: 'Sent a quote' });
    expect(contacted.handoff.handoffToFirstContactMs).toBe(2 * 3600_000);
    t.clock.advance(60_000);
    // A second contact does not move the clock.
    expect(
      (await logContact(t.ctx, rep, lead.id, { channel: 'email' })).handoff.handoffToFirstContactMs,
    ).toBe(2 * 3600_000);
    const pipeline = await salesPipeline(t.ctx, manager);
    expect(pipeline.handoffs).toMatchObject({
      accepted: 1,
      awaitingFirstContact: 0,
      handoffToFirstContactMs: { count: 1, median: 2 * 3600_000, p90: 2 * 3600_000 },
    });
    const kinds = (await recordFeed(t.ctx, manager, 'lead', lead.id, { limit: 20 })).items.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['handoff', 'handoff_accepted', 'contacted', 'stage_changed']),
    );
  });

  it('returns a rejected handoff to the sender with the reason, leaving the stage', async () => {
    const { manager, marketer, rep, customer } = await setup();
    const lead = await createLead(t.ctx, marketer, { customerId: (await customer()).id, title: 'Too early' });
    await handoffLead(t.ctx, marketer, lead.id, { toUserId: rep.userId, note: 'Looks keen' });
    await expect(rejectHandoff(t.ctx, rep, lead.id, { reason: '' })).rejects.toThrow();
    const rejected = await rejectHandoff(t.ctx, rep, lead.id, { reason: 'No budget until spring' });
    expect(rejected).toMatchObject({ ownerUserId: marketer.userId, stage: 'marketing_qualified' });
    expect(rejected.handoff).toMatchObject({ status: 'rejected', reason: 'No budget until spring' });
    const told = (await listNotifications(t.ctx, marketer, { limit: 5 })).items.map((x) => x.summary);
    expect(told.some((x) => /rejected: No budget until spring/.test(x))).toBe(true);
    await expect(acceptHandoff(t.ctx, rep, lead.id)).rejects.toMatchObject({ code: 'conflict' });
    // A manager may decide a handoff meant for someone else.
    await handoffLead(t.ctx, marketer, lead.id, { toUserId: rep.userId, note: 'Now with budget' });
    expect((await acceptHandoff(t.ctx, manager, lead.id)).ownerUserId).toBe(rep.userId);
  });
});

describe("first contact from a reply on the lead's case", () => {
  it('stops the handoff clock at the time a reply was sent on the case, found by the rescoring pass', async () => {
    const { marketer, rep, customer } = await setup();
    const c = await customer();
    const kase = await createCase(t.ctx, rep, { subject: 'Quote request', customerId: c.id });
    const lead = await createLead(t.ctx, marketer, { customerId: c.id, title: 'Quote', caseId: kase.id });
    await handoffLead(t.ctx, marketer, lead.id, { toUserId: rep.userId, note: 'Call them' });
    await acceptHandoff(t.ctx, rep, lead.id);
    t.clock.advance(3600_000);
    const sentAt = t.clock.now().toISOString();
    // A reply the outbox delivered on the case (what replies.ts records once the channel took it).
    await t.ctx.db
      .insertInto('outbox_replies')
      .values({
        id: `reply-${lead.id}`,
        workspace_id: rep.workspaceId,
        case_id: kase.id,
        mention_id: null,
        channel: 'email',
        visibility: 'private',
        recipient: 'someone@example.test',
        body: 'Here is your quote',
        status: 'sent',
        attempts: 1,
        next_attempt_at: null,
        last_error: null,
        external_id: null,
        external_url: null,
        author_user_id: rep.userId,
        created_at: sentAt,
        sent_at: sentAt,
      })
      .execute();
    t.clock.advance(10 * 60_000);
    await rescoreOpenLeads(t.ctx);
    const after = await getLead(t.ctx, rep, lead.id);
    expect(after.handoff).toMatchObject({ firstContactAt: sentAt, handoffToFirstContactMs: 3600_000 });
    const contacted = (await recordFeed(t.ctx, rep, 'lead', lead.id, { limit: 20 })).items.find(
      (e) => e.kind === 'contacted',
    );
    expect(contacted?.data).toMatchObject({ via: 'reply', channel: 'email' });
  });
});

describe('opportunities', () => {
  it('moves the lead to opportunity, wins it with the customer, and needs a reason to lose one', async () => {
    const { manager, rep, customer } = await setup();
    const c = await customer();
    const lead = await createLead(t.ctx, rep, {
      customerId: c.id,
      title: 'Fleet deal',
      ownerUserId: rep.userId,
    });
    const big = await createOpportunity(t.ctx, rep, {
      leadId: lead.id,
      name: 'Corporate plan 2027',
      amountMinor: 1_250_000,
      currency: 'eur',
      expectedCloseOn: '2027-01-31',
    });
    expect(big).toMatchObject({
      stage: 'qualification',
      currency: 'EUR',
      ownerUserId: rep.userId,
      amountMinor: 1_250_000,
    });
    expect((await getLead(t.ctx, rep, lead.id)).stage).toBe('opportunity');
    const small = await createOpportunity(t.ctx, rep, {
      leadId: lead.id,
      name: 'Lounge passes',
      amountMinor: 40_000,
      currency: 'USD',
      stage: 'proposal',
    });
    await expect(updateOpportunity(t.ctx, rep, small.id, { stage: 'closed_lost' })).rejects.toThrow(/reason/);
    const lost = await updateOpportunity(t.ctx, rep, small.id, {
      stage: 'closed_lost',
      lostReason: 'Too expensive',
    });
    expect(lost).toMatchObject({ stage: 'closed_lost', lostReason: 'Too expensive' });
    expect(lost.closedAt).not.toBeNull();
    await expect(updateOpportunity(t.ctx, rep, small.id, { stage: 'proposal' })).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await getLead(t.ctx, rep, lead.id)).status).toBe('open');

    await updateOpportunity(t.ctx, rep, big.id, { stage: 'negotiation', amountMinor: 1_100_000 });
    const pipeline = await salesPipeline(t.ctx, manager);
    expect(pipeline.opportunities.find((o) => o.stage === 'negotiation')).toEqual({
      stage: 'negotiation',
      count: 1,
      amounts: [{ currency: 'EUR', amountMinor: 1_100_000 }],
    });
    expect(pipeline.opportunities.find((o) => o.stage === 'closed_lost')?.amounts).toEqual([
      { currency: 'USD', amountMinor: 40_000 },
    ]);

    await updateOpportunity(t.ctx, rep, big.id, { stage: 'closed_won' });
    const won = await getLead(t.ctx, rep, lead.id);
    expect(won).toMatchObject({ status: 'won', stage: 'customer' });
    expect(won.opportunities.map((o) => o.stage).sort()).toEqual(['closed_lost', 'closed_won']);
    expect(await stageOfCustomer(c.id)).toBe('customer');
    const kinds = (await recordFeed(t.ctx, manager, 'lead', lead.id, { limit: 30 })).items.map((e) => e.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'opportunity_added',
        'opportunity_lost',
        'opportunity_updated',
        'opportunity_won',
        'won',
      ]),
    );
    expect((await listOpportunities(t.ctx, rep, { open: 'false', limit: 10 })).items).toHaveLength(2);
    await expect(
      createOpportunity(t.ctx, rep, { leadId: lead.id, name: 'After', amountMinor: 1, currency: 'EUR' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('scoring leads', () => {
  it('scores fit from attributes and engagement from behaviour events with consent, decaying with time', async () => {
    const { manager, marketer, rep, customer } = await setup();
    await expect(saveScoringConfig(t.ctx, rep, {})).rejects.toMatchObject({ code: 'forbidden' });
    await saveScoringConfig(t.ctx, manager, {
      halfLifeDays: 7,
      fit: { attributes: [{ key: 'plan', op: 'eq', value: 'gold', points: 30 }] },
      engagement: { events: { demo_requested: 20 } },
    });
    expect((await getScoringConfig(t.ctx, rep)).halfLifeDays).toBe(7);
    const c = await customer('gold');
    await recordEvents(t.ctx, manager, [
      {
        name: 'demo_requested',
        occurredAt: t.clock.now().toISOString(),
        properties: {},
        identity: { kind: 'customer', value: c.id },
      },
    ]);
    const lead = await createLead(t.ctx, marketer, { customerId: c.id, title: 'Gold member' });
    // No profiling consent: the event is not counted.
    expect(lead).toMatchObject({ fitScore: 30, engagementScore: 0, score: 30 });
    expect((await getLead(t.ctx, marketer, lead.id)).explanation.behaviourWithheld).toBe(true);

    await recordConsent(t.ctx, manager, c.id, { purpose: 'profiling', channel: 'any', status: 'granted' });
    const withEvents = await rescoreLead(t.ctx, marketer, lead.id);
    expect(withEvents).toMatchObject({ fitScore: 30, engagementScore: 20, score: 50 });
    const detail = await getLead(t.ctx, marketer, lead.id);
    expect(detail.explanation.contributions.map((x) => [x.kind, x.label, x.decayedPoints])).toEqual([
      ['attribute', 'plan = gold', 30],
      ['event', 'event demo_requested', 20],
    ]);

    // A week later the event counts half; the scheduled pass writes the notable change to the feed.
    t.clock.advance(7 * 86_400_000);
    expect(await rescoreOpenLeads(t.ctx)).toBeGreaterThanOrEqual(1);
    const later = await getLead(t.ctx, marketer, lead.id);
    expect(later).toMatchObject({ engagementScore: 10, score: 40 });
    const changed = (await recordFeed(t.ctx, manager, 'lead', lead.id, { limit: 10 })).items.find(
      (e) => e.kind === 'score_changed',
    );
    expect(changed?.data).toMatchObject({ from: 50, to: 40 });
  });
});

describe('lists and the pipeline board', () => {
  it('filters by owner, stage and title, sorts by score with keyset pages, and fills the board columns', async () => {
    const { manager, marketer, rep, customer } = await setup();
    await saveScoringConfig(t.ctx, manager, {
      fit: { attributes: [{ key: 'plan', op: 'eq', value: 'gold', points: 25 }] },
    });
    const a = await createLead(t.ctx, marketer, {
      customerId: (await customer('gold')).id,
      title: 'Alpha group trip',
    });
    const b = await createLead(t.ctx, marketer, {
      customerId: (await customer()).id,
      title: 'Beta upgrade',
      ownerUserId: rep.userId,
      stage: 'sales_qualified',
    });
    const c = await createLead(t.ctx, marketer, {
      customerId: (await customer('gold')).id,
      title: 'Gamma lounge',
    });
    expect((await listLeads(t.ctx, rep, { owner: 'me' })).items.map((l) => l.id)).toEqual([b.id]);
    expect((await listLeads(t.ctx, rep, { stage: 'sales_qualified' })).items.map((l) => l.id)).toEqual([
      b.id,
    ]);
    expect((await listLeads(t.ctx, rep, { q: 'LOUNGE' })).items.map((l) => l.id)).toEqual([c.id]);
    expect((await listLeads(t.ctx, rep, { q: `#${a.number}` })).items.map((l) => l.id)).toEqual([a.id]);
    const first = await listLeads(t.ctx, rep, { sort: 'score', limit: 2 });
    expect(first.items.map((l) => l.id)).toEqual([c.id, a.id]);
    expect(first.items[0]?.customer.displayName).toMatch(/^Person/);
    const second = await listLeads(t.ctx, rep, { sort: 'score', limit: 2, cursor: first.nextCursor ?? '' });
    expect(second.items.map((l) => l.id)).toEqual([b.id]);
    expect(second.nextCursor).toBeNull();

    const board = await salesPipeline(t.ctx, manager, { top: 1 });
    expect(board.stages.map((s) => s.stage)).toEqual([
      'subscriber',
      'lead',
      'marketing_qualified',
      'sales_qualified',
      'opportunity',
      'customer',
      'evangelist',
    ]);
    const leadColumn = board.stages.find((s) => s.stage === 'lead');
    expect(leadColumn?.count).toBe(2);
    expect(leadColumn?.leads.map((l) => l.id)).toEqual([c.id]);
    expect(board.stages.find((s) => s.stage === 'sales_qualified')?.leads[0]).toMatchObject({
      id: b.id,
      owner: { id: rep.userId, name: 'Sam Sales' },
    });
    expect((await salesPipeline(t.ctx, rep, { owner: 'me' })).stages.reduce((x, s) => x + s.count, 0)).toBe(
      1,
    );
  });

  it('follows a customer merge with its leads and opportunities, gives them back on unmerge, and loses their text on erasure', async () => {
    const { ws, manager, rep, customer } = await setup();
    const admin = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
    const a = await customer();
    const b = await customer();
    const leadA = await createLead(t.ctx, rep, { customerId: a.id, title: 'Group booking for Ana' });
    const leadB = await createLead(t.ctx, rep, { customerId: b.id, title: 'Upgrade for Ben' });
    const deal = await createOpportunity(t.ctx, rep, {
      leadId: leadB.id,
      name: 'Ben upgrade 2027',
      amountMinor: 50_000,
      currency: 'EUR',
    });
    // Both customers have an open lead: the merge keeps both, on the absorbing customer.
    const merge = await mergeCustomers(t.ctx, manager, { intoId: a.id, fromId: b.id });
    expect((await getLead(t.ctx, rep, leadB.id)).customer?.id).toBe(a.id);
    expect(
      (await listOpportunities(t.ctx, rep, { limit: 10 })).items.find((o) => o.id === deal.id)?.customerId,
    ).toBe(a.id);
    await unmergeCustomers(t.ctx, manager, merge.id);
    expect((await getLead(t.ctx, rep, leadB.id)).customer?.id).toBe(b.id);
    expect((await getLead(t.ctx, rep, leadA.id)).customer?.id).toBe(a.id);

    await eraseCustomer(t.ctx, admin, b.id, { reason: 'GDPR request' });
    const erased = await t.ctx.db
      .selectFrom('leads')
      .selectAll()
      .where('id', '=', leadB.id)
      .executeTakeFirstOrThrow();
    expect(erased.title).toBe('Lead of an erased customer');
    const opp = await t.ctx.db
      .selectFrom('opportunities')
      .selectAll()
      .where('id', '=', deal.id)
      .executeTakeFirstOrThrow();
    expect(opp.name).toBe('Opportunity of an erased customer');
    expect(Number(opp.amount_minor)).toBe(50_000);
    expect((await getLead(t.ctx, rep, leadA.id)).title).toBe('Group booking for Ana');
  });
});
