/**
 * Community member accounts: sign-up with email verification, sign-in, sessions. Members are a
 * principal of their own (table community_members), never staff `users`: their sessions live in
 * community_member_sessions under another cookie, so no staff route can ever resolve them.
 * Sessions mirror the staff ones (docs/architecture.md, Security decisions): a random 256-bit
 * token stored as SHA-256, 14 days sliding, a synchroniser CSRF token per session.
 */
import { z } from '@hono/zod-openapi';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { sendEmail } from '../../connectors/email/smtp.ts';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { newId, randomSecret, sha256 } from '../../ids.ts';
import { readableWait } from '../../wait.ts';
import { hashPassword, verifyPassword } from '../auth/passwords.ts';
import { attachCommunityMember } from '../customers/service.ts';
import type { MemberActor } from './actors.ts';
import { communityMailer } from './outbox.ts';
import { rankFor } from './reputation.ts';
import { suspendedMessage } from './wording.ts';

const SESSION_TTL_MS = 14 * 24 * 3600_000;
const SESSION_TOUCH_MS = 3600_000;
const VERIFICATION_TTL_MS = 24 * 3600_000;

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_][a-z0-9_.-]{2,29}$/, '3–30 letters, digits, _ . or -, not starting with . or -');
export const signUpInput = z
  .object({
    workspace: z.string().min(1).max(64).openapi({ description: 'The community (workspace slug)' }),
    email: z.email().max(254),
    username: usernameSchema,
    displayName: z.string().trim().min(1).max(80).optional(),
    password: z.string().min(12).max(200),
  })
  .openapi('CommunitySignUp');
export type SignUpInput = z.infer<typeof signUpInput>;

export const memberLoginInput = z
  .object({
    workspace: z.string().min(1).max(64),
    email: z.email().max(254),
    password: z.string().min(1).max(200),
  })
  .openapi('CommunityLogin');

export type MemberSessionResult = { sessionToken: string; csrfToken: string; memberId: string };

/** Sign-up and verification-email limits per client IP, in process memory like the login throttle. */
export type SignUpThrottle = Readonly<{ check(ip: string): Promise<void> }>;

export function createSignUpThrottle(limits = { perIp: 10, windowSeconds: 3600 }): SignUpThrottle {
  const byIp = new RateLimiterMemory({
    keyPrefix: 'community_signup_ip',
    points: limits.perIp,
    duration: limits.windowSeconds,
  });
  return Object.freeze({
    async check(ip: string) {
      try {
        await byIp.consume(ip);
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        const retryAfterSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
        throw new AppError(
          'rate_limited',
          `Too many sign-ups; try again in ${readableWait(retryAfterSeconds)}`,
          {
            retryAfterSeconds,
            scope: 'ip',
          },
        );
      }
    },
  });
}

function addMs(date: Date, ms: number): string {
  return new Date(date.getTime() + ms).toISOString();
}

async function workspaceIdBySlug(
  ctx: AppContext,
  slug: string,
): Promise<{ id: string; name: string; slug: string; time_zone: string }> {
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select(['id', 'name', 'slug', 'time_zone'])
    .where('slug', '=', slug)
    .executeTakeFirst();
  if (!ws) throw new AppError('workspace_not_found', `No community "${slug}"`);
  return ws;
}

async function mail(
  ctx: AppContext,
  workspaceId: string,
  message: { to: string; subject: string; text: string },
): Promise<boolean> {
  const mailer = await communityMailer(ctx, workspaceId);
  if (!mailer) return false;
  const domain = mailer.config.fromAddress.split('@')[1] ?? 'rapport.local';
  try {
    await sendEmail(mailer.config, mailer.secret, {
      messageId: `<${newId(ctx.now())}@${domain}>`,
      ...message,
    });
    return true;
  } catch (err) {
    ctx.log.error({ err, workspaceId }, 'community email not sent');
    return false;
  }
}

/** Opens a verification for the member's email and mails its link; returns whether it was sent. */
async function sendVerification(
  ctx: AppContext,
  member: { id: string; workspaceId: string; email: string; displayName: string },
  community: { name: string; slug: string },
): Promise<boolean> {
  const communityName = community.name;
  const token = randomSecret();
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    // Only the newest link works: an older email found later cannot verify.
    await trx
      .updateTable('community_email_verifications')
      .set({ used_at: now.toISOString() })
      .where('member_id', '=', member.id)
      .where('used_at', 'is', null)
      .execute();
    await trx
      .insertInto('community_email_verifications')
      .values({
        id: sha256(token),
        workspace_id: member.workspaceId,
        member_id: member.id,
        email: member.email,
        created_at: now.toISOString(),
        expires_at: addMs(now, VERIFICATION_TTL_MS),
        used_at: null,
      })
      .execute();
  });
  // The community site's confirmation page (member-routes.ts, `memberPages`).
  const link = `${ctx.config.publicUrl}/community/${encodeURIComponent(community.slug)}/-/verify?token=${encodeURIComponent(token)}`;
  return mail(ctx, member.workspaceId, {
    to: member.email,
    subject: `Confirm your email for the ${communityName} community`,
    text: `Hello ${member.displayName},\n\nConfirm your email to finish joining the ${communityName} community:\n\n${link}\n\nThe link works for 24 hours. If you did not sign up, ignore this email.\n`,
  });
}

