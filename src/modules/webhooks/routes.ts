import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { requirePermission } from '../auth/roles.ts';
import * as delivery from './delivery.ts';
import * as endpoints from './endpoints.ts';
import {
  deliveryFilters,
  knownEventTypes,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
  webhookEndpointInput,
  webhookEndpointPatch,
  webhookEndpointSchema,
  webhookEndpointWithSecret,
} from './schema.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const deliveryParam = z.object({ id: z.coerce.number().int().positive() });
const tags = ['Webhooks'];

/** Outbound webhooks: endpoints, secrets, the delivery log (owners and admins). */
export function webhooksRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/event-types',
      tags,
      summary: 'The event types an endpoint can subscribe to (patterns: *, case.*, lead.*, or one type)',
      responses: {
        200: jsonContent(z.object({ items: z.array(z.string()) }), 'Event types'),
        ...errorResponses(401, 403),
      },
    }),
    (c) => {
      requirePermission(actorOf(c), 'webhooks:manage');
      const items = Object.entries(knownEventTypes).flatMap(([type, kinds]) =>
        kinds.map((k) => `${type}.${k}`),
      );
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/deliveries',
      tags,
      summary: 'The delivery log, newest first (filter by status and endpoint)',
      request: { query: pageQuery.merge(deliveryFilters) },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(webhookDeliverySchema), nextCursor: z.string().nullable() }),
          'A page of deliveries',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await delivery.listDeliveries(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/deliveries/{id}',
      tags,
      summary: 'A delivery with the body sent and every attempt',
      request: { params: deliveryParam },
      responses: {
        200: jsonContent(webhookDeliveryDetailSchema, 'The delivery'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => c.json(await delivery.getDelivery(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/deliveries/{id}/redeliver',
      tags,
      summary: 'Send a delivery again now (same webhook-id); the retry schedule starts afresh',
      request: { params: deliveryParam },
      responses: {
        200: jsonContent(webhookDeliveryDetailSchema, 'The delivery after the attempt'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await delivery.redeliver(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks',
      tags,
      summary: 'Webhook endpoints of the workspace',
      responses: {
        200: jsonContent(z.object({ items: z.array(webhookEndpointSchema) }), 'Endpoints'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await endpoints.listEndpoints(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks',
      tags,
      summary: 'Create an endpoint; it receives events from now on. The signing secret is returned once',
      request: { body: jsonBody(webhookEndpointInput) },
      responses: {
        201: jsonContent(webhookEndpointWithSecret, 'Created'),
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await endpoints.createEndpoint(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhooks/{id}',
      tags,
      summary: 'A webhook endpoint',
      request: { params: idParam },
      responses: {
        200: jsonContent(webhookEndpointSchema, 'The endpoint'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await endpoints.getEndpoint(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/webhooks/{id}',
      tags,
      summary: 'Change the URL, description, event types or enabled state (enabling again resumes from now)',
      request: { params: idParam, body: jsonBody(webhookEndpointPatch) },
      responses: {
        200: jsonContent(webhookEndpointSchema, 'The endpoint'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await endpoints.updateEndpoint(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhooks/{id}',
      tags,
      summary: 'Delete an endpoint and its delivery log',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await endpoints.deleteEndpoint(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/rotate-secret',
      tags,
      summary: 'A new signing secret, returned once; the old one also signs for 24 hours',
      request: { params: idParam },
      responses: {
        200: jsonContent(webhookEndpointWithSecret, 'The new secret'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await endpoints.rotateSecret(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhooks/{id}/ping',
      tags,
      summary: 'Send a test event (type ping) now and return how it went',
      request: { params: idParam },
      responses: {
        200: jsonContent(webhookDeliveryDetailSchema, 'The test delivery'),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await delivery.pingEndpoint(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  return app;
}
