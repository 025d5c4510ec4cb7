import type { Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildUser, buildWorkspace } from '../../test/factories.ts';
import type { DB } from '../db/schema.ts';
import { createTopic, workspaceAnalyzers } from '../modules/analysis/service.ts';
import { workspaceQuerySet } from '../modules/listening/queries-cache.ts';
import { createQuery } from '../modules/listening/service.ts';
import { contentOf } from './content.ts';
import { type ContentPool, createContentPool } from './content-pool.ts';
import { type GenericPost, normalize } from './formats.ts';
import { appendToLog } from './ingest-log.ts';
import { processBatch } from './worker.ts';

const t = setupTestDatabase();
let pool: ContentPool;
beforeAll(() => {
  pool = createContentPool(t.ctx.log);
});
afterAll(() => pool.close());

const texts = [
  'My Acme router keeps dropping the connection, third time this week. Refund please!',
  '¿Dónde está mi pedido de Acme? Llevo dos semanas esperando',
  'Love the new acme app, the dark mode is gorgeous',
  'thinking about switching from acme to globex, anyone tried both?',
  'buy cheap followers now http://spam.example',
  'Acme support answered in 5 minutes, impressive',
  'how do I reset my acme password?',
];

const post = (i: number): GenericPost => ({
  channel: i % 2 ? 'bluesky' : 'mastodon',
  externalId: `p-${i}`,
  text: texts[i % texts.length] as string,
  createdAt: new Date(Date.UTC(2026, 10, 20, 10, i)).toISOString(),
  author: { externalId: `u-${i % 4}`, handle: `user${i % 4}`, followers: i * 1000 },
  ...(i % 5 === 4 ? { replyTo: 'p-0' } : {}),
});

async function workspaceWithAnalyzers() {
  const ws = await buildWorkspace(t.ctx);
  const manager = await buildUser(t.ctx, ws, { role: 'manager' });
  await createQuery(t.ctx, manager.actor, { name: 'brand', query: 'acme OR globex', enabled: true });
  await createQuery(t.ctx, manager.actor, { name: 'refunds', query: 'refund* AND lang:en', enabled: true });
  await createTopic(t.ctx, manager.actor, {
    name: 'Connectivity',
    keywords: ['router', 'connection'],
    examples: [],
    enabled: true,
  });
  return { ws, manager };
}

/** What a batch hands the prefetch: the workspace's query and analyzer sources, read in its transaction. */
const sourcesIn = (trx: Transaction<DB>) => async (workspaceId: string) => ({
  analyzers: (await workspaceAnalyzers(t.ctx, trx, workspaceId)).sources,
  queries: (await workspaceQuerySet(t.ctx, trx, workspaceId)).sources,
});

async function append(workspaceId: string, payloads: unknown[]) {
  await appendToLog(
    t.ctx,
    payloads.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: typeof p === 'string' ? p : JSON.stringify(p),
    })),
  );
}

