import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import type { GenericPost } from '../../pipeline/formats.ts';
import { htmlToText } from '../../pipeline/html.ts';
import { backoffMs, type ConnectorRuntime, sleep } from '../connector.ts';

/**
 * Blogs, review sites and news through RSS 2.0, Atom 1.0 and JSON Feed 1.1, polled per feed
 * with conditional requests (ETag, Last-Modified). The cursor remembers per feed the validators
 * and the ids already sent, so a restart neither repeats old items nor misses new ones.
 */
export const rssConfigSchema = z.object({
  feeds: z
    .array(
      z.object({
        url: z.url().regex(/^https?:\/\//, 'an http(s) URL'),
        intervalSeconds: z.number().int().min(30).max(86_400).default(300),
        channel: z
          .string()
          .regex(/^[a-z0-9_-]{1,40}$/)
          .default('rss'),
      }),
    )
    .min(1)
    .max(200),
});

export type FeedItem = {
  id: string;
  url: string | null;
  title: string;
  text: string;
  published: string | null;
  updated: string | null;
  author: string | null;
};

export type ParsedFeed = { title: string | null; link: string | null; items: FeedItem[] };

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  isArray: (name) => name === 'item' || name === 'entry' || name === 'link' || name === 'category',
});

type Node = Record<string, unknown> | string | number | undefined;

/** The text of an XML node that may be a string, a number or an object with #text. */
function text(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (node && typeof node === 'object' && '#text' in node)
    return text((node as Record<string, unknown>)['#text']);
  return '';
}

