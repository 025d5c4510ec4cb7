import type { GenericPost } from '../src/pipeline/formats.ts';
import { seededRandom } from '../src/random.ts';

/** Shared with the routing rules of bench/rules-overhead.ts, so that the rules meet the posts' words. */
export const brands = [
  'acme',
  'globex',
  'initech',
  'umbrella',
  'hooli',
  'stark',
  'wayne',
  'wonka',
  'tyrell',
  'cyberdyne',
];
export const products = [
  'app',
  'card',
  'plan',
  'flight',
  'router',
  'phone',
  'account',
  'subscription',
  'order',
  'delivery',
];
export const complaints = [
  'refund',
  'broken',
  'late',
  'delayed',
  'cancelled',
  'lost',
  'charged',
  'waiting',
  'crash',
  'outage',
];
const praise = ['love', 'great', 'thanks', 'amazing', 'fast', 'helpful', 'lovely', 'best'];
const filler = [
  'coffee',
  'weekend',
  'game',
  'music',
  'weather',
  'city',
  'friends',
  'movie',
  'book',
  'dinner',
  'morning',
  'train',
  'work',
  'dog',
  'cat',
  'photo',
  'news',
  'election',
  'football',
  'recipe',
  'garden',
  'beach',
  'school',
  'code',
  'today',
  'again',
  'really',
  'just',
  'still',
  'why',
  'when',
  'how',
  'please',
  'help',
  'my',
  'the',
  'is',
  'was',
  'for',
  'this',
  'that',
  'week',
  'support',
  'team',
  'customer',
  'service',
  'money',
  'back',
  'new',
  'update',
  'ever',
  'never',
];
const foreign = [
  'mi pedido no llegó todavía',
  'le service client ne répond pas',
  'meine Bestellung ist verspätet',
  'o aplicativo não funciona',
  'il volo è in ritardo',
  'mijn pakket is zoek',
];
const langs = ['en', 'en', 'en', 'en', 'es', 'fr', 'de', 'pt', 'it', 'nl'];
const channels = ['bluesky', 'mastodon', 'rss', 'webhook'];

const pick = <T>(rand: () => number, xs: readonly T[]) => xs[Math.floor(rand() * xs.length)] as T;

export function generatePosts(count: number, seed = 1): GenericPost[] {
  const rand = seededRandom(seed);
  const posts: GenericPost[] = [];
  // One a second up to now, like a live stream: routing passes over posts that arrive more than
  // HISTORY_AFTER_DAYS after they were written (src/modules/inbox/history.ts); 1M posts span 11.6 days.
  const start = Date.now() - count * 1000;
  for (let i = 0; i < count; i++) {
    const lang = pick(rand, langs);
    const brand = pick(rand, brands);
    const words: string[] = [];
    const n = 8 + Math.floor(rand() * 18);
    // Like a public firehose: most posts are about something else; about one in five concerns a brand.
    const onTopic = rand() < 0.2;
    for (let w = 0; w < n; w++) {
      const r = onTopic ? rand() : 0.37 + rand() * 0.63;
      words.push(
        r < 0.08
          ? `@${brand}`
          : r < 0.14
            ? brand
            : r < 0.22
              ? pick(rand, products)
              : r < 0.3
                ? pick(rand, complaints)
                : r < 0.35
                  ? pick(rand, praise)
                  : r < 0.37
                    ? `#${pick(rand, brands)}`
                    : pick(rand, filler),
      );
    }
    if (lang !== 'en') words.unshift(pick(rand, foreign));
    if (rand() < 0.05) words.push(`https://example.com/p/${i}`);
    const author = Math.floor(rand() * Math.max(1, count / 10));
    posts.push({
      channel: pick(rand, channels),
      externalId: `bench-${seed}-${i}`,
      text: words.join(' '),
      createdAt: new Date(start + i * 1000).toISOString(),
      language: lang,
      replyTo: i > 10 && rand() < 0.15 ? `bench-${seed}-${i - 1 - Math.floor(rand() * 10)}` : null,
      author: {
        externalId: `author-${author}`,
        handle: `user${author}`,
        followers: Math.floor(rand() * 5000),
      },
      engagement: { likes: Math.floor(rand() * 50) },
    });
  }
  return posts;
}

/** Realistic brand-listening queries: brands and handles, complaint words, phrases, NEAR, fields. */
export function generateQueries(count: number, seed = 2): { id: string; source: string }[] {
  const rand = seededRandom(seed);
  const queries: { id: string; source: string }[] = [];
  for (let i = 0; i < count; i++) {
    const brand = pick(rand, brands);
    const r = rand();
    const source =
      r < 0.25
        ? `(${brand} OR @${brand} OR #${brand}) AND NOT (spam OR giveaway)`
        : r < 0.45
          ? `(@${brand} OR ${brand}) AND (${pick(rand, complaints)} OR ${pick(rand, complaints).slice(0, 4)}* OR "${pick(rand, filler)} ${pick(rand, filler)}")`
          : r < 0.6
            ? `${brand} NEAR/3 (${pick(rand, complaints)} OR ${pick(rand, products)})`
            : r < 0.72
              ? `"${brand} ${pick(rand, products)}" OR (${brand} AND ${pick(rand, products)} AND lang:${pick(rand, langs)})`
              : r < 0.85
                ? `(${pick(rand, praise)} OR ${pick(rand, praise)}) AND @${brand} AND NOT channel:rss`
                : `${pick(rand, complaints)}* AND (${brand} OR ${pick(rand, brands)}) AND NOT author:bot*`;
    queries.push({ id: `q${i}`, source });
  }
  return queries;
}
