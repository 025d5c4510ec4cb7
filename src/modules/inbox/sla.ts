import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { memoIn } from '../../db/batch-scope.ts';
import type { CaseSlaTable, CasesTable, DB, SlaMetric, SlaPoliciesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { repeatEvery } from '../../scheduling.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { customerInSegments } from '../customers/segments.ts';
import {
  addBusinessMs,
  alwaysOpen,
  businessMsBetween,
  type Calendar,
  isOpen,
  weekdays,
} from './business-hours.ts';
import { setOrder } from './ordering.ts';
import {
  type BusinessHoursInput,
  type BusinessHoursView,
  businessHoursInput,
  type CaseSlaView,
  type SlaPolicy,
  type SlaPolicyInput,
  type SlaPolicyView,
  type SlaReport,
  slaMetrics,
  slaPolicyInput,
} from './sla-schema.ts';

type Db = Kysely<DB> | Transaction<DB>;
type PolicyRow = Selectable<SlaPoliciesTable>;
export type Clock = Selectable<CaseSlaTable>;
type CaseRow = Selectable<CasesTable>;
type Policy = SlaPolicy & { id: string; position: number };

const MINUTE = 60_000;
const targetKey: Record<SlaMetric, keyof SlaPolicy['targets']> = {
  first_response: 'firstResponse',
  next_response: 'nextResponse',
  resolution: 'resolution',
};
const DEFAULT_WEEK: Calendar['week'] = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
  sat: [],
  sun: [],
};

// ------------------------------------------------------------------ business hours

/** The workspace's opening hours in its time zone (Monday to Friday, 9 to 5 until set). */
export async function workspaceCalendar(ctx: AppContext, db: Db, workspaceId: string): Promise<Calendar> {
  return memoIn(db, `calendar:${workspaceId}`, () => readCalendar(ctx, db, workspaceId));
}

async function readCalendar(ctx: AppContext, db: Db, workspaceId: string): Promise<Calendar> {
  // One statement: every SLA clock a request starts or moves reads this.
  const row = await db
    .selectFrom('workspaces')
    .leftJoin('business_hours', 'business_hours.workspace_id', 'workspaces.id')
    .select(['workspaces.time_zone', 'business_hours.week', 'business_hours.holidays'])
    .where('workspaces.id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return {
    timeZone: row.time_zone,
    week: row.week === null ? DEFAULT_WEEK : ctx.dialect.parseJson<Calendar['week']>(row.week),
    holidays: row.holidays === null ? [] : ctx.dialect.parseJson<string[]>(row.holidays),
  };
}

export async function getBusinessHours(ctx: AppContext, actor: Actor): Promise<BusinessHoursView> {
  requirePermission(actor, 'inbox:read');
  const cal = await workspaceCalendar(ctx, ctx.db, actor.workspaceId);
  return { ...cal, openNow: isOpen(cal, ctx.now()) };
}

const dayNames: Record<(typeof weekdays)[number], string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export async function setBusinessHours(
  ctx: AppContext,
  actor: Actor,
  input: BusinessHoursInput,
): Promise<BusinessHoursView> {
  requirePermission(actor, 'inbox:configure');
  const parsed = businessHoursInput.parse(input);
  for (const day of weekdays) {
    const windows = [...parsed.week[day]].sort((a, b) => a[0].localeCompare(b[0]));
    for (let i = 1; i < windows.length; i++)
      if ((windows[i]?.[0] ?? '') < (windows[i - 1]?.[1] ?? ''))
        throw new AppError('validation_failed', `Opening windows overlap on ${dayNames[day]}`, {
          fields: [{ path: `week.${day}`, message: `opening windows overlap on ${dayNames[day]}` }],
        });
  }
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const values = {
      week: ctx.dialect.toJson(parsed.week),
      holidays: ctx.dialect.toJson([...new Set(parsed.holidays)].sort()),
      updated_at: now,
    };
    await trx
      .insertInto('business_hours')
      .values({ workspace_id: actor.workspaceId, ...values })
      .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'business_hours.update',
      targetType: 'workspace',
      targetId: actor.workspaceId,
    });
  });
  // Clocks that count open hours are re-timed on the new calendar, as when a policy changes.
  await resyncOpenCases(ctx, actor.workspaceId);
  return getBusinessHours(ctx, actor);
}

