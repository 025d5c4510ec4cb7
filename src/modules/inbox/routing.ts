import { type Selectable, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { inBatchScope, memoIn } from '../../db/batch-scope.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { Actor } from '../auth/roles.ts';
import { addFollower, recordEvent } from '../collaboration/feed.ts';
import { committedMentionId } from '../listening/store.ts';
import { createLeadByRule } from '../sales/leads.ts';
import { surveyOnSolve, withdrawHeldSurveys } from '../surveys/service.ts';
import { renderSharedCanned } from './canned.ts';
import type { CasePost } from './case-threads.ts';
import {
  checkAssignee,
  insertCase,
  insertMentionIntoCase,
  leftSolved,
  nextCaseNumber,
  statusStamps,
} from './cases.ts';
import { priorityFromUrgency, summarize, typeFromIntents } from './dispositions.ts';
import { arrivedAsHistory } from './history.ts';
import { queueReplyIn } from './replies.ts';
import {
  ACTIVE,
  type Customer,
  caseKind,
  evaluateRule,
  type Facts,
  loadFacts,
  mentionRows,
  textOf,
} from './routing-facts.ts';
import { type Rule, startRouting, toRule, workspacesWithRules } from './routing-rules.ts';
import type { RoutingAction, RuleTest } from './routing-schema.ts';
import { indexRules } from './rule-index.ts';
import type { CaseInput } from './schema.ts';
import { recordCustomerMessage, recordSnoozeEnded, syncCaseSla } from './sla.ts';

// ------------------------------------------------------------------ applying rules

export type RoundRobin = Record<string, string>;

/** The people an `assign` action chooses from, with their skills: a team's members, or the workspace's agents. */
async function assignmentPool(trx: Transaction<DB>, workspaceId: string, teamId: string | undefined) {
  let q = trx
    .selectFrom('users')
    .select(['users.id', 'users.skills'])
    .where('users.workspace_id', '=', workspaceId)
    .where('users.status', '=', 'active');
  q = teamId
    ? q
        .innerJoin('team_members', 'team_members.user_id', 'users.id')
        .where('team_members.team_id', '=', teamId)
        .where('users.role', 'in', ['owner', 'admin', 'manager', 'agent'])
    : q.where('users.role', '=', 'agent');
  return (await q.orderBy('users.id').execute()).map((u) => ({
    id: u.id,
    skills: new Set(u.skills ? u.skills.split(' ') : []),
  }));
}

/**
 * Who an `assign` action picks. With skills, only among the people of the pool who have all of
 * them; when nobody has them, `missing` names the skills and `fallback` says whether the whole
 * pool is chosen from instead or nobody is.
 */
async function chooseAssignee(
  trx: Transaction<DB>,
  workspaceId: string,
  action: Extract<RoutingAction, { type: 'assign' }>,
  roundRobin: RoundRobin,
): Promise<{ userId: string | null; missing: string[] | null }> {
  const people = await assignmentPool(trx, workspaceId, action.teamId);
  if (people.length === 0) return { userId: null, missing: null };
  const wanted = [...new Set(action.skills ?? [])];
  const skilled = people.filter((p) => wanted.every((s) => p.skills.has(s)));
  const missing = skilled.length === 0 ? wanted : null;
  if (missing && action.fallback === 'none') return { userId: null, missing };
  const pool = (missing ? people : skilled).map((p) => p.id);
  if (action.strategy === 'round_robin') {
    // A narrowed pool keeps its own turn, so the rotation goes round the people who have the skills.
    const narrowed = missing || wanted.length === 0 ? '' : `+${[...wanted].sort().join('+')}`;
    const key = `${action.teamId ?? 'agents'}${narrowed}`;
    const last = roundRobin[key];
    const next = pool.find((id) => last === undefined || id > last) ?? pool[0];
    if (next) roundRobin[key] = next;
    return { userId: next ?? null, missing };
  }
  const open = await trx
    .selectFrom('cases')
    .select((eb) => ['assignee_user_id', eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .where('status', 'in', [...ACTIVE])
    .where('assignee_user_id', 'in', pool)
    .groupBy('assignee_user_id')
    .execute();
  const load = new Map(open.map((o) => [o.assignee_user_id, Number(o.n)]));
  // Fewest open cases; ties go to the first in a stable order.
  const userId = pool.reduce((best, id) => ((load.get(id) ?? 0) < (load.get(best) ?? 0) ? id : best));
  return { userId, missing };
}

type CaseField = 'priority' | 'type' | 'team' | 'assignee' | 'tags' | 'status';
const caseColumn = {
  priority: 'priority',
  type: 'type',
  team: 'team_id',
  assignee: 'assignee_user_id',
  tags: 'tags',
  status: 'status',
} as const;

/**
 * The fields rules change on a post's case, kept in memory while the rules run and written once
 * per post (`writeCaseChanges`): one read, one update and one SLA resync however many actions.
 */
type CaseDraft = {
  caseId: string;
  values: Record<(typeof caseColumn)[CaseField], string | null>;
  changes: { field: CaseField; from: string | null; to: string; rule: RuleRef }[];
};
/** How events name the rule that made them; `event` marks rules on cases, whose own changes they do not react to. */
export type RuleRef = { id: string; name: string; event?: Rule['event'] };
export const ruleRef = (rule: Pick<Rule, 'id' | 'name' | 'event'>): RuleRef => ({
  id: rule.id,
  name: rule.name,
  ...(rule.event !== 'mention_stored' ? { event: rule.event } : {}),
});
const drafts = new WeakMap<Facts, CaseDraft>();
/** A case a rule made for the post (`f.case`), not yet written: the rule that made it, while the post's other rules run. */
const unmadeCases = new WeakMap<Facts, { userId: null; rule: { id: string; name: string } }>();
/** Replies the rules asked for on a post, sent once its case is written. */
const ruleReplies = new WeakMap<Facts, { cannedId: string; rule: Rule }[]>();

/**
 * Queues the replies the rules asked for, in the post's thread: at most one automatic reply per
 * case (a customer writing again is not answered by a machine twice). Returns, per rule id, what
 * happened instead of "queued" when a reply could not go (no account, too long, already replied).
 */
async function sendRuleReplies(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  f: Facts,
): Promise<Map<string, string>> {
  const outcomes = new Map<string, string>();
  const asked = ruleReplies.get(f);
  ruleReplies.delete(f);
  if (!asked || !f.case) return outcomes;
  const caseId = f.case.id;
  let replied = !!(await trx
    .selectFrom('outbox_replies')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('case_id', '=', caseId)
    .where('author_user_id', 'is', null)
    // A cancelled reply (a survey withdrawn when the case was reopened) never reached anyone.
    .where('status', '!=', 'cancelled')
    .executeTakeFirst());
  for (const { cannedId, rule } of asked) {
    if (replied) {
      outcomes.set(rule.id, 'reply: skipped, the case already has an automatic reply');
      continue;
    }
    try {
      const assignee = await trx
        .selectFrom('cases')
        .select('assignee_user_id')
        .where('id', '=', caseId)
        .executeTakeFirst();
      const body = await renderSharedCanned(
        trx,
        workspaceId,
        cannedId,
        caseId,
        assignee?.assignee_user_id ?? null,
      );
      await queueReplyIn(ctx, trx, { workspaceId, userId: null }, caseId, {
        body,
        visibility: 'public',
        mentionId: f.mention.id,
      });
      replied = true;
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      outcomes.set(rule.id, `reply: skipped, ${err.message}`);
    }
  }
  return outcomes;
}

/** Each routed post's row and customer, as read for the batch, so making its case need not read them again. */
const posts = new WeakMap<Facts, CasePost>();

/** Starts the post's draft from a case row just written, sparing `setCaseField` its read. */
export function startDraft(
  f: Facts,
  row: Pick<Selectable<DB['cases']>, 'id' | (typeof caseColumn)[CaseField]>,
): void {
  drafts.set(f, {
    caseId: row.id,
    values: {
      priority: row.priority,
      type: row.type,
      team_id: row.team_id,
      assignee_user_id: row.assignee_user_id,
      tags: row.tags,
      status: row.status,
    },
    changes: [],
  });
}

async function setCaseField(
  trx: Transaction<DB>,
  f: Facts,
  rule: Rule,
  field: CaseField,
  value: string,
): Promise<string> {
  if (!f.case) return `${field}: skipped, no case`;
  let draft = drafts.get(f);
  if (draft?.caseId !== f.case.id) {
    const values = await trx
      .selectFrom('cases')
      .select(['priority', 'type', 'team_id', 'assignee_user_id', 'tags', 'status'])
      .where('id', '=', f.case.id)
      .executeTakeFirstOrThrow();
    draft = { caseId: f.case.id, values, changes: [] };
    drafts.set(f, draft);
  }
  const from = draft.values[caseColumn[field]];
  let to = value;
  if (field === 'tags')
    to = [...new Set([...(from ? String(from).split(' ') : []), ...value.split(' ')])].join(' ');
  if (from === to) return `${field} already ${value}`;
  draft.values[caseColumn[field]] = to;
  draft.changes.push({ field, from, to, rule: ruleRef(rule) });
  // Later rules see the case as the earlier ones left it.
  if (field === 'priority') f.case.priority = to;
  if (field === 'type') f.case.type = to;
  if (field === 'status') f.case.status = to;
  if (field === 'team') f.case.teamId = to;
  if (field === 'assignee') f.case.assigneeUserId = to;
  if (field === 'tags') f.case.tags = new Set(to.split(' '));
  return `${field} set to ${to}`;
}

/**
 * Writes the case a rule made for the post, with the fields the rules have set so far: the case
 * starts as the rules left it (one insert, one SLA start) instead of being made and then changed.
 */
async function makeCase(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  f: Facts,
): Promise<boolean> {
  const by = unmadeCases.get(f);
  const draft = drafts.get(f);
  if (!by || !draft || !f.case) return false;
  unmadeCases.delete(f);
  const v = draft.values;
  const post = posts.get(f);
  await insertCase(
    ctx,
    trx,
    workspaceId,
    {
      subject: summarize(f.mention.text),
      // `setCaseField` keeps the post's case's priority and type current as rules change them.
      type: f.case.type as CaseInput['type'],
      priority: f.case.priority as CaseInput['priority'],
      ...(v.team_id ? { teamId: v.team_id } : {}),
      ...(v.assignee_user_id ? { assigneeUserId: v.assignee_user_id } : {}),
      mentionIds: [f.mention.id],
    },
    by,
    { id: f.case.id, number: f.case.number, tags: v.tags ?? '', ...(post ? { posts: [post] } : {}) },
  );
  return true;
}

/** Writes what the rules changed on the post's case: one update, then each change's feed event. */
async function writeCaseChanges(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  f: Facts,
): Promise<void> {
  // A case made by these rules is written with their changes in it; a case that already existed is updated.
  const madeNow = await makeCase(ctx, trx, workspaceId, f);
  const draft = drafts.get(f);
  drafts.delete(f);
  if (!draft || draft.changes.length === 0 || !f.case) return;
  const changed = new Set(draft.changes.map((c) => caseColumn[c.field]));
  if (!madeNow) {
    const now = ctx.now().toISOString();
    const status = changed.has('status') ? draft.values.status : undefined;
    await trx
      .updateTable('cases')
      .set({
        ...Object.fromEntries([...changed].map((column) => [column, draft.values[column]])),
        ...(status ? statusStamps(status, now) : {}),
        updated_at: now,
      })
      .where('id', '=', draft.caseId)
      .execute();
    // Priority and type choose the SLA policy; status pauses, resumes or ends its clocks.
    if (changed.has('priority') || changed.has('type') || changed.has('status'))
      await syncCaseSla(ctx, trx, workspaceId, draft.caseId, ctx.now());
    if (status === 'solved') await surveyOnSolve(ctx, trx, workspaceId, draft.caseId, null);
    const was = draft.changes.find((c) => c.field === 'status')?.from;
    if (status && typeof was === 'string' && leftSolved(was, status))
      await withdrawHeldSurveys(ctx, trx, workspaceId, draft.caseId, null);
  }
  for (const { field, from, to, rule } of draft.changes) {
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'case',
      recordId: draft.caseId,
      kind: field === 'assignee' ? 'assigned' : field === 'status' ? 'status_changed' : 'updated',
      actorUserId: null,
      data: { field, from, to, rule },
      summary: `Case ${f.case.number}: ${field} set to ${to} by rule “${rule.name}”`,
      ...(field === 'assignee' ? { notify: [to] } : {}),
    });
    if (field === 'assignee') await addFollower(ctx, trx, workspaceId, 'case', draft.caseId, to);
  }
}

async function applyAction(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  f: Facts,
  rule: Rule,
  action: RoutingAction,
  roundRobin: RoundRobin,
): Promise<string> {
  const by = { userId: null, rule: { id: rule.id, name: rule.name } };
  switch (action.type) {
    case 'create_case': {
      if (f.case) return `case ${f.case.number} already made for this mention`;
      const type = action.caseType ?? typeFromIntents([...f.mention.intents].join(' '));
      const open = action.attachToOpenCase ? (f.customer?.openCaseOfKind[caseKind(type)] ?? null) : null;
      if (open) {
        const post = posts.get(f);
        const row = await insertMentionIntoCase(ctx, trx, workspaceId, open, f.mention.id, by, post);
        // The customer wrote again in a new post: what "hours since the customer's message" measures.
        if (post) {
          await trx
            .updateTable('cases')
            .set({
              last_customer_message_at: new Date(String(post.m.created_at)).toISOString(),
              snoozed_until: null,
            })
            .where('id', '=', row.id)
            .execute();
          if (row.snoozed_until !== null) await recordSnoozeEnded(ctx, trx, row, 'customer_message');
        }
        f.case = { id: row.id, number: Number(row.number), priority: row.priority, type: row.type };
        startDraft(f, row);
        return `attached to open case ${row.number}`;
      }
      // Made once the post's rules have run, with what they set (`writeCaseChanges`).
      const made = {
        id: newId(ctx.now()),
        number: await nextCaseNumber(ctx, trx, workspaceId),
        priority: action.priority ?? priorityFromUrgency(f.mention.urgency),
        type,
      };
      unmadeCases.set(f, by);
      f.case = made;
      startDraft(f, { ...made, team_id: null, assignee_user_id: null, tags: '', status: 'new' });
      if (f.customer) {
        f.customer.openCaseId = made.id;
        f.customer.openCaseOfKind[caseKind(type)] = made.id;
      }
      return `created case ${made.number}`;
    }
    case 'set_priority':
      return setCaseField(trx, f, rule, 'priority', action.value);
    case 'set_type':
      return setCaseField(trx, f, rule, 'type', action.value);
    case 'set_status':
      return setCaseField(trx, f, rule, 'status', action.value);
    case 'add_tags':
      return setCaseField(trx, f, rule, 'tags', action.value.join(' '));
    case 'assign_team': {
      const team = await memoIn(trx, `team:${workspaceId}:${action.teamId}`, () =>
        trx
          .selectFrom('teams')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('id', '=', action.teamId)
          .executeTakeFirst(),
      );
      if (!team) return `team ${action.teamId} no longer exists`;
      return setCaseField(trx, f, rule, 'team', team.id);
    }
    case 'assign': {
      if (!f.case) return 'assign: skipped, no case';
      const { userId, missing } = await chooseAssignee(trx, workspaceId, action, roundRobin);
      const nobody = missing && `nobody has skills ${missing.join(', ')}`;
      if (!userId) return nobody ? `assign: ${nobody}, left unassigned` : 'assign: nobody in the pool';
      const outcome = await setCaseField(trx, f, rule, 'assignee', userId);
      return nobody ? `${outcome} (assigned from the whole pool: ${nobody})` : outcome;
    }
    case 'send_reply': {
      if (!f.case) return 'reply: skipped, no case';
      if (f.mention.id === 0) return 'reply: skipped, the case has no post to answer';
      // Sent once the case is written (after the rules): see sendRuleReplies.
      const list = ruleReplies.get(f) ?? [];
      list.push({ cannedId: action.cannedId, rule });
      ruleReplies.set(f, list);
      return 'reply: queued';
    }
    case 'assign_agent': {
      if (!f.case) return 'assign: skipped, no case';
      try {
        await memoIn(trx, `assignee:${workspaceId}:${action.userId}`, () =>
          checkAssignee(trx, workspaceId, action.userId),
        );
      } catch (err) {
        // Deactivated or given another role since the rule was saved.
        if (err instanceof AppError) return `assign: skipped, ${err.message}`;
        throw err;
      }
      return setCaseField(trx, f, rule, 'assignee', action.userId);
    }
    case 'notify': {
      const record = f.case
        ? ({ type: 'case', id: f.case.id } as const)
        : f.customer
          ? ({ type: 'customer', id: f.customer.id } as const)
          : null;
      if (!record) return 'notify: skipped, no case or customer';
      const users = await trx
        .selectFrom('users')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', action.userIds)
        .execute();
      await recordEvent(ctx, trx, {
        workspaceId,
        recordType: record.type,
        recordId: record.id,
        kind: 'rule_notified',
        actorUserId: null,
        data: { mentionId: f.mention.id, rule: ruleRef(rule) },
        summary: `Rule “${rule.name}”: ${summarize(f.mention.text)}`,
        notify: users.map((u) => u.id),
      });
      return `notified ${users.length}`;
    }
    case 'create_lead':
      // The lead refers to the post's case, which must exist first.
      await makeCase(ctx, trx, workspaceId, f);
      return createLeadByRule(
        ctx,
        trx,
        workspaceId,
        {
          ...action,
          mentionId: f.mention.id,
          customerId: f.customer?.id ?? null,
          caseId: f.case?.id ?? null,
          title: summarize(f.mention.text),
        },
        by.rule,
        roundRobin,
      );
    case 'dismiss': {
      if (f.case) return `dismiss: skipped, case ${f.case.number} exists`;
      await trx
        .updateTable('mentions')
        .set({
          disposition: 'dismissed',
          disposition_reason: action.reason,
          disposition_at: ctx.now().toISOString(),
          disposition_by: `rule:${rule.id}`,
        })
        .where('id', '=', f.mention.id)
        .execute();
      return `dismissed as ${action.reason}`;
    }
  }
}

/**
 * Runs the enabled rules in order over one mention, or over one case for rules on case events
 * (`event`; the facts' case drafted with `startDraft`); returns how many fired.
 */
export async function applyRules(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  rules: Rule[],
  f: Facts,
  roundRobin: RoundRobin,
  /** Rule id → times fired in this batch (written once per batch). */
  firedCounts: Map<string, number>,
  event: Rule['event'] = 'mention_stored',
): Promise<number> {
  const fired: { id: string; name: string; reasons: string[]; actions: string[] }[] = [];
  for (const rule of rules) {
    const { fired: ok, reasons } = evaluateRule(rule, f);
    if (!ok) continue;
    const outcomes: string[] = [];
    for (const action of rule.actions)
      outcomes.push(await applyAction(ctx, trx, workspaceId, f, rule, action, roundRobin));
    fired.push({ id: rule.id, name: rule.name, reasons, actions: outcomes });
    firedCounts.set(rule.id, (firedCounts.get(rule.id) ?? 0) + 1);
  }
  await writeCaseChanges(ctx, trx, workspaceId, f);
  const replies = await sendRuleReplies(ctx, trx, workspaceId, f);
  for (const r of fired) {
    const outcome = replies.get(r.id);
    if (outcome) r.actions = r.actions.map((a) => (a === 'reply: queued' ? outcome : a));
  }
  if (fired.length > 0 && f.case)
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'case',
      recordId: f.case.id,
      kind: 'rules_fired',
      actorUserId: null,
      data: {
        ...(event === 'mention_stored' ? { mentionId: f.mention.id } : { event }),
        rules: fired,
      },
      summary: `Rules fired on case ${f.case.number}: ${fired.map((r) => r.name).join(', ')}`,
      notifyFollowers: false,
    });
  return fired.length;
}

