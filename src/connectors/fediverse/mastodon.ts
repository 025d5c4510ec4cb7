import WebSocket from 'ws';
import { z } from 'zod';
import { backoffMs, type ConnectorRuntime, type RawItem, sleep } from '../connector.ts';

/**
 * Mastodon through its streaming API: one WebSocket to `/api/v1/streaming`, a subscribe message
 * per stream, `update`/`status.update`/`delete`/`notification` events forwarded as they come.
 * Streaming has no resume cursor, so the connector keeps the highest status id it has seen and,
 * after a reconnect, fills the gap from the REST timelines with `since_id`.
 */
const streamSchema = z.discriminatedUnion('stream', [
  z.object({ stream: z.literal('public') }),
  z.object({ stream: z.literal('public:local') }),
  z.object({ stream: z.literal('user') }),
  z.object({
    stream: z.literal('hashtag'),
    tag: z.string().regex(/^[\p{L}\p{N}_]{1,100}$/u, 'a hashtag without #'),
  }),
]);

export const mastodonConfigSchema = z.object({
  instance: z.url().regex(/^https?:\/\//, 'an http(s) URL of the instance'),
  streams: z.array(streamSchema).min(1).max(20),
  /** Hashtag and home streams are chosen by the brand; `matching` suits the public streams (src/pipeline/keep.ts). */
  keep: z.enum(['matching', 'all']).default('all'),
});

type Config = z.infer<typeof mastodonConfigSchema>;
type Stream = Config['streams'][number];

const FLUSH_ITEMS = 100;
const FLUSH_MS = 250;

function streamingUrl(instance: string): string {
  const url = new URL('/api/v1/streaming', instance);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

function timelinePath(s: Stream): string {
  switch (s.stream) {
    case 'public':
      return '/api/v1/timelines/public';
    case 'public:local':
      return '/api/v1/timelines/public?local=true';
    case 'user':
      return '/api/v1/timelines/home';
    case 'hashtag':
      return `/api/v1/timelines/tag/${encodeURIComponent(s.tag)}`;
  }
}

/** The larger of two Mastodon ids (numeric strings of any length). */
function maxId(a: string | null, b: string): string {
  if (a === null || !/^\d+$/.test(a)) return b;
  if (!/^\d+$/.test(b)) return a;
  return BigInt(b) > BigInt(a) ? b : a;
}

export const mastodonConnector: ConnectorRuntime = {
  kind: 'mastodon',
  async run({ config, secret, cursor: savedCursor, sink, signal }) {
    const c = mastodonConfigSchema.parse(config);
    const host = new URL(c.instance).host;
    const headers: Record<string, string> = secret ? { authorization: `Bearer ${secret}` } : {};
    let cursor = savedCursor;
    let attempt = 0;
    let pending: RawItem[] = [];
    let flushing: Promise<void> = Promise.resolve();

    const flush = () => {
      if (pending.length === 0) return flushing;
      const items = pending;
      const at = cursor;
      pending = [];
      flushing = flushing.then(() => sink.append(items, at));
      return flushing;
    };
    const forwardStatus = (status: { id?: unknown }, raw?: string, backfill = false) => {
      if (typeof status.id === 'string') cursor = maxId(cursor, status.id);
      pending.push({
        format: 'mastodon',
        payload: raw ?? JSON.stringify({ instance: host, status }),
        ...(backfill ? { backfill } : {}),
      });
      if (pending.length >= FLUSH_ITEMS) void flush();
    };

    /** What was posted while we were away, oldest first. */
    async function backfill(since: string) {
      for (const s of c.streams) {
        const url = new URL(timelinePath(s), c.instance);
        url.searchParams.set('since_id', since);
        url.searchParams.set('limit', '40');
        const res = await fetch(url, { headers, signal });
        if (!res.ok) throw new Error(`backfill ${url.pathname} answered ${res.status}`);
        const statuses = (await res.json()) as { id?: unknown }[];
        if (!Array.isArray(statuses)) throw new Error(`backfill ${url.pathname} did not return a list`);
        for (const status of [...statuses].reverse()) forwardStatus(status, undefined, true);
      }
      await flush();
    }

    while (!signal.aborted) {
      await sink.report('connecting');
      const error = await new Promise<string | null>((resolve) => {
        const ws = new WebSocket(streamingUrl(c.instance), { headers });
        const timer = setInterval(() => void flush(), FLUSH_MS);
        const stop = () => ws.close(1000);
        signal.addEventListener('abort', stop, { once: true });
        let failure: string | null = null;
        ws.on('unexpected-response', (_req, res) => {
          failure = `streaming API answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
          ws.terminate();
        });
        ws.on('open', () => {
          for (const s of c.streams) ws.send(JSON.stringify({ type: 'subscribe', ...s }));
          const since = cursor;
          void (since ? backfill(since) : Promise.resolve()).then(
            () => {
              attempt = 0;
              return sink.report('connected');
            },
            (err: Error) => sink.report('failing', err.message),
          );
        });
        ws.on('message', (data) => {
          const text = data.toString();
          let frame: { event?: unknown; payload?: unknown } | null = null;
          try {
            frame = JSON.parse(text);
          } catch {
            frame = null;
          }
          if (!frame || typeof frame.event !== 'string' || typeof frame.payload !== 'string') {
            pending.push({ format: 'mastodon', payload: text });
            return;
          }
          try {
            if (frame.event === 'update' || frame.event === 'status.update') {
              forwardStatus(JSON.parse(frame.payload));
            } else if (frame.event === 'delete') {
              pending.push({
                format: 'mastodon',
                payload: JSON.stringify({
                  instance: host,
                  deleted: frame.payload,
                  at: new Date().toISOString(),
                }),
              });
            } else if (frame.event === 'notification') {
              const notification = JSON.parse(frame.payload) as { status?: { id?: unknown } };
              if (notification.status) forwardStatus(notification.status);
            }
          } catch {
            // The event's payload is not JSON: kept as received so the pipeline quarantines it.
            pending.push({ format: 'mastodon', payload: text });
          }
        });
        ws.on('error', (err) => {
          failure ??= err.message;
        });
        ws.on('close', () => {
          clearInterval(timer);
          signal.removeEventListener('abort', stop);
          resolve(failure);
        });
      });
      await flush();
      if (signal.aborted) break;
      await sink.report(
        error?.includes('401') || error?.includes('403') ? 'failing' : 'backing_off',
        error ?? 'connection closed',
      );
      await sleep(backoffMs(attempt++), signal);
    }
    await flush();
    await sink.report('idle');
  },
};
