import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import {
  answerWithLink,
  answerWithLinkInput,
  answerWithLinkSchema,
  caseOfQuestion,
  getUnansweredPolicy,
  listShares,
  saveUnansweredPolicy,
  shareInput,
  shareSchema,
  shareThread,
  unansweredPolicySchema,
} from './bridges.ts';
import {
  decideIdeaLink,
  ideaLinkInput,
  ideaLinkSchema,
  ideaLinkStatuses,
  ideaLinksSchema,
  linkIdea,
  listIdeaLinks,
  publicRequestedIn,
  requestedInSchema,
  suggestIdeaLinks,
} from './idea-links.ts';
import {
  listMemberNotifications,
  markMemberNotificationsRead,
  markReadInput,
  memberNotificationSchema,
} from './loop.ts';
import { type MemberEnv, memberOf } from './member-session.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const tags = ['Communities: closing the loop'];

/**
 * Staff routes of the loop and the inbox bridges, under `/communities` (staff authentication).
 * Idea links show conversation text, so reading them needs `inbox:read` and deciding them
 * `inbox:work` (agents confirm what customers asked for).
 */
export function communityLoopRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/ideas/{id}/links',
      tags,
      summary: 'An idea\'s links to mentions and cases, and "requested in N conversations"',
      request: { params: idParam, query: z.object({ status: z.enum(ideaLinkStatuses).optional() }) },
      responses: { 200: jsonContent(ideaLinksSchema, 'The links'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await listIdeaLinks(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query').status), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/ideas/{id}/links/suggest',
      tags,
      summary: 'Find mentions and cases similar to the idea and record them as suggestions',
      request: { params: idParam },
      responses: { 200: jsonContent(ideaLinksSchema, 'The links'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await suggestIdeaLinks(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/ideas/{id}/links',
      tags,
      summary: 'Link a mention or case to the idea by hand (confirmed at once)',
      request: { params: idParam, body: jsonBody(ideaLinkInput) },
      responses: { 201: jsonContent(ideaLinkSchema, 'The link'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => c.json(await linkIdea(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  for (const [action, decision] of [
    ['confirm', 'confirmed'],
    ['reject', 'rejected'],
  ] as const)
    app.openapi(
      createRoute({
        method: 'post',
        path: `/communities/idea-links/{id}/${action}`,
        tags,
        summary: `${action === 'confirm' ? 'Confirm' : 'Reject'} a suggested idea link`,
        request: { params: idParam },
        responses: { 200: jsonContent(ideaLinkSchema, 'The link'), ...errorResponses(401, 403, 404) },
      }),
      async (c) => c.json(await decideIdeaLink(ctx, actorOf(c), c.req.valid('param').id, decision), 200),
    );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/answer-with-link',
      tags,
      summary:
        'Answer a mention or case publicly with a link to a community answer or article (/community/<slug>/t/<threadId>#p<n>)',
      request: { body: jsonBody(answerWithLinkInput) },
      responses: {
        202: jsonContent(answerWithLinkSchema, 'The reply is queued'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await answerWithLink(ctx, actorOf(c), c.req.valid('json')), 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/unanswered-policy',
      tags,
      summary: 'After how many hours an unanswered community question becomes a case',
      responses: { 200: jsonContent(unansweredPolicySchema, 'The policy'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await getUnansweredPolicy(ctx, actorOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/communities/unanswered-policy',
      tags,
      summary: 'Change the unanswered-question policy (owner, admin, manager)',
      request: { body: jsonBody(unansweredPolicySchema) },
      responses: { 200: jsonContent(unansweredPolicySchema, 'The policy'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await saveUnansweredPolicy(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/threads/{id}/case',
      tags,
      summary: 'The case an unanswered question became, if any',
      request: { params: idParam },
      responses: {
        200: jsonContent(z.object({ threadId: z.string(), caseId: z.string().nullable() }), 'The case'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await caseOfQuestion(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/communities/threads/{id}/shares',
      tags,
      summary: "Share a thread on the workspace's Bluesky or Mastodon account (moderators)",
      request: { params: idParam, body: jsonBody(shareInput) },
      responses: { 202: jsonContent(shareSchema, 'Queued'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await shareThread(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 202),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/communities/threads/{id}/shares',
      tags,
      summary: "A thread's shares and their delivery status",
      request: { params: idParam },
      responses: { 200: jsonContent(z.array(shareSchema), 'Shares'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await listShares(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  return app;
}

/** Member routes under `/community/notifications` (mount among the member apps, behind the member session). */
export function communityLoopMemberRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<MemberEnv>({ defaultHook: validationHook });
  const memberTags = ['Community members'];
  const security = [{ memberSession: [] }];

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/notifications',
      tags: memberTags,
      summary:
        'Your notifications (idea status changes; replies, answers and @mentions; accepted answers), newest first',
      security,
      request: {
        query: pageQuery.extend({
          unread: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true'),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            items: z.array(memberNotificationSchema),
            nextCursor: z.string().nullable(),
            unread: z.number().int(),
          }),
          'Notifications',
        ),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => c.json(await listMemberNotifications(ctx, memberOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/ideas/requested-in',
      tags: memberTags,
      summary: '"Requested in N conversations" for ideas (readable without an account: name the community)',
      request: {
        query: z.object({
          ids: z
            .string()
            .min(1)
            .max(4000)
            .openapi({ description: 'Comma-separated idea thread ids (at most 200)' }),
        }),
      },
      responses: { 200: jsonContent(requestedInSchema, 'Per idea'), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const workspaceId = c.var.communityWorkspaceId;
      if (!workspaceId) throw new AppError('unauthenticated', 'Name the community or sign in');
      const ids = [
        ...new Set(
          c.req
            .valid('query')
            .ids.split(',')
            .filter((s) => s !== ''),
        ),
      ].slice(0, 200);
      return c.json(await publicRequestedIn(ctx, workspaceId, ids), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/notifications/read',
      tags: memberTags,
      summary: 'Mark notifications read: the ones named, or all',
      security,
      request: { body: jsonBody(markReadInput) },
      responses: {
        200: jsonContent(z.object({ marked: z.number().int() }), 'Marked'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await markMemberNotificationsRead(ctx, memberOf(c), c.req.valid('json').ids), 200),
  );

  return app;
}
