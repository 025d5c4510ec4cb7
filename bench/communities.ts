import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { serve } from '@hono/node-server';
import { sql } from 'kysely';
import type { AppContext } from '../src/context.ts';
import type { CommunitySpaceKind, CommunityThreadKind } from '../src/db/schema.ts';
import { createApp } from '../src/http/app.ts';
import { newId } from '../src/ids.ts';
import { encodeCursor } from '../src/pagination.ts';
import { seededRandom } from '../src/random.ts';
import { DAY, insertAll } from './bulk-data.ts';
import { freshDatabase } from './fresh-database.ts';
import { type BenchArgs, type BenchResult, machine, percentile, round } from './lib.ts';

/**
 * `npm run bench -- communities [--engine sqlite|postgres] [--size N] [--queries N]`: the community
 * at scale. N posts (default 200,000) by 10,000 members in N/20 threads across 52 spaces, thread
 * lengths skewed (a few threads run to thousands of posts), read positions for every member, all
 * generated straight into the tables with bulk inserts (the full-text index is kept by its own
 * triggers / GIN index as in production). Then, over real HTTP on a loopback port (the app served
 * by @hono/node-server, requests with fetch), with the time of each request as the client sees it
 * (request sent to body read): the public thread page (server-rendered HTML, first and later
 * pages), a member's unread counts across 50 spaces (`GET /api/v1/community/unread`, member
 * session cookie) and ranked search (`GET /api/v1/community/search`, as a visitor).
 */

/** Posts span the year before this. */
const END = Date.UTC(2026, 10, 1);
const START = END - 365 * DAY;
const MEMBERS = 10_000;
const SPACES = 52;
/** Members whose unread counts are measured: active readers who joined half-way through the year. */
const READERS = 20;

const words = {
  topic: ['baggage', 'refund', 'delay', 'upgrade', 'lounge', 'wifi', 'seat', 'meal', 'boarding', 'miles'],
  place: ['lisbon', 'porto', 'berlin', 'paris', 'madrid', 'riga', 'split', 'helsinki', 'frankfurt', 'rome'],
  phrase: [
    'has anyone had the same problem',
    'thanks, that worked for me',
    'the crew was very helpful',
    'it took three weeks to sort out',
    'check the app before you go to the airport',
    'I asked at the desk and they said no',
    'same experience on my last trip',
    'you can change it in manage booking',
    'the rules changed last year',
    'worth every point in my opinion',
  ],
};

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

type Data = {
  spaceIds: string[];
  threads: { id: string; posts: number }[];
  readers: { memberId: string; token: string }[];
  readStates: number;
};

