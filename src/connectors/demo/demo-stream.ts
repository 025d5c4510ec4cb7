import { z } from 'zod';
import type { GenericPost } from '../../pipeline/formats.ts';
import { seededRandom } from '../../random.ts';
import { type ConnectorRuntime, sleep } from '../connector.ts';
import {
  chatter,
  fill,
  type Kind,
  replyGroup,
  replyTexts,
  reviewTexts,
  type Template,
} from './demo-chatter.ts';
import { type DemoPerson, passersBy } from './demo-people.ts';

/**
 * Made-up but realistic chatter about the demo brand ("Demo Airways"), so that `npm start`
 * shows a living product. Everything it makes is marked as demo: external ids start with
 * `demo:`, profile links point at example.com, and it only runs for a `demo` connector.
 */
export const demoConfigSchema = z.object({
  ratePerMinute: z.number().min(0.1).max(6000).default(20),
  /** Posts spread over the past week on the first run, so views have history at once. */
  backfill: z.number().int().min(0).max(20_000).default(400),
  seed: z.number().int().default(7),
});
export type DemoConfig = z.infer<typeof demoConfigSchema>;

export type DemoAuthor = DemoPerson & {
  /** What their profile says about them, so the customer profile's social bin shows a bio and links. */
  bio?: string;
  links?: { label: string; url: string }[];
};

export const demoAuthors: DemoAuthor[] = [
  {
    id: 'maya',
    handle: 'maya.travels',
    name: 'Maya Lindqvist',
    followers: 48_200,
    channel: 'bluesky',
    languages: ['en'],
    bio: 'Travel writer. 40 countries and counting. Honest reviews of airlines, airports and lounges.',
    links: [{ label: 'Blog', url: 'https://example.com/demo/maya-travels' }],
  },
  {
    id: 'tom',
    handle: 'tomk',
    name: 'Tom Kowalski',
    followers: 312,
    channel: 'bluesky',
    languages: ['en'],
    bio: 'Dad of two, weekend cyclist, flies Lisbon–Warsaw more often than he would like.',
  },
  {
    id: 'ana',
    handle: 'ana.souza',
    name: 'Ana Souza',
    followers: 1_870,
    channel: 'bluesky',
    languages: ['pt', 'en'],
  },
  {
    id: 'lucas',
    handle: 'lucas@mastodon.example',
    name: 'Lucas Martin',
    followers: 540,
    channel: 'mastodon',
    languages: ['fr', 'en'],
  },
  {
    id: 'greta',
    handle: 'greta@social.example',
    name: 'Greta Vogel',
    followers: 22_900,
    channel: 'mastodon',
    languages: ['de', 'en'],
    bio: 'Aviation journalist. Tips and corrections welcome.',
    links: [
      { label: 'Website', url: 'https://example.com/demo/greta-vogel' },
      { label: 'Newsletter', url: 'https://example.com/demo/greta-vogel/newsletter' },
    ],
  },
  {
    id: 'sam',
    handle: 'sam.flies',
    name: 'Sam Okafor',
    followers: 96,
    channel: 'bluesky',
    languages: ['en'],
  },
  {
    id: 'lena',
    handle: 'lena@mastodon.example',
    name: 'Lena Fischer',
    followers: 2_410,
    channel: 'mastodon',
    languages: ['de', 'en'],
  },
  // A custom-domain Bluesky handle: the demo seed gives Carlos's customer the verified email
  // carlos@ruiz.example, which proves this handle is his (an automatic, explained link).
  {
    id: 'carlos',
    handle: 'carlos.ruiz.example',
    name: 'Carlos Ruiz',
    followers: 7_300,
    channel: 'bluesky',
    languages: ['es', 'en'],
    bio: 'Product designer in Madrid. Frequent flyer, infrequent complainer.',
    links: [{ label: 'Portfolio', url: 'https://example.com/demo/carlos-ruiz' }],
  },
  {
    id: 'deals',
    handle: 'best-deals-4u',
    name: 'Best Deals 4U',
    followers: 12,
    channel: 'bluesky',
    languages: ['en'],
  },
  {
    id: 'reviews',
    handle: 'travel-reviews.example',
    name: 'Travel Reviews',
    followers: 150_000,
    channel: 'rss',
    languages: ['en'],
  },
  {
    id: 'priya',
    handle: 'priya.n',
    name: 'Priya Nair',
    followers: 880,
    channel: 'bluesky',
    languages: ['en'],
  },
  // Maya on Mastodon too: the same handle on two networks becomes a merge suggestion.
  {
    id: 'maya-mastodon',
    handle: 'maya.travels@mastodon.example',
    name: 'Maya Lindqvist',
    followers: 3_100,
    channel: 'mastodon',
    languages: ['en'],
  },
  // Tom's new Mastodon account, which he names in a post (a cross-reference: a merge suggestion
  // with that post as evidence, whichever of the two the pipeline meets first).
  {
    id: 'tom-mastodon',
    handle: 'tkowalski@social.example',
    name: 'T. Kowalski',
    followers: 95,
    channel: 'mastodon',
    languages: ['en'],
  },
  {
    id: 'jules',
    handle: 'jules@piaille.example',
    name: 'Jules Bernard',
    followers: 430,
    channel: 'mastodon',
    languages: ['fr'],
  },
];

