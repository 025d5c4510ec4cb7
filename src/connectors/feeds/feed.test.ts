import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { normalize } from '../../pipeline/formats.ts';
import type { ConnectorSink, RawItem } from '../connector.ts';
import { createRssConnector, FeedParseError, parseFeed } from './feed.ts';

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseFeed', () => {
  it('reads RSS 2.0 with CDATA, content:encoded, dc:creator, entities and RFC 822 dates', () => {
    const feed = parseFeed(
      fixture('blog.rss.xml'),
      'application/rss+xml',
      'https://flyer-notes.example/feed/',
    );
    expect(feed.title).toBe('Frequent Flyer Notes');
    expect(feed.link).toBe('https://flyer-notes.example/');
    expect(feed.items).toHaveLength(2);
    expect(feed.items[0]).toEqual({
      id: 'https://flyer-notes.example/?p=1042',
      url: 'https://flyer-notes.example/2024/11/lost-bag-again/',
      title: 'Demo Airways lost my bag – again',
      text: 'Third time this year that Demo Airways lost my bag.\nThe desk in Lisbon had no idea. Last time it took five days.',
      published: '2024-11-22T09:30:00.000Z',
      updated: null,
      author: 'Maya Lindqvist',
    });
    expect(feed.items[1]?.text).toBe('Quiet, clean & decent coffee. 4/5.');
  });

  it('reads Atom with relative links, html content, summaries and updated dates', () => {
    const feed = parseFeed(
      fixture('reviews.atom.xml'),
      'application/atom+xml',
      'https://reviews.example/airlines/demo-airways.atom',
    );
    expect(feed.link).toBe('https://reviews.example/airlines/demo-airways');
    expect(feed.items[0]).toEqual({
      id: 'tag:reviews.example,2024:review-88213',
      url: 'https://reviews.example/reviews/88213',
      title: '2/5 – Delayed and no information',
      text: 'Flight DA 212 was delayed 4 hours & nobody told us why.',
      published: '2024-11-22T11:00:00.000Z',
      updated: '2024-11-22T11:45:00.000Z',
      author: 'Tom K.',
    });
    expect(feed.items[1]?.text).toBe('Friendly crew, on time, good snacks.');
  });

  it('reads JSON Feed 1.1 with html or text content', () => {
    const feed = parseFeed(
      fixture('news.feed.json'),
      'application/feed+json',
      'https://aviation-daily.example/feed.json',
    );
    expect(feed.items.map((i) => [i.id, i.text, i.author])).toEqual([
      [
        '2024-11-22-demo-airways-app',
        'The new app adds live bag tracking, a feature customers asked for.',
        'Aviation Daily staff',
      ],
      ['2024-11-21-strike', 'Unions announced a 24-hour strike.', null],
    ]);
  });

  it('says why a body is not a feed', () => {
    expect(() => parseFeed('<html><body>hi</body></html>', 'text/html', 'https://x.example/')).toThrow(
      FeedParseError,
    );
    expect(() => parseFeed('<html><body>hi</body></html>', 'text/html', 'https://x.example/')).toThrow(
      /not an RSS, Atom or JSON Feed/,
    );
    expect(() => parseFeed('{"items": 3}', 'application/json', 'https://x.example/')).toThrow(
      /no items list/,
    );
    expect(() => parseFeed('<rss><channel><item>', 'text/xml', 'https://x.example/')).toThrow(
      /not well-formed XML|not an RSS/,
    );
  });
});

type FeedServer = {
  url: string;
  requests: { ifNoneMatch?: string; ifModifiedSince?: string }[];
  close(): Promise<void>;
};