// ------------------------------------------------------------------ policies

function toPolicy(ctx: AppContext, r: PolicyRow): Policy {
  return {
    id: r.id,
    position: Number(r.position),
    ...slaPolicyInput.parse({
      name: r.name,
      enabled: Number(r.enabled) === 1,
      conditions: ctx.dialect.parseJson(r.conditions),
      targets: ctx.dialect.parseJson(r.targets),
      businessHours: Number(r.business_hours) === 1,
      warnBeforeMinutes: Number(r.warn_before_minutes),
      breachActions: ctx.dialect.parseJson(r.breach_actions),
    }),
  };
}

function toPolicyView(ctx: AppContext, r: PolicyRow): SlaPolicyView {
  return { ...toPolicy(ctx, r), createdAt: r.created_at, updatedAt: r.updated_at };
}

export async function listSlaPolicies(ctx: AppContext, actor: Actor): Promise<SlaPolicyView[]> {
  requirePermission(actor, 'inbox:read');
  const rows = await ctx.db
    .selectFrom('sla_policies')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('position')
    .execute();
  return rows.map((r) => toPolicyView(ctx, r));
}

/** Creates a policy at the end of the order, or replaces one; open cases pick up the change. */
export async function saveSlaPolicy(
  ctx: AppContext,
  actor: Actor,
  input: SlaPolicyInput,
  id?: string,
): Promise<SlaPolicyView> {
  requirePermission(actor, 'inbox:configure');
  const p = slaPolicyInput.parse(input);
  const now = ctx.now().toISOString();
  const policyId = id ?? newId(ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    const values = {
      name: p.name,
      enabled: p.enabled ? 1 : 0,
      conditions: ctx.dialect.toJson(p.conditions),
      targets: ctx.dialect.toJson(p.targets),
      business_hours: p.businessHours ? 1 : 0,
      warn_before_minutes: p.warnBeforeMinutes,
      breach_actions: ctx.dialect.toJson(p.breachActions),
      updated_at: now,
    };
    if (id) {
      const r = await trx
        .updateTable('sla_policies')
        .set(values)
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new AppError('not_found', `No SLA policy ${id}`);
    } else {
      const last = await trx
        .selectFrom('sla_policies')
        .select((eb) => eb.fn.max('position').as('p'))
        .where('workspace_id', '=', actor.workspaceId)
        .executeTakeFirst();
      await trx
        .insertInto('sla_policies')
        .values({
          id: policyId,
          workspace_id: actor.workspaceId,
          position: Number(last?.p ?? 0) + 1,
          created_at: now,
          ...values,
        })
        .execute();
    }
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: id ? 'sla_policy.update' : 'sla_policy.create',
      targetType: 'sla_policy',
      targetId: policyId,
      details: { name: p.name },
    });
  });
  await resyncOpenCases(ctx, actor.workspaceId);
  const row = await ctx.db
    .selectFrom('sla_policies')
    .selectAll()
    .where('id', '=', policyId)
    .executeTakeFirstOrThrow();
  return toPolicyView(ctx, row);
}

export async function deleteSlaPolicy(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'inbox:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const r = await trx
      .deleteFrom('sla_policies')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) throw new AppError('not_found', `No SLA policy ${id}`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'sla_policy.delete',
      targetType: 'sla_policy',
      targetId: id,
    });
  });
  await resyncOpenCases(ctx, actor.workspaceId);
}

export async function reorderSlaPolicies(
  ctx: AppContext,
  actor: Actor,
  ids: string[],
): Promise<SlaPolicyView[]> {
  requirePermission(actor, 'inbox:configure');
  await setOrder(ctx, actor, 'sla_policies', ids);
  await resyncOpenCases(ctx, actor.workspaceId);
  return listSlaPolicies(ctx, actor);
}