type ThreadCase = { id: string; number: number; status: string; priority: string; type: string };

/**
 * The open case of each thread a batch's posts reply into: read once per batch, then kept up to
 * date as routing makes and changes cases (routing never closes or merges one), so a reply to a
 * post routed earlier in the same batch finds its case too.
 */
class ThreadCases {
  private readonly byKey = new Map<string, ThreadCase>();
  private static key = (channel: string, threadKey: string) => `${channel}\n${threadKey}`;

  static async load(
    trx: Transaction<DB>,
    workspaceId: string,
    rows: { channel: string; thread_root: string | null; reply_to: string | null }[],
  ): Promise<ThreadCases> {
    const found = new ThreadCases();
    const keys = [
      ...new Set(rows.flatMap((r) => [r.thread_root, r.reply_to].filter((k): k is string => k !== null))),
    ];
    if (keys.length === 0) return found;
    const conversations = await trx
      .selectFrom('conversations')
      .innerJoin('cases', 'cases.id', 'conversations.case_id')
      .select([
        'conversations.channel',
        'conversations.thread_key',
        'cases.id',
        'cases.number',
        'cases.status',
        'cases.priority',
        'cases.type',
      ])
      .where('conversations.workspace_id', '=', workspaceId)
      // The channels too, so the (workspace, channel, thread key) key finds them one by one.
      .where('conversations.channel', 'in', [...new Set(rows.map((r) => r.channel))])
      .where('conversations.thread_key', 'in', keys)
      .where('cases.merged_into', 'is', null)
      .where('cases.status', '!=', 'closed')
      .execute();
    for (const c of conversations)
      found.byKey.set(ThreadCases.key(c.channel, c.thread_key), {
        id: c.id,
        number: Number(c.number),
        status: c.status,
        priority: c.priority,
        type: c.type,
      });
    return found;
  }

