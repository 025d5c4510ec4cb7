import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { normalize } from '../../pipeline/formats.ts';
import type { ConnectorSink, RawItem } from '../connector.ts';
import { mastodonConnector } from './mastodon.ts';

type Status = { id: string; content: string };
const statuses = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'fixtures', 'statuses.json'), 'utf8'),
) as Status[];
const [first, reply, edited] = statuses as [Status, Status, Status];
const TOKEN = 'test-access-token';

type FakeMastodon = {
  url: string;
  subscriptions: unknown[];
  timelineRequests: URL[];
  sockets: WebSocket[];
  close(): Promise<void>;
};

/**
 * A Mastodon instance on 127.0.0.1: `/api/v1/streaming` (WebSocket, bearer token required) and
 * the REST timelines used for backfill.
 */
async function startMastodon(
  onSocket: (socket: WebSocket, index: number) => void,
  timeline: Status[] = [],
): Promise<FakeMastodon> {
  const subscriptions: unknown[] = [];
  const timelineRequests: URL[] = [];
  const sockets: WebSocket[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/api/v1/timelines/')) {
      timelineRequests.push(url);
      const since = BigInt(url.searchParams.get('since_id') ?? '0');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(timeline.filter((s) => BigInt(s.id) > since).reverse()));
      return;
    }
    res.statusCode = 404;
    res.end('{}');
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (m) => subscriptions.push(JSON.parse(m.toString())));
      onSocket(ws, sockets.length - 1);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    subscriptions,
    timelineRequests,
    sockets,
    close: () =>
      new Promise((resolve) => {
        for (const s of wss.clients) s.terminate();
        wss.close();
        server.close(() => resolve());
      }),
  };
}

const frame = (event: string, payload: unknown) =>
  JSON.stringify({
    stream: ['hashtag', 'demoairways'],
    event,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

function collectingSink() {
  const appends: { items: RawItem[]; cursor: string | null }[] = [];
  const states: { state: string; error?: string | undefined }[] = [];
  const sink: ConnectorSink = {
    append: async (items, cursor) => {
      appends.push({ items, cursor });
    },
    report: async (state, error) => {
      states.push({ state, error });
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

const parse = (item: RawItem) => {
  try {
    return normalize(item.format, item.payload, '2024-11-22T15:20:00.000Z');
  } catch (err) {
    return (err as Error).message;
  }
};

let server: FakeMastodon | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const config = (url: string) => ({
  instance: url,
  streams: [{ stream: 'hashtag', tag: 'demoairways' }, { stream: 'user' }],
});

describe('Mastodon streaming connector', () => {
  it('subscribes to each stream and forwards updates, edits, deletes and mention notifications', async () => {
    server = await startMastodon((ws) => {
      ws.send(frame('update', first));
      ws.send(frame('notification', { id: '77', type: 'mention', status: reply }));
      ws.send(frame('notification', { id: '78', type: 'follow' }));
      ws.send('this is not a frame');
      ws.send(frame('status.update', edited));
      ws.send(frame('delete', first.id));
    });
    const { sink, items, appends } = collectingSink();
    const abort = new AbortController();
    const running = mastodonConnector.run({
      config: config(server.url),
      secret: TOKEN,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => items().length >= 5, 'five items');
    abort.abort();
    await running;

    expect(server.subscriptions).toEqual([
      { type: 'subscribe', stream: 'hashtag', tag: 'demoairways' },
      { type: 'subscribe', stream: 'user' },
    ]);
    const events = items().map(parse);
    expect(events[0]).toMatchObject({
      kind: 'upsert',
      externalId: `127.0.0.1:${new URL(server.url).port}/${first.id}`,
      text: 'Still no refund from @demoairways after 3 weeks. #refund',
    });
    expect(events[1]).toMatchObject({
      kind: 'upsert',
      author: { handle: 'greta@social.example', followers: 22900 },
    });
    expect(events[2]).toMatch(/payload is not JSON/);
    expect(events[3]).toMatchObject({ kind: 'upsert', edited: true, versionAt: '2024-11-22T15:12:30.000Z' });
    expect(events[4]).toMatchObject({
      kind: 'delete',
      externalId: `127.0.0.1:${new URL(server.url).port}/${first.id}`,
    });
    expect(appends.at(-1)?.cursor).toBe(edited.id);
  });

  it('after a disconnect, reconnects and backfills from the REST timelines with since_id', async () => {
    server = await startMastodon((ws, index) => {
      if (index === 0) {
        ws.send(frame('update', first));
        setTimeout(() => ws.terminate(), 100);
      }
    }, statuses);
    const { sink, items } = collectingSink();
    const abort = new AbortController();
    const running = mastodonConnector.run({
      config: config(server.url),
      secret: TOKEN,
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => items().length >= 1 + 2 * 2, 'the streamed status and the backfill of both streams');
    abort.abort();
    await running;
    expect(server.sockets.length).toBeGreaterThanOrEqual(2);
    expect(server.timelineRequests.map((u) => [u.pathname, u.searchParams.get('since_id')])).toEqual([
      ['/api/v1/timelines/tag/demoairways', first.id],
      ['/api/v1/timelines/home', first.id],
    ]);
    // Oldest first: the reply, then the edited status, for each stream.
    expect(
      items()
        .slice(1, 3)
        .map((i) => (parse(i) as { externalId: string }).externalId.split('/')[1]),
    ).toEqual([reply.id, edited.id]);
    // The streamed status arrived live; the gap filled from the timelines is history.
    expect(
      items()
        .slice(0, 5)
        .map((i) => i.backfill === true),
    ).toEqual([false, true, true, true, true]);
  });

  it('reports failing with the reason when the token is refused, and keeps retrying until stopped', async () => {
    server = await startMastodon(() => {});
    const { sink, states } = collectingSink();
    const abort = new AbortController();
    const running = mastodonConnector.run({
      config: config(server.url),
      secret: 'wrong-token',
      cursor: null,
      sink,
      signal: abort.signal,
    });
    await until(() => states.filter((s) => s.state === 'failing').length >= 2, 'two refused attempts');
    abort.abort();
    await running;
    expect(states.find((s) => s.state === 'failing')?.error).toContain('401');
    expect(states.at(-1)?.state).toBe('idle');
  });
});
