/**
 * Community members as people: their profile (seen by themselves, by other members, by staff),
 * staff's list of members, suspension, and member moderators of spaces.
 */
import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunityMembersTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { MemberActor } from './actors.ts';
import { permissionsFor, type TrustPermissions, trustConfigOf } from './trust.ts';

type MemberRow = Selectable<CommunityMembersTable>;

export const publicMemberSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    bio: z.string().nullable(),
    trustLevel: z.number().int(),
    rank: z.string(),
    points: z.number().int(),
    joinedAt: z.string(),
  })
  .openapi('CommunityMember');
export type PublicMember = z.infer<typeof publicMemberSchema>;

const permissionsSchema = z.object({
  trustLevel: z.number().int(),
  postLinks: z.boolean(),
  postImages: z.boolean(),
  createSpaces: z.boolean(),
  moderate: z.boolean(),
  flagWeight: z.number(),
  postLimit: z.object({ posts: z.number().int(), windowMinutes: z.number().int() }).nullable(),
});

export const memberProfileSchema = publicMemberSchema
  .extend({
    email: z.string().nullable(),
    emailVerified: z.boolean(),
    emailReplies: z.boolean().openapi({
      description:
        'Email me about replies: an email when your question gets its first answer, when an answer to it is accepted, and when your answer to someone else’s question is accepted (needs a verified email)',
    }),
    customerId: z.string().nullable(),
    suspendedUntil: z.string().nullable(),
    stats: z.object({
      daysVisited: z.number().int(),
      postsRead: z.number().int(),
      minutesReading: z.number().int(),
      likesGiven: z.number().int(),
      likesReceived: z.number().int(),
      flagsAgreed: z.number().int(),
      flagsDisagreed: z.number().int(),
    }),
    permissions: permissionsSchema,
    moderatesSpaces: z.array(z.string()),
  })
  .openapi('CommunityMemberProfile');
export type MemberProfile = z.infer<typeof memberProfileSchema>;

export const profilePatch = z
  .object({
    displayName: z.string().trim().min(1).max(80).optional(),
    bio: z.string().trim().max(1000).nullable().optional(),
    emailReplies: z.boolean().optional(),
  })
  .openapi('CommunityProfilePatch');

function toPublic(r: MemberRow): PublicMember {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    bio: r.bio,
    trustLevel: Number(r.trust_level),
    rank: r.rank,
    points: Number(r.points),
    joinedAt: r.created_at,
  };
}

async function memberRow(ctx: AppContext, workspaceId: string, memberId: string): Promise<MemberRow> {
  const row = await ctx.db
    .selectFrom('community_members')
    .selectAll()
    .where('id', '=', memberId)
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No community member ${memberId}`);
  return row;
}

async function toProfile(ctx: AppContext, r: MemberRow): Promise<MemberProfile> {
  const config = await trustConfigOf(ctx, ctx.db, r.workspace_id);
  const permissions: TrustPermissions = permissionsFor(Number(r.trust_level), config);
  const spaces = await ctx.db
    .selectFrom('community_space_moderators')
    .select('space_id')
    .where('member_id', '=', r.id)
    .orderBy('space_id')
    .execute();
  return {
    ...toPublic(r),
    email: r.email,
    emailVerified: r.email_verified_at !== null,
    emailReplies: Number(r.email_replies) === 1,
    customerId: r.customer_id,
    suspendedUntil: r.suspended_until,
    stats: {
      daysVisited: Number(r.days_visited),
      postsRead: Number(r.posts_read),
      minutesReading: Math.floor(Number(r.time_reading_ms) / 60_000),
      likesGiven: Number(r.likes_given),
      likesReceived: Number(r.likes_received),
      flagsAgreed: Number(r.flags_agreed),
      flagsDisagreed: Number(r.flags_disagreed),
    },
    permissions,
    moderatesSpaces: spaces.map((s) => s.space_id),
  };
}

/** The signed-in member's own profile, with what their trust level lets them do. */
export async function getMyProfile(ctx: AppContext, member: MemberActor): Promise<MemberProfile> {
  return toProfile(ctx, await memberRow(ctx, member.workspaceId, member.memberId));
}

export async function updateMyProfile(
  ctx: AppContext,
  member: MemberActor,
  patch: z.infer<typeof profilePatch>,
): Promise<MemberProfile> {
  const valid = profilePatch.parse(patch);
  const set: { display_name?: string; bio?: string | null; email_replies?: number } = {};
  if (valid.displayName !== undefined) set.display_name = valid.displayName;
  if (valid.bio !== undefined) set.bio = valid.bio || null;
  if (valid.emailReplies !== undefined) set.email_replies = valid.emailReplies ? 1 : 0;
  if (Object.keys(set).length > 0)
    await ctx.db
      .updateTable('community_members')
      .set(set)
      .where('id', '=', member.memberId)
      .where('workspace_id', '=', member.workspaceId)
      .execute();
  return getMyProfile(ctx, member);
}

/** What anyone in the community sees of a member, by username. */
export async function publicProfile(
  ctx: AppContext,
  workspaceId: string,
  username: string,
): Promise<PublicMember> {
  const row = await ctx.db
    .selectFrom('community_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('username', '=', username.toLowerCase())
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No member @${username}`);
  return toPublic(row);
}

