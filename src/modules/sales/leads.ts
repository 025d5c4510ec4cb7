// Lead records: creating (by hand or by a routing rule), editing, stage changes mirrored onto the customer, linked posts, and rescoring.
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, LeadsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { repeatEvery } from '../../scheduling.ts';
import { type Actor, can, requirePermission } from '../auth/roles.ts';
import { addFollower, type FeedEntry, type RecordType, recordEvent } from '../collaboration/feed.ts';
import {
  type LeadInput,
  type LeadPatch,
  type LeadStage,
  type LeadView,
  leadInput,
  leadPatch,
  stageRank,
} from './schema.ts';
import { type ScoreExplanation, type ScoringConfig, scoreLead } from './scoring.ts';
import { scoringConfigOf, scoringInputs } from './signals.ts';

type Db = Kysely<DB> | Transaction<DB>;
export type LeadRow = Selectable<LeadsTable>;
export const LEAD: RecordType = 'lead';

/** Who changed a lead: a person, or a routing rule (`userId` null). */
export type By = { userId: string | null; rule?: { id: string; name: string } };

export function toLeadView(r: LeadRow): LeadView {
  const handoffAt = r.handoff_at;
  const contact = r.first_contact_at;
  return {
    id: r.id,
    number: Number(r.number),
    customerId: r.customer_id,
    title: r.title,
    stage: r.stage as LeadStage,
    status: r.status,
    disqualifyReason: r.disqualify_reason,
    ownerUserId: r.owner_user_id,
    teamId: r.team_id,
    source: r.source,
    sourceMentionId: r.source_mention_id === null ? null : Number(r.source_mention_id),
    sourceRuleId: r.source_rule_id,
    caseId: r.case_id,
    fitScore: Number(r.fit_score),
    engagementScore: Number(r.engagement_score),
    score: Number(r.score),
    scoredAt: r.scored_at,
    handoff: {
      status: r.handoff_status,
      fromUserId: r.handoff_from_user_id,
      toUserId: r.handoff_to_user_id,
      note: r.handoff_note,
      at: handoffAt,
      decidedAt: r.handoff_decided_at,
      reason: r.handoff_reason,
      firstContactAt: contact,
      handoffToFirstContactMs:
        handoffAt && contact && contact >= handoffAt ? Date.parse(contact) - Date.parse(handoffAt) : null,
    },
    closedAt: r.closed_at,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function leadRow(db: Db, workspaceId: string, id: string): Promise<LeadRow> {
  const row = await db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No lead ${id}`);
  return row;
}

/**
 * Runs one change to lead `id` for someone who may work leads, in one transaction, and returns the
 * lead as it stands afterwards. Input is parsed inside `work`, after the permission check.
 */
export async function writeLead(
  ctx: AppContext,
  actor: Actor,
  id: string,
  work: (trx: Transaction<DB>) => Promise<void>,
): Promise<LeadView> {
  requirePermission(actor, 'sales:work');
  const row = await ctx.db.transaction().execute(async (trx) => {
    await work(trx);
    return leadRow(trx, actor.workspaceId, id);
  });
  return toLeadView(row);
}

/** Writes `set` onto lead `id` and records the change on the lead's feed as `actor`'s. */
export async function changeLead(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  id: string,
  set: Updateable<LeadsTable>,
  event: Pick<FeedEntry, 'kind' | 'data' | 'summary' | 'notify'>,
): Promise<void> {
  await trx.updateTable('leads').set(set).where('id', '=', id).execute();
  await recordEvent(ctx, trx, {
    workspaceId: actor.workspaceId,
    recordType: LEAD,
    recordId: id,
    actorUserId: actor.userId,
    ...event,
  });
}

/** Owners must be active people of the workspace whose role may work leads; returns their name. */
export async function checkSalesUser(
  db: Db,
  workspaceId: string,
  userId: string,
  path: string,
): Promise<string> {
  const user = await db
    .selectFrom('users')
    .select(['name', 'email', 'role', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (user?.status !== 'active')
    throw new AppError('not_found', `No active user ${userId} in this workspace`);
  if (!can({ role: user.role }, 'sales:work'))
    throw new AppError('validation_failed', `A ${user.role} cannot own leads`, {
      fields: [{ path, message: `role ${user.role} cannot work leads` }],
    });
  return user.name || user.email;
}

async function checkTeam(db: Db, workspaceId: string, teamId: string): Promise<void> {
  const team = await db
    .selectFrom('teams')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new AppError('not_found', `No team ${teamId}`);
}

async function liveCustomer(db: Db, workspaceId: string, customerId: string) {
  const row = await db
    .selectFrom('customers')
    .select(['id', 'display_name', 'merged_into', 'erased_at'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${customerId}`);
  if (row.merged_into !== null)
    throw new AppError('conflict', `Customer ${customerId} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
  return row;
}

/** The next per-workspace lead number; the workspace row is locked so two creations cannot take the same one. */
async function nextLeadNumber(ctx: AppContext, trx: Transaction<DB>, workspaceId: string): Promise<number> {
  await ctx.dialect
    .lockForUpdate(trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId))
    .execute();
  const row = await trx
    .selectFrom('leads')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.n ?? 0) + 1;
}

const stageLabel = (s: string) => s.replaceAll('_', ' ');

/**
 * Mirrors a lead's stage onto its customer, forwards only: a customer already further along
 * (or set by hand to a later stage) keeps their stage.
 */
async function mirrorStage(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  customerId: string,
  stage: LeadStage,
): Promise<void> {
  const c = await trx
    .selectFrom('customers')
    .select('lifecycle_stage')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!c || stageRank(c.lifecycle_stage) >= stageRank(stage)) return;
  await trx
    .updateTable('customers')
    .set({ lifecycle_stage: stage, updated_at: ctx.now().toISOString() })
    .where('id', '=', customerId)
    .execute();
}

/** Moves a lead to `to` (any direction), records the change on its feed and mirrors it forward onto the customer. */
export async function setLeadStage(
  ctx: AppContext,
  trx: Transaction<DB>,
  row: LeadRow,
  to: LeadStage,
  by: By,
  why?: string,
): Promise<void> {
  if (row.stage === to) return;
  const now = ctx.now().toISOString();
  await trx.updateTable('leads').set({ stage: to, updated_at: now }).where('id', '=', row.id).execute();
  await recordEvent(ctx, trx, {
    workspaceId: row.workspace_id,
    recordType: LEAD,
    recordId: row.id,
    kind: 'stage_changed',
    actorUserId: by.userId,
    data: { from: row.stage, to, ...(why ? { reason: why } : {}), ...(by.rule ? { rule: by.rule } : {}) },
    summary: `Lead ${row.number}: ${stageLabel(row.stage)} → ${stageLabel(to)}${why ? ` (${why})` : ''}`,
  });
  await mirrorStage(ctx, trx, row.workspace_id, row.customer_id, to);
}

/** Moves a lead forward to `to` when it is behind; never backwards. */
export async function advanceLeadStage(
  ctx: AppContext,
  trx: Transaction<DB>,
  row: LeadRow,
  to: LeadStage,
  by: By,
  why: string,
): Promise<void> {
  if (stageRank(row.stage) < stageRank(to)) await setLeadStage(ctx, trx, row, to, by, why);
}

/**
 * A reply sent on the lead's case is a contact: the first one since the handoff stops its clock
 * at the time it was sent. Found by the rescoring passes (at most minutes later) rather than by
 * the outbox, which knows nothing of leads.
 */
async function contactFromReplies(ctx: AppContext, trx: Transaction<DB>, row: LeadRow): Promise<void> {
  if (row.first_contact_at !== null || row.case_id === null || row.status !== 'open') return;
  let q = trx
    .selectFrom('outbox_replies')
    .select(['sent_at', 'channel'])
    .where('workspace_id', '=', row.workspace_id)
    .where('case_id', '=', row.case_id)
    .where('status', '=', 'sent')
    .where('sent_at', 'is not', null);
  if (row.handoff_at) q = q.where('sent_at', '>=', row.handoff_at);
  const first = await q.orderBy('sent_at').limit(1).executeTakeFirst();
  if (!first?.sent_at) return;
  await trx.updateTable('leads').set({ first_contact_at: first.sent_at }).where('id', '=', row.id).execute();
  await recordEvent(ctx, trx, {
    workspaceId: row.workspace_id,
    recordType: LEAD,
    recordId: row.id,
    kind: 'contacted',
    actorUserId: null,
    data: { channel: first.channel, via: 'reply', at: first.sent_at, first: true },
    summary: `Lead ${row.number}: first contact, a reply on ${first.channel}`,
  });
}

/**
 * Recomputes a lead's score inside `trx` and stores it with its explanation; a notable change is
 * written to the feed (and so reaches followers). `updated_at` is left alone: decay is not an edit.
 */
export async function rescoreInTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  row: LeadRow,
  config?: ScoringConfig,
): Promise<ScoreExplanation> {
  await contactFromReplies(ctx, trx, row);
  const cfg = config ?? (await scoringConfigOf(ctx, trx, row.workspace_id));
  const inputs = await scoringInputs(ctx, trx, row.workspace_id, row.customer_id, cfg);
  const explanation = scoreLead(inputs, cfg, ctx.now());
  await trx
    .updateTable('leads')
    .set({
      fit_score: explanation.fit,
      engagement_score: explanation.engagement,
      score: explanation.score,
      score_explanation: ctx.dialect.toJson(explanation),
      scored_at: ctx.now().toISOString(),
    })
    .where('id', '=', row.id)
    .execute();
  const before = Number(row.score);
  if (row.scored_at !== null && Math.abs(explanation.score - before) >= cfg.notableChange)
    await recordEvent(ctx, trx, {
      workspaceId: row.workspace_id,
      recordType: LEAD,
      recordId: row.id,
      kind: 'score_changed',
      actorUserId: null,
      data: { from: before, to: explanation.score, fit: explanation.fit, engagement: explanation.engagement },
      summary: `Lead ${row.number}: score ${before} → ${explanation.score}`,
    });
  return explanation;
}

/**
 * Links posts to a lead and disposes of them as `lead` (a post already made into a case keeps
 * that disposition: the case is the conversation, the lead the interest). Returns the ids new to the lead.
 */
async function linkMentions(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  leadId: string,
  mentionIds: number[],
  by: By,
): Promise<number[]> {
  if (mentionIds.length === 0) return [];
  const found = await trx
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', mentionIds)
    .execute();
  const known = new Set(found.map((m) => Number(m.id)));
  const missing = mentionIds.filter((m) => !known.has(m));
  if (missing.length > 0) throw new AppError('not_found', `No mention ${missing.join(', ')}`);
  const already = await trx
    .selectFrom('lead_mentions')
    .select('mention_id')
    .where('lead_id', '=', leadId)
    .where('mention_id', 'in', mentionIds)
    .execute();
  const linked = new Set(already.map((m) => Number(m.mention_id)));
  const fresh = [...new Set(mentionIds)].filter((m) => !linked.has(m));
  const now = ctx.now().toISOString();
  if (fresh.length === 0) return [];
  await trx
    .insertInto('lead_mentions')
    .values(fresh.map((m) => ({ lead_id: leadId, mention_id: m, workspace_id: workspaceId, added_at: now })))
    .execute();
  await trx
    .updateTable('mentions')
    .set({
      disposition: 'lead',
      disposition_reason: null,
      disposition_at: now,
      disposition_by: by.userId ?? (by.rule ? `rule:${by.rule.id}` : null),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', fresh)
    .where((eb) => eb.or([eb('disposition', 'is', null), eb('disposition', '!=', 'case')]))
    .execute();
  return fresh;
}

async function openLeadOf(db: Db, workspaceId: string, customerId: string): Promise<LeadRow | undefined> {
  return db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('status', '=', 'open')
    .executeTakeFirst();
}

/** Adds posts to an open lead: they join it, and its engagement is scored again. */
export async function attachToLead(
  ctx: AppContext,
  trx: Transaction<DB>,
  row: LeadRow,
  mentionIds: number[],
  by: By,
): Promise<LeadRow> {
  const fresh = await linkMentions(ctx, trx, row.workspace_id, row.id, mentionIds, by);
  if (fresh.length === 0) return row;
  await trx
    .updateTable('leads')
    .set({ updated_at: ctx.now().toISOString() })
    .where('id', '=', row.id)
    .execute();
  await recordEvent(ctx, trx, {
    workspaceId: row.workspace_id,
    recordType: LEAD,
    recordId: row.id,
    kind: 'mention_added',
    actorUserId: by.userId,
    data: { mentionIds: fresh, ...(by.rule ? { rule: by.rule } : {}) },
    summary: by.rule
      ? `Lead ${row.number}: a new post joined it (rule “${by.rule.name}”)`
      : `Lead ${row.number}: a post was added`,
  });
  await rescoreInTransaction(ctx, trx, row);
  return leadRow(trx, row.workspace_id, row.id);
}

export type NewLead = {
  customerId: string;
  title: string;
  stage: LeadStage;
  ownerUserId?: string | undefined;
  teamId?: string | undefined;
  mentionIds: number[];
  caseId?: string | undefined;
  source: LeadsTable['source'];
};

/**
 * Creates a lead inside `trx`, or, when the customer already has an open lead, adds the posts to
 * that one (`attached`). Followers: the creator and the owner.
 */
export async function insertLead(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  input: NewLead,
  by: By,
): Promise<{ row: LeadRow; attached: boolean }> {
  await liveCustomer(trx, workspaceId, input.customerId);
  const existing = await openLeadOf(trx, workspaceId, input.customerId);
  if (existing) return { row: await attachToLead(ctx, trx, existing, input.mentionIds, by), attached: true };
  if (input.ownerUserId) await checkSalesUser(trx, workspaceId, input.ownerUserId, 'ownerUserId');
  if (input.teamId) await checkTeam(trx, workspaceId, input.teamId);
  if (input.caseId) {
    const c = await trx
      .selectFrom('cases')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', input.caseId)
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', `No case ${input.caseId}`);
  }
  const now = ctx.now().toISOString();
  const id = newId(ctx.now());
  const number = await nextLeadNumber(ctx, trx, workspaceId);
  await trx
    .insertInto('leads')
    .values({
      id,
      workspace_id: workspaceId,
      number,
      customer_id: input.customerId,
      title: input.title,
      stage: input.stage,
      status: 'open',
      disqualify_reason: null,
      owner_user_id: input.ownerUserId ?? null,
      team_id: input.teamId ?? null,
      source: input.source,
      source_mention_id: input.mentionIds[0] ?? null,
      source_rule_id: by.rule?.id ?? null,
      case_id: input.caseId ?? null,
      fit_score: 0,
      engagement_score: 0,
      score: 0,
      score_explanation: ctx.dialect.toJson({}),
      scored_at: null,
      handoff_status: 'none',
      handoff_from_user_id: null,
      handoff_to_user_id: null,
      handoff_note: null,
      handoff_at: null,
      handoff_decided_at: null,
      handoff_reason: null,
      first_contact_at: null,
      closed_at: null,
      created_by: by.userId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await linkMentions(ctx, trx, workspaceId, id, input.mentionIds, by);
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: LEAD,
    recordId: id,
    kind: 'created',
    actorUserId: by.userId,
    data: {
      number,
      stage: input.stage,
      mentionIds: input.mentionIds,
      ownerUserId: input.ownerUserId ?? null,
      ...(by.rule ? { rule: by.rule } : {}),
    },
    summary: by.rule ? `Lead ${number} created by rule “${by.rule.name}”` : `Lead ${number} created`,
    ...(input.ownerUserId && input.ownerUserId !== by.userId ? { notify: [input.ownerUserId] } : {}),
  });
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: 'customer',
    recordId: input.customerId,
    kind: 'lead_opened',
    actorUserId: by.userId,
    data: { leadId: id, number, stage: input.stage },
    summary: `Lead ${number} opened: ${input.title}`.slice(0, 300),
  });
  await mirrorStage(ctx, trx, workspaceId, input.customerId, input.stage);
  if (by.userId) await addFollower(ctx, trx, workspaceId, LEAD, id, by.userId);
  if (input.ownerUserId) await addFollower(ctx, trx, workspaceId, LEAD, id, input.ownerUserId);
  await rescoreInTransaction(ctx, trx, await leadRow(trx, workspaceId, id));
  return { row: await leadRow(trx, workspaceId, id), attached: false };
}

/** Creates a lead by hand. A customer with an open lead already gets a conflict naming it. */
export async function createLead(ctx: AppContext, actor: Actor, input: LeadInput): Promise<LeadView> {
  requirePermission(actor, 'sales:work');
  const parsed = leadInput.parse(input);
  const row = await ctx.db.transaction().execute(async (trx) => {
    const existing = await openLeadOf(trx, actor.workspaceId, parsed.customerId);
    if (existing)
      throw new AppError('conflict', `Customer already has open lead ${existing.number}`, {
        leadId: existing.id,
      });
    const { row } = await insertLead(
      ctx,
      trx,
      actor.workspaceId,
      { ...parsed, source: 'agent' },
      { userId: actor.userId },
    );
    return row;
  });
  return toLeadView(row);
}

/**
 * The owner a rule gives a new lead: the one named, else round robin over the team's members
 * who may work leads (the turn is kept in `roundRobin` under `lead:<teamId>`), else nobody.
 */
async function ownerByRule(
  trx: Transaction<DB>,
  workspaceId: string,
  action: { ownerUserId?: string | undefined; teamId?: string | undefined },
  roundRobin: Record<string, string>,
): Promise<string | undefined> {
  if (action.ownerUserId) {
    const user = await trx
      .selectFrom('users')
      .select(['role', 'status'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', action.ownerUserId)
      .executeTakeFirst();
    if (user?.status === 'active' && can({ role: user.role }, 'sales:work')) return action.ownerUserId;
  }
  if (!action.teamId) return undefined;
  const pool = (
    await trx
      .selectFrom('users')
      .innerJoin('team_members', 'team_members.user_id', 'users.id')
      .select('users.id')
      .where('users.workspace_id', '=', workspaceId)
      .where('users.status', '=', 'active')
      .where('team_members.team_id', '=', action.teamId)
      .where('users.role', 'in', ['owner', 'admin', 'manager', 'agent'])
      .orderBy('users.id')
      .execute()
  ).map((u) => u.id);
  const key = `lead:${action.teamId}`;
  const last = roundRobin[key];
  const next = pool.find((id) => last === undefined || id > last) ?? pool[0];
  if (next) roundRobin[key] = next;
  return next;
}

/**
 * The routing action `create_lead`: the post's customer gets a lead (or their open lead gets the
 * post). Returns the sentence the rule's record shows.
 */
export async function createLeadByRule(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  input: {
    mentionId: number;
    customerId: string | null;
    caseId: string | null;
    title: string;
    stage?: LeadStage | undefined;
    teamId?: string | undefined;
    ownerUserId?: string | undefined;
  },
  rule: { id: string; name: string },
  roundRobin: Record<string, string>,
): Promise<string> {
  if (!input.customerId) return 'create_lead: skipped, the author is not a known customer';
  const existing = await openLeadOf(trx, workspaceId, input.customerId);
  if (existing) {
    const row = await attachToLead(ctx, trx, existing, [input.mentionId], { userId: null, rule });
    return `attached to open lead ${row.number}`;
  }
  const team = input.teamId
    ? await trx
        .selectFrom('teams')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', input.teamId)
        .executeTakeFirst()
    : undefined;
  const ownerUserId = await ownerByRule(
    trx,
    workspaceId,
    { ownerUserId: input.ownerUserId, teamId: team?.id },
    roundRobin,
  );
  const { row } = await insertLead(
    ctx,
    trx,
    workspaceId,
    {
      customerId: input.customerId,
      title: input.title,
      stage: input.stage ?? 'lead',
      ownerUserId,
      teamId: team?.id,
      mentionIds: [input.mentionId],
      caseId: input.caseId ?? undefined,
      source: 'rule',
    },
    { userId: null, rule },
  );
  return `created lead ${row.number}${ownerUserId ? ` owned by ${ownerUserId}` : ''}`;
}

/** Changes title, stage, owner or team, or disqualifies (with a reason) or reopens a lead; one feed event per change. */
export async function updateLead(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: LeadPatch,
): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    const p = leadPatch.parse(patch);
    const current = await leadRow(trx, actor.workspaceId, id);
    const by: By = { userId: actor.userId };
    const now = ctx.now().toISOString();
    const ws = actor.workspaceId;
    if (p.status !== undefined && p.status !== current.status) {
      if (p.status === 'disqualified') {
        if (current.status !== 'open')
          throw new AppError('conflict', `Lead ${current.number} is ${current.status}`);
        await changeLead(
          ctx,
          trx,
          actor,
          id,
          {
            status: 'disqualified',
            disqualify_reason: p.disqualifyReason ?? null,
            closed_at: now,
            updated_at: now,
          },
          {
            kind: 'disqualified',
            data: { reason: p.disqualifyReason },
            summary: `Lead ${current.number} disqualified: ${p.disqualifyReason}`,
          },
        );
      } else {
        if (current.status === 'won') throw new AppError('conflict', `Lead ${current.number} was won`);
        const other = await openLeadOf(trx, ws, current.customer_id);
        if (other)
          throw new AppError('conflict', `Customer already has open lead ${other.number}`, {
            leadId: other.id,
          });
        await changeLead(
          ctx,
          trx,
          actor,
          id,
          { status: 'open', disqualify_reason: null, closed_at: null, updated_at: now },
          { kind: 'reopened', data: { from: current.status }, summary: `Lead ${current.number} reopened` },
        );
      }
    }
    const set: Updateable<LeadsTable> = {};
    if (p.title !== undefined && p.title !== current.title) set.title = p.title;
    if (p.teamId !== undefined && p.teamId !== current.team_id) {
      if (p.teamId) await checkTeam(trx, ws, p.teamId);
      set.team_id = p.teamId;
    }
    let ownerName: string | null = null;
    if (p.ownerUserId !== undefined && p.ownerUserId !== current.owner_user_id) {
      if (p.ownerUserId) ownerName = await checkSalesUser(trx, ws, p.ownerUserId, 'ownerUserId');
      set.owner_user_id = p.ownerUserId;
    }
    if (Object.keys(set).length > 0) {
      await trx
        .updateTable('leads')
        .set({ ...set, updated_at: now })
        .where('id', '=', id)
        .execute();
      for (const [field, column] of [
        ['title', 'title'],
        ['team', 'team_id'],
        ['owner', 'owner_user_id'],
      ] as const) {
        if (!(column in set)) continue;
        const to = set[column] ?? null;
        await recordEvent(ctx, trx, {
          workspaceId: ws,
          recordType: LEAD,
          recordId: id,
          kind: field === 'owner' ? 'assigned' : 'updated',
          actorUserId: actor.userId,
          data: { field, from: current[column], to },
          summary:
            field === 'owner'
              ? to
                ? `Lead ${current.number} assigned to ${ownerName}`
                : `Lead ${current.number} unassigned`
              : `Lead ${current.number}: ${field} ${to === null ? 'cleared' : `set to ${to}`}`,
          ...(field === 'owner' && to ? { notify: [to] } : {}),
        });
      }
      if (typeof set.owner_user_id === 'string') await addFollower(ctx, trx, ws, LEAD, id, set.owner_user_id);
    }
    if (p.stage !== undefined) await setLeadStage(ctx, trx, await leadRow(trx, ws, id), p.stage, by);
  });
}

/** Scores a lead again now (the scheduler does it for every open lead). */
export async function rescoreLead(ctx: AppContext, actor: Actor, id: string): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    await rescoreInTransaction(ctx, trx, await leadRow(trx, actor.workspaceId, id));
  });
}

/** Rescores every open lead of every workspace, a page per transaction, so decay shows on the board. */
export async function rescoreOpenLeads(ctx: AppContext, page = 100): Promise<number> {
  let after = '';
  let done = 0;
  const configs = new Map<string, ScoringConfig>();
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('leads')
        .selectAll()
        .where('status', '=', 'open')
        .where('id', '>', after)
        .orderBy('id')
        .limit(page)
        .execute();
      for (const row of rows) {
        let config = configs.get(row.workspace_id);
        if (!config) {
          config = await scoringConfigOf(ctx, trx, row.workspace_id);
          configs.set(row.workspace_id, config);
        }
        await rescoreInTransaction(ctx, trx, row, config);
      }
      after = rows[rows.length - 1]?.id ?? after;
      return rows.length;
    });
    done += n;
    if (n < page) return done;
  }
}

/** The scheduled rescoring pass: every 5 minutes, one run at a time. */
export function scheduleLeadRescoring(ctx: AppContext, intervalMs = 300_000): { stop(): Promise<void> } {
  return repeatEvery(ctx, intervalMs, () => rescoreOpenLeads(ctx), 'lead rescoring failed');
}