  find(m: { channel: string; thread_root: string | null; reply_to: string | null }): ThreadCase | undefined {
    for (const k of [m.thread_root, m.reply_to])
      if (k !== null) {
        const c = this.byKey.get(ThreadCases.key(m.channel, k));
        if (c) return c;
      }
    return undefined;
  }

  /** The post's own thread now belongs to `c` (its conversation's key is the root, else the post). */
  remember(m: { channel: string; thread_root: string | null; external_id: string }, c: ThreadCase): void {
    this.byKey.set(ThreadCases.key(m.channel, m.thread_root ?? m.external_id), c);
  }
}

/**
 * A new post in a thread that already belongs to a case joins that case: the conversation grows,
 * a solved case reopens, and the next-response clock starts. Rules then see the case.
 */
async function continueThread(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  f: Facts,
  m: { channel: string; thread_root: string | null; reply_to: string | null; created_at: string },
  threads: ThreadCases,
  options: { own?: boolean } = {},
): Promise<void> {
  const conversation = threads.find(m);
  if (!conversation) return;
  const row = await insertMentionIntoCase(
    ctx,
    trx,
    workspaceId,
    conversation.id,
    f.mention.id,
    { userId: null },
    posts.get(f),
  );
  if (options.own) {
    await trx
      .updateTable('mentions')
      .set({ disposition: 'answered', disposition_reason: 'our reply' })
      .where('id', '=', f.mention.id)
      .execute();
    return;
  }
  if (conversation.status === 'solved') {
    await trx
      .updateTable('cases')
      .set({ status: 'open', solved_at: null, updated_at: ctx.now().toISOString() })
      .where('id', '=', conversation.id)
      .execute();
    conversation.status = 'open';
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'case',
      recordId: conversation.id,
      kind: 'status_changed',
      actorUserId: null,
      data: { field: 'status', from: 'solved', to: 'open', reason: 'the customer wrote again' },
      summary: `Case ${conversation.number} reopened: the customer wrote again`,
    });
    await withdrawHeldSurveys(ctx, trx, workspaceId, conversation.id, null);
  }
  await syncCaseSla(ctx, trx, workspaceId, conversation.id, ctx.now());
  await recordCustomerMessage(ctx, trx, workspaceId, conversation.id, new Date(m.created_at));
  f.case = {
    id: conversation.id,
    number: conversation.number,
    priority: conversation.priority,
    type: conversation.type,
  };
  startDraft(f, row);
}