// ---------------------------------------------------------------------------------------------
// Staff

/** The workspace's members, oldest first (keyset on id), with their profiles (communities:read). */
export async function listMembers(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery,
): Promise<Page<MemberProfile>> {
  requirePermission(actor, 'communities:read');
  let q = ctx.db
    .selectFrom('community_members')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.cursor !== undefined) q = q.where('id', '>', String(decodeCursor(page.cursor)));
  const rows = await q.execute();
  const items = await Promise.all(rows.slice(0, page.limit).map((r) => toProfile(ctx, r)));
  return toPage(
    rows.slice(0, page.limit + 1),
    page.limit,
    (r) => r.id,
    (r) => items.find((i) => i.id === r.id) as MemberProfile,
  );
}

/** Suspends a member until a time (null lifts it) and ends their sessions (communities:moderate). */
export async function suspendMember(
  ctx: AppContext,
  actor: Actor,
  memberId: string,
  until: string | null,
): Promise<MemberProfile> {
  requirePermission(actor, 'communities:moderate');
  await memberRow(ctx, actor.workspaceId, memberId);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_members')
      .set({ suspended_until: until })
      .where('id', '=', memberId)
      .execute();
    if (until) await trx.deleteFrom('community_member_sessions').where('member_id', '=', memberId).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: until ? 'community.member_suspended' : 'community.member_unsuspended',
      targetType: 'community_member',
      targetId: memberId,
      details: { until },
    });
  });
  return toProfile(ctx, await memberRow(ctx, actor.workspaceId, memberId));
}

/** Makes a member a moderator of a space, or stops it (communities:manage). */
export async function setSpaceModerator(
  ctx: AppContext,
  actor: Actor,
  input: { spaceId: string; memberId: string; moderator: boolean },
): Promise<{ moderatesSpaces: string[] }> {
  requirePermission(actor, 'communities:manage');
  const space = await ctx.db
    .selectFrom('community_spaces')
    .select('id')
    .where('id', '=', input.spaceId)
    .where('workspace_id', '=', actor.workspaceId)
    .executeTakeFirst();
  if (!space) throw new AppError('not_found', `No space ${input.spaceId}`);
  await memberRow(ctx, actor.workspaceId, input.memberId);
  await ctx.db.transaction().execute(async (trx) => {
    if (input.moderator)
      await trx
        .insertInto('community_space_moderators')
        .values({
          space_id: input.spaceId,
          member_id: input.memberId,
          workspace_id: actor.workspaceId,
          created_by: actor.userId,
          created_at: ctx.now().toISOString(),
        })
        .onConflict((oc) => oc.columns(['space_id', 'member_id']).doNothing())
        .execute();
    else
      await trx
        .deleteFrom('community_space_moderators')
        .where('space_id', '=', input.spaceId)
        .where('member_id', '=', input.memberId)
        .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: input.moderator ? 'community.moderator_added' : 'community.moderator_removed',
      targetType: 'community_member',
      targetId: input.memberId,
      details: { spaceId: input.spaceId },
    });
  });
  const spaces = await ctx.db
    .selectFrom('community_space_moderators')
    .select('space_id')
    .where('member_id', '=', input.memberId)
    .orderBy('space_id')
    .execute();
  return { moderatesSpaces: spaces.map((s) => s.space_id) };
}