/** Re-applies the policies to every open case after the policies changed. */
async function resyncOpenCases(ctx: AppContext, workspaceId: string): Promise<void> {
  const open = await ctx.db
    .selectFrom('cases')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .where('status', 'not in', ['solved', 'closed'])
    .execute();
  for (const c of open)
    await ctx.db.transaction().execute((trx) => syncCaseSla(ctx, trx, workspaceId, c.id, ctx.now()));
}

/** The first enabled policy, in order, whose conditions the case meets (all given conditions must hold). */
async function policyFor(ctx: AppContext, db: Db, c: CaseRow): Promise<Policy | null> {
  const load = async () =>
    (
      await db
        .selectFrom('sla_policies')
        .selectAll()
        .where('workspace_id', '=', c.workspace_id)
        .where('enabled', '=', 1)
        .orderBy('position')
        .execute()
    ).map((row) => toPolicy(ctx, row));
  // A batch (routing) never edits policies: one read serves all its cases.
  const policies = await memoIn(db, `sla_policies:${c.workspace_id}`, load);
  for (const p of policies) {
    const k = p.conditions;
    if (k.channels?.length && !(c.channel !== null && k.channels.includes(c.channel))) continue;
    if (k.priorities?.length && !k.priorities.includes(c.priority)) continue;
    if (k.types?.length && !k.types.includes(c.type)) continue;
    if (
      k.segmentIds?.length &&
      !(c.customer_id && (await customerInSegments(ctx, db, c.workspace_id, c.customer_id, k.segmentIds)))
    )
      continue;
    return p;
  }
  return null;
}

// ------------------------------------------------------------------ clocks

type Clocks = { calendar: Calendar; policy: Policy | null };

function clockCalendar(k: Clocks): Calendar {
  return k.policy?.businessHours === false ? alwaysOpen : k.calendar;
}

/**
 * The clocks' calendar and policy. A policy on calendar time never looks at the opening hours,
 * so they are read only for a policy on business hours (or none, whose clocks stop on them):
 * one statement less on most case writes.
 */
async function clocksOf(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  policy: Policy | null,
): Promise<Clocks> {
  if (policy?.businessHours === false) return { calendar: alwaysOpen, policy };
  return { calendar: await workspaceCalendar(ctx, db, workspaceId), policy };
}

function dueAt(cal: Calendar, from: Date, leftMs: number): string | null {
  if (cal === alwaysOpen) return new Date(from.getTime() + Math.max(0, leftMs)).toISOString();
  return addBusinessMs(cal, from, leftMs)?.toISOString() ?? null;
}

function spent(cal: Calendar, clock: Clock, at: Date): number {
  if (!clock.running_since) return Number(clock.elapsed_ms);
  const since = new Date(clock.running_since);
  const ms =
    cal === alwaysOpen ? Math.max(0, at.getTime() - since.getTime()) : businessMsBetween(cal, since, at);
  return Number(clock.elapsed_ms) + ms;
}

/** Writes a case's clocks in one statement (each is new or replaces the case's clock of its metric). */
async function saveClocks(db: Db, clocks: Clock[]): Promise<void> {
  if (clocks.length === 0) return;
  await db
    .insertInto('case_sla')
    .values(clocks)
    .onConflict((oc) =>
      oc.columns(['case_id', 'metric']).doUpdateSet((eb) => ({
        policy_id: eb.ref('excluded.policy_id'),
        status: eb.ref('excluded.status'),
        target_ms: eb.ref('excluded.target_ms'),
        elapsed_ms: eb.ref('excluded.elapsed_ms'),
        running_since: eb.ref('excluded.running_since'),
        due_at: eb.ref('excluded.due_at'),
        warned_at: eb.ref('excluded.warned_at'),
        breached_at: eb.ref('excluded.breached_at'),
        achieved_at: eb.ref('excluded.achieved_at'),
      })),
    )
    .execute();
}