/**
 * Routes the mentions stored since the last run, for every workspace with rules or cases: each in
 * its own transaction that also advances the workspace's cursor, so a crash repeats nothing and
 * loses nothing, and concurrent workers (PostgreSQL) wait for each other on the cursor row.
 */
export async function routeNewMentions(ctx: AppContext, batch = 1000): Promise<number> {
  let routed = 0;
  // Where rules on posts were saved or a case was made (`routing_state`), and where a rule is
  // enabled: replies join their cases' threads even in a workspace without rules.
  const cursors = new Map(
    (await ctx.db.selectFrom('routing_state').select(['workspace_id', 'last_mention_id']).execute()).map(
      (s) => [s.workspace_id, Number(s.last_mention_id)],
    ),
  );
  for (const workspaceId of await workspacesWithRules(ctx, 'mention_stored'))
    if (!cursors.has(workspaceId)) cursors.set(workspaceId, -1);
  for (const [workspaceId, cursor] of cursors) {
    // Up to the committed horizon: a post stored late with a lower id is not passed over.
    const horizon = await committedMentionId(ctx, workspaceId);
    if (horizon <= cursor) continue;
    for (;;) {
      const { n, done } = await ctx.db.transaction().execute(async (trx) =>
        inBatchScope(trx, async () => {
          const state = await ctx.dialect
            .lockForUpdate(
              trx.selectFrom('routing_state').selectAll().where('workspace_id', '=', workspaceId),
            )
            .executeTakeFirst();
          if (!state) {
            await startRouting(ctx, trx, workspaceId, horizon);
            return { n: 0, done: true };
          }
          const last = await ctx.dialect.inIndexOrder(trx, () =>
            mentionRows(trx, workspaceId)
              .where('id', '>', Number(state.last_mention_id))
              .where('id', '<=', horizon)
              .orderBy('id')
              .limit(batch)
              .execute(),
          );
          if (last.length === 0) return { n: 0, done: true };
          // Deleted posts, those an agent already decided on and those that arrived as history
          // (an imported archive, a feed's old entries) are passed over, not routed.
          const rows = last.filter(
            (m) =>
              m.deleted_at === null &&
              m.disposition === null &&
              !arrivedAsHistory(m.created_at, m.received_at),
          );
          const { rules, candidates } = await enabledRules(ctx, trx, workspaceId);
          const roundRobin = ctx.dialect.parseJson<RoundRobin>(state.round_robin);
          const firedCounts = new Map<string, number>();
          const own = new Set(
            (
              await trx
                .selectFrom('outbox_replies')
                .select('external_id')
                .where('workspace_id', '=', workspaceId)
                .where('external_id', 'in', rows.length > 0 ? rows.map((r) => r.external_id) : [''])
                .execute()
            ).map((r) => r.external_id),
          );
          const byId = new Map(rows.map((r) => [Number(r.id), r]));
          const openedInBatch = new Map<string, Pick<Customer, 'openCaseId' | 'openCaseOfKind'>>();
          const threads = await ThreadCases.load(trx, workspaceId, rows);
          // Most posts meet no rule's gate and are not replies: they are passed over before their
          // customers are read. A reply is kept, as its thread may get a case earlier in this batch.
          const offered = new Map<Facts, Rule[]>();
          const concerned = (f: Facts) => {
            const row = byId.get(f.mention.id);
            const rulesFor = candidates(f);
            if (rulesFor.length > 0) offered.set(f, rulesFor);
            return (
              rulesFor.length > 0 ||
              (row !== undefined &&
                (row.thread_root !== null || row.reply_to !== null || own.has(row.external_id)))
            );
          };
          for (const f of await loadFacts(ctx, trx, workspaceId, rows, rules, undefined, concerned)) {
            const row = byId.get(f.mention.id);
            if (!row) continue;
            posts.set(f, { m: row, customerId: f.customer?.id ?? null });
            // Our own replies coming back through the stream join their case quietly; no rule runs on them.
            if (own.has(row.external_id)) {
              await continueThread(ctx, trx, workspaceId, f, row, threads, { own: true });
              continue;
            }
            // A case a rule opened earlier in this batch is the customer's open case from then on.
            const opened = f.customer && openedInBatch.get(f.customer.id);
            if (f.customer && opened)
              Object.assign(f.customer, { ...opened, openCaseOfKind: { ...opened.openCaseOfKind } });
            await continueThread(ctx, trx, workspaceId, f, row, threads);
            await applyRules(ctx, trx, workspaceId, offered.get(f) ?? [], f, roundRobin, firedCounts);
            if (f.case)
              threads.remember(row, {
                ...f.case,
                status: threads.find(row)?.id === f.case.id ? (threads.find(row)?.status ?? 'new') : 'new',
              });
            if (f.customer?.openCaseId)
              openedInBatch.set(f.customer.id, {
                openCaseId: f.customer.openCaseId,
                openCaseOfKind: { ...f.customer.openCaseOfKind },
              });
          }
          await countFirings(ctx, trx, firedCounts);
          await trx
            .updateTable('routing_state')
            .set({
              last_mention_id: Number(last[last.length - 1]?.id),
              round_robin: ctx.dialect.toJson(roundRobin),
              updated_at: ctx.now().toISOString(),
            })
            .where('workspace_id', '=', workspaceId)
            .execute();
          const lastId = Number(last[last.length - 1]?.id);
          // Up to the horizon already: no transaction just to find nothing after it.
          return { n: last.length, done: last.length < batch || lastId >= horizon };
        }),
      );
      routed += n;
      if (done) break;
    }
  }
  return routed;
}

