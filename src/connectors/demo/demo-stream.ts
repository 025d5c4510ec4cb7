import { z } from 'zod';
import type { GenericPost } from '../../pipeline/formats.ts';
import { seededRandom } from '../../random.ts';
import { type ConnectorRuntime, sleep } from '../connector.ts';

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

export type DemoAuthor = {
  id: string;
  handle: string;
  name: string;
  followers: number;
  channel: string;
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
    bio: 'Travel writer. 40 countries and counting. Honest reviews of airlines, airports and lounges.',
    links: [{ label: 'Blog', url: 'https://example.com/demo/maya-travels' }],
  },
  {
    id: 'tom',
    handle: 'tomk',
    name: 'Tom Kowalski',
    followers: 312,
    channel: 'bluesky',
    bio: 'Dad of two, weekend cyclist, flies Lisbon–Warsaw more often than he would like.',
  },
  { id: 'ana', handle: 'ana.souza', name: 'Ana Souza', followers: 1_870, channel: 'bluesky' },
  {
    id: 'lucas',
    handle: 'lucas@mastodon.example',
    name: 'Lucas Martin',
    followers: 540,
    channel: 'mastodon',
  },
  {
    id: 'greta',
    handle: 'greta@social.example',
    name: 'Greta Vogel',
    followers: 22_900,
    channel: 'mastodon',
    bio: 'Aviation journalist. Tips and corrections welcome.',
    links: [
      { label: 'Website', url: 'https://example.com/demo/greta-vogel' },
      { label: 'Newsletter', url: 'https://example.com/demo/greta-vogel/newsletter' },
    ],
  },
  { id: 'sam', handle: 'sam.flies', name: 'Sam Okafor', followers: 96, channel: 'bluesky' },
  {
    id: 'lena',
    handle: 'lena@mastodon.example',
    name: 'Lena Fischer',
    followers: 2_410,
    channel: 'mastodon',
  },
  // A custom-domain Bluesky handle: the demo seed gives Carlos's customer the verified email
  // carlos@ruiz.example, which proves this handle is his (an automatic, explained link).
  {
    id: 'carlos',
    handle: 'carlos.ruiz.example',
    name: 'Carlos Ruiz',
    followers: 7_300,
    channel: 'bluesky',
    bio: 'Product designer in Madrid. Frequent flyer, infrequent complainer.',
    links: [{ label: 'Portfolio', url: 'https://example.com/demo/carlos-ruiz' }],
  },
  { id: 'deals', handle: 'best-deals-4u', name: 'Best Deals 4U', followers: 12, channel: 'bluesky' },
  {
    id: 'reviews',
    handle: 'travel-reviews.example',
    name: 'Travel Reviews',
    followers: 150_000,
    channel: 'rss',
  },
  { id: 'priya', handle: 'priya.n', name: 'Priya Nair', followers: 880, channel: 'bluesky' },
  // Maya on Mastodon too: the same handle on two networks becomes a merge suggestion.
  {
    id: 'maya-mastodon',
    handle: 'maya.travels@mastodon.example',
    name: 'Maya Lindqvist',
    followers: 3_100,
    channel: 'mastodon',
  },
  {
    id: 'jules',
    handle: 'jules@piaille.example',
    name: 'Jules Bernard',
    followers: 430,
    channel: 'mastodon',
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

type Template = { lang: string; texts: string[] };

const chatter: Record<string, Template[]> = {
  complaint: [
    {
      lang: 'en',
      texts: [
        'Where is my bag? Landed in Lisbon 3 hours ago on @demoairways DA 212 and nobody at the desk knows anything',
        'Flight delayed again, 4th time this month. @demoairways this is getting ridiculous #DemoAirways',
        'please help, still no refund for the cancelled flight from March. Case 88172. @demoairways',
        'Stuck on hold with Demo Airways for 55 minutes now. The app just says "try again later"',
        'Seat 14C is broken and the crew shrugged. Six hour flight. Thanks @demoairways',
      ],
    },
    { lang: 'es', texts: ['@demoairways mi maleta no llegó a Madrid y nadie responde. Vuelo DA 118'] },
    {
      lang: 'fr',
      texts: ['Vol annulé sans explication, aucun remboursement depuis 3 semaines @demoairways'],
    },
    {
      lang: 'de',
      texts: ['Schon wieder Verspätung mit Demo Airways, Anschlussflug verpasst. Sehr ärgerlich.'],
    },
  ],
  question: [
    {
      lang: 'en',
      texts: [
        'Does @demoairways allow a second carry-on for infants? Flying with a 9 month old next week',
        'How do I change the name on a booking with Demo Airways? The website errors out',
        'Is wifi free on Demo Airways long-haul flights or do you have to pay?',
        'What is the baggage allowance on the basic fare? @demoairways',
      ],
    },
    { lang: 'pt', texts: ['Alguém sabe se a @demoairways deixa levar bicicleta como bagagem?'] },
  ],
  purchase: [
    {
      lang: 'en',
      texts: [
        'How much is the family plan on @demoairways? Thinking of booking 4 tickets to Porto in July',
        'Looking at the business class upgrade to New York, is it worth it on Demo Airways?',
        'Ready to book the Demo Airways summer pass if someone can confirm it includes checked bags',
      ],
    },
    {
      lang: 'es',
      texts: ['¿Cuánto cuesta el abono anual de Demo Airways? Quiero comprarlo para mis viajes de trabajo'],
    },
  ],
  praise: [
    {
      lang: 'en',
      texts: [
        'thanks @demoairways, lovely crew on DA 401 today, they even found my lost headphones',
        'Smoothest boarding ever with Demo Airways. New app is sooo much better 👏',
        'Shoutout to the Demo Airways desk in Porto who rebooked me in 5 minutes. Heroes.',
      ],
    },
    { lang: 'fr', texts: ['Super vol avec @demoairways, équipage adorable et à l’heure ! Merci'] },
  ],
  idea: [
    {
      lang: 'en',
      texts: [
        '@demoairways you should let us pick seats in the app after check-in, not only on the website',
        'Feature request for Demo Airways: live bag tracking in the app like other airlines have',
        'Would love a quiet zone on early morning Demo Airways flights. Just an idea!',
      ],
    },
  ],
  churn: [
    {
      lang: 'en',
      texts: [
        'That is it, switching to another airline after this. Cancel my Demo Airways membership',
        'Third lost bag this year. Done with @demoairways, moving my miles elsewhere',
      ],
    },
  ],
  spam: [
    {
      lang: 'en',
      texts: [
        'Cheap Demo Airways tickets 90% off!!! DM now 👉 http://cheap-tix.example/win',
        'Buy followers fast and cheap #DemoAirways #travel http://followers.example',
      ],
    },
  ],
  reply: [
    {
      lang: 'en',
      texts: [
        'Same thing happened to me last week, took them 5 days to find it',
        'Did you try the chat in the app? They answered me in 10 minutes',
        'Following, I have the same question',
        'This. Exactly this.',
      ],
    },
  ],
};

const mix: [string, number][] = [
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

function pickWeighted(rand: () => number): string {
  const total = mix.reduce((s, [, w]) => s + w, 0);
  let r = rand() * total;
  for (const [kind, w] of mix) {
    r -= w;
    if (r < 0) return kind;
  }
  return 'complaint';
}

/**
 * The `sequence`-th demo post (deterministic for a seed), made at `at`. Replies point at one
 * of the recent earlier posts on the same channel, so threads form.
 */
export function demoPost(seed: number, sequence: number, at: Date): GenericPost {
  const rand = seededRandom(seed * 1_000_003 + sequence);
  let kind = pickWeighted(rand);
  if (kind === 'reply' && sequence < 5) kind = 'complaint';
  const template = pick(rand, chatter[kind] ?? []);
  const author = pick(
    rand,
    demoAuthors.filter((a) => (kind === 'spam' ? a.id === 'deals' : a.id !== 'deals')),
  );
  const channel = kind === 'reply' && author.channel === 'rss' ? 'bluesky' : author.channel;
  const post: GenericPost = {
    channel,
    externalId: `demo:${seed}:${sequence}`,
    url: `https://example.com/demo/${channel}/${sequence}`,
    text: pick(rand, template.texts),
    createdAt: at.toISOString(),
    language: template.lang,
    author: demoAuthorProfile(author),
    engagement: {
      likes: Math.floor(rand() * (author.followers > 10_000 ? 400 : 20)),
      reposts: Math.floor(rand() * 10),
      replies: Math.floor(rand() * 6),
    },
  };
  if (kind === 'reply') {
    const parent = sequence - 1 - Math.floor(rand() * Math.min(8, sequence - 1));
    post.replyTo = `demo:${seed}:${parent}`;
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
