import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import { DateTime } from 'luxon';
import type { AppContext } from '../../context.ts';
import type { NewsletterCadence } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { spaceRow, visibleSpace } from './access.ts';
import type { MemberActor } from './actors.ts';

/**
 * Newsletters (issue #7, item 1): a periodic email digest of a space's best activity, sent to the
 * members who subscribed. Staff set a cadence per space; a scheduled pass builds each finished
 * period's digest once (durable row, unique per space and period) with one delivery row per
 * subscriber (unique per digest and member), then sends the deliveries through the workspace's
 * SMTP connector with an HTML and a text part and a one-click unsubscribe link. This file holds
 * the settings, subscriptions and unsubscribe links; building and mailing digests is in
 * newsletter-digests.ts.
 */

export const cadenceSchema = z.enum(['daily', 'weekly', 'off']);

export const newsletterSettingsSchema = z
  .object({
    spaceId: z.string(),
    cadence: cadenceSchema,
    subscribers: z.number().int(),
    updatedAt: z.string().nullable(),
  })
  .openapi('CommunityNewsletterSettings');
export type NewsletterSettings = z.infer<typeof newsletterSettingsSchema>;

export const newsletterSettingsInput = z
  .object({ cadence: cadenceSchema })
  .openapi('CommunityNewsletterInput');

export const subscriptionSchema = z
  .object({
    spaceId: z.string(),
    spaceTitle: z.string(),
    cadence: cadenceSchema,
    subscribed: z.boolean(),
  })
  .openapi('CommunityNewsletterSubscription');
export type SubscriptionView = z.infer<typeof subscriptionSchema>;

export const digestSchema = z
  .object({
    id: z.string(),
    spaceId: z.string(),
    cadence: z.enum(['daily', 'weekly']),
    periodStart: z.string(),
    periodEnd: z.string(),
    itemCount: z.number().int(),
    deliveries: z.object({
      queued: z.number().int(),
      sent: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
    }),
    createdAt: z.string(),
  })
  .openapi('CommunityNewsletterDigest');
export type DigestView = z.infer<typeof digestSchema>;

// ------------------------------------------------------------------ periods

/**
 * The last finished period of a cadence at `now`, in the workspace's time zone: yesterday for
 * daily, last week (Monday 00:00 to Monday 00:00) for weekly, so a digest covers the days its
 * readers live (a day across a DST change is 23 or 25 hours long).
 */
export function lastFinishedPeriod(
  cadence: 'daily' | 'weekly',
  now: Date,
  timeZone = 'UTC',
): { start: Date; end: Date } {
  const today = DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  const end = cadence === 'daily' ? today : today.minus({ days: today.weekday - 1 });
  const start = end.minus(cadence === 'daily' ? { days: 1 } : { weeks: 1 });
  return { start: start.toJSDate(), end: end.toJSDate() };
}

// ------------------------------------------------------------------ unsubscribe tokens

function secretOf(ctx: AppContext): string {
  const key = ctx.config.secretKey;
  if (!key) throw new AppError('invalid_config', 'SECRET_KEY is needed to sign unsubscribe links');
  return key;
}

function mac(ctx: AppContext, subscriptionId: string): string {
  return createHmac('sha256', secretOf(ctx))
    .update(`community-newsletter-unsubscribe:${subscriptionId}`)
    .digest('base64url');
}

/** A token that unsubscribes one subscription without signing in: its id and an HMAC of it. */
export function unsubscribeToken(ctx: AppContext, subscriptionId: string): string {
  return `${subscriptionId}.${mac(ctx, subscriptionId)}`;
}

function subscriptionOfToken(ctx: AppContext, token: string): string | null {
  const [id, sig, extra] = token.split('.');
  if (!id || !sig || extra !== undefined || id.length > 64) return null;
  const want = Buffer.from(mac(ctx, id));
  const got = Buffer.from(sig);
  return want.length === got.length && timingSafeEqual(want, got) ? id : null;
}