/** A demo author as the generic format's `author` of their posts. */
export function demoAuthorProfile(author: DemoAuthor): NonNullable<GenericPost['author']> {
  return {
    externalId: `demo:${author.id}`,
    handle: author.handle,
    displayName: author.name,
    followers: author.followers,
    profileUrl: `https://example.com/demo/people/${author.id}`,
    ...(author.bio === undefined ? {} : { bio: author.bio }),
    ...(author.links === undefined ? {} : { links: author.links }),
  };
}

const mix: [Kind | 'reply', number][] = [
  ['complaint', 30],
  ['question', 18],
  ['purchase', 10],
  ['praise', 14],
  ['idea', 7],
  ['churn', 5],
  ['spam', 4],
  ['reply', 12],
];

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function pickWeighted(rand: () => number): Kind | 'reply' {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [kind, w] of mix) {
    r -= w;
    if (r < 0) return kind;
  }
  return 'complaint';
}

/** Who may say what: spam comes from the spam account only, and the review site publishes reviews. */
function eligible(kind: Kind | 'reply', a: DemoAuthor): boolean {
  if (kind === 'spam' || a.id === 'deals') return kind === 'spam' && a.id === 'deals';
  if (a.channel === 'rss') return kind === 'complaint' || kind === 'praise';
  return true;
}

/** A text in one of the author's languages, their own more often than English. */
function textFor(rand: () => number, templates: Template[], author: DemoAuthor) {
  const spoken = templates.filter((t) => author.languages.includes(t.lang));
  const own = spoken.filter((t) => t.lang !== 'en');
  const english = spoken.filter((t) => t.lang === 'en');
  const from = own.length > 0 && (english.length === 0 || rand() < 0.7) ? own : english;
  const template = pick(rand, from.length > 0 ? from : templates);
  return { lang: template.lang, text: fill(pick(rand, template.texts), rand, template.lang) };
}

/** The share of posts written by passers-by (demo-people.ts) rather than the named cast. */
const PASSER_BY_SHARE = 0.55;

/** A demo author by id: one of the cast or a passer-by. */
export function demoAuthorById(id: string): DemoAuthor | undefined {
  return demoAuthors.find((a) => a.id === id) ?? passersBy.find((p) => p.id === id);
}

/** The one post of the history that is written, not drawn: Tom names his other account. */
const CROSS_REFERENCE = {
  sequence: 3,
  authorId: 'tom',
  text: 'Does Demo Airways answer on Mastodon too? My other account is @tkowalski@social.example, I post there more and more.',
};

