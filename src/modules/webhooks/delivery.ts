import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, RecordEventsTable, WebhookAttemptsTable, WebhookDeliveriesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { latestEventId, settledEventHorizon } from '../collaboration/feed.ts';
import { type EndpointRow, signingSecrets } from './endpoints.ts';
import {
  type DeliveryFilters,
  type WebhookDeliveryDetail,
  type WebhookDeliveryView,
  webhookRecordTypes,
} from './schema.ts';
import { postWebhook, SEND_TIMEOUT_MS, type SendResult } from './send.ts';
import { signWebhook } from './signature.ts';

type DeliveryRow = Selectable<WebhookDeliveriesTable>;
type EventRow = Selectable<RecordEventsTable>;

/** Waits after the 1st, 2nd, … failed attempt (before jitter); after the last one the delivery is dead. */
export const RETRY_DELAYS_MS = [30_000, 2 * 60_000, 10 * 60_000, 3600_000, 6 * 3600_000, 24 * 3600_000];
/** Each wait is stretched by up to this fraction at random, so retries of many deliveries spread out. */
const JITTER = 0.2;
/** An endpoint whose every attempt has failed for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600_000;
/** A claimed delivery is someone's for this long; past it (the process died) it is due again. */
const CLAIM_MS = SEND_TIMEOUT_MS + 60_000;
/** Events read per endpoint per pass. */
const FANOUT_BATCH = 500;
/** Deliveries claimed per pass, and sent at once. */
const SEND_BATCH = 20;
const SEND_CONCURRENCY = 4;

/** Whether an event type (`case.assigned`) matches one of the patterns (`*`, `case.*`, `case.assigned`). */
export function matchesEventTypes(patterns: string[], type: string): boolean {
  const [recordType] = type.split('.');
  return patterns.some((p) => p === '*' || p === type || p === `${recordType}.*`);
}

/** The exact body sent for an event: ids and the event's data as stored, never a customer profile. */
export function eventPayload(ctx: AppContext, e: EventRow): string {
  const data = ctx.dialect.parseJson<Record<string, unknown>>(e.data);
  return JSON.stringify({
    type: `${e.record_type}.${e.kind}`,
    timestamp: e.created_at,
    data: {
      ...data,
      workspaceId: e.workspace_id,
      record: { type: e.record_type, id: e.record_id },
      eventId: Number(e.id),
      kind: e.kind,
      actor: e.actor_user_id ? { type: 'user', id: e.actor_user_id } : { type: 'system' },
    },
  });
}

const messageId = (ctx: AppContext) => `msg_${newId(ctx.now()).replaceAll('-', '')}`;

export function toDeliveryView(r: DeliveryRow): WebhookDeliveryView {
  return {
    id: Number(r.id),
    endpointId: r.endpoint_id,
    eventId: r.event_id === null ? null : Number(r.event_id),
    messageId: r.message_id,
    type: r.type,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastAttemptAt: r.last_attempt_at,
    lastStatusCode: r.last_status_code === null ? null : Number(r.last_status_code),
    lastError: r.last_error,
    lastDurationMs: r.last_duration_ms === null ? null : Number(r.last_duration_ms),
    lastResponse: r.last_response,
    createdAt: r.created_at,
  };
}

function toAttemptView(r: Selectable<WebhookAttemptsTable>) {
  return {
    id: Number(r.id),
    attemptedAt: r.attempted_at,
    statusCode: r.status_code === null ? null : Number(r.status_code),
    error: r.error,
    durationMs: Number(r.duration_ms),
    response: r.response,
  };
}

/**
 * Turns new case and lead events into deliveries for every enabled endpoint whose filter matches,
 * advancing the endpoint's cursor in the same transaction. Idempotent: a delivery is unique per
 * (endpoint, event), and on PostgreSQL an endpoint being fanned out by another worker is skipped.
 */
