import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Compilable } from 'kysely';
import { type Database, rowBuilder } from './client.ts';

/**
 * Runs heavy reads (reports, exports) without freezing the HTTP server. better-sqlite3 is
 * synchronous, so on SQLite they run in a worker thread with its own read-only connection
 * (WAL lets it read beside the writer); PostgreSQL queries are already asynchronous.
 */
export type HeavyReader = Readonly<{
  all<R>(query: Compilable<R>): Promise<R[]>;
  close(): Promise<void>;
}>;

// Plain CommonJS evaluated in the worker, so it runs the same from src/ (tsx) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const SQLite = require(workerData.driver);
const db = new SQLite(workerData.file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
parentPort.on('message', ({ id, sql, params }) => {
  try {
    // Arrays, made into objects on the other side: better-sqlite3's own row objects are slow
    // (see rowBuilder in client.ts), and arrays are quicker to pass between threads.
    // raw() refuses a statement that returns no rows, with its own message.
    const statement = db.prepare(sql).raw(true);
    const values = statement.all(...params);
    parentPort.postMessage({ id, columns: statement.columns().map((c) => c.name), values });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message || error) });
  }
});
`;

type Reply = { id: number; columns?: string[]; values?: unknown[][]; error?: string };

export function createHeavyReader(database: Database): HeavyReader {
  const file = database.sqlitePath;
  if (file === undefined) {
    return Object.freeze({
      all: async <R>(query: Compilable<R>) => (await database.db.executeQuery(query.compile())).rows,
      close: async () => {},
    });
  }
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, { resolve: (rows: unknown[]) => void; reject: (e: Error) => void }>();

  function start(): Worker {
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { file, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    w.on('message', (reply: Reply) => {
      const pending = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.error !== undefined) pending?.reject(new Error(reply.error));
      else pending?.resolve((reply.values ?? []).map(rowBuilder(reply.columns ?? [])));
    });
    w.on('error', (err) => {
      for (const p of waiting.values()) p.reject(err);
      waiting.clear();
      worker = undefined;
    });
    w.unref();
    return w;
  }

  return Object.freeze({
    all<R>(query: Compilable<R>): Promise<R[]> {
      worker ??= start();
      const compiled = query.compile();
      const id = nextId++;
      const running = worker;
      return new Promise<R[]>((resolve, reject) => {
        waiting.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
        // A pending request keeps the process alive; an idle worker does not.
        running.ref();
        running.postMessage({ id, sql: compiled.sql, params: compiled.parameters });
      }).finally(() => {
        if (waiting.size === 0) running.unref();
      });
    },
    async close() {
      await worker?.terminate();
      worker = undefined;
    },
  });
}