/** Adds a batch's firings to the rules' counts, in one statement. */
export async function countFirings(
  ctx: AppContext,
  trx: Transaction<DB>,
  firedCounts: Map<string, number>,
): Promise<void> {
  if (firedCounts.size === 0) return;
  const counts = [...firedCounts].map(([id, n]) => sql`when ${id} then ${n}`);
  await trx
    .updateTable('routing_rules')
    .set({
      fired_count: sql<number>`fired_count + case id ${sql.join(counts, sql` `)} else 0 end`,
      last_fired_at: ctx.now().toISOString(),
    })
    .where('id', 'in', [...firedCounts.keys()])
    .execute();
}

type LoadedRules = { signature: string; rules: Rule[]; candidates: (f: Facts) => Rule[] };

/** Parsed rules and their index per workspace, reused while no rule changes. */
const loadedRules = new Map<string, LoadedRules>();

async function enabledRules(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
): Promise<LoadedRules> {
  const rows = await trx
    .selectFrom('routing_rules')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .where('event', '=', 'mention_stored')
    .orderBy('position')
    .execute();
  const raw = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const signature = rows
    .map((r) => `${r.id}|${r.position}|${r.match}|${r.name}|${raw(r.conditions)}|${raw(r.actions)}`)
    .join('\n');
  const cached = loadedRules.get(workspaceId);
  if (cached?.signature === signature) return cached;
  const rules = rows.map((r) => toRule(ctx, r));
  const loaded = { signature, rules, candidates: indexRules(rules, textOf) };
  loadedRules.set(workspaceId, loaded);
  return loaded;
}

