import { prepareItem } from '../src/modules/listening/boolean-query/prepare.ts';
import { createQuerySet } from '../src/modules/listening/boolean-query/query-set.ts';
import { generatePosts, generateQueries } from './generate.ts';
import { type BenchArgs, type BenchResult, machine, round } from './lib.ts';

/** Listening filter alone: prepare each item and match it against 500 queries, on one core. */
export function measureFilter(size: number, queryCount: number) {
  const posts = generatePosts(size, 11);
  const set = createQuerySet(generateQueries(queryCount, 12));
  const items = posts.map((p) => ({
    text: p.text ?? '',
    authorHandle: p.author?.handle ?? null,
    language: p.language ?? null,
    channel: p.channel,
    urls: [],
  }));
  // Warm-up so the JIT has compiled the hot paths before timing.
  for (const item of items.slice(0, 2000)) set.match(item);
  let matched = 0;
  let candidates = 0;
  const started = performance.now();
  for (const item of items) {
    const ids = set.matchPrepared(prepareItem(item));
    candidates += set.lastCandidates();
    if (ids.length > 0) matched++;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    filter_items_per_sec_per_core: Math.round(size / seconds),
    matched_share_ratio: round(matched / size, 3),
    candidate_queries_per_item_avg: round(candidates / size, 1),
  };
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const size = args.size ?? 200_000;
  const queries = args.queries ?? 500;
  return {
    bench: 'filter',
    engine: 'none',
    params: { items: size, queries },
    machine: machine(),
    metrics: measureFilter(size, queries),
  };
}
