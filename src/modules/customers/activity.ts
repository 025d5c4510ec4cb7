/**
 * The transactional and behaviour bins of a customer: transactions posted by other systems or
 * imported from CSV (idempotent on the sender's external id), and behaviour events keyed by any
 * identity the sender knows (an email, a social account, a customer id).
 */
import { type Kysely, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError, isAppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeKeyCursor, encodeKeyCursor, type Page, type PageQuery } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { toEventView, toTransactionView } from './activity-queries.ts';
import type { EventInput, EventView, TransactionInput, TransactionView } from './activity-schema.ts';
import { mayShowBehaviour } from './consents.ts';
import { suggestFromPendingCrossReferences } from './cross-reference-suggestions.ts';
import { normalizeEmail } from './rules.ts';

type Db = Kysely<DB> | Transaction<DB>;

/**
 * Refuses a write about an erased customer: like PATCH, identities and merge (409), since the
 * profile is read-only and anything attached to it now would be personal data the erasure missed.
 */
function erasedCustomer(id: string, erasedAt: string): AppError {
  return new AppError(
    'conflict',
    `Customer ${id} was erased and cannot be changed: no transaction or event is recorded for them`,
    { erasedAt },
  );
}

/** The live customer `id` stands for: itself, or whoever absorbed it through merges. */
async function survivorOf(
  db: Db,
  workspaceId: string,
  id: string,
): Promise<{ id: string; erased_at: string | null } | null> {
  let current = id;
  for (let hops = 0; hops < 50; hops++) {
    const row = await db
      .selectFrom('customers')
      .select(['id', 'merged_into', 'erased_at'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', current)
      .executeTakeFirst();
    if (!row) return null;
    if (row.merged_into === null) return row;
    current = row.merged_into;
  }
  return null;
}

async function liveCustomer(db: Db, workspaceId: string, id: string) {
  const row = await db
    .selectFrom('customers')
    .select(['id', 'merged_into', 'erased_at'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${id}`);
  if (row.merged_into !== null)
    throw new AppError('not_found', `Customer ${id} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
  return row;
}

async function liveCustomerId(db: Db, workspaceId: string, id: string): Promise<string> {
  return (await liveCustomer(db, workspaceId, id)).id;
}

/**
 * The customer that owns an email identity, or a new one made for it (source `api` or
 * `import`, unverified: an address a system sent proves nothing about ownership). A conflict
 * when the owner was erased (an erasure deletes identities, so only a write racing it meets one).
 */
export async function customerForEmail(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  email: string,
  source: 'api' | 'import',
): Promise<{ customerId: string; created: boolean }> {
  const value = normalizeEmail(email);
  const existing = await trx
    .selectFrom('identities')
    .innerJoin('customers', 'customers.id', 'identities.customer_id')
    .select(['identities.customer_id', 'customers.erased_at'])
    .where('identities.workspace_id', '=', workspaceId)
    .where('identities.kind', '=', 'email')
    .where('identities.channel', '=', 'email')
    .where('identities.external_id', '=', value)
    .executeTakeFirst();
  if (existing?.erased_at) throw erasedCustomer(existing.customer_id, existing.erased_at);
  if (existing) return { customerId: existing.customer_id, created: false };
  const now = ctx.now().toISOString();
  const customerId = newId(ctx.now());
  await trx
    .insertInto('customers')
    .values({
      id: customerId,
      workspace_id: workspaceId,
      display_name: value,
      primary_email: value,
      avatar_url: null,
      bio: null,
      attributes: ctx.dialect.toJson({}),
      merged_into: null,
      website_domain: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  await trx
    .insertInto('identities')
    .values({
      id: newId(ctx.now()),
      workspace_id: workspaceId,
      customer_id: customerId,
      kind: 'email',
      channel: 'email',
      external_id: value,
      handle: value,
      handle_key: null,
      author_id: null,
      verified: 0,
      source,
      created_at: now,
    })
    .execute();
  await suggestFromPendingCrossReferences(ctx, trx, workspaceId, { emails: [value] });
  return { customerId, created: true };
}

/**
 * Stores a transaction unless one with the same external id exists in the workspace; returns
 * the stored one and whether it is new. Runs inside the caller's transaction (API and import).
 */
export async function storeTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  customerId: string,
  input: TransactionInput,
  source: 'api' | 'import',
): Promise<{ transaction: TransactionView; created: boolean }> {
  const existing = async () =>
    input.externalId === undefined
      ? undefined
      : trx
          .selectFrom('customer_transactions')
          .selectAll()
          .where('workspace_id', '=', workspaceId)
          .where('external_id', '=', input.externalId)
          .executeTakeFirst();
  const before = await existing();
  if (before) return { transaction: toTransactionView(ctx, before), created: false };
  const row = {
    id: newId(ctx.now()),
    workspace_id: workspaceId,
    customer_id: customerId,
    external_id: input.externalId ?? null,
    kind: input.kind,
    status: input.status,
    amount_minor: input.amountMinor,
    currency: input.currency,
    description: input.description ?? null,
    occurred_at: input.occurredAt,
    properties: ctx.dialect.toJson(input.properties),
    source,
    created_at: ctx.now().toISOString(),
  };
  // A concurrent post of the same external id loses the race quietly and returns the winner.
  await trx
    .insertInto('customer_transactions')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).doNothing())
    .execute();
  const winner = await existing();
  if (winner && winner.id !== row.id) return { transaction: toTransactionView(ctx, winner), created: false };
  return { transaction: toTransactionView(ctx, row), created: true };
}

/** POST /customers/{id}/transactions: 201 when new, 200 with the existing one on a repeated external id. */
export async function addTransaction(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  input: TransactionInput,
): Promise<{ transaction: TransactionView; created: boolean }> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const customer = await liveCustomer(trx, actor.workspaceId, customerId);
    if (customer.erased_at !== null) throw erasedCustomer(customerId, customer.erased_at);
    return storeTransaction(ctx, trx, actor.workspaceId, customerId, input, 'api');
  });
}

