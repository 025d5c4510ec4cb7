import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import * as feed from './feed.ts';

const tags = ['Collaboration'];
const recordParams = z.object({ type: z.enum(['case', 'lead', 'customer']), id: z.string().min(1).max(64) });

const eventSchema = z
  .object({
    id: z.number(),
    recordType: z.enum(['case', 'lead', 'customer']),
    recordId: z.string(),
    kind: z.string(),
    actorUserId: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .openapi('RecordEvent');

const notificationSchema = z
  .object({
    id: z.number(),
    recordType: z.enum(['case', 'lead', 'customer']),
    recordId: z.string(),
    eventId: z.number(),
    summary: z.string().openapi({ description: 'The newest event about the record' }),
    count: z.number().int().openapi({
      description:
        'How many events about the record this line stands for: news about a record while its line is unread replaces the line (newest summary, new id) and adds to the count',
    }),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('Notification');

/** Record feeds, following records, and the signed-in person's notifications. */
export function collaborationRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/{type}/{id}/feed',
      tags,
      summary: "A record's feed of events, newest first",
      request: { params: recordParams, query: pageQuery },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(eventSchema), nextCursor: z.string().nullable() }),
          'A page',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { type, id } = c.req.valid('param');
      return c.json(await feed.recordFeed(ctx, actorOf(c), type, id, c.req.valid('query')), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/records/{type}/{id}/follow',
      tags,
      summary: 'Follow a record: its events notify you',
      request: { params: recordParams },
      responses: { 204: { description: 'Following' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { type, id } = c.req.valid('param');
      await feed.followRecord(ctx, actorOf(c), type, id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/records/{type}/{id}/follow',
      tags,
      summary: 'Stop following a record',
      request: { params: recordParams },
      responses: { 204: { description: 'Not following' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      const { type, id } = c.req.valid('param');
      await feed.unfollowRecord(ctx, actorOf(c), type, id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications',
      tags,
      summary: 'Your notifications, newest first, with the unread count',
      request: { query: pageQuery.extend({ unread: z.enum(['true', 'false']).optional() }) },
      responses: {
        200: jsonContent(
          z.object({
            items: z.array(notificationSchema),
            nextCursor: z.string().nullable(),
            unreadCount: z.number(),
          }),
          'A page',
        ),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(
        await feed.listNotifications(ctx, actorOf(c), { ...q, unread: q.unread === 'true' }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/notifications/read',
      tags,
      summary: 'Mark notifications read (all of them when no ids are given)',
      request: {
        body: jsonBody(z.object({ ids: z.array(z.number().int().positive()).max(500).optional() })),
      },
      responses: {
        200: jsonContent(z.object({ marked: z.number() }), 'How many'),
        ...errorResponses(400, 401),
      },
    }),
    async (c) =>
      c.json({ marked: await feed.markNotificationsRead(ctx, actorOf(c), c.req.valid('json').ids) }, 200),
  );

  return app;
}
