// Reading leads: the cards of lists and the board, the filtered list, and one lead's detail page.
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, type Page, toPage } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { isFollowing } from '../collaboration/feed.ts';
import { customerInSegments } from '../customers/segments.ts';
import { customerSummaries } from '../customers/service.ts';
import { mentionsByIds } from '../listening/service.ts';
import { LEAD, type LeadRow, leadRow, toLeadView } from './leads.ts';
import { opportunitiesOfLead } from './opportunities.ts';
import { type LeadCard, type LeadDetail, type LeadFilters, leadFilters } from './schema.ts';
import type { ScoreExplanation } from './scoring.ts';

/** Cards for leads: owner names and the customer's name and first social handle, read in batches. */
export async function leadCards(ctx: AppContext, workspaceId: string, rows: LeadRow[]): Promise<LeadCard[]> {
  if (rows.length === 0) return [];
  const ownerIds = [...new Set(rows.flatMap((r) => (r.owner_user_id ? [r.owner_user_id] : [])))];
  const customerIds = [...new Set(rows.map((r) => r.customer_id))];
  const [owners, customers, handles] = await Promise.all([
    ownerIds.length === 0
      ? Promise.resolve([])
      : ctx.db
          .selectFrom('users')
          .select(['id', 'name', 'email'])
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', ownerIds)
          .execute(),
    ctx.db
      .selectFrom('customers')
      .select(['id', 'display_name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', customerIds)
      .execute(),
    ctx.db
      .selectFrom('identities')
      .select(['customer_id', 'handle'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', customerIds)
      .where('kind', '=', 'social')
      .where('handle', 'is not', null)
      .orderBy('id')
      .execute(),
  ]);
  const ownerOf = new Map(owners.map((u) => [u.id, { id: u.id, name: u.name || u.email }]));
  const nameOf = new Map(customers.map((c) => [c.id, c.display_name]));
  const handleOf = new Map<string, string>();
  for (const h of handles)
    if (h.handle && !handleOf.has(h.customer_id)) handleOf.set(h.customer_id, h.handle);
  return rows.map((r) => ({
    ...toLeadView(r),
    owner: (r.owner_user_id && ownerOf.get(r.owner_user_id)) || null,
    customer: {
      id: r.customer_id,
      displayName: nameOf.get(r.customer_id) ?? '',
      handle: handleOf.get(r.customer_id) ?? null,
    },
  }));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The workspace's leads, filtered; newest first (keyset on the number) or best score first (keyset on score, number). */
export async function listLeads(
  ctx: AppContext,
  actor: Actor,
  query: LeadFilters & { cursor?: string | undefined; limit?: number | undefined },
): Promise<Page<LeadCard>> {
  requirePermission(actor, 'sales:read');
  const f = leadFilters.parse(query);
  const limit = query.limit ?? 50;
  let q = ctx.db.selectFrom('leads').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (f.status !== 'all') q = q.where('status', '=', f.status);
  if (f.stage) q = q.where('stage', '=', f.stage);
  if (f.owner === 'me') q = q.where('owner_user_id', '=', actor.userId);
  else if (f.owner === 'none') q = q.where('owner_user_id', 'is', null);
  else if (f.owner) q = q.where('owner_user_id', '=', f.owner);
  if (f.handoff === 'pending_for_me')
    q = q.where('handoff_status', '=', 'pending').where('handoff_to_user_id', '=', actor.userId);
  else if (f.handoff) q = q.where('handoff_status', '=', f.handoff);
  if (f.customerId) q = q.where('customer_id', '=', f.customerId);
  const byNumber = /^#(\d+)$/.exec(f.q?.trim() ?? '');
  if (byNumber) q = q.where('number', '=', Number(byNumber[1]));
  else if (f.q?.trim())
    q = q.where(
      sql<boolean>`lower(${sql.ref('title')}) like ${`%${escapeLike(f.q.trim().toLowerCase())}%`} escape '\\'`,
    );
  if (f.sort === 'score') {
    if (query.cursor !== undefined) {
      const [score, number] = String(decodeCursor(query.cursor)).split(':').map(Number);
      if (score === undefined || number === undefined || Number.isNaN(score) || Number.isNaN(number))
        throw new AppError('validation_failed', 'Invalid cursor', {
          fields: [{ path: 'cursor', message: 'Invalid cursor' }],
        });
      q = q.where((eb) =>
        eb.or([eb('score', '<', score), eb.and([eb('score', '=', score), eb('number', '<', number)])]),
      );
    }
    q = q.orderBy('score', 'desc').orderBy('number', 'desc');
  } else {
    if (query.cursor !== undefined) q = q.where('number', '<', Number(decodeCursor(query.cursor)));
    q = q.orderBy('number', 'desc');
  }
  const rows = await q.limit(limit + 1).execute();
  const cards = await leadCards(ctx, actor.workspaceId, rows.slice(0, limit));
  const byId = new Map(cards.map((c) => [c.id, c]));
  return toPage(
    rows,
    limit,
    (r) => (f.sort === 'score' ? `${Number(r.score)}:${Number(r.number)}` : Number(r.number)),
    (r) => byId.get(r.id) as LeadCard,
  );
}

/** One lead with everything its page shows: customer, segments, score explanation, posts, opportunities, handoff. */
export async function getLead(ctx: AppContext, actor: Actor, id: string): Promise<LeadDetail> {
  requirePermission(actor, 'sales:read');
  const row = await leadRow(ctx.db, actor.workspaceId, id);
  const segmentsOf = async () => {
    const visible = await ctx.db
      .selectFrom('segments')
      .select(['id', 'name'])
      .where('workspace_id', '=', actor.workspaceId)
      .where((eb) => eb.or([eb('shared', '=', 1), eb('owner_user_id', '=', actor.userId)]))
      .orderBy('name')
      .limit(50)
      .execute();
    const member: { id: string; name: string }[] = [];
    for (const s of visible)
      if (await customerInSegments(ctx, ctx.db, actor.workspaceId, row.customer_id, [s.id])) member.push(s);
    return member;
  };
  const mentionsOf = async () => {
    const links = await ctx.db
      .selectFrom('lead_mentions')
      .select('mention_id')
      .where('lead_id', '=', id)
      .orderBy('mention_id', 'desc')
      .limit(200)
      .execute();
    return mentionsByIds(
      ctx,
      actor.workspaceId,
      links.map((l) => Number(l.mention_id)),
    );
  };
  const [[card], [customer], segments, mentions, opportunities, following] = await Promise.all([
    leadCards(ctx, actor.workspaceId, [row]),
    customerSummaries(ctx, actor.workspaceId, [row.customer_id]),
    segmentsOf(),
    mentionsOf(),
    opportunitiesOfLead(ctx, actor.workspaceId, id),
    isFollowing(ctx, actor, LEAD, id),
  ]);
  const parsed = ctx.dialect.parseJson<Partial<ScoreExplanation>>(row.score_explanation);
  const explanation: ScoreExplanation = {
    fit: Number(row.fit_score),
    engagement: Number(row.engagement_score),
    score: Number(row.score),
    fitCapped: parsed.fitCapped ?? false,
    engagementCapped: parsed.engagementCapped ?? false,
    halfLifeDays: parsed.halfLifeDays ?? 0,
    behaviourWithheld: parsed.behaviourWithheld ?? false,
    contributions: parsed.contributions ?? [],
    omitted: parsed.omitted ?? { count: 0, decayedPoints: 0 },
  };
  return {
    ...toLeadView(row),
    owner: card?.owner ?? null,
    customer: customer ?? null,
    segments,
    explanation,
    mentions,
    opportunities,
    following,
  };
}
