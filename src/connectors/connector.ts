import type { Format } from '../pipeline/formats.ts';

/**
 * One source of posts. A connector only reads its source and hands raw items to the sink with
 * the cursor to resume from; the sink appends them to the ingest log and saves the cursor in
 * the same transaction. Everything after that (parsing, matching, storing) is the pipeline's.
 */
export type RawItem = {
  format: Format;
  payload: string;
  /**
   * True for history the connector fetched on purpose (a first-run backfill, a gap filled after a
   * reconnect) rather than received as it was posted: stored and processed the same, but left out
   * of the connector's items per minute, which would otherwise show the burst as a live rate.
   */
  backfill?: boolean;
};

export type ConnectorHealthState = 'connecting' | 'connected' | 'backing_off' | 'failing' | 'idle';

export type ConnectorSink = {
  /** Durably appends items and records `cursor` as the point to resume from. */
  append(items: RawItem[], cursor: string | null): Promise<void>;
  /** Reports a state change (and the error behind it) for the health page. */
  report(state: ConnectorHealthState, error?: string): Promise<void>;
};

export type ConnectorRun = {
  /** The connector's non-secret configuration, validated by its own schema. */
  config: unknown;
  /** Its decrypted credential (bearer token, …), if it has one. */
  secret: string | null;
  /** Where to resume; null on the first run. */
  cursor: string | null;
  sink: ConnectorSink;
  /** Aborted when the connector is stopped, disabled or reconfigured. */
  signal: AbortSignal;
};

export type ConnectorRuntime = {
  kind: string;
  /** Runs until `signal` aborts: reconnects with backoff on its own, and never throws for a source error. */
  run(run: ConnectorRun): Promise<void>;
};

/** Exponential backoff with full jitter: the wait before reconnect attempt `attempt` (0-based). */
export function backoffMs(attempt: number, baseMs = 500, maxMs = 60_000): number {
  return Math.round(Math.random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
