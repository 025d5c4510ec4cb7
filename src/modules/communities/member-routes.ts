import { timingSafeEqual } from 'node:crypto';
import { getConnInfo } from '@hono/node-server/conninfo';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { statusOf } from '../../http/errors.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { randomSecret } from '../../ids.ts';
import { pageQuery } from '../../pagination.ts';
import { readableWait } from '../../wait.ts';
import { createLoginThrottle, type LoginThrottle } from '../auth/login-throttle.ts';
import { flagInput, flagPost, reviewPost, reviewQueue } from './flags.ts';
import {
  createSignUpThrottle,
  loginMember,
  logoutMember,
  memberFromSession,
  memberLoginInput,
  resendVerification,
  type SignUpThrottle,
  signUp,
  signUpInput,
  signUpsOpen,
  verifyEmail,
} from './member-auth.ts';
import { MEMBER_COOKIE, type MemberEnv, memberOf } from './member-session.ts';
import {
  getMyProfile,
  listMembers,
  memberProfileSchema,
  profilePatch,
  setSpaceModerator,
  suspendMember,
  updateMyProfile,
} from './members.ts';
import {
  adjustPoints,
  ledgerEntrySchema,
  likePost,
  pointsAdjustmentInput,
  pointsAdjustmentResult,
  pointsLedger,
  unlikePost,
} from './reputation.ts';
import { type Frame, layout, notFoundPage, siteHref } from './site/pages.ts';
import { memberName, siteWorkspace } from './site/queries.ts';
import { getTrustConfig, recordReading, saveTrustConfig, setLeader, trustConfigSchema } from './trust.ts';
import { fieldProblems, notFoundText } from './wording.ts';

const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const postIdParam = z.object({ id: z.coerce.number().int().positive() });
const idParam = z.object({ id: z.string().min(1).max(64) });
const memberSecurity = [{ memberSession: [] }];

const flagSchema = z
  .object({
    id: z.string(),
    postId: z.number().int(),
    reason: z.string(),
    weight: z.number(),
    flaggedBy: z.object({
      kind: z.enum(['member', 'staff', 'system']),
      memberId: z.string().optional(),
      userId: z.string().optional(),
    }),
    note: z.string().nullable(),
    createdAt: z.string(),
    resolution: z.enum(['agreed', 'disagreed']).nullable(),
  })
  .openapi('CommunityFlag');
const reviewItemSchema = z
  .object({
    postId: z.number().int(),
    threadId: z.string(),
    spaceId: z.string(),
    postNumber: z.number().int(),
    authorMemberId: z.string().nullable(),
    excerpt: z.string(),
    hidden: z.boolean(),
    score: z.number(),
    flags: z.array(flagSchema),
  })
  .openapi('CommunityReviewItem');