function startClock(c: CaseRow, k: Clocks, metric: SlaMetric, at: Date): Clock | null {
  const minutes = k.policy?.targets[targetKey[metric]];
  if (!k.policy || minutes === undefined) return null;
  const target = minutes * MINUTE;
  return {
    case_id: c.id,
    metric,
    workspace_id: c.workspace_id,
    policy_id: k.policy.id,
    status: 'running',
    target_ms: target,
    elapsed_ms: 0,
    running_since: at.toISOString(),
    due_at: dueAt(clockCalendar(k), at, target),
    warned_at: null,
    breached_at: null,
    achieved_at: null,
  };
}

const live = (clock: Clock) =>
  clock.status === 'running' ||
  clock.status === 'paused' ||
  (clock.status === 'breached' && clock.achieved_at === null);

/**
 * Brings a case's clocks in line with its current state and policy: starts first response and
 * resolution, re-targets when the policy changed, pauses while the case waits for the customer,
 * stops response clocks and achieves resolution on solving, resumes resolution on reopening,
 * stops everything on closing. Idempotent: call it after any change to a case.
 */
export async function syncCaseSla(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  at: Date,
  /**
   * The case as it stands, when the caller has just written it (`isNew`: inserted, so no clocks
   * yet), and its clocks when the caller read them with the case in this transaction.
   */
  known?: { row: CaseRow; isNew?: boolean; clocks?: Clock[] },
): Promise<CaseSlaView[]> {
  const c =
    known?.row ??
    (await trx
      .selectFrom('cases')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', caseId)
      .executeTakeFirstOrThrow());
  const existing = known?.isNew
    ? []
    : (known?.clocks ??
      (await trx.selectFrom('case_sla').selectAll().where('case_id', '=', caseId).execute()));
  const clocks = new Map(existing.map((x) => [x.metric, x]));
  const ended = c.status === 'closed' || c.merged_into !== null;
  const policy = ended ? null : await policyFor(ctx, trx, c);
  // Most cases of a workspace without SLA policies have no clocks: nothing to read or write.
  if (!policy && existing.length === 0) return [];
  const k = await clocksOf(ctx, trx, workspaceId, policy);
  const cal = () => clockCalendar(k);
  // The case's clocks as they end up, written together at the end.
  const changed: Clock[] = [];
  const stop = (clock: Clock) => {
    if (!live(clock)) return;
    changed.push({
      ...clock,
      status: clock.status === 'breached' ? 'breached' : 'stopped',
      elapsed_ms: spent(cal(), clock, at),
      running_since: null,
      due_at: clock.status === 'breached' ? clock.due_at : null,
    });
  };
  // The clocks as saved, so that callers need not read them back.
  const saved = async () => {
    await saveClocks(trx, changed);
    for (const clock of changed) clocks.set(clock.metric, clock);
    return slaViews([...clocks.values()]);
  };
  if (!k.policy) {
    for (const clock of clocks.values()) stop(clock);
    return saved();
  }
  const paused = c.status === 'pending_customer';
  for (const metric of slaMetrics) {
    let clock = clocks.get(metric);
    const minutes = k.policy.targets[targetKey[metric]];
    if (!clock) {
      // Response and resolution clocks start with the case; the next-response clock starts when the customer writes again.
      if (metric === 'next_response' || minutes === undefined || c.status === 'solved') continue;
      const started = startClock(c, k, metric, new Date(c.created_at));
      if (!started) continue;
      clock = started;
    }
    if (minutes === undefined) {
      stop(clock);
      continue;
    }
    const used = spent(cal(), clock, at);
    let next: Clock = { ...clock, policy_id: k.policy.id, target_ms: minutes * MINUTE };
    if (c.status === 'solved') {
      if (metric === 'resolution' && live(clock))
        next = {
          ...next,
          status: clock.status === 'breached' ? 'breached' : 'achieved',
          achieved_at: at.toISOString(),
          elapsed_ms: used,
          running_since: null,
          due_at: clock.status === 'breached' ? clock.due_at : null,
        };
      else if (live(clock))
        next = {
          ...next,
          status: clock.status === 'breached' ? 'breached' : 'stopped',
          elapsed_ms: used,
          running_since: null,
        };
    } else if (metric === 'resolution' && clock.status === 'achieved') {
      // Reopened: resolution counts again from now, keeping the time already spent.
      next = {
        ...next,
        status: 'running',
        achieved_at: null,
        elapsed_ms: Number(clock.elapsed_ms),
        running_since: at.toISOString(),
      };
    } else if (live(next)) {
      if (paused && next.running_since !== null)
        next = {
          ...next,
          status: next.status === 'breached' ? 'breached' : 'paused',
          elapsed_ms: used,
          running_since: null,
        };
      else if (!paused && next.running_since === null)
        next = {
          ...next,
          status: next.status === 'breached' ? 'breached' : 'running',
          running_since: at.toISOString(),
        };
    }
    if (next.running_since !== null && next.status === 'running') {
      next.due_at = dueAt(
        cal(),
        new Date(next.running_since),
        Number(next.target_ms) - Number(next.elapsed_ms),
      );
      if (next.due_at !== clock.due_at) next.warned_at = null;
    } else if (next.status === 'paused') next.due_at = null;
    changed.push(next);
  }
  return saved();
}