export async function generate(ctx: AppContext, workspaceId: string, size: number): Promise<Data> {
  const rnd = seededRandom(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const iso = (ms: number) => new Date(ms).toISOString();

  const memberIds: string[] = [];
  const memberRows = Array.from({ length: MEMBERS }, (_, i) => {
    const id = newId(new Date(START));
    memberIds.push(id);
    const joined = i < READERS ? START + 182 * DAY : START + Math.floor(rnd() * 300) * DAY;
    return {
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username: `member${i}`,
      display_name: `Member ${i}`,
      trust_level: Math.floor(rnd() * 4),
      created_at: iso(joined),
      email: `member${i}@bench.example.com`,
      email_verified_at: iso(joined),
    };
  });
  await insertAll(ctx, memberRows, 500, (trx, part) =>
    trx.insertInto('community_members').values(part).execute(),
  );

  const kinds = ['forum', 'forum', 'forum', 'qa', 'qa', 'ideas'] as const;
  const spaceIds: string[] = [];
  const spaceRows = Array.from({ length: SPACES }, (_, i) => {
    const id = newId(new Date(START));
    spaceIds.push(id);
    const kind: CommunitySpaceKind =
      i === 0 ? 'kb' : i === 1 ? 'announcements' : (kinds[i % kinds.length] ?? 'forum');
    return {
      id,
      workspace_id: workspaceId,
      slug: `space-${i}`,
      title: `Space ${i}`,
      description: `Generated ${kind} space`,
      kind,
      purpose: 'objective' as const,
      ends_at: null,
      closed_at: null,
      closed_reason: null,
      closed_by: null,
      created_by_member_id: null,
      created_by_user_id: null,
      created_at: iso(START),
      updated_at: iso(START),
      last_post_at: null,
    };
  });
  await ctx.db.insertInto('community_spaces').values(spaceRows).execute();

  // Every thread has its opening post; the rest of the posts go mostly to a few threads
  // (index = T × u², so thread i draws ∝ 1/√i): long threads of thousands of posts exist.
  const threadCount = Math.max(1, Math.floor(size / 20));
  const postsOf = new Int32Array(threadCount).fill(1);
  for (let k = threadCount; k < size; k++) {
    const t = Math.floor(threadCount * rnd() ** 2);
    postsOf[t] = (postsOf[t] ?? 0) + 1;
  }
  const threads: { id: string; posts: number }[] = [];
  const spaceStats = spaceIds.map(() => ({ threads: 0, posts: 0, last: 0 }));
  const threadKind: Record<CommunitySpaceKind, CommunityThreadKind> = {
    forum: 'discussion',
    qa: 'question',
    ideas: 'idea',
    kb: 'article',
    announcements: 'announcement',
  };
  const threadRows = [];
  const postRows: {
    workspace_id: string;
    thread_id: string;
    number: number;
    author_member_id: string;
    author_user_id: null;
    body_markdown: string;
    body_html: string;
    reply_to_number: null;
    created_at: string;
    edited_at: null;
    deleted_at: null;
    hidden_at: null;
  }[] = [];
  const lastAt = new Float64Array(threadCount);
  for (let t = 0; t < threadCount; t++) {
    const id = newId(new Date(START));
    const n = postsOf[t] ?? 1;
    const space = Math.floor(SPACES * rnd() ** 1.5);
    const opened = START + Math.floor(rnd() * 330 * DAY);
    // Replies over up to 35 days after the opening post, in order.
    const span = Math.min(END - opened, 35 * DAY);
    const times = Array.from({ length: n }, (_, k) => (k === 0 ? opened : opened + rnd() * span)).sort(
      (a, b) => a - b,
    );
    const title = `${pick(words.topic)} ${pick(words.place)}: ${pick(words.phrase)}`;
    for (let k = 0; k < n; k++) {
      const text = `${pick(words.phrase)} about the ${pick(words.topic)} in ${pick(words.place)}, ${pick(words.phrase)} (DA ${Math.floor(rnd() * 900) + 100})`;
      postRows.push({
        workspace_id: workspaceId,
        thread_id: id,
        number: k + 1,
        author_member_id: memberIds[Math.floor(MEMBERS * rnd() ** 2)] as string,
        author_user_id: null,
        body_markdown: text,
        body_html: `<p>${text}</p>`,
        reply_to_number: null,
        created_at: iso(times[k] ?? opened),
        edited_at: null,
        deleted_at: null,
        hidden_at: null,
      });
    }
    const last = times[n - 1] ?? opened;
    lastAt[t] = last;
    const s = spaceStats[space];
    if (s) {
      s.threads++;
      s.posts += n;
      s.last = Math.max(s.last, last);
    }
    const kind = spaceRows[space]?.kind ?? 'forum';
    threadRows.push({
      id,
      workspace_id: workspaceId,
      space_id: spaceIds[space] as string,
      title,
      author_member_id: postRows[postRows.length - n]?.author_member_id ?? null,
      author_user_id: null,
      kind: threadKind[kind],
      idea_status: kind === 'ideas' ? ('open' as const) : null,
      duplicate_of_thread_id: null,
      accepted_post_id: null,
      source_post_id: null,
      post_count: n,
      last_post_number: n,
      last_post_at: iso(last),
      created_at: iso(opened),
      updated_at: iso(last),
      deleted_at: null,
      hidden_at: null,
    });
    threads.push({ id, posts: n });
    // Insert as we go so the post rows do not all sit in memory at 1M.
    if (postRows.length >= 20_000 || t === threadCount - 1) {
      await insertAll(ctx, threadRows.splice(0), 200, (trx, part) =>
        trx.insertInto('community_threads').values(part).execute(),
      );
      await insertAll(ctx, postRows.splice(0), 500, (trx, part) =>
        trx.insertInto('community_posts').values(part).execute(),
      );
    }
  }
  for (const [i, s] of spaceStats.entries())
    await ctx.db
      .updateTable('community_spaces')
      .set({ thread_count: s.threads, post_count: s.posts, last_post_at: s.last ? iso(s.last) : null })
      .where('id', '=', spaceIds[i] as string)
      .execute();

  // Read positions: each member has opened ~15 threads; the measured readers ~1,500 each, most
  // read to the end, some part-way.
  const readRows: {
    workspace_id: string;
    member_id: string;
    thread_id: string;
    last_read_number: number;
    updated_at: string;
  }[] = [];
  for (let m = 0; m < MEMBERS; m++) {
    const opened = m < READERS ? 1500 : Math.floor(rnd() * 30);
    const seen = new Set<number>();
    for (let k = 0; k < opened; k++) {
      const t = Math.floor(threadCount * rnd() ** 1.5);
      if (seen.has(t)) continue;
      seen.add(t);
      const n = postsOf[t] ?? 1;
      readRows.push({
        workspace_id: workspaceId,
        member_id: memberIds[m] as string,
        thread_id: threads[t]?.id as string,
        last_read_number: rnd() < 0.7 ? n : 1 + Math.floor(rnd() * n),
        updated_at: iso(lastAt[t] ?? END),
      });
    }
  }
  await insertAll(ctx, readRows, 500, (trx, part) =>
    trx.insertInto('community_read_state').values(part).execute(),
  );

  // Member sessions for the readers, as the sign-in would leave them (without hashing passwords).
  const readers = Array.from({ length: READERS }, (_, i) => ({
    memberId: memberIds[i] as string,
    token: randomBytes(32).toString('base64url'),
  }));
  const now = new Date();
  await ctx.db
    .insertInto('community_member_sessions')
    .values(
      readers.map((r) => ({
        id: sha256(r.token),
        workspace_id: workspaceId,
        member_id: r.memberId,
        csrf_token: randomBytes(16).toString('base64url'),
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: new Date(now.getTime() + DAY).toISOString(),
        ip: null,
        user_agent: null,
      })),
    )
    .execute();
  return { spaceIds, threads, readers, readStates: readRows.length };
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const size = args.size ?? 200_000;
  const samples = args.queries ?? 200;
  const fresh = await freshDatabase(args.engine, 'communities');
  const { ctx, workspaceId } = fresh;
  const g0 = performance.now();
  const data = await generate(ctx, workspaceId, size);
  // Planner statistics (and on PostgreSQL the visibility map, which index-only scans need), as a
  // database that grew to this size has them; like the customers and inbox benches.
  await sql.raw(args.engine === 'postgres' ? 'vacuum analyze' : 'analyze').execute(ctx.db);
  const generateS = (performance.now() - g0) / 1000;

  const app = createApp(ctx);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const get = async (
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ ms: number; body: string }> => {
    const t0 = performance.now();
    const res = await fetch(`${base}${path}`, { headers });
    const body = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${body.slice(0, 300)}`);
    return { ms, body };
  };

  const rnd = seededRandom(5);
  const loadBefore = os.loadavg()[0] ?? 0;

  // Thread pages: half first pages of threads picked by activity (popular threads are read more),
  // half later pages of the long threads (20 posts a page, keyset cursor on the post number).
  const byLength = [...data.threads].sort((a, b) => b.posts - a.posts);
  const long = byLength.filter((t) => t.posts > 20).slice(0, 200);
  const pagePaths: string[] = [];
  for (let i = 0; i < samples; i++) {
    if (i % 2 === 0 || long.length === 0) {
      const t = data.threads[Math.floor(data.threads.length * rnd() ** 2)];
      pagePaths.push(`/community/bench/t/${t?.id}`);
    } else {
      const t = long[Math.floor(rnd() * long.length)] ?? long[0];
      const pages = Math.ceil((t?.posts ?? 1) / 20);
      const page = 1 + Math.floor(rnd() * (pages - 1));
      pagePaths.push(`/community/bench/t/${t?.id}?cursor=${encodeCursor(page * 20)}`);
    }
  }
  for (const p of pagePaths.slice(0, 10)) await get(p); // warm-up
  const pageMs: number[] = [];
  let pageBytes = 0;
  for (const p of pagePaths) {
    const { ms, body } = await get(p);
    pageMs.push(ms);
    pageBytes += body.length;
  }

  // Unread counts: each reader, across 50 spaces, with the member session cookie.
  const fifty = data.spaceIds.slice(0, 50).join(',');
  const unreadMs: number[] = [];
  let unreadThreads = 0;
  for (const r of data.readers)
    await get(`/api/v1/community/unread?spaceIds=${fifty}`, { cookie: `rapport_member=${r.token}` });
  for (let i = 0; i < samples; i++) {
    const r = data.readers[i % data.readers.length];
    if (!r) break;
    const { ms, body } = await get(`/api/v1/community/unread?spaceIds=${fifty}`, {
      cookie: `rapport_member=${r.token}`,
    });
    unreadMs.push(ms);
    if (i < data.readers.length)
      unreadThreads += (JSON.parse(body) as { unreadThreads: number }[]).reduce(
        (n, s) => n + s.unreadThreads,
        0,
      );
  }

  // Search as a visitor: one word (common and rare), two and three words, a flight number, a miss.
  const terms = [
    ...words.topic,
    ...words.place,
    'baggage lisbon',
    'refund porto',
    'crew helpful',
    'manage booking seat',
    'DA 512',
    'lounge helsinki points',
    'nothingmatcheshere',
  ];
  const searchMs: number[] = [];
  let searchHits = 0;
  for (const q of terms.slice(0, 5))
    await get(`/api/v1/community/search?community=bench&q=${encodeURIComponent(q)}`);
  for (let i = 0; i < samples; i++) {
    const q = terms[i % terms.length] ?? 'baggage';
    const { ms, body } = await get(
      `/api/v1/community/search?community=bench&q=${encodeURIComponent(q)}&limit=20`,
    );
    searchMs.push(ms);
    searchHits += (JSON.parse(body) as unknown[]).length;
  }
  const loadAfter = os.loadavg()[0] ?? 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fresh.drop();

  return {
    bench: 'communities',
    engine: args.engine,
    params: {
      posts: size,
      members: MEMBERS,
      spaces: SPACES,
      threads: data.threads.length,
      longest_thread_posts: byLength[0]?.posts ?? 0,
      read_states: data.readStates,
      samples_per_metric: samples,
      thread_page: 'GET /community/<ws>/t/<id>[?cursor=] public HTML, half later pages of long threads',
      timing: 'client-observed request time over HTTP on loopback (fetch → body read)',
      unread_spaces: 50,
      unread_threads_per_reader_avg: Math.round(unreadThreads / Math.max(1, data.readers.length)),
      search_hits_total: searchHits,
      page_kb_avg: round(pageBytes / pageMs.length / 1024),
      load_avg_1m_during_reads: `${round(loadBefore)}..${round(loadAfter)}`,
      generate_s: round(generateS),
    },
    machine: machine(),
    metrics: {
      thread_page_ms_p50: round(percentile(pageMs, 50)),
      thread_page_ms_p95: round(percentile(pageMs, 95)),
      unread_counts_ms_p50: round(percentile(unreadMs, 50)),
      unread_counts_ms_p95: round(percentile(unreadMs, 95)),
      search_ms_p50: round(percentile(searchMs, 50)),
      search_ms_p95: round(percentile(searchMs, 95)),
    },
  };
}
