import WebSocket from 'ws';
import { z } from 'zod';
import { backoffMs, type ConnectorRuntime, type RawItem, sleep } from '../connector.ts';

/**
 * Bluesky through Jetstream: a WebSocket of JSON events from the firehose. We ask for posts
 * only (`wantedCollections=app.bsky.feed.post`), resume from the saved `time_us` cursor minus a
 * few seconds (duplicates are harmless downstream), and learn handles, names, follower counts
 * and bios from the AppView (and handle changes from identity events).
 */
export const blueskyConfigSchema = z.object({
  endpoint: z
    .string()
    .regex(/^wss?:\/\/[^\s]+$/, 'a ws:// or wss:// URL')
    .default('wss://jetstream2.us-east.bsky.network'),
  wantedDids: z.array(z.string().startsWith('did:')).max(10_000).default([]),
  rewindSeconds: z.number().int().min(0).max(3600).default(5),
  /**
   * The firehose carries all of Bluesky: by default only posts matching a listening query, and
   * what continues them, are stored (src/pipeline/keep.ts); `all` stores every post read.
   */
  keep: z.enum(['matching', 'all']).default('matching'),
  /** Where handles, names, follower counts and bios are looked up (app.bsky.actor.getProfiles); null: don't. */
  appviewUrl: z
    .string()
    .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
    .nullable()
    .default('https://public.api.bsky.app'),
  /**
   * The brand's own account, for replies (its app password is the connector's secret): the
   * handle or DID and its PDS. Null: this connector only listens.
   */
  account: z
    .object({
      identifier: z.string().min(1).max(253),
      service: z
        .string()
        .regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL')
        .default('https://bsky.social'),
    })
    .nullable()
    .default(null),
});

type Profile = {
  handle: string;
  displayName?: string;
  followersCount?: number;
  avatar?: string;
  /** The bio ('' for none) once the AppView was asked; unknown for a handle from an identity event. */
  description?: string;
};
const PROFILE_BATCH = 25;
const PROFILE_CACHE = 50_000;

/**
 * Looks up the profiles of DIDs not seen yet, 25 per request, and remembers them (bounded), so
 * posts carry a readable handle, a display name and the author's reach. A failed lookup is not
 * an error: the post goes on with its DID and the next post from that author tries again.
 */
export async function resolveProfiles(
  appviewUrl: string,
  dids: string[],
  cache: Map<string, Profile>,
  signal: AbortSignal,
): Promise<void> {
  const missing = [...new Set(dids)].filter((d) => !cache.has(d));
  for (let i = 0; i < missing.length; i += PROFILE_BATCH) {
    const url = new URL('/xrpc/app.bsky.actor.getProfiles', appviewUrl);
    for (const did of missing.slice(i, i + PROFILE_BATCH)) url.searchParams.append('actors', did);
    try {
      const res = await fetch(url, { signal });
      if (!res.ok) continue;
      const body = (await res.json()) as { profiles?: (Profile & { did?: string })[] };
      for (const p of body.profiles ?? []) {
        if (typeof p.did !== 'string' || typeof p.handle !== 'string') continue;
        if (cache.size >= PROFILE_CACHE) cache.delete(cache.keys().next().value as string);
        cache.set(p.did, {
          handle: p.handle,
          displayName: p.displayName,
          followersCount: p.followersCount,
          avatar: p.avatar,
          // The AppView leaves it out when the account has none: known to be empty.
          description: typeof p.description === 'string' ? p.description : '',
        });
      }
    } catch {
      // unreachable appview: posts keep their DID for now
    }
  }
}

const FLUSH_ITEMS = 100;
const FLUSH_MS = 250;

export function subscribeUrl(
  config: Pick<z.infer<typeof blueskyConfigSchema>, 'endpoint' | 'wantedDids' | 'rewindSeconds'>,
  cursor: string | null,
): string {
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
    const profiles = new Map<string, Profile>();
    let cursor = savedCursor;
    let attempt = 0;
    let pending: { did: string | null; event: Record<string, unknown> | null; raw: string }[] = [];
    let pendingCursor: string | null = null;
    let flushing: Promise<void> = Promise.resolve();

    const withProfile = (p: (typeof pending)[number]): RawItem => {
      const profile = p.did ? profiles.get(p.did) : undefined;
      if (!p.event || !profile) return { format: 'jetstream', payload: p.raw };
      return {
        format: 'jetstream',
        payload: JSON.stringify({
          ...p.event,
          handle: profile.handle,
          ...(profile.displayName ? { displayName: profile.displayName } : {}),
          ...(profile.followersCount !== undefined ? { followers: profile.followersCount } : {}),
          ...(profile.avatar ? { avatar: profile.avatar } : {}),
          // '' (no bio) clears a bio stored earlier; unknown keeps it.
          ...(profile.description !== undefined ? { description: profile.description } : {}),
        }),
      };
    };

    // Appends are chained so items reach the log in the order they arrived.
    const flush = () => {
      if (pending.length === 0) return flushing;
      const batch = pending;
      const at = pendingCursor;
      pending = [];
      flushing = flushing.then(async () => {
        if (c.appviewUrl) {
          const dids = batch.flatMap((p) => (p.did && p.event ? [p.did] : []));
          await resolveProfiles(c.appviewUrl, dids, profiles, signal);
        }
        await sink.append(batch.map(withProfile), at);
      });
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
            pending.push({ did: null, event: null, raw: text });
          } else {
            cursor = String(event.time_us);
            pendingCursor = cursor;
            const did = typeof event.did === 'string' ? event.did : null;
            if (event.kind === 'identity' && did && typeof event.identity?.handle === 'string') {
              // A handle change: keep what else we knew about the account.
              profiles.set(did, { ...profiles.get(did), handle: event.identity.handle });
            } else if (event.kind === 'commit' && event.commit?.collection === 'app.bsky.feed.post') {
              pending.push({ did, event: event as Record<string, unknown>, raw: text });
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
