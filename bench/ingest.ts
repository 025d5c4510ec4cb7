import { sql } from 'kysely';
import { createConnector } from '../src/connectors/service.ts';
import { type Analysis, analyzeText } from '../src/modules/analysis/service.ts';
import { mentionExportStream } from '../src/modules/listening/mentions-export.ts';
import { createContentPool } from '../src/pipeline/content-pool.ts';
import type { GenericPost } from '../src/pipeline/formats.ts';
import { appendToLog } from '../src/pipeline/ingest-log.ts';
import { processBatch, startWorker } from '../src/pipeline/worker.ts';
import { measureFilter } from './filter.ts';
import { appendPosts, type Fresh, freshDatabase } from './fresh-database.ts';
import { generatePosts, generateQueries } from './generate.ts';
import { type BenchArgs, type BenchResult, machine, percentile, round } from './lib.ts';

/**
 * The ceiling: a bare set-based bulk insert of the same rows (authors, then mentions, which
 * maintain the full-text index) in batches of 1,000, with no log, parsing or matching.
 */
async function bulkInsertCeiling(engine: 'sqlite' | 'postgres', posts: GenericPost[]): Promise<number> {
  const { ctx, workspaceId, drop } = await freshDatabase(engine, 'ceiling');
  const now = new Date().toISOString();
  // The values are computed before the clock starts: the ceiling measures writing alone.
  const analyses = posts.map((p) =>
    analyzeText({
      text: p.text ?? '',
      declaredLanguage: p.language ?? null,
      authorFollowers: p.author?.followers ?? null,
    }),
  );
  const rowsOf = (batch: GenericPost[], offset: number, ids: Map<string, number>) =>
    batch.map((p, k) => {
      const analysis = analyses[offset + k] as Analysis;
      return {
        workspace_id: workspaceId,
        channel: p.channel,
        external_id: p.externalId,
        url: null,
        author_id: ids.get(p.author?.externalId ?? '') ?? null,
        text: p.text ?? '',
        language: analysis.language,
        created_at: p.createdAt ?? now,
        received_at: now,
        version_at: p.createdAt ?? now,
        reply_to: p.replyTo ?? null,
        thread_root: p.replyTo ?? null,
        // The same values the pipeline writes, so the two store the same rows.
        engagement: JSON.stringify({ likes: p.engagement?.likes ?? 0, reposts: 0, replies: 0, quotes: 0 }),
        analysis: JSON.stringify(analysis),
        sentiment: analysis.sentiment.label,
        intents: analysis.intents.map((i) => i.label).join(' ') || null,
        urgency: analysis.urgency.score,
        topics: null,
        classes: null,
        disposition: null,
        deleted_at: null,
        edited_at: null,
      };
    });
  const started = performance.now();
  for (let i = 0; i < posts.length; i += 1000) {
    const batch = posts.slice(i, i + 1000);
    await ctx.db.transaction().execute(async (trx) => {
      const authors = new Map(batch.map((p) => [p.author?.externalId ?? '', p.author]));
      const ids = new Map<string, number>();
      const authorRows = [...authors.values()].map((a) => ({
        workspace_id: workspaceId,
        channel: 'bench',
        external_id: a?.externalId ?? '',
        handle: a?.handle ?? '',
        display_name: null,
        followers: a?.followers ?? null,
        profile_url: null,
        avatar_url: null,
        updated_at: now,
      }));
      for (let j = 0; j < authorRows.length; j += 500) {
        const rows = await trx
          .insertInto('authors')
          .values(authorRows.slice(j, j + 500))
          .onConflict((oc) =>
            oc
              .columns(['workspace_id', 'channel', 'external_id'])
              .doUpdateSet((eb) => ({ handle: eb.ref('excluded.handle') })),
          )
          .returning(['id', 'external_id'])
          .execute();
        for (const r of rows) ids.set(r.external_id, Number(r.id));
      }
      const mentionRows = rowsOf(batch, i, ids);
      for (let j = 0; j < mentionRows.length; j += 500) {
        await trx
          .insertInto('mentions')
          .values(mentionRows.slice(j, j + 500))
          .execute();
      }
    });
  }
  const seconds = (performance.now() - started) / 1000;
  await drop();
  return posts.length / seconds;
}

