import { createConnector } from '../connectors/service.ts';
import type { AppContext } from '../context.ts';
import { createTopic } from '../modules/analysis/service.ts';
import type { Actor } from '../modules/auth/roles.ts';
import { createAttributeDefinition, createCustomer } from '../modules/customers/service.ts';
import { createQuery } from '../modules/listening/service.ts';

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
  await createConnector(ctx, owner, { kind: 'demo', name: 'Demo stream (generated chatter)', config: {} });
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
  await createCustomer(ctx, owner, {
    displayName: 'Carlos Ruiz',
    email: 'carlos@ruiz.example',
    verified: true,
    attributes: { plan: 'gold', member_since: '2019-04-02', vip: true, flights_2026: 23 },
  });
}
