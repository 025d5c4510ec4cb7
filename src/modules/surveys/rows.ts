/** What the surveys module's files share: row types, the answer link, a survey by id. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, SurveyRequestsTable, SurveysTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

export type Db = Kysely<DB> | Transaction<DB>;
export type SurveyRow = Selectable<SurveysTable>;
export type RequestRow = Selectable<SurveyRequestsTable>;

export const DAY_MS = 24 * 3600 * 1000;

/** The public page that takes the answer. */
export const surveyLink = (ctx: AppContext, token: string) => `${ctx.config.publicUrl}/survey/${token}`;

export async function surveyRow(db: Db, workspaceId: string, id: string): Promise<SurveyRow> {
  const row = await db
    .selectFrom('surveys')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No survey ${id}`);
  return row;
}