/** An agent answered the customer: the first and next response clocks are met. */
export async function recordAgentResponse(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('cases')
    .set({ first_response_at: at.toISOString() })
    .where('id', '=', caseId)
    .where('first_response_at', 'is', null)
    .execute();
  await trx
    .updateTable('cases')
    .set({ last_agent_reply_at: at.toISOString() })
    .where('id', '=', caseId)
    .execute();
  const c = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
  const k = await clocksOf(ctx, trx, workspaceId, await policyFor(ctx, trx, c));
  const clocks = await trx
    .selectFrom('case_sla')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('metric', 'in', ['first_response', 'next_response'])
    .execute();
  await saveClocks(
    trx,
    clocks.filter(live).map((clock) => ({
      ...clock,
      status: clock.status === 'breached' ? 'breached' : 'achieved',
      achieved_at: at.toISOString(),
      elapsed_ms: spent(clockCalendar(k), clock, at),
      running_since: null,
    })),
  );
}

/**
 * A snoozed case is back (`time`: its moment came; `customer_message`: the customer wrote first):
 * the feed says so and its assignee is told, as for an SLA warning.
 */
export async function recordSnoozeEnded(
  ctx: AppContext,
  trx: Transaction<DB>,
  c: Pick<CaseRow, 'id' | 'workspace_id' | 'number' | 'assignee_user_id' | 'snoozed_until'>,
  reason: 'time' | 'customer_message',
): Promise<void> {
  await recordEvent(ctx, trx, {
    workspaceId: c.workspace_id,
    recordType: 'case',
    recordId: c.id,
    kind: 'snooze_ended',
    actorUserId: null,
    data: { snoozedUntil: c.snoozed_until, reason },
    summary: `Case ${c.number} is back from snooze${reason === 'customer_message' ? ': the customer wrote' : ''}`,
    notify: c.assignee_user_id ? [c.assignee_user_id] : [],
  });
}

/** The customer wrote again on the case: after a first response, the next-response clock starts. */
export async function recordCustomerMessage(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  at: Date,
): Promise<void> {
  const c = await trx.selectFrom('cases').selectAll().where('id', '=', caseId).executeTakeFirstOrThrow();
  const snoozed = c.snoozed_until;
  c.last_customer_message_at = at.toISOString();
  c.snoozed_until = null;
  await trx
    .updateTable('cases')
    .set({ last_customer_message_at: c.last_customer_message_at, snoozed_until: null })
    .where('id', '=', caseId)
    .execute();
  if (snoozed !== null)
    await recordSnoozeEnded(ctx, trx, { ...c, snoozed_until: snoozed }, 'customer_message');
  if (c.first_response_at === null || c.status === 'closed') return;
  const current = await trx
    .selectFrom('case_sla')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('metric', '=', 'next_response')
    .executeTakeFirst();
  if (current && live(current)) return;
  const k = await clocksOf(ctx, trx, workspaceId, await policyFor(ctx, trx, c));
  const clock = startClock(c, k, 'next_response', at);
  if (clock) await saveClocks(trx, [clock]);
}

