/**
 * Rules on case events (routing-schema.ts `ruleEvents`): a case created or updated, read from the
 * record feed in order behind a cursor, and time passing on a case, checked by the scheduler.
 * The rules themselves run through routing.ts `applyRules`, as rules on posts do.
 */
import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { inBatchScope } from '../../db/batch-scope.ts';
import type { CasesTable, DB } from '../../db/schema.ts';
import { repeatEvery } from '../../scheduling.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { settledEventHorizon } from '../collaboration/feed.ts';
import { latestSurveyRatings } from '../surveys/service.ts';
import { applyRules, countFirings, type RoundRobin, startDraft, testPostRule } from './routing.ts';
import { evaluateRule, type Facts, loadFacts, type MentionRow, mentionRows } from './routing-facts.ts';
import { type Rule, startCaseRules, toRule, workspacesWithRules } from './routing-rules.ts';
import {
  type CaseMoment,
  type RoutingCondition,
  type RoutingRuleInput,
  type RuleTest,
  routingRuleInput,
} from './routing-schema.ts';

type CaseRow = Selectable<CasesTable>;
type CaseEvent = 'case_created' | 'case_updated';

/** Feed events read per pass of the case triggers. */
const TRIGGER_BATCH = 500;
/** Cases a time rule looks at per transaction. */
const TIME_PAGE = 200;
/** Passes per tick at most, so one busy workspace cannot hold the scheduler. */
const MAX_PASSES = 20;

const momentColumn = {
  created: 'created_at',
  updated: 'updated_at',
  solved: 'solved_at',
  customer_message: 'last_customer_message_at',
  agent_reply: 'last_agent_reply_at',
} as const satisfies Record<CaseMoment, keyof CaseRow>;

const HOUR = 3600_000;

/**
 * Facts for rules on cases: the case as it is, its customer, and its latest post from the
 * customer (the analysis conditions read that; a case with no post has an empty one, id 0, whose
 * text is the case's subject).
 */
export async function caseFacts(
  ctx: AppContext,
  db: Transaction<DB> | AppContext['db'],
  workspaceId: string,
  cases: CaseRow[],
  rules: { conditions: RoutingCondition[] }[],
  at: Date,
): Promise<Facts[]> {
  if (cases.length === 0) return [];
  const posts = await mentionRows(db, workspaceId)
    .select(['case_id', 'disposition_reason'])
    .where(
      'case_id',
      'in',
      cases.map((c) => c.id),
    )
    .where('deleted_at', 'is', null)
    .execute();
  const latest = new Map<string, MentionRow>();
  for (const p of posts) {
    // Our own replies come back through the stream into the case; they are not the customer's.
    if (!p.case_id || p.disposition_reason === 'our reply') continue;
    const seen = latest.get(p.case_id);
    if (!seen || Number(seen.id) < Number(p.id)) latest.set(p.case_id, p);
  }
  const rows: MentionRow[] = cases.map(
    (c) =>
      latest.get(c.id) ?? {
        id: 0,
        channel: c.channel ?? 'manual',
        text: c.subject,
        language: 'und',
        sentiment: null,
        intents: null,
        topics: null,
        urgency: null,
        author_id: null,
        created_at: c.created_at,
      },
  );
  const facts = await loadFacts(ctx, db, workspaceId, rows, rules, {
    customers: cases.map((c) => c.customer_id),
    at,
  });
  const hours = (t: string | null) => (t === null ? null : (at.getTime() - Date.parse(String(t))) / HOUR);
  // Survey answers are read only when some rule looks at them.
  const ratings = rules.some((r) => r.conditions.some((c) => c.field === 'survey_rating'))
    ? await latestSurveyRatings(
        db,
        workspaceId,
        cases.map((c) => c.id),
      )
    : new Map<string, string>();
  for (const [i, f] of facts.entries()) {
    const c = cases[i];
    if (!c) continue;
    f.case = {
      id: c.id,
      number: Number(c.number),
      priority: c.priority,
      type: c.type,
      status: c.status,
      assigneeUserId: c.assignee_user_id,
      teamId: c.team_id,
      tags: new Set(c.tags ? c.tags.split(' ') : []),
      hoursSince: {
        created: hours(c.created_at),
        updated: hours(c.updated_at),
        solved: hours(c.solved_at),
        customer_message: hours(c.last_customer_message_at),
        agent_reply: hours(c.last_agent_reply_at),
      },
      surveyRating: ratings.get(c.id) ?? null,
    };
  }
  return facts;
}

