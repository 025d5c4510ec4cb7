import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import type { AppContext } from '../context.ts';
import { pingDatabase } from '../db/client.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import { analysisRoutes, classifierUploadPath } from '../modules/analysis/routes.ts';
import { createLoginThrottle, type LoginThrottle } from '../modules/auth/login-throttle.ts';
import { authPublicRoutes, authRoutes } from '../modules/auth/routes.ts';
import { collaborationRoutes } from '../modules/collaboration/routes.ts';
import {
  communityExtrasMemberRoutes,
  communityExtrasRoutes,
  newsletterPages,
} from '../modules/communities/extras-routes.ts';
import { communityLoopMemberRoutes, communityLoopRoutes } from '../modules/communities/loop-routes.ts';
import {
  communityStaffMemberRoutes,
  memberAuthRoutes,
  memberPages,
} from '../modules/communities/member-routes.ts';
import { memberRouteRules, memberSession } from '../modules/communities/member-session.ts';
import { communitiesRoutes, communityMemberRoutes } from '../modules/communities/routes.ts';
import { communitySiteRoutes } from '../modules/communities/site/routes.ts';
import { communityWriteRoutes } from '../modules/communities/site/write.ts';
import { activityRoutes } from '../modules/customers/activity-routes.ts';
import { customerPrivacyRoutes } from '../modules/customers/privacy-routes.ts';
import { customersRoutes } from '../modules/customers/routes.ts';
import { segmentsRoutes } from '../modules/customers/segments-routes.ts';
import { inboxRoutes } from '../modules/inbox/routes.ts';
import { quarantineRoutes } from '../modules/listening/quarantine-routes.ts';
import { listeningPublicRoutes, listeningRoutes } from '../modules/listening/routes.ts';
import { salesRoutes } from '../modules/sales/routes.ts';
import { surveyPages } from '../modules/surveys/page.ts';
import { surveysRoutes } from '../modules/surveys/routes.ts';
import { webhooksRoutes } from '../modules/webhooks/routes.ts';
import { projectRoot, version } from '../project.ts';
import { renderApiReference } from './api-reference.ts';
import type { AppEnv } from './env.ts';
import { errorBody, handleError } from './errors.ts';
import { authenticate } from './middleware/authenticate.ts';

export type AppOptions = {
  throttle?: LoginThrottle;
  /** Folder of the built web UI; defaults to `web/dist` in the project. */
  webDir?: string;
};

