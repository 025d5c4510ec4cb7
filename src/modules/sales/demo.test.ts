import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { seedDemoWorkspace } from '../../demo/seed.ts';
import { listRules } from '../inbox/routing-rules.ts';
import { getLead, listLeads } from './lead-lists.ts';
import { salesPipeline } from './pipeline.ts';

const t = setupTestDatabase();

describe('demo sales', () => {
  it('has leads in every lifecycle stage, handoffs in every state, opportunities in several stages', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor: owner } = await buildUser(t.ctx, ws, { role: 'owner' });
    await seedDemoWorkspace(t.ctx, owner);
    const board = await salesPipeline(t.ctx, owner, { top: 5 });
    expect(Object.fromEntries(board.stages.map((s) => [s.stage, s.count]))).toEqual({
      subscriber: 1,
      lead: 1,
      marketing_qualified: 2,
      sales_qualified: 1,
      opportunity: 1,
      customer: 1,
      evangelist: 1,
    });
    expect(board.handoffs).toMatchObject({ pending: 1, accepted: 2, rejected: 1 });
    expect(board.handoffs.handoffToFirstContactMs).toEqual({
      count: 2,
      median: 3 * 3600_000,
      p90: 9 * 3600_000,
    });
    const opportunityStages = board.opportunities.filter((o) => o.count > 0).map((o) => o.stage);
    expect(opportunityStages).toEqual([
      'qualification',
      'proposal',
      'negotiation',
      'closed_won',
      'closed_lost',
    ]);
    expect(
      board.opportunities.find((o) => o.stage === 'negotiation')?.amounts.map((a) => a.currency),
    ).toEqual(['USD']);
    // Scores come from the configured fit rules: Carlos is a gold VIP flying often, in "Paying customers".
    const carlos = (await listLeads(t.ctx, owner, { status: 'all', q: 'Gold tier renewal' })).items[0];
    expect(carlos).toMatchObject({ status: 'won', stage: 'customer' });
    expect(
      (await getLead(t.ctx, owner, carlos?.id ?? '')).explanation.contributions.map((c) => c.label),
    ).toEqual(
      expect.arrayContaining([
        'plan = gold',
        'vip = true',
        'flights_2026 ≥ 10',
        'in segment Paying customers',
      ]),
    );
    // Website behaviour counts for those who consented to profiling, and only for them.
    const aiko = (await listLeads(t.ctx, owner, { q: 'Tokyo' })).items[0];
    expect(aiko?.engagementScore).toBeGreaterThan(0);
    const omar = (await listLeads(t.ctx, owner, { q: 'Marrakech' })).items[0];
    const omarDetail = await getLead(t.ctx, owner, omar?.id ?? '');
    expect(omarDetail).toMatchObject({ engagementScore: 0, explanation: { behaviourWithheld: true } });
    expect((await listRules(t.ctx, owner)).some((r) => r.actions.some((a) => a.type === 'create_lead'))).toBe(
      true,
    );
  });
});
