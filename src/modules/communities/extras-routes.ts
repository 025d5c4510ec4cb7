import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import type { Viewer } from './access.ts';
import * as challenges from './challenges.ts';
import * as lists from './lists.ts';
import { type MemberEnv, memberOf } from './member-session.ts';
import * as newsletters from './newsletters.ts';

/**
 * HTTP for newsletters, challenges and lists: staff routes under `/communities/…` (staff
 * authentication), member routes under `/community/…` (mounted among the member apps, behind the
 * member session; reads work for visitors who name the community), and the unsubscribe page of
 * the digest emails at `/community/<workspace>/-/unsubscribe`.
 */

const idParam = z.object({ id: z.string().min(1).max(64) });
const entryParam = z.object({ id: z.string().min(1).max(64), threadId: z.string().min(1).max(64) });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const challengeQuery = pageQuery.extend({
  spaceId: z.string().max(64).optional(),
  state: z.enum(challenges.challengeStates).optional(),
});
const bool = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');
const listQuery = pageQuery.extend({ followed: bool, mine: bool });
const listEntryParam = z.object({
  id: z.string().min(1).max(64),
  type: z.enum(['member', 'customer']),
  entryId: z.string().min(1).max(64),
});

type ReadWho<E extends AppEnv | MemberEnv> = {
  viewer(c: { var: E['Variables'] }): Viewer;
  /** The OpenAPI security of writes (the member session on the member side). */
  writeSecurity?: Record<string, string[]>[];
};

