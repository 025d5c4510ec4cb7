import { createRequire } from 'node:module';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { AppContext } from '../../context.ts';
import { tokenize } from '../analysis/tokenize.ts';
import { rebuildCustomerStatsQueued, scheduleCustomerStats } from './customer-stats.ts';

/**
 * Influence within the brand's own network (docs/influence.md): an interaction graph of the
 * authors a workspace has seen (A → B when A replies to or @mentions B), PageRank over it, and
 * a 0..100 score that combines PageRank with reach (followers), with the reasons for it.
 * Works at the author level; the customers module maps authors to customers.
 */

/** PageRank's damping factor. */
export const DAMPING = 0.85;
/** A score at or above this makes an author influential (and so a possible advocate or detractor). */
export const INFLUENTIAL_SCORE = 50;
/** Weights of in-network PageRank and reach in the score (they sum to 1). */
export const NETWORK_WEIGHT = 0.7;
export const REACH_WEIGHT = 0.3;
/** Followers at which reach is full: reach is log10(1 + followers) / log10(1 + this). */
export const FULL_REACH_FOLLOWERS = 1_000_000;
/** Advocates: at least this share of their mentions positive; detractors: this share negative. */
export const ADVOCATE_POSITIVE_SHARE = 0.6;
export const DETRACTOR_NEGATIVE_SHARE = 0.5;
/** A sentiment history needs at least this many mentions. */
export const MIN_MENTIONS_FOR_SENTIMENT = 2;
/** How often the scheduler recomputes every workspace. */
export const INFLUENCE_INTERVAL_MS = 15 * 60_000;

const PAGE = 20_000;
const WRITE_CHUNK = 1_000;

// ------------------------------------------------------------------------------------------
// Pure parts: handles, the graph, PageRank, scores and reasons.

export type AuthorRecord = { id: number; channel: string; handle: string; followers: number | null };

/** Resolves @handles written in posts to authors of the workspace. */
export type HandleIndex = { resolve(handle: string, channel: string): number | undefined };

/**
 * Indexes authors by lower-cased handle, and Mastodon-style `user@host` handles also by their
 * local part (posts often write `@user` for someone on the same server). A handle that names
 * several authors resolves to the one on the post's channel, and to nobody if still ambiguous.
 */
export function buildHandleIndex(authors: Iterable<AuthorRecord>): HandleIndex {
  const full = new Map<string, AuthorRecord[]>();
  const local = new Map<string, AuthorRecord[]>();
  const add = (map: Map<string, AuthorRecord[]>, key: string, a: AuthorRecord) => {
    const list = map.get(key);
    if (list) list.push(a);
    else map.set(key, [a]);
  };
  for (const a of authors) {
    const handle = a.handle.toLowerCase().replace(/^@/, '');
    add(full, handle, a);
    const at = handle.indexOf('@');
    if (at > 0) add(local, handle.slice(0, at), a);
  }
  const pick = (list: AuthorRecord[] | undefined, channel: string): number | undefined => {
    if (!list) return undefined;
    if (list.length === 1) return list[0]?.id;
    const same = list.filter((a) => a.channel === channel);
    return same.length === 1 ? same[0]?.id : undefined;
  };
  return {
    resolve: (handle, channel) => pick(full.get(handle), channel) ?? pick(local.get(handle), channel),
  };
}

/**
 * The handles a text @mentions, from the shared tokenizer's mention tokens. The tokenizer reads
 * `@user@host` (Mastodon) as two mentions, `user` and `host`; two adjacent mention tokens are
 * therefore also offered joined, first, as `user@host`.
 */
export function mentionedHandles(text: string): string[][] {
  const tokens = tokenize(text);
  const out: string[][] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== 'mention') continue;
    const next = tokens[i + 1];
    if (next?.kind === 'mention' && text.includes(`${t.raw}${next.raw}`)) {
      out.push([`${t.norm}@${next.norm}`, t.norm]);
      i++;
    } else {
      out.push([t.norm]);
    }
  }
  return out;
}

/** One stored mention as the graph reads it. */
export type MentionRecord = {
  authorId: number;
  channel: string;
  /** The author of the mention this one replies to, when it is stored in the workspace. */
  parentAuthorId: number | null;
  /** Null when the text holds no `@` (it then names nobody). */
  text: string | null;
  sentiment: string | null;
};

export type AuthorActivity = { positive: number; negative: number; mentions: number };

