import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import { decryptSecret, encryptSecret } from '../../crypto.ts';
import type { WebhookEndpointsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { latestEventId } from '../collaboration/feed.ts';
import {
  type WebhookEndpointInput,
  type WebhookEndpointPatch,
  type WebhookEndpointView,
  webhookEndpointInput,
  webhookEndpointPatch,
} from './schema.ts';
import { newWebhookSecret } from './signature.ts';
import { checkWebhookUrl, resolveTarget } from './targets.ts';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

/** Endpoints per workspace: each one re-reads the event stream, so keep the fan-out bounded. */
const MAX_ENDPOINTS = 20;
/** After a rotation the old secret signs too (a second signature) for this long. */
const PREVIOUS_SECRET_MS = 24 * 3600_000;

export function toEndpointView(ctx: AppContext, r: EndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    eventTypes: ctx.dialect.parseJson<string[]>(r.event_types),
    enabled: Number(r.enabled) === 1,
    consecutiveFailures: Number(r.consecutive_failures),
    failingSince: r.failing_since,
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function secretKeyOf(ctx: AppContext): string {
  if (!ctx.config.secretKey) throw new AppError('internal', 'No secret key configured');
  return ctx.config.secretKey;
}

/** The secrets to sign with now: the current one, and the previous one while it is still honoured. */
export function signingSecrets(ctx: AppContext, r: EndpointRow, now: Date): string[] {
  const key = secretKeyOf(ctx);
  const secrets = [decryptSecret(key, r.secret_encrypted)];
  if (
    r.previous_secret_encrypted &&
    r.previous_secret_expires_at &&
    Date.parse(r.previous_secret_expires_at) > now.getTime()
  )
    secrets.push(decryptSecret(key, r.previous_secret_encrypted));
  return secrets;
}

async function endpointRow(ctx: AppContext, workspaceId: string, id: string): Promise<EndpointRow> {
  const row = await ctx.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No webhook endpoint ${id}`);
  return row;
}

async function checkTarget(ctx: AppContext, raw: string): Promise<string> {
  const allow = ctx.config.webhooksAllowPrivateTargets;
  const url = checkWebhookUrl(raw, allow);
  await resolveTarget(url, allow);
  return url.toString();
}

export async function listEndpoints(ctx: AppContext, actor: Actor): Promise<WebhookEndpointView[]> {
  requirePermission(actor, 'webhooks:manage');
  const rows = await ctx.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => toEndpointView(ctx, r));
}

export async function getEndpoint(ctx: AppContext, actor: Actor, id: string): Promise<WebhookEndpointView> {
  requirePermission(actor, 'webhooks:manage');
  return toEndpointView(ctx, await endpointRow(ctx, actor.workspaceId, id));
}

/** Creates an endpoint that receives events from now on; the signing secret is returned this once. */
export async function createEndpoint(
  ctx: AppContext,
  actor: Actor,
  input: WebhookEndpointInput,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  requirePermission(actor, 'webhooks:manage');
  const parsed = webhookEndpointInput.parse(input);
  const url = await checkTarget(ctx, parsed.url);
  const secret = newWebhookSecret();
  const now = ctx.now().toISOString();
  const row = await ctx.db.transaction().execute(async (trx) => {
    const count = await trx
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', actor.workspaceId)
      .executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_ENDPOINTS)
      throw new AppError('conflict', `A workspace has at most ${MAX_ENDPOINTS} webhook endpoints`);
    const values: EndpointRow = {
      id: newId(ctx.now()),
      workspace_id: actor.workspaceId,
      url,
      description: parsed.description,
      secret_encrypted: encryptSecret(secretKeyOf(ctx), secret),
      previous_secret_encrypted: null,
      previous_secret_expires_at: null,
      event_types: ctx.dialect.toJson([...new Set(parsed.eventTypes)]),
      enabled: parsed.enabled ? 1 : 0,
      cursor: await latestEventId(trx),
      consecutive_failures: 0,
      failing_since: null,
      disabled_reason: null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('webhook_endpoints').values(values).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'webhook.created',
      targetType: 'webhook_endpoint',
      targetId: values.id,
      details: { url, eventTypes: parsed.eventTypes, enabled: parsed.enabled },
    });
    return values;
  });
  return { endpoint: toEndpointView(ctx, row), secret };
}

/**
 * Changes an endpoint. Enabling it again clears its failure state and starts it after the
 * newest event: what happened while it was disabled is not sent.
 */
export async function updateEndpoint(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: WebhookEndpointPatch,
): Promise<WebhookEndpointView> {
  requirePermission(actor, 'webhooks:manage');
  const parsed = webhookEndpointPatch.parse(patch);
  const current = await endpointRow(ctx, actor.workspaceId, id);
  const url =
    parsed.url !== undefined && parsed.url !== current.url ? await checkTarget(ctx, parsed.url) : undefined;
  return ctx.db.transaction().execute(async (trx) => {
    const next: Partial<EndpointRow> = { updated_at: ctx.now().toISOString() };
    if (url !== undefined) next.url = url;
    if (parsed.description !== undefined) next.description = parsed.description;
    if (parsed.eventTypes !== undefined)
      next.event_types = ctx.dialect.toJson([...new Set(parsed.eventTypes)]);
    if (parsed.enabled !== undefined) {
      next.enabled = parsed.enabled ? 1 : 0;
      if (parsed.enabled && Number(current.enabled) !== 1) {
        next.cursor = await latestEventId(trx);
        next.consecutive_failures = 0;
        next.failing_since = null;
        next.disabled_reason = null;
      }
    }
    await trx.updateTable('webhook_endpoints').set(next).where('id', '=', id).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'webhook.updated',
      targetType: 'webhook_endpoint',
      targetId: id,
      details: { ...parsed, ...(url !== undefined ? { url } : {}) },
    });
    return toEndpointView(ctx, { ...current, ...next });
  });
}

/** Deletes an endpoint with its delivery log. */
export async function deleteEndpoint(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'webhooks:manage');
  const current = await endpointRow(ctx, actor.workspaceId, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'webhook.deleted',
      targetType: 'webhook_endpoint',
      targetId: id,
      details: { url: current.url },
    });
  });
}

/**
 * A new signing secret, returned this once. The old one keeps signing alongside (two signatures
 * in the header) for 24 hours, so receivers can switch without dropping deliveries.
 */
export async function rotateSecret(
  ctx: AppContext,
  actor: Actor,
  id: string,
): Promise<{ endpoint: WebhookEndpointView; secret: string }> {
  requirePermission(actor, 'webhooks:manage');
  const current = await endpointRow(ctx, actor.workspaceId, id);
  const secret = newWebhookSecret();
  const now = ctx.now();
  const next = {
    secret_encrypted: encryptSecret(secretKeyOf(ctx), secret),
    previous_secret_encrypted: current.secret_encrypted,
    previous_secret_expires_at: new Date(now.getTime() + PREVIOUS_SECRET_MS).toISOString(),
    updated_at: now.toISOString(),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('webhook_endpoints').set(next).where('id', '=', id).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'webhook.secret_rotated',
      targetType: 'webhook_endpoint',
      targetId: id,
      details: { previousValidUntil: next.previous_secret_expires_at },
    });
  });
  return { endpoint: toEndpointView(ctx, { ...current, ...next }), secret };
}
