import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import type { Viewer } from './access.ts';
import type { CommunityActor, MemberActor } from './actors.ts';
import * as ideas from './ideas.ts';
import * as reading from './reading.ts';
import {
  closeSpaceInput,
  editInput,
  ideaStatusChangeSchema,
  ideaStatusInput,
  postSchema,
  replyInput,
  revisionSchema,
  searchHitSchema,
  searchQuery,
  spaceInput,
  spacePatch,
  spaceSchema,
  threadCardSchema,
  threadInput,
  threadListQuery,
  threadPageSchema,
  threadSchema,
  unreadSchema,
} from './schema.ts';
import { searchPosts } from './search.ts';
import * as spaces from './spaces.ts';
import * as threads from './threads.ts';

/**
 * The community's HTTP routes, twice: for staff under `/api/v1/communities/…` (staff
 * authentication, mounted in app.ts), and for members (`communityMemberRoutes`, mounted by the
 * member-session middleware, which sets `member` and, for visitors without an account,
 * `communityWorkspaceId`). The use cases are the same functions; who acts differs.
 */
export type CommunityEnv = {
  Variables: AppEnv['Variables'] & {
    /** The signed-in community member, set by the member-session middleware. */
    member?: MemberActor | undefined;
    /** The workspace whose community is being read, for visitors without an account. */
    communityWorkspaceId?: string | undefined;
  };
};
type C = Context<CommunityEnv>;

const idParam = z.object({ id: z.string().min(1).max(64) });
const postIdParam = z.object({ id: z.coerce.number().int().min(1) });
const writtenSchema = z
  .object({ thread: threadSchema, post: postSchema, mentionedMemberIds: z.array(z.string()) })
  .openapi('CommunityWritten');
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const voteSchema = z.object({ voted: z.boolean(), voteCount: z.number() });

type Who = {
  tags: string[];
  prefix: string;
  /** Whoever reads (may be an anonymous visitor on the member side). */
  viewer(c: C): Viewer;
  /** Whoever writes (401 without one). */
  actor(c: C): CommunityActor;
};