export async function fanOutEvents(ctx: AppContext): Promise<number> {
  const endpoints = await ctx.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'cursor'])
    .where('enabled', '=', 1)
    .execute();
  // Most passes find nothing new: skip the per-endpoint transaction then.
  const latest = endpoints.length > 0 ? await latestEventId(ctx.db) : 0;
  let created = 0;
  for (const { id } of endpoints.filter((e) => Number(e.cursor) < latest)) {
    created += await ctx.db.transaction().execute(async (trx) => {
      const ep = await ctx.dialect
        .lockForClaim(
          trx.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('enabled', '=', 1),
        )
        .executeTakeFirst();
      if (!ep) return 0;
      const cursor = Number(ep.cursor);
      const horizon = await settledEventHorizon(ctx, trx, cursor, FANOUT_BATCH * 2);
      if (horizon <= cursor) return 0;
      const events = await trx
        .selectFrom('record_events')
        .selectAll()
        .where('workspace_id', '=', ep.workspace_id)
        .where('id', '>', cursor)
        .where('id', '<=', horizon)
        .where('record_type', 'in', [...webhookRecordTypes])
        .orderBy('id')
        .limit(FANOUT_BATCH)
        .execute();
      const reached = events.length === FANOUT_BATCH ? Number(events[events.length - 1]?.id) : horizon;
      const patterns = ctx.dialect.parseJson<string[]>(ep.event_types);
      const now = ctx.now().toISOString();
      const rows = events
        .filter((e) => matchesEventTypes(patterns, `${e.record_type}.${e.kind}`))
        .map((e) => ({
          workspace_id: ep.workspace_id,
          endpoint_id: ep.id,
          event_id: Number(e.id),
          message_id: messageId(ctx),
          type: `${e.record_type}.${e.kind}`,
          payload: eventPayload(ctx, e),
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now,
          locked_until: null,
          last_attempt_at: null,
          last_status_code: null,
          last_error: null,
          last_duration_ms: null,
          last_response: null,
          created_at: now,
        }));
      let inserted = 0;
      if (rows.length > 0) {
        const result = await trx
          .insertInto('webhook_deliveries')
          .values(rows)
          .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing())
          .executeTakeFirst();
        inserted = Number(result.numInsertedOrUpdatedRows ?? rows.length);
      }
      await trx.updateTable('webhook_endpoints').set({ cursor: reached }).where('id', '=', ep.id).execute();
      return inserted;
    });
  }
  return created;
}

type Claimed = { delivery: DeliveryRow; endpoint: EndpointRow };

/**
 * Claims deliveries for sending: due ones of enabled endpoints (or the given ids), not claimed by
 * anyone else, marked with `locked_until` in one transaction (rows locked with SKIP LOCKED on
 * PostgreSQL, SQLite's single writer serialises), so two workers never send the same one at once.
 */
async function claimDeliveries(
  ctx: AppContext,
  only?: { workspaceId: string; id: number },
): Promise<Claimed[]> {
  const now = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    let q = trx
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]));
    q = only
      ? q.where('workspace_id', '=', only.workspaceId).where('id', '=', only.id)
      : q
          .where('status', 'in', ['pending', 'failed'])
          .where('next_attempt_at', '<=', now)
          .where('endpoint_id', 'in', (eb) =>
            eb.selectFrom('webhook_endpoints').select('webhook_endpoints.id').where('enabled', '=', 1),
          )
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(SEND_BATCH);
    const due = await ctx.dialect.lockForClaim(q).execute();
    if (due.length === 0) return [];
    const lockedUntil = new Date(ctx.now().getTime() + CLAIM_MS).toISOString();
    // One chosen by a person (redeliver, ping) starts its schedule afresh; it stays due, so if
    // this process dies while sending, the worker sends it once the claim expires.
    const fresh = only ? { status: 'pending' as const, next_attempt_at: now } : {};
    await trx
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        locked_until: lockedUntil,
        attempts: only ? 1 : eb('attempts', '+', 1),
        ...fresh,
      }))
      .where(
        'id',
        'in',
        due.map((d) => Number(d.id)),
      )
      .execute();
    const endpoints = await trx
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', 'in', [...new Set(due.map((d) => d.endpoint_id))])
      .execute();
    const byId = new Map(endpoints.map((e) => [e.id, e]));
    return due.flatMap((d) => {
      const endpoint = byId.get(d.endpoint_id);
      return endpoint
        ? [
            {
              delivery: {
                ...d,
                ...fresh,
                attempts: only ? 1 : Number(d.attempts) + 1,
                locked_until: lockedUntil,
              },
              endpoint,
            },
          ]
        : [];
    });
  });
}

