/**
 * Satisfaction surveys (CSAT, NPS) that close the loop: a solved case sends its customer a
 * survey (a reply on the case's channel, a private message, or a link agents share), the
 * customer answers on a public page, and the answer lands on the case's feed, the customer's
 * timeline and the survey's results.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError, isAppError } from '../../errors.ts';
import { newId, randomSecret } from '../../ids.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { withdrewConsent } from '../customers/service.ts';
import { cancelHeldRepliesIn, queueReplyIn } from '../inbox/replies.ts';
import { DAY_MS, type Db, type RequestRow, type SurveyRow, surveyLink, surveyRow } from './rows.ts';
import {
  type SurveyInput,
  type SurveyPatch,
  type SurveyRequestView,
  type SurveyView,
  surveyInput,
} from './schema.ts';

// For other modules, which call this module through its service.
export {
  answeredSurveysOf,
  answerSurvey,
  latestSurveyRatings,
  type PublicSurvey,
  publicSurvey,
} from './answers.ts';
export { surveyAnswers, surveyResults } from './results.ts';
export { surveyLink } from './rows.ts';

function toSurveyView(r: SurveyRow): SurveyView {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    question: r.question,
    commentPrompt: r.comment_prompt,
    trigger: r.trigger,
    delivery: r.delivery,
    cooldownDays: Number(r.cooldown_days),
    expiresDays: Number(r.expires_days),
    enabled: Number(r.enabled) === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Names are unique in a workspace (as teams' and views' are): checked before writing. */
async function checkNameFree(ctx: AppContext, workspaceId: string, name: string, except?: string) {
  let q = ctx.db
    .selectFrom('surveys')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('name', '=', name);
  if (except) q = q.where('id', '!=', except);
  if (await q.executeTakeFirst())
    throw new AppError('conflict', `A survey named "${name}" already exists`, {
      fields: [{ path: 'name', message: 'already used by another survey' }],
    });
}

/** The workspace's surveys, by name. */
export async function listSurveys(ctx: AppContext, actor: Actor): Promise<SurveyView[]> {
  requirePermission(actor, 'inbox:read');
  const rows = await ctx.db
    .selectFrom('surveys')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('name')
    .execute();
  return rows.map(toSurveyView);
}

export async function createSurvey(ctx: AppContext, actor: Actor, input: SurveyInput): Promise<SurveyView> {
  requirePermission(actor, 'inbox:configure');
  const parsed = surveyInput.parse(input);
  const now = ctx.now().toISOString();
  const row: SurveyRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: parsed.name,
    kind: parsed.kind,
    question: parsed.question,
    comment_prompt: parsed.commentPrompt ?? null,
    trigger: parsed.trigger,
    delivery: parsed.delivery,
    cooldown_days: parsed.cooldownDays,
    expires_days: parsed.expiresDays,
    enabled: parsed.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await checkNameFree(ctx, actor.workspaceId, parsed.name);
  await ctx.db.insertInto('surveys').values(row).execute();
  return toSurveyView(row);
}

export async function updateSurvey(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: SurveyPatch,
): Promise<SurveyView> {
  requirePermission(actor, 'inbox:configure');
  const current = await surveyRow(ctx.db, actor.workspaceId, id);
  const next: SurveyRow = {
    ...current,
    name: patch.name ?? current.name,
    kind: patch.kind ?? current.kind,
    question: patch.question ?? current.question,
    comment_prompt: patch.commentPrompt === undefined ? current.comment_prompt : patch.commentPrompt,
    trigger: patch.trigger ?? current.trigger,
    delivery: patch.delivery ?? current.delivery,
    cooldown_days: patch.cooldownDays ?? current.cooldown_days,
    expires_days: patch.expiresDays ?? current.expires_days,
    enabled: patch.enabled === undefined ? current.enabled : patch.enabled ? 1 : 0,
    updated_at: ctx.now().toISOString(),
  };
  if (next.kind !== current.kind) {
    // Scores of one scale mean nothing on the other: the kind is fixed once answers exist.
    const answered = await ctx.db
      .selectFrom('survey_requests')
      .select('id')
      .where('survey_id', '=', id)
      .where('answered_at', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    if (answered)
      throw new AppError(
        'conflict',
        'The survey has answers on its scale; create a new survey for another kind',
        {
          fields: [{ path: 'kind', message: 'fixed once the survey has answers' }],
        },
      );
  }
  if (next.name !== current.name) await checkNameFree(ctx, actor.workspaceId, next.name, id);
  await ctx.db
    .updateTable('surveys')
    .set({ ...next, id: undefined, workspace_id: undefined, created_at: undefined })
    .where('id', '=', id)
    .execute();
  return toSurveyView(next);
}

// ------------------------------------------------------------------ sending

/**
 * How long a survey queued because a case was solved waits in the outbox: a solve undone (or the
 * case reopened) within it withdraws the survey before the customer gets it.
 */
export const SOLVE_SURVEY_GRACE_MS = 30_000;

type CaseForSurvey = { id: string; number: number; customer_id: string };

/** Why the customer may not be asked (erased, or consent to research withdrawn), or null. */
async function mayNotAsk(db: Db, workspaceId: string, customerId: string): Promise<string | null> {
  const customer = await db
    .selectFrom('customers')
    .select('erased_at')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!customer || customer.erased_at !== null) return 'the customer was erased';
  // A satisfaction survey is research: not for a customer who withdrew consent to it.
  if (await withdrewConsent(db, workspaceId, customerId, 'research'))
    return 'the customer withdrew consent to research';
  return null;
}