async function enabledCaseRules(
  ctx: AppContext,
  db: Transaction<DB> | AppContext['db'],
  workspaceId: string,
  events: Rule['event'][],
): Promise<Rule[]> {
  const rows = await db
    .selectFrom('routing_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .where('event', 'in', events)
    .orderBy('position')
    .execute();
  return rows.map((r) => toRule(ctx, r));
}

async function lockState(ctx: AppContext, trx: Transaction<DB>, workspaceId: string) {
  const state = await ctx.dialect
    .lockForUpdate(trx.selectFrom('case_rule_state').selectAll().where('workspace_id', '=', workspaceId))
    .executeTakeFirst();
  if (state) return state;
  await startCaseRules(ctx, trx, workspaceId);
  return ctx.dialect
    .lockForUpdate(trx.selectFrom('case_rule_state').selectAll().where('workspace_id', '=', workspaceId))
    .executeTakeFirstOrThrow();
}

type FeedEvent = { id: number; record_id: string; kind: string; actor_user_id: string | null; data: unknown };

const updatedFields: Record<string, string> = {
  priority: 'priority',
  type: 'type',
  tags: 'tags',
  team: 'team',
  customer: 'customer',
  customFields: 'custom_fields',
};

/**
 * What a case's feed event says changed, for rules on `case_created` / `case_updated`; null for
 * events they do not react to: the rules' own doings (no loops), SLA and webhook bookkeeping,
 * automatic replies, and our own replies coming back through the stream.
 */
function changeOf(e: FeedEvent, data: Record<string, unknown>, ourEcho: Set<number>): string | null {
  const rule = data.rule as { event?: string } | undefined;
  if (rule?.event) return null;
  switch (e.kind) {
    case 'created':
      return 'created';
    case 'assigned':
      return 'assignee';
    case 'status_changed':
      return 'status';
    case 'updated':
      return updatedFields[String(data.field)] ?? null;
    case 'conversation_added':
      if (e.actor_user_id !== null || ourEcho.has(Number(data.mentionId))) return null;
      return 'customer_message';
    case 'reply_queued':
      return e.actor_user_id === null ? null : 'agent_reply';
    case 'note':
      return 'note';
    case 'survey_answered':
      return 'survey_answer';
    default:
      return null;
  }
}

/**
 * Runs the rules on `case_created` and `case_updated` over the case events written since the last
 * pass, per workspace, each pass in one transaction that also moves the workspace's cursor: a
 * crash repeats nothing and loses nothing, and concurrent schedulers wait on the cursor row. The
 * events of one case in a pass are one occurrence: a case created and then changed in the same
 * pass runs its `case_created` rules only. Returns how many rules fired.
 */
export async function runCaseTriggers(ctx: AppContext, batch = TRIGGER_BATCH): Promise<number> {
  const workspaces = await ctx.db.selectFrom('case_rule_state').select('workspace_id').execute();
  let fired = 0;
  for (const { workspace_id: workspaceId } of workspaces) {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const result = await ctx.db
        .transaction()
        .execute((trx) => inBatchScope(trx, () => triggerPass(ctx, trx, workspaceId, batch)));
      fired += result.fired;
      if (!result.more) break;
    }
  }
  return fired;
}

