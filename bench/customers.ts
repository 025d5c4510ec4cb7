import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { analyzeText } from '../src/modules/analysis/service.ts';
import { rankAuthors, recomputeInfluence } from '../src/modules/customers/influence.ts';
import { seededRandom } from '../src/random.ts';
import { type Fresh, freshDatabase } from './fresh-database.ts';
import { type BenchArgs, type BenchResult, machine, round } from './lib.ts';

/**
 * `npm run bench -- customers [--engine sqlite|postgres] [--size N]`: for now the influence
 * recompute (docs/influence.md) over N mentions (default 1,000,000) by N/10 authors, generated
 * straight into the tables with bulk inserts (not through the pipeline).
 */

const phrases = {
  positive: ['love the new app', 'great crew today', 'thanks for the quick refund', 'best flight ever'],
  negative: ['my bag is lost again', 'delayed for three hours', 'worst support ever', 'charged twice'],
  neutral: ['boarding at gate 12', 'what time is check-in', 'landed in lisbon', 'any wifi on board'],
} as const;
type Sentiment = keyof typeof phrases;

/**
 * Authors and mentions with a power-law shape: a few authors write a lot and are replied to and
 * @mentioned by many (`index = N × u^k` concentrates choices on low indexes), followers are
 * Pareto-distributed; about half the posts are replies and a fifth name someone with @handle.
 */
async function generate(fresh: Fresh, mentions: number, authors: number): Promise<void> {
  const { ctx, workspaceId } = fresh;
  const rnd = seededRandom(42);
  const now = '2026-11-01T00:00:00.000Z';
  const skewed = (k: number) => Math.min(authors - 1, Math.floor(authors * rnd() ** k));
  // Realistic analysis documents (their size matters to a scan), computed once per phrase.
  const analysisOf = new Map<string, string>();
  for (const list of Object.values(phrases))
    for (const p of list) {
      analysisOf.set(
        p,
        JSON.stringify(analyzeText({ text: p, declaredLanguage: 'en', authorFollowers: 500 })),
      );
    }

  const ids: number[] = [];
  const handles: string[] = [];
  for (let i = 0; i < authors; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(authors, i + 1000); j++) {
      const followers = Math.min(5_000_000, Math.floor(20 * (1 - rnd()) ** -1.3) - 10);
      handles[j] = `user${j}.bsky.social`;
      rows.push({
        workspace_id: workspaceId,
        channel: 'bluesky',
        external_id: `did:plc:${j}`,
        handle: handles[j] ?? '',
        display_name: `User ${j}`,
        followers,
        profile_url: null,
        avatar_url: null,
        updated_at: now,
      });
    }
    const inserted = await ctx.db
      .insertInto('authors')
      .values(rows)
      .returning(['id', 'external_id'])
      .execute();
    for (const r of inserted) ids[Number(r.external_id.slice(8))] = Number(r.id);
  }

  // Each author's latest post, so replies point at a real earlier post of the person replied to.
  const lastPost: (string | undefined)[] = new Array(authors);
  const batch = 500;
  for (let i = 0; i < mentions; i += batch * 10) {
    await ctx.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(mentions, i + batch * 10); k += batch) {
        const rows = [];
        for (let n = k; n < Math.min(mentions, k + batch); n++) {
          const author = skewed(1.6);
          const externalId = `at://post/${n}`;
          // One author in ten is a fan (mostly positive), one in ten a critic (mostly negative).
          const r = rnd();
          const leaning = author % 10;
          const sentiment: Sentiment =
            leaning === 0
              ? r < 0.8
                ? 'positive'
                : 'neutral'
              : leaning === 1
                ? r < 0.7
                  ? 'negative'
                  : 'neutral'
                : r < 0.3
                  ? 'positive'
                  : r < 0.5
                    ? 'negative'
                    : 'neutral';
          const list = phrases[sentiment];
          const phrase = list[n % list.length] ?? '';
          let text = phrase;
          let replyTo: string | null = null;
          if (rnd() < 0.5) replyTo = lastPost[skewed(3)] ?? null;
          if (rnd() < 0.2) text = `@${handles[skewed(3)]} ${phrase}`;
          if (rnd() < 0.03) text = `${text} cc @${handles[skewed(2)]} @someone-unknown.example`;
          rows.push({
            workspace_id: workspaceId,
            channel: 'bluesky',
            external_id: externalId,
            url: null,
            author_id: ids[author] ?? null,
            text,
            language: 'en',
            created_at: now,
            received_at: now,
            version_at: now,
            reply_to: replyTo,
            thread_root: replyTo,
            engagement: JSON.stringify({ likes: 0, reposts: 0, replies: 0, quotes: 0 }),
            analysis: analysisOf.get(phrase) ?? '{}',
            sentiment,
            intents: null,
            urgency: 0,
            topics: null,
            classes: null,
            disposition: null,
            deleted_at: null,
            edited_at: null,
          });
          lastPost[author] = externalId;
        }
        await trx.insertInto('mentions').values(rows).execute();
      }
    });
  }
  // Fresh statistics, as autovacuum would have gathered on a live database.
  await sql`analyze`.execute(ctx.db);
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const mentions = args.size ?? 1_000_000;
  const authors = Math.max(10, Math.round(mentions / 10));
  const fresh = await freshDatabase(args.engine, 'customers');
  const g0 = performance.now();
  await generate(fresh, mentions, authors);
  const generateS = (performance.now() - g0) / 1000;

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await recomputeInfluence(fresh.ctx, fresh.workspaceId);
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  const peakRss = process.resourceUsage().maxRSS * 1024;

  const [influencers, advocates, detractors] = await Promise.all(
    (['influencers', 'advocates', 'detractors'] as const).map((kind) =>
      rankAuthors(fresh.ctx, fresh.workspaceId, kind, 500),
    ),
  );
  const influential = (influencers ?? []).filter((r) => r.score >= 50).length;
  await fresh.drop();

  return {
    bench: 'customers',
    engine: args.engine,
    params: {
      mentions,
      authors,
      edges: result.edges,
      influential_in_top_500: influential,
      advocates_listed: advocates?.length ?? 0,
      detractors_listed: detractors?.length ?? 0,
      top_score: influencers?.[0]?.score ?? 0,
      generate_s: round(generateS),
      rss_before_recompute_mb: Math.round(rssBefore / 1024 / 1024),
    },
    machine: machine(),
    metrics: {
      influence_recompute_s: round(seconds, 2),
      graph_build_s: round(result.graphBuildMs / 1000, 2),
      pagerank_s: round(result.pagerankMs / 1000, 2),
      write_s: round(result.writeMs / 1000, 2),
      event_loop_block_ms_max: round(loop.max / 1e6),
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
    },
  };
}