/**
 * Makes a survey request for a case's customer and sends it as the survey says: a reply in the
 * case's thread, a private message, or nothing (link). A thread reply with no post to answer goes
 * privately instead. A message the outbox refuses (no post and no private channel, too long) leaves
 * the request unsent with the reason; the link still works.
 */
async function sendIn(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  survey: SurveyRow,
  c: CaseForSurvey,
  actorUserId: string | null,
  holdUntil?: Date,
): Promise<RequestRow> {
  const token = randomSecret(24);
  const now = ctx.now();
  const row: RequestRow = {
    id: newId(now),
    workspace_id: workspaceId,
    survey_id: survey.id,
    customer_id: c.customer_id,
    case_id: c.id,
    token,
    status: 'not_sent',
    delivery_error: null,
    reply_id: null,
    score: null,
    comment: null,
    answered_at: null,
    expires_at: new Date(now.getTime() + Number(survey.expires_days) * DAY_MS).toISOString(),
    created_at: now.toISOString(),
  };
  if (survey.delivery !== 'link') {
    const queue = (visibility: 'public' | 'private') =>
      queueReplyIn(
        ctx,
        trx,
        { workspaceId, userId: actorUserId },
        c.id,
        { body: `${survey.question} ${surveyLink(ctx, token)}`, visibility },
        holdUntil ? { holdUntil } : {},
      );
    const preferred = survey.delivery === 'private' ? 'private' : 'public';
    // Refusals are checked before the outbox writes anything, so the transaction goes on.
    const refusal = (err: unknown) => {
      if (!isAppError(err)) throw err;
      return err.message;
    };
    let reply: Awaited<ReturnType<typeof queue>>[number] | undefined;
    try {
      [reply] = await queue(preferred);
    } catch (err) {
      const why = refusal(err);
      // A case with no thread to answer in (made for a community question, or by hand) still
      // reaches its customer privately (their email) when there is a way to: better than no survey.
      if (preferred === 'public')
        try {
          [reply] = await queue('private');
        } catch (second) {
          row.delivery_error = `${why}; ${refusal(second)}`;
        }
      else row.delivery_error = why;
    }
    if (reply) {
      row.status = 'queued';
      row.reply_id = reply.id;
    }
  }
  await trx.insertInto('survey_requests').values(row).execute();
  // Only a message on its way is "sent"; a refused one says so, with the reason (the link still works).
  const refused = row.delivery_error !== null;
  await recordEvent(ctx, trx, {
    workspaceId,
    recordType: 'case',
    recordId: c.id,
    kind: refused ? 'survey_not_sent' : 'survey_sent',
    actorUserId,
    data: {
      requestId: row.id,
      surveyId: survey.id,
      delivery: survey.delivery,
      error: row.delivery_error,
      heldUntil: row.status === 'queued' && holdUntil ? holdUntil.toISOString() : null,
    },
    summary: refused
      ? `Survey "${survey.name}" not sent for case ${c.number}: ${row.delivery_error} (its link works)`
      : row.status === 'queued'
        ? holdUntil
          ? `Survey "${survey.name}" queued for case ${c.number}: it goes out at ${holdUntil.toISOString()} unless the case leaves solved`
          : `Survey "${survey.name}" sent for case ${c.number}`
        : `Survey "${survey.name}" made for case ${c.number} (link only)`,
  });
  return row;
}

