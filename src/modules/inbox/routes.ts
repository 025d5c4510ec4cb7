import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import type { AppContext } from '../../context.ts';
import { exportContentTypes, exportFormats } from '../../export-format.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, exportResponse, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import { requirePermission } from '../auth/roles.ts';
import * as canned from './canned.ts';
import * as caseLists from './case-lists.ts';
import { mergeCases, splitCase } from './case-merge-split.ts';
import * as caseRules from './case-rules.ts';
import * as cases from './cases.ts';
import { caseExportStream } from './cases-export.ts';
import { disposeMention, disposeMentions, dispositionStats } from './dispositions.ts';
import * as live from './live.ts';
import { cannedInput, cannedSchema, noteInput, noteSchema, replyInput, replySchema } from './notes-schema.ts';
import * as replies from './replies.ts';
import * as rules from './routing-rules.ts';
import { routingRuleInput, routingRuleSchema, ruleTestSchema } from './routing-schema.ts';
import {
  bulkDispositionInput,
  bulkDispositionResultSchema,
  caseCardSchema,
  caseDetailSchema,
  caseFilters,
  caseInput,
  casePatch,
  caseSchema,
  dispositionInput,
  dispositionSchema,
  dispositionStatsSchema,
  teamInput,
  teamSchema,
} from './schema.ts';
import * as sla from './sla.ts';
import {
  businessHoursInput,
  businessHoursSchema,
  slaPolicyInput,
  slaPolicySchema,
  slaReportSchema,
} from './sla-schema.ts';
import * as teams from './teams.ts';
import * as views from './views.ts';
import { inboxViewInput, inboxViewOrder, inboxViewPatch, inboxViewSchema } from './views-schema.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const tags = ['Inbox'];