/** Builds the HTTP application: API under /api/v1, OpenAPI document, health probes and the web UI. */
export function createApp(ctx: AppContext, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>();
  const throttle = options.throttle ?? createLoginThrottle();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    c.set('log', ctx.log.child({ reqId: c.var.requestId }));
    await next();
    c.var.log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      'request',
    );
  });
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Community posts may show https images (render.ts sends no referrer with them).
        imgSrc: ["'self'", 'data:', 'https:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      xFrameOptions: 'DENY',
      referrerPolicy: 'same-origin',
    }),
  );
  app.onError(handleError);

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await pingDatabase(ctx.database);
      const pending = await pendingMigrations(ctx.database);
      if (pending.length > 0) return c.json({ status: 'migrating', pending }, 503);
      return c.json({ status: 'ready' });
    } catch (err) {
      return c.json({ status: 'unavailable', reason: (err as Error).message }, 503);
    }
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'Personal API token (rpt_…)',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'rapport_session',
    description: 'Browser session; writes also need the X-CSRF-Token header',
  });

  const limitBody = (mib: number) =>
    bodyLimit({
      maxSize: mib * 1024 * 1024,
      onError: () => {
        throw new AppError('payload_too_large', `Request body is larger than ${mib} MiB`);
      },
    });
  const defaultLimit = limitBody(1);
  const modelLimit = limitBody(16);
  app.use('/api/v1/*', (c, next) =>
    c.req.method === 'POST' && c.req.path === classifierUploadPath
      ? modelLimit(c, next)
      : defaultLimit(c, next),
  );
  // Member-facing routes answer to the member session, never to staff authentication.
  const memberApps = [
    memberAuthRoutes(ctx),
    communityMemberRoutes(ctx),
    communityLoopMemberRoutes(ctx),
    communityExtrasMemberRoutes(ctx),
  ];
  const memberRules = memberRouteRules('/api/v1', memberApps);
  app.use(
    '/api/v1/*',
    authenticate(ctx, [
      ...authPublicRoutes,
      ...listeningPublicRoutes,
      ...memberRules.open,
      ...memberRules.reads,
      ...memberRules.memberOnly,
    ]),
  );
  app.use('/api/v1/community/*', memberSession(ctx, memberRules) as never);
  for (const memberApp of memberApps) app.route('/api/v1', memberApp as never);
  app.route('/api/v1', communityStaffMemberRoutes(ctx));
  app.route('/api/v1', communitiesRoutes(ctx));
  app.route('/api/v1', communityLoopRoutes(ctx));
  app.route('/api/v1', communityExtrasRoutes(ctx));
  app.route('/api/v1', authRoutes(ctx, throttle));
  app.route('/api/v1', quarantineRoutes(ctx));
  app.route('/api/v1', listeningRoutes(ctx));
  app.route('/api/v1', analysisRoutes(ctx));
  app.route('/api/v1', activityRoutes(ctx));
  app.route('/api/v1', segmentsRoutes(ctx));
  app.route('/api/v1', customersRoutes(ctx));
  app.route('/api/v1', customerPrivacyRoutes(ctx));
  app.route('/api/v1', inboxRoutes(ctx));
  app.route('/api/v1', collaborationRoutes(ctx));
  app.route('/api/v1', webhooksRoutes(ctx));
  app.route('/api/v1', salesRoutes(ctx));
  app.route('/api/v1', surveysRoutes(ctx));

  const documentConfig = {
    openapi: '3.1.0',
    info: { title: 'Rapport API', version },
    security: [{ bearerToken: [] }, { sessionCookie: [] }] as Record<string, string[]>[],
  };
  app.doc31('/api/openapi.json', documentConfig);
  app.get('/api/docs', (c) => c.html(renderApiReference(app.getOpenAPI31Document(documentConfig) as never)));
  app.all('/api/*', (c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}`), 404));

  // The public community site is server-rendered HTML: its paths never fall through to the SPA.
  // Its reading pages come first, so the member pages' middleware (no-store) stays on their forms.
  app.route('/community', communitySiteRoutes(ctx) as never);
  app.route('/community', communityWriteRoutes(ctx) as never);
  app.route('/community', memberPages(ctx));
  app.route('/community', newsletterPages(ctx));
  // A customer answers a survey here, through the link it was sent with (no account).
  app.route('/survey', surveyPages(ctx));
  mountWebUi(app, options.webDir ?? path.join(projectRoot, 'web', 'dist'));
  return app;
}

/**
 * Serves the built React app, falling back to index.html for client-side routes. The build names
 * its assets by their content, so they are cached for good; index.html is revalidated each time so
 * a new version is picked up at once. Scripts and styles go out compressed by the build.
 */
function mountWebUi(app: OpenAPIHono<AppEnv>, webDir: string) {
  const indexFile = path.join(webDir, 'index.html');
  if (existsSync(webDir)) {
    app.use('/assets/*', async (c, next) => {
      await next();
      if (c.res.status === 200) c.header('Cache-Control', 'public, max-age=31536000, immutable');
    });
    app.use(
      '/assets/*',
      serveStatic({ root: path.relative(process.cwd(), webDir) || '.', precompressed: true }),
    );
  }
  // A missing asset (a page open since before an upgrade asks for a chunk the new build does not
  // have) is a 404, not the app's HTML under a script's name.
  app.get('/assets/*', (c) => c.text('Not found', 404));
  app.get('*', (c) => {
    if (!existsSync(indexFile)) {
      return c.text('The web UI is not built yet: run `npm run build` (npm start does it for you).', 503);
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(readFileSync(indexFile, 'utf8'));
  });
}