/**
 * On a case just solved: sends the workspace's first enabled `case_solved` survey to the case's
 * customer, unless the case already has one, the customer was asked within the survey's
 * cooldown, or the customer withdrew consent to research (a withdrawn request counts for neither).
 * The message is held for SOLVE_SURVEY_GRACE_MS so that an undone solve can take it back
 * (`withdrawHeldSurveys`). Runs in the transaction that solved it.
 */
export async function surveyOnSolve(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  actorUserId: string | null,
): Promise<void> {
  const survey = await trx
    .selectFrom('surveys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .where('trigger', '=', 'case_solved')
    .orderBy('created_at')
    .executeTakeFirst();
  if (!survey) return;
  const c = await trx
    .selectFrom('cases')
    .select(['id', 'number', 'customer_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!c?.customer_id) return;
  const since = new Date(ctx.now().getTime() - Number(survey.cooldown_days) * DAY_MS).toISOString();
  // Two lookups, each on its own index (by case; by customer and time), not one `or` over the survey's requests.
  const requestsOfSurvey = () =>
    trx.selectFrom('survey_requests').where('survey_id', '=', survey.id).where('status', '!=', 'withdrawn');
  const asked = (q: ReturnType<typeof requestsOfSurvey>) => q.select('id').limit(1).executeTakeFirst();
  if (await asked(requestsOfSurvey().where('case_id', '=', c.id))) return;
  if (
    await asked(requestsOfSurvey().where('customer_id', '=', c.customer_id).where('created_at', '>', since))
  )
    return;
  if (await mayNotAsk(trx, workspaceId, c.customer_id)) return;
  await sendIn(
    ctx,
    trx,
    workspaceId,
    survey,
    { id: c.id, number: Number(c.number), customer_id: c.customer_id },
    actorUserId,
    new Date(ctx.now().getTime() + SOLVE_SURVEY_GRACE_MS),
  );
}

/**
 * On a case leaving `solved` for open, pending or on hold (reopened, or the solve undone): the
 * survey its solve queued and the outbox has not yet claimed is withdrawn, its reply cancelled, so
 * the customer is not asked about a case that was not done and the case can be surveyed when it is
 * solved again. A survey already claimed, sent, or sent by an agent (never held) is left alone.
 * Runs in the transaction that changed the status. Returns the requests withdrawn.
 */
export async function withdrawHeldSurveys(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  caseId: string,
  actorUserId: string | null,
): Promise<string[]> {
  const queued = await trx
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .innerJoin('cases', 'cases.id', 'survey_requests.case_id')
    .select(['survey_requests.id', 'survey_requests.reply_id', 'surveys.name', 'cases.number'])
    .where('survey_requests.workspace_id', '=', workspaceId)
    .where('survey_requests.case_id', '=', caseId)
    .where('survey_requests.status', '=', 'queued')
    .where('survey_requests.reply_id', 'is not', null)
    .execute();
  const cancelled = new Set(
    await cancelHeldRepliesIn(
      ctx,
      trx,
      workspaceId,
      queued.flatMap((r) => (r.reply_id ? [r.reply_id] : [])),
    ),
  );
  const withdrawn = queued.filter((r) => r.reply_id !== null && cancelled.has(r.reply_id));
  for (const r of withdrawn) {
    await trx.updateTable('survey_requests').set({ status: 'withdrawn' }).where('id', '=', r.id).execute();
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'case',
      recordId: caseId,
      kind: 'survey_withdrawn',
      actorUserId,
      data: { requestId: r.id },
      summary: `Survey "${r.name}" for case ${r.number} withdrawn before it was sent: the case left solved`,
    });
  }
  return withdrawn.map((r) => r.id);
}

/** Sends a survey for a case now (an agent's choice: no cooldown, but not twice while one is open). */
export async function sendCaseSurvey(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  input: { surveyId?: string | undefined },
): Promise<SurveyRequestView> {
  requirePermission(actor, 'inbox:work');
  const id = await ctx.db.transaction().execute(async (trx) => {
    const c = await trx
      .selectFrom('cases')
      .select(['id', 'number', 'customer_id', 'merged_into'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', caseId)
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', `No case ${caseId}`);
    if (c.merged_into !== null)
      throw new AppError('conflict', `Case ${c.number} was merged into another case`);
    if (!c.customer_id)
      throw new AppError('conflict', `Case ${c.number} has no customer to ask; link one first`);
    const survey = input.surveyId
      ? await surveyRow(trx, actor.workspaceId, input.surveyId)
      : await trx
          .selectFrom('surveys')
          .selectAll()
          .where('workspace_id', '=', actor.workspaceId)
          .where('enabled', '=', 1)
          .orderBy('created_at')
          .executeTakeFirst();
    const refusal = await mayNotAsk(trx, actor.workspaceId, c.customer_id);
    if (refusal) throw new AppError('conflict', `Case ${c.number} cannot be surveyed: ${refusal}`);
    if (!survey) throw new AppError('conflict', 'No survey is enabled; create one in Settings → Surveys');
    if (Number(survey.enabled) !== 1) throw new AppError('conflict', `Survey "${survey.name}" is disabled`);
    const open = await trx
      .selectFrom('survey_requests')
      .select('id')
      .where('survey_id', '=', survey.id)
      .where('case_id', '=', c.id)
      .where('status', '!=', 'withdrawn')
      .where('answered_at', 'is', null)
      .where('expires_at', '>', ctx.now().toISOString())
      .executeTakeFirst();
    if (open)
      throw new AppError(
        'conflict',
        `Survey "${survey.name}" was already sent for case ${c.number} and awaits an answer`,
      );
    const row = await sendIn(
      ctx,
      trx,
      actor.workspaceId,
      survey,
      { id: c.id, number: Number(c.number), customer_id: c.customer_id },
      actor.userId,
    );
    return row.id;
  });
  const [view] = await requestViews(ctx, actor.workspaceId, (q) => q.where('survey_requests.id', '=', id));
  if (!view) throw new AppError('not_found', `No survey request ${id}`);
  return view;
}

// ------------------------------------------------------------------ reading requests

function requestStatus(
  r: { answered_at: string | null; expires_at: string; status: string },
  replyStatus: string | null,
  now: Date,
): SurveyRequestView['status'] {
  if (r.answered_at !== null) return 'answered';
  if (r.status === 'withdrawn') return 'withdrawn';
  if (r.expires_at <= now.toISOString()) return 'expired';
  if (r.status === 'queued')
    return replyStatus === 'sent' ? 'sent' : replyStatus === 'failed' ? 'not_sent' : 'queued';
  return 'not_sent';
}

function requestQuery(db: Db, workspaceId: string) {
  return db
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .leftJoin('cases', 'cases.id', 'survey_requests.case_id')
    .leftJoin('outbox_replies', 'outbox_replies.id', 'survey_requests.reply_id')
    .selectAll('survey_requests')
    .select([
      'surveys.name as survey_name',
      'surveys.kind',
      'cases.number as case_number',
      'outbox_replies.status as reply_status',
      'outbox_replies.last_error as reply_error',
      'outbox_replies.attempts as reply_attempts',
      'outbox_replies.next_attempt_at as reply_due_at',
    ])
    .where('survey_requests.workspace_id', '=', workspaceId);
}

type RequestQuery = ReturnType<typeof requestQuery>;

async function requestViews(
  ctx: AppContext,
  workspaceId: string,
  narrow: (q: RequestQuery) => RequestQuery,
): Promise<SurveyRequestView[]> {
  const rows = await narrow(requestQuery(ctx.db, workspaceId)).execute();
  const now = ctx.now();
  const held = (r: (typeof rows)[number]) =>
    r.status === 'queued' &&
    r.reply_status === 'queued' &&
    Number(r.reply_attempts) === 0 &&
    r.reply_due_at !== null &&
    r.reply_due_at > now.toISOString()
      ? r.reply_due_at
      : null;
  return rows.map((r) => ({
    id: r.id,
    surveyId: r.survey_id,
    surveyName: r.survey_name,
    kind: r.kind,
    caseId: r.case_id,
    caseNumber: r.case_number === null ? null : Number(r.case_number),
    customerId: r.customer_id,
    link: surveyLink(ctx, r.token),
    status: requestStatus(r, r.reply_status, now),
    heldUntil: held(r),
    deliveryError: r.delivery_error ?? (r.reply_status === 'failed' ? r.reply_error : null),
    score: r.score === null ? null : Number(r.score),
    comment: r.comment,
    answeredAt: r.answered_at,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  }));
}

/** A case's survey requests, newest first. */
export async function caseSurveys(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
): Promise<SurveyRequestView[]> {
  requirePermission(actor, 'inbox:read');
  const c = await ctx.db
    .selectFrom('cases')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!c) throw new AppError('not_found', `No case ${caseId}`);
  return requestViews(ctx, actor.workspaceId, (q) =>
    q.where('survey_requests.case_id', '=', caseId).orderBy('survey_requests.created_at', 'desc'),
  );
}