/**
 * Tries a rule on posts (checked and parsed by case-rules.ts `testRule`) on the workspace's latest
 * stored mentions without acting: how many it would fire on, with the reasons. Conditions on the
 * case see none (no earlier rule ran).
 */
export async function testPostRule(
  ctx: AppContext,
  actor: Actor,
  parsed: Pick<Rule, 'match' | 'conditions'>,
  limit: number,
): Promise<RuleTest> {
  const latest = await mentionRows(ctx.db, actor.workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  // Routing passes over what arrived as history, so a rule is not shown firing on it.
  const rows = latest.filter((m) => !arrivedAsHistory(m.created_at, m.received_at));
  const facts = await loadFacts(ctx, ctx.db, actor.workspaceId, rows, [parsed]);
  const samples: RuleTest['samples'] = [];
  let matched = 0;
  const createdAt = new Map(rows.map((r) => [Number(r.id), r.created_at]));
  for (const f of facts) {
    const { fired, reasons } = evaluateRule(parsed, f);
    if (!fired) continue;
    matched++;
    if (samples.length < 20)
      samples.push({
        mentionId: f.mention.id,
        text: f.mention.text.slice(0, 280),
        channel: f.mention.channel,
        createdAt: createdAt.get(f.mention.id) ?? '',
        reasons,
      });
  }
  return { evaluated: rows.length, matched, history: latest.length - rows.length, samples };
}
