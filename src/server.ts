import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type Config, withSecretKey } from './config.ts';
import { startConnectorManager } from './connectors/manager.ts';
import { warnSilentConnectors } from './connectors/service.ts';
import { type AppContext, createContext } from './context.ts';
import { openDatabase } from './db/client.ts';
import { createHeavyReader } from './db/heavy-read.ts';
import { migrateToLatest } from './db/migrate.ts';
import { seedDemoWorkspace } from './demo/seed.ts';
import { createApp } from './http/app.ts';
import { createLogger } from './log.ts';
import { bootstrapDemoWorkspace, purgeExpiredSessions } from './modules/auth/service.ts';
import { scheduleCommunityLoop } from './modules/communities/bridges.ts';
import { purgeExpiredMemberSessions } from './modules/communities/member-auth.ts';
import { scheduleNewsletters } from './modules/communities/newsletter-digests.ts';
import { scheduleInfluenceRecompute } from './modules/customers/influence.ts';
import { scheduleCaseRules } from './modules/inbox/case-rules.ts';
import { scheduleSlaChecks } from './modules/inbox/sla.ts';
import { scheduleSnoozeWakeUps } from './modules/inbox/snooze.ts';
import { scheduleLeadRescoring } from './modules/sales/leads.ts';
import { pruneIngestLog } from './pipeline/ingest-log.ts';
import { createIngestTransport, startRelay } from './pipeline/nats-transport.ts';
import { startWorker } from './pipeline/worker.ts';

export const allServices = ['api', 'worker', 'scheduler', 'connectors'] as const;
export type Service = (typeof allServices)[number];

export type RunningServer = { url: string | undefined; stop(): Promise<void> };

/** Opens and migrates the database, then builds the context every service shares. */
export async function openContext(config: Config): Promise<AppContext> {
  const resolved = withSecretKey(config);
  const log = createLogger(resolved);
  const database = openDatabase(resolved);
  const applied = await migrateToLatest(database);
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  const ingest = resolved.natsUrl
    ? createIngestTransport({ url: resolved.natsUrl, stream: resolved.natsStream, log })
    : undefined;
  return createContext(database, createHeavyReader(database), resolved, log, undefined, ingest);
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.ingest?.close();
  await ctx.heavy.close();
  await ctx.database.close();
}

