import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { normalize } from '../../pipeline/formats.ts';
import type { ConnectorSink, RawItem } from '../connector.ts';
import { blueskyConnector, subscribeUrl } from './jetstream.ts';

// Recorded-shape Jetstream frames: identity, post create, like (skipped), reply, a malformed
// frame, an edit, an account event, a delete.
const frames = readFileSync(path.join(import.meta.dirname, 'fixtures', 'jetstream-events.jsonl'), 'utf8')
  .trim()
  .split('\n');

type FakeJetstream = { url: string; connections: URL[]; sockets: WebSocket[]; close(): Promise<void> };

/** A WebSocket server on 127.0.0.1 speaking Jetstream's subscribe protocol. */
async function startJetstream(onConnect: (socket: WebSocket, index: number) => void): Promise<FakeJetstream> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const connections: URL[] = [];
  const sockets: WebSocket[] = [];
  server.on('connection', (socket, request) => {
    connections.push(new URL(request.url ?? '/', 'ws://127.0.0.1'));
    sockets.push(socket);
    onConnect(socket, connections.length - 1);
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of server.clients) s.terminate();
        server.close(() => resolve());
      }),
  };
}

function collectingSink() {
  const appends: { items: RawItem[]; cursor: string | null }[] = [];
  const states: string[] = [];
  const sink: ConnectorSink = {
    append: async (items, cursor) => {
      appends.push({ items, cursor });
    },
    report: async (state) => {
      states.push(state);
    },
  };
  return { sink, appends, states, items: () => appends.flatMap((a) => a.items) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let server: FakeJetstream | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Bluesky Jetstream connector', () => {
  it('subscribes to posts and forwards them in order with handles, skipping other collections and passing malformed frames on', async () => {
    server = await startJetstream((socket) => {
      for (const f of frames) socket.send(f);
    });
    const { sink, appends, states, items } = collectingSink();
    const abort = new AbortController();
    const running = blueskyConnector.run({
      config: { endpoint: server.url },
      secret: null,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => items().length >= 5, 'five items');
    abort.abort();
    await running;

    expect(server.connections[0]?.searchParams.getAll('wantedCollections')).toEqual(['app.bsky.feed.post']);
    expect(server.connections[0]?.searchParams.has('cursor')).toBe(false);
    const received = items();
    expect(received).toHaveLength(5);
    const events = received.map((i) => {
      try {
        return normalize(i.format, i.payload, '2024-11-22T15:00:10.000Z');
      } catch (err) {
        return (err as Error).message;
      }
    });
    expect(events[0]).toMatchObject({
      kind: 'upsert',
      author: { handle: 'maya.travels' },
      url: 'https://bsky.app/profile/maya.travels/post/3lbkdc5pqcs2y',
    });
    expect(events[1]).toMatchObject({
      kind: 'upsert',
      replyTo: 'at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3lbkdc5pqcs2y',
    });
    expect(events[2]).toMatch(/payload is not JSON/);
    expect(events[3]).toMatchObject({
      kind: 'upsert',
      edited: true,
      text: expect.stringContaining('4 hours'),
    });
    expect(events[4]).toMatchObject({
      kind: 'delete',
      externalId: 'at://did:plc:5q2ta6y2hs7yxxbqqlphcvjb/app.bsky.feed.post/3lbkdc7pqcs2y',
    });
    expect(appends.at(-1)?.cursor).toBe('1732287607000007');
    expect(states).toContain('connected');
  });

  it('looks up handles, names, follower counts and bios from the AppView in batches, and goes on without them when it fails', async () => {
    server = await startJetstream((socket) => {
      for (const f of frames) socket.send(f);
    });
    const lookups: string[][] = [];
    const appview = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const actors = url.searchParams.getAll('actors');
      lookups.push(actors);
      if (url.pathname !== '/xrpc/app.bsky.actor.getProfiles') {
        res.statusCode = 404;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          profiles: actors
            .filter((a) => a === 'did:plc:5q2ta6y2hs7yxxbqqlphcvjb')
            .map((did) => ({
              did,
              handle: 'tomk.bsky.social',
              displayName: 'Tom Kowalski',
              followersCount: 312,
              description: 'Dad of two. Flies LIS-WAW.',
            })),
        }),
      );
    });
    await new Promise<void>((r) => appview.listen(0, '127.0.0.1', r));
    const appviewUrl = `http://127.0.0.1:${(appview.address() as AddressInfo).port}`;
    const { sink, items } = collectingSink();
    const abort = new AbortController();
    const running = blueskyConnector.run({
      config: { endpoint: server.url, appviewUrl },
      secret: null,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => items().length >= 5, 'five items');
    abort.abort();
    await running;
    await new Promise<void>((r) => appview.close(() => r()));
    const reply = normalize('jetstream', items()[1]?.payload ?? '', '2024-11-22T15:00:10.000Z');
    expect(reply).toMatchObject({
      author: {
        handle: 'tomk.bsky.social',
        displayName: 'Tom Kowalski',
        followers: 312,
        bio: 'Dad of two. Flies LIS-WAW.',
        links: null,
      },
    });
    // Maya's handle came from her identity event; the AppView did not know her (nor her bio:
    // null keeps whatever was stored).
    const first = normalize('jetstream', items()[0]?.payload ?? '', '2024-11-22T15:00:10.000Z');
    expect(first).toMatchObject({ author: { handle: 'maya.travels', followers: null, bio: null } });
    expect(lookups.flat()).toContain('did:plc:5q2ta6y2hs7yxxbqqlphcvjb');
  });

  it('reconnects after a disconnect and resumes from the saved cursor minus the rewind', async () => {
    server = await startJetstream((socket, index) => {
      if (index === 0) {
        for (const f of frames.slice(0, 4)) socket.send(f);
        setTimeout(() => socket.terminate(), 100);
      } else {
        for (const f of frames.slice(3)) socket.send(f); // the rewind re-sends one event: a duplicate
      }
    });
    const { sink, items, states } = collectingSink();
    const abort = new AbortController();
    const running = blueskyConnector.run({
      config: { endpoint: server.url, rewindSeconds: 5, appviewUrl: null },
      secret: null,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => (server?.connections.length ?? 0) >= 2 && items().length >= 6, 'reconnect and replay');
    abort.abort();
    await running;
    expect(server.connections[1]?.searchParams.get('cursor')).toBe(String(1732287603000004n - 5_000_000n));
    expect(states).toContain('backing_off');
    // Posts 1 and 2 from the first connection; 2 again (duplicate), malformed, edit, delete after.
    expect(items()).toHaveLength(6);
  });

  it('starts from a stored cursor, rewound', () => {
    const url = new URL(
      subscribeUrl(
        { endpoint: 'wss://jetstream.example', wantedDids: ['did:plc:a'], rewindSeconds: 3 },
        '1732287600000000',
      ),
    );
    expect(url.pathname).toBe('/subscribe');
    expect(url.searchParams.get('cursor')).toBe('1732287597000000');
    expect(url.searchParams.getAll('wantedDids')).toEqual(['did:plc:a']);
  });

  it('keeps trying with backoff when the server is unreachable, and stops when aborted', async () => {
    const { sink, states } = collectingSink();
    const abort = new AbortController();
    const running = blueskyConnector.run({
      config: { endpoint: 'ws://127.0.0.1:9', appviewUrl: null },
      secret: null,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => states.filter((s) => s === 'backing_off').length >= 2, 'two failed attempts');
    abort.abort();
    await running;
    expect(states.at(-1)).toBe('idle');
  });
});