/** Cases, conversations, dispositions of mentions, teams. */
export function inboxRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/cases',
      tags,
      summary: 'Cases, newest first, filtered (views: all, mine, unassigned)',
      request: { query: pageQuery.merge(caseFilters) },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(caseCardSchema), nextCursor: z.string().nullable() }),
          'A page of cases',
        ),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await caseLists.listCases(ctx, actorOf(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases',
      tags,
      summary: 'Create a case, optionally from mentions (their threads become its conversations)',
      request: { body: jsonBody(caseInput) },
      responses: { 201: jsonContent(caseSchema, 'Created'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => c.json(await cases.createCase(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/cases/export',
      tags,
      summary:
        'Cases as a file (CSV by default, or JSON, JSON Lines): the filters and order of GET /cases, `since`/`until` on when they were opened; owner, admin, manager; streamed, audited',
      request: { query: caseFilters.extend({ format: z.enum(exportFormats).default('csv') }) },
      responses: {
        200: exportResponse('the cases, one line or object each (columns in docs/inbox.md)'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => {
      const { format, ...filters } = c.req.valid('query');
      const body = caseExportStream(ctx, actorOf(c), filters, format);
      return c.body(body, 200, {
        'content-type': exportContentTypes[format],
        'content-disposition': `attachment; filename="cases-${ctx.now().toISOString().slice(0, 10)}.${format}"`,
        'cache-control': 'no-store',
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/cases/{id}',
      tags,
      summary: 'A case with its customer and conversations',
      request: { params: idParam },
      responses: { 200: jsonContent(caseDetailSchema, 'The case'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(await caseLists.getCase(ctx, actorOf(c), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/cases/{id}',
      tags,
      summary: 'Change status, priority, type, assignee, team, customer, tags or custom fields',
      request: { params: idParam, body: jsonBody(casePatch) },
      responses: { 200: jsonContent(caseSchema, 'The case'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await cases.updateCase(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/merge',
      tags,
      summary: 'Merge another case into this one (its conversations move; it is closed, pointing here)',
      request: { params: idParam, body: jsonBody(z.object({ fromCaseId: z.string().min(1).max(64) })) },
      responses: {
        200: jsonContent(caseSchema, 'The case merged into'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await mergeCases(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').fromCaseId), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/split',
      tags,
      summary: 'Move some conversations of this case into a new case',
      request: {
        params: idParam,
        body: jsonBody(
          z.object({
            conversationIds: z.array(z.string().min(1).max(64)).min(1).max(100),
            subject: z.string().trim().min(1).max(300).optional(),
          }),
        ),
      },
      responses: { 201: jsonContent(caseSchema, 'The new case'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        await splitCase(ctx, actorOf(c), c.req.valid('param').id, body.conversationIds, body.subject),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/mentions',
      tags,
      summary: "Attach a mention's thread to this case",
      request: { params: idParam, body: jsonBody(z.object({ mentionId: z.number().int().positive() })) },
      responses: { 200: jsonContent(caseSchema, 'The case'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(
        await cases.attachMention(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').mentionId),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/mentions/{id}/disposition',
      tags,
      summary:
        'Decide what becomes of a mention: new case, attach to a case, answered, or dismissed with a reason',
      request: {
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: jsonBody(dispositionInput),
      },
      responses: {
        200: jsonContent(dispositionSchema, 'The disposition'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await disposeMention(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/mentions/dispositions',
      tags,
      summary:
        'Triage up to 200 posts at once: the undecided ones are marked answered or dismissed with a reason; the others are listed as skipped, with why',
      request: { body: jsonBody(bulkDispositionInput) },
      responses: {
        200: jsonContent(bulkDispositionResultSchema, 'What was decided and what was left'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await disposeMentions(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inbox/dispositions',
      tags,
      summary:
        'Heard versus listened: the share of matched mentions with a disposition, by kind, and how fast',
      request: { query: z.object({ days: z.coerce.number().int().min(1).max(90).default(30) }) },
      responses: { 200: jsonContent(dispositionStatsSchema, 'Figures'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await dispositionStats(ctx, actorOf(c), c.req.valid('query').days), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inbox/assignees',
      tags,
      summary: 'The people cases can be assigned to (name, role and skills)',
      responses: {
        200: jsonContent(
          z.object({
            items: z.array(
              z.object({ id: z.string(), name: z.string(), role: z.string(), skills: z.array(z.string()) }),
            ),
          }),
          'People',
        ),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await teams.listAssignees(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inbox/views',
      tags,
      summary:
        "Saved views you see: the workspace's shared views, then your own, each with how many cases it lists for you (counted up to 1000)",
      responses: {
        200: jsonContent(z.object({ items: z.array(inboxViewSchema) }), 'Views'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await views.listViews(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/inbox/views',
      tags,
      summary:
        'Save filters of the case list as a view (at most 50 each; sharing needs owner, admin or manager)',
      request: { body: jsonBody(inboxViewInput) },
      responses: { 201: jsonContent(inboxViewSchema, 'Created'), ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => c.json(await views.createView(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/inbox/views/order',
      tags,
      summary:
        'Set the order of your own views, or of the shared views (owner, admin, manager): every id of that list, once',
      request: { body: jsonBody(inboxViewOrder) },
      responses: {
        200: jsonContent(z.object({ items: z.array(inboxViewSchema) }), 'Views in their new order'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json({ items: await views.reorderViews(ctx, actorOf(c), c.req.valid('json')) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/inbox/views/{id}',
      tags,
      summary:
        'Rename a view, change its filters, or share or unshare it (shared views: owner, admin, manager)',
      request: { params: idParam, body: jsonBody(inboxViewPatch) },
      responses: {
        200: jsonContent(inboxViewSchema, 'The view'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(await views.updateView(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/inbox/views/{id}',
      tags,
      summary: 'Delete one of your views, or a shared view (owner, admin, manager)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await views.deleteView(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/teams',
      tags,
      summary: "The workspace's teams and their members",
      responses: {
        200: jsonContent(z.object({ items: z.array(teamSchema) }), 'Teams'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await teams.listTeams(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/teams',
      tags,
      summary: 'Create a team (owner, admin, manager)',
      request: { body: jsonBody(teamInput) },
      responses: { 201: jsonContent(teamSchema, 'Created'), ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => c.json(await teams.saveTeam(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/teams/{id}',
      tags,
      summary: "Replace a team's name and members (owner, admin, manager)",
      request: { params: idParam, body: jsonBody(teamInput) },
      responses: { 200: jsonContent(teamSchema, 'The team'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await teams.saveTeam(ctx, actorOf(c), c.req.valid('json'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/teams/{id}',
      tags,
      summary: 'Delete a team (its cases keep their assignees)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await teams.deleteTeam(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/replies',
      tags,
      summary:
        'Reply on the channel the case came from (public, in the thread) or privately (Mastodon direct message or email), optionally with a public acknowledgement; delivered through the outbox',
      request: { params: idParam, body: jsonBody(replyInput) },
      responses: {
        202: jsonContent(
          z.object({ items: z.array(replySchema) }),
          'Queued replies (one, or two with an acknowledgement)',
        ),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        { items: await replies.queueReply(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')) },
        202,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/replies/{replyId}/retry',
      tags,
      summary: 'Queue a failed reply again',
      request: { params: idParam.extend({ replyId: z.string().min(1).max(64) }) },
      responses: {
        200: jsonContent(replySchema, 'The reply, queued'),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id, replyId } = c.req.valid('param');
      return c.json(await replies.retryReply(ctx, actorOf(c), id, replyId), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/notes',
      tags,
      summary: 'Add an internal note (never sent to the customer); @mentioned colleagues are notified',
      request: { params: idParam, body: jsonBody(noteInput) },
      responses: { 201: jsonContent(noteSchema, 'The note'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await replies.addNote(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/canned-responses',
      tags,
      summary: 'Canned responses: the shared ones and your own',
      responses: {
        200: jsonContent(
          z.object({ items: z.array(cannedSchema), variables: z.array(z.string()) }),
          'Responses',
        ),
        ...errorResponses(401, 403),
      },
    }),
    async (c) =>
      c.json(
        { items: await canned.listCanned(ctx, actorOf(c)), variables: [...canned.cannedVariables] },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/canned-responses',
      tags,
      summary: 'Create a canned response with {{variables}} (sharing needs owner, admin or manager)',
      request: { body: jsonBody(cannedInput) },
      responses: { 201: jsonContent(cannedSchema, 'Created'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await canned.saveCanned(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/canned-responses/{id}',
      tags,
      summary: 'Change a canned response',
      request: { params: idParam, body: jsonBody(cannedInput) },
      responses: { 200: jsonContent(cannedSchema, 'The response'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await canned.saveCanned(ctx, actorOf(c), c.req.valid('json'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/canned-responses/{id}',
      tags,
      summary: 'Delete a canned response',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await canned.deleteCanned(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/canned-responses/{id}/render',
      tags,
      summary: 'A canned response filled in for a case (customer, agent, case and workspace variables)',
      request: { params: idParam, body: jsonBody(z.object({ caseId: z.string().min(1).max(64) })) },
      responses: {
        200: jsonContent(z.object({ text: z.string() }), 'The text'),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        {
          text: await canned.renderCanned(
            ctx,
            actorOf(c),
            c.req.valid('param').id,
            c.req.valid('json').caseId,
          ),
        },
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/cases/{id}/presence',
      tags,
      summary: 'Say you are viewing or replying to a case (renew about every 15 s; it lapses after 30 s)',
      request: { params: idParam, body: jsonBody(z.object({ state: z.enum(['viewing', 'replying']) })) },
      responses: { 204: { description: 'Recorded' }, ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) => {
      await live.setPresence(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json').state);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/cases/{id}/presence',
      tags,
      summary: 'You left the case',
      request: { params: idParam },
      responses: { 204: { description: 'Cleared' }, ...errorResponses(401, 403) },
    }),
    async (c) => {
      await live.clearPresence(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  // Live inbox: polls the case feed and presence tables (shared by every API process) every
  // 2 s; the SSE id is the last feed event id, so a reconnecting browser resumes where it was.
  app.get('/inbox/stream', async (c) => {
    const actor = actorOf(c);
    requirePermission(actor, 'inbox:read');
    const resumeFrom = Number(c.req.header('last-event-id'));
    let cursor =
      Number.isSafeInteger(resumeFrom) && resumeFrom > 0
        ? resumeFrom
        : await live.latestCaseEventId(ctx, actor.workspaceId);
    return streamSSE(c, async (stream) => {
      let presence = '';
      let idle = 0;
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ cursor }), id: String(cursor) });
      while (!stream.aborted) {
        let sent = false;
        const changes = await live.caseChangesSince(ctx, actor.workspaceId, cursor);
        const last = changes[changes.length - 1];
        if (last) {
          cursor = last.eventId;
          await stream.writeSSE({ event: 'cases', data: JSON.stringify(changes), id: String(cursor) });
          sent = true;
        }
        const now = JSON.stringify(await live.presenceNow(ctx, actor.workspaceId));
        if (now !== presence) {
          presence = now;
          await stream.writeSSE({ event: 'presence', data: now });
          sent = true;
        }
        // A comment-like ping every ~15 s keeps proxies from closing a quiet stream.
        idle = sent ? 0 : idle + 1;
        if (idle >= 7) {
          idle = 0;
          await stream.writeSSE({ event: 'ping', data: '{}' });
        }
        await stream.sleep(2_000);
      }
    });
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/inbox/stream',
    tags,
    summary:
      'Server-Sent Events: `cases` carries arrays of {eventId, caseId, kind, actorUserId} as cases change; `presence` the full list of {caseId, userId, name, state}',
    responses: { 200: { description: 'text/event-stream' }, ...errorResponses(401, 403) },
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/routing-rules',
      tags,
      summary: "The workspace's routing rules, in the order they run",
      responses: {
        200: jsonContent(z.object({ items: z.array(routingRuleSchema) }), 'Rules'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await rules.listRules(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/routing-rules',
      tags,
      summary: 'Add a routing rule at the end of the order (owner, admin, manager)',
      request: { body: jsonBody(routingRuleInput) },
      responses: { 201: jsonContent(routingRuleSchema, 'Created'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await rules.saveRule(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/routing-rules/test',
      tags,
      summary:
        'Try a rule without acting: on the latest stored mentions (a rule on posts) or the latest open cases (a rule on case events); how many it fires on, and why',
      request: {
        query: z.object({ limit: z.coerce.number().int().min(1).max(5000).default(500) }),
        body: jsonBody(routingRuleInput),
      },
      responses: {
        200: jsonContent(ruleTestSchema, 'What the rule would do'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) =>
      c.json(await caseRules.testRule(ctx, actorOf(c), c.req.valid('json'), c.req.valid('query').limit), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/routing-rules/order',
      tags,
      summary: 'Set the order rules run in (every rule id, once)',
      request: { body: jsonBody(z.object({ ids: z.array(z.string().min(1).max(64)).max(500) })) },
      responses: {
        200: jsonContent(z.object({ items: z.array(routingRuleSchema) }), 'Rules in their new order'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json({ items: await rules.reorderRules(ctx, actorOf(c), c.req.valid('json').ids) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/routing-rules/{id}',
      tags,
      summary: "Replace a rule's definition (its place in the order stays)",
      request: { params: idParam, body: jsonBody(routingRuleInput) },
      responses: { 200: jsonContent(routingRuleSchema, 'The rule'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await rules.saveRule(ctx, actorOf(c), c.req.valid('json'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/routing-rules/{id}',
      tags,
      summary: 'Delete a routing rule',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await rules.deleteRule(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inbox/business-hours',
      tags,
      summary: "The workspace's opening hours and holidays (in its time zone), and whether it is open now",
      responses: { 200: jsonContent(businessHoursSchema, 'Business hours'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(await sla.getBusinessHours(ctx, actorOf(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/inbox/business-hours',
      tags,
      summary: 'Set the opening hours per weekday and the holidays (owner, admin, manager)',
      request: { body: jsonBody(businessHoursInput) },
      responses: {
        200: jsonContent(businessHoursSchema, 'Business hours'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) => c.json(await sla.setBusinessHours(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sla-policies',
      tags,
      summary: 'SLA policies, in the order they are matched',
      responses: {
        200: jsonContent(z.object({ items: z.array(slaPolicySchema) }), 'Policies'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await sla.listSlaPolicies(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/sla-policies',
      tags,
      summary: 'Add an SLA policy at the end of the order (owner, admin, manager)',
      request: { body: jsonBody(slaPolicyInput) },
      responses: { 201: jsonContent(slaPolicySchema, 'Created'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await sla.saveSlaPolicy(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sla-policies/order',
      tags,
      summary: 'Set the order policies are matched in (every policy id, once)',
      request: { body: jsonBody(z.object({ ids: z.array(z.string().min(1).max(64)).max(200) })) },
      responses: {
        200: jsonContent(z.object({ items: z.array(slaPolicySchema) }), 'Policies in their new order'),
        ...errorResponses(400, 401, 403),
      },
    }),
    async (c) =>
      c.json({ items: await sla.reorderSlaPolicies(ctx, actorOf(c), c.req.valid('json').ids) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/sla-policies/{id}',
      tags,
      summary: 'Replace an SLA policy (open cases pick up the change)',
      request: { params: idParam, body: jsonBody(slaPolicyInput) },
      responses: { 200: jsonContent(slaPolicySchema, 'The policy'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await sla.saveSlaPolicy(ctx, actorOf(c), c.req.valid('json'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/sla-policies/{id}',
      tags,
      summary: 'Delete an SLA policy',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await sla.deleteSlaPolicy(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/inbox/sla-report',
      tags,
      summary: 'SLA attainment per metric over the last days',
      request: { query: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }) },
      responses: { 200: jsonContent(slaReportSchema, 'Attainment'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await sla.slaReport(ctx, actorOf(c), c.req.valid('query').days), 200),
  );

  return app;
}
