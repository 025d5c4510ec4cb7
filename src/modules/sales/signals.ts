/**
 * What lead scoring reads from the database (one customer at a time), and the workspace's
 * scoring configuration. Every read takes the transaction it runs in: on SQLite a read through
 * another handle would wait for the transaction's own lock.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { mayShowBehaviour } from '../customers/consents.ts';
import { customerInSegments } from '../customers/segments.ts';
import {
  defaultScoringConfig,
  type ScoringConfig,
  type ScoringInputs,
  scoringConfigSchema,
} from './scoring.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** Signals older than this no longer move a score (0.5^(365/14) is nothing) and are not read. */
const WINDOW_DAYS = 365;
const MAX_SIGNALS = 500;

export async function scoringConfigOf(ctx: AppContext, db: Db, workspaceId: string): Promise<ScoringConfig> {
  const row = await db
    .selectFrom('lead_scoring_config')
    .select('config')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) return defaultScoringConfig;
  // Parsing again fills defaults added since the row was written.
  return scoringConfigSchema.parse(ctx.dialect.parseJson(row.config));
}

export async function getScoringConfig(ctx: AppContext, actor: Actor): Promise<ScoringConfig> {
  requirePermission(actor, 'sales:read');
  return scoringConfigOf(ctx, ctx.db, actor.workspaceId);
}

/** Replaces the workspace's scoring rules; open leads are rescored by the next pass (or on demand). */
export async function saveScoringConfig(
  ctx: AppContext,
  actor: Actor,
  input: unknown,
): Promise<ScoringConfig> {
  requirePermission(actor, 'sales:configure');
  const config = scoringConfigSchema.parse(input);
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('lead_scoring_config')
      .values({
        workspace_id: actor.workspaceId,
        config: ctx.dialect.toJson(config),
        updated_by: actor.userId,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({
          config: ctx.dialect.toJson(config),
          updated_by: actor.userId,
          updated_at: now,
        }),
      )
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'lead_scoring.update',
      targetType: 'workspace',
      targetId: actor.workspaceId,
      details: { halfLifeDays: config.halfLifeDays },
    });
  });
  return config;
}

/** Everything scoring needs about one customer, read inside `db`. */
export async function scoringInputs(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  customerId: string,
  config: ScoringConfig,
): Promise<ScoringInputs> {
  const since = new Date(ctx.now().getTime() - WINDOW_DAYS * 86_400_000).toISOString();
  const customer = await db
    .selectFrom('customers')
    .select(['attributes'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', customerId)
    .executeTakeFirst();
  const authorRows = await db
    .selectFrom('identities')
    .select('author_id')
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where('author_id', 'is not', null)
    .execute();
  const authorIds = authorRows.flatMap((a) => (a.author_id === null ? [] : [Number(a.author_id)]));
  const mentions =
    authorIds.length === 0
      ? []
      : await db
          .selectFrom('mentions')
          .select(['created_at', 'intents', 'sentiment', 'reply_to'])
          .where('workspace_id', '=', workspaceId)
          .where('author_id', 'in', authorIds)
          .where('deleted_at', 'is', null)
          .where('created_at', '>=', since)
          .orderBy('created_at', 'desc')
          .limit(MAX_SIGNALS)
          .execute();
  const influence =
    authorIds.length === 0
      ? undefined
      : await db
          .selectFrom('author_influence')
          .select((eb) => eb.fn.max('score').as('score'))
          .where('workspace_id', '=', workspaceId)
          .where('author_id', 'in', authorIds)
          .executeTakeFirst();
  const brandReplies = await db
    .selectFrom('outbox_replies')
    .innerJoin('cases', 'cases.id', 'outbox_replies.case_id')
    .select('outbox_replies.sent_at')
    .where('outbox_replies.workspace_id', '=', workspaceId)
    .where('cases.customer_id', '=', customerId)
    .where('outbox_replies.status', '=', 'sent')
    .where('outbox_replies.sent_at', '>=', since)
    .orderBy('outbox_replies.sent_at', 'desc')
    .limit(MAX_SIGNALS)
    .execute();
  // Behaviour events were collected about the person, not published by them: they count only
  // with a granted profiling consent, as the profile shows them only then (docs/customers.md).
  const behaviourAllowed = await mayShowBehaviour(db, workspaceId, customerId);
  const eventNames = Object.keys(config.engagement.events);
  const events =
    behaviourAllowed && eventNames.length > 0
      ? await db
          .selectFrom('customer_events')
          .select(['name', 'occurred_at'])
          .where('workspace_id', '=', workspaceId)
          .where('customer_id', '=', customerId)
          .where('name', 'in', eventNames)
          .where('occurred_at', '>=', since)
          .orderBy('occurred_at', 'desc')
          .limit(MAX_SIGNALS)
          .execute()
      : [];
  const segmentIds = new Set<string>();
  for (const s of config.fit.segments)
    if (await customerInSegments(ctx, db, workspaceId, customerId, [s.segmentId]))
      segmentIds.add(s.segmentId);
  const names =
    config.fit.segments.length === 0
      ? []
      : await db
          .selectFrom('segments')
          .select(['id', 'name'])
          .where('workspace_id', '=', workspaceId)
          .where(
            'id',
            'in',
            config.fit.segments.map((s) => s.segmentId),
          )
          .execute();
  return {
    attributes: customer ? ctx.dialect.parseJson<Record<string, unknown>>(customer.attributes) : {},
    segmentIds,
    segmentNames: new Map(names.map((n) => [n.id, n.name])),
    mentions: mentions.map((m) => ({
      at: m.created_at,
      purchaseIntent: (m.intents ?? '').split(' ').includes('purchase_intent'),
      sentiment: m.sentiment,
      isReply: m.reply_to !== null,
    })),
    brandReplies: brandReplies.flatMap((r) => (r.sent_at ? [{ at: r.sent_at }] : [])),
    influence: influence?.score == null ? null : Number(influence.score),
    events: events.map((e) => ({ name: e.name, at: e.occurred_at })),
    behaviourAllowed,
  };
}
