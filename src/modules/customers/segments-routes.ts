import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { customerSummarySchema } from './schema.ts';
import * as segments from './segments.ts';
import { segmentCsvStream } from './segments-export.ts';
import {
  segmentFieldsSchema,
  segmentInput,
  segmentMembersInput,
  segmentPatch,
  segmentPreviewInput,
  segmentPreviewSchema,
  segmentSchema,
} from './segments-schema.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const tags = ['Segments'];

/**
 * Segments of customers (docs/segments.md). Mounted before the customers routes so that
 * `/customers/segments…` is not taken for `/customers/{id}`.
 */
export function segmentsRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/segments',
      tags,
      summary: 'The segments you can see (shared ones and your own private ones), by name',
      request: { query: pageQuery },
      responses: {
        200: jsonContent(pageOf(segmentSchema), 'A page of segments'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await segments.listSegments(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/segments',
      tags,
      summary: 'Create a dynamic segment (a rule) or a static one (a list)',
      request: { body: jsonBody(segmentInput) },
      responses: {
        201: jsonContent(segmentSchema, 'Created'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await segments.createSegment(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/segments/fields',
      tags,
      summary: 'The fields a rule may use, with their operators (custom attributes included)',
      responses: {
        200: jsonContent(segmentFieldsSchema, 'The field catalogue'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ fields: await segments.segmentFields(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/segments/preview',
      tags,
      summary: 'How many customers a rule matches, with up to 5 of them',
      request: { body: jsonBody(segmentPreviewInput) },
      responses: {
        200: jsonContent(segmentPreviewSchema, 'Count and sample'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await segments.previewSegment(ctx, actorOf(c), c.req.valid('json').rule), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/segments/{id}',
      tags,
      summary: 'A segment with its member count',
      request: { params: idParam },
      responses: { 200: jsonContent(segmentSchema, 'The segment'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await segments.getSegment(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/customers/segments/{id}',
      tags,
      summary: 'Rename, describe, change the rule of, or share a segment',
      request: { params: idParam, body: jsonBody(segmentPatch) },
      responses: {
        200: jsonContent(segmentSchema, 'The segment'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await segments.updateSegment(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/segments/{id}',
      tags,
      summary: 'Delete a segment (its customers stay)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await segments.deleteSegment(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/segments/{id}/members',
      tags,
      summary: 'The members of a segment, newest customer first',
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(customerSummarySchema), 'A page of members'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await segments.segmentMembers(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/segments/{id}/export.csv',
      tags,
      summary:
        "The segment's members as CSV (owner, admin: personal data), streamed; the same columns as `rapport customers export --segment`",
      request: { params: idParam },
      responses: {
        200: {
          description: 'text/csv, one line per member',
          content: { 'text/csv': { schema: z.string() } },
        },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { name, body } = await segmentCsvStream(ctx, actorOf(c), c.req.valid('param').id);
      const file = `${name.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '') || 'segment'}.csv`;
      return c.body(body, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${file.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(file)}`,
        'cache-control': 'no-store',
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/segments/{id}/members',
      tags,
      summary: 'Add customers to a static segment (409 for a dynamic one)',
      request: { params: idParam, body: jsonBody(segmentMembersInput) },
      responses: {
        200: jsonContent(
          z.object({ added: z.number() }),
          'How many were added (members already in are skipped)',
        ),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await segments.addSegmentMembers(
          ctx,
          actorOf(c),
          c.req.valid('param').id,
          c.req.valid('json').customerIds,
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/segments/{id}/members/{customerId}',
      tags,
      summary: 'Remove a customer from a static segment (409 for a dynamic one)',
      request: { params: idParam.extend({ customerId: z.string().min(1).max(64) }) },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, customerId } = c.req.valid('param');
      await segments.removeSegmentMember(ctx, actorOf(c), id, customerId);
      return c.body(null, 204);
    },
  );

  return app;
}