export function unsubscribeUrl(ctx: AppContext, workspaceSlug: string, subscriptionId: string): string {
  return `${ctx.config.publicUrl}/community/${encodeURIComponent(workspaceSlug)}/-/unsubscribe?token=${encodeURIComponent(unsubscribeToken(ctx, subscriptionId))}`;
}

// ------------------------------------------------------------------ staff settings

async function subscriberCount(ctx: AppContext, spaceId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom('community_newsletter_subscriptions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('space_id', '=', spaceId)
    .where('unsubscribed_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function getNewsletterSettings(
  ctx: AppContext,
  actor: Actor,
  spaceId: string,
): Promise<NewsletterSettings> {
  requirePermission(actor, 'communities:read');
  const space = await spaceRow(ctx.db, actor.workspaceId, spaceId);
  const row = await ctx.db
    .selectFrom('community_newsletters')
    .selectAll()
    .where('space_id', '=', space.id)
    .executeTakeFirst();
  return {
    spaceId: space.id,
    cadence: row?.cadence ?? 'off',
    subscribers: await subscriberCount(ctx, space.id),
    updatedAt: row?.updated_at ?? null,
  };
}

/** Sets a space's digest cadence (`communities:manage`, audited); `off` stops sending. */
export async function setNewsletterCadence(
  ctx: AppContext,
  actor: Actor,
  spaceId: string,
  cadence: NewsletterCadence,
): Promise<NewsletterSettings> {
  requirePermission(actor, 'communities:manage');
  const valid = cadenceSchema.parse(cadence);
  const space = await spaceRow(ctx.db, actor.workspaceId, spaceId);
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_newsletters')
      .values({
        space_id: space.id,
        workspace_id: actor.workspaceId,
        cadence: valid,
        updated_by: actor.userId,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('space_id').doUpdateSet({ cadence: valid, updated_by: actor.userId, updated_at: now }),
      )
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.newsletter_cadence',
      targetType: 'community_space',
      targetId: space.id,
      details: { cadence: valid },
    });
  });
  return getNewsletterSettings(ctx, actor, space.id);
}

