import WebSocket from 'ws';
import { z } from 'zod';
import { backoffMs, type ConnectorRuntime, type RawItem, sleep } from '../connector.ts';

/**
 * Bluesky through Jetstream: a WebSocket of JSON events from the firehose. We ask for posts
 * only (`wantedCollections=app.bsky.feed.post`), resume from the saved `time_us` cursor minus a
 * few seconds (duplicates are harmless downstream), and learn handles from identity events.
 */
export const blueskyConfigSchema = z.object({
  endpoint: z
    .string()
    .regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL')
    .default('wss://jetstream2.us-east.bsky.network'),
  wantedDids: z.array(z.string().startsWith('did:')).max(10_000).default([]),
  rewindSeconds: z.number().int().min(0).max(3600).default(5),
});

const FLUSH_ITEMS = 100;
const FLUSH_MS = 250;

export function subscribeUrl(config: z.infer<typeof blueskyConfigSchema>, cursor: string | null): string {
  const url = new URL('/subscribe', config.endpoint);
  url.searchParams.append('wantedCollections', 'app.bsky.feed.post');
  for (const did of config.wantedDids) url.searchParams.append('wantedDids', did);
  if (cursor !== null && /^\d+$/.test(cursor)) {
    const rewound = BigInt(cursor) - BigInt(config.rewindSeconds) * 1_000_000n;
    url.searchParams.set('cursor', (rewound > 0n ? rewound : 0n).toString());
  }
  return url.toString();
}

type Event = {
  did?: unknown;
  time_us?: unknown;
  kind?: unknown;
  commit?: { collection?: unknown };
  identity?: { handle?: unknown };
};

export const blueskyConnector: ConnectorRuntime = {
  kind: 'bluesky',
  async run({ config, cursor: savedCursor, sink, signal }) {
    const c = blueskyConfigSchema.parse(config);
    const handles = new Map<string, string>();
    let cursor = savedCursor;
    let attempt = 0;
    let pending: RawItem[] = [];
    let pendingCursor: string | null = null;
    let flushing: Promise<void> = Promise.resolve();

    // Appends are chained so items reach the log in the order they arrived.
    const flush = () => {
      if (pending.length === 0) return flushing;
      const items = pending;
      const at = pendingCursor;
      pending = [];
      flushing = flushing.then(() => sink.append(items, at));
      return flushing;
    };

    while (!signal.aborted) {
      await sink.report('connecting');
      const error = await new Promise<string | null>((resolve) => {
        const ws = new WebSocket(subscribeUrl(c, cursor));
        const timer = setInterval(() => void flush(), FLUSH_MS);
        const stop = () => ws.close(1000);
        signal.addEventListener('abort', stop, { once: true });
        let failure: string | null = null;
        ws.on('open', () => {
          attempt = 0;
          void sink.report('connected');
        });
        ws.on('message', (data) => {
          const text = data.toString();
          let event: Event | null = null;
          try {
            event = JSON.parse(text) as Event;
          } catch {
            event = null;
          }
          if (!event || typeof event.time_us !== 'number') {
            // Forwarded as received: the pipeline quarantines it with the reason.
            pending.push({ format: 'jetstream', payload: text });
          } else {
            cursor = String(event.time_us);
            pendingCursor = cursor;
            if (
              event.kind === 'identity' &&
              typeof event.did === 'string' &&
              typeof event.identity?.handle === 'string'
            ) {
              handles.set(event.did, event.identity.handle);
            } else if (event.kind === 'commit' && event.commit?.collection === 'app.bsky.feed.post') {
              const handle = typeof event.did === 'string' ? handles.get(event.did) : undefined;
              pending.push({
                format: 'jetstream',
                payload: handle ? JSON.stringify({ ...event, handle }) : text,
              });
            }
          }
          if (pending.length >= FLUSH_ITEMS) void flush();
        });
        ws.on('error', (err) => {
          failure = err.message;
        });
        ws.on('close', () => {
          clearInterval(timer);
          signal.removeEventListener('abort', stop);
          resolve(failure);
        });
      });
      await flush();
      if (signal.aborted) break;
      await sink.report('backing_off', error ?? 'connection closed');
      await sleep(backoffMs(attempt++), signal);
    }
    await flush();
    await sink.report('idle');
  },
};
