import type { Selectable, Updateable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { OpportunitiesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { advanceLeadStage, checkSalesUser, leadRow } from './leads.ts';
import {
  type OpportunityFilters,
  type OpportunityInput,
  type OpportunityPatch,
  type OpportunityView,
  opportunityInput,
  opportunityPatch,
} from './schema.ts';

type OpportunityRow = Selectable<OpportunitiesTable>;
const closedStages = new Set(['closed_won', 'closed_lost']);

function toOpportunityView(r: OpportunityRow): OpportunityView {
  return {
    id: r.id,
    leadId: r.lead_id,
    customerId: r.customer_id,
    name: r.name,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    stage: r.stage,
    expectedCloseOn: r.expected_close_on,
    ownerUserId: r.owner_user_id,
    lostReason: r.lost_reason,
    closedAt: r.closed_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;

/** A lead's opportunities, oldest first. */
export async function opportunitiesOfLead(
  ctx: AppContext,
  workspaceId: string,
  leadId: string,
): Promise<OpportunityView[]> {
  const rows = await ctx.db
    .selectFrom('opportunities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('lead_id', '=', leadId)
    .orderBy('id')
    .execute();
  return rows.map(toOpportunityView);
}

/** Opens an opportunity on an open lead; the lead moves to the `opportunity` stage if it is behind. */
export async function createOpportunity(
  ctx: AppContext,
  actor: Actor,
  input: OpportunityInput,
): Promise<OpportunityView> {
  requirePermission(actor, 'sales:work');
  const p = opportunityInput.parse(input);
  const id = newId(ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    const lead = await leadRow(trx, actor.workspaceId, p.leadId);
    if (lead.status !== 'open') throw new AppError('conflict', `Lead ${lead.number} is ${lead.status}`);
    const owner = p.ownerUserId ?? lead.owner_user_id;
    if (p.ownerUserId) await checkSalesUser(trx, actor.workspaceId, p.ownerUserId, 'ownerUserId');
    const now = ctx.now().toISOString();
    await trx
      .insertInto('opportunities')
      .values({
        id,
        workspace_id: actor.workspaceId,
        lead_id: lead.id,
        customer_id: lead.customer_id,
        name: p.name,
        amount_minor: p.amountMinor,
        currency: p.currency,
        stage: p.stage,
        expected_close_on: p.expectedCloseOn ?? null,
        owner_user_id: owner,
        lost_reason: null,
        closed_at: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await trx.updateTable('leads').set({ updated_at: now }).where('id', '=', lead.id).execute();
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: 'lead',
      recordId: lead.id,
      kind: 'opportunity_added',
      actorUserId: actor.userId,
      data: {
        opportunityId: id,
        name: p.name,
        amountMinor: p.amountMinor,
        currency: p.currency,
        stage: p.stage,
      },
      summary: `Lead ${lead.number}: opportunity “${p.name}” (${money(p.amountMinor, p.currency)})`,
    });
    await advanceLeadStage(
      ctx,
      trx,
      lead,
      'opportunity',
      { userId: actor.userId },
      'an opportunity was opened',
    );
  });
  return toOpportunityView(
    await ctx.db.selectFrom('opportunities').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

/** One opportunity of the actor's workspace. */
export async function getOpportunity(ctx: AppContext, actor: Actor, id: string): Promise<OpportunityView> {
  requirePermission(actor, 'sales:read');
  const row = await ctx.db
    .selectFrom('opportunities')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No opportunity ${id}`);
  return toOpportunityView(row);
}

/**
 * Changes an opportunity. Closing it won makes its lead won and a customer (and the customer's
 * lifecycle stage `customer`); closing it lost needs a reason. A closed opportunity is final.
 */
export async function updateOpportunity(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: OpportunityPatch,
): Promise<OpportunityView> {
  requirePermission(actor, 'sales:work');
  const p = opportunityPatch.parse(patch);
  await ctx.db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('opportunities')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!current) throw new AppError('not_found', `No opportunity ${id}`);
    if (closedStages.has(current.stage))
      throw new AppError(
        'conflict',
        `Opportunity “${current.name}” is closed (${current.stage.replace('_', ' ')})`,
      );
    const now = ctx.now().toISOString();
    const set: Updateable<OpportunitiesTable> = {};
    if (p.name !== undefined) set.name = p.name;
    if (p.amountMinor !== undefined) set.amount_minor = p.amountMinor;
    if (p.currency !== undefined) set.currency = p.currency;
    if (p.expectedCloseOn !== undefined) set.expected_close_on = p.expectedCloseOn;
    if (p.ownerUserId !== undefined) {
      if (p.ownerUserId) await checkSalesUser(trx, actor.workspaceId, p.ownerUserId, 'ownerUserId');
      set.owner_user_id = p.ownerUserId;
    }
    const stageChanged = p.stage !== undefined && p.stage !== current.stage;
    if (stageChanged && p.stage) {
      set.stage = p.stage;
      if (closedStages.has(p.stage)) set.closed_at = now;
      if (p.stage === 'closed_lost') set.lost_reason = p.lostReason ?? null;
    }
    if (Object.keys(set).length === 0) return;
    await trx
      .updateTable('opportunities')
      .set({ ...set, updated_at: now })
      .where('id', '=', id)
      .execute();
    const lead = await leadRow(trx, actor.workspaceId, current.lead_id);
    await trx.updateTable('leads').set({ updated_at: now }).where('id', '=', lead.id).execute();
    const by = { userId: actor.userId };
    const kind =
      p.stage === 'closed_won' && stageChanged
        ? 'opportunity_won'
        : p.stage === 'closed_lost' && stageChanged
          ? 'opportunity_lost'
          : 'opportunity_updated';
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: 'lead',
      recordId: lead.id,
      kind,
      actorUserId: actor.userId,
      data: {
        opportunityId: id,
        name: set.name ?? current.name,
        changes: Object.keys(set),
        ...(stageChanged ? { from: current.stage, to: p.stage } : {}),
        ...(p.stage === 'closed_lost' ? { reason: p.lostReason } : {}),
      },
      summary:
        kind === 'opportunity_won'
          ? `Lead ${lead.number}: opportunity “${current.name}” won`
          : kind === 'opportunity_lost'
            ? `Lead ${lead.number}: opportunity “${current.name}” lost: ${p.lostReason}`
            : `Lead ${lead.number}: opportunity “${current.name}” updated`,
    });
    if (kind === 'opportunity_won' && lead.status === 'open') {
      await trx
        .updateTable('leads')
        .set({ status: 'won', closed_at: now, updated_at: now })
        .where('id', '=', lead.id)
        .execute();
      await recordEvent(ctx, trx, {
        workspaceId: actor.workspaceId,
        recordType: 'lead',
        recordId: lead.id,
        kind: 'won',
        actorUserId: actor.userId,
        data: { opportunityId: id },
        summary: `Lead ${lead.number} won`,
      });
      await advanceLeadStage(ctx, trx, lead, 'customer', by, 'an opportunity was won');
    }
  });
  return toOpportunityView(
    await ctx.db.selectFrom('opportunities').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
  );
}

/** The workspace's opportunities, newest first (keyset on the id), filtered. */
export async function listOpportunities(
  ctx: AppContext,
  actor: Actor,
  query: OpportunityFilters & PageQuery,
): Promise<Page<OpportunityView>> {
  requirePermission(actor, 'sales:read');
  let q = ctx.db.selectFrom('opportunities').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (query.stage) q = q.where('stage', '=', query.stage);
  if (query.leadId) q = q.where('lead_id', '=', query.leadId);
  if (query.owner === 'me') q = q.where('owner_user_id', '=', actor.userId);
  else if (query.owner) q = q.where('owner_user_id', '=', query.owner);
  if (query.open === 'true') q = q.where('closed_at', 'is', null);
  if (query.open === 'false') q = q.where('closed_at', 'is not', null);
  if (query.cursor !== undefined) q = q.where('id', '<', String(decodeCursor(query.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (r) => r.id, toOpportunityView);
}