async function triggerPass(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  batch: number,
): Promise<{ fired: number; more: boolean }> {
  const state = await lockState(ctx, trx, workspaceId);
  const cursor = Number(state.last_event_id);
  const horizon = await settledEventHorizon(ctx, trx, cursor, batch * 2);
  if (horizon <= cursor) return { fired: 0, more: false };
  const rules = await enabledCaseRules(ctx, trx, workspaceId, ['case_created', 'case_updated']);
  // With no rule enabled the cursor still moves: switching a rule on later does not replay the past.
  const events: FeedEvent[] =
    rules.length === 0
      ? []
      : await trx
          .selectFrom('record_events')
          .select(['id', 'record_id', 'kind', 'actor_user_id', 'data'])
          .where('workspace_id', '=', workspaceId)
          .where('record_type', '=', 'case')
          .where('id', '>', cursor)
          .where('id', '<=', horizon)
          .orderBy('id')
          .limit(batch)
          .execute();
  const reached = events.length === batch ? Number(events[events.length - 1]?.id) : horizon;
  const parsed = events.map((e) => ({
    e,
    data: ctx.dialect.parseJson<Record<string, unknown>>(e.data) ?? {},
  }));
  const added = parsed.flatMap(({ e, data }) =>
    e.kind === 'conversation_added' && e.actor_user_id === null ? [Number(data.mentionId)] : [],
  );
  const ourEcho = new Set(
    added.length === 0
      ? []
      : (
          await trx
            .selectFrom('mentions')
            .select('id')
            .where('workspace_id', '=', workspaceId)
            .where('id', 'in', added)
            .where('disposition_reason', '=', 'our reply')
            .execute()
        ).map((m) => Number(m.id)),
  );
  // One occurrence per case, in the order of its first event.
  const occurrences = new Map<string, { created: boolean; changed: Set<string> }>();
  for (const { e, data } of parsed) {
    const change = changeOf(e, data, ourEcho);
    if (change === null) continue;
    const o = occurrences.get(e.record_id) ?? { created: false, changed: new Set<string>() };
    if (change === 'created') o.created = true;
    else o.changed.add(change);
    occurrences.set(e.record_id, o);
  }
  let fired = 0;
  if (occurrences.size > 0) {
    const cases = await trx
      .selectFrom('cases')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', [...occurrences.keys()])
      .where('merged_into', 'is', null)
      .where('status', '!=', 'closed')
      .execute();
    const byId = new Map(cases.map((c) => [c.id, c]));
    const ordered = [...occurrences.keys()].flatMap((id) => byId.get(id) ?? []);
    const facts = await caseFacts(ctx, trx, workspaceId, ordered, rules, ctx.now());
    const roundRobin = ctx.dialect.parseJson<RoundRobin>(state.round_robin);
    const firedCounts = new Map<string, number>();
    for (const [i, f] of facts.entries()) {
      const row = ordered[i];
      const o = row ? occurrences.get(row.id) : undefined;
      if (!row || !o) continue;
      const event: CaseEvent = o.created ? 'case_created' : 'case_updated';
      const list = rules.filter((r) => r.event === event);
      if (list.length === 0) continue;
      f.changed = o.changed;
      startDraft(f, row);
      fired += await applyRules(ctx, trx, workspaceId, list, f, roundRobin, firedCounts, event);
    }
    await countFirings(ctx, trx, firedCounts);
    state.round_robin = ctx.dialect.toJson(roundRobin);
  }
  await trx
    .updateTable('case_rule_state')
    .set({ last_event_id: reached, round_robin: state.round_robin, updated_at: ctx.now().toISOString() })
    .where('workspace_id', '=', workspaceId)
    .execute();
  return { fired, more: reached < horizon || horizon - cursor >= batch * 2 };
}

type HoursSince = Extract<RoutingCondition, { field: 'hours_since' }>;

/**
 * Runs the rules on `time_elapsed`: for each, in order, the open cases whose moments are far
 * enough in the past (the rule's simple conditions are asked of the database; the rest are
 * evaluated as for any rule), at most once per case and moment measured from (the first "at
 * least N hours since" condition's), recorded in case_rule_firings. A later rule sees what an
 * earlier one changed. Returns how many rules fired.
 */
export async function runTimeRules(ctx: AppContext): Promise<number> {
  let fired = 0;
  for (const workspaceId of await workspacesWithRules(ctx, 'time_elapsed'))
    for (const rule of await enabledCaseRules(ctx, ctx.db, workspaceId, ['time_elapsed']))
      fired += await runTimeRule(ctx, workspaceId, rule);
  return fired;
}

