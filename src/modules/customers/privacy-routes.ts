import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { listConsents, recordConsent } from './consents.ts';
import { eraseCustomer } from './erasure.ts';
import { exportCustomer } from './privacy.ts';
import { consentInput, consentSchema } from './schema.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const tags = ['Customers'];

const countsSchema = z.record(z.string(), z.number());

/** Consent, export and erasure of one customer (docs/customers.md, Privacy). */
export function customerPrivacyRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/consents',
      tags,
      summary: 'Consent by purpose and channel: the current state and the whole history',
      request: { params: idParam },
      responses: {
        200: jsonContent(
          z.object({ current: z.array(consentSchema), history: z.array(consentSchema) }),
          'Consents',
        ),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await listConsents(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/consents',
      tags,
      summary: 'Record a consent change (granted or withdrawn); the history keeps every change',
      request: { params: idParam, body: jsonBody(consentInput) },
      responses: { 201: jsonContent(consentSchema, 'The change'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await recordConsent(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/export',
      tags,
      summary: 'Everything held about the person, as JSON (owner, admin; audited)',
      request: { params: idParam },
      responses: {
        200: jsonContent(
          z.record(z.string(), z.unknown()).openapi('CustomerExport', {
            description: 'format rapport.customer-export v1 (see docs/customers.md)',
          }),
          'The export',
        ),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const body = await exportCustomer(ctx, actorOf(c), id);
      c.header('Content-Disposition', `attachment; filename="customer-${id}.json"`);
      return c.json(body as unknown as Record<string, unknown>, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/erase',
      tags,
      summary:
        "Erase the person's personal data everywhere, keeping anonymous aggregates (owner, admin; audited; irreversible)",
      request: {
        params: idParam,
        body: jsonBody(z.object({ reason: z.string().trim().min(1).max(500) }).openapi('ErasureInput')),
      },
      responses: {
        200: jsonContent(
          z
            .object({
              id: z.string(),
              customerId: z.string(),
              reason: z.string(),
              counts: countsSchema,
              createdAt: z.string(),
            })
            .openapi('Erasure'),
          'What was erased',
        ),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await eraseCustomer(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  return app;
}
