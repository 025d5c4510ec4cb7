import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import type { AppEnv } from '../../http/env.ts';
import { actorOf } from '../../http/middleware/authenticate.ts';
import { errorResponses, jsonBody, jsonContent, validationHook } from '../../http/openapi.ts';
import {
  analysisSchema,
  analyzeInput,
  classifierInput,
  classifierPatch,
  classifierSchema,
  topicInput,
  topicPatch,
  topicSchema,
} from './schema.ts';
import * as analysis from './service.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });

/** Classifier models are larger than other bodies: this route alone accepts up to 16 MiB. */
export const classifierUploadPath = '/api/v1/analysis/classifiers';

export function analysisRoutes(ctx: AppContext) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/analysis/analyze',
      tags: ['Analysis'],
      summary: "Analyse a text with the workspace's topics and classifiers, with explanations",
      request: { body: jsonBody(analyzeInput) },
      responses: { 200: jsonContent(analysisSchema, 'The analysis'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await analysis.analyzeForWorkspace(ctx, actorOf(c), c.req.valid('json')), 200),
  );

  // ------------------------------------------------------------------ topics
  app.openapi(
    createRoute({
      method: 'get',
      path: '/analysis/topics',
      tags: ['Analysis'],
      summary: 'Topics of the workspace',
      responses: {
        200: jsonContent(z.object({ items: z.array(topicSchema) }), 'Topics'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await analysis.listTopics(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/analysis/topics',
      tags: ['Analysis'],
      summary: 'Create a topic from keywords and example texts (owner, admin, manager)',
      request: { body: jsonBody(topicInput) },
      responses: { 201: jsonContent(topicSchema, 'Created'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await analysis.createTopic(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/analysis/topics/{id}',
      tags: ['Analysis'],
      summary: 'Change a topic (owner, admin, manager)',
      request: { params: idParam, body: jsonBody(topicPatch) },
      responses: { 200: jsonContent(topicSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await analysis.updateTopic(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/analysis/topics/{id}',
      tags: ['Analysis'],
      summary: 'Delete a topic (owner, admin, manager)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await analysis.deleteTopic(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  // ------------------------------------------------------------------ classifiers
  app.openapi(
    createRoute({
      method: 'get',
      path: '/analysis/classifiers',
      tags: ['Analysis'],
      summary: 'Custom classifiers of the workspace (without their weights)',
      responses: {
        200: jsonContent(z.object({ items: z.array(classifierSchema) }), 'Classifiers'),
        ...errorResponses(401, 403),
      },
    }),
    async (c) => c.json({ items: await analysis.listClassifiers(ctx, actorOf(c)) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/analysis/classifiers',
      tags: ['Analysis'],
      summary:
        'Add a classifier trained with `rapport classifier train` (owner, admin, manager); bodies up to 16 MiB',
      request: { body: jsonBody(classifierInput) },
      responses: { 201: jsonContent(classifierSchema, 'Created'), ...errorResponses(400, 401, 403) },
    }),
    async (c) => c.json(await analysis.createClassifier(ctx, actorOf(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/analysis/classifiers/{id}',
      tags: ['Analysis'],
      summary: 'Rename, enable or disable a classifier (owner, admin, manager)',
      request: { params: idParam, body: jsonBody(classifierPatch) },
      responses: { 200: jsonContent(classifierSchema, 'Updated'), ...errorResponses(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(
        await analysis.updateClassifier(ctx, actorOf(c), c.req.valid('param').id, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/analysis/classifiers/{id}',
      tags: ['Analysis'],
      summary: 'Delete a classifier (owner, admin, manager)',
      request: { params: idParam },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      await analysis.deleteClassifier(ctx, actorOf(c), c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  return app;
}
