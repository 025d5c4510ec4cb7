/**
 * SQL of the transactional and behaviour bins that the customers service needs too (profile,
 * timeline, merge and unmerge). The use cases themselves are in activity.ts.
 */
import { type Kysely, type RawBuilder, type Selectable, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CustomerEventsTable, CustomerTransactionsTable, DB } from '../../db/schema.ts';
import type { EventsBin, EventView, TransactionsBin, TransactionView } from './activity-schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

export function toTransactionView(
  ctx: AppContext,
  r: Selectable<CustomerTransactionsTable>,
): TransactionView {
  return {
    id: r.id,
    customerId: r.customer_id,
    externalId: r.external_id,
    kind: r.kind,
    status: r.status,
    amountMinor: Number(r.amount_minor),
    currency: r.currency,
    description: r.description,
    occurredAt: r.occurred_at,
    properties: ctx.dialect.parseJson<Record<string, unknown>>(r.properties),
    source: r.source,
    createdAt: r.created_at,
  };
}

export function toEventView(ctx: AppContext, r: Selectable<CustomerEventsTable>): EventView {
  return {
    id: r.id,
    customerId: r.customer_id,
    name: r.name,
    occurredAt: r.occurred_at,
    properties: ctx.dialect.parseJson<Record<string, unknown>>(r.properties),
    identity: { kind: r.identity_kind, value: r.identity_value },
    createdAt: r.created_at,
  };
}

/** The tables whose rows point at a customer directly, and the snapshot field listing the ones a merge moved. */
const carriedTables = [
  ['customer_transactions', 'transactionIds'],
  ['customer_events', 'eventIds'],
  ['cases', 'caseIds'],
  ['conversations', 'conversationIds'],
  ['leads', 'leadIds'],
  ['opportunities', 'opportunityIds'],
  ['survey_requests', 'surveyRequestIds'],
] as const;
type Carried = Partial<Record<(typeof carriedTables)[number][1], string[]>>;

/**
 * Moves what points at `from` directly (transactions, events, cases, conversations, leads,
 * opportunities, survey requests) onto `into`
 * (a merge), returning the ids moved so that an unmerge can put exactly those back.
 */
export async function carryActivity(
  trx: Transaction<DB>,
  workspaceId: string,
  fromId: string,
  intoId: string,
): Promise<Required<Carried>> {
  const moved: Carried = {};
  for (const [table, field] of carriedTables) {
    moved[field] = (
      await trx
        .selectFrom(table)
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', fromId)
        .orderBy('id')
        .execute()
    ).map((r) => r.id);
    await trx
      .updateTable(table)
      .set({ customer_id: intoId })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', fromId)
      .execute();
  }
  return moved as Required<Carried>;
}

/**
 * Puts what a merge carried back on `fromId` (an unmerge). Merges made before a table existed
 * have no list for it, and move nothing of it.
 */
export async function returnActivity(
  trx: Transaction<DB>,
  workspaceId: string,
  intoId: string,
  fromId: string,
  carried: Carried,
): Promise<void> {
  for (const [table, field] of carriedTables) {
    const ids = carried[field] ?? [];
    for (let i = 0; i < ids.length; i += 400)
      await trx
        .updateTable(table)
        .set({ customer_id: fromId })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', intoId)
        .where('id', 'in', ids.slice(i, i + 400))
        .execute();
  }
}

/** Count, net totals per currency (refunds subtract) and the 5 latest transactions. */
export async function transactionsBin(ctx: AppContext, db: Db, workspaceId: string, customerId: string) {
  const mine = () =>
    db
      .selectFrom('customer_transactions')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId);
  const totals = await mine()
    .select((eb) => [
      'currency',
      eb.fn.countAll<number>().as('n'),
      sql<number>`sum(case when kind = 'refund' then -abs(amount_minor) else amount_minor end)`.as('total'),
    ])
    .groupBy('currency')
    .orderBy('currency')
    .execute();
  const last = await mine()
    .selectAll()
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(5)
    .execute();
  const bin: TransactionsBin = {
    count: totals.reduce((n, t) => n + Number(t.n), 0),
    totalsByCurrency: totals.map((t) => ({ currency: t.currency, amountMinor: Number(t.total) })),
    last: last.map((r) => toTransactionView(ctx, r)),
  };
  return bin;
}

/** Count and the 10 most frequent event names with their latest time. */
export async function eventsBin(db: Db, workspaceId: string, customerId: string): Promise<EventsBin> {
  const rows = await db
    .selectFrom('customer_events')
    .select((eb) => ['name', eb.fn.countAll<number>().as('n'), eb.fn.max('occurred_at').as('last')])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .groupBy('name')
    .execute();
  const byName = rows
    .map((r) => ({ name: r.name, count: Number(r.n), lastAt: String(r.last) }))
    .sort((a, b) => b.count - a.count || (a.lastAt < b.lastAt ? 1 : -1));
  return { count: byName.reduce((n, r) => n + r.count, 0), byName: byName.slice(0, 10), withheld: false };
}

/** Timeline rows of one customer: newest first from the cursor condition `after`, at most `n`. */
export async function activityTimelineRows(
  db: Db,
  workspaceId: string,
  customerId: string,
  after: { transaction: RawBuilder<boolean>; event: RawBuilder<boolean> },
  n: number,
) {
  const transactions = await db
    .selectFrom('customer_transactions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where(after.transaction)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  const events = await db
    .selectFrom('customer_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where(after.event)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  return { transactions, events };
}

/** "€12.50" for 1250 EUR: the one place amounts are formatted for people. */
export function formatAmount(amountMinor: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(amountMinor / 10 ** digits);
}
