/**
 * Cases themselves: reading one (with its SLA clocks), creating one by hand or from posts,
 * attaching a post's thread to one, and changing its fields and status. Lists live in
 * case-lists.ts, merging and splitting in case-merge-split.ts.
 */
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { AppContext } from '../../context.ts';
import { batchScopeOf, memoIn } from '../../db/batch-scope.ts';
import type { CasesTable, ConversationsTable, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { type Actor, can, requirePermission } from '../auth/roles.ts';
import { addFollower, type RecordType, recordEvent } from '../collaboration/feed.ts';
import { surveyOnSolve, withdrawHeldSurveys } from '../surveys/service.ts';
import {
  type CasePost,
  conversationForMention,
  disposeAsCase,
  disposer,
  latestPostAt,
  readCasePost,
} from './case-threads.ts';
import { type CaseInput, type CasePatch, type CaseView, type ConversationView, caseInput } from './schema.ts';
import { type Clock, slaOfCases, slaViews, syncCaseSla } from './sla.ts';

type Db = Kysely<DB> | Transaction<DB>;
type CaseRow = Selectable<CasesTable>;
const CASE: RecordType = 'case';

export function toCaseView(ctx: AppContext, r: CaseRow, sla: CaseView['sla'] = []): CaseView {
  return {
    sla,
    id: r.id,
    number: Number(r.number),
    subject: r.subject,
    status: r.status,
    priority: r.priority,
    type: r.type,
    assigneeUserId: r.assignee_user_id,
    teamId: r.team_id,
    customerId: r.customer_id,
    channel: r.channel,
    tags: r.tags ? r.tags.split(' ') : [],
    customFields: ctx.dialect.parseJson<CaseView['customFields']>(r.custom_fields),
    mergedInto: r.merged_into,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    firstResponseAt: r.first_response_at,
    solvedAt: r.solved_at,
    closedAt: r.closed_at,
    lastCustomerMessageAt: r.last_customer_message_at,
    lastAgentReplyAt: r.last_agent_reply_at,
    snoozedUntil: r.snoozed_until,
    waitingSince: waitingSince(r),
  };
}

/** One line for the followers about a field a person changed, e.g. "Case 12: priority set to high". */
function changeSummary(number: number, c: Change): string {
  if (c.field === 'snoozedUntil')
    return c.to === null ? `Case ${number}: snooze ended` : `Case ${number} snoozed until ${String(c.to)}`;
  const to =
    c.to === null || c.to === ''
      ? 'cleared'
      : `set to ${String(typeof c.to === 'object' ? 'new values' : c.to)}`;
  return `Case ${number}: ${c.field} ${to}`;
}

/**
 * Since when the customer has been waiting for an answer: their latest post, when no reply came
 * after it and the case is still being worked (the condition of the "waiting longest" order).
 */
export function waitingSince(
  r: Pick<CaseRow, 'status' | 'last_customer_message_at' | 'last_agent_reply_at'>,
): string | null {
  if (r.status === 'solved' || r.status === 'closed' || r.last_customer_message_at === null) return null;
  if (r.last_agent_reply_at !== null && r.last_agent_reply_at >= r.last_customer_message_at) return null;
  return r.last_customer_message_at;
}

export function toConversationView(r: Selectable<ConversationsTable>): ConversationView {
  return {
    id: r.id,
    channel: r.channel,
    threadKey: r.thread_key,
    customerId: r.customer_id,
    preview: r.preview,
    lastActivityAt: r.last_activity_at,
    createdAt: r.created_at,
  };
}

/** A case with its SLA clocks. */
export async function caseView(ctx: AppContext, row: CaseRow): Promise<CaseView> {
  const sla = await slaOfCases(ctx.db, [row.id]);
  return toCaseView(ctx, row, sla.get(row.id) ?? []);
}

export async function caseRow(db: Db, workspaceId: string, id: string): Promise<CaseRow> {
  const row = await db
    .selectFrom('cases')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No case ${id}`);
  return row;
}

/**
 * The case with this number (people know cases by number), merged away or not, with the number
 * of the case it went into; null when the workspace has no such case.
 */
export async function caseByNumber(
  ctx: AppContext,
  actor: Actor,
  number: number,
): Promise<{ id: string; mergedInto: { id: string; number: number } | null } | null> {
  requirePermission(actor, 'inbox:read');
  const row = await ctx.db
    .selectFrom('cases')
    .leftJoin('cases as into', 'into.id', 'cases.merged_into')
    .select(['cases.id', 'cases.merged_into', 'into.number as into_number'])
    .where('cases.workspace_id', '=', actor.workspaceId)
    .where('cases.number', '=', number)
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: row.id,
    mergedInto:
      row.merged_into !== null && row.into_number !== null
        ? { id: row.merged_into, number: Number(row.into_number) }
        : null,
  };
}

/** A case that may still be worked: not merged away. */
export async function workableCase(db: Db, workspaceId: string, id: string): Promise<CaseRow> {
  return notMerged(await caseRow(db, workspaceId, id));
}

function notMerged(row: CaseRow): CaseRow {
  if (row.merged_into !== null)
    throw new AppError('conflict', `Case ${row.number} was merged into another case`, {
      mergedInto: row.merged_into,
    });
  return row;
}

/** A case's SLA clock columns, named apart from the case's own, for reading both in one statement. */
export const clockColumns = [
  'case_sla.metric as sla_metric',
  'case_sla.workspace_id as sla_workspace_id',
  'case_sla.policy_id as sla_policy_id',
  'case_sla.status as sla_status',
  'case_sla.target_ms as sla_target_ms',
  'case_sla.elapsed_ms as sla_elapsed_ms',
  'case_sla.running_since as sla_running_since',
  'case_sla.due_at as sla_due_at',
  'case_sla.warned_at as sla_warned_at',
  'case_sla.breached_at as sla_breached_at',
  'case_sla.achieved_at as sla_achieved_at',
] as const;

type ClockColumns = {
  sla_metric: Clock['metric'] | null;
  sla_workspace_id: string | null;
  sla_policy_id: string | null;
  sla_status: Clock['status'] | null;
  sla_target_ms: number | null;
  sla_elapsed_ms: number | null;
  sla_running_since: string | null;
  sla_due_at: string | null;
  sla_warned_at: string | null;
  sla_breached_at: string | null;
  sla_achieved_at: string | null;
};

/**
 * Cases left-joined to their clocks (a row per clock, or one row without any; a case's rows
 * adjacent), back to one entry per case with its clocks, in the order read.
 */
export function casesWithClocks<R extends { id: string } & ClockColumns>(
  rows: R[],
): { row: Omit<R, keyof ClockColumns>; clocks: Clock[] }[] {
  const out: { row: Omit<R, keyof ClockColumns>; clocks: Clock[] }[] = [];
  for (const r of rows) {
    const {
      sla_metric,
      sla_workspace_id,
      sla_policy_id,
      sla_status,
      sla_target_ms,
      sla_elapsed_ms,
      sla_running_since,
      sla_due_at,
      sla_warned_at,
      sla_breached_at,
      sla_achieved_at,
      ...row
    } = r;
    let last = out[out.length - 1];
    if (!last || last.row.id !== r.id) {
      last = { row, clocks: [] };
      out.push(last);
    }
    if (sla_metric !== null)
      last.clocks.push({
        case_id: r.id,
        metric: sla_metric,
        workspace_id: sla_workspace_id as string,
        policy_id: sla_policy_id as string,
        status: sla_status as Clock['status'],
        target_ms: sla_target_ms as number,
        elapsed_ms: sla_elapsed_ms as number,
        running_since: sla_running_since,
        due_at: sla_due_at,
        warned_at: sla_warned_at,
        breached_at: sla_breached_at,
        achieved_at: sla_achieved_at,
      });
  }
  return out;
}

/**
 * A case with its SLA clocks in one statement, and, given a user, whether they follow it: the
 * case page and case updates need both, and every statement a request sends costs it more than
 * the rows it reads.
 */
export async function caseWithClocks(
  db: Db,
  workspaceId: string,
  id: string,
  options: { followerId?: string; lock?: AppContext['dialect'] } = {},
): Promise<{ row: CaseRow; clocks: Clock[]; following: boolean }> {
  const { followerId, lock } = options;
  const query = db
    .selectFrom('cases')
    .leftJoin('case_sla', 'case_sla.case_id', 'cases.id')
    .selectAll('cases')
    .select(clockColumns)
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('record_follows')
            .select('record_follows.user_id')
            .where('record_follows.record_type', '=', CASE)
            .whereRef('record_follows.record_id', '=', 'cases.id')
            .where('record_follows.user_id', '=', followerId ?? ''),
        )
        .as('following'),
    )
    .where('cases.workspace_id', '=', workspaceId)
    .where('cases.id', '=', id);
  // An update holds the case row from this read on (PostgreSQL), so two changes of one case at
  // once apply in turn, each from the case and clocks the other left.
  const rows = await (lock ? lock.lockForUpdate(query, ['cases']) : query).execute();
  const [found] = casesWithClocks(rows);
  if (!found) throw new AppError('not_found', `No case ${id}`);
  const { following, ...row } = found.row;
  return { row, clocks: found.clocks, following: followerId !== undefined && Boolean(following) };
}

/** Assignees must be people of the workspace whose role may work cases. */
export async function checkAssignee(db: Db, workspaceId: string, userId: string): Promise<string> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
  if (user?.status !== 'active')
    throw new AppError('not_found', `No active user ${userId} in this workspace`);
  if (!can({ role: user.role }, 'inbox:work'))
    throw new AppError('validation_failed', `A ${user.role} cannot be assigned cases`, {
      fields: [{ path: 'assigneeUserId', message: `role ${user.role} cannot work cases` }],
    });
  return user.name || user.email;
}

async function checkTeam(db: Db, workspaceId: string, teamId: string): Promise<string> {
  const team = await db
    .selectFrom('teams')
    .select('name')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (!team) throw new AppError('not_found', `No team ${teamId}`);
  return team.name;
}

async function checkCustomer(db: Db, workspaceId: string, customerId: string): Promise<void> {
  const row = await db
    .selectFrom('customers')
    .select(['merged_into'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${customerId}`);
  if (row.merged_into !== null)
    throw new AppError('conflict', `Customer ${customerId} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
}

const tagString = (tags: readonly string[]) => [...new Set(tags)].join(' ');

/**
 * The next per-workspace case number; the workspace row is locked so two creations cannot take
 * the same one. In a batch scope the lock is held until the batch commits, so the highest number
 * is read once and counted on from there.
 */
export async function nextCaseNumber(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
): Promise<number> {
  const highest = async () => {
    await ctx.dialect
      .lockForUpdate(trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId))
      .execute();
    const row = await trx
      .selectFrom('cases')
      .select((eb) => eb.fn.max('number').as('n'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  const scope = batchScopeOf(trx);
  if (!scope) return (await highest()) + 1;
  const counter = await scope.memo(`case_number:${workspaceId}`, async () => ({ last: await highest() }));
  counter.last += 1;
  return counter.last;
}

/**
 * Creates a case inside `trx`: by an agent (actor) or by a routing rule (actor null, `by`
 * names the rule). Mentions given become its conversations and are disposed as `case`.
 */
export async function insertCase(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  input: CaseInput,
  by: { userId: string | null; rule?: { id: string; name: string } },
  /**
   * From routing: the posts of `input.mentionIds` with their customers, just read; and the id and
   * number it gave the case while its rules were still running (`nextCaseNumber`), and the
   * tags its rules added (checked by the rules' schema; rules may add more than a person may set).
   */
  known?: { posts?: CasePost[]; id?: string; number?: number; tags?: string },
): Promise<CaseRow> {
  const parsed = caseInput.parse(input);
  // People and teams do not change inside a routing batch: each is checked once per batch.
  const assignee = parsed.assigneeUserId;
  if (assignee)
    await memoIn(trx, `assignee:${workspaceId}:${assignee}`, () => checkAssignee(trx, workspaceId, assignee));
  const team = parsed.teamId;
  if (team) await memoIn(trx, `check_team:${workspaceId}:${team}`, () => checkTeam(trx, workspaceId, team));
  if (parsed.customerId) await checkCustomer(trx, workspaceId, parsed.customerId);
  const now = ctx.now().toISOString();
  const id = known?.id ?? newId(ctx.now());
  const number = known?.number ?? (await nextCaseNumber(ctx, trx, workspaceId));
  // The posts are read first so that the case is written once, with its customer and channel.
  const posts: CasePost[] = [];
  for (const mentionId of parsed.mentionIds)
    posts.push(
      known?.posts?.find((p) => Number(p.m.id) === mentionId) ??
        (await readCasePost(trx, workspaceId, mentionId)),
    );
  const row = await trx
    .insertInto('cases')
    .values({
      id,
      workspace_id: workspaceId,
      number,
      subject: parsed.subject,
      status: 'new',
      priority: parsed.priority,
      type: parsed.type,
      assignee_user_id: parsed.assigneeUserId ?? null,
      team_id: parsed.teamId ?? null,
      customer_id: parsed.customerId ?? posts.find((p) => p.customerId !== null)?.customerId ?? null,
      channel: posts[0]?.m.channel ?? null,
      tags: known?.tags ?? tagString(parsed.tags),
      custom_fields: ctx.dialect.toJson(parsed.customFields),
      merged_into: null,
      created_by: by.userId,
      created_at: now,
      updated_at: now,
      first_response_at: null,
      solved_at: null,
      closed_at: null,
      last_customer_message_at: latestPostAt(posts),
      last_agent_reply_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  for (const post of posts) {
    await conversationForMention(ctx, trx, workspaceId, post, id);
    await disposeAsCase(ctx, trx, workspaceId, Number(post.m.id), id, disposer(by));
  }
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: CASE,
    recordId: id,
    kind: 'created',
    actorUserId: by.userId,
    data: { number, mentionIds: parsed.mentionIds, ...(by.rule ? { rule: by.rule } : {}) },
    summary: by.rule ? `Case ${number} created by rule “${by.rule.name}”` : `Case ${number} created`,
  });
  // Who follows the customer hears of their new case.
  if (row.customer_id)
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'customer',
      recordId: row.customer_id,
      kind: 'case_opened',
      actorUserId: by.userId,
      data: { caseId: id, number, ...(by.rule ? { rule: by.rule } : {}) },
      summary: `Case ${number} opened: ${parsed.subject}`.slice(0, 300),
    });
  if (by.userId) await addFollower(ctx, trx, workspaceId, CASE, id, by.userId);
  if (parsed.assigneeUserId) await addFollower(ctx, trx, workspaceId, CASE, id, parsed.assigneeUserId);
  // Nothing above changes the case row after its insert, and it has no clocks yet.
  await syncCaseSla(ctx, trx, workspaceId, id, ctx.now(), { row, isNew: true });
  await memoIn(trx, `route_replies:${workspaceId}`, () => routeRepliesFromNow(ctx, trx, workspaceId));
  return row;
}

/**
 * From a workspace's first case on, routing reads its new posts, so that a reply joins its case's
 * thread even where no rule on posts was ever saved (a saved rule starts routing too). It starts
 * at the newest post stored: the case's own posts are already in it.
 */
async function routeRepliesFromNow(ctx: AppContext, trx: Transaction<DB>, workspaceId: string) {
  await trx
    .insertInto('routing_state')
    .values((eb) => ({
      workspace_id: workspaceId,
      last_mention_id: eb
        .selectFrom('mentions')
        .select((m) => m.fn.coalesce(m.fn.max('id'), m.lit(0)).as('id'))
        .where('workspace_id', '=', workspaceId),
      round_robin: ctx.dialect.toJson({}),
      updated_at: ctx.now().toISOString(),
    }))
    .onConflict((oc) => oc.column('workspace_id').doNothing())
    .execute();
}

export async function createCase(ctx: AppContext, actor: Actor, input: CaseInput): Promise<CaseView> {
  requirePermission(actor, 'inbox:work');
  const row = await ctx.db
    .transaction()
    .execute((trx) => insertCase(ctx, trx, actor.workspaceId, input, { userId: actor.userId }));
  return caseView(ctx, row);
}

/**
 * Attaches a mention's thread to a case inside `trx` and disposes of the mention as `case`:
 * by an agent, or by a routing rule (`by.userId` null).
 */
export async function insertMentionIntoCase(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  mentionId: number,
  by: { userId: string | null; rule?: { id: string; name: string } },
  /** The post with its customer, when the caller has just read it (routing). */
  known?: CasePost,
): Promise<CaseRow> {
  const target = await workableCase(trx, workspaceId, caseId);
  if (target.status === 'closed') throw new AppError('conflict', `Case ${target.number} is closed`);
  const c = await conversationForMention(
    ctx,
    trx,
    workspaceId,
    known && Number(known.m.id) === mentionId ? known : await readCasePost(trx, workspaceId, mentionId),
    caseId,
  );
  await disposeAsCase(ctx, trx, workspaceId, mentionId, caseId, disposer(by));
  if (target.customer_id === null && c.customerId !== null)
    await trx.updateTable('cases').set({ customer_id: c.customerId }).where('id', '=', caseId).execute();
  await trx
    .updateTable('cases')
    .set({ updated_at: ctx.now().toISOString() })
    .where('id', '=', caseId)
    .execute();
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: CASE,
    recordId: caseId,
    kind: 'conversation_added',
    actorUserId: by.userId,
    data: {
      mentionId,
      conversationId: c.conversationId,
      movedFrom: c.movedFrom,
      ...(by.rule ? { rule: by.rule } : {}),
    },
    summary: `A conversation was added to case ${target.number}`,
  });
  return caseRow(trx, workspaceId, caseId);
}

/** Attaches a mention's thread to an existing case and disposes of the mention as `case`. */
export async function attachMention(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  mentionId: number,
): Promise<CaseView> {
  requirePermission(actor, 'inbox:work');
  const row = await ctx.db
    .transaction()
    .execute((trx) =>
      insertMentionIntoCase(ctx, trx, actor.workspaceId, caseId, mentionId, { userId: actor.userId }),
    );
  return caseView(ctx, row);
}

type Change = { field: string; from: unknown; to: unknown };

/** The times a change of status stamps on a case, whoever makes it (a person or a rule). */
export function statusStamps(
  status: string,
  now: string,
): Pick<Updateable<CasesTable>, 'solved_at' | 'closed_at'> {
  if (status === 'solved') return { solved_at: now };
  if (status === 'closed') return { closed_at: now };
  return { solved_at: null };
}

/**
 * Whether a change of status takes a solve back (reopened, or the solve undone), which withdraws the
 * survey the solve queued if it is still held; closing a solved case does not.
 */
export function leftSolved(from: string, to: string): boolean {
  return from === 'solved' && to !== 'solved' && to !== 'closed';
}

/** Applies a patch to a case, records one feed event per changed field, and keeps status times. */
export async function updateCase(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: CasePatch,
): Promise<CaseView> {
  requirePermission(actor, 'inbox:work');
  const { row, sla } = await ctx.db.transaction().execute(async (trx) => {
    const { row: found, clocks } = await caseWithClocks(trx, actor.workspaceId, id, { lock: ctx.dialect });
    const current = notMerged(found);
    // Checked on the row this transaction holds (a row lock on PostgreSQL; SQLite writes one at a time).
    if (patch.ifStatus !== undefined && current.status !== patch.ifStatus)
      throw new AppError(
        'conflict',
        `Case ${current.number} is ${current.status} now, not ${patch.ifStatus}`,
        {
          status: current.status,
        },
      );
    if (current.status === 'closed' && patch.status !== undefined && patch.status !== 'closed')
      throw new AppError(
        'conflict',
        `Case ${current.number} is closed and cannot be reopened; open a follow-up case`,
      );
    const now = ctx.now().toISOString();
    const set: Updateable<CasesTable> = {};
    const changes: Change[] = [];
    const change = (field: string, column: keyof CasesTable, from: unknown, to: unknown) => {
      if (to === undefined || from === to) return;
      (set as Record<string, unknown>)[column] = to;
      changes.push({ field, from, to });
    };
    change('subject', 'subject', current.subject, patch.subject);
    change('priority', 'priority', current.priority, patch.priority);
    change('type', 'type', current.type, patch.type);
    change('status', 'status', current.status, patch.status);
    if (patch.assigneeUserId) await checkAssignee(trx, actor.workspaceId, patch.assigneeUserId);
    change('assignee', 'assignee_user_id', current.assignee_user_id, patch.assigneeUserId);
    if (patch.teamId) await checkTeam(trx, actor.workspaceId, patch.teamId);
    change('team', 'team_id', current.team_id, patch.teamId);
    if (patch.customerId) await checkCustomer(trx, actor.workspaceId, patch.customerId);
    change('customer', 'customer_id', current.customer_id, patch.customerId);
    if (patch.tags !== undefined) change('tags', 'tags', current.tags, tagString(patch.tags));
    const status = patch.status ?? current.status;
    const done = status === 'solved' || status === 'closed';
    if (patch.snoozedUntil) {
      const until = Date.parse(patch.snoozedUntil);
      if (until <= ctx.now().getTime() || until > ctx.now().getTime() + 366 * 86_400_000)
        throw new AppError('validation_failed', 'Snooze until a later moment, within a year', {
          fields: [{ path: 'snoozedUntil', message: 'a later moment, within a year' }],
        });
      if (done)
        throw new AppError(
          'conflict',
          `Case ${current.number} is ${status}: only a case being worked can be snoozed`,
          {
            status,
          },
        );
    }
    // Solving or closing ends a snooze: the case is done, nothing is to come back.
    if (patch.snoozedUntil !== undefined)
      change(
        'snoozedUntil',
        'snoozed_until',
        current.snoozed_until,
        patch.snoozedUntil && new Date(patch.snoozedUntil).toISOString(),
      );
    else if (done) change('snoozedUntil', 'snoozed_until', current.snoozed_until, null);
    if (patch.customFields !== undefined) {
      const merged = {
        ...ctx.dialect.parseJson<Record<string, unknown>>(current.custom_fields),
        ...patch.customFields,
      };
      for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
      const before = JSON.stringify(ctx.dialect.parseJson(current.custom_fields));
      if (JSON.stringify(merged) !== before) {
        set.custom_fields = ctx.dialect.toJson(merged);
        changes.push({ field: 'customFields', from: JSON.parse(before), to: merged });
      }
    }
    if (changes.length === 0) return { row: current, sla: slaViews(clocks) };
    if (patch.status !== undefined && patch.status !== current.status)
      Object.assign(set, statusStamps(patch.status, now));
    set.updated_at = now;
    await trx.updateTable('cases').set(set).where('id', '=', id).execute();
    // The case as written, without reading it back (a status change is most of the agents' writes).
    const row = { ...current, ...set } as CaseRow;
    for (const c of changes) {
      await recordEvent(ctx, trx, {
        workspaceId: actor.workspaceId,
        recordType: CASE,
        recordId: id,
        kind: c.field === 'status' ? 'status_changed' : c.field === 'assignee' ? 'assigned' : 'updated',
        actorUserId: actor.userId,
        data: { field: c.field, from: c.from, to: c.to },
        summary: changeSummary(current.number, c),
      });
    }
    if (typeof patch.assigneeUserId === 'string')
      await addFollower(ctx, trx, actor.workspaceId, CASE, id, patch.assigneeUserId);
    const sla = await syncCaseSla(ctx, trx, actor.workspaceId, id, ctx.now(), { row, clocks });
    if (row.status === 'solved' && current.status !== 'solved')
      await surveyOnSolve(ctx, trx, actor.workspaceId, id, actor.userId);
    if (leftSolved(current.status, row.status))
      await withdrawHeldSurveys(ctx, trx, actor.workspaceId, id, actor.userId);
    return { row, sla };
  });
  return toCaseView(ctx, row, sla);
}
