import { getConnInfo } from '@hono/node-server/conninfo';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf, SESSION_COOKIE } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { exportAuditLog, listAuditLog } from '../audit/service.ts';
import type { LoginThrottle } from './login-throttle.ts';
import {
  auditEntrySchema,
  changePasswordInput,
  createTokenInput,
  createUserInput,
  loginInput,
  sessionSchema,
  tokenSchema,
  updateUserInput,
  userSchema,
} from './schema.ts';
import * as auth from './service.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

function clientIp(c: Context<AppEnv>): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const authPublicRoutes = ['POST /api/v1/auth/login'];

/** Routes for sign-in, the session, users, API tokens and the audit log. */
export function authRoutes(ctx: AppContext, throttle: LoginThrottle) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const secureCookie = ctx.config.publicUrl.startsWith('https://');

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/login',
      tags: ['Auth'],
      summary: 'Sign in with email and password; sets the session cookie',
      security: [],
      request: { body: jsonBody(loginInput) },
      responses: { 200: jsonContent(sessionSchema, 'Signed in'), ...errorResponses(400, 401, 429) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await throttle.check(clientIp(c), input.email);
      let result: auth.LoginResult;
      try {
        result = await auth.login(ctx, {
          ...input,
          ip: clientIp(c),
          userAgent: c.req.header('user-agent') ?? null,
        });
      } catch (err) {
        await throttle.recordFailure(input.email);
        throw err;
      }
      await throttle.recordSuccess(input.email);
      setCookie(c, SESSION_COOKIE, result.sessionToken, {
        httpOnly: true,
        sameSite: 'Lax',
        secure: secureCookie,
        path: '/',
        maxAge: 14 * 24 * 3600,
      });
      return c.json({ user: result.user, workspace: result.workspace, csrfToken: result.csrfToken }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/logout',
      tags: ['Auth'],
      summary: 'End the current session',
      responses: { 204: { description: 'Signed out' }, ...errorResponses(401) },
    }),
    async (c) => {
      actorOf(c);
      if (c.var.sessionToken) await auth.logout(ctx, c.var.sessionToken);
      deleteCookie(c, SESSION_COOKIE, { path: '/' });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/auth/session',
      tags: ['Auth'],
      summary: 'The signed-in user, workspace and CSRF token',
      responses: { 200: jsonContent(sessionSchema, 'Current session'), ...errorResponses(401) },
    }),
    async (c) => {
      const actor = actorOf(c);
      const { user, workspace } = await auth.currentUser(ctx, actor);
      const session = c.var.sessionToken ? await auth.actorFromSession(ctx, c.var.sessionToken) : null;
      return c.json({ user, workspace, csrfToken: session?.csrfToken ?? '' }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/auth/password',
      tags: ['Auth'],
      summary: 'Change your own password (ends your other sessions)',
      request: { body: jsonBody(changePasswordInput) },
      responses: { 204: { description: 'Changed' }, ...errorResponses(400, 401) },
    }),
    async (c) => {
      const input = c.req.valid('json');
      await auth.changePassword(ctx, actorOf(c), {
        ...input,
        keepSessionToken: c.var.sessionToken ?? undefined,
      });
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/users',
      tags: ['Users'],
      summary: "List the workspace's users (owner, admin, manager)",
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(userSchema), 'A page of users'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await auth.listUsers(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/users',
      tags: ['Users'],
      summary: 'Create a user (owner, admin); without a password a one-time password is returned once',
      request: { body: jsonBody(createUserInput) },
      responses: {
        201: jsonContent(z.object({ user: userSchema, temporaryPassword: z.string().optional() }), 'Created'),
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await auth.createUser(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/users/{id}',
      tags: ['Users'],
      summary: "Change a user's name, role, status or skills (owner, admin)",
      request: { params: idParam, body: jsonBody(updateUserInput) },
      responses: {
        200: jsonContent(z.object({ user: userSchema }), 'Updated'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const user = await auth.updateUser(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json'));
      return c.json({ user }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tokens',
      tags: ['API tokens'],
      summary: 'Your personal API tokens',
      responses: {
        200: jsonContent(z.object({ items: z.array(tokenSchema) }), 'Your tokens'),
        ...errorResponses(401),
      },
    }),
    async (c) => c.json({ items: await auth.listApiTokens(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      tags: ['API tokens'],
      summary: 'Create a personal API token; the secret is shown once',
      request: { body: jsonBody(createTokenInput) },
      responses: {
        201: jsonContent(z.object({ token: tokenSchema, secret: z.string() }), 'Created'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => c.json(await auth.createApiToken(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/tokens/{id}',
      tags: ['API tokens'],
      summary: 'Revoke one of your API tokens',
      request: { params: idParam },
      responses: { 204: { description: 'Revoked' }, ...errorResponses(401, 404) },
    }),
    async (c) => {
      await auth.revokeApiToken(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit-log',
      tags: ['Audit'],
      summary: 'Privileged actions in the workspace, newest first (owner, admin)',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(auditEntrySchema), 'A page of entries'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await listAuditLog(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/audit-log/export',
      tags: ['Audit'],
      summary: 'The whole audit log as JSON, oldest first (owner, admin)',
      responses: {
        200: jsonContent(z.object({ items: z.array(auditEntrySchema) }), 'Every entry'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await exportAuditLog(ctx, actorOf(c)) }, 200),
  );

  return app;
}
