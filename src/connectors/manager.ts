import type { AppContext } from '../context.ts';
import { newId } from '../ids.ts';
import { appendToLog } from '../pipeline/ingest-log.ts';
import type { ConnectorSink } from './connector.ts';
import { connectorDefinition } from './registry.ts';
import { connectorSecret, reportConnectorState } from './service.ts';

type Running = { version: string; abort: AbortController; done: Promise<void> };

export type ConnectorManager = {
  reconcile(): Promise<void>;
  /** The connectors this process reads now. */
  runningIds(): string[];
  stop(): Promise<void>;
};

/** How long a lease lasts unless renewed: a dead process's connectors wait this long at most. */
const LEASE_MS = 30_000;

/**
 * Keeps one running reader per enabled connector that has a runtime, in the connectors service:
 * starts new ones, restarts reconfigured ones and stops disabled or deleted ones. Appends go
 * to the ingest log with the cursor in the same transaction, then `onAppend` wakes the pipeline.
 * With several processes running the service, each connector is read by one of them: the one
 * holding its lease (`connector_leases`), renewed at every reconcile and given back on stop.
 */
export function startConnectorManager(
  ctx: AppContext,
  onAppend: () => void,
  options: { intervalMs?: number; leaseMs?: number } = {},
): ConnectorManager {
  const running = new Map<string, Running>();
  const holder = newId(ctx.now());
  const leaseMs = options.leaseMs ?? LEASE_MS;

  /** Takes or renews the leases of `connectors`; returns the ids of those this process holds now. */
  async function lease(connectors: { id: string; workspace_id: string }[]): Promise<Set<string>> {
    if (connectors.length === 0) return new Set();
    const now = ctx.now();
    const expiresAt = new Date(now.getTime() + leaseMs).toISOString();
    const held = await ctx.db
      .insertInto('connector_leases')
      .values(
        connectors.map((c) => ({
          connector_id: c.id,
          workspace_id: c.workspace_id,
          holder,
          expires_at: expiresAt,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('connector_id')
          .doUpdateSet({ holder, expires_at: expiresAt })
          .where((eb) =>
            eb.or([
              eb('connector_leases.holder', '=', holder),
              eb('connector_leases.expires_at', '<', now.toISOString()),
            ]),
          ),
      )
      .returning('connector_id')
      .execute();
    return new Set(held.map((h) => h.connector_id));
  }

  async function reconcile() {
    const rows = await ctx.db.selectFrom('connectors').selectAll().where('enabled', '=', 1).execute();
    const runnable = rows.filter((r) => connectorDefinition(r.kind)?.runtime);
    const held = await lease(runnable);
    const wanted = new Map(runnable.filter((r) => held.has(r.id)).map((r) => [r.id, r] as const));
    for (const [id, run] of running) {
      const row = wanted.get(id);
      if (!row || versionOf(row) !== run.version) {
        run.abort.abort();
        await run.done;
        running.delete(id);
      }
    }
    for (const [id, row] of wanted) {
      if (running.has(id)) continue;
      const runtime = connectorDefinition(row.kind)?.runtime;
      if (!runtime) continue;
      const abort = new AbortController();
      const sink: ConnectorSink = {
        append: async (items, cursor) => {
          await appendToLog(
            ctx,
            items.map((i) => ({
              workspaceId: row.workspace_id,
              connectorId: id,
              format: i.format,
              payload: i.payload,
              backfill: i.backfill === true,
            })),
            { connectorId: id, cursor: cursor ?? '' },
          );
          if (items.length > 0) onAppend();
        },
        report: (state, error) => reportConnectorState(ctx, id, state, error),
      };
      const done = runtime
        .run({
          config: ctx.dialect.parseJson(row.config),
          secret: connectorSecret(ctx, row),
          cursor: row.cursor === '' ? null : row.cursor,
          sink,
          signal: abort.signal,
        })
        .catch(async (err: unknown) => {
          // A runtime should report its own errors; this is the last line, so nothing crashes.
          ctx.log.error({ err, connectorId: id }, 'connector stopped with an error');
          await reportConnectorState(ctx, id, 'failing', (err as Error).message).catch(() => undefined);
        });
      running.set(id, { version: versionOf(row), abort, done });
      ctx.log.info({ connectorId: id, kind: row.kind }, 'connector started');
    }
  }

  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    current = reconcile().catch((err) => ctx.log.error({ err }, 'connector reconcile failed'));
    return current;
  };
  void tick();
  const timer = setInterval(() => {
    if (!stopped) void tick();
  }, options.intervalMs ?? 5000);
  timer.unref();

  return {
    reconcile: tick,
    runningIds: () => [...running.keys()],
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
      for (const run of running.values()) run.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      running.clear();
      // Given back, so that another process takes the connectors over at its next reconcile.
      await ctx.db
        .deleteFrom('connector_leases')
        .where('holder', '=', holder)
        .execute()
        .catch((err) => ctx.log.error({ err }, 'giving back connector leases failed; they expire'));
    },
  };
}

/** A connector restarts when its configuration or credential changes. */
function versionOf(row: { config: unknown; secret_encrypted: string | null }): string {
  return `${JSON.stringify(row.config)}|${row.secret_encrypted ?? ''}`;
}