/**
 * Whether the community can take sign-ups: a new member confirms their email through a mailed
 * link, so only while the workspace has an enabled email connector. The join page asks the same.
 */
export async function signUpsOpen(ctx: AppContext, workspaceId: string): Promise<boolean> {
  return (await communityMailer(ctx, workspaceId)) !== null;
}

/**
 * Signs a person up: creates an unverified member and mails a verification link. An email that
 * already has a verified member is told so by email and answered the same way, so sign-up does
 * not reveal who is a member; signing up again before verifying replaces the pending details.
 */
export async function signUp(ctx: AppContext, raw: SignUpInput): Promise<{ verificationSent: boolean }> {
  const input = signUpInput.parse(raw);
  const ws = await workspaceIdBySlug(ctx, input.workspace);
  if (!(await signUpsOpen(ctx, ws.id)))
    throw new AppError('conflict', 'This community cannot send email yet, so it cannot take sign-ups');
  const email = input.email.toLowerCase();
  const displayName = input.displayName ?? input.username;
  const existing = await ctx.db
    .selectFrom('community_members')
    .select(['id', 'email_verified_at', 'username'])
    .where('workspace_id', '=', ws.id)
    .where('email', '=', email)
    .executeTakeFirst();
  if (existing?.email_verified_at) {
    const sent = await mail(ctx, ws.id, {
      to: email,
      subject: `You already have an account in the ${ws.name} community`,
      text: `Someone (maybe you) tried to sign up again with this email. You already have an account: sign in as @${existing.username}.\n`,
    });
    return { verificationSent: sent };
  }
  const taken = await ctx.db
    .selectFrom('community_members')
    .select('id')
    .where('workspace_id', '=', ws.id)
    .where('username', '=', input.username)
    .executeTakeFirst();
  if (taken && taken.id !== existing?.id)
    throw new AppError('conflict', `The username @${input.username} is taken`, {
      fields: [{ path: 'username', message: 'taken' }],
    });
  const passwordHash = await hashPassword(input.password);
  const id = existing?.id ?? newId(ctx.now());
  if (existing)
    await ctx.db
      .updateTable('community_members')
      .set({ username: input.username, display_name: displayName, password_hash: passwordHash })
      .where('id', '=', existing.id)
      .execute();
  else
    await ctx.db
      .insertInto('community_members')
      .values({
        id,
        workspace_id: ws.id,
        customer_id: null,
        username: input.username,
        display_name: displayName,
        trust_level: 0,
        created_at: ctx.now().toISOString(),
        email,
        email_verified_at: null,
        password_hash: passwordHash,
        rank: rankFor(0),
      })
      .execute();
  const sent = await sendVerification(ctx, { id, workspaceId: ws.id, email, displayName }, ws);
  return { verificationSent: sent };
}

/** Mails a new verification link to an unverified member; silent for unknown or verified emails. */
export async function resendVerification(
  ctx: AppContext,
  input: { workspace: string; email: string },
): Promise<void> {
  const ws = await workspaceIdBySlug(ctx, input.workspace);
  const m = await ctx.db
    .selectFrom('community_members')
    .select(['id', 'display_name', 'email', 'email_verified_at'])
    .where('workspace_id', '=', ws.id)
    .where('email', '=', input.email.toLowerCase())
    .executeTakeFirst();
  if (!m?.email || m.email_verified_at) return;
  await sendVerification(
    ctx,
    { id: m.id, workspaceId: ws.id, email: m.email, displayName: m.display_name },
    ws,
  );
}

/**
 * Confirms an email from the emailed token: the member can now sign in, and becomes an identity
 * of a customer (the one with that verified email, or a new one).
 */
export async function verifyEmail(
  ctx: AppContext,
  token: string,
): Promise<{ memberId: string; workspaceId: string; customerId: string }> {
  const now = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const v = await trx
      .selectFrom('community_email_verifications')
      .innerJoin('community_members', 'community_members.id', 'community_email_verifications.member_id')
      .select([
        'community_email_verifications.id',
        'community_email_verifications.email',
        'community_email_verifications.expires_at',
        'community_email_verifications.used_at',
        'community_members.id as member_id',
        'community_members.workspace_id',
        'community_members.email as member_email',
        'community_members.username',
        'community_members.display_name',
      ])
      .where('community_email_verifications.id', '=', sha256(token))
      .executeTakeFirst();
    if (!v || v.used_at !== null || v.expires_at <= now || v.member_email !== v.email)
      throw new AppError(
        'bad_request',
        'This verification link is invalid or has expired; ask for a new one',
      );
    await trx
      .updateTable('community_email_verifications')
      .set({ used_at: now })
      .where('id', '=', v.id)
      .execute();
    const { customerId } = await attachCommunityMember(ctx, trx, {
      workspaceId: v.workspace_id,
      memberId: v.member_id,
      username: v.username,
      displayName: v.display_name,
      email: v.email,
    });
    await trx
      .updateTable('community_members')
      .set({ email_verified_at: now, customer_id: customerId })
      .where('id', '=', v.member_id)
      .execute();
    return { memberId: v.member_id, workspaceId: v.workspace_id, customerId };
  });
}