/** What the pipeline stored for a workspace, with queries and topics by name so two workspaces compare. */
async function stored(workspaceId: string) {
  const topics = await t.ctx.db
    .selectFrom('topics')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const byName = (text: string | null) =>
    topics.reduce<string | null>((s, topic) => s?.replaceAll(topic.id, `topic ${topic.name}`) ?? null, text);
  const rows = await t.ctx.db
    .selectFrom('mentions')
    .select(['id', 'external_id', 'language', 'sentiment', 'intents', 'topics', 'urgency', 'analysis'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('external_id')
    .execute();
  const links = await t.ctx.db
    .selectFrom('mention_queries')
    .innerJoin('listening_queries', 'listening_queries.id', 'mention_queries.query_id')
    .select(['mention_queries.mention_id', 'listening_queries.name'])
    .where('mention_queries.workspace_id', '=', workspaceId)
    .execute();
  return rows.map(({ id, ...r }) => ({
    ...r,
    topics: byName(r.topics),
    analysis: byName(String(r.analysis)),
    queries: links
      .filter((l) => Number(l.mention_id) === Number(id))
      .map((l) => l.name)
      .sort(),
  }));
}

async function quarantined(workspaceId: string) {
  return t.ctx.db
    .selectFrom('quarantine')
    .select(['stage', 'reason'])
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/** The pool, counting the entries the thread had worked out when a batch asked. */
function counting(of: () => ContentPool) {
  const seen = { worked: 0 };
  const counted: ContentPool = {
    prefetch: (...args) => of().prefetch(...args),
    take: async (ids) => {
      const found = await of().take(ids);
      seen.worked += found.size;
      return found;
    },
    close: () => of().close(),
  };
  return { pool: counted, seen };
}

describe('the pipeline content thread', () => {
  it('works out on its own thread exactly what the batch would (normalisation, analysis with topics, matching)', async () => {
    const { ws } = await workspaceWithAnalyzers();
    await append(ws.id, [...texts.keys()].map(post));
    const rows = await t.ctx.db
      .selectFrom('ingest_log')
      .selectAll()
      .where('workspace_id', '=', ws.id)
      .orderBy('id')
      .execute();
    await t.ctx.db
      .transaction()
      .execute((trx) => pool.prefetch(t.ctx, trx, Number(rows[0]?.id) - 1, 100, sourcesIn(trx)));
    const ahead = await pool.take(rows.map((r) => Number(r.id)));
    expect(ahead.size).toBe(rows.length);
    const analyzers = await workspaceAnalyzers(t.ctx, t.ctx.db, ws.id);
    const queries = await workspaceQuerySet(t.ctx, t.ctx.db, ws.id);
    for (const row of rows) {
      const event = normalize(row.format, row.payload, row.received_at);
      if (event.kind !== 'upsert') throw new Error('expected posts');
      const inline = contentOf(event, analyzers.analyzers, queries.set);
      expect(ahead.get(Number(row.id))?.content).toEqual({ kind: 'event', event, outcome: inline });
    }
    // The topic and the queries really were applied on the thread.
    const first = ahead.get(Number(rows[0]?.id))?.content;
    expect(first?.kind === 'event' && first.outcome?.ok && first.outcome.content.topics[0]?.name).toBe(
      'Connectivity',
    );
    expect(first?.kind === 'event' && first.outcome?.ok && first.outcome.queryIds.length).toBe(2);
    while ((await processBatch(t.ctx, 100)).claimed > 0) {
      // leave the log empty for the next test
    }
  });

  it('stores the same mentions and quarantines the same items with the thread as without it', async () => {
    const payloads = [
      ...Array.from({ length: 33 }, (_, i) => post(i)),
      '{"channel": "webhook"',
      { channel: 'bluesky', externalId: 'p-3', deleted: true },
      post(1),
    ];
    const withThread = await workspaceWithAnalyzers();
    await append(withThread.ws.id, payloads);
    const threaded = counting(() => pool);
    while ((await processBatch(t.ctx, 10, { pool: threaded.pool })).claimed > 0) {
      // full batches of 10: each sends the next 10 to the thread
    }
    // Batches 2 to 4 (26 entries) were worked out on the thread.
    expect(threaded.seen.worked).toBe(26);
    const without = await workspaceWithAnalyzers();
    await append(without.ws.id, payloads);
    while ((await processBatch(t.ctx, 10)).claimed > 0) {
      // the same items, worked out in each batch
    }
    const a = await stored(withThread.ws.id);
    expect(a).toHaveLength(33);
    expect(a.some((m) => m.queries.includes('refunds'))).toBe(true);
    expect(a).toEqual(await stored(without.ws.id));
    expect(await quarantined(withThread.ws.id)).toEqual(await quarantined(without.ws.id));
    expect(await quarantined(withThread.ws.id)).toHaveLength(1);
  });

  it('does not use what the thread worked out once a listening query has changed since', async () => {
    const { ws, manager } = await workspaceWithAnalyzers();
    await append(
      ws.id,
      Array.from({ length: 20 }, (_, i) => ({ ...post(i), externalId: `q-${i}`, text: `initech ${i}` })),
    );
    // The first batch sends the second to the thread, with the queries of that moment.
    const threaded = counting(() => pool);
    expect((await processBatch(t.ctx, 10, { pool: threaded.pool })).claimed).toBe(10);
    await createQuery(t.ctx, manager.actor, { name: 'initech', query: 'initech', enabled: true });
    while ((await processBatch(t.ctx, 10, { pool: threaded.pool })).claimed > 0) {
      // drain
    }
    expect(threaded.seen.worked).toBe(10);
    const second = (await stored(ws.id)).filter((m) => Number(m.external_id.slice(2)) >= 10);
    expect(second).toHaveLength(10);
    for (const m of second) expect(m.queries).toEqual(['initech']);
  });

  it('leaves the work to the batch when the thread is gone', async () => {
    const { ws } = await workspaceWithAnalyzers();
    const gone = createContentPool(t.ctx.log);
    await append(ws.id, [...texts.keys()].map(post));
    const rows = await t.ctx.db
      .selectFrom('ingest_log')
      .select('id')
      .where('workspace_id', '=', ws.id)
      .orderBy('id')
      .execute();
    await t.ctx.db
      .transaction()
      .execute((trx) => gone.prefetch(t.ctx, trx, Number(rows[0]?.id) - 1, 100, sourcesIn(trx)));
    await gone.close();
    expect((await gone.take(rows.map((r) => Number(r.id)))).size).toBe(0);
    while ((await processBatch(t.ctx, 100, { pool: gone })).claimed > 0) {
      // the batch does the work itself
    }
    expect(await stored(ws.id)).toHaveLength(texts.length);
  });
});
