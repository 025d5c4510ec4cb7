/**
 * Consent per customer by purpose and channel. Append-only: recording a change adds a row, so
 * the history is kept as it happened; the current state is the latest row per purpose and
 * channel. A merge moves the rows with the person and may add a withdrawal, both undone by
 * unmerge. Kept after an erasure as a pseudonymous record (see docs/customers.md, Privacy).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { CustomerConsentsTable, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { ConsentInput, ConsentView } from './schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

function toConsentView(r: Selectable<CustomerConsentsTable>): ConsentView {
  return {
    id: Number(r.id),
    purpose: r.purpose,
    channel: r.channel,
    status: r.status,
    source: r.source,
    recordedBy: r.recorded_by,
    recordedAt: r.recorded_at,
  };
}

/** Every consent change of a customer, oldest first. */
export async function consentHistory(
  db: Db,
  workspaceId: string,
  customerId: string,
): Promise<ConsentView[]> {
  const rows = await db
    .selectFrom('customer_consents')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .orderBy('id')
    .execute();
  return rows.map(toConsentView);
}

/** The latest change per purpose and channel, ordered by purpose then channel. */
export function currentConsents(history: ConsentView[]): ConsentView[] {
  const latest = new Map<string, ConsentView>();
  for (const c of history) latest.set(`${c.purpose}\u0000${c.channel}`, c);
  return [...latest.values()].sort((a, b) =>
    a.purpose === b.purpose ? a.channel.localeCompare(b.channel) : a.purpose.localeCompare(b.purpose),
  );
}

/** Whether the customer's current consent to `purpose` is withdrawn (on any channel). */
export async function withdrewConsent(
  db: Db,
  workspaceId: string,
  customerId: string,
  purpose: ConsentView['purpose'],
): Promise<boolean> {
  return currentConsents(await consentHistory(db, workspaceId, customerId)).some(
    (c) => c.purpose === purpose && c.status === 'withdrawn',
  );
}

/** Whether the current consents grant `purpose` (on any channel). */
export function consentsTo(current: ConsentView[], purpose: ConsentView['purpose']): boolean {
  return current.some((c) => c.purpose === purpose && c.status === 'granted');
}

/**
 * Whether agents may see what was collected about the person rather than published by them
 * (behaviour events): only with a granted `profiling` consent. docs/customers.md, Privacy.
 */
export async function mayShowBehaviour(db: Db, workspaceId: string, customerId: string): Promise<boolean> {
  return consentsTo(currentConsents(await consentHistory(db, workspaceId, customerId)), 'profiling');
}

/** The current consent state of a customer (for the profile). */
export async function customerConsents(ctx: AppContext, workspaceId: string, customerId: string) {
  return currentConsents(await consentHistory(ctx.db, workspaceId, customerId));
}

