import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { AppContext } from '../context.ts';
import { decryptSecret, encryptSecret } from '../crypto.ts';
import type { ConnectorsTable } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { newId, randomSecret } from '../ids.ts';
import { type Actor, requirePermission } from '../modules/auth/roles.ts';
import { NormalizeError, normalize } from '../pipeline/formats.ts';
import { appendToLog } from '../pipeline/ingest-log.ts';
import type { ConnectorHealthState } from './connector.ts';
import { connectorDefinition, connectorKinds, effectiveConfig, secretNeeded } from './registry.ts';

export type ConnectorView = {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  hasSecret: boolean;
  state: string;
  lastItemAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  errorCount: number;
  itemsTotal: number;
  /** Of those, what the pipeline passed over as not concerning the brand (`keep: matching`). */
  itemsPassedOver: number;
  cursor: string | null;
  createdAt: string;
  updatedAt: string;
};

export type ConnectorHealth = {
  id: string;
  state: string;
  lastItemAt: string | null;
  /** Seconds since the last item arrived; null before the first. */
  lagSeconds: number | null;
  /** Live items (not backfilled history) received in the last five minutes, per minute. */
  itemsPerMinute: number;
  errorCount: number;
  lastError: string | null;
  lastErrorAt: string | null;
  cursor: string | null;
  expectedIntervalSeconds: number | null;
  /** True when silent for longer than the expected interval: the alert condition. */
  silent: boolean;
};