const reviewInput = z.object({ decision: z.enum(['agree', 'restore']) }).openapi('CommunityReviewDecision');
const reviewResult = z.object({ hidden: z.boolean(), resolvedFlags: z.number().int() });
const likeResult = z.object({ liked: z.boolean(), likeCount: z.number().int() });
const meSchema = z.object({ member: memberProfileSchema, csrfToken: z.string() });
function clientIp(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export type MemberRouteOptions = { throttle?: LoginThrottle; signUpThrottle?: SignUpThrottle };

/**
 * The member's own routes under /community: sign-up, verification, sign-in (open), and sign-out,
 * profile, points, likes, flags, reading, member moderation (a member session). Mounted behind
 * `memberSession` (member-session.ts); staff `authenticate` lets these paths through.
 */
export function memberAuthRoutes(ctx: AppContext, options: MemberRouteOptions = {}) {
  const app = new OpenAPIHono<MemberEnv>({ defaultHook: validationHook });
  const throttle = options.throttle ?? createLoginThrottle();
  const signUpThrottle = options.signUpThrottle ?? createSignUpThrottle();
  const secureCookie = ctx.config.publicUrl.startsWith('https://');
  app.openAPIRegistry.registerComponent('securitySchemes', 'memberSession', {
    type: 'apiKey',
    in: 'cookie',
    name: MEMBER_COOKIE,
    description: 'Community member session; writes also need the X-CSRF-Token header',
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/auth/signup',
      tags: ['Community members'],
      summary: 'Join a community: creates the account and emails a verification link',
      security: [],
      request: { body: jsonBody(signUpInput) },
      responses: {
        202: jsonContent(z.object({ verificationSent: z.boolean() }), 'Check your email'),
        ...errorResponses(400, 404, 409, 429),
      },
    }),
    async (c) => {
      await signUpThrottle.check(clientIp(c));
      return c.json(await signUp(ctx, c.req.valid('json')), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/auth/verify',
      tags: ['Community members'],
      summary: 'Confirm an email with the token from the verification link',
      security: [],
      request: { body: jsonBody(z.object({ token: z.string().min(10).max(200) })) },
      responses: {
        200: jsonContent(z.object({ memberId: z.string() }), 'Verified; the member can sign in'),
        ...errorResponses(400),
      },
    }),
    async (c) => {
      const { memberId } = await verifyEmail(ctx, c.req.valid('json').token);
      return c.json({ memberId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/auth/resend',
      tags: ['Community members'],
      summary: 'Email a new verification link (answers the same whether or not the email is known)',
      security: [],
      request: {
        body: jsonBody(z.object({ workspace: z.string().min(1).max(64), email: z.email().max(254) })),
      },
      responses: {
        202: { description: 'Sent if there is something to verify' },
        ...errorResponses(400, 404, 429),
      },
    }),
    async (c) => {
      await signUpThrottle.check(clientIp(c));
      await resendVerification(ctx, c.req.valid('json'));
      return c.body(null, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/auth/login',
      tags: ['Community members'],
      summary: 'Sign in as a member; sets the member session cookie',
      security: [],
      request: { body: jsonBody(memberLoginInput) },
      responses: { 200: jsonContent(meSchema, 'Signed in'), ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      const key = `${input.workspace}:${input.email.toLowerCase()}`;
      await throttle.check(clientIp(c), key);
      let result: Awaited<ReturnType<typeof loginMember>>;
      try {
        result = await loginMember(ctx, {
          ...input,
          ip: clientIp(c),
          userAgent: c.req.header('user-agent') ?? null,
        });
      } catch (err) {
        await throttle.recordFailure(key);
        throw err;
      }
      await throttle.recordSuccess(key);
      setCookie(c, MEMBER_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: secureCookie,
        path: '/',
        maxAge: 14 * 24 * 3600,
      });
      const ws = await ctx.db
        .selectFrom('community_members')
        .select('workspace_id')
        .where('id', '=', result.memberId)
        .executeTakeFirstOrThrow();
      const member = await getMyProfile(ctx, {
        kind: 'member',
        memberId: result.memberId,
        workspaceId: ws.workspace_id,
        trustLevel: 0,
      });
      return c.json({ member, csrfToken: result.csrfToken }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/auth/logout',
      tags: ['Community members'],
      summary: 'End the member session',
      security: memberSecurity,
      responses: { 204: { description: 'Signed out' }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      memberOf(c);
      if (c.var.memberSessionToken) await logoutMember(ctx, c.var.memberSessionToken);
      deleteCookie(c, MEMBER_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/me',
      tags: ['Community members'],
      summary: "The signed-in member's profile, trust level, what it unlocks, and the CSRF token",
      security: memberSecurity,
      responses: { 200: jsonContent(meSchema, 'Profile'), ...errorResponses(401) },
    }),
    async (c) => {
      const member = memberOf(c);
      return c.json({ member: await getMyProfile(ctx, member), csrfToken: c.var.memberCsrfToken ?? '' }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/community/me',
      tags: ['Community members'],
      summary: 'Change your display name, bio, or whether you get email about replies (emailReplies)',
      security: memberSecurity,
      request: { body: jsonBody(profilePatch) },
      responses: { 200: jsonContent(memberProfileSchema, 'Updated'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await updateMyProfile(ctx, memberOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/me/points',
      tags: ['Community members'],
      summary: 'Your points, line by line, newest first',
      security: memberSecurity,
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(ledgerEntrySchema), 'A page of entries'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const member = memberOf(c);
      return c.json(await pointsLedger(ctx, member, member.memberId, c.req.valid('query')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/reading',
      tags: ['Community members'],
      summary: 'Report time spent reading a thread toward trust levels (posts read come from marking read)',
      security: memberSecurity,
      request: {
        body: jsonBody(
          z.object({ threadId: z.string().min(1).max(64), msReading: z.number().int().min(0).max(3600_000) }),
        ),
      },
      responses: {
        200: jsonContent(z.object({ trustLevel: z.number().int() }), 'Recorded'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await recordReading(ctx, memberOf(c), { ...c.req.valid('json'), postsRead: 0 }), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/posts/{id}/like',
      tags: ['Community members'],
      summary: 'Like a post (idempotent; not your own)',
      security: memberSecurity,
      request: { params: postIdParam },
      responses: { 200: jsonContent(likeResult, 'Liked'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await likePost(ctx, memberOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/community/posts/{id}/like',
      tags: ['Community members'],
      summary: 'Take a like back (idempotent)',
      security: memberSecurity,
      request: { params: postIdParam },
      responses: { 200: jsonContent(likeResult, 'Not liked'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await unlikePost(ctx, memberOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/posts/{id}/flags',
      tags: ['Community members'],
      summary: 'Flag a post (spam, offensive, off topic, other); enough weighted flags hide it',
      security: memberSecurity,
      request: { params: postIdParam, body: jsonBody(flagInput) },
      responses: {
        201: jsonContent(z.object({ flag: flagSchema, hidden: z.boolean() }), 'Flagged'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await flagPost(ctx, memberOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/moderation/queue',
      tags: ['Community members'],
      summary: 'Flagged posts in the spaces you moderate',
      security: memberSecurity,
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(reviewItemSchema), 'Flagged posts'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await reviewQueue(ctx, memberOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/moderation/posts/{id}/review',
      tags: ['Community members'],
      summary: 'Agree with the flags (keep hidden) or restore the post, in a space you moderate',
      security: memberSecurity,
      request: { params: postIdParam, body: jsonBody(reviewInput) },
      responses: { 200: jsonContent(reviewResult, 'Reviewed'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await reviewPost(ctx, memberOf(c), c.req.valid('param').id, c.req.valid('json').decision), 200),
  );

  return app;
}

/** Staff routes for members, trust and moderation under /communities (staff authentication). */
export function communityStaffMemberRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/trust-config',
      tags: ['Communities'],
      summary: 'Trust level thresholds and what each level unlocks (owner, admin)',
      responses: { 200: jsonContent(trustConfigSchema, 'The configuration'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await getTrustConfig(ctx, actorOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/trust-config',
      tags: ['Communities'],
      summary: 'Replace the trust level thresholds and unlocks (owner, admin)',
      request: { body: jsonBody(trustConfigSchema) },
      responses: { 200: jsonContent(trustConfigSchema, 'Saved'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await saveTrustConfig(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/members',
      tags: ['Communities'],
      summary: "The community's members with trust level, rank and stats",
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(memberProfileSchema), 'A page of members'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await listMembers(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/members/{id}/leader',
      tags: ['Communities'],
      summary: 'Grant (or take back) trust level 4, leader (owner, admin)',
      request: { params: idParam, body: jsonBody(z.object({ leader: z.boolean() })) },
      responses: {
        200: jsonContent(z.object({ trustLevel: z.number().int() }), 'Changed'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await setLeader(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').leader), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/members/{id}/suspension',
      tags: ['Communities'],
      summary: 'Suspend a member until a time (null lifts it); ends their sessions',
      request: { params: idParam, body: jsonBody(z.object({ until: z.iso.datetime().nullable() })) },
      responses: { 200: jsonContent(memberProfileSchema, 'Changed'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await suspendMember(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').until), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/spaces/{id}/moderators/{memberId}',
      tags: ['Communities'],
      summary: 'Make a member a moderator of a space (owner, admin)',
      request: { params: z.object({ id: z.string().min(1).max(64), memberId: z.string().min(1).max(64) }) },
      responses: {
        200: jsonContent(z.object({ moderatesSpaces: z.array(z.string()) }), 'Added'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(
        await setSpaceModerator(ctx, actorOf(c), { spaceId: id, memberId, moderator: true }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/communities/spaces/{id}/moderators/{memberId}',
      tags: ['Communities'],
      summary: 'Stop a member moderating a space (owner, admin)',
      request: { params: z.object({ id: z.string().min(1).max(64), memberId: z.string().min(1).max(64) }) },
      responses: {
        200: jsonContent(z.object({ moderatesSpaces: z.array(z.string()) }), 'Removed'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id, memberId } = c.req.valid('param');
      return c.json(
        await setSpaceModerator(ctx, actorOf(c), { spaceId: id, memberId, moderator: false }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/posts/{id}/flags',
      tags: ['Communities'],
      summary: 'Flag a post as staff (the leader weight)',
      request: { params: postIdParam, body: jsonBody(flagInput) },
      responses: {
        201: jsonContent(z.object({ flag: flagSchema, hidden: z.boolean() }), 'Flagged'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await flagPost(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/moderation/queue',
      tags: ['Communities'],
      summary: 'Flagged posts waiting for review (communities:moderate)',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(reviewItemSchema), 'Flagged posts'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await reviewQueue(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/moderation/posts/{id}/review',
      tags: ['Communities'],
      summary: 'Agree with the flags (keep hidden) or restore the post (communities:moderate)',
      request: { params: postIdParam, body: jsonBody(reviewInput) },
      responses: { 200: jsonContent(reviewResult, 'Reviewed'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await reviewPost(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').decision), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/members/{id}/points',
      tags: ['Communities'],
      summary: "A member's points, line by line",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(ledgerEntrySchema), 'A page of entries'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) =>
      c.json(await pointsLedger(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/members/{id}/points',
      tags: ['Communities'],
      summary: 'Give or take back points by hand, with a reason (communities:moderate, audited)',
      request: { params: idParam, body: jsonBody(pointsAdjustmentInput) },
      responses: {
        201: jsonContent(pointsAdjustmentResult, 'The ledger line and the new total'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await adjustPoints(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  return app;
}

// ---------------------------------------------------------------------------------------------
// The member pages of the public community site: join, confirm the email, sign in and out, as
// server-rendered forms that work without JavaScript. Under `/community/<workspace>/-/…` (the
// `-` segment keeps them apart from the site's space, thread and member pages), in the site's
// layout, so its header leads back to the community.

const FORM_COOKIE = 'rapport_form';

type PageEnv = { Variables: AppEnv['Variables'] };

/**
 * A member page in the site's frame; without one (the workspace of a mailed link is gone or was
 * renamed) a bare page, so the link still says what happened.
 */
function page(frame: Frame | null, title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  const content = html`<div class="member-form"><h1>${title}</h1>${body}</div>`;
  if (frame) return layout(frame, title, title, content);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title><link rel="stylesheet" href="/community/-/site.css"></head>
<body><main class="wrap">${content}</main></body></html>`;
}

/** The site's frame of a member page: the community, and the member of it who is signed in, if any. */
async function memberPageFrame(ctx: AppContext, c: Context, slug: string): Promise<Frame> {
  const ws = await siteWorkspace(ctx, slug);
  const cookie = getCookie(c, MEMBER_COOKIE);
  const session = cookie ? await memberFromSession(ctx, cookie) : null;
  // A member of another workspace's community is a visitor here.
  const reader =
    session && session.member.workspaceId === ws.id
      ? await memberName(ctx, ws.id, session.member.memberId)
      : null;
  return {
    ws,
    reader,
    canonical: null,
    noindex: true,
    ...(reader && session ? { formToken: session.csrfToken } : {}),
  };
}

/**
 * A double-submit token for the forms: a random value in a SameSite=Strict cookie and in the
 * form; a cross-site form post carries neither the cookie nor the value.
 */
function formToken(c: Context, secure: boolean): string {
  const existing = getCookie(c, FORM_COOKIE);
  if (existing && existing.length >= 32) return existing;
  const token = randomSecret();
  setCookie(c, FORM_COOKIE, token, { httpOnly: true, sameSite: 'Strict', secure, path: '/community' });
  return token;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function checkFormToken(c: Context, sent: unknown): void {
  const cookie = getCookie(c, FORM_COOKIE);
  if (!cookie || typeof sent !== 'string' || sent !== cookie)
    throw new AppError('csrf_failed', 'This form is out of date; reload the page and try again');
}

const field = (form: Record<string, unknown>, name: string) => {
  const v = form[name];
  return typeof v === 'string' ? v : '';
};

/** What each field of the join and sign-in forms needs, said when a value does not fit. */
const joinNeeds: Record<string, string> = {
  email: 'Enter your email address, like name@example.com.',
  username: 'Choose a username of 3 to 30 letters, digits, _ . or -, not starting with . or -.',
  displayName: 'Keep your display name to 80 characters or fewer.',
  password: 'Choose a password of 12 to 200 characters.',
  workspace: 'This community address is not valid.',
};
const signInNeeds: Record<string, string> = {
  email: 'Enter the email address you joined with.',
  password: 'Enter your password.',
  workspace: 'This community address is not valid.',
};

function errorText(
  err: unknown,
  needs: Record<string, string> = {},
): { status: ContentfulStatusCode; message: string } {
  if (err instanceof z.ZodError) return { status: 400, message: fieldProblems(err, needs) };
  if (err instanceof AppError) {
    // The login throttle is shared with staff sign-in and counts in seconds; members read a wait.
    const seconds = err.details?.retryAfterSeconds;
    if (err.code === 'rate_limited' && typeof seconds === 'number')
      return {
        status: statusOf(err.code),
        message: `${err.message.replace(/;.*$/, '')}; try again in ${readableWait(seconds)}`,
      };
    return { status: statusOf(err.code), message: err.message };
  }
  throw err;
}

export function memberPages(ctx: AppContext, options: MemberRouteOptions = {}) {
  const app = new Hono<PageEnv>();
  const throttle = options.throttle ?? createLoginThrottle();
  const signUpThrottle = options.signUpThrottle ?? createSignUpThrottle();
  const secure = ctx.config.publicUrl.startsWith('https://');
  // Only these pages: the site's own pages, mounted at the same prefix, keep their caching.
  app.use(
    '/:ws/-/*',
    bodyLimit({
      maxSize: 16 * 1024,
      onError: () => {
        throw new AppError('payload_too_large', 'The form is too large');
      },
    }),
  );
  app.use('/:ws/-/*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });

  /** The frame of the page, or the site's "not found" page for a community that does not exist. */
  const frameOf = async (c: Context): Promise<Frame | Response> => {
    try {
      return await memberPageFrame(ctx, c, c.req.param('ws') ?? '');
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found')
        return c.html(notFoundPage(null, notFoundText(err.message)), 404);
      throw err;
    }
  };
  const home = (frame: Frame) => siteHref.home(frame.ws);

  const joinForm = (c: Context, frame: Frame, message = '', values: Record<string, string> = {}) =>
    page(
      frame,
      'Join the community',
      html`${message ? html`<p class="error" role="alert">${message}</p>` : ''}
<form method="post" action="${home(frame)}/-/join">
<input type="hidden" name="form" value="${formToken(c, secure)}">
<label>Email <input type="email" name="email" required autocomplete="email" value="${values.email ?? ''}"></label>
<label>Username <input name="username" required minlength="3" maxlength="30" autocomplete="username" value="${values.username ?? ''}"></label>
<label>Display name <input name="displayName" maxlength="80" autocomplete="name" value="${values.displayName ?? ''}"></label>
<label>Password (12 characters or more) <input type="password" name="password" required minlength="12" autocomplete="new-password"></label>
<button type="submit">Join</button></form>
<p>Already a member? <a href="${home(frame)}/-/sign-in">Sign in</a>.</p>`,
    );
  // Said before anyone fills in the form: a sign-up could not send its confirmation link.
  const joinClosed = (frame: Frame) =>
    page(
      frame,
      'Join the community',
      html`<p class="notice">Joining is not open: this community cannot send email yet, and new members confirm their address by email. Please come back later.</p>
<p>Already a member? <a href="${home(frame)}/-/sign-in">Sign in</a>. Or <a href="${home(frame)}">read the community</a> as a visitor.</p>`,
    );
  const signInForm = (c: Context, frame: Frame, joinOpen: boolean, message = '', email = '') =>
    page(
      frame,
      'Sign in to the community',
      html`${message ? html`<p class="error" role="alert">${message}</p>` : ''}
<form method="post" action="${home(frame)}/-/sign-in">
<input type="hidden" name="form" value="${formToken(c, secure)}">
<label>Email <input type="email" name="email" required autocomplete="email" value="${email}"></label>
<label>Password <input type="password" name="password" required autocomplete="current-password"></label>
<button type="submit">Sign in</button></form>
${
  joinOpen
    ? html`<p>New here? <a href="${home(frame)}/-/join">Join the community</a>.</p>`
    : html`<p>New here? Joining is not open yet: this community cannot send email.</p>`
}`,
    );

  app.get('/:ws/-/join', async (c) => {
    const frame = await frameOf(c);
    if (frame instanceof Response) return frame;
    if (!(await signUpsOpen(ctx, frame.ws.id))) return c.html(joinClosed(frame));
    return c.html(joinForm(c, frame));
  });
  app.post('/:ws/-/join', async (c) => {
    const ws = c.req.param('ws');
    const frame = await frameOf(c);
    if (frame instanceof Response) return frame;
    if (!(await signUpsOpen(ctx, frame.ws.id))) return c.html(joinClosed(frame), 409);
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const values = {
      email: field(form, 'email'),
      username: field(form, 'username'),
      displayName: field(form, 'displayName'),
    };
    try {
      checkFormToken(c, form.form);
      await signUpThrottle.check(clientIp(c));
      const input = signUpInput.parse({
        workspace: ws,
        ...values,
        displayName: values.displayName || undefined,
        password: field(form, 'password'),
      });
      await signUp(ctx, input);
      return c.html(
        page(
          frame,
          'Check your email',
          html`<p>We sent a link to ${input.email}. Open it within 24 hours to confirm your email, then sign in.</p>`,
        ),
        202,
      );
    } catch (err) {
      const { status, message } = errorText(err, joinNeeds);
      return c.html(joinForm(c, frame, message, values), status);
    }
  });

  app.get('/:ws/-/verify', async (c) => {
    const ws = c.req.param('ws');
    // The token alone verifies; the address's community only frames the answer.
    const found = await frameOf(c);
    const frame = found instanceof Response ? null : found;
    try {
      await verifyEmail(ctx, c.req.query('token') ?? '');
      return c.html(
        page(
          frame,
          'Email confirmed',
          html`<p>Welcome to the community. <a href="/community/${ws}/-/sign-in">Sign in</a> to post, reply and vote.</p>`,
        ),
      );
    } catch (err) {
      const { message } = errorText(err);
      return c.html(page(frame, 'This link does not work', html`<p>${message}.</p>`), 400);
    }
  });

  app.get('/:ws/-/sign-in', async (c) => {
    const frame = await frameOf(c);
    if (frame instanceof Response) return frame;
    return c.html(signInForm(c, frame, await signUpsOpen(ctx, frame.ws.id)));
  });
  app.post('/:ws/-/sign-in', async (c) => {
    const ws = c.req.param('ws');
    const frame = await frameOf(c);
    if (frame instanceof Response) return frame;
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const email = field(form, 'email');
    const key = `${ws}:${email.toLowerCase()}`;
    try {
      checkFormToken(c, form.form);
      await throttle.check(clientIp(c), key);
      const input = memberLoginInput.parse({ workspace: ws, email, password: field(form, 'password') });
      let result: Awaited<ReturnType<typeof loginMember>>;
      try {
        result = await loginMember(ctx, {
          ...input,
          ip: clientIp(c),
          userAgent: c.req.header('user-agent') ?? null,
        });
      } catch (err) {
        await throttle.recordFailure(key);
        throw err;
      }
      await throttle.recordSuccess(key);
      setCookie(c, MEMBER_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'Lax',
        secure,
        path: '/',
        maxAge: 14 * 24 * 3600,
      });
      return c.redirect(`/community/${encodeURIComponent(ws)}`, 303);
    } catch (err) {
      const { status, message } = errorText(err, signInNeeds);
      return c.html(signInForm(c, frame, await signUpsOpen(ctx, frame.ws.id), message, email), status);
    }
  });

  app.post('/:ws/-/sign-out', async (c) => {
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const token = getCookie(c, MEMBER_COOKIE);
    const session = token ? await memberFromSession(ctx, token) : null;
    // The site header's button carries the member session's form token (as the write forms do);
    // a page without a session carries the double-submit token of the sign-in forms.
    const sent = field(form, 'form');
    if (!session || !sent || !sameSecret(sent, session.csrfToken)) checkFormToken(c, form.form);
    if (token) await logoutMember(ctx, token);
    deleteCookie(c, MEMBER_COOKIE, { path: '/' });
    return c.redirect(`/community/${encodeURIComponent(c.req.param('ws'))}`, 303);
  });

  return app;
}