/** A blog on 127.0.0.1 that honours conditional requests and can change or break between polls. */
async function startFeedServer(
  respond: (n: number) => { status: number; body?: string; etag?: string; lastModified?: string },
) {
  const requests: FeedServer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const n = requests.length;
    requests.push({
      ...(req.headers['if-none-match'] ? { ifNoneMatch: String(req.headers['if-none-match']) } : {}),
      ...(req.headers['if-modified-since']
        ? { ifModifiedSince: String(req.headers['if-modified-since']) }
        : {}),
    });
    const r = respond(n);
    if (r.etag) res.setHeader('etag', r.etag);
    if (r.lastModified) res.setHeader('last-modified', r.lastModified);
    res.setHeader('content-type', 'application/rss+xml');
    res.statusCode = r.status;
    res.end(r.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed/`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies FeedServer;
}

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
    await new Promise((r) => setTimeout(r, 5));
  }
}

const blog = fixture('blog.rss.xml');
const newItem = `<item><title>New post: refunds</title><link>https://flyer-notes.example/2024/11/refunds/</link><guid isPermaLink="false">https://flyer-notes.example/?p=1050</guid><pubDate>Sat, 23 Nov 2024 10:00:00 +0000</pubDate><description>How I finally got my refund.</description></item>`;
const blogWithNew = blog.replace('<item>', `${newItem}<item>`);

let server: FeedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

// One configured second lasts 5 ms here, so the 30 s minimum interval is 150 ms.
const fast = createRssConnector({ unitMs: 5 });

describe('RSS connector', () => {
  it('sends conditional requests, appends only new items oldest first, recovers from a broken body, and resumes without repeats', async () => {
    server = await startFeedServer((n) => {
      if (n === 0)
        return { status: 200, body: blog, etag: '"v1"', lastModified: 'Fri, 22 Nov 2024 09:30:00 GMT' };
      if (n === 1) return { status: 304 };
      if (n === 2) return { status: 200, body: '<html>maintenance</html>' };
      return { status: 200, body: blogWithNew, etag: '"v2"' };
    });
    const { sink, appends, states, items } = collectingSink();
    const abort = new AbortController();
    const config = { feeds: [{ url: server.url, intervalSeconds: 30, channel: 'blogs' }] };
    const running = fast.run({ config, secret: null, cursor: null, sink, signal: abort.signal });
    await until(() => items().length >= 3, 'the first two items and the new one');
    abort.abort();
    await running;

    expect(server.requests[0]).toEqual({});
    expect(server.requests[1]).toEqual({
      ifNoneMatch: '"v1"',
      ifModifiedSince: 'Fri, 22 Nov 2024 09:30:00 GMT',
    });
    expect(states.some((s) => s.state === 'failing' && s.error?.includes('not an RSS'))).toBe(true);
    const ids = items().map(
      (i) =>
        (normalize(i.format, i.payload, '2024-11-23T12:00:00.000Z') as { externalId: string }).externalId,
    );
    expect(ids).toEqual([
      `${server.url}#https://flyer-notes.example/?p=1039`,
      `${server.url}#https://flyer-notes.example/?p=1042`,
      `${server.url}#https://flyer-notes.example/?p=1050`,
    ]);
    // What the feed listed when first read is history; what it listed new later arrived live.
    expect(items().map((i) => i.backfill === true)).toEqual([true, true, false]);
    const post = normalize(
      items()[0]?.format ?? 'generic',
      items()[0]?.payload ?? '',
      '2024-11-23T12:00:00.000Z',
    );
    expect(post).toMatchObject({
      channel: 'blogs',
      author: { handle: 'Frequent Flyer Notes', displayName: 'Maya Lindqvist' },
    });

    // A restart from the saved cursor sends nothing already sent.
    const restart = collectingSink();
    const again = new AbortController();
    const rerun = fast.run({
      config,
      secret: null,
      cursor: appends.at(-1)?.cursor ?? null,
      sink: restart.sink,
      signal: again.signal,
    });
    await until(() => (server?.requests.length ?? 0) >= 5, 'a poll after restart');
    again.abort();
    await rerun;
    expect(restart.items()).toEqual([]);
    expect(server.requests[4]).toEqual({ ifNoneMatch: '"v2"' });
  });
});