/** The routes both sides share: reading, writing posts, Q&A, idea history, search. */
function sharedRoutes(ctx: AppContext, app: OpenAPIHono<CommunityEnv>, who: Who): void {
  const { tags, prefix: p } = who;
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/spaces`,
      tags,
      summary: 'Community spaces, by address',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(page(spaceSchema), 'A page of spaces'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await spaces.listSpaces(ctx, who.viewer(c), c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/spaces`,
      tags,
      summary: 'Create a space (staff: any; members with the trust: impromptu forum, Q&A or ideas)',
      request: { body: jsonBody(spaceInput) },
      responses: { 201: jsonContent(spaceSchema, 'Created'), ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => c.json(await spaces.createSpace(ctx, who.actor(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/spaces/{id}`,
      tags,
      summary: 'A space by id or address',
      request: { params: idParam },
      responses: { 200: jsonContent(spaceSchema, 'The space'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await spaces.getSpace(ctx, who.viewer(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/spaces/{id}/threads`,
      tags,
      summary: "A space's threads, by last activity or (ideas) by votes",
      request: { params: idParam, query: threadListQuery },
      responses: {
        200: jsonContent(page(threadCardSchema), 'A page of threads'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await threads.listThreads(ctx, who.viewer(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/threads`,
      tags,
      summary: 'Open a thread with its first post (Markdown)',
      request: { body: jsonBody(threadInput) },
      responses: { 201: jsonContent(writtenSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await threads.createThread(ctx, who.actor(c), c.req.valid('json')), 201),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/threads/{id}`,
      tags,
      summary: 'A thread with its space and a page of posts in order',
      request: { params: idParam, query: pageQuery },
      responses: { 200: jsonContent(threadPageSchema, 'The thread'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await threads.getThread(ctx, who.viewer(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/threads/{id}/posts`,
      tags,
      summary: 'Reply in a thread, optionally quoting an earlier post',
      request: { params: idParam, body: jsonBody(replyInput) },
      responses: { 201: jsonContent(writtenSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(
        await threads.replyToThread(ctx, who.actor(c), c.req.valid('param').id, c.req.valid('json')),
        201,
      ),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: `${p}/posts/{id}`,
      tags,
      summary: 'Edit a post (the author, or a moderator); the old text stays as a revision',
      request: { params: postIdParam, body: jsonBody(editInput) },
      responses: { 200: jsonContent(writtenSchema, 'Edited'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await threads.editPost(ctx, who.actor(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: `${p}/posts/{id}`,
      tags,
      summary: 'Delete a post (its text goes; deleting the first post deletes the thread)',
      request: { params: postIdParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      await threads.deletePost(ctx, who.actor(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/posts/{id}/revisions`,
      tags,
      summary: "A post's edit history, oldest first",
      request: { params: postIdParam },
      responses: { 200: jsonContent(z.array(revisionSchema), 'Revisions'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await threads.postRevisions(ctx, who.viewer(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/threads/{id}/accepted-answer`,
      tags,
      summary: 'Accept an answer to a question (the asker or a moderator); replaces the previous one',
      request: { params: idParam, body: jsonBody(z.object({ postId: z.number().int().min(1) })) },
      responses: {
        200: jsonContent(threadSchema, 'The question'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await threads.acceptAnswer(ctx, who.actor(c), c.req.valid('param').id, c.req.valid('json').postId),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: `${p}/threads/{id}/accepted-answer`,
      tags,
      summary: 'Withdraw the accepted answer',
      request: { params: idParam },
      responses: { 200: jsonContent(threadSchema, 'The question'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await threads.unacceptAnswer(ctx, who.actor(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/threads/{id}/status-changes`,
      tags,
      summary: "An idea's status history",
      request: { params: idParam },
      responses: {
        200: jsonContent(z.array(ideaStatusChangeSchema), 'Changes, oldest first'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await ideas.ideaStatusChanges(ctx, who.viewer(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: `${p}/search`,
      tags,
      summary: 'Ranked full-text search over posts',
      request: { query: searchQuery },
      responses: {
        200: jsonContent(z.array(searchHitSchema), 'Best hits first'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await searchPosts(ctx, who.viewer(c), c.req.valid('query')), 200),
  );
}

/** Staff routes, under `/api/v1/communities` (mounted in src/http/app.ts). */
export function communitiesRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<CommunityEnv>({ defaultHook: validationHook });
  const tags = ['Communities'];
  const p = '/communities';
  sharedRoutes(ctx, app, { tags, prefix: p, viewer: (c) => actorOf(c), actor: (c) => actorOf(c) });

  app.openapi(
    createRoute({
      method: 'patch',
      path: `${p}/spaces/{id}`,
      tags,
      summary: "Change a space's title, description or end date",
      request: { params: idParam, body: jsonBody(spacePatch) },
      responses: { 200: jsonContent(spaceSchema, 'The space'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await spaces.updateSpace(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/spaces/{id}/close`,
      tags,
      summary: 'Close an offensive or harmful space (moderators)',
      request: { params: idParam, body: jsonBody(closeSpaceInput) },
      responses: { 200: jsonContent(spaceSchema, 'The space'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(
        await spaces.closeSpace(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').reason),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/spaces/{id}/reopen`,
      tags,
      summary: 'Reopen a closed space (moderators)',
      request: { params: idParam },
      responses: { 200: jsonContent(spaceSchema, 'The space'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await spaces.reopenSpace(ctx, actorOf(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/threads/{id}/status`,
      tags,
      summary: "Change an idea's status, with a note for the people who asked",
      request: { params: idParam, body: jsonBody(ideaStatusInput) },
      responses: { 200: jsonContent(threadSchema, 'The idea'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await ideas.setIdeaStatus(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/threads/{id}/merge`,
      tags,
      summary: 'Merge this duplicate idea into another, keeping every voter once',
      request: {
        params: idParam,
        body: jsonBody(
          z.object({
            intoThreadId: z.string().min(1).max(64),
            note: z.string().trim().max(2000).default(''),
          }),
        ),
      },
      responses: {
        200: jsonContent(threadSchema, 'The idea merged into'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await ideas.mergeIdeas(ctx, actorOf(c), c.req.valid('param').id, body.intoThreadId, body.note),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: `${p}/posts/{id}/promote`,
      tags,
      summary: 'Make a knowledge-base article from an accepted answer',
      request: {
        params: postIdParam,
        body: jsonBody(
          z.object({
            kbSpaceId: z.string().min(1).max(64),
            title: z.string().trim().min(1).max(300).optional(),
          }),
        ),
      },
      responses: {
        201: jsonContent(writtenSchema, 'The article'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await threads.promoteAnswerToArticle(
          ctx,
          actorOf(c),
          c.req.valid('param').id,
          body.kbSpaceId,
          body.title,
        ),
        201,
      );
    },
  );
  return app;
}

function memberOf(c: C): MemberActor {
  const member = c.get('member');
  if (!member) throw new AppError('unauthenticated', 'Sign in to the community to do this');
  return member;
}

function visitorOf(c: C): Viewer {
  const member = c.get('member');
  if (member) return member;
  const workspaceId = c.get('communityWorkspaceId');
  if (!workspaceId) throw new AppError('unauthenticated', 'Sign in to the community');
  return { kind: 'anonymous', workspaceId };
}

/**
 * Member-facing routes under `/community/…` (mount at `/api/v1` behind the member session).
 * Reading works without an account (public spaces); writing needs the member session (401
 * without it).
 */
export function communityMemberRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<CommunityEnv>({ defaultHook: validationHook });
  const tags = ['Community (members)'];
  sharedRoutes(ctx, app, { tags, prefix: '/community', viewer: visitorOf, actor: memberOf });

  app.openapi(
    createRoute({
      method: 'put',
      path: '/community/threads/{id}/vote',
      tags,
      summary: 'Vote for an idea (idempotent)',
      request: { params: idParam },
      responses: { 200: jsonContent(voteSchema, 'The vote'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await ideas.voteIdea(ctx, memberOf(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/community/threads/{id}/vote',
      tags,
      summary: 'Take back a vote (idempotent)',
      request: { params: idParam },
      responses: { 200: jsonContent(voteSchema, 'The vote'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await ideas.unvoteIdea(ctx, memberOf(c), c.req.valid('param').id), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/threads/{id}/read',
      tags,
      summary: 'Mark a thread read up to a post number (never moves back)',
      request: { params: idParam, body: jsonBody(z.object({ uptoNumber: z.number().int().min(0) })) },
      responses: {
        200: jsonContent(
          z.object({ threadId: z.string(), lastReadNumber: z.number(), previous: z.number() }),
          'The read position',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await reading.markRead(ctx, memberOf(c), c.req.valid('param').id, c.req.valid('json').uptoNumber),
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/community/read-all',
      tags,
      summary: 'Mark everything read, in one space or everywhere',
      request: { body: jsonBody(z.object({ spaceId: z.string().min(1).max(64).optional() })) },
      responses: {
        200: jsonContent(z.object({ threads: z.number() }), 'Threads marked'),
        ...errorResponses(400, 401, 404),
      },
    }),
    async (c) => c.json(await reading.markAllRead(ctx, memberOf(c), c.req.valid('json').spaceId), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/community/unread',
      tags,
      summary: 'Unread threads and new posts per space',
      request: {
        query: z.object({
          spaceIds: z
            .string()
            .max(4000)
            .optional()
            .openapi({ description: 'Comma-separated space ids; absent: every space with something new' }),
        }),
      },
      responses: { 200: jsonContent(z.array(unreadSchema), 'Per space'), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const raw = c.req.valid('query').spaceIds;
      const ids =
        raw === undefined
          ? undefined
          : raw
              .split(',')
              .filter((s) => s !== '')
              .slice(0, 200);
      return c.json(await reading.unreadCounts(ctx, memberOf(c), ids), 200);
    },
  );
  return app;
}
