import { createConnector } from '../connectors/service.ts';
import type { AppContext } from '../context.ts';
import type { Actor } from '../modules/auth/roles.ts';
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

/**
 * Fills a new demo workspace: the demo stream connector (generated, clearly marked chatter)
 * and listening queries that pick out what a brand would care about.
 */
export async function seedDemoWorkspace(ctx: AppContext, owner: Actor): Promise<void> {
  for (const q of demoQueries) await createQuery(ctx, owner, { ...q, enabled: true });
  await createConnector(ctx, owner, { kind: 'demo', name: 'Demo stream (generated chatter)', config: {} });
}
