import { createConnector } from '../connectors/service.ts';
import type { AppContext } from '../context.ts';
import { createTopic } from '../modules/analysis/service.ts';
import type { Actor } from '../modules/auth/roles.ts';
import { seedDemoCommunity } from '../modules/communities/demo.ts';
import { addTransaction } from '../modules/customers/activity.ts';
import { rebuildCustomerStats } from '../modules/customers/customer-stats.ts';
import { recomputeInfluence } from '../modules/customers/influence.ts';
import { addSegmentMembers, createSegment } from '../modules/customers/segments.ts';
import { createAttributeDefinition, createCustomer, updateCustomer } from '../modules/customers/service.ts';
import { saveCanned } from '../modules/inbox/canned.ts';
import { saveRule } from '../modules/inbox/routing-rules.ts';
import { saveSlaPolicy } from '../modules/inbox/sla.ts';
import { saveTeam } from '../modules/inbox/teams.ts';
import { createQuery } from '../modules/listening/service.ts';
import { seedDemoSales } from '../modules/sales/demo.ts';
import { createSurvey } from '../modules/surveys/service.ts';
import { seedDemoCaseHistory } from './inbox-history.ts';

const demoQueries = [
  { name: 'Brand mentions', query: '"demo airways" OR @demoairways OR #DemoAirways' },
  { name: 'Baggage', query: 'bag OR bags OR baggage OR luggage OR maleta OR carry-on' },
  { name: 'Refunds and cancellations', query: 'refund* OR cancel* OR reembolso OR remboursement OR annulé' },
  { name: 'Delays', query: 'delay* OR late OR verspätung OR "missed connection" OR "on hold"' },
  {
    name: 'Buying signals',
    query: '"how much" OR upgrade OR "summer pass" OR (book* NEAR/4 (ticket* OR flight* OR trip)) OR cuánto',
  },
];

const demoTopics = [
  {
    name: 'Baggage',
    keywords: ['bag*', 'baggage', 'luggage', 'suitcase', 'carry-on', 'maleta', 'bagage', 'gepäck'],
    examples: ['my suitcase never arrived at the carousel'],
  },
  {
    name: 'Refunds and cancellations',
    keywords: ['refund*', 'cancel*', 'money back', 'reembolso', 'remboursement', 'annulé'],
    examples: ['still waiting for my money after the cancelled flight'],
  },
  {
    name: 'Delays',
    keywords: ['delay*', 'late', 'missed connection', 'verspätung', 'retraso', 'retard'],
    examples: ['stuck at the gate for hours and nobody tells us anything'],
  },
  {
    name: 'Wi-Fi and entertainment',
    keywords: ['wifi', 'wi-fi', 'entertainment', 'screen', 'movies'],
    examples: ['the internet on board did not work the whole flight'],
  },
  {
    name: 'Booking and prices',
    keywords: ['how much', 'price*', 'fare*', 'upgrade', 'summer pass', 'book*', 'cuánto'],
    examples: ['what does a return ticket to lisbon cost in june'],
  },
];

/**
 * Fills a new demo workspace: the demo stream connector (generated, clearly marked chatter),
 * listening queries that pick out what a brand would care about, and topics to group it by.
 */
export async function seedDemoWorkspace(ctx: AppContext, owner: Actor): Promise<void> {
  for (const q of demoQueries) await createQuery(ctx, owner, { ...q, enabled: true });
  for (const topic of demoTopics) await createTopic(ctx, owner, { ...topic, enabled: true });
  await seedDemoCustomers(ctx, owner);
  await seedDemoSegments(ctx, owner);
  await seedDemoInbox(ctx, owner);
  await createConnector(ctx, owner, { kind: 'demo', name: 'Demo stream (generated chatter)', config: {} });
  // Solved cases ask their customer how it went, in the thread (the history's answers show it).
  await createSurvey(ctx, owner, {
    name: 'Support satisfaction',
    kind: 'csat',
    question: 'How did we do? Tell us in one click:',
    commentPrompt: 'Anything we could have done better?',
    trigger: 'case_solved',
    delivery: 'reply',
  });
  await seedDemoCaseHistory(ctx, owner);
  // Influencers and advocates from the first minute (the scheduler recomputes every 15).
  await recomputeInfluence(ctx, owner.workspaceId);
  // Segments read precomputed statistics: start from a complete set (the scheduler then counts
  // the demo stream's mentions every 30 s).
  await rebuildCustomerStats(ctx, owner.workspaceId);
  await seedDemoSales(ctx, owner);
  await seedDemoCommunity(ctx, owner);
}