type TimeKey = [at: string, id: string];

const isTimeKey = (k: unknown[]): k is TimeKey =>
  k.length === 2 && typeof k[0] === 'string' && !Number.isNaN(Date.parse(k[0])) && typeof k[1] === 'string';

function timeCursor(cursor: string | undefined): TimeKey | undefined {
  return cursor === undefined ? undefined : decodeKeyCursor(cursor, isTimeKey);
}

const before = (key: TimeKey | undefined) =>
  key === undefined
    ? sql<boolean>`1 = 1`
    : sql<boolean>`(occurred_at < ${key[0]} or (occurred_at = ${key[0]} and id < ${key[1]}))`;

function pageOf<Row extends { occurred_at: string; id: string }, T>(
  rows: Row[],
  limit: number,
  map: (r: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last ? encodeKeyCursor([last.occurred_at, last.id]) : null,
  };
}

/** A customer's transactions, newest first (occurred_at, id), keyset-paginated. */
export async function listTransactions(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  page: PageQuery,
): Promise<Page<TransactionView>> {
  requirePermission(actor, 'customers:read');
  await liveCustomerId(ctx.db, actor.workspaceId, customerId);
  const rows = await ctx.db
    .selectFrom('customer_transactions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('customer_id', '=', customerId)
    .where(before(timeCursor(page.cursor)))
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return pageOf(rows, page.limit, (r) => toTransactionView(ctx, r));
}

/** A customer's events, newest first, optionally of one name, keyset-paginated. */
export async function listEvents(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  query: PageQuery & { name?: string | undefined },
): Promise<Page<EventView>> {
  requirePermission(actor, 'customers:read');
  await liveCustomerId(ctx.db, actor.workspaceId, customerId);
  // Events were collected about the person, not published by them: shown with their profiling
  // consent only (the privacy export, for the person, always has them).
  if (!(await mayShowBehaviour(ctx.db, actor.workspaceId, customerId)))
    throw new AppError(
      'forbidden',
      'Behaviour events are withheld: the customer has not consented to profiling',
      {
        consent: 'profiling',
      },
    );
  let q = ctx.db
    .selectFrom('customer_events')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('customer_id', '=', customerId)
    .where(before(timeCursor(query.cursor)));
  if (query.name !== undefined) q = q.where('name', '=', query.name);
  const rows = await q
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return pageOf(rows, query.limit, (r) => toEventView(ctx, r));
}

/** Why an event was not stored, as the error code a single write would have answered with. */
type Refusal = { reason: string; code: 'not_found' | 'conflict' | 'validation_failed' };

export type EventsOutcome = { accepted: number; rejected: ({ index: number } & Refusal)[] };

/**
 * POST /events: stores each event on the customer its identity names. An unknown email gets a
 * new customer; an unknown social account or customer id, or an erased customer, is rejected
 * with its reason and code, and the other events of the batch are stored all the same.
 */
export async function recordEvents(
  ctx: AppContext,
  actor: Actor,
  events: EventInput[],
): Promise<EventsOutcome> {
  requirePermission(actor, 'customers:manage');
  const workspaceId = actor.workspaceId;
  return ctx.db.transaction().execute(async (trx) => {
    const resolved = new Map<string, string | Refusal>();
    const resolve = async (identity: EventInput['identity']): Promise<string | Refusal> => {
      const key = `${identity.kind}\u0000${identity.channel ?? ''}\u0000${identity.value}`;
      const known = resolved.get(key);
      if (known !== undefined) return known;
      let found: string | Refusal;
      if (identity.kind === 'email') {
        try {
          found = (await customerForEmail(ctx, trx, workspaceId, identity.value, 'api')).customerId;
        } catch (err) {
          if (!(isAppError(err) && (err.code === 'validation_failed' || err.code === 'conflict'))) throw err;
          found = { reason: err.message, code: err.code };
        }
      } else if (identity.kind === 'customer') {
        const survivor = await survivorOf(trx, workspaceId, identity.value);
        found = !survivor
          ? { reason: `No customer ${identity.value} in this workspace`, code: 'not_found' }
          : survivor.erased_at !== null
            ? { reason: erasedCustomer(survivor.id, survivor.erased_at).message, code: 'conflict' }
            : survivor.id;
      } else {
        // An erasure deletes the person's identities, so a social account found here is live.
        const channel = identity.channel ?? '';
        const row = await trx
          .selectFrom('identities')
          .select('customer_id')
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', 'social')
          .where('channel', '=', channel)
          .where((eb) => eb.or([eb('external_id', '=', identity.value), eb('handle', '=', identity.value)]))
          .executeTakeFirst();
        found = row?.customer_id ?? {
          reason: `No ${channel} account "${identity.value}" is known in this workspace; social identities come from the listening pipeline`,
          code: 'not_found',
        };
      }
      resolved.set(key, found);
      return found;
    };
    const now = ctx.now().toISOString();
    const rows = [];
    const rejected: EventsOutcome['rejected'] = [];
    for (const [index, event] of events.entries()) {
      const customerId = await resolve(event.identity);
      if (typeof customerId !== 'string') {
        rejected.push({ index, ...customerId });
        continue;
      }
      rows.push({
        id: newId(ctx.now()),
        workspace_id: workspaceId,
        customer_id: customerId,
        name: event.name,
        occurred_at: event.occurredAt ?? now,
        properties: ctx.dialect.toJson(event.properties),
        identity_kind: event.identity.kind,
        identity_value:
          event.identity.kind === 'social'
            ? `${event.identity.channel}:${event.identity.value}`
            : event.identity.kind === 'email'
              ? normalizeEmail(event.identity.value)
              : event.identity.value,
        created_at: now,
      });
    }
    for (let i = 0; i < rows.length; i += 400)
      await trx
        .insertInto('customer_events')
        .values(rows.slice(i, i + 400))
        .execute();
    return { accepted: rows.length, rejected };
  });
}