/** The first draws of a demo post: its kind and author, which is what a later reply needs of it. */
function demoHead(seed: number, sequence: number) {
  const rand = seededRandom(seed * 1_000_003 + sequence);
  const scripted =
    sequence === CROSS_REFERENCE.sequence ? demoAuthorById(CROSS_REFERENCE.authorId) : undefined;
  if (scripted) return { rand, kind: 'question' as Kind | 'reply', author: scripted, scripted: true };
  const kind = pickWeighted(rand);
  const byPasserBy = kind !== 'spam' && rand() < PASSER_BY_SHARE;
  const author = byPasserBy
    ? pick(rand, passersBy)
    : pick(
        rand,
        demoAuthors.filter((a) => eligible(kind, a)),
      );
  return { rand, kind, author, scripted: false };
}

/**
 * The `sequence`-th demo post (deterministic for a seed), made at `at`. A reply answers one of
 * the dozen posts before it on the same network, by someone else, in words that fit what it
 * answers; without such a post it is a complaint of its own.
 */
export function demoPost(seed: number, sequence: number, at: Date): GenericPost {
  const { rand, kind: drawn, author, scripted } = demoHead(seed, sequence);
  let kind = drawn;
  let parent: { sequence: number; kind: Kind } | null = null;
  if (kind === 'reply') {
    for (let back = 1; back <= Math.min(12, sequence) && !parent; back++) {
      const before = demoHead(seed, sequence - back);
      if (
        before.kind !== 'reply' &&
        before.kind !== 'spam' &&
        before.author.channel === author.channel &&
        before.author.id !== author.id
      )
        parent = { sequence: sequence - back, kind: before.kind };
    }
    if (!parent) kind = 'complaint';
  }
  const { lang, text } = scripted
    ? { lang: 'en', text: CROSS_REFERENCE.text }
    : author.channel === 'rss' && (kind === 'complaint' || kind === 'praise')
      ? { lang: 'en', text: fill(pick(rand, reviewTexts[kind]), rand) }
      : parent
        ? textFor(rand, replyTexts[replyGroup(parent.kind)], author)
        : textFor(rand, chatter[kind as Kind], author);
  const post: GenericPost = {
    channel: author.channel,
    externalId: `demo:${seed}:${sequence}`,
    url: `https://example.com/demo/${author.channel}/${sequence}`,
    text,
    createdAt: at.toISOString(),
    language: lang,
    author: demoAuthorProfile(author),
    engagement: {
      likes: Math.floor(rand() * (author.followers > 10_000 ? 400 : 20)),
      reposts: Math.floor(rand() * 10),
      replies: Math.floor(rand() * 6),
    },
  };
  if (parent) {
    post.replyTo = `demo:${seed}:${parent.sequence}`;
    post.threadRoot = post.replyTo;
  }
  return post;
}

export const demoConnector: ConnectorRuntime = {
  kind: 'demo',
  async run({ config, cursor, sink, signal }) {
    const c = demoConfigSchema.parse(config);
    let sequence = cursor === null ? 0 : Number(cursor);
    await sink.report('connected');
    if (cursor === null && c.backfill > 0) {
      // History over the past week, oldest first, appended in batches like live traffic.
      const now = Date.now();
      const week = 7 * 24 * 3600_000;
      for (let start = 0; start < c.backfill && !signal.aborted; start += 200) {
        const items = [];
        for (let i = start; i < Math.min(c.backfill, start + 200); i++) {
          const at = new Date(now - week + Math.floor((i / c.backfill) * week));
          items.push({
            format: 'generic' as const,
            payload: JSON.stringify(demoPost(c.seed, sequence++, at)),
            backfill: true,
          });
        }
        await sink.append(items, String(sequence));
      }
    }
    const gapMs = 60_000 / c.ratePerMinute;
    while (!signal.aborted) {
      await sleep(gapMs * (0.5 + seededRandom(sequence)()), signal);
      if (signal.aborted) break;
      await sink.append(
        [{ format: 'generic', payload: JSON.stringify(demoPost(c.seed, sequence, new Date())) }],
        String(sequence + 1),
      );
      sequence++;
    }
    await sink.report('idle');
  },
};
