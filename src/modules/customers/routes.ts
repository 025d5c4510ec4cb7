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
import { importContacts } from './contacts-import.ts';
import {
  attributeDefinitionInput,
  attributeDefinitionSchema,
  customerPatch,
  customerProfileSchema,
  customerSummarySchema,
  identityInput,
  identitySchema,
  mergeInput,
  mergeSchema,
  suggestionSchema,
  timelineItemSchema,
} from './schema.ts';
import * as customers from './service.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const tags = ['Customers'];

/**
 * Customers, identities, resolution, merges, attributes, timeline. Fixed paths
 * (`/customers/suggestions`, `/customers/attributes`, `/customers/merges/…`) are registered
 * before `/customers/{id}` so the parameter does not swallow them.
 */
export function customersRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers',
      tags,
      summary:
        'Customers, newest first or by latest post, influence, reach or mentions; search by name, handle or email; restrict to a segment',
      request: {
        query: pageQuery.extend({
          search: z.string().max(200).optional(),
          sort: z.enum(customers.customerSorts).optional().openapi({
            description:
              'newest (default): by creation; recent: latest post first; influence, followers, mentions: highest first. Customers without the figure come last',
          }),
          segment: z
            .string()
            .min(1)
            .max(64)
            .optional()
            .openapi({ description: 'a segment id: its members only' }),
        }),
      },
      responses: {
        200: jsonContent(pageOf(customerSummarySchema), 'A page of customers'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await customers.listCustomers(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/influencers',
      tags,
      summary:
        "The most influential customers in the workspace's own network, or its advocates or detractors, with the reasons",
      request: {
        query: z.object({
          kind: z.enum(['influencers', 'advocates', 'detractors']).default('influencers'),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
      },
      responses: {
        200: jsonContent(
          z.object({
            items: z.array(
              z
                .object({
                  customer: customerSummarySchema,
                  score: z.number(),
                  pagerank: z.number(),
                  reasons: z.array(z.string()),
                })
                .openapi('Influencer'),
            ),
          }),
          'Ranked customers',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { kind, limit } = c.req.valid('query');
      return c.json({ items: await customers.rankCustomers(ctx, actorOf(c), kind, limit) }, 200);
    },
  );

  // ------------------------------------------------------------------ contacts files
  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/import',
      tags,
      summary:
        'Import a contacts CSV (name, email, email_verified, phone, bluesky, mastodon, attr.<key>): the identities on a line are an explicit link',
      request: {
        query: z.object({
          name: z
            .string()
            .trim()
            .min(1)
            .max(200)
            .default('upload.csv')
            .openapi({ description: 'the file name, quoted in the evidence' }),
          map: columnMap,
        }),
        body: csvBody,
      },
      responses: {
        200: jsonContent(
          z
            .object({
              read: z.number(),
              created: z.number(),
              updated: z.number(),
              unchanged: z.number(),
              merged: z.number(),
              pendingLinks: z.number(),
              rejected: z.array(rejectedLine),
              elapsedMs: z.number(),
            })
            .openapi('ContactImportSummary'),
          'What the file did, with each rejected line and why',
        ),
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    async (c) => {
      const { name, map } = c.req.valid('query');
      const text = await c.req.text();
      return c.json(await importContacts(ctx, actorOf(c), csvFromText(text, name), { map }), 200);
    },
  );

  // ------------------------------------------------------------------ suggestions
  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/suggestions',
      tags,
      summary:
        'Identity suggestions (weak evidence) with their confidence and evidence, most confident first; optionally those of one customer',
      request: {
        query: pageQuery.extend({
          status: z.enum(['open', 'accepted', 'rejected']).default('open'),
          customerId: z.string().min(1).max(64).optional().openapi({
            description: 'a customer id: only the suggestions where this customer is either side',
          }),
        }),
      },
      responses: {
        200: jsonContent(pageOf(suggestionSchema), 'A page of suggestions'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await customers.suggestionsPage(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/suggestions/{id}/accept',
      tags,
      summary: 'Accept a suggestion: merges the pair with its evidence',
      request: { params: idParam },
      responses: { 200: jsonContent(mergeSchema, 'The merge'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await customers.acceptSuggestion(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/suggestions/{id}/reject',
      tags,
      summary: 'Reject a suggestion: the pair is not suggested again',
      request: { params: idParam },
      responses: {
        200: jsonContent(suggestionSchema, 'The rejected suggestion'),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await customers.rejectSuggestion(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  // ------------------------------------------------------------------ attribute definitions
  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/attributes',
      tags,
      summary: "The workspace's custom attribute definitions",
      responses: {
        200: jsonContent(z.object({ items: z.array(attributeDefinitionSchema) }), 'Definitions'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await customers.listAttributeDefinitions(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/attributes',
      tags,
      summary: 'Define a custom attribute (owner, admin)',
      request: { body: jsonBody(attributeDefinitionInput) },
      responses: {
        201: jsonContent(attributeDefinitionSchema, 'Created'),
        ...errorResponses(400, 401, 403, 409),
      },
    }),
    async (c) => c.json(await customers.createAttributeDefinition(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/attributes/{id}',
      tags,
      summary: 'Delete a custom attribute definition (owner, admin); stored values stay',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await customers.deleteAttributeDefinition(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  // ------------------------------------------------------------------ merges
  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/merges/{id}/unmerge',
      tags,
      summary: 'Undo a merge: both customers are restored as they were',
      request: { params: idParam },
      responses: {
        200: jsonContent(
          z.object({ into: customerSummarySchema, restored: customerSummarySchema }),
          'Both customers',
        ),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await customers.unmergeCustomers(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  // ------------------------------------------------------------------ one customer
  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}',
      tags,
      summary: 'A customer profile: identities, social activity, sentiment, intents, attributes, merges',
      request: { params: idParam },
      responses: { 200: jsonContent(customerProfileSchema, 'The profile'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await customers.getCustomer(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/customers/{id}',
      tags,
      summary: 'Change core fields and attributes (validated against the definitions)',
      request: { params: idParam, body: jsonBody(customerPatch) },
      responses: {
        200: jsonContent(customerProfileSchema, 'The profile'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await customers.updateCustomer(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/identities',
      tags,
      summary:
        'Add an email or phone; 409 if it belongs to another customer, unless the same verified email (then merged)',
      request: { params: idParam, body: jsonBody(identityInput) },
      responses: {
        201: jsonContent(identitySchema, 'The identity'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await customers.addIdentity(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/customers/{id}/identities/{identityId}',
      tags,
      summary:
        'Remove an email or phone (409 for a social account, which carries the person’s posts: merge or unmerge instead)',
      request: { params: idParam.extend({ identityId: z.string().min(1).max(64) }) },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => {
      const { id, identityId } = c.req.valid('param');
      await customers.removeIdentity(ctx, actorOf(c), id, identityId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers/{id}/timeline',
      tags,
      summary: 'Mentions, merges, unmerges and identities added, newest first',
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(pageOf(timelineItemSchema), 'A page of the timeline'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await customers.customerTimeline(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/customers/{id}/merge',
      tags,
      summary: 'Merge another customer (`from`) into this one, with the evidence',
      request: { params: idParam, body: jsonBody(mergeInput) },
      responses: { 201: jsonContent(mergeSchema, 'The merge'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await customers.mergeCustomers(ctx, actorOf(c), {
          intoId: c.req.valid('param').id,
          fromId: body.from,
          evidence: body.evidence,
        }),
        201,
      );
    },
  );

  return app;
}