/**
 * Custom attributes and one customer known from the CRM before any post arrives: Carlos, with a
 * verified email at his own domain. When the demo stream brings his Bluesky account
 * (`carlos.ruiz.example`), the pipeline links it to him automatically, with the evidence; Maya's
 * Bluesky and Mastodon accounts become a suggestion (same handle on two networks).
 */
async function seedDemoCustomers(ctx: AppContext, owner: Actor): Promise<void> {
  await createAttributeDefinition(ctx, owner, {
    key: 'plan',
    label: 'Loyalty tier',
    type: 'choice',
    choices: ['blue', 'silver', 'gold'],
  });
  await createAttributeDefinition(ctx, owner, { key: 'member_since', label: 'Member since', type: 'date' });
  await createAttributeDefinition(ctx, owner, { key: 'vip', label: 'VIP', type: 'boolean' });
  await createAttributeDefinition(ctx, owner, {
    key: 'flights_2026',
    label: 'Flights in 2026',
    type: 'number',
  });
  const carlos = await createCustomer(ctx, owner, {
    displayName: 'Carlos Ruiz',
    email: 'carlos@ruiz.example',
    verified: true,
    attributes: { plan: 'gold', member_since: '2019-04-02', vip: true, flights_2026: 23 },
  });
  await updateCustomer(ctx, owner, carlos.id, { lifecycleStage: 'customer' });
  await addTransaction(ctx, owner, carlos.id, {
    externalId: 'demo-order-1001',
    kind: 'order',
    status: 'completed',
    amountMinor: 24_900,
    currency: 'EUR',
    description: 'Gold tier upgrade (demo)',
    occurredAt: new Date(ctx.now().getTime() - 20 * 86_400_000).toISOString(),
    properties: {},
  });
}

/** Two more people known from the CRM only (a newsletter list), with lifecycle stages. */
const crmOnly = [
  { displayName: 'Noor Haddad', email: 'noor@haddad.example', stage: 'lead', plan: 'silver' },
  { displayName: 'Erik Lund', email: 'erik@lund.example', stage: 'subscriber', plan: 'blue' },
] as const;

/**
 * Segments that are not empty in the demo: three rules over what the demo stream brings (they
 * fill as its posts are counted) and a hand-made list.
 */
async function seedDemoSegments(ctx: AppContext, owner: Actor): Promise<void> {
  const listed: string[] = [];
  for (const c of crmOnly) {
    const created = await createCustomer(ctx, owner, {
      displayName: c.displayName,
      email: c.email,
      verified: false,
      attributes: { plan: c.plan },
    });
    await updateCustomer(ctx, owner, created.id, { lifecycleStage: c.stage });
    listed.push(created.id);
  }
  const carlos = await ctx.db
    .selectFrom('customers')
    .select('id')
    .where('workspace_id', '=', owner.workspaceId)
    .where('primary_email', '=', 'carlos@ruiz.example')
    .executeTakeFirst();
  if (carlos) listed.push(carlos.id);
  await createSegment(ctx, owner, {
    name: 'Unhappy and influential',
    description: 'Negative mentions from people with reach: answer them first.',
    kind: 'dynamic',
    shared: true,
    rule: {
      match: 'all',
      conditions: [
        { field: 'sentiment.negative', op: 'gte', value: 1 },
        {
          match: 'any',
          conditions: [
            { field: 'influence', op: 'gte', value: 40 },
            { field: 'followers', op: 'gte', value: 10_000 },
          ],
        },
      ],
    },
  });
  await createSegment(ctx, owner, {
    name: 'Purchase intent on Bluesky',
    description: 'Asked about prices, upgrades or bookings on Bluesky.',
    kind: 'dynamic',
    shared: true,
    rule: {
      match: 'all',
      conditions: [
        { field: 'intent.purchase_intent', op: 'gte', value: 1 },
        { field: 'channel', op: 'in', value: ['bluesky'] },
      ],
    },
  });
  await createSegment(ctx, owner, {
    name: 'Paying customers',
    description: 'Bought something, or marked as customers.',
    kind: 'dynamic',
    shared: true,
    rule: {
      match: 'any',
      conditions: [
        { field: 'transactions.count', op: 'gte', value: 1 },
        { field: 'lifecycle_stage', op: 'in', value: ['customer', 'evangelist'] },
      ],
    },
  });
  const beta = await createSegment(ctx, owner, {
    name: 'Beta testers',
    description: 'Trying the new app before everyone else.',
    kind: 'static',
    shared: true,
  });
  await addSegmentMembers(ctx, owner, beta.id, listed);
}