/** The graph as parallel arrays: node i is author `ids[i]`; edge e goes `sources[e]` → `targets[e]`. */
export type InteractionGraph = {
  ids: number[];
  authors: Map<number, AuthorRecord & AuthorActivity>;
  sources: Int32Array;
  targets: Int32Array;
  weights: Float64Array;
  /** Distinct authors who interact with node i, and whom node i interacts with. */
  inDegree: Int32Array;
  outDegree: Int32Array;
};

/**
 * Builds the interaction graph page by page: every author is a node; a mention adds 1 to the
 * edge from its author to each distinct other author it replies to or @mentions (a reply that
 * also @mentions the parent's author counts once). Self-interactions are ignored.
 */
export function createGraphBuilder(authors: Iterable<AuthorRecord>) {
  const byId = new Map<number, AuthorRecord & AuthorActivity>();
  // Dense indexes make an edge a number (source × n + target): interactions are counted in a Map
  // of numbers, and each distinct pair is added to the graph once, rather than updating a graph
  // edge (string keys, attribute objects) per interaction. Exact while n² < 2^53 (94M authors).
  const indexOf = new Map<number, number>();
  const list: AuthorRecord[] = [];
  for (const a of authors) {
    if (byId.has(a.id)) continue;
    byId.set(a.id, { ...a, positive: 0, negative: 0, mentions: 0 });
    indexOf.set(a.id, list.length);
    list.push(a);
  }
  const n = list.length;
  const handles = buildHandleIndex(list);
  const weights = new Map<number, number>();
  // A post names few people: a reused array is cheaper than a Set cleared per post.
  const targets: number[] = [];
  return {
    add(mentions: Iterable<MentionRecord>): void {
      for (const m of mentions) {
        const author = byId.get(m.authorId);
        const source = indexOf.get(m.authorId);
        // Written after the authors were read: counted at the next recompute.
        if (!author || source === undefined) continue;
        author.mentions++;
        if (m.sentiment === 'positive') author.positive++;
        else if (m.sentiment === 'negative') author.negative++;
        targets.length = 0;
        if (m.parentAuthorId !== null) targets.push(m.parentAuthorId);
        if (m.text !== null) {
          for (const candidates of mentionedHandles(m.text)) {
            for (const handle of candidates) {
              const id = handles.resolve(handle, m.channel);
              if (id !== undefined) {
                if (!targets.includes(id)) targets.push(id);
                break;
              }
            }
          }
        }
        for (const target of targets) {
          const t = indexOf.get(target);
          if (t === undefined || t === source) continue;
          const key = source * n + t;
          weights.set(key, (weights.get(key) ?? 0) + 1);
        }
      }
    },
    finish(): InteractionGraph {
      const size = weights.size;
      const g: InteractionGraph = {
        ids: list.map((a) => a.id),
        authors: byId,
        sources: new Int32Array(size),
        targets: new Int32Array(size),
        weights: new Float64Array(size),
        inDegree: new Int32Array(n),
        outDegree: new Int32Array(n),
      };
      let e = 0;
      for (const [edge, weight] of weights) {
        const source = Math.floor(edge / n);
        const target = edge % n;
        g.sources[e] = source;
        g.targets[e] = target;
        g.weights[e] = weight;
        g.inDegree[target] = (g.inDegree[target] ?? 0) + 1;
        g.outDegree[source] = (g.outDegree[source] ?? 0) + 1;
        e++;
      }
      return g;
    },
  };
}

/** The edges as `[source author id, target author id, weight]`, for reading and tests. */
export function edgesOf(g: InteractionGraph): [number, number, number][] {
  return Array.from(g.sources, (source, e) => [
    g.ids[source] ?? -1,
    g.ids[g.targets[e] ?? -1] ?? -1,
    g.weights[e] ?? 0,
  ]);
}

