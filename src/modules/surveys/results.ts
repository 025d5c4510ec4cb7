/** A survey's results and answers, for the people who run it. */
import type { AppContext } from '../../context.ts';
import { decodeKeyCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { DAY_MS, surveyRow } from './rows.ts';
import { type SurveyAnswerView, type SurveyResults, scaleOf } from './schema.ts';

/** Sent, answered, average, distribution and CSAT or NPS over the last `days` days. */
export async function surveyResults(
  ctx: AppContext,
  actor: Actor,
  id: string,
  days: number,
): Promise<SurveyResults> {
  requirePermission(actor, 'inbox:read');
  const survey = await surveyRow(ctx.db, actor.workspaceId, id);
  const since = new Date(ctx.now().getTime() - days * DAY_MS).toISOString();
  const mine = () =>
    ctx.db
      .selectFrom('survey_requests')
      .where('workspace_id', '=', actor.workspaceId)
      .where('survey_id', '=', id)
      .where('status', '!=', 'withdrawn')
      .where('created_at', '>=', since);
  const [sent, scores] = await Promise.all([
    mine()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
    mine()
      .where('answered_at', 'is not', null)
      .select(['score', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('score')
      .execute(),
  ]);
  const { min, max } = scaleOf[survey.kind];
  const counts = new Map(scores.map((s) => [Number(s.score), Number(s.n)]));
  const distribution: { score: number; count: number }[] = [];
  for (let score = min; score <= max; score++) distribution.push({ score, count: counts.get(score) ?? 0 });
  const answered = distribution.reduce((n, d) => n + d.count, 0);
  const share = (keep: (score: number) => boolean) =>
    distribution.filter((d) => keep(d.score)).reduce((n, d) => n + d.count, 0) / answered;
  const total = Number(sent.n);
  return {
    surveyId: id,
    kind: survey.kind,
    days,
    sent: total,
    answered,
    responseRate: total === 0 ? null : answered / total,
    average: answered === 0 ? null : distribution.reduce((n, d) => n + d.score * d.count, 0) / answered,
    distribution,
    csat: survey.kind === 'csat' && answered > 0 ? share((s) => s >= 4) : null,
    nps:
      survey.kind === 'nps' && answered > 0
        ? Math.round(100 * (share((s) => s >= 9) - share((s) => s <= 6)))
        : null,
  };
}

/** A survey's answers, newest first (keyset on answer time and request id). */
export async function surveyAnswers(
  ctx: AppContext,
  actor: Actor,
  id: string,
  page: PageQuery,
): Promise<Page<SurveyAnswerView>> {
  requirePermission(actor, 'inbox:read');
  await surveyRow(ctx.db, actor.workspaceId, id);
  let q = ctx.db
    .selectFrom('survey_requests')
    .leftJoin('customers', 'customers.id', 'survey_requests.customer_id')
    .leftJoin('cases', 'cases.id', 'survey_requests.case_id')
    .select([
      'survey_requests.id',
      'survey_requests.customer_id',
      'customers.display_name',
      'survey_requests.case_id',
      'cases.number',
      'survey_requests.score',
      'survey_requests.comment',
      'survey_requests.answered_at',
    ])
    .where('survey_requests.workspace_id', '=', actor.workspaceId)
    .where('survey_requests.survey_id', '=', id)
    .where('survey_requests.answered_at', 'is not', null);
  if (page.cursor) {
    const [at, key] = decodeKeyCursor(
      page.cursor,
      (k): k is [string, string] => k.length === 2 && typeof k[0] === 'string' && typeof k[1] === 'string',
    );
    q = q.where((eb) =>
      eb.or([
        eb('survey_requests.answered_at', '<', at),
        eb.and([eb('survey_requests.answered_at', '=', at), eb('survey_requests.id', '<', key)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('survey_requests.answered_at', 'desc')
    .orderBy('survey_requests.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => [r.answered_at ?? '', r.id],
    (r) => ({
      requestId: r.id,
      customerId: r.customer_id,
      customerName: r.display_name,
      caseId: r.case_id,
      caseNumber: r.number === null ? null : Number(r.number),
      score: Number(r.score),
      comment: r.comment,
      answeredAt: r.answered_at ?? '',
    }),
  );
}