let dummy: Promise<string> | undefined;
const dummyHash = () => {
  dummy ??= hashPassword(randomSecret());
  return dummy;
};

/** Checks a member's credentials and opens a session. Only verified, unsuspended members sign in. */
export async function loginMember(
  ctx: AppContext,
  input: {
    workspace: string;
    email: string;
    password: string;
    ip?: string | null;
    userAgent?: string | null;
  },
): Promise<MemberSessionResult> {
  const ws = await workspaceIdBySlug(ctx, input.workspace);
  const m = await ctx.db
    .selectFrom('community_members')
    .select(['id', 'password_hash', 'email_verified_at', 'suspended_until'])
    .where('workspace_id', '=', ws.id)
    .where('email', '=', input.email.toLowerCase())
    .executeTakeFirst();
  // A dummy hash for unknown emails, so timing does not reveal who is a member.
  const ok = await verifyPassword(input.password, m?.password_hash ?? (await dummyHash()));
  if (!m || !ok) throw new AppError('invalid_credentials', 'Email or password is incorrect');
  if (!m.email_verified_at)
    throw new AppError('forbidden', 'Confirm your email first: we sent you a link', {
      reason: 'email_not_verified',
    });
  const now = ctx.now();
  if (m.suspended_until && m.suspended_until > now.toISOString())
    throw new AppError('forbidden', suspendedMessage(m.suspended_until, ws.time_zone), {
      reason: 'suspended',
      until: m.suspended_until,
    });
  const sessionToken = randomSecret();
  const csrfToken = randomSecret();
  await ctx.db
    .insertInto('community_member_sessions')
    .values({
      id: sha256(sessionToken),
      workspace_id: ws.id,
      member_id: m.id,
      csrf_token: csrfToken,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: addMs(now, SESSION_TTL_MS),
      ip: input.ip ?? null,
      user_agent: input.userAgent?.slice(0, 300) ?? null,
    })
    .execute();
  return { sessionToken, csrfToken, memberId: m.id };
}

export async function logoutMember(ctx: AppContext, sessionToken: string): Promise<void> {
  await ctx.db.deleteFrom('community_member_sessions').where('id', '=', sha256(sessionToken)).execute();
}

/**
 * Resolves a member session cookie, sliding its expiry; null when unknown or expired. The member's
 * `lastSeenAt` lets the middleware count the day's visit once.
 */
export async function memberFromSession(
  ctx: AppContext,
  sessionToken: string,
): Promise<{
  member: MemberActor;
  csrfToken: string;
  lastSeenAt: string | null;
  sessionId: string;
  lastPageViewAt: string | null;
} | null> {
  const row = await ctx.db
    .selectFrom('community_member_sessions')
    .innerJoin('community_members', 'community_members.id', 'community_member_sessions.member_id')
    .select([
      'community_member_sessions.id',
      'community_member_sessions.csrf_token',
      'community_member_sessions.last_seen_at as session_seen_at',
      'community_member_sessions.expires_at',
      'community_member_sessions.last_page_view_at',
      'community_members.id as member_id',
      'community_members.workspace_id',
      'community_members.trust_level',
      'community_members.last_seen_at',
    ])
    .where('community_member_sessions.id', '=', sha256(sessionToken))
    .executeTakeFirst();
  const now = ctx.now();
  if (!row || row.expires_at <= now.toISOString()) return null;
  if (now.getTime() - Date.parse(row.session_seen_at) > SESSION_TOUCH_MS)
    await ctx.db
      .updateTable('community_member_sessions')
      .set({ last_seen_at: now.toISOString(), expires_at: addMs(now, SESSION_TTL_MS) })
      .where('id', '=', row.id)
      .execute();
  return {
    member: {
      kind: 'member',
      memberId: row.member_id,
      workspaceId: row.workspace_id,
      trustLevel: Number(row.trust_level),
    },
    csrfToken: row.csrf_token,
    lastSeenAt: row.last_seen_at,
    sessionId: row.id,
    lastPageViewAt: row.last_page_view_at,
  };
}

/** Deletes expired member sessions (the scheduler's hourly purge can call it with the staff one). */
export async function purgeExpiredMemberSessions(ctx: AppContext): Promise<number> {
  const result = await ctx.db
    .deleteFrom('community_member_sessions')
    .where('expires_at', '<=', ctx.now().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
