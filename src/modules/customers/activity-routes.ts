import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import {
  columnMap,
  csvBody,
  errorResponses,
  jsonBody,
  jsonContent,
  rejectedLine,
  validationHook,
} from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { csvFromText } from '../../pipeline/csv.ts';
import * as activity from './activity.ts';
import {
  eventSchema,
  eventsBody,
  eventsResult,
  transactionInput,
  transactionSchema,
} from './activity-schema.ts';
import { importTransactions } from './transactions-import.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const tags = ['Customers'];

/** The transactional and behaviour bins: transactions per customer, events keyed by any identity. */
export function activityRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/transactions/import',
      tags,
      summary:
        'Import a transactions CSV (email, external_id, amount, currency, occurred_at, kind, status, description): a customer per email, a transaction once per external id',
      request: {
        query: z.object({
          map: columnMap,
        }),
        body: csvBody,
      },
      responses: {
        200: jsonContent(
          z
            .object({
              read: z.number(),
              imported: z.number(),
              duplicates: z.number(),
              customersCreated: z.number(),
              rejected: z.array(rejectedLine),
              elapsedMs: z.number(),
            })
            .openapi('TransactionImportSummary'),
          'What the file did, with each rejected line and why',
        ),
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    async (c) => {
      const { map } = c.req.valid('query');
      const source = csvFromText(await c.req.text(), 'upload.csv');
      return c.json(await importTransactions(ctx, actorOf(c), { source, map }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/transactions',
      tags,
      summary:
        'Record an order, subscription or refund; idempotent on externalId (200 with the existing one)',
      request: { params: idParam, body: jsonBody(transactionInput) },
      responses: {
        200: jsonContent(transactionSchema, 'Already recorded under this externalId'),
        201: jsonContent(transactionSchema, 'Recorded'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { transaction, created } = await activity.addTransaction(
        ctx,
        actorOf(c),
        c.req.valid('param').id,
        c.req.valid('json'),
      );
      return created ? c.json(transaction, 201) : c.json(transaction, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/transactions',
      tags,
      summary: "A customer's transactions, newest first",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(transactionSchema), 'A page of transactions'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await activity.listTransactions(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/events',
      tags,
      summary: "A customer's behaviour events, newest first, optionally of one name",
      request: { params: idParam, query: pageQuery.extend({ name: z.string().min(1).max(120).optional() }) },
      responses: {
        200: jsonContent(pageOf(eventSchema), 'A page of events'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(await activity.listEvents(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/events',
      tags,
      summary:
        'Record behaviour events (one, or up to 500) keyed by an email, a social account or a customer id; an unknown email makes a new customer',
      request: { body: jsonBody(eventsBody) },
      responses: {
        200: jsonContent(eventsResult, 'Stored; `rejected` lists the events that were not, with the reason'),
        422: jsonContent(eventsResult, 'No event could be stored; `rejected` gives each reason'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const outcome = await activity.recordEvents(ctx, actorOf(c), Array.isArray(body) ? body : [body]);
      return outcome.accepted === 0 ? c.json(outcome, 422) : c.json(outcome, 200);
    },
  );

  return app;
}