/** Sends one claimed delivery, signed with the endpoint's secret(s), and records the outcome. */
async function attempt(ctx: AppContext, { delivery, endpoint }: Claimed): Promise<DeliveryRow> {
  const at = ctx.now();
  const timestamp = Math.floor(at.getTime() / 1000);
  let result: SendResult;
  try {
    const signature = signingSecrets(ctx, endpoint, at)
      .map((s) => signWebhook(s, delivery.message_id, timestamp, delivery.payload))
      .join(' ');
    result = await postWebhook(
      endpoint.url,
      {
        'webhook-id': delivery.message_id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      },
      delivery.payload,
      { allowPrivate: ctx.config.webhooksAllowPrivateTargets },
    );
  } catch (err) {
    result = { statusCode: null, error: (err as Error).message, durationMs: 0, response: null };
  }
  return ctx.db.transaction().execute((trx) => recordAttempt(ctx, trx, delivery, endpoint, at, result));
}

async function recordAttempt(
  ctx: AppContext,
  trx: Transaction<DB>,
  delivery: DeliveryRow,
  endpoint: EndpointRow,
  at: Date,
  result: SendResult,
): Promise<DeliveryRow> {
  const attemptedAt = at.toISOString();
  const now = ctx.now();
  const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
  await trx
    .insertInto('webhook_attempts')
    .values({
      workspace_id: delivery.workspace_id,
      delivery_id: Number(delivery.id),
      attempted_at: attemptedAt,
      status_code: result.statusCode,
      error: result.error,
      duration_ms: result.durationMs,
      response: result.response,
    })
    .execute();
  // A test ping is sent once, by the person watching; it neither retries nor counts against the endpoint.
  const ping = delivery.event_id === null;
  const wait = ping ? undefined : RETRY_DELAYS_MS[delivery.attempts - 1];
  const next: Partial<DeliveryRow> = {
    status: ok ? 'delivered' : wait === undefined ? 'dead' : 'failed',
    next_attempt_at:
      ok || wait === undefined
        ? null
        : new Date(now.getTime() + Math.round(wait * (1 + Math.random() * JITTER))).toISOString(),
    locked_until: null,
    last_attempt_at: attemptedAt,
    last_status_code: result.statusCode,
    last_error: result.error,
    last_duration_ms: result.durationMs,
    last_response: result.response,
  };
  await trx.updateTable('webhook_deliveries').set(next).where('id', '=', Number(delivery.id)).execute();
  if (ok) {
    await trx
      .updateTable('webhook_endpoints')
      .set({ consecutive_failures: 0, failing_since: null })
      .where('id', '=', endpoint.id)
      .execute();
  } else if (!ping) {
    const current = await trx
      .selectFrom('webhook_endpoints')
      .select(['failing_since', 'enabled'])
      .where('id', '=', endpoint.id)
      .executeTakeFirst();
    const failingSince = current?.failing_since ?? attemptedAt;
    const disable =
      Number(current?.enabled) === 1 && now.getTime() - Date.parse(failingSince) >= DISABLE_AFTER_MS;
    const reason = `Every delivery failed for ${DISABLE_AFTER_MS / 86_400_000} days (last: ${result.error ?? 'no answer'})`;
    await trx
      .updateTable('webhook_endpoints')
      .set((eb) => ({
        consecutive_failures: eb('consecutive_failures', '+', 1),
        failing_since: failingSince,
        ...(disable ? { enabled: 0, disabled_reason: reason, updated_at: now.toISOString() } : {}),
      }))
      .where('id', '=', endpoint.id)
      .execute();
    if (disable) {
      await recordAudit(ctx, trx, {
        workspaceId: endpoint.workspace_id,
        actorUserId: null,
        action: 'webhook.disabled',
        targetType: 'webhook_endpoint',
        targetId: endpoint.id,
        details: { reason },
      });
      ctx.log.warn(
        { endpointId: endpoint.id, workspaceId: endpoint.workspace_id },
        'webhook endpoint disabled',
      );
    }
  }
  return { ...delivery, ...next };
}

