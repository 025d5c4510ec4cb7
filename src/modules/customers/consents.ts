/**
 * Consent per customer by purpose and channel. Append-only: recording a change adds a row, so
 * the history is kept as it happened; the current state is the latest row per purpose and
 * channel. Kept after an erasure as a pseudonymous record (see docs/customers.md, Privacy).
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
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
