import type { AppContext } from '../context.ts';
import { appendToLog } from '../pipeline/ingest-log.ts';
import type { ConnectorSink } from './connector.ts';
import { connectorDefinition } from './registry.ts';
import { connectorSecret, reportConnectorState } from './service.ts';

type Running = { version: string; abort: AbortController; done: Promise<void> };

export type ConnectorManager = { reconcile(): Promise<void>; stop(): Promise<void> };

/**
 * Keeps one running reader per enabled connector that has a runtime, in the worker service:
 * starts new ones, restarts reconfigured ones and stops disabled or deleted ones. Appends go
 * to the ingest log with the cursor in the same transaction, then `onAppend` wakes the pipeline.
 */
export function startConnectorManager(
  ctx: AppContext,
  onAppend: () => void,
  options: { intervalMs?: number } = {},
): ConnectorManager {
  const running = new Map<string, Running>();

  async function reconcile() {
    const rows = await ctx.db.selectFrom('connectors').selectAll().where('enabled', '=', 1).execute();
    const wanted = new Map(
      rows.filter((r) => connectorDefinition(r.kind)?.runtime).map((r) => [r.id, r] as const),
    );
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
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await current;
      for (const run of running.values()) run.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      running.clear();
    },
  };
}

/** A connector restarts when its configuration or credential changes. */
function versionOf(row: { config: unknown; secret_encrypted: string | null }): string {
  return `${JSON.stringify(row.config)}|${row.secret_encrypted ?? ''}`;
}