function toView(ctx: AppContext, r: Selectable<ConnectorsTable>): ConnectorView {
  return {
    id: r.id,
    kind: r.kind,
    name: r.name,
    config: effectiveConfig(r.kind, ctx.dialect.parseJson(r.config)),
    enabled: r.enabled === 1,
    hasSecret: r.secret_encrypted !== null,
    state: r.state,
    lastItemAt: r.last_item_at,
    lastError: r.last_error,
    lastErrorAt: r.last_error_at,
    errorCount: r.error_count,
    itemsTotal: Number(r.items_total),
    itemsPassedOver: Number(r.items_passed_over),
    cursor: r.cursor,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function secretKeyOf(ctx: AppContext): string {
  if (!ctx.config.secretKey) throw new AppError('internal', 'No secret key configured');
  return ctx.config.secretKey;
}

function parseConfig(kind: string, config: unknown): Record<string, unknown> {
  const definition = connectorDefinition(kind);
  if (!definition) {
    throw new AppError('validation_failed', `Unknown connector kind "${kind}"`, {
      fields: [{ path: 'kind', message: `one of ${connectorKinds.join(', ')}` }],
    });
  }
  const parsed = definition.configSchema.safeParse(config ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({
      path: ['config', ...i.path].join('.'),
      message: i.message,
    }));
    throw new AppError(
      'validation_failed',
      `Invalid ${kind} configuration: ${fields.map((f) => `${f.path}: ${f.message}`).join('; ')}`,
      {
        fields,
      },
    );
  }
  return parsed.data as Record<string, unknown>;
}

async function rowOf(ctx: AppContext, workspaceId: string, id: string): Promise<Selectable<ConnectorsTable>> {
  const row = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No connector ${id}`);
  return row;
}

export async function listConnectors(ctx: AppContext, actor: Actor): Promise<ConnectorView[]> {
  requirePermission(actor, 'listening:read');
  const rows = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('id')
    .execute();
  return rows.map((r) => toView(ctx, r));
}

export async function getConnector(ctx: AppContext, actor: Actor, id: string): Promise<ConnectorView> {
  requirePermission(actor, 'listening:read');
  return toView(ctx, await rowOf(ctx, actor.workspaceId, id));
}

/** A connector whose configuration needs a secret (a reply account, a home timeline) is refused without one. */
function refuseWithoutSecret(kind: string, config: Record<string, unknown>): void {
  const needed = secretNeeded(kind, config);
  if (needed)
    throw new AppError('validation_failed', `This ${kind} connector needs ${needed}`, {
      fields: [{ path: 'secret', message: `required: ${needed}` }],
    });
}

/**
 * Creates a connector. Credentials are stored encrypted; a webhook's signing secret is made
 * here and returned once.
 */
export async function createConnector(
  ctx: AppContext,
  actor: Pick<Actor, 'workspaceId' | 'role'> & { userId?: string },
  input: {
    kind: string;
    name: string;
    config?: unknown;
    secret?: string | undefined;
    enabled?: boolean | undefined;
  },
): Promise<{ connector: ConnectorView; secret?: string }> {
  requirePermission(actor, 'connectors:manage');
  const config = parseConfig(input.kind, input.config);
  const definition = connectorDefinition(input.kind);
  if (!input.secret) refuseWithoutSecret(input.kind, config);
  const secret = definition?.secret === 'generated' ? `whsec_${randomSecret()}` : input.secret;
  const now = ctx.now().toISOString();
  const row: Selectable<ConnectorsTable> = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    kind: input.kind,
    name: input.name,
    config: ctx.dialect.toJson(config),
    secret_encrypted: secret ? encryptSecret(secretKeyOf(ctx), secret) : null,
    enabled: input.enabled === false ? 0 : 1,
    cursor: null,
    state: 'idle',
    last_item_at: null,
    last_error: null,
    last_error_at: null,
    error_count: 0,
    items_total: 0,
    items_passed_over: 0,
    expected_interval_seconds: definition?.expectedIntervalSeconds ?? null,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.insertInto('connectors').values(row).execute();
  const connector = toView(ctx, { ...row, config: ctx.dialect.toJson(config) });
  return definition?.secret === 'generated' && secret ? { connector, secret } : { connector };
}

export async function updateConnector(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: {
    name?: string | undefined;
    config?: unknown;
    secret?: string | undefined;
    enabled?: boolean | undefined;
  },
): Promise<ConnectorView> {
  requirePermission(actor, 'connectors:manage');
  const row = await rowOf(ctx, actor.workspaceId, id);
  const config = patch.config === undefined ? undefined : parseConfig(row.kind, patch.config);
  if (config && !patch.secret && row.secret_encrypted === null) refuseWithoutSecret(row.kind, config);
  const next = {
    name: patch.name ?? row.name,
    config: config === undefined ? row.config : ctx.dialect.toJson(config),
    secret_encrypted: patch.secret ? encryptSecret(secretKeyOf(ctx), patch.secret) : row.secret_encrypted,
    enabled: patch.enabled === undefined ? row.enabled : patch.enabled ? 1 : 0,
    updated_at: ctx.now().toISOString(),
  };
  await ctx.db.updateTable('connectors').set(next).where('id', '=', id).execute();
  return toView(ctx, { ...row, ...next });
}

export async function deleteConnector(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'connectors:manage');
  await rowOf(ctx, actor.workspaceId, id);
  await ctx.db.deleteFrom('connectors').where('id', '=', id).execute();
}

/** Items per minute is the average over this many minutes. */
const HEALTH_WINDOW_MINUTES = 5;

/**
 * A connector's health: state, lag since its last item, errors, and items per minute, the live
 * items (not backfilled history) received in the last five minutes, per minute.
 */
export async function connectorHealth(ctx: AppContext, actor: Actor, id: string): Promise<ConnectorHealth> {
  requirePermission(actor, 'listening:read');
  const row = await rowOf(ctx, actor.workspaceId, id);
  const now = ctx.now();
  const windowStart = new Date(now.getTime() - HEALTH_WINDOW_MINUTES * 60_000).toISOString();
  // Live items only: a backfill (the demo's first-run week, a feed's first read) arrives in
  // seconds and would read as hundreds a minute for the next five minutes.
  const recent = await ctx.db
    .selectFrom('ingest_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('connector_id', '=', id)
    .where('received_at', '>=', windowStart)
    .where('backfill', '=', 0)
    .executeTakeFirstOrThrow();
  const lagSeconds = row.last_item_at
    ? Math.round((now.getTime() - Date.parse(row.last_item_at)) / 1000)
    : null;
  const expected = row.expected_interval_seconds;
  return {
    id: row.id,
    state: row.state,
    lastItemAt: row.last_item_at,
    lagSeconds,
    itemsPerMinute: Math.round((Number(recent.n) / HEALTH_WINDOW_MINUTES) * 10) / 10,
    errorCount: row.error_count,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    cursor: row.cursor,
    expectedIntervalSeconds: expected,
    silent: row.enabled === 1 && expected !== null && (lagSeconds === null ? false : lagSeconds > expected),
  };
}

/**
 * Logs a `connector.silent` warning for each enabled connector that has been quiet longer than
 * its expected interval (the health endpoint shows the same as `silent: true`).
 */
export async function warnSilentConnectors(ctx: AppContext): Promise<string[]> {
  const now = ctx.now().getTime();
  const rows = await ctx.db
    .selectFrom('connectors')
    .select(['id', 'workspace_id', 'kind', 'last_item_at', 'expected_interval_seconds'])
    .where('enabled', '=', 1)
    .where('expected_interval_seconds', 'is not', null)
    .where('last_item_at', 'is not', null)
    .execute();
  const silent = rows.filter(
    (r) => now - Date.parse(r.last_item_at ?? '') > (r.expected_interval_seconds ?? 0) * 1000,
  );
  for (const r of silent) {
    ctx.log.warn(
      {
        event: 'connector.silent',
        connectorId: r.id,
        workspaceId: r.workspace_id,
        kind: r.kind,
        lastItemAt: r.last_item_at,
      },
      'connector silent',
    );
  }
  return silent.map((r) => r.id);
}

/** The decrypted credential of a connector, for its runtime. */
export function connectorSecret(
  ctx: AppContext,
  row: Pick<ConnectorsTable, 'secret_encrypted'>,
): string | null {
  return row.secret_encrypted ? decryptSecret(secretKeyOf(ctx), row.secret_encrypted) : null;
}

/** Records a runtime's state change; an error also counts toward the connector's error total. */
export async function reportConnectorState(
  ctx: AppContext,
  id: string,
  state: ConnectorHealthState,
  error?: string,
): Promise<void> {
  const now = ctx.now().toISOString();
  await ctx.db
    .updateTable('connectors')
    .set((eb) =>
      error
        ? {
            state,
            last_error: error.slice(0, 1000),
            last_error_at: now,
            error_count: eb('error_count', '+', 1),
            updated_at: now,
          }
        : { state, updated_at: now },
    )
    .where('id', '=', id)
    .execute();
}

// ---------------------------------------------------------------------------------------------
// Webhook

export const WEBHOOK_SIGNATURE_HEADER = 'x-rapport-signature';
const MAX_WEBHOOK_ITEMS = 500;

/** `sha256=<hex>` HMAC of the raw body under the connector's signing secret. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Receives a signed webhook delivery: one generic post or an array of them. Every item is
 * appended to the ingest log as received; items that will not normalize are reported back to
 * the sender now, and the pipeline quarantines them with the same reason (nothing is dropped).
 */
export async function receiveWebhook(
  ctx: AppContext,
  connectorId: string,
  rawBody: string,
  signature: string | undefined,
): Promise<{ accepted: number; rejected: { index: number; reason: string }[] }> {
  const row = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('id', '=', connectorId)
    .executeTakeFirst();
  // Unknown, disabled and badly signed deliveries all get the same answer: no oracle for ids.
  const secret = row?.kind === 'webhook' && row.enabled === 1 ? connectorSecret(ctx, row) : null;
  const expected = secret ? Buffer.from(webhookSignature(secret, rawBody)) : null;
  const given = Buffer.from(signature ?? '');
  if (!row || !expected || expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AppError('unauthenticated', `Missing or invalid ${WEBHOOK_SIGNATURE_HEADER} header`);
  }
  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch (err) {
    throw new AppError('bad_request', `Body is not JSON: ${(err as Error).message}`);
  }
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0 || items.length > MAX_WEBHOOK_ITEMS) {
    throw new AppError('validation_failed', `Send between 1 and ${MAX_WEBHOOK_ITEMS} items`);
  }
  const now = ctx.now().toISOString();
  const rejected: { index: number; reason: string }[] = [];
  const payloads = items.map((item, index) => {
    const payload = JSON.stringify(item);
    try {
      normalize('generic', payload, now);
    } catch (err) {
      if (!(err instanceof NormalizeError)) throw err;
      rejected.push({ index, reason: err.message });
    }
    return { workspaceId: row.workspace_id, connectorId: row.id, format: 'generic' as const, payload };
  });
  await appendToLog(ctx, payloads, { connectorId: row.id, cursor: now });
  return { accepted: items.length - rejected.length, rejected };
}