async function runTimeRule(ctx: AppContext, workspaceId: string, rule: Rule): Promise<number> {
  const at = ctx.now();
  const since = rule.conditions.filter((c): c is HoursSince => c.field === 'hours_since');
  const anchor = since.find((c) => c.op === 'gte');
  if (!anchor) return 0;
  const anchorColumn = momentColumn[anchor.since];
  let fired = 0;
  let after = '';
  for (;;) {
    const page = await ctx.db.transaction().execute((trx) =>
      inBatchScope(trx, async () => {
        let q = trx
          .selectFrom('cases')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('merged_into', 'is', null)
          .where('status', '!=', 'closed')
          .where('id', '>', after);
        for (const c of since) {
          const edge = new Date(at.getTime() - c.value * HOUR).toISOString();
          q = q.where(momentColumn[c.since], c.op === 'gte' ? '<=' : '>=', edge);
        }
        // Time rules hold every condition (the schema says so): the simple ones narrow the read.
        for (const c of rule.conditions) {
          if (c.field === 'case_status') q = q.where('status', c.op === 'in' ? 'in' : 'not in', c.value);
          if (c.field === 'case_priority') q = q.where('priority', c.op === 'in' ? 'in' : 'not in', c.value);
          if (c.field === 'case_type') q = q.where('type', c.op === 'in' ? 'in' : 'not in', c.value);
          if (c.field === 'case_assigned')
            q = q.where('assignee_user_id', c.op === 'is_true' ? 'is not' : 'is', null);
        }
        const cases = await q
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('case_rule_firings')
                  .select('case_rule_firings.rule_id')
                  .where('case_rule_firings.rule_id', '=', rule.id)
                  .whereRef('case_rule_firings.case_id', '=', 'cases.id')
                  .whereRef('case_rule_firings.anchor', '=', `cases.${anchorColumn}`),
              ),
            ),
          )
          .orderBy('id')
          .limit(TIME_PAGE)
          .execute();
        if (cases.length === 0) return { fired: 0, last: null };
        const state = await lockState(ctx, trx, workspaceId);
        const roundRobin = ctx.dialect.parseJson<RoundRobin>(state.round_robin);
        const firedCounts = new Map<string, number>();
        let n = 0;
        const facts = await caseFacts(ctx, trx, workspaceId, cases, [rule], at);
        for (const [i, f] of facts.entries()) {
          const row = cases[i];
          const moment = row?.[anchorColumn];
          if (!row || moment == null || !evaluateRule(rule, f).fired) continue;
          // Claimed first: another scheduler that got here first has acted, and this one does not.
          const claimed = await trx
            .insertInto('case_rule_firings')
            .values({
              rule_id: rule.id,
              case_id: row.id,
              anchor: moment,
              workspace_id: workspaceId,
              fired_at: at.toISOString(),
            })
            .onConflict((oc) => oc.columns(['rule_id', 'case_id', 'anchor']).doNothing())
            .executeTakeFirst();
          if (Number(claimed.numInsertedOrUpdatedRows ?? 1) === 0) continue;
          startDraft(f, row);
          n += await applyRules(ctx, trx, workspaceId, [rule], f, roundRobin, firedCounts, 'time_elapsed');
        }
        await countFirings(ctx, trx, firedCounts);
        await trx
          .updateTable('case_rule_state')
          .set({ round_robin: ctx.dialect.toJson(roundRobin), updated_at: ctx.now().toISOString() })
          .where('workspace_id', '=', workspaceId)
          .execute();
        return { fired: n, last: cases.length === TIME_PAGE ? (cases[cases.length - 1]?.id ?? null) : null };
      }),
    );
    fired += page.fired;
    if (page.last === null) break;
    after = page.last;
  }
  return fired;
}

/**
 * Tries a rule without acting: a rule on posts on the latest stored mentions (routing.ts
 * `testPostRule`), a rule on case events on the workspace's latest open cases, at this moment. A
 * rule on `case_updated` sees no change (conditions on what changed do not hold).
 */
export async function testRule(
  ctx: AppContext,
  actor: Actor,
  input: RoutingRuleInput,
  limit: number,
): Promise<RuleTest> {
  requirePermission(actor, 'inbox:read');
  const parsed = routingRuleInput.parse(input);
  if (parsed.event === 'mention_stored') return testPostRule(ctx, actor, parsed, limit);
  const cases = await ctx.db
    .selectFrom('cases')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('merged_into', 'is', null)
    .where('status', '!=', 'closed')
    .orderBy('number', 'desc')
    .limit(limit)
    .execute();
  const facts = await caseFacts(ctx, ctx.db, actor.workspaceId, cases, [parsed], ctx.now());
  const samples: RuleTest['samples'] = [];
  let matched = 0;
  for (const [i, f] of facts.entries()) {
    const c = cases[i];
    f.changed = new Set();
    const { fired, reasons } = evaluateRule(parsed, f);
    if (!fired || !c) continue;
    matched++;
    if (samples.length < 20)
      samples.push({
        mentionId: f.mention.id,
        caseNumber: Number(c.number),
        text: c.subject.slice(0, 280),
        channel: c.channel ?? 'manual',
        createdAt: c.created_at,
        reasons,
      });
  }
  return { evaluated: cases.length, matched, samples };
}

/** Runs the case triggers every `triggerMs` and the time rules every `timeMs` (the scheduler service). */
export function scheduleCaseRules(
  ctx: AppContext,
  { triggerMs = 5_000, timeMs = 60_000 } = {},
): { stop(): Promise<void> } {
  let lastTimeRun = 0;
  return repeatEvery(
    ctx,
    triggerMs,
    async () => {
      const triggered = await runCaseTriggers(ctx);
      let timed = 0;
      if (Date.now() - lastTimeRun >= timeMs) {
        lastTimeRun = Date.now();
        timed = await runTimeRules(ctx);
      }
      if (triggered + timed > 0) ctx.log.info({ triggered, timed }, 'case rules ran');
    },
    'case rules failed',
  );
}