function isoDate(value: unknown): string | null {
  const raw = text(value).trim();
  if (!raw) return null;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function absolute(href: string, base: string): string | null {
  try {
    return new URL(href, base).toString();
  } catch {
    return null;
  }
}

function atomLink(links: unknown, base: string): string | null {
  const list = Array.isArray(links) ? (links as Record<string, unknown>[]) : [];
  const alternate = list.find((l) => !l['@_rel'] || l['@_rel'] === 'alternate') ?? list[0];
  const href = alternate ? text(alternate['@_href']) : '';
  return href ? absolute(href, base) : null;
}

export class FeedParseError extends Error {}

/** Parses an RSS, Atom or JSON Feed document into items with plain text. */
export function parseFeed(body: string, contentType: string | null, feedUrl: string): ParsedFeed {
  const trimmed = body.trimStart();
  if (contentType?.includes('json') || trimmed.startsWith('{')) {
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(body);
    } catch (err) {
      throw new FeedParseError(`JSON Feed is not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(doc.items)) throw new FeedParseError('JSON Feed has no items list');
    return {
      title: typeof doc.title === 'string' ? doc.title : null,
      link: typeof doc.home_page_url === 'string' ? doc.home_page_url : null,
      items: (doc.items as Record<string, unknown>[]).flatMap((i) => {
        const url = typeof i.url === 'string' ? absolute(i.url, feedUrl) : null;
        const id = typeof i.id === 'string' || typeof i.id === 'number' ? String(i.id) : url;
        if (!id) return [];
        const html = typeof i.content_html === 'string' ? i.content_html : null;
        const authors = (Array.isArray(i.authors) ? i.authors : i.author ? [i.author] : []) as {
          name?: string;
        }[];
        return [
          {
            id,
            url,
            title: typeof i.title === 'string' ? i.title : '',
            text: html
              ? htmlToText(html)
              : typeof i.content_text === 'string'
                ? i.content_text
                : text(i.summary),
            published: isoDate(i.date_published),
            updated: isoDate(i.date_modified),
            author: authors[0]?.name ?? null,
          },
        ];
      }),
    };
  }
  let doc: Record<string, Node>;
  try {
    doc = xml.parse(body, true) as Record<string, Node>;
  } catch (err) {
    throw new FeedParseError(`feed is not well-formed XML: ${(err as Error).message}`);
  }
  const rss = doc.rss as Record<string, unknown> | undefined;
  if (rss && typeof rss === 'object') {
    const channel = (rss.channel ?? {}) as Record<string, unknown>;
    const items = (channel.item ?? []) as Record<string, unknown>[];
    const link = Array.isArray(channel.link) ? text(channel.link[0]) : text(channel.link);
    return {
      title: text(channel.title) || null,
      link: link || null,
      items: items.flatMap((i) => {
        const itemLink = Array.isArray(i.link) ? text(i.link[0]) : text(i.link);
        const url = itemLink ? absolute(itemLink.trim(), feedUrl) : null;
        const id = text(i.guid).trim() || url;
        if (!id) return [];
        const html = text(i['content:encoded']) || text(i.description);
        return [
          {
            id,
            url,
            title: htmlToText(text(i.title)),
            text: htmlToText(html),
            published: isoDate(i.pubDate) ?? isoDate(i['dc:date']),
            updated: null,
            author: text(i['dc:creator']) || text(i.author) || null,
          },
        ];
      }),
    };
  }
  const feed = doc.feed as Record<string, unknown> | undefined;
  if (feed && typeof feed === 'object') {
    const entries = (feed.entry ?? []) as Record<string, unknown>[];
    return {
      title: text(feed.title) || null,
      link: atomLink(feed.link, feedUrl),
      items: entries.flatMap((e) => {
        const url = atomLink(e.link, feedUrl);
        const id = text(e.id).trim() || url;
        if (!id) return [];
        const content = e.content ?? e.summary;
        const type =
          content && typeof content === 'object'
            ? text((content as Record<string, unknown>)['@_type'])
            : 'text';
        const body = text(content);
        const author = e.author as Record<string, unknown> | undefined;
        return [
          {
            id,
            url,
            title: htmlToText(text(e.title)),
            text: type === 'html' || type === 'xhtml' ? htmlToText(body) : body.trim(),
            published: isoDate(e.published),
            updated: isoDate(e.updated),
            author: author ? text(author.name) || null : null,
          },
        ];
      }),
    };
  }
  throw new FeedParseError('not an RSS, Atom or JSON Feed document');
}

/** A feed item as a generic post for the ingest log. */
export function feedItemToPost(
  item: FeedItem,
  feed: ParsedFeed,
  feedUrl: string,
  channel: string,
): GenericPost {
  const host = new URL(feedUrl).host;
  const post: GenericPost = {
    channel,
    externalId: `${feedUrl}#${item.id}`,
    url: item.url,
    text: [item.title, item.text].filter(Boolean).join('\n\n') || item.url || item.id,
    author: {
      externalId: feedUrl,
      handle: feed.title ?? host,
      displayName: item.author ?? feed.title ?? host,
      profileUrl: feed.link && /^https?:\/\//.test(feed.link) ? feed.link : null,
    },
  };
  if (item.published) post.createdAt = item.published;
  if (item.updated && item.updated !== item.published) post.updatedAt = item.updated;
  return post;
}

type FeedState = { etag?: string; lastModified?: string; seen: string[] };
const SEEN_LIMIT = 500;

function readCursor(cursor: string | null): Record<string, FeedState> {
  if (!cursor) return {};
  try {
    const parsed = JSON.parse(cursor) as Record<string, FeedState>;
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

/** `unitMs` is the length of a configured second: 1000 in production, smaller in tests. */
export function createRssConnector(options: { unitMs?: number } = {}): ConnectorRuntime {
  const unitMs = options.unitMs ?? 1000;
  return {
    kind: 'rss',
    async run({ config, cursor, sink, signal }) {
      const c = rssConfigSchema.parse(config);
      const state = readCursor(cursor);
      const nextPoll = new Map(c.feeds.map((f) => [f.url, 0]));
      const failures = new Map<string, number>();
      let reported = '';
      const report = async (next: 'connected' | 'failing' | 'idle', error?: string) => {
        // Errors are always recorded; an unchanged healthy state is not written again.
        if (next === reported && !error) return;
        reported = next;
        await sink.report(next, error);
      };
      await report('connected');

      async function poll(feed: (typeof c.feeds)[number]) {
        // A feed read for the first time lists what was published before: history, not live items.
        const firstRead = state[feed.url] === undefined;
        const s: FeedState = state[feed.url] ?? { seen: [] };
        const headers: Record<string, string> = {
          accept:
            'application/rss+xml, application/atom+xml, application/feed+json, application/json, text/xml;q=0.9, */*;q=0.5',
        };
        if (s.etag) headers['if-none-match'] = s.etag;
        if (s.lastModified) headers['if-modified-since'] = s.lastModified;
        const res = await fetch(feed.url, { headers, signal });
        if (res.status === 304) return;
        if (!res.ok) throw new Error(`${feed.url} answered ${res.status}`);
        const parsed = parseFeed(await res.text(), res.headers.get('content-type'), feed.url);
        const seen = new Set(s.seen);
        // Feeds list newest first; the log gets them oldest first.
        const fresh = parsed.items.filter((i) => !seen.has(i.id)).reverse();
        const next: FeedState = {
          seen: [...s.seen, ...fresh.map((i) => i.id)].slice(-SEEN_LIMIT),
          ...(res.headers.get('etag') ? { etag: res.headers.get('etag') as string } : {}),
          ...(res.headers.get('last-modified')
            ? { lastModified: res.headers.get('last-modified') as string }
            : {}),
        };
        state[feed.url] = next;
        await sink.append(
          fresh.map((i) => ({
            format: 'generic',
            payload: JSON.stringify(feedItemToPost(i, parsed, feed.url, feed.channel)),
            ...(firstRead ? { backfill: true } : {}),
          })),
          JSON.stringify(state),
        );
      }

      while (!signal.aborted) {
        const now = Date.now();
        for (const feed of c.feeds) {
          if ((nextPoll.get(feed.url) ?? 0) > now || signal.aborted) continue;
          try {
            await poll(feed);
            failures.set(feed.url, 0);
            nextPoll.set(feed.url, Date.now() + feed.intervalSeconds * unitMs);
          } catch (err) {
            if (signal.aborted) break;
            // One feed failing does not stop the others; it is retried with backoff.
            const attempt = (failures.get(feed.url) ?? 0) + 1;
            failures.set(feed.url, attempt);
            await report('failing', (err as Error).message);
            nextPoll.set(
              feed.url,
              Date.now() + Math.min(feed.intervalSeconds * unitMs, backoffMs(attempt, unitMs)),
            );
          }
        }
        if ([...failures.values()].every((n) => n === 0)) await report('connected');
        const wake = Math.min(...nextPoll.values());
        await sleep(Math.max(unitMs / 100, wake - Date.now()), signal);
      }
      await report('idle');
    },
  };
}

export const rssConnector = createRssConnector();
