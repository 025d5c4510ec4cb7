import type { AppContext } from '../../context.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { leadCards } from './lead-lists.ts';
import { leadStages, opportunityStages, type Pipeline, pipelineQuery } from './schema.ts';

/** Handoffs older than this no longer count in the handoff-to-first-contact figures. */
const HANDOFF_WINDOW_DAYS = 90;

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? null;
}

/**
 * The board: per lifecycle stage, the count of open and won leads and the best-scored few; per
 * opportunity stage, the count and the amounts per currency; and how handoffs are going.
 */
export async function salesPipeline(
  ctx: AppContext,
  actor: Actor,
  query: { top?: number | undefined; owner?: string | undefined } = {},
): Promise<Pipeline> {
  requirePermission(actor, 'sales:read');
  const q = pipelineQuery.parse(query);
  const ws = actor.workspaceId;
  const owner = q.owner === 'me' ? actor.userId : q.owner;
  const boardLeads = () => {
    // Won leads stay on the board (they fill the customer and evangelist columns); disqualified ones leave it.
    let b = ctx.db.selectFrom('leads').where('workspace_id', '=', ws).where('status', 'in', ['open', 'won']);
    if (owner) b = b.where('owner_user_id', '=', owner);
    return b;
  };
  const since = new Date(ctx.now().getTime() - HANDOFF_WINDOW_DAYS * 86_400_000).toISOString();
  const [counts, tops, opportunities, handoffRows] = await Promise.all([
    boardLeads()
      .select((eb) => ['stage', eb.fn.countAll<number>().as('n')])
      .groupBy('stage')
      .execute(),
    Promise.all(
      leadStages.map((stage) =>
        q.top === 0
          ? Promise.resolve([])
          : boardLeads()
              .selectAll()
              .where('stage', '=', stage)
              .orderBy('score', 'desc')
              .orderBy('number', 'desc')
              .limit(q.top)
              .execute(),
      ),
    ),
    (() => {
      let b = ctx.db
        .selectFrom('opportunities')
        .select((eb) => [
          'stage',
          'currency',
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum('amount_minor').as('sum'),
        ])
        .where('workspace_id', '=', ws);
      if (owner) b = b.where('owner_user_id', '=', owner);
      return b.groupBy(['stage', 'currency']).execute();
    })(),
    ctx.db
      .selectFrom('leads')
      .select(['handoff_status', 'handoff_to_user_id', 'handoff_at', 'first_contact_at', 'status'])
      .where('workspace_id', '=', ws)
      .where('handoff_status', '!=', 'none')
      .where((eb) => eb.or([eb('handoff_status', '=', 'pending'), eb('handoff_at', '>=', since)]))
      .execute(),
  ]);
  const cards = await leadCards(ctx, ws, tops.flat());
  const countOf = new Map(counts.map((c) => [c.stage, Number(c.n)]));
  const handoffs = {
    pending: 0,
    pendingForMe: 0,
    accepted: 0,
    rejected: 0,
    awaitingFirstContact: 0,
  };
  const durations: number[] = [];
  for (const h of handoffRows) {
    if (h.handoff_status === 'pending') {
      handoffs.pending++;
      if (h.handoff_to_user_id === actor.userId) handoffs.pendingForMe++;
    }
    if (h.handoff_status === 'accepted') {
      handoffs.accepted++;
      if (h.first_contact_at === null && h.status === 'open') handoffs.awaitingFirstContact++;
    }
    if (h.handoff_status === 'rejected') handoffs.rejected++;
    if (h.handoff_at && h.first_contact_at && h.first_contact_at >= h.handoff_at)
      durations.push(Date.parse(h.first_contact_at) - Date.parse(h.handoff_at));
  }
  durations.sort((a, b) => a - b);
  return {
    stages: leadStages.map((stage) => ({
      stage,
      count: countOf.get(stage) ?? 0,
      leads: cards.filter((c) => c.stage === stage),
    })),
    opportunities: opportunityStages.map((stage) => {
      const rows = opportunities.filter((o) => o.stage === stage);
      return {
        stage,
        count: rows.reduce((a, r) => a + Number(r.n), 0),
        amounts: rows
          .map((r) => ({ currency: r.currency, amountMinor: Number(r.sum ?? 0) }))
          .sort((a, b) => a.currency.localeCompare(b.currency)),
      };
    }),
    handoffs: {
      ...handoffs,
      handoffToFirstContactMs: {
        count: durations.length,
        median: percentile(durations, 0.5),
        p90: percentile(durations, 0.9),
      },
    },
  };
}