/** A space's digests, newest first, with their delivery counts (staff). */
export async function listDigests(
  ctx: AppContext,
  actor: Actor,
  spaceId: string,
  page: PageQuery,
): Promise<Page<DigestView>> {
  requirePermission(actor, 'communities:read');
  const space = await spaceRow(ctx.db, actor.workspaceId, spaceId);
  let q = ctx.db
    .selectFrom('community_newsletter_digests')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('space_id', '=', space.id);
  if (page.cursor) q = q.where('id', '<', String(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const ids = rows.map((r) => r.id);
  const counts =
    ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('community_newsletter_deliveries')
          .select(['digest_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
          .where('digest_id', 'in', ids)
          .groupBy(['digest_id', 'status'])
          .execute();
  return toPage(
    rows,
    page.limit,
    (r) => r.id,
    (r) => {
      const of = (status: string) =>
        counts
          .filter((c) => c.digest_id === r.id && c.status === status)
          .reduce((s, c) => s + Number(c.n), 0);
      return {
        id: r.id,
        spaceId: r.space_id,
        cadence: r.cadence,
        periodStart: r.period_start,
        periodEnd: r.period_end,
        itemCount: Number(r.item_count),
        deliveries: {
          queued: of('queued') + of('sending'),
          sent: of('sent'),
          failed: of('failed'),
          skipped: of('skipped'),
        },
        createdAt: r.created_at,
      };
    },
  );
}

// ------------------------------------------------------------------ member subscriptions

async function cadenceOf(ctx: AppContext, spaceId: string): Promise<NewsletterCadence> {
  const row = await ctx.db
    .selectFrom('community_newsletters')
    .select('cadence')
    .where('space_id', '=', spaceId)
    .executeTakeFirst();
  return row?.cadence ?? 'off';
}

/** Subscribes the member to a space's digest (idempotent); the space must send one. */
export async function subscribeNewsletter(
  ctx: AppContext,
  member: MemberActor,
  spaceId: string,
): Promise<SubscriptionView> {
  const space = await visibleSpace(ctx.db, member, spaceId);
  const cadence = await cadenceOf(ctx, space.id);
  if (cadence === 'off')
    throw new AppError('conflict', `The space "${space.title}" sends no newsletter`, {
      reason: 'no_newsletter',
    });
  await ctx.db
    .insertInto('community_newsletter_subscriptions')
    .values({
      id: newId(ctx.now()),
      workspace_id: member.workspaceId,
      space_id: space.id,
      member_id: member.memberId,
      created_at: ctx.now().toISOString(),
      unsubscribed_at: null,
    })
    .onConflict((oc) => oc.columns(['space_id', 'member_id']).doUpdateSet({ unsubscribed_at: null }))
    .execute();
  return { spaceId: space.id, spaceTitle: space.title, cadence, subscribed: true };
}

/** Ends the member's subscription to a space's digest (idempotent). */
export async function unsubscribeNewsletter(
  ctx: AppContext,
  member: MemberActor,
  spaceId: string,
): Promise<SubscriptionView> {
  const space = await spaceRow(ctx.db, member.workspaceId, spaceId);
  await ctx.db
    .updateTable('community_newsletter_subscriptions')
    .set({ unsubscribed_at: ctx.now().toISOString() })
    .where('space_id', '=', space.id)
    .where('member_id', '=', member.memberId)
    .where('unsubscribed_at', 'is', null)
    .execute();
  return {
    spaceId: space.id,
    spaceTitle: space.title,
    cadence: await cadenceOf(ctx, space.id),
    subscribed: false,
  };
}

/** The spaces that send a newsletter, with whether the member subscribed to each. */
export async function listMyNewsletters(ctx: AppContext, member: MemberActor): Promise<SubscriptionView[]> {
  const rows = await ctx.db
    .selectFrom('community_newsletters as n')
    .innerJoin('community_spaces as s', 's.id', 'n.space_id')
    .leftJoin('community_newsletter_subscriptions as sub', (j) =>
      j
        .onRef('sub.space_id', '=', 'n.space_id')
        .on('sub.member_id', '=', member.memberId)
        .on('sub.unsubscribed_at', 'is', null),
    )
    .select(['s.id', 's.title', 'n.cadence', 'sub.id as subscription_id'])
    .where('n.workspace_id', '=', member.workspaceId)
    .where('s.closed_at', 'is', null)
    .where((eb) => eb.or([eb('n.cadence', '!=', 'off'), eb('sub.id', 'is not', null)]))
    .orderBy('s.title')
    .limit(500)
    .execute();
  return rows.map((r) => ({
    spaceId: r.id,
    spaceTitle: r.title,
    cadence: r.cadence,
    subscribed: r.subscription_id !== null,
  }));
}

/**
 * One-click unsubscribe from the signed link of a digest email, without signing in. Answers the
 * space unsubscribed from; a token that does not verify is `not_found`.
 */
export async function unsubscribeByToken(
  ctx: AppContext,
  token: string,
): Promise<{ spaceTitle: string; workspaceSlug: string }> {
  const id = subscriptionOfToken(ctx, token);
  if (!id) throw new AppError('not_found', 'This unsubscribe link is not valid');
  const row = await ctx.db
    .selectFrom('community_newsletter_subscriptions as sub')
    .innerJoin('community_spaces as s', 's.id', 'sub.space_id')
    .innerJoin('workspaces as w', 'w.id', 'sub.workspace_id')
    .select(['sub.id', 's.title', 'w.slug'])
    .where('sub.id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'This unsubscribe link is not valid');
  await ctx.db
    .updateTable('community_newsletter_subscriptions')
    .set({ unsubscribed_at: ctx.now().toISOString() })
    .where('id', '=', id)
    .where('unsubscribed_at', 'is', null)
    .execute();
  return { spaceTitle: row.title, workspaceSlug: row.slug };
}