/** The list and challenge routes both sides share (who reads and writes differs). */
function sharedRoutes<E extends AppEnv>(
  ctx: AppContext,
  app: OpenAPIHono<E>,
  p: string,
  tags: string[],
  who: ReadWho<E>,
): void {
  const v = (c: unknown) => who.viewer(c as { var: E['Variables'] });
  const w = who.writeSecurity ? { security: who.writeSecurity } : {};
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/challenges`,
      tags,
      summary: 'Idea challenges, newest first (by space and state)',
      request: { query: challengeQuery },
      responses: {
        200: jsonContent(page(challenges.challengeSchema), 'Challenges'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await challenges.listChallenges(ctx, v(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/challenges/{id}`,
      tags,
      summary: 'A challenge and its state (upcoming, open, closed, decided)',
      request: { params: idParam },
      responses: {
        200: jsonContent(challenges.challengeSchema, 'The challenge'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await challenges.getChallenge(ctx, v(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/challenges/{id}/entries`,
      tags,
      summary: "A challenge's entries, most votes first",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(page(challenges.entrySchema), 'Entries'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await challenges.listEntries(ctx, v(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/lists`,
      tags,
      summary: 'Lists of members (and, for staff, customers) you may see',
      request: { query: listQuery },
      responses: { 200: jsonContent(page(lists.listSchema), 'Lists'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await lists.listLists(ctx, v(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/lists`,
      tags,
      ...w,
      summary: 'Create a list (members from trust level 2: member lists only)',
      request: { body: jsonBody(lists.listInput) },
      responses: { 201: jsonContent(lists.listSchema, 'The list'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await lists.createList(ctx, v(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/lists/{id}`,
      tags,
      summary: 'A list',
      request: { params: idParam },
      responses: { 200: jsonContent(lists.listSchema, 'The list'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await lists.getList(ctx, v(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: `${p}/lists/{id}`,
      tags,
      ...w,
      summary: 'Rename a list, describe it, make it public or private (its owner, or a moderator)',
      request: { params: idParam, body: jsonBody(lists.listPatch) },
      responses: { 200: jsonContent(lists.listSchema, 'The list'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await lists.updateList(ctx, v(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: `${p}/lists/{id}`,
      tags,
      ...w,
      summary: 'Delete a list',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await lists.deleteList(ctx, v(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/lists/{id}/entries`,
      tags,
      summary: 'The people on a list',
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(page(lists.listEntrySchema), 'People'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await lists.listEntriesOf(ctx, v(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/lists/{id}/entries`,
      tags,
      ...w,
      summary: 'Add a member (member list) or a customer (customer list)',
      request: { params: idParam, body: jsonBody(lists.listEntryInput) },
      responses: { 200: jsonContent(lists.listSchema, 'The list'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await lists.addListEntry(ctx, v(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: `${p}/lists/{id}/entries/{type}/{entryId}`,
      tags,
      ...w,
      summary: 'Take someone off a list',
      request: { params: listEntryParam },
      responses: { 200: jsonContent(lists.listSchema, 'The list'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { id, type, entryId } = c.req.valid('param');
      return c.json(await lists.removeListEntry(ctx, v(c), id, { type, id: entryId }), 200);
    },
  );
  for (const [method, follow] of [
    ['put', true],
    ['delete', false],
  ] as const)
    app.openapi(
      createRoute({
        method,
        path: `${p}/lists/{id}/follow`,
        tags,
        ...w,
        summary: follow ? 'Follow a list (idempotent)' : 'Stop following a list (idempotent)',
        request: { params: idParam },
        responses: { 200: jsonContent(lists.listSchema, 'The list'), ...errorResponses(401, 403, 404) },
      }),
      async (c) => c.json(await lists.followList(ctx, v(c), c.req.valid('param').id, follow), 200),
    );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/lists/{id}/activity`,
      tags,
      summary: "Recent activity of a list's people: community posts (and, for staff, their mentions)",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(page(lists.activitySchema), 'Activity'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await lists.listActivity(ctx, v(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
}

/** Staff routes (mount at `/api/v1` behind staff authentication). */
export function communityExtrasRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const tags = ['Communities: newsletters, challenges, lists'];
  sharedRoutes(ctx, app, '/communities', tags, { viewer: (c) => actorOf(c as never) });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/spaces/{id}/newsletter',
      tags,
      summary: "A space's newsletter: cadence and subscribers",
      request: { params: idParam },
      responses: {
        200: jsonContent(newsletters.newsletterSettingsSchema, 'The newsletter'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await newsletters.getNewsletterSettings(ctx, actorOf(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/spaces/{id}/newsletter',
      tags,
      summary: "Set a space's digest cadence: daily, weekly or off (owner, admin)",
      request: { params: idParam, body: jsonBody(newsletters.newsletterSettingsInput) },
      responses: {
        200: jsonContent(newsletters.newsletterSettingsSchema, 'The newsletter'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await newsletters.setNewsletterCadence(
          ctx,
          actorOf(c),
          c.req.valid('param').id,
          c.req.valid('json').cadence,
        ),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/spaces/{id}/newsletter/digests',
      tags,
      summary: "A space's digests, newest first, with delivery counts",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(page(newsletters.digestSchema), 'Digests'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await newsletters.listDigests(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/challenges',
      tags,
      summary: 'Open an idea challenge in an ideas space (moderators)',
      request: { body: jsonBody(challenges.challengeInput) },
      responses: {
        201: jsonContent(challenges.challengeSchema, 'The challenge'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await challenges.createChallenge(ctx, actorOf(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/challenges/{id}/winner',
      tags,
      summary: 'Choose the winning entry of a closed challenge (moderators, once)',
      request: { params: idParam, body: jsonBody(challenges.decideInput) },
      responses: {
        200: jsonContent(challenges.challengeSchema, 'The challenge'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await challenges.decideChallenge(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );
  return app;
}

function visitorOf(c: { var: MemberEnv['Variables'] }): Viewer {
  const member = c.var.member;
  if (member) return member;
  const workspaceId = c.var.communityWorkspaceId;
  if (!workspaceId) throw new AppError('unauthenticated', 'Sign in to the community');
  return { kind: 'anonymous', workspaceId };
}

/** Member routes (mount among the member apps at `/api/v1`, behind the member session). */
export function communityExtrasMemberRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<MemberEnv>({ defaultHook: validationHook });
  const tags = ['Community members'];
  const security = [{ memberSession: [] }];
  sharedRoutes(ctx, app as unknown as OpenAPIHono<AppEnv>, '/community', tags, {
    viewer: (c) => visitorOf(c as { var: MemberEnv['Variables'] }),
    writeSecurity: security,
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/newsletters',
      tags,
      security,
      summary: 'The spaces that send a newsletter, and whether you subscribed',
      responses: {
        200: jsonContent(z.array(newsletters.subscriptionSchema), 'Newsletters'),
        ...errorResponses(401),
      },
    }),
    async (c) => c.json(await newsletters.listMyNewsletters(ctx, memberOf(c)), 200),
  );
  for (const [method, subscribe] of [
    ['put', true],
    ['delete', false],
  ] as const)
    app.openapi(
      createRoute({
        method,
        path: '/community/spaces/{id}/newsletter',
        tags,
        security,
        summary: subscribe
          ? "Subscribe to a space's digest (idempotent)"
          : "Unsubscribe from a space's digest",
        request: { params: idParam },
        responses: {
          200: jsonContent(newsletters.subscriptionSchema, 'The subscription'),
          ...errorResponses(401, 403, 404, 409),
        },
      }),
      async (c) =>
        c.json(
          await (subscribe ? newsletters.subscribeNewsletter : newsletters.unsubscribeNewsletter)(
            ctx,
            memberOf(c),
            c.req.valid('param').id,
          ),
          200,
        ),
    );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/newsletters/unsubscribe',
      tags,
      // Open: the signed token of the digest email is the authority, no session needed.
      security: [],
      summary: 'One-click unsubscribe with the signed token of a digest email',
      request: { body: jsonBody(z.object({ token: z.string().min(1).max(200) })) },
      responses: {
        200: jsonContent(z.object({ unsubscribed: z.literal(true), spaceTitle: z.string() }), 'Unsubscribed'),
        ...errorResponses(400, 404),
      },
    }),
    async (c) => {
      const r = await newsletters.unsubscribeByToken(ctx, c.req.valid('json').token);
      return c.json({ unsubscribed: true as const, spaceTitle: r.spaceTitle }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/challenges/{id}/entries',
      tags,
      security,
      summary: 'Enter an idea in an open challenge: a new one (title, body) or one you wrote (threadId)',
      request: { params: idParam, body: jsonBody(challenges.entryInput) },
      responses: {
        201: jsonContent(challenges.entrySchema, 'The entry'),
        ...errorResponses(400, 401, 403, 404, 409, 429),
      },
    }),
    async (c) =>
      c.json(
        await challenges.submitEntry(ctx, memberOf(c), c.req.valid('param').id, c.req.valid('json')),
        201,
      ),
  );
  for (const [method, vote] of [
    ['put', true],
    ['delete', false],
  ] as const)
    app.openapi(
      createRoute({
        method,
        path: '/community/challenges/{id}/entries/{threadId}/vote',
        tags,
        security,
        summary: vote ? 'Vote for an entry while the challenge is open' : 'Take back a vote on an entry',
        request: { params: entryParam },
        responses: {
          200: jsonContent(challenges.entrySchema, 'The entry'),
          ...errorResponses(401, 403, 404, 409),
        },
      }),
      async (c) => {
        const { id, threadId } = c.req.valid('param');
        return c.json(await challenges.voteEntry(ctx, memberOf(c), id, threadId, vote), 200);
      },
    );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/challenge-notifications',
      tags,
      security,
      summary: 'Your challenge notifications (a win), newest first',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(page(challenges.challengeNotificationSchema), 'Notifications'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) =>
      c.json(await challenges.listChallengeNotifications(ctx, memberOf(c), c.req.valid('query')), 200),
  );
  return app;
}

function page_(title: string, body: HtmlEscapedString | Promise<HtmlEscapedString>) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title><link rel="stylesheet" href="/community/-/site.css"></head>
<body><main class="member-form"><h1>${title}</h1>${body}</main></body></html>`;
}

/**
 * The unsubscribe page of digest emails, `/community/<workspace>/-/unsubscribe?token=…` (mount at
 * `/community`). GET shows a button, since link scanners open links; POST unsubscribes, which is
 * also what a mail client's RFC 8058 one-click unsubscribe sends (the token in the address).
 */
export function newsletterPages(ctx: AppContext) {
  const app = new Hono<AppEnv>();
  app.use('/:ws/-/unsubscribe', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.get('/:ws/-/unsubscribe', (c) => {
    const token = c.req.query('token') ?? '';
    return c.html(
      page_(
        'Unsubscribe from the newsletter',
        html`<form method="post" action="/community/${c.req.param('ws')}/-/unsubscribe?token=${encodeURIComponent(token)}">
<p>Stop receiving this digest by email?</p><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });
  app.post('/:ws/-/unsubscribe', async (c) => {
    let token = c.req.query('token') ?? '';
    if (!token) {
      const form = (await c.req.parseBody()) as Record<string, unknown>;
      token = typeof form.token === 'string' ? form.token : '';
    }
    try {
      const r = await newsletters.unsubscribeByToken(ctx, token.slice(0, 200));
      return c.html(
        page_(
          'You are unsubscribed',
          html`<p>You will not receive the ${r.spaceTitle} newsletter any more. <a href="/community/${r.workspaceSlug}">Back to the community</a>.</p>`,
        ),
      );
    } catch (err) {
      if (err instanceof AppError)
        return c.html(page_('This link does not work', html`<p>${err.message}.</p>`), 404);
      throw err;
    }
  });
  return app;
}