async function inPool<T>(items: T[], size: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let index = 0;
  const lane = async () => {
    while (index < items.length) {
      const item = items[index++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
}

/**
 * The worker's webhook pass: fans new events out to deliveries, then claims the due deliveries
 * and sends them (a few at a time, each with a timeout), recording every attempt.
 */
export async function deliverDueWebhooks(ctx: AppContext): Promise<{ fannedOut: number; attempted: number }> {
  const fannedOut = await fanOutEvents(ctx);
  const claimed = await claimDeliveries(ctx);
  await inPool(claimed, SEND_CONCURRENCY, async (c) => {
    try {
      await attempt(ctx, c);
    } catch (err) {
      // The claim expires and the delivery is tried again; log why this attempt was lost.
      ctx.log.error({ err, deliveryId: Number(c.delivery.id) }, 'recording a webhook attempt failed');
    }
  });
  return { fannedOut, attempted: claimed.length };
}

async function deliveryRow(ctx: AppContext, workspaceId: string, id: number): Promise<DeliveryRow> {
  const row = await ctx.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No webhook delivery ${id}`);
  return row;
}

/**
 * The delivery log, newest first, by status and endpoint. An endpoint that is not in the workspace
 * is not found rather than an empty log: a mistyped id must not read as "nothing was sent", and a
 * deleted endpoint's deliveries went with it.
 */
export async function listDeliveries(
  ctx: AppContext,
  actor: Actor,
  query: PageQuery & DeliveryFilters,
): Promise<Page<WebhookDeliveryView>> {
  requirePermission(actor, 'webhooks:manage');
  if (query.endpointId) {
    const endpoint = await ctx.db
      .selectFrom('webhook_endpoints')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', query.endpointId)
      .executeTakeFirst();
    if (!endpoint) throw new AppError('not_found', `No webhook endpoint ${query.endpointId}`);
  }
  let q = ctx.db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.endpointId) q = q.where('endpoint_id', '=', query.endpointId);
  if (query.cursor !== undefined) q = q.where('id', '<', Number(decodeCursor(query.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  return toPage(rows, query.limit, (r) => Number(r.id), toDeliveryView);
}

/** One delivery with the body sent and every attempt. */
export async function getDelivery(ctx: AppContext, actor: Actor, id: number): Promise<WebhookDeliveryDetail> {
  requirePermission(actor, 'webhooks:manage');
  const row = await deliveryRow(ctx, actor.workspaceId, id);
  const attempts = await ctx.db
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('delivery_id', '=', Number(row.id))
    .orderBy('id')
    .execute();
  return { ...toDeliveryView(row), payload: row.payload, attemptLog: attempts.map(toAttemptView) };
}

/** Sends a delivery again now (same webhook-id, so receivers can tell), whatever its status. */
export async function redeliver(ctx: AppContext, actor: Actor, id: number): Promise<WebhookDeliveryDetail> {
  requirePermission(actor, 'webhooks:manage');
  const row = await deliveryRow(ctx, actor.workspaceId, id);
  await sendNow(ctx, actor.workspaceId, Number(row.id));
  return getDelivery(ctx, actor, id);
}

async function sendNow(ctx: AppContext, workspaceId: string, id: number): Promise<void> {
  const [claimed] = await claimDeliveries(ctx, { workspaceId, id });
  if (!claimed) throw new AppError('conflict', `Webhook delivery ${id} is being sent right now`);
  await attempt(ctx, claimed);
}

/** Sends a `ping` test event to an endpoint now (even a disabled one) and returns how it went. */
export async function pingEndpoint(
  ctx: AppContext,
  actor: Actor,
  endpointId: string,
): Promise<WebhookDeliveryDetail> {
  requirePermission(actor, 'webhooks:manage');
  const ep = await ctx.db
    .selectFrom('webhook_endpoints')
    .select(['id', 'workspace_id'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', endpointId)
    .executeTakeFirst();
  if (!ep) throw new AppError('not_found', `No webhook endpoint ${endpointId}`);
  const now = ctx.now().toISOString();
  const inserted = await ctx.db
    .insertInto('webhook_deliveries')
    .values({
      workspace_id: ep.workspace_id,
      endpoint_id: ep.id,
      event_id: null,
      message_id: messageId(ctx),
      type: 'ping',
      payload: JSON.stringify({
        type: 'ping',
        timestamp: now,
        data: { workspaceId: ep.workspace_id, endpointId: ep.id },
      }),
      status: 'pending',
      attempts: 0,
      next_attempt_at: null,
      locked_until: null,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
      last_duration_ms: null,
      last_response: null,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await sendNow(ctx, actor.workspaceId, Number(inserted.id));
  return getDelivery(ctx, actor, Number(inserted.id));
}