/**
 * An inbox that works from the first minute: a care team, routing rules that turn complaints and
 * buying signals from the demo stream into cases (and drop spam), service levels, and two canned
 * responses. The rules also route the stream's backfill, so cases are waiting at first sign-in.
 */
async function seedDemoInbox(ctx: AppContext, owner: Actor): Promise<void> {
  const care = await saveTeam(ctx, owner, { name: 'Customer care', memberIds: [owner.userId] });
  await saveRule(ctx, owner, {
    name: 'Drop spam',
    conditions: [{ field: 'intent', op: 'in', value: ['spam'] }],
    actions: [{ type: 'dismiss', reason: 'spam' }],
  });
  await saveRule(ctx, owner, {
    name: 'Complaints and churn risk become cases',
    conditions: [{ field: 'intent', op: 'in', value: ['complaint', 'churn_risk'] }],
    actions: [
      { type: 'create_case' },
      { type: 'add_tags', value: ['complaint'] },
      // To the team's queue, not to a person: the demo has one person, who would otherwise be
      // notified of every backfilled case at first sign-in.
      { type: 'assign_team', teamId: care.id },
    ],
  });
  await saveRule(ctx, owner, {
    name: 'Buying signals become leads',
    conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
    actions: [
      { type: 'create_case', caseType: 'lead' },
      { type: 'add_tags', value: ['sales'] },
    ],
  });
  await saveRule(ctx, owner, {
    name: 'Big voices first',
    conditions: [
      { field: 'case_exists', op: 'is_true' },
      { field: 'followers', op: 'gte', value: 10_000 },
    ],
    actions: [{ type: 'set_priority', value: 'urgent' }],
  });
  // Rules on cases: what help desks automate once cases exist.
  await saveRule(ctx, owner, {
    name: 'Customer wrote while we waited on them: reopen',
    event: 'case_updated',
    conditions: [
      { field: 'changed', op: 'in', value: ['customer_message'] },
      { field: 'case_status', op: 'in', value: ['pending_customer', 'on_hold'] },
    ],
    actions: [{ type: 'set_status', value: 'open' }],
  });
  await saveRule(ctx, owner, {
    name: 'Nobody picked it up in 2 hours: raise priority',
    // An example to switch on: the demo's one person would see most backfilled cases raised.
    enabled: false,
    event: 'time_elapsed',
    conditions: [
      { field: 'hours_since', since: 'created', op: 'gte', value: 2 },
      { field: 'case_assigned', op: 'is_false' },
      { field: 'case_priority', op: 'in', value: ['low', 'normal'] },
      { field: 'case_status', op: 'in', value: ['new', 'open'] },
    ],
    actions: [{ type: 'set_priority', value: 'high' }],
  });
  await saveRule(ctx, owner, {
    name: 'Close solved cases after 3 days',
    event: 'time_elapsed',
    conditions: [
      { field: 'case_status', op: 'in', value: ['solved'] },
      { field: 'hours_since', since: 'solved', op: 'gte', value: 72 },
    ],
    actions: [{ type: 'set_status', value: 'closed' }],
  });
  await saveSlaPolicy(ctx, owner, {
    name: 'Urgent',
    conditions: { priorities: ['urgent'] },
    targets: { firstResponse: 30, nextResponse: 60, resolution: 8 * 60 },
    businessHours: false,
    warnBeforeMinutes: 10,
    breachActions: [{ type: 'notify', userIds: [owner.userId] }],
  });
  await saveSlaPolicy(ctx, owner, {
    name: 'Social, everything else',
    targets: { firstResponse: 4 * 60, nextResponse: 8 * 60, resolution: 3 * 8 * 60 },
    businessHours: true,
    warnBeforeMinutes: 30,
    breachActions: [{ type: 'escalate_priority' }],
  });
  await saveCanned(ctx, owner, {
    name: 'Sorry for the delay',
    body: 'Hi {{customer.handle}}, {{agent.name}} from {{workspace.name}} here. We are sorry for the wait: we are on it and will update you here.',
    shared: true,
  });
  await saveCanned(ctx, owner, {
    name: 'Move to a private channel',
    body: 'Hi {{customer.handle}}, so we can look at your booking safely, we have sent you a private message.',
    shared: true,
  });
}