// PageRank runs in a worker thread: at a million mentions it is seconds of synchronous work that
// would otherwise stall the HTTP server sharing the process. Plain CommonJS evaluated in the
// thread (as in src/db/heavy-read.ts), so it runs the same from src/ (tsx) and dist/.
const PAGERANK_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { DirectedGraph } = require(workerData.graphology);
const pagerank = require(workerData.pagerank);
const { n, sources, targets, weights, alpha, maxIterations } = workerData;
const graph = new DirectedGraph();
for (let i = 0; i < n; i++) graph.addNode(String(i));
for (let e = 0; e < sources.length; e++) {
  graph.addDirectedEdge(String(sources[e]), String(targets[e]), { weight: weights[e] });
}
const ranks = pagerank(graph, { getEdgeWeight: 'weight', alpha, maxIterations });
const out = new Float64Array(n);
for (let i = 0; i < n; i++) out[i] = ranks[String(i)];
parentPort.postMessage(out, [out.buffer]);
`;

/**
 * Weighted PageRank (graphology-metrics, damping 0.85) of every node, by node index, computed
 * in a worker thread.
 */
export function pagerankOf(g: InteractionGraph, signal?: AbortSignal): Promise<Float64Array> {
  const n = g.ids.length;
  if (n === 0) return Promise.resolve(new Float64Array(0));
  signal?.throwIfAborted();
  const require = createRequire(import.meta.url);
  return new Promise<Float64Array>((resolve, reject) => {
    const worker = new Worker(PAGERANK_WORKER, {
      eval: true,
      workerData: {
        graphology: require.resolve('graphology'),
        pagerank: require.resolve('graphology-metrics/centrality/pagerank.js'),
        n,
        sources: g.sources,
        targets: g.targets,
        weights: g.weights,
        alpha: DAMPING,
        maxIterations: 200,
      },
    });
    let settled = false;
    worker.once('message', (ranks: Float64Array) => {
      settled = true;
      resolve(ranks);
      void worker.terminate();
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`PageRank worker exited with code ${code}`));
    });
    // Stopping the server should not wait seconds for a rank nobody will write.
    signal?.addEventListener(
      'abort',
      () => {
        if (settled) return;
        settled = true;
        reject(signal.reason);
        void worker.terminate();
      },
      { once: true },
    );
  });
}

export type InfluenceRow = {
  authorId: number;
  score: number;
  pagerank: number;
  inDegree: number;
  outDegree: number;
  followers: number | null;
  positive: number;
  negative: number;
  mentions: number;
  reasons: string[];
};

/** 48200 → "48k", 1870 → "1.9k", 1500000 → "1.5M". */
export function formatCount(n: number): string {
  const short = (v: number, unit: string) => `${v < 10 ? Math.round(v * 10) / 10 : Math.round(v)}${unit}`;
  if (n >= 1_000_000) return short(n / 1_000_000, 'M');
  if (n >= 1_000) return short(n / 1_000, 'k');
  return String(n);
}

/** "top 2%", "top 0.3%": the share of authors ranked at or above this one, rounded up. */
function topShare(rank: number, total: number): string {
  const pct = (rank / total) * 100;
  return pct < 1 ? `${Math.max(0.1, Math.ceil(pct * 10) / 10)}%` : `${Math.ceil(pct)}%`;
}

/**
 * Scores every author of the graph: 0..100 = 100 × (0.7 × network + 0.3 × reach), where network
 * is PageRank normalised on a log scale between the workspace's lowest (an author nobody
 * interacts with) and highest PageRank, and reach is log-scaled followers (full at 1M).
 */
export function scoreAuthors(g: InteractionGraph, ranks: Float64Array): InfluenceRow[] {
  const n = g.ids.length;
  if (n === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const pr of ranks) {
    if (pr < min) min = pr;
    if (pr > max) max = pr;
  }
  const span = min > 0 && max > min * (1 + 1e-9) ? Math.log(max / min) : 0;
  // Ranks with ties sharing the best place.
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (ranks[y] ?? 0) - (ranks[x] ?? 0));
  const rankOf = new Int32Array(n);
  let place = 1;
  let last = Number.NaN;
  order.forEach((index, position) => {
    const pr = ranks[index] ?? 0;
    if (!(Math.abs(pr - last) <= last * 1e-9)) {
      place = position + 1;
      last = pr;
    }
    rankOf[index] = place;
  });
  const fullReach = Math.log10(1 + FULL_REACH_FOLLOWERS);
  const rows: InfluenceRow[] = [];
  for (let i = 0; i < n; i++) {
    const a = g.authors.get(g.ids[i] ?? -1);
    if (!a) continue;
    const pr = ranks[i] ?? 0;
    const inDegree = g.inDegree[i] ?? 0;
    const network = span > 0 ? Math.min(1, Math.max(0, Math.log(pr / min) / span)) : 0;
    const reach = a.followers && a.followers > 0 ? Math.min(1, Math.log10(1 + a.followers) / fullReach) : 0;
    const score = Math.round(100 * (NETWORK_WEIGHT * network + REACH_WEIGHT * reach));
    const reasons: string[] = [];
    if (inDegree > 0) {
      reasons.push(
        `replied to or mentioned by ${inDegree} ${inDegree === 1 ? 'person' : 'people'} in your network`,
      );
      const rank = rankOf[i] ?? n;
      if (rank / n <= 0.25) reasons.push(`PageRank top ${topShare(rank, n)}`);
    } else {
      reasons.push('no replies or mentions from your network yet');
    }
    if (a.followers !== null && a.followers >= 1000) {
      reasons.push(`${formatCount(a.followers)} followers on ${a.channel}`);
    }
    rows.push({
      authorId: a.id,
      score,
      pagerank: pr,
      inDegree,
      outDegree: g.outDegree[i] ?? 0,
      followers: a.followers,
      positive: a.positive,
      negative: a.negative,
      mentions: a.mentions,
      reasons,
    });
  }
  return rows;
}

export type RankKind = 'influencers' | 'advocates' | 'detractors';

/**
 * Advocate (influential, ≥ 60% of at least 2 mentions positive), detractor (influential, ≥ 50%
 * of at least 2 mentions negative), or neither; with the reason ("influence 82, 5 of 6 mentions
 * positive").
 */
export function classifyAuthor(
  row: Pick<InfluenceRow, 'score' | 'positive' | 'negative' | 'mentions'>,
): { kind: 'advocate' | 'detractor'; reason: string } | null {
  if (row.score < INFLUENTIAL_SCORE || row.mentions < MIN_MENTIONS_FOR_SENTIMENT) return null;
  // Shares compared in integers (× 10), as in `rankAuthors`'s SQL, so both agree exactly.
  if (row.positive * 10 >= Math.round(ADVOCATE_POSITIVE_SHARE * 10) * row.mentions) {
    return {
      kind: 'advocate',
      reason: `influence ${row.score}, ${row.positive} of ${row.mentions} mentions positive`,
    };
  }
  if (row.negative * 10 >= Math.round(DETRACTOR_NEGATIVE_SHARE * 10) * row.mentions) {
    return {
      kind: 'detractor',
      reason: `influence ${row.score}, ${row.negative} of ${row.mentions} mentions negative`,
    };
  }
  return null;
}

// ------------------------------------------------------------------------------------------
// Reading the workspace, recomputing, and the queries the customers API uses.

async function readAuthors(
  ctx: AppContext,
  workspaceId: string,
  signal?: AbortSignal,
): Promise<AuthorRecord[]> {
  const out: AuthorRecord[] = [];
  let cursor = 0;
  for (;;) {
    signal?.throwIfAborted();
    const rows = await ctx.heavy.all(
      ctx.db
        .selectFrom('authors')
        .select(['id', 'channel', 'handle', 'followers'])
        .where('workspace_id', '=', workspaceId)
        .where('id', '>', cursor)
        .orderBy('id')
        .limit(PAGE),
    );
    for (const r of rows)
      out.push({
        id: Number(r.id),
        channel: r.channel,
        handle: r.handle,
        followers: r.followers === null ? null : Number(r.followers),
      });
    const lastRow = rows.at(-1);
    if (rows.length < PAGE || !lastRow) return out;
    cursor = Number(lastRow.id);
  }
}

type MentionPageRow = {
  id: number;
  author_id: number | null;
  channel: string;
  sentiment: string | null;
  parent_author_id: number | null;
  text: string | null;
};

/** One keyset page (by id) of a workspace's live mentions, with the author each one replies to. */
function mentionPage(ctx: AppContext, workspaceId: string, after: number) {
  return ctx.db
    .selectFrom('mentions as m')
    .leftJoin('mentions as p', (join) =>
      join
        .onRef('p.workspace_id', '=', 'm.workspace_id')
        .onRef('p.channel', '=', 'm.channel')
        .onRef('p.external_id', '=', 'm.reply_to'),
    )
    .select((eb) => [
      'm.id as id',
      'm.author_id as author_id',
      'm.channel as channel',
      'm.sentiment as sentiment',
      'p.author_id as parent_author_id',
      // Only texts that can @mention someone cross the thread boundary.
      eb.case().when('m.text', 'like', '%@%').then(eb.ref('m.text')).else(null).end().as('text'),
    ])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.id', '>', after)
    .where('m.deleted_at', 'is', null)
    .where('m.author_id', 'is not', null)
    .orderBy('m.id')
    .limit(PAGE);
}

/** Reads a workspace's authors and mentions (keyset pages, off the event loop on SQLite) into its graph. */
export async function loadInteractionGraph(
  ctx: AppContext,
  workspaceId: string,
  signal?: AbortSignal,
): Promise<InteractionGraph> {
  const builder = createGraphBuilder(await readAuthors(ctx, workspaceId, signal));
  // The next page is read (in the heavy-read thread on SQLite) while this one becomes edges.
  let next: Promise<MentionPageRow[]> | undefined = ctx.heavy.all(mentionPage(ctx, workspaceId, 0));
  while (next) {
    const rows: MentionPageRow[] = await next;
    signal?.throwIfAborted();
    const lastRow = rows.at(-1);
    next =
      rows.length < PAGE || !lastRow
        ? undefined
        : ctx.heavy.all(mentionPage(ctx, workspaceId, Number(lastRow.id)));
    builder.add(
      rows.map((r) => ({
        authorId: Number(r.author_id),
        channel: r.channel,
        parentAuthorId: r.parent_author_id === null ? null : Number(r.parent_author_id),
        text: r.text,
        sentiment: r.sentiment,
      })),
    );
    // A page already read arrives as a settled promise: give waiting requests their turn.
    await yieldToEventLoop();
  }
  return builder.finish();
}

export type InfluenceRecompute = {
  authors: number;
  edges: number;
  graphBuildMs: number;
  pagerankMs: number;
  writeMs: number;
};

const inFlight = new WeakMap<object, Map<string, Promise<InfluenceRecompute>>>();

/**
 * Recomputes the influence of every author of a workspace and replaces the workspace's
 * `author_influence` rows in one transaction. A recompute already running in this process for
 * the workspace is joined rather than started twice.
 */
export function recomputeInfluence(
  ctx: AppContext,
  workspaceId: string,
  options: { signal?: AbortSignal } = {},
): Promise<InfluenceRecompute> {
  let running = inFlight.get(ctx.db);
  if (!running) {
    running = new Map();
    inFlight.set(ctx.db, running);
  }
  const current = running.get(workspaceId);
  if (current) return current;
  const started = recompute(ctx, workspaceId, options.signal).finally(() => running.delete(workspaceId));
  running.set(workspaceId, started);
  return started;
}

async function recompute(
  ctx: AppContext,
  workspaceId: string,
  signal: AbortSignal | undefined,
): Promise<InfluenceRecompute> {
  const t0 = performance.now();
  const g = await loadInteractionGraph(ctx, workspaceId, signal);
  const t1 = performance.now();
  const rows = scoreAuthors(g, await pagerankOf(g, signal));
  const t2 = performance.now();
  signal?.throwIfAborted();
  const computedAt = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('author_influence').where('workspace_id', '=', workspaceId).execute();
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      // better-sqlite3 runs each insert synchronously: let other callbacks in between chunks.
      if (i > 0) await yieldToEventLoop();
      await trx
        .insertInto('author_influence')
        .values(
          rows.slice(i, i + WRITE_CHUNK).map((r) => ({
            workspace_id: workspaceId,
            author_id: r.authorId,
            score: r.score,
            pagerank: r.pagerank,
            in_degree: r.inDegree,
            out_degree: r.outDegree,
            followers: r.followers,
            positive: r.positive,
            negative: r.negative,
            mentions: r.mentions,
            reasons: ctx.dialect.toJson(r.reasons),
            computed_at: computedAt,
          })),
        )
        // Another process recomputing the same workspace at the same moment: the later one wins.
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'author_id']).doUpdateSet((eb) => ({
            score: eb.ref('excluded.score'),
            pagerank: eb.ref('excluded.pagerank'),
            in_degree: eb.ref('excluded.in_degree'),
            out_degree: eb.ref('excluded.out_degree'),
            followers: eb.ref('excluded.followers'),
            positive: eb.ref('excluded.positive'),
            negative: eb.ref('excluded.negative'),
            mentions: eb.ref('excluded.mentions'),
            reasons: eb.ref('excluded.reasons'),
            computed_at: eb.ref('excluded.computed_at'),
          })),
        )
        .execute();
    }
  });
  const t3 = performance.now();
  return {
    authors: rows.length,
    edges: g.sources.length,
    graphBuildMs: t1 - t0,
    pagerankMs: t2 - t1,
    writeMs: t3 - t2,
  };
}

/** Recomputes every workspace in turn (the scheduler's job). */
export async function recomputeAllInfluence(ctx: AppContext, signal?: AbortSignal): Promise<void> {
  const workspaces = await ctx.db.selectFrom('workspaces').select('id').orderBy('id').execute();
  for (const ws of workspaces) {
    signal?.throwIfAborted();
    const started = performance.now();
    const result = await recomputeInfluence(ctx, ws.id, signal ? { signal } : {});
    ctx.log.info(
      {
        workspaceId: ws.id,
        authors: result.authors,
        edges: result.edges,
        ms: Math.round(performance.now() - started),
      },
      'influence recomputed',
    );
    // Influence feeds customer_stats.influence; the full rebuild also catches edited and deleted mentions.
    const rebuilt = await rebuildCustomerStatsQueued(ctx, ws.id, signal);
    ctx.log.info({ workspaceId: ws.id, customers: rebuilt.customers }, 'customer stats rebuilt');
  }
}

/**
 * Runs `recomputeAllInfluence` every 15 minutes (first a minute after start), never two at a
 * time; `stop()` abandons a run in progress (at its next page) and waits for it to end.
 */
export function scheduleInfluenceRecompute(
  ctx: AppContext,
  intervalMs = INFLUENCE_INTERVAL_MS,
  firstAfterMs = 60_000,
): { stop(): Promise<void> } {
  const abort = new AbortController();
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running || abort.signal.aborted) return;
    running = recomputeAllInfluence(ctx, abort.signal)
      .catch((err) => {
        if (!abort.signal.aborted) ctx.log.error({ err }, 'influence recompute failed');
      })
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(tick, firstAfterMs).unref();
  const every = setInterval(tick, intervalMs).unref();
  // Segments' statistics ride along: new mentions every 30 s, a full rebuild after each recompute.
  const stats = scheduleCustomerStats(ctx);
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      abort.abort();
      await Promise.all([running, stats.stop()]);
    },
  };
}

export type AuthorInfluence = { score: number; pagerank: number; reasons: string[] };

/** The stored influence of the given authors of a workspace (authors never computed are absent). */
export async function influenceByAuthor(
  ctx: AppContext,
  workspaceId: string,
  authorIds: readonly number[],
): Promise<Map<number, AuthorInfluence>> {
  const out = new Map<number, AuthorInfluence>();
  const ids = [...new Set(authorIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.db
      .selectFrom('author_influence')
      .select(['author_id', 'score', 'pagerank', 'reasons'])
      .where('workspace_id', '=', workspaceId)
      .where('author_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      out.set(Number(r.author_id), {
        score: Number(r.score),
        pagerank: Number(r.pagerank),
        reasons: ctx.dialect.parseJson<string[]>(r.reasons),
      });
    }
  }
  return out;
}

export type RankedAuthor = { authorId: number; score: number; pagerank: number; reasons: string[] };

/**
 * The workspace's most influential authors, or its advocates or detractors (see
 * `classifyAuthor`), highest score first; advocates and detractors lead with the reason they are.
 */
export async function rankAuthors(
  ctx: AppContext,
  workspaceId: string,
  kind: RankKind,
  limit: number,
): Promise<RankedAuthor[]> {
  const n = Math.max(1, Math.min(500, Math.floor(limit)));
  let query = ctx.db
    .selectFrom('author_influence')
    .select(['author_id', 'score', 'pagerank', 'reasons', 'positive', 'negative', 'mentions'])
    .where('workspace_id', '=', workspaceId);
  if (kind !== 'influencers') {
    query = query.where('score', '>=', INFLUENTIAL_SCORE).where('mentions', '>=', MIN_MENTIONS_FOR_SENTIMENT);
    // Shares compared in integers (× 10) so both engines agree exactly.
    query =
      kind === 'advocates'
        ? query.where((eb) =>
            eb(eb('positive', '*', 10), '>=', eb('mentions', '*', Math.round(ADVOCATE_POSITIVE_SHARE * 10))),
          )
        : query.where((eb) =>
            eb(eb('negative', '*', 10), '>=', eb('mentions', '*', Math.round(DETRACTOR_NEGATIVE_SHARE * 10))),
          );
  }
  const rows = await query
    .orderBy('score', 'desc')
    .orderBy('pagerank', 'desc')
    .orderBy('author_id')
    .limit(n)
    .execute();
  return rows.map((r) => {
    const reasons = ctx.dialect.parseJson<string[]>(r.reasons);
    const stats = {
      score: Number(r.score),
      positive: Number(r.positive),
      negative: Number(r.negative),
      mentions: Number(r.mentions),
    };
    const label = kind === 'influencers' ? null : classifyAuthor(stats);
    return {
      authorId: Number(r.author_id),
      score: stats.score,
      pagerank: Number(r.pagerank),
      reasons: label ? [label.reason, ...reasons] : reasons,
    };
  });
}
