import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import { pageQuery } from '../../pagination.ts';
import {
  sendSurveyInput,
  surveyAnswerSchema,
  surveyInput,
  surveyPatch,
  surveyRequestSchema,
  surveyResultsSchema,
  surveySchema,
} from './schema.ts';
import * as surveys from './service.ts';

const tags = ['Surveys'];
const idParam = z.object({ id: z.string().min(1).max(64) });

/** The staff API of surveys: definitions, results, and a case's requests. */
export function surveysRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/surveys',
      tags,
      summary: "The workspace's satisfaction surveys, by name",
      responses: {
        200: jsonContent(z.object({ items: z.array(surveySchema) }), 'Surveys'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await surveys.listSurveys(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/surveys',
      tags,
      summary: 'Create a CSAT or NPS survey (owner, admin, manager)',
      request: { body: jsonBody(surveyInput) },
      responses: { 201: jsonContent(surveySchema, 'Created'), ...errorResponses(400, 401, 403, 409) },
    }),
    async (c) => c.json(await surveys.createSurvey(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/surveys/{id}',
      tags,
      summary: 'Change a survey, or enable or disable it (owner, admin, manager)',
      request: { params: idParam, body: jsonBody(surveyPatch) },
      responses: { 200: jsonContent(surveySchema, 'The survey'), ...errorResponses(400, 401, 403, 404, 409) },
    }),
    async (c) =>
      c.json(await surveys.updateSurvey(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/surveys/{id}/results',
      tags,
      summary: 'Sent, answered, response rate, average, distribution and CSAT or NPS over the last days',
      request: {
        params: idParam,
        query: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
      },
      responses: { 200: jsonContent(surveyResultsSchema, 'Results'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(
        await surveys.surveyResults(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query').days),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/surveys/{id}/answers',
      tags,
      summary: "A survey's answers with their comments, newest first",
      request: { params: idParam, query: pageQuery },
      responses: {
        200: jsonContent(
          z.object({ items: z.array(surveyAnswerSchema), nextCursor: z.string().nullable() }),
          'A page of answers',
        ),
        ...errorResponses(400, 401, 403, 404),
      },
    }),
    async (c) =>
      c.json(
        await surveys.surveyAnswers(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('query')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/cases/{id}/surveys',
      tags,
      summary: "A case's survey requests (sent, answered, expired) with their links, newest first",
      request: { params: idParam },
      responses: {
        200: jsonContent(
          z.object({
            items: z.array(surveyRequestSchema),
            now: z.string().openapi({
              description:
                "The server's clock when it answered (ISO 8601): a client measures the time left until a `heldUntil` from it, not from its own clock",
            }),
          }),
          'Requests',
        ),
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const items = await surveys.caseSurveys(ctx, actorOf(c), c.req.valid('param').id);
      return c.json({ items, now: ctx.now().toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/cases/{id}/survey',
      tags,
      summary:
        "Send a survey for this case now (the one named, else the first enabled): to the case's customer, as the survey's delivery says",
      request: { params: idParam, body: jsonBody(sendSurveyInput) },
      responses: {
        201: jsonContent(surveyRequestSchema, 'The request'),
        ...errorResponses(400, 401, 403, 404, 409),
      },
    }),
    async (c) =>
      c.json(
        await surveys.sendCaseSurvey(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        201,
      ),
  );

  return app;
}
