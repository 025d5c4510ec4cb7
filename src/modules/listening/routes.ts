import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import * as connectors from '../../connectors/service.ts';
import type { AppContext } from '../../context.ts';
import { exportContentTypes, exportFormats } from '../../export-format.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, exportResponse, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { onMentionsChanged } from '../../pipeline/events.ts';
import { mentionExportFilters, mentionExportStream } from './mentions-export.ts';
import {
  listeningQuerySchema,
  mentionFilters,
  mentionSchema,
  previewInput,
  previewSchema,
  queryInput,
  queryPatch,
} from './schema.ts';
import * as listening from './service.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const numericId = z.object({ id: z.coerce.number().int().positive() });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const connectorSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    name: z.string(),
    config: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    hasSecret: z.boolean(),
    state: z.string(),
    lastItemAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    errorCount: z.number(),
    itemsTotal: z.number(),
    itemsPassedOver: z.number(),
    cursor: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Connector');

const connectorHealthSchema = z
  .object({
    id: z.string(),
    state: z.string(),
    lastItemAt: z.string().nullable(),
    lagSeconds: z.number().nullable(),
    itemsPerMinute: z.number().openapi({
      description: 'Live items received in the last 5 minutes, per minute; backfilled history is not counted',
    }),
    errorCount: z.number(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    cursor: z.string().nullable(),
    expectedIntervalSeconds: z.number().nullable(),
    silent: z.boolean(),
  })
  .openapi('ConnectorHealth');

const connectorInput = z
  .object({
    kind: z.string().min(1).max(40),
    name: z.string().trim().min(1).max(120),
    config: z.record(z.string(), z.unknown()).default({}),
    secret: z
      .string()
      .min(1)
      .max(4000)
      .optional()
      .openapi({ description: 'Credential (e.g. Mastodon access token), stored encrypted' }),
    enabled: z.boolean().optional(),
  })
  .openapi('ConnectorInput');

const connectorPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    secret: z.string().min(1).max(4000).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field')
  .openapi('ConnectorPatch');

/** The webhook receiver is public: it is authenticated by its HMAC signature instead. */
export const listeningPublicRoutes = ['POST /api/v1/ingest/{connectorId}'];

export function listeningRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  // ------------------------------------------------------------------ mentions
  app.openapi(
    createRoute({
      method: 'get',
      path: '/mentions',
      tags: ['Listening'],
      summary: 'Matched and stored mentions, newest first, with filters',
      request: { query: pageQuery.extend(mentionFilters.shape) },
      responses: {
        200: jsonContent(pageOf(mentionSchema), 'A page of mentions'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await listening.listMentions(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.get('/mentions/stream', async (c) => {
    const actor = actorOf(c);
    return streamSSE(c, async (stream) => {
      const queue: number[][] = [];
      let wake: (() => void) | undefined;
      const off = onMentionsChanged((event) => {
        if (event.workspaceId !== actor.workspaceId) return;
        queue.push(event.mentionIds);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted) {
        const ids = queue.splice(0).flat();
        if (ids.length > 0) {
          const mentions = await listening.mentionsByIds(ctx, actor.workspaceId, ids.slice(-200));
          await stream.writeSSE({ event: 'mentions', data: JSON.stringify(mentions) });
          continue;
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 15_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
        if (queue.length === 0 && !stream.aborted) await stream.writeSSE({ event: 'ping', data: '{}' });
      }
      off();
    });
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/mentions/stream',
    tags: ['Listening'],
    summary: 'Server-Sent Events: `mentions` events carry arrays of Mention as they are stored',
    responses: { 200: { description: 'text/event-stream' }, ...errorResponses(401) },
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/mentions/export',
      tags: ['Listening'],
      summary:
        'Stored mentions as a file (CSV by default, or JSON, JSON Lines), newest first: the filters of GET /mentions and a time window; streamed, audited',
      request: {
        query: mentionExportFilters.extend({ format: z.enum(exportFormats).default('csv') }),
      },
      responses: {
        200: exportResponse('the mentions, one line or object each (columns in docs/listening.md)'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { format, ...filters } = c.req.valid('query');
      const body = mentionExportStream(ctx, actorOf(c), filters, format);
      const file = `mentions-${ctx.now().toISOString().slice(0, 10)}.${format}`;
      return c.body(body, 200, {
        'content-type': exportContentTypes[format],
        'content-disposition': `attachment; filename="${file}"`,
        'cache-control': 'no-store',
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/mentions/{id}',
      tags: ['Listening'],
      summary: 'A mention with its thread',
      request: { params: numericId },
      responses: {
        200: jsonContent(
          z.object({ mention: mentionSchema, thread: z.array(mentionSchema) }),
          'The mention and its thread',
        ),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await listening.mentionThread(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  // ------------------------------------------------------------------ listening queries
  app.openapi(
    createRoute({
      method: 'get',
      path: '/listening/queries',
      tags: ['Listening'],
      summary: 'Listening queries of the workspace',
      responses: {
        200: jsonContent(z.object({ items: z.array(listeningQuerySchema) }), 'Queries'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await listening.listQueries(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/listening/queries',
      tags: ['Listening'],
      summary:
        'Create a listening query (owner, admin, manager); syntax errors give the position, a name already used (ignoring case) is 409',
      request: { body: jsonBody(queryInput) },
      responses: {
        201: jsonContent(listeningQuerySchema, 'Created'),
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await listening.createQuery(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/listening/queries/preview',
      tags: ['Listening'],
      summary: 'Which recent mentions a query would match, and how many per day',
      request: { body: jsonBody(previewInput) },
      responses: { 200: jsonContent(previewSchema, 'Preview'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await listening.previewQuery(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/listening/channels',
      tags: ['Listening'],
      summary:
        "Channels to filter mentions by: the known ones, then every other channel stored mentions came from (e.g. an import's)",
      responses: {
        200: jsonContent(z.object({ items: z.array(z.string()) }), 'Channel names'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await listening.mentionChannels(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/listening/volumes',
      tags: ['Listening'],
      summary: 'Mentions per query per day, for sparklines',
      request: { query: z.object({ days: z.coerce.number().int().min(1).max(90).default(14) }) },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(z.object({ queryId: z.string(), day: z.string(), count: z.number() })) }),
          'Volumes',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) =>
      c.json({ items: await listening.queryVolumes(ctx, actorOf(c), c.req.valid('query').days) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/listening/queries/{id}',
      tags: ['Listening'],
      summary: 'Change a listening query (owner, admin, manager)',
      request: { params: idParam, body: jsonBody(queryPatch) },
      responses: {
        200: jsonContent(listeningQuerySchema, 'Updated'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await listening.updateQuery(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/listening/queries/{id}',
      tags: ['Listening'],
      summary: 'Delete a listening query (owner, admin, manager)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await listening.deleteQuery(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  // ------------------------------------------------------------------ connectors
  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors',
      tags: ['Connectors'],
      summary: 'Connectors of the workspace (credentials are never returned)',
      responses: {
        200: jsonContent(z.object({ items: z.array(connectorSchema) }), 'Connectors'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await connectors.listConnectors(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connectors',
      tags: ['Connectors'],
      summary: "Create a connector (owner, admin); a webhook's signing secret is returned once",
      request: { body: jsonBody(connectorInput) },
      responses: {
        201: jsonContent(z.object({ connector: connectorSchema, secret: z.string().optional() }), 'Created'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await connectors.createConnector(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors/{id}',
      tags: ['Connectors'],
      summary: 'One connector',
      request: { params: idParam },
      responses: { 200: jsonContent(connectorSchema, 'The connector'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await connectors.getConnector(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/connectors/{id}',
      tags: ['Connectors'],
      summary: 'Change, enable or disable a connector (owner, admin)',
      request: { params: idParam, body: jsonBody(connectorPatch) },
      responses: { 200: jsonContent(connectorSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(
        await connectors.updateConnector(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/connectors/{id}',
      tags: ['Connectors'],
      summary: 'Delete a connector (owner, admin); stored mentions stay',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await connectors.deleteConnector(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connectors/{id}/health',
      tags: ['Connectors'],
      summary: 'State, last item, lag, items per minute, errors, cursor, silence alert',
      request: { params: idParam },
      responses: { 200: jsonContent(connectorHealthSchema, 'Health'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await connectors.connectorHealth(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  // ------------------------------------------------------------------ webhook ingest
  app.openapi(
    createRoute({
      method: 'post',
      path: '/ingest/{connectorId}',
      tags: ['Connectors'],
      summary: `Webhook: one generic post or an array (≤ 500), signed with ${connectors.WEBHOOK_SIGNATURE_HEADER}: sha256=<hex HMAC of the body>`,
      security: [],
      request: { params: z.object({ connectorId: z.string().min(1).max(64) }) },
      responses: {
        202: jsonContent(
          z.object({
            accepted: z.number(),
            rejected: z.array(z.object({ index: z.number(), reason: z.string() })),
          }),
          'Appended to the ingest log; rejected items are quarantined with the reason given here',
        ),
        ...errorResponses(400, 401),
      },
    }),
    async (c) => {
      const result = await connectors.receiveWebhook(
        ctx,
        c.req.valid('param').connectorId,
        await c.req.text(),
        c.req.header(connectors.WEBHOOK_SIGNATURE_HEADER),
      );
      return c.json(result, 202);
    },
  );

  return app;
}