function toSlaView(r: Clock): CaseSlaView {
  return {
    metric: r.metric,
    policyId: r.policy_id,
    status: r.status,
    dueAt: r.due_at,
    targetMinutes: Number(r.target_ms) / MINUTE,
    warnedAt: r.warned_at,
    breachedAt: r.breached_at,
    achievedAt: r.achieved_at,
  };
}

/** The clocks of the given cases, for lists and the case view. */
export async function slaOfCases(db: Db, caseIds: string[]): Promise<Map<string, CaseSlaView[]>> {
  const out = new Map<string, CaseSlaView[]>();
  if (caseIds.length === 0) return out;
  const rows = await db.selectFrom('case_sla').selectAll().where('case_id', 'in', caseIds).execute();
  const byCase = new Map<string, Clock[]>();
  for (const r of rows) byCase.set(r.case_id, [...(byCase.get(r.case_id) ?? []), r]);
  for (const [id, clocks] of byCase) out.set(id, slaViews(clocks));
  return out;
}

/** A case's clocks as the API shows them, in metric order. */
export function slaViews(clocks: Clock[]): CaseSlaView[] {
  return clocks.map(toSlaView).sort((a, b) => slaMetrics.indexOf(a.metric) - slaMetrics.indexOf(b.metric));
}

const escalated: Record<string, CaseRow['priority']> = {
  low: 'normal',
  normal: 'high',
  high: 'urgent',
  urgent: 'urgent',
};
const metricName: Record<SlaMetric, string> = {
  first_response: 'first response',
  next_response: 'next response',
  resolution: 'resolution',
};

/**
 * The scheduler's SLA pass: warns once when a running clock is within its policy's warning time,
 * marks clocks whose deadline passed as breached and runs the policy's breach actions.
 */
