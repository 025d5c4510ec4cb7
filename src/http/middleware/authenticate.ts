import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { Actor } from '../../modules/auth/roles.ts';
import { actorFromApiToken, actorFromSession } from '../../modules/auth/service.ts';
import type { AppEnv } from '../env.ts';

export const SESSION_COOKIE = 'rapport_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Resolves the actor from `Authorization: Bearer <token>` or the session cookie, and rejects
 * cookie-authenticated writes without the session's CSRF token. Only `publicRoutes`
 * ("METHOD /path/{param}") pass without an actor; every other request gets 401 (deny by default).
 */
export function authenticate(ctx: AppContext, publicRoutes: readonly string[]): MiddlewareHandler<AppEnv> {
  const isPublic = publicRouteMatcher(publicRoutes);
  return async (c, next) => {
    c.set('actor', null);
    c.set('sessionToken', null);
    // Public routes (login) need no actor; skipping resolution also keeps a stale cookie from
    // failing the CSRF check on the way to signing in again.
    if (isPublic(c.req.method, c.req.path)) return next();
    const authorization = c.req.header('authorization');
    if (authorization !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const actor = match?.[1] ? await actorFromApiToken(ctx, match[1]) : null;
      if (!actor) throw new AppError('unauthenticated', 'Invalid, expired or revoked API token');
      c.set('actor', actor);
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      const session = cookie ? await actorFromSession(ctx, cookie) : null;
      if (session) {
        if (!SAFE_METHODS.has(c.req.method)) {
          const sent = c.req.header(CSRF_HEADER);
          if (!sent || !sameSecret(sent, session.csrfToken)) {
            throw new AppError(
              'csrf_failed',
              `Missing or wrong ${CSRF_HEADER} header for a cookie-authenticated write`,
            );
          }
        }
        c.set('actor', session.actor);
        c.set('sessionToken', cookie ?? null);
      }
    }
    if (!c.var.actor) {
      throw new AppError('unauthenticated', 'Sign in or send an API token');
    }
    await next();
  };
}

/** Matches "METHOD /path/{param}" patterns, a parameter being one path segment. */
export function publicRouteMatcher(patterns: readonly string[]): (method: string, path: string) => boolean {
  const compiled = patterns.map((p) => {
    const [method, path = ''] = p.split(' ');
    const source = path
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]+');
    return { method, regex: new RegExp(`^${source}$`) };
  });
  return (method, path) => compiled.some((r) => r.method === method && r.regex.test(path));
}

/** The authenticated actor of a request on a non-public route. */
export function actorOf(c: Context<AppEnv>): Actor {
  const actor = c.var.actor;
  if (!actor) throw new AppError('unauthenticated', 'Sign in or send an API token');
  return actor;
}
