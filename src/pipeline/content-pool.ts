import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Transaction } from 'kysely';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import {
  type ContentReply,
  type ContentRequest,
  type RowContent,
  signatureOf,
  type WorkspaceSources,
} from './content.ts';

/** Content worked out ahead, with the signature of the analyzers and queries it used. */
export type Prefetched = { signature: string; content: RowContent };

/**
 * Normalisation, analysis and matching on a second core. While a batch writes its posts, the
 * content thread works out the next batch's; the next batch then only checks that its
 * workspace's analyzers and queries are still the ones used (`signature`) and writes. Anything the
 * thread did not do (it failed, it was not started, a signature changed) the batch does itself,
 * so the thread changes how fast the pipeline goes, never what it stores.
 */
export type ContentPool = {
  /**
   * Reads the unprocessed log entries after `afterId` and sends them to the thread, with the
   * query and analyzer sources of their workspaces (`sourcesOf`, which the batch shares).
   */
  prefetch(
    ctx: AppContext,
    trx: Transaction<DB>,
    afterId: number,
    limit: number,
    sourcesOf: (workspaceId: string) => Promise<WorkspaceSources>,
  ): Promise<void>;
  /** What the thread made of these entries (waiting for it if needed), by log id. */
  take(ids: number[]): Promise<Map<number, Prefetched>>;
  close(): Promise<void>;
};

// Plain CommonJS evaluated in the worker: from src/ (tsx, tests) it registers tsx's loader in the
// thread first, since the thread is TypeScript there; from dist/ it is JavaScript.
const THREAD_SOURCE = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

/** tsx's ESM API as an import URL (its CommonJS build cannot be imported from a worker). */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } };
  };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}

function threadData(): { entry: string; tsx: string | null } {
  const here = import.meta.url;
  if (here.endsWith('.ts'))
    return {
      entry: new URL('./content-thread.ts', here).href,
      tsx: tsxEsmApi(here),
    };
  return { entry: new URL('./content-thread.js', here).href, tsx: null };
}

export function createContentPool(log: Logger): ContentPool {
  let worker: Worker | undefined;
  let nextId = 1;
  const waiting = new Map<number, (reply: ContentReply) => void>();
  /** Per workspace, the signature the running thread has compiled. */
  const compiledBy = new Map<string, string>();
  let pending: { ids: Set<number>; results: Promise<Map<number, Prefetched>> } | undefined;

  function failAll(error: string): void {
    for (const [id, resolve] of waiting) resolve({ id, error });
    waiting.clear();
  }

  function start(): Worker {
    const w = new Worker(THREAD_SOURCE, { eval: true, workerData: threadData() });
    w.on('message', (reply: ContentReply) => {
      const resolve = waiting.get(reply.id);
      waiting.delete(reply.id);
      resolve?.(reply);
      if (waiting.size === 0) w.unref();
    });
    const stop = (reason: string) => {
      if (worker !== w) return;
      worker = undefined;
      compiledBy.clear();
      failAll(reason);
    };
    w.on('error', (err) => {
      log.error({ err }, 'pipeline content thread failed; the batches do its work until it restarts');
      stop(err.message);
    });
    w.on('exit', (code) => stop(`content thread exited with code ${code}`));
    w.unref();
    return w;
  }

  function send(request: ContentRequest): Promise<ContentReply> {
    worker ??= start();
    const running = worker;
    return new Promise((resolve) => {
      waiting.set(request.id, resolve);
      // A pending request keeps the process alive; an idle thread does not.
      running.ref();
      running.postMessage(request);
    });
  }

  return {
    async prefetch(ctx, trx, afterId, limit, sourcesOf) {
      const rows = await ctx.dialect.inIndexOrder(trx, () =>
        trx
          .selectFrom('ingest_log')
          .select(['id', 'workspace_id', 'format', 'payload', 'received_at'])
          .where('processed_at', 'is', null)
          .where('id', '>', afterId)
          .orderBy('id')
          .limit(limit)
          .execute(),
      );
      if (rows.length === 0) return;
      const sources: Record<string, WorkspaceSources> = {};
      const signatures: Record<string, string> = {};
      for (const workspaceId of new Set(rows.map((r) => r.workspace_id))) {
        const s = await sourcesOf(workspaceId);
        const signature = signatureOf(s);
        signatures[workspaceId] = signature;
        if (compiledBy.get(workspaceId) !== signature) sources[workspaceId] = s;
      }
      const request: ContentRequest = {
        id: nextId++,
        rows: rows.map((r) => ({
          id: Number(r.id),
          workspaceId: r.workspace_id,
          format: r.format,
          payload: r.payload,
          receivedAt: r.received_at,
        })),
        sources,
        signatures,
      };
      const reply = send(request);
      // Counted as compiled once sent: a thread that fails to compile them answers with an error,
      // and a restarted thread starts from nothing (`compiledBy` is cleared).
      for (const [workspaceId, signature] of Object.entries(signatures))
        compiledBy.set(workspaceId, signature);
      const workspaceOf = new Map(request.rows.map((r) => [r.id, r.workspaceId]));
      pending = {
        ids: new Set(workspaceOf.keys()),
        results: reply.then((r) => {
          const found = new Map<number, Prefetched>();
          if ('error' in r) {
            log.warn(
              { error: r.error },
              'pipeline content thread could not work out a batch; the batch does it',
            );
            compiledBy.clear();
            return found;
          }
          for (const [id, content] of r.results) {
            const signature = signatures[workspaceOf.get(id) ?? ''];
            if (content && signature !== undefined) found.set(id, { signature, content });
          }
          return found;
        }),
      };
    },
    async take(ids) {
      const ahead = pending;
      if (!ahead || !ids.some((id) => ahead.ids.has(id))) return new Map();
      pending = undefined;
      return ahead.results;
    },
    async close() {
      const w = worker;
      worker = undefined;
      failAll('content thread closed');
      pending = undefined;
      await w?.terminate();
    },
  };
}