export async function checkSlaClocks(ctx: AppContext): Promise<{ warned: number; breached: number }> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  let warned = 0;
  let breached = 0;
  const due = await ctx.db
    .selectFrom('case_sla')
    .innerJoin('sla_policies', 'sla_policies.id', 'case_sla.policy_id')
    .select([
      'case_sla.case_id',
      'case_sla.metric',
      'case_sla.due_at',
      'case_sla.warned_at',
      'sla_policies.warn_before_minutes',
    ])
    .where('case_sla.status', '=', 'running')
    .where('case_sla.due_at', 'is not', null)
    // Past due, or not warned yet and within the widest warning window (a week): the clocks
    // already warned and not yet due need nothing, however many are open.
    .where((eb) =>
      eb.or([
        eb('case_sla.due_at', '<=', nowIso),
        eb.and([
          eb('case_sla.warned_at', 'is', null),
          eb('case_sla.due_at', '<=', new Date(now.getTime() + 10_080 * MINUTE).toISOString()),
        ]),
      ]),
    )
    .execute();
  for (const d of due) {
    const dueTime = Date.parse(d.due_at ?? '');
    const isBreach = dueTime <= now.getTime();
    const isWarning =
      !isBreach && d.warned_at === null && dueTime - Number(d.warn_before_minutes) * MINUTE <= now.getTime();
    if (!isBreach && !isWarning) continue;
    await ctx.db.transaction().execute(async (trx) => {
      const clock = await trx
        .selectFrom('case_sla')
        .selectAll()
        .where('case_id', '=', d.case_id)
        .where('metric', '=', d.metric)
        .where('status', '=', 'running')
        .executeTakeFirst();
      if (!clock) return;
      const c = await trx
        .selectFrom('cases')
        .selectAll()
        .where('id', '=', clock.case_id)
        .executeTakeFirstOrThrow();
      const policy = await trx
        .selectFrom('sla_policies')
        .selectAll()
        .where('id', '=', clock.policy_id)
        .executeTakeFirst();
      const notify = c.assignee_user_id ? [c.assignee_user_id] : [];
      if (isWarning) {
        await trx
          .updateTable('case_sla')
          .set({ warned_at: nowIso })
          .where('case_id', '=', c.id)
          .where('metric', '=', clock.metric)
          .execute();
        await recordEvent(ctx, trx, {
          workspaceId: c.workspace_id,
          recordType: 'case',
          recordId: c.id,
          kind: 'sla_warning',
          actorUserId: null,
          data: { metric: clock.metric, dueAt: clock.due_at },
          summary: `Case ${c.number}: ${metricName[clock.metric]} due ${clock.due_at}`,
          notify,
        });
        warned++;
        return;
      }
      await trx
        .updateTable('case_sla')
        .set({ status: 'breached', breached_at: clock.due_at })
        .where('case_id', '=', c.id)
        .where('metric', '=', clock.metric)
        .execute();
      const done: string[] = [];
      const actions = policy ? toPolicy(ctx, policy).breachActions : [];
      let extraNotify: string[] = [];
      for (const a of actions) {
        if (a.type === 'escalate_priority' && escalated[c.priority] !== c.priority) {
          await trx
            .updateTable('cases')
            .set({ priority: escalated[c.priority], updated_at: nowIso })
            .where('id', '=', c.id)
            .execute();
          done.push(`priority ${c.priority} → ${escalated[c.priority]}`);
        }
        if (a.type === 'reassign') {
          const set: { assignee_user_id?: string; team_id?: string; updated_at: string } = {
            updated_at: nowIso,
          };
          if (a.userId) set.assignee_user_id = a.userId;
          if (a.teamId) set.team_id = a.teamId;
          await trx.updateTable('cases').set(set).where('id', '=', c.id).execute();
          done.push(`reassigned${a.userId ? ` to ${a.userId}` : ''}${a.teamId ? ` (team ${a.teamId})` : ''}`);
          if (a.userId) extraNotify.push(a.userId);
        }
        if (a.type === 'notify') {
          extraNotify = [...extraNotify, ...a.userIds];
          done.push(`notified ${a.userIds.length}`);
        }
      }
      await recordEvent(ctx, trx, {
        workspaceId: c.workspace_id,
        recordType: 'case',
        recordId: c.id,
        kind: 'sla_breached',
        actorUserId: null,
        data: { metric: clock.metric, dueAt: clock.due_at, policy: policy?.name ?? null, actions: done },
        summary: `Case ${c.number}: ${metricName[clock.metric]} target breached`,
        notify: [...new Set([...notify, ...extraNotify])],
      });
      breached++;
    });
  }
  return { warned, breached };
}

/** Runs `checkSlaClocks` every 30 s (the scheduler service). */
export function scheduleSlaChecks(ctx: AppContext, intervalMs = 30_000): { stop(): Promise<void> } {
  return repeatEvery(
    ctx,
    intervalMs,
    async () => {
      const r = await checkSlaClocks(ctx);
      if (r.warned + r.breached > 0) ctx.log.info(r, 'SLA clocks checked');
    },
    'SLA check failed',
  );
}

/** SLA attainment per metric for clocks that ended (met or breached) in the last `days` days. */
export async function slaReport(ctx: AppContext, actor: Actor, days: number): Promise<SlaReport> {
  requirePermission(actor, 'inbox:read');
  const since = new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
  const rows = await ctx.db
    .selectFrom('case_sla')
    .select(['metric', 'status', 'achieved_at', 'breached_at'])
    .where('workspace_id', '=', actor.workspaceId)
    .where((eb) =>
      eb.or([
        eb('achieved_at', '>=', since),
        eb('breached_at', '>=', since),
        eb('status', 'in', ['running', 'paused']),
      ]),
    )
    .execute();
  return {
    since,
    metrics: slaMetrics.map((metric) => {
      const of = rows.filter((r) => r.metric === metric);
      const achieved = of.filter((r) => r.status === 'achieved').length;
      const breached = of.filter((r) => r.status === 'breached').length;
      const running = of.filter((r) => r.status === 'running' || r.status === 'paused').length;
      return {
        metric,
        achieved,
        breached,
        running,
        attainment: achieved + breached === 0 ? null : achieved / (achieved + breached),
      };
    }),
  };
}
