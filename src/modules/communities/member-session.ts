import { timingSafeEqual } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { CSRF_HEADER, publicRouteMatcher } from '../../http/middleware/authenticate.ts';
import type { MemberActor } from './actors.ts';
import { memberFromSession } from './member-auth.ts';
import { recordVisit } from './trust.ts';

/** Not the staff cookie: a member session can never be presented where a staff one is read. */
export const MEMBER_COOKIE = 'rapport_member';
/** How a visitor without an account names the community they read (a workspace slug). */
export const COMMUNITY_HEADER = 'x-community';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request variables of member-facing routes. */
export type MemberEnv = {
  Variables: AppEnv['Variables'] & {
    member: MemberActor | undefined;
    /** The raw member cookie when the request carries a valid member session. */
    memberSessionToken: string | null;
    memberCsrfToken: string | null;
    /** The community being read: the member's, or for a visitor the one named by slug. */
    communityWorkspaceId: string | undefined;
  };
};

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Member-facing routes, split by whether they need a member ("METHOD /path/{param}" patterns). */
export type MemberRouteRules = { open: string[]; reads: string[]; memberOnly: string[] };

/**
 * Reads the member routes from the apps' OpenAPI registrations: open routes, declared with
 * `security: []` (sign-up, sign-in), need nobody; reads (other GETs) need a member or a visitor
 * who names the community; every other route needs a member. Mounted at `prefix` (`/api/v1`).
 */
export function memberRouteRules(
  prefix: string,
  apps: readonly Pick<OpenAPIHono, 'openAPIRegistry'>[],
): MemberRouteRules {
  const rules: MemberRouteRules = { open: [], reads: [], memberOnly: [] };
  for (const app of apps)
    for (const def of app.openAPIRegistry.definitions) {
      if (def.type !== 'route') continue;
      const pattern = `${def.route.method.toUpperCase()} ${prefix}${def.route.path}`;
      if (Array.isArray(def.route.security) && def.route.security.length === 0) rules.open.push(pattern);
      else if (SAFE_METHODS.has(def.route.method.toUpperCase())) rules.reads.push(pattern);
      else rules.memberOnly.push(pattern);
    }
  return rules;
}

/**
 * Resolves the member cookie into `c.var.member`. On member-only routes a request without a
 * valid member session gets 401, and a cookie write without the session's CSRF token 403. On
 * open routes a missing or failed CSRF check just leaves the request anonymous. A visitor names
 * the community by slug (`X-Community` header or `?community=`) and gets `communityWorkspaceId`.
 * The first authenticated request of a UTC day counts a visit toward trust levels.
 */
export function memberSession(ctx: AppContext, rules: MemberRouteRules): MiddlewareHandler<MemberEnv> {
  const isOpen = publicRouteMatcher(rules.open);
  const isRead = publicRouteMatcher(rules.reads);
  return async (c, next) => {
    c.set('member', undefined);
    c.set('memberSessionToken', null);
    c.set('memberCsrfToken', null);
    c.set('communityWorkspaceId', undefined);
    const open = isOpen(c.req.method, c.req.path);
    const cookie = getCookie(c, MEMBER_COOKIE);
    const session = cookie ? await memberFromSession(ctx, cookie) : null;
    if (session && cookie) {
      const sent = c.req.header(CSRF_HEADER);
      const csrfOk = SAFE_METHODS.has(c.req.method) || (!!sent && sameSecret(sent, session.csrfToken));
      if (!csrfOk && !open)
        throw new AppError(
          'csrf_failed',
          `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated write`,
        );
      if (csrfOk) {
        c.set('member', session.member);
        c.set('memberSessionToken', cookie);
        c.set('memberCsrfToken', session.csrfToken);
        await recordVisit(ctx, session.member, session.lastSeenAt);
      }
    }
    if (c.var.member) c.set('communityWorkspaceId', c.var.member.workspaceId);
    else {
      const slug = c.req.header(COMMUNITY_HEADER) ?? c.req.query('community');
      if (slug) c.set('communityWorkspaceId', await workspaceIdOf(ctx, slug));
    }
    // Deny by default: only open routes, and reads of a named community, go on without a member.
    const visitorMayRead = isRead(c.req.method, c.req.path) && c.var.communityWorkspaceId !== undefined;
    if (!c.var.member && !open && !visitorMayRead)
      throw new AppError('unauthenticated', 'Sign in to the community first');
    await next();
  };
}

async function workspaceIdOf(ctx: AppContext, slug: string): Promise<string | undefined> {
  if (slug.length > 64) return undefined;
  const ws = await ctx.db.selectFrom('workspaces').select('id').where('slug', '=', slug).executeTakeFirst();
  return ws?.id;
}

/** The signed-in member of a request on a member-only route. */
export function memberOf(c: Context<MemberEnv>): MemberActor {
  const member = c.var.member;
  if (!member) throw new AppError('unauthenticated', 'Sign in to the community first');
  return member;
}
