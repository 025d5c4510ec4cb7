import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import {
  listQuarantine,
  quarantineFacets,
  resolveQuarantined,
  resolveQuarantinedMany,
} from './quarantine.ts';
import {
  QUARANTINE_BULK_LIMIT,
  quarantineBulkInput,
  quarantineBulkResultSchema,
  quarantineFacetsSchema,
  quarantineFilter,
  quarantinePageSchema,
} from './quarantine-schema.ts';
import { quarantineItemSchema } from './schema.ts';

const tags = ['Listening'];
const numericId = z.object({ id: z.coerce.number().int().positive() });

/** Items the pipeline could not process (docs/listening.md, Quarantine); owner, admin and manager only. */
export function quarantineRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/quarantine',
      tags,
      summary:
        'Items the pipeline could not process, newest first, with stage and reason and how many match (owner, admin, manager)',
      request: { query: pageQuery.extend(quarantineFilter.shape) },
      responses: {
        200: jsonContent(quarantinePageSchema, 'A page of items and the total matching'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await listQuarantine(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/quarantine/facets',
      tags,
      summary: 'How the items of a status spread over stages, connectors and reasons, to filter by',
      request: { query: quarantineFilter },
      responses: {
        200: jsonContent(quarantineFacetsSchema, 'Counts'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await quarantineFacets(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  for (const action of ['retry', 'drop'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/quarantine/${action}`,
        tags,
        summary:
          action === 'retry'
            ? `Send open items through the pipeline again: by id, or those matching a filter (${QUARANTINE_BULK_LIMIT} a request)`
            : `Drop open items for good: by id, or those matching a filter (${QUARANTINE_BULK_LIMIT} a request)`,
        request: { body: jsonBody(quarantineBulkInput) },
        responses: {
          200: jsonContent(quarantineBulkResultSchema, 'What was done and what remains'),
          ...errorResponses(400, 401, 403),
        },
      }),
      async (c) => c.json(await resolveQuarantinedMany(ctx, actorOf(c), action, c.req.valid('json')), 200),
    );

    app.openapi(
      createRoute({
        method: 'post',
        path: `/quarantine/{id}/${action}`,
        tags,
        summary:
          action === 'retry'
            ? 'Send a quarantined item through the pipeline again'
            : 'Drop a quarantined item for good',
        request: { params: numericId },
        responses: {
          200: jsonContent(quarantineItemSchema, 'Resolved'),
          ...errorResponses(401, 403, 404, 409),
        },
      }),
      async (c) => c.json(await resolveQuarantined(ctx, actorOf(c), c.req.valid('param').id, action), 200),
    );
  }

  return app;
}