/** The real path: connector-style appends to the ingest log, then the pipeline drains it. */
async function pipelineThroughput(
  engine: 'sqlite' | 'postgres',
  posts: GenericPost[],
  queryCount: number,
  /** As from a Bluesky firehose connector that keeps only matching posts (docs/connectors.md). */
  firehose = false,
) {
  const fresh = await freshDatabase(engine, firehose ? 'firehose' : 'pipeline');
  const { ctx, workspaceId } = fresh;
  const connectorId = firehose
    ? (
        await createConnector(
          ctx,
          { workspaceId, role: 'owner' },
          { kind: 'bluesky', name: 'Firehose', enabled: false },
        )
      ).connector.id
    : null;
  const now = new Date().toISOString();
  for (const q of generateQueries(queryCount, 12)) {
    await ctx.db
      .insertInto('listening_queries')
      .values({
        id: q.id,
        workspace_id: workspaceId,
        name: q.id,
        query: q.source,
        enabled: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
  }
  const started = performance.now();
  await appendPosts(ctx, workspaceId, posts, connectorId);
  const appended = performance.now();
  // As the worker loop runs it: each full batch sends the next to the content thread.
  const pool = createContentPool(ctx.log);
  while ((await processBatch(ctx, 1000, { pool })).claimed > 0) {
    // drain
  }
  const done = performance.now();
  await pool.close();
  const stored = await ctx.db
    .selectFrom('mentions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  if (!firehose && Number(stored.n) !== posts.length)
    throw new Error(`stored ${stored.n} of ${posts.length}`);
  return {
    fresh,
    stored: Number(stored.n),
    itemsPerSec: posts.length / ((done - started) / 1000),
    appendPerSec: posts.length / ((appended - started) / 1000),
  };
}

/**
 * Latency from append to visible: under a steady background load, single marked posts are
 * appended and the listening view's query is polled until each appears.
 */
async function appendToVisible(fresh: Fresh, seconds: number, loadPerSec: number): Promise<number[]> {
  const { ctx, workspaceId } = fresh;
  const worker = startWorker(ctx, { batchSize: 1000, idleMs: 50 });
  const background = generatePosts(Math.ceil(seconds * loadPerSec), 99);
  const latencies: number[] = [];
  const pending = new Map<string, number>();
  const started = performance.now();
  let sent = 0;
  let probe = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.min(background.length, Math.floor(((performance.now() - started) / 1000) * loadPerSec));
    if (due > sent) {
      await appendToLog(
        ctx,
        background.slice(sent, due).map((p) => ({
          workspaceId,
          connectorId: null,
          format: 'generic' as const,
          payload: JSON.stringify(p),
        })),
      );
      sent = due;
      worker.wake();
    }
    const externalId = `probe-${probe++}`;
    await appendToLog(ctx, [
      {
        workspaceId,
        connectorId: null,
        format: 'generic',
        payload: JSON.stringify({
          channel: 'bench',
          externalId,
          text: 'probe post',
          author: { externalId: 'p', handle: 'probe' },
        }),
      },
    ]);
    pending.set(externalId, performance.now());
    worker.wake();
    // Poll what the listening view reads (newest mentions of the workspace) for pending probes.
    for (let k = 0; k < 5 && pending.size > 0; k++) {
      await new Promise((r) => setTimeout(r, 10));
      const rows = await ctx.db
        .selectFrom('mentions')
        .select('external_id')
        .where('workspace_id', '=', workspaceId)
        .where('channel', '=', 'bench')
        .where('external_id', 'in', [...pending.keys()])
        .execute();
      for (const r of rows) {
        const at = pending.get(r.external_id);
        if (at !== undefined) latencies.push(performance.now() - at);
        pending.delete(r.external_id);
      }
    }
  }
  await worker.stop();
  return latencies;
}

/**
 * Every stored post exported as CSV through the download's stream (`GET /mentions/export`), read
 * as a client reads it: posts per second and the size of the file.
 */
async function exportAll(fresh: Fresh): Promise<{ perSec: number; bytes: number }> {
  const { ctx, workspaceId } = fresh;
  // A live database has planner statistics (autovacuum analyses it); this one was filled a moment
  // ago. Without them PostgreSQL reads every post below the cursor for each page, and sorts them.
  await sql`analyze`.execute(ctx.db);
  const rows = await ctx.db
    .selectFrom('mentions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  const started = performance.now();
  const reader = mentionExportStream(
    ctx,
    { userId: 'bench', workspaceId, role: 'owner', via: 'cli' },
    {},
    'csv',
  ).getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
  }
  return { perSec: Number(rows.n) / ((performance.now() - started) / 1000), bytes };
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const size = args.size ?? 200_000;
  const queries = args.queries ?? 100;
  const posts = generatePosts(size, 5);
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);

  const ceiling = await bulkInsertCeiling(args.engine, posts);
  const pipeline = await pipelineThroughput(args.engine, posts, queries);
  const latencies = await appendToVisible(pipeline.fresh, 15, 300);
  const exported = await exportAll(pipeline.fresh);
  await pipeline.fresh.drop();
  const firehose = await pipelineThroughput(args.engine, posts, queries, true);
  await firehose.fresh.drop();
  const filter = measureFilter(Math.min(size, 200_000), 500);
  clearInterval(sampler);

  return {
    bench: 'ingest',
    engine: args.engine,
    params: {
      items: size,
      queries,
      batch: 1000,
      latency_load_items_per_sec: 300,
      latency_probes: latencies.length,
    },
    machine: machine(),
    metrics: {
      items_per_sec: Math.round(pipeline.itemsPerSec),
      ceiling_items_per_sec: Math.round(ceiling),
      ratio: round(pipeline.itemsPerSec / ceiling, 2),
      log_append_items_per_sec: Math.round(pipeline.appendPerSec),
      filter_items_per_sec_per_core: filter.filter_items_per_sec_per_core,
      append_to_visible_ms_p50: round(percentile(latencies, 50)),
      append_to_visible_ms_p99: round(percentile(latencies, 99)),
      peak_rss_mb: Math.round(peakRss / 1024 / 1024),
      firehose_items_per_sec: Math.round(firehose.itemsPerSec),
      firehose_stored_share_ratio: round(firehose.stored / size, 3),
      export_csv_items_per_sec: Math.round(exported.perSec),
      export_csv_mb: round(exported.bytes / 1024 / 1024, 1),
    },
  };
}
