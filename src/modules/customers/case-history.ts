import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CaseHistory } from './schema.ts';

/**
 * A customer's cases (merged-away ones left out, and `exceptCaseId` when given): how many are
 * open and in all, and the 5 latest by number. Two bounded reads through
 * `cases_customer_idx (workspace_id, customer_id, number)`, however many cases the person has.
 */
export async function caseHistoryOf(
  ctx: AppContext,
  workspaceId: string,
  customerId: string,
  exceptCaseId?: string,
): Promise<CaseHistory> {
  let theirs = ctx.db
    .selectFrom('cases')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('merged_into', 'is', null);
  if (exceptCaseId !== undefined) theirs = theirs.where('id', '!=', exceptCaseId);
  const [recent, counts] = await Promise.all([
    theirs
      .select(['id', 'number', 'subject', 'status', 'priority', 'type', 'updated_at'])
      .orderBy('number', 'desc')
      .limit(5)
      .execute(),
    theirs
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.count<number>(sql`case when status not in ('solved', 'closed') then 1 end`).as('open'),
      ])
      .executeTakeFirst(),
  ]);
  return {
    open: Number(counts?.open ?? 0),
    total: Number(counts?.total ?? 0),
    recent: recent.map((c) => ({
      id: c.id,
      number: Number(c.number),
      subject: c.subject,
      status: c.status,
      priority: c.priority,
      type: c.type,
      updatedAt: c.updated_at,
    })),
  };
}
