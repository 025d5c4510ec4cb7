/**
 * The customer's side of a survey (the answer through the link), and what other modules read of
 * the answers (the customer timeline, rules on cases).
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { recordEvent } from '../collaboration/feed.ts';
import type { Db, SurveyRow } from './rows.ts';
import { ratingOf, type SurveyRating, scaleOf } from './schema.ts';

export type PublicSurvey = {
  workspaceName: string;
  name: string;
  kind: SurveyRow['kind'];
  question: string;
  commentPrompt: string | null;
  scale: { min: number; max: number };
  score: number | null;
  comment: string | null;
  expired: boolean;
};

async function requestByToken(db: Db, token: string) {
  // Tokens are 32 URL-safe characters; anything else is not looked up at all.
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
  return db
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .innerJoin('workspaces', 'workspaces.id', 'survey_requests.workspace_id')
    .selectAll('survey_requests')
    .select([
      'surveys.name as survey_name',
      'surveys.kind',
      'surveys.question',
      'surveys.comment_prompt',
      'workspaces.name as workspace_name',
    ])
    .where('survey_requests.token', '=', token)
    .executeTakeFirst();
}

const linkNotFound = () => new AppError('not_found', 'This survey link is not valid');

/** What the public page shows for a link. */
export async function publicSurvey(ctx: AppContext, token: string): Promise<PublicSurvey> {
  const r = await requestByToken(ctx.db, token);
  // A withdrawn survey was never sent: its link is not one the customer has.
  if (!r || r.status === 'withdrawn') throw linkNotFound();
  return {
    workspaceName: r.workspace_name,
    name: r.survey_name,
    kind: r.kind,
    question: r.question,
    commentPrompt: r.comment_prompt,
    scale: scaleOf[r.kind],
    score: r.score === null ? null : Number(r.score),
    comment: r.comment,
    expired: r.expires_at <= ctx.now().toISOString(),
  };
}

/**
 * The customer's answer through the link: a score on the survey's scale and an optional comment.
 * They may change it until the link expires; each answer goes on the case's and the customer's
 * feeds (a low score notifies whoever follows the case).
 */
export async function answerSurvey(
  ctx: AppContext,
  token: string,
  input: { score: number; comment: string | null },
): Promise<PublicSurvey> {
  await ctx.db.transaction().execute(async (trx) => {
    const r = await requestByToken(trx, token);
    if (!r || r.status === 'withdrawn') throw linkNotFound();
    if (r.expires_at <= ctx.now().toISOString())
      throw new AppError('conflict', 'This survey has closed: the link has expired');
    const { min, max } = scaleOf[r.kind];
    if (!Number.isInteger(input.score) || input.score < min || input.score > max)
      throw new AppError('validation_failed', `Choose a score from ${min} to ${max}`, {
        fields: [{ path: 'score', message: `an integer from ${min} to ${max}` }],
      });
    const now = ctx.now().toISOString();
    await trx
      .updateTable('survey_requests')
      .set({ score: input.score, comment: input.comment, answered_at: now, status: 'answered' })
      .where('id', '=', r.id)
      .execute();
    const rating = ratingOf(r.kind, input.score);
    const low = rating === 'unhappy';
    const summary = `${r.answered_at ? 'Changed answer' : 'Answered'} "${r.survey_name}": ${input.score} / ${max}${low ? ' (unhappy)' : ''}`;
    const data = { requestId: r.id, surveyId: r.survey_id, score: input.score, scaleMax: max, rating, low };
    for (const [recordType, recordId] of [
      ['case', r.case_id],
      ['customer', r.customer_id],
    ] as const)
      if (recordId)
        await recordEvent(ctx, trx, {
          workspaceId: r.workspace_id,
          recordType,
          recordId,
          kind: 'survey_answered',
          actorUserId: null,
          data,
          summary,
        });
  });
  return publicSurvey(ctx, token);
}

// ------------------------------------------------------------------ for other modules

/** The rating of each case's latest answered survey, for rules on cases: one query per batch. */
export async function latestSurveyRatings(
  db: Db,
  workspaceId: string,
  caseIds: string[],
): Promise<Map<string, SurveyRating>> {
  const ratings = new Map<string, SurveyRating>();
  if (caseIds.length === 0) return ratings;
  const rows = await db
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .select([
      'survey_requests.case_id',
      'survey_requests.score',
      'survey_requests.answered_at',
      'surveys.kind',
    ])
    .where('survey_requests.workspace_id', '=', workspaceId)
    .where('survey_requests.case_id', 'in', caseIds)
    .where('survey_requests.answered_at', 'is not', null)
    .execute();
  const latest = new Map<string, string>();
  for (const r of rows) {
    if (!r.case_id || r.answered_at === null) continue;
    if ((latest.get(r.case_id) ?? '') > r.answered_at) continue;
    latest.set(r.case_id, r.answered_at);
    ratings.set(r.case_id, ratingOf(r.kind, Number(r.score)));
  }
  return ratings;
}

/** A customer's answered surveys for the timeline, newest first, after the timeline's cursor. */
export function answeredSurveysOf(db: Db, workspaceId: string, customerId: string) {
  return db
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .leftJoin('cases', 'cases.id', 'survey_requests.case_id')
    .select([
      'survey_requests.id',
      'survey_requests.survey_id',
      'surveys.name',
      'surveys.kind',
      'survey_requests.score',
      'survey_requests.comment',
      'survey_requests.case_id',
      'cases.number as case_number',
      sql<string>`survey_requests.answered_at`.as('at'),
    ])
    .where('survey_requests.workspace_id', '=', workspaceId)
    .where('survey_requests.customer_id', '=', customerId)
    .where('survey_requests.answered_at', 'is not', null);
}