async function consentTarget(db: Db, workspaceId: string, customerId: string) {
  const row = await db
    .selectFrom('customers')
    .select(['id', 'merged_into'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${customerId}`);
  if (row.merged_into !== null)
    throw new AppError('not_found', `Customer ${customerId} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
  return row;
}

/** A customer's consents: the current state per purpose and channel, and the whole history. */
export async function listConsents(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
): Promise<{ current: ConsentView[]; history: ConsentView[] }> {
  requirePermission(actor, 'customers:read');
  await consentTarget(ctx.db, actor.workspaceId, customerId);
  const history = await consentHistory(ctx.db, actor.workspaceId, customerId);
  return { current: currentConsents(history), history };
}

/** Records a consent change (granted or withdrawn) as a new row, audited. */
export async function recordConsent(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  input: ConsentInput,
): Promise<ConsentView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute(async (trx) => {
    await consentTarget(trx, actor.workspaceId, customerId);
    const row = await trx
      .insertInto('customer_consents')
      .values({
        workspace_id: actor.workspaceId,
        customer_id: customerId,
        purpose: input.purpose,
        channel: input.channel,
        status: input.status,
        source: input.source ?? null,
        recorded_by: actor.userId,
        recorded_at: ctx.now().toISOString(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'customer.consent',
      targetType: 'customer',
      targetId: customerId,
      details: { purpose: input.purpose, channel: input.channel, status: input.status },
    });
    return toConsentView(row);
  });
}

const keyOf = (c: { purpose: string; channel: string }) => `${c.purpose}\u0000${c.channel}`;

/** What a merge did to consent rows, kept in its snapshot so that unmerge can take it back. */
export type CarriedConsents = {
  /** The `from` customer's rows, moved to `into` (its history travels with the person). */
  consentIds: number[];
  /** Withdrawals the merge appended on `into` where the combined latest row was a grant. */
  consentWithdrawalsAdded: number[];
};

/**
 * A merge's consent: `from`'s rows move to `into` and, per purpose and channel, a withdrawal on
 * either side wins over a grant on the other, however recent the grant. A merge claims two
 * profiles are one person on evidence that may be wrong, and the workspace must be able to show
 * consent for what it does (GDPR art. 7(1)): a grant given on one profile cannot override what
 * was withdrawn on the other. Where the latest row after the move is a grant but either side had
 * withdrawn, a withdrawal is appended (recorded by the merge's actor, now). The person can grant
 * again on the merged profile; that newer row then governs.
 */
export async function carryConsents(
  trx: Transaction<DB>,
  workspaceId: string,
  fromId: string,
  intoId: string,
  actorUserId: string | null,
  now: string,
): Promise<CarriedConsents> {
  const fromHistory = await consentHistory(trx, workspaceId, fromId);
  if (fromHistory.length === 0) return { consentIds: [], consentWithdrawalsAdded: [] };
  const intoCurrent = currentConsents(await consentHistory(trx, workspaceId, intoId));
  const fromCurrent = currentConsents(fromHistory);
  const consentIds = fromHistory.map((c) => c.id);
  for (const part of chunks(consentIds))
    await trx
      .updateTable('customer_consents')
      .set({ customer_id: intoId })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', fromId)
      .where('id', 'in', part)
      .execute();
  const withdrawn = new Map(
    [...intoCurrent, ...fromCurrent].filter((c) => c.status === 'withdrawn').map((c) => [keyOf(c), c]),
  );
  const consentWithdrawalsAdded: number[] = [];
  for (const latest of currentConsents(await consentHistory(trx, workspaceId, intoId))) {
    const kept = withdrawn.get(keyOf(latest));
    if (latest.status !== 'granted' || !kept) continue;
    const row = await trx
      .insertInto('customer_consents')
      .values({
        workspace_id: workspaceId,
        customer_id: intoId,
        purpose: kept.purpose,
        channel: kept.channel,
        status: 'withdrawn',
        source:
          kept.source === null ? 'withdrawal kept by a merge' : `withdrawal kept by a merge (${kept.source})`,
        recorded_by: actorUserId,
        recorded_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    consentWithdrawalsAdded.push(Number(row.id));
  }
  return { consentIds, consentWithdrawalsAdded };
}

/**
 * Takes back what `carryConsents` did: `from`'s rows return, and each withdrawal the merge added
 * is removed while it is still the latest row of its purpose and channel (so `into` is back to
 * its own latest decision). Once someone recorded a newer decision on `into`, that decision
 * governs and the added row stays as the history before it. Merges made before consents were
 * carried have no lists and change nothing.
 */
export async function returnConsents(
  trx: Transaction<DB>,
  workspaceId: string,
  intoId: string,
  fromId: string,
  carried: Partial<CarriedConsents>,
): Promise<void> {
  for (const part of chunks(carried.consentIds ?? []))
    await trx
      .updateTable('customer_consents')
      .set({ customer_id: fromId })
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', intoId)
      .where('id', 'in', part)
      .execute();
  const added = new Set(carried.consentWithdrawalsAdded ?? []);
  if (added.size === 0) return;
  const stale = currentConsents(await consentHistory(trx, workspaceId, intoId))
    .filter((c) => added.has(c.id))
    .map((c) => c.id);
  if (stale.length > 0)
    await trx
      .deleteFrom('customer_consents')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', intoId)
      .where('id', 'in', stale)
      .execute();
}