/** Runs the chosen services in this process until `stop()` or SIGTERM/SIGINT. */
export async function startServer(
  config: Config,
  services: readonly Service[],
  print: (line: string) => void = console.log,
): Promise<RunningServer> {
  const ctx = await openContext(config);
  const firstRun = await bootstrapDemoWorkspace(ctx);
  if (firstRun) await seedDemoWorkspace(ctx, firstRun.owner);

  const timers: NodeJS.Timeout[] = [];
  const stoppers: (() => Promise<void>)[] = [];
  if (services.includes('scheduler')) {
    const purge = () =>
      Promise.all([purgeExpiredSessions(ctx), purgeExpiredMemberSessions(ctx)]).then(
        ([staff, members]) =>
          staff + members > 0 && ctx.log.info({ removed: staff, members }, 'expired sessions purged'),
        (err) => ctx.log.error({ err }, 'session purge failed'),
      );
    void purge();
    timers.push(setInterval(purge, 3600_000).unref());
    // Processed ingest log entries past their retention (docs/operations.md), hourly.
    const days = ctx.config.ingestLogRetentionDays;
    if (days > 0) {
      const prune = () =>
        pruneIngestLog(ctx, days).then(
          (removed) => removed > 0 && ctx.log.info({ removed, days }, 'ingest log pruned'),
          (err) => ctx.log.error({ err }, 'ingest log prune failed'),
        );
      void prune();
      timers.push(setInterval(prune, 3600_000).unref());
    }
    // The planner's statistics, hourly (SQLite; PostgreSQL's autovacuum keeps its own).
    const optimize = () =>
      ctx.database.optimize().catch((err) => ctx.log.error({ err }, 'database optimize failed'));
    timers.push(setInterval(optimize, 3600_000).unref());
  }
  if (services.includes('scheduler')) {
    const checkSilence = () =>
      warnSilentConnectors(ctx).catch((err) => ctx.log.error({ err }, 'connector silence check failed'));
    timers.push(setInterval(checkSilence, 60_000).unref());
    // Influence (docs/influence.md): every 15 minutes, one run at a time; stopping abandons a run.
    // A new demo's first run comes sooner: the seed ranked its people before the demo stream's
    // week of history (and its replies and @mentions) arrived, so nobody had a network yet.
    const influence = scheduleInfluenceRecompute(ctx, undefined, firstRun ? 10_000 : undefined);
    stoppers.push(() => influence.stop());
    // SLA clocks (docs/inbox.md): warnings and breaches every 30 s.
    const slaChecks = scheduleSlaChecks(ctx);
    stoppers.push(() => slaChecks.stop());
    // Snoozed cases come back when their moment comes, every 30 s.
    const snoozeWakeUps = scheduleSnoozeWakeUps(ctx);
    stoppers.push(() => snoozeWakeUps.stop());
    // Rules on case events (docs/inbox.md): case triggers every 5 s, time rules every minute.
    const caseRules = scheduleCaseRules(ctx);
    stoppers.push(() => caseRules.stop());
    // Lead scores decay (docs/sales.md): open leads are rescored every 5 minutes.
    const leadRescoring = scheduleLeadRescoring(ctx);
    stoppers.push(() => leadRescoring.stop());
    // Communities (docs/communities.md): idea status notifications, their emails and case replies,
    // unanswered questions becoming cases, and shares, every 30 s; each pass in its own try/catch.
    const communityLoop = scheduleCommunityLoop(ctx);
    stoppers.push(() => communityLoop.stop());
    // Community newsletters: digests of finished periods, built once and mailed, every 5 minutes.
    stoppers.push(scheduleNewsletters(ctx).stop);
  }
  const worker = services.includes('worker') ? startWorker(ctx) : undefined;
  // With JetStream, what connectors anywhere publish reaches this worker's log through the relay.
  const relay = worker && ctx.ingest && startRelay(ctx, ctx.ingest, { onRelayed: () => worker.wake() });
  if (relay) ctx.log.info({ stream: ctx.ingest?.stream }, 'ingest log relayed from NATS JetStream');
  // A worker in another process finds the appends on its next look at the log (every 200 ms).
  const connectors = services.includes('connectors')
    ? startConnectorManager(ctx, () => worker?.wake())
    : undefined;
  // Connectors stop first so their last appends are flushed before the pipeline drains.
  stoppers.push(
    async () => connectors?.stop(),
    async () => relay?.stop(),
    async () => worker?.stop(),
  );

  let url: string | undefined;
  let server: ReturnType<typeof serve> | undefined;
  if (services.includes('api')) {
    const app = createApp(ctx);
    server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: ctx.config.port, hostname: ctx.config.host }, () =>
        resolve(s),
      );
    });
    const { port } = server.address() as AddressInfo;
    url = ctx.config.publicUrl.replace(`:${ctx.config.port}`, `:${port}`);
  }

  if (url)
    print(
      `Rapport ${ctx.database.dialect.name === 'sqlite' ? '(embedded SQLite)' : '(PostgreSQL)'} is running at ${url}`,
    );
  if (firstRun) {
    print(`First run: created the demo workspace "${firstRun.workspace.name}".`);
    print(`  Sign in as ${firstRun.email} with the one-time password: ${firstRun.password}`);
    print('  (you will be asked to choose a new password; it is not shown again)');
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const t of timers) clearInterval(t);
      for (const stopService of stoppers) await stopService();
      if (server) {
        const s = server;
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          if ('closeIdleConnections' in s) s.closeIdleConnections();
        });
      }
      await closeContext(ctx);
    })();
    return stopping;
  };
  return { url, stop };
}
