// `npm run bench -- transport [--engine sqlite|postgres] [--size N]`: what carrying the ingest log
// through NATS JetStream costs (docs/operations.md, Scaling out), against the NATS server at
// NATS_URL (default nats://127.0.0.1:4222, started with -js). The same generated posts go through
// the pipeline twice: appended to the database's log, and published to a fresh stream, relayed into
// the log and processed. The phases run one after the other here; in a deployment publishing,
// relaying and processing happen in different processes at once.
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import type { AppContext } from '../src/context.ts';
import { createContentPool } from '../src/pipeline/content-pool.ts';
import { createIngestTransport, relayToLog } from '../src/pipeline/nats-transport.ts';
import { processBatch } from '../src/pipeline/worker.ts';
import { appendPosts, freshDatabase } from './fresh-database.ts';
import { generatePosts } from './generate.ts';
import { type BenchArgs, type BenchResult, machine, round } from './lib.ts';

const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';

async function drain(ctx: AppContext) {
  const pool = createContentPool(ctx.log);
  while ((await processBatch(ctx, 1000, { pool })).claimed > 0) {
    // as the worker loop runs it
  }
  await pool.close();
}

async function mentionCount(ctx: AppContext): Promise<number> {
  const row = await ctx.db
    .selectFrom('mentions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const size = args.size ?? 50_000;
  const posts = generatePosts(size, 5);

  const local = await freshDatabase(args.engine, 'transportlocal');
  let t = performance.now();
  await appendPosts(local.ctx, local.workspaceId, posts);
  const localAppendMs = performance.now() - t;
  t = performance.now();
  await drain(local.ctx);
  const localDrainMs = performance.now() - t;
  if ((await mentionCount(local.ctx)) !== size) throw new Error('local run stored the wrong count');
  await local.drop();

  const stream = `RAPPORT_BENCH_${process.pid}_${Date.now()}`;
  const fresh = await freshDatabase(args.engine, 'transportnats');
  const transport = createIngestTransport({ url: natsUrl, stream, log: fresh.ctx.log });
  const ctx: AppContext = { ...fresh.ctx, ingest: transport };
  t = performance.now();
  await appendPosts(ctx, fresh.workspaceId, posts);
  const publishMs = performance.now() - t;
  t = performance.now();
  let relayed = 0;
  while (relayed < size) {
    const batch = await transport.take(1000, 1000);
    if (batch.length === 0) throw new Error(`the stream ran dry after ${relayed} of ${size}`);
    relayed += await relayToLog(ctx, transport, batch);
  }
  const relayMs = performance.now() - t;
  t = performance.now();
  await drain(ctx);
  const natsDrainMs = performance.now() - t;
  if ((await mentionCount(ctx)) !== size) throw new Error('NATS run stored the wrong count');
  await transport.close();
  await fresh.drop();
  const nc = await connect({ servers: natsUrl });
  await (await jetstreamManager(nc)).streams.delete(stream);
  await nc.close();

  const perSec = (ms: number) => Math.round(size / (ms / 1000));
  const localTotal = localAppendMs + localDrainMs;
  const natsTotal = publishMs + relayMs + natsDrainMs;
  return {
    bench: 'transport',
    engine: args.engine,
    params: { items: size, batch: 1000, nats_url: natsUrl },
    machine: machine(),
    metrics: {
      local_append_items_per_sec: perSec(localAppendMs),
      local_pipeline_items_per_sec: perSec(localTotal),
      publish_items_per_sec: perSec(publishMs),
      relay_items_per_sec: perSec(relayMs),
      nats_pipeline_items_per_sec: perSec(natsTotal),
      processing_local_items_per_sec: perSec(localDrainMs),
      processing_after_relay_items_per_sec: perSec(natsDrainMs),
      nats_over_local_ratio: round(natsTotal / localTotal, 2),
    },
  };
}
