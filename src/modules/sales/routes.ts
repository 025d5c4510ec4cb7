import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import { exportContentTypes, exportFormats } from '../../export-format.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import {
  columnMap,
  csvBody,
  errorResponses,
  exportResponse,
  jsonBody,
  jsonContent,
  rejectedLine,
  validationHook,
} from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { csvFromText } from '../../pipeline/csv.ts';
import { requirePermission } from '../auth/roles.ts';
import * as handoff from './lead-handoff.ts';
import * as lists from './lead-lists.ts';
import * as leads from './leads.ts';
import { leadExportStream } from './leads-export.ts';
import { importLeads } from './leads-import.ts';
import * as opportunities from './opportunities.ts';
import { salesPipeline } from './pipeline.ts';
import {
  contactInput,
  handoffInput,
  leadCardSchema,
  leadDetailSchema,
  leadFilters,
  leadInput,
  leadPatch,
  leadSchema,
  opportunityFilters,
  opportunityInput,
  opportunityPatch,
  opportunitySchema,
  pipelineQuery,
  pipelineSchema,
  rejectInput,
} from './schema.ts';
import { scoringConfigSchema } from './scoring.ts';
import { getScoringConfig, saveScoringConfig } from './signals.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const tags = ['Sales'];

/** Leads, handoffs, opportunities, the pipeline board and the scoring rules. */
export function salesRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/leads',
      tags,
      summary: 'Leads, newest first or best score first, filtered by stage, status, owner, handoff or title',
      request: { query: pageQuery.merge(leadFilters) },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(leadCardSchema), nextCursor: z.string().nullable() }),
          'A page of leads',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await lists.listLeads(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads',
      tags,
      summary: 'Create a lead for a customer (409 when they already have an open lead)',
      request: { body: jsonBody(leadInput) },
      responses: { 201: jsonContent(leadSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await leads.createLead(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/import',
      tags,
      summary:
        'Import a leads CSV (email, title, and optionally name, stage, owner, team): a customer per email, one lead each, nothing twice',
      request: { query: z.object({ map: columnMap }), body: csvBody },
      responses: {
        200: jsonContent(
          z
            .object({
              read: z.number(),
              created: z.number(),
              existing: z.number().openapi({
                description: 'Lines whose customer has an open lead, or an imported lead of that title',
              }),
              customersCreated: z.number(),
              rejected: z.array(rejectedLine),
              elapsedMs: z.number(),
            })
            .openapi('LeadImportSummary'),
          'What the file did, with each rejected line and why',
        ),
        ...errorResponses(400, 401, 403, 413),
      },
    }),
    async (c) => {
      const source = csvFromText(await c.req.text(), 'upload.csv');
      return c.json(await importLeads(ctx, actorOf(c), { source, map: c.req.valid('query').map }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/leads/export',
      tags,
      summary:
        'Leads as a file (CSV by default, or JSON, JSON Lines): the filters and order of GET /sales/leads; owner, admin, manager; streamed, audited',
      request: { query: leadFilters.extend({ format: z.enum(exportFormats).default('csv') }) },
      responses: {
        200: exportResponse('the leads, one line or object each (columns in docs/sales.md)'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { format, ...filters } = c.req.valid('query');
      const body = leadExportStream(ctx, actorOf(c), filters, format);
      return c.body(body, 200, {
        'content-type': exportContentTypes[format],
        'content-disposition': `attachment; filename="leads-${ctx.now().toISOString().slice(0, 10)}.${format}"`,
        'cache-control': 'no-store',
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/leads/{id}',
      tags,
      summary: 'A lead with its customer, segments, score explanation, posts, opportunities and handoff',
      request: { params: idParam },
      responses: { 200: jsonContent(leadDetailSchema, 'The lead'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await lists.getLead(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/sales/leads/{id}',
      tags,
      summary: 'Change title, stage, owner or team; disqualify with a reason, or reopen',
      request: { params: idParam, body: jsonBody(leadPatch) },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await leads.updateLead(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/{id}/handoff',
      tags,
      summary: 'Hand the lead to a salesperson with a note (it becomes at least marketing qualified)',
      request: { params: idParam, body: jsonBody(handoffInput) },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await handoff.handoffLead(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/{id}/accept',
      tags,
      summary:
        'Accept a pending handoff (the target, or a manager): take ownership; at least sales qualified',
      request: { params: idParam },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(401, 403, 404, 409) },
    }),
    async (c) => c.json(await handoff.acceptHandoff(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/{id}/reject',
      tags,
      summary: 'Reject a pending handoff with a reason: the lead returns to the sender',
      request: { params: idParam, body: jsonBody(rejectInput) },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await handoff.rejectHandoff(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/{id}/contact',
      tags,
      summary: 'Log a contact with the customer (the first after a handoff stops its clock)',
      request: { params: idParam, body: jsonBody(contactInput) },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await handoff.logContact(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/leads/{id}/rescore',
      tags,
      summary: 'Score the lead again now',
      request: { params: idParam },
      responses: { 200: jsonContent(leadSchema, 'The lead'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await leads.rescoreLead(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/opportunities',
      tags,
      summary: 'Opportunities, newest first, filtered by stage, lead, owner or open/closed',
      request: { query: pageQuery.merge(opportunityFilters) },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(opportunitySchema), nextCursor: z.string().nullable() }),
          'A page of opportunities',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await opportunities.listOpportunities(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sales/opportunities',
      tags,
      summary: 'Open an opportunity on a lead (the lead moves to the opportunity stage)',
      request: { body: jsonBody(opportunityInput) },
      responses: {
        201: jsonContent(opportunitySchema, 'Created'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) => c.json(await opportunities.createOpportunity(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/opportunities/{id}',
      tags,
      summary: 'One opportunity',
      request: { params: idParam },
      responses: {
        200: jsonContent(opportunitySchema, 'The opportunity'),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => c.json(await opportunities.getOpportunity(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/sales/opportunities/{id}',
      tags,
      summary: 'Change an opportunity; closed_won wins its lead, closed_lost needs a reason',
      request: { params: idParam, body: jsonBody(opportunityPatch) },
      responses: {
        200: jsonContent(opportunitySchema, 'The opportunity'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await opportunities.updateOpportunity(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/pipeline',
      tags,
      summary:
        'The board: open leads per stage (count and best scored), opportunities per stage, handoff figures',
      request: { query: pipelineQuery },
      responses: { 200: jsonContent(pipelineSchema, 'The pipeline'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await salesPipeline(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/owners',
      tags,
      summary: 'The people leads can be owned by or handed to (name and role)',
      responses: {
        200: jsonContent(
          z.object({ items: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })) }),
          'People',
        ),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => {
      const actor = actorOf(c);
      requirePermission(actor, 'sales:read');
      const rows = await ctx.db
        .selectFrom('users')
        .select(['id', 'name', 'email', 'role'])
        .where('workspace_id', '=', actor.workspaceId)
        .where('status', '=', 'active')
        .where('role', 'in', ['owner', 'admin', 'manager', 'agent'])
        .orderBy('name')
        .execute();
      return c.json({ items: rows.map((u) => ({ id: u.id, name: u.name || u.email, role: u.role })) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sales/scoring',
      tags,
      summary: "The workspace's lead scoring rules (defaults until saved)",
      responses: { 200: jsonContent(scoringConfigSchema, 'The rules'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await getScoringConfig(ctx, actorOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sales/scoring',
      tags,
      summary:
        'Replace the lead scoring rules (owner, admin, manager); open leads are rescored by the next pass',
      request: { body: jsonBody(scoringConfigSchema) },
      responses: { 200: jsonContent(scoringConfigSchema, 'The rules'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await saveScoringConfig(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  return app;
}
