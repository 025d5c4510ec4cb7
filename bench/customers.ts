import os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type Insertable, sql } from 'kysely';
import type { AppContext } from '../src/context.ts';
import type {
  AuthorsTable,
  CustomerEventsTable,
  CustomersTable,
  CustomerTransactionsTable,
  IdentitiesTable,
} from '../src/db/schema.ts';
import { createApp } from '../src/http/app.ts';
import { newId } from '../src/ids.ts';
import { analyzeText } from '../src/modules/analysis/service.ts';
import { createApiToken, provisionUser } from '../src/modules/auth/service.ts';
import { rebuildCustomerStats } from '../src/modules/customers/customer-stats.ts';
import { rankAuthors, recomputeInfluence } from '../src/modules/customers/influence.ts';
import { handleKey } from '../src/modules/customers/rules.ts';
import type { Rule } from '../src/modules/customers/segment-rules.ts';
import { countMatching } from '../src/modules/customers/segments.ts';
import { customerSorts } from '../src/modules/customers/service.ts';
import { seededRandom } from '../src/random.ts';
import { DAY, insertAll, intentsBySentiment, phrases, type Sentiment } from './bulk-data.ts';
import { type Fresh, freshDatabase } from './fresh-database.ts';
import { type BenchArgs, type BenchResult, machine, percentile, round } from './lib.ts';

/**
 * `npm run bench -- customers [--engine sqlite|postgres] [--size N] [--queries N]`: the customers
 * module at scale. N mentions (default 1,000,000) by the social accounts of N/10 customers, who
 * hold 3 × N/10 identities (1–3 Bluesky/Mastodon accounts, each an `authors` row, and an email
 * each), with transactions, events and custom attributes, all generated straight into the tables
 * with bulk inserts (not through the pipeline). Measures the influence recompute, then, through
 * the HTTP app with an API token: the profile, timeline pages (first and following), the list's
 * search; then the rebuild of the per-customer statistics, a segment count over them, and list
 * pages in each order (newest, latest post, influence, reach, mentions).
 */

const firstNames = ['maya', 'liam', 'sofia', 'noah', 'ana', 'joão', 'emma', 'lucas', 'ines', 'omar'];
const lastNames = ['silva', 'costa', 'nguyen', 'smith', 'garcia', 'kowalski', 'müller', 'okafor'];
const plans = ['free', 'pro', 'business', 'enterprise'];
const cities = ['Lisbon', 'Porto', 'Berlin', 'Paris', 'Lagos', 'Hanoi', 'Austin'];
const eventNames = ['page_view', 'login', 'signup', 'checkout', 'support_chat', 'app_open'];

/** Mentions span the year before this; the bench's clock is set to it. */
const END = Date.UTC(2026, 10, 1);

type Generated = {
  customers: number;
  identities: number;
  authors: number;
  transactions: number;
  events: number;
  customerIds: string[];
  /** Mentions per customer (over all of their accounts). */
  mentionsOf: Int32Array;
  /** A few names, handles and emails that exist, for the search. */
  samples: { names: string[]; handles: string[]; emails: string[] };
};

/**
 * Customers with 1–3 social accounts (mean 2) and an email identity each; mentions by those
 * accounts with a power-law shape: a few authors write a lot and are replied to and @mentioned
 * by many (`index = N × u^k` concentrates choices on low indexes), followers are
 * Pareto-distributed; about half the posts are replies and a fifth name someone with @handle.
 */
async function generate(fresh: Fresh, mentions: number, customers: number): Promise<Generated> {
  const { ctx, workspaceId } = fresh;
  const rnd = seededRandom(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const nowIso = new Date(END).toISOString();
  const analysisOf = new Map<string, string>();
  for (const list of Object.values(phrases))
    for (const p of list)
      analysisOf.set(
        p,
        JSON.stringify(analyzeText({ text: p, declaredLanguage: 'en', authorFollowers: 500 })),
      );

  await ctx.db
    .insertInto('customer_attribute_definitions')
    .values(
      (
        [
          ['plan', 'Plan', 'choice', plans],
          ['city', 'City', 'text', []],
          ['lifetime_value', 'Lifetime value', 'number', []],
          ['newsletter', 'Newsletter', 'boolean', []],
          ['renewal_date', 'Renewal date', 'date', []],
        ] as const
      ).map(([key, label, type, choices]) => ({
        id: newId(new Date(END)),
        workspace_id: workspaceId,
        key,
        label,
        type,
        choices: ctx.dialect.toJson(choices),
        created_at: nowIso,
      })),
    )
    .execute();

  // Customers, created over the two years before END; ids are UUIDv7 of that time, so the
  // list's keyset order (id desc) is creation order, as in a live install.
  const customerIds: string[] = [];
  const customerRows: Insertable<CustomersTable>[] = [];
  const identityRows: Insertable<IdentitiesTable>[] = [];
  const authorRows: Insertable<AuthorsTable>[] = [];
  const ownerOfAuthor: number[] = [];
  const samples: Generated['samples'] = { names: [], handles: [], emails: [] };
  for (let i = 0; i < customers; i++) {
    const created = new Date(END - 2 * 365 * DAY + Math.floor((i / customers) * 2 * 365 * DAY));
    const createdIso = created.toISOString();
    const id = newId(created);
    customerIds.push(id);
    const first = pick(firstNames);
    const last = pick(lastNames);
    const name = `${first[0]?.toUpperCase()}${first.slice(1)} ${last[0]?.toUpperCase()}${last.slice(1)} ${i}`;
    const email = `${first}.${last}${i}@example.com`;
    customerRows.push({
      id,
      workspace_id: workspaceId,
      display_name: name,
      primary_email: email,
      avatar_url: null,
      bio: i % 4 === 0 ? 'Frequent flyer, coffee person.' : null,
      attributes: ctx.dialect.toJson({
        plan: plans[i % plans.length],
        city: cities[i % cities.length],
        lifetime_value: Math.round(rnd() * 5000),
        newsletter: i % 3 === 0,
        ...(i % 2 === 0 ? { renewal_date: new Date(END + (i % 365) * DAY).toISOString().slice(0, 10) } : {}),
      }),
      merged_into: null,
      website_domain: null,
      created_at: createdIso,
      updated_at: createdIso,
    });
    identityRows.push({
      id: newId(created),
      workspace_id: workspaceId,
      customer_id: id,
      kind: 'email',
      channel: 'email',
      external_id: email,
      handle: email,
      handle_key: null,
      author_id: null,
      verified: i % 2,
      source: 'agent',
      created_at: createdIso,
    });
    // 1, 2 or 3 social accounts (3 in 10, 4 in 10, 3 in 10): a mean of 2, so 3 identities each.
    const socials = i % 10 < 3 ? 1 : i % 10 < 7 ? 2 : 3;
    for (let s = 0; s < socials; s++) {
      const j = authorRows.length;
      const channel = s === 1 ? 'mastodon' : 'bluesky';
      const local = `${first.replace('ã', 'a')}${last.replace('ü', 'u')}${j}`;
      const handle = channel === 'mastodon' ? `${local}@mastodon.social` : `${local}.bsky.social`;
      const externalId = channel === 'mastodon' ? `https://mastodon.social/users/${local}` : `did:plc:${j}`;
      ownerOfAuthor.push(i);
      authorRows.push({
        workspace_id: workspaceId,
        channel,
        external_id: externalId,
        handle,
        display_name: name,
        followers: Math.min(5_000_000, Math.floor(20 * (1 - rnd()) ** -1.3) - 10),
        profile_url: null,
        avatar_url: null,
        updated_at: createdIso,
      });
      identityRows.push({
        id: newId(created),
        workspace_id: workspaceId,
        customer_id: id,
        kind: 'social',
        channel,
        external_id: externalId,
        handle,
        handle_key: handleKey(channel, handle),
        author_id: null, // set once the author row has its id
        verified: 0,
        source: 'pipeline',
        created_at: createdIso,
      });
    }
    if (i % Math.max(1, Math.floor(customers / 20)) === 7) {
      samples.names.push(name.toLowerCase());
      samples.emails.push(email);
    }
  }
  const authors = authorRows.length;

  // Authors, with their ids back, then the identities that point at them.
  const authorIds: number[] = new Array(authors);
  const indexOf = new Map(authorRows.map((r, j) => [String(r.external_id), j]));
  for (let i = 0; i < authors; i += 1000) {
    const inserted = await ctx.db
      .insertInto('authors')
      .values(authorRows.slice(i, i + 1000))
      .returning(['id', 'external_id'])
      .execute();
    for (const r of inserted) authorIds[indexOf.get(r.external_id) ?? -1] = Number(r.id);
  }
  let a = 0;
  for (const row of identityRows)
    if (row.kind === 'social') {
      row.author_id = authorIds[a];
      if (a % Math.max(1, Math.floor(authors / 20)) === 3) samples.handles.push(String(row.handle));
      a++;
    }
  await insertAll(ctx, customerRows, 500, (trx, part) => trx.insertInto('customers').values(part).execute());
  await insertAll(ctx, identityRows, 1000, (trx, part) =>
    trx.insertInto('identities').values(part).execute(),
  );

  // Transactions for a third of the customers, events for half.
  const transactionRows: Insertable<CustomerTransactionsTable>[] = [];
  const eventRows: Insertable<CustomerEventsTable>[] = [];
  for (let i = 0; i < customers; i++) {
    const id = customerIds[i] as string;
    if (i % 3 === 0)
      for (let t = 0; t < 1 + (i % 5); t++) {
        const at = new Date(END - Math.floor(rnd() * 365 * DAY));
        const kind = t === 3 ? 'refund' : t % 2 === 0 ? 'order' : 'subscription';
        transactionRows.push({
          id: newId(at),
          workspace_id: workspaceId,
          customer_id: id,
          external_id: `order-${i}-${t}`,
          kind,
          status: 'completed',
          amount_minor: 500 + Math.floor(rnd() * 20_000),
          currency: i % 7 === 0 ? 'USD' : 'EUR',
          description: kind === 'subscription' ? 'Pro plan, monthly' : null,
          occurred_at: at.toISOString(),
          properties: ctx.dialect.toJson({ channel: 'web' }),
          source: 'api',
          created_at: at.toISOString(),
        });
      }
    if (i % 2 === 0)
      for (let e = 0; e < 1 + (i % 7); e++) {
        const at = new Date(END - Math.floor(rnd() * 365 * DAY));
        eventRows.push({
          id: newId(at),
          workspace_id: workspaceId,
          customer_id: id,
          name: pick(eventNames),
          occurred_at: at.toISOString(),
          properties: ctx.dialect.toJson({ path: '/pricing' }),
          identity_kind: 'customer',
          identity_value: id,
          created_at: at.toISOString(),
        });
      }
  }
  await insertAll(ctx, transactionRows, 500, (trx, part) =>
    trx.insertInto('customer_transactions').values(part).execute(),
  );
  await insertAll(ctx, eventRows, 1000, (trx, part) =>
    trx.insertInto('customer_events').values(part).execute(),
  );

  // Mentions, oldest first over the year before END.
  const skewed = (k: number) => Math.min(authors - 1, Math.floor(authors * rnd() ** k));
  const handles = authorRows.map((r) => String(r.handle));
  const mentionsOf = new Int32Array(customers);
  const lastPost: (string | undefined)[] = new Array(authors);
  const step = (365 * DAY) / mentions;
  const batch = 500;
  for (let i = 0; i < mentions; i += batch * 10) {
    await ctx.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(mentions, i + batch * 10); k += batch) {
        const rows = [];
        for (let n = k; n < Math.min(mentions, k + batch); n++) {
          const author = skewed(1.6);
          const channel = String(authorRows[author]?.channel);
          const externalId = `post/${n}`;
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
          const at = new Date(END - 365 * DAY + Math.floor(n * step)).toISOString();
          const owner = ownerOfAuthor[author] ?? 0;
          mentionsOf[owner] = (mentionsOf[owner] ?? 0) + 1;
          rows.push({
            workspace_id: workspaceId,
            channel,
            external_id: externalId,
            url: null,
            author_id: authorIds[author] ?? null,
            text,
            language: 'en',
            created_at: at,
            received_at: at,
            version_at: at,
            reply_to: replyTo,
            thread_root: replyTo,
            engagement: JSON.stringify({ likes: 0, reposts: 0, replies: 0, quotes: 0 }),
            analysis: analysisOf.get(phrase) ?? '{}',
            sentiment,
            intents: intentsBySentiment[sentiment][n % intentsBySentiment[sentiment].length] ?? null,
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
  // Fresh statistics and (PostgreSQL) a visibility map, as autovacuum would have left on a live
  // database: without it an index-only scan still visits the heap.
  await sql.raw(ctx.dialect.name === 'postgres' ? 'vacuum analyze' : 'analyze').execute(ctx.db);
  return {
    customers,
    identities: identityRows.length,
    authors,
    transactions: transactionRows.length,
    events: eventRows.length,
    customerIds,
    mentionsOf,
    samples,
  };
}

/** Customers on Bluesky with a negative mention and some influence: 3 conditions, 3 sources. */
const segmentRule: Rule = {
  match: 'all',
  conditions: [
    { field: 'channel', op: 'in', value: ['bluesky'] },
    { field: 'sentiment.negative', op: 'gte', value: 1 },
    { field: 'influence', op: 'gte', value: 20 },
  ],
};

export async function run(args: BenchArgs): Promise<BenchResult> {
  const mentions = args.size ?? 1_000_000;
  const customers = Math.max(10, Math.round(mentions / 10));
  const samplesPerKind = args.queries ?? 200;
  const fresh = await freshDatabase(args.engine, 'customers');
  const { workspaceId } = fresh;
  // The clock of the bench is the end of the generated year (timelines, "within days" rules).
  const ctx: AppContext = { ...fresh.ctx, now: () => new Date(END) };
  const g0 = performance.now();
  const data = await generate({ ...fresh, ctx }, mentions, customers);
  const generateS = (performance.now() - g0) / 1000;

  // Influence recompute (docs/influence.md): the whole workspace, as the scheduler runs it.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const result = await recomputeInfluence(ctx, workspaceId);
  const seconds = (performance.now() - started) / 1000;
  loop.disable();
  const peakRss = process.resourceUsage().maxRSS * 1024;
  const [influencers, advocates, detractors] = await Promise.all(
    (['influencers', 'advocates', 'detractors'] as const).map((kind) =>
      rankAuthors(ctx, workspaceId, kind, 500),
    ),
  );
  const influential = (influencers ?? []).filter((r) => r.score >= 50).length;

  // Other jobs on the machine show in every latency: the load average is reported with them.
  const loadBefore = os.loadavg()[0] ?? 0;
  // Reads through the HTTP app, as an API client: a real token, auth, validation, JSON.
  const { user } = await provisionUser(ctx, {
    workspaceId,
    email: 'bench@bench.test',
    name: 'Bench',
    role: 'agent',
    password: 'benchmark password',
  });
  const { secret } = await createApiToken(ctx, { userId: user.id, workspaceId }, { name: 'bench' });
  const app = createApp(ctx);
  const get = async (path: string): Promise<{ ms: number; body: unknown }> => {
    const t0 = performance.now();
    const res = await app.request(
      path,
      { headers: { authorization: `Bearer ${secret}` } },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    const body = (await res.json()) as unknown;
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return { ms, body };
  };

  // Half the sample is uniform over customers; the other half is drawn from the 1% with the most
  // mentions, the profiles and timelines that cost the most.
  const rnd = seededRandom(7);
  const byMentions = [...data.customerIds.keys()].sort(
    (x, y) => (data.mentionsOf[y] ?? 0) - (data.mentionsOf[x] ?? 0),
  );
  const heavy = byMentions.slice(0, Math.max(1, Math.floor(customers / 100)));
  const sample: number[] = [];
  for (let i = 0; i < samplesPerKind; i++)
    sample.push(
      i % 2 === 0 ? Math.floor(rnd() * customers) : (heavy[Math.floor(rnd() * heavy.length)] as number),
    );
  // Warm-up: the first requests compile routes and fill caches, as on a server running for a while.
  for (const i of sample.slice(0, 10)) await get(`/api/v1/customers/${data.customerIds[i]}`);

  const profileMs: number[] = [];
  const profileHeavyMs: number[] = [];
  for (const [k, i] of sample.entries()) {
    const { ms } = await get(`/api/v1/customers/${data.customerIds[i]}`);
    profileMs.push(ms);
    if (k % 2 === 1) profileHeavyMs.push(ms);
  }

  // Timeline: the first page and up to four following ones through nextCursor.
  const firstPageMs: number[] = [];
  const nextPageMs: number[] = [];
  let timelineItems = 0;
  for (const i of sample.slice(0, Math.max(1, Math.floor(samplesPerKind / 2)))) {
    let path = `/api/v1/customers/${data.customerIds[i]}/timeline`;
    for (let p = 0; p < 5; p++) {
      const { ms, body } = await get(path);
      (p === 0 ? firstPageMs : nextPageMs).push(ms);
      const page = body as { items: unknown[]; nextCursor: string | null };
      timelineItems += page.items.length;
      if (!page.nextCursor) break;
      path = `/api/v1/customers/${data.customerIds[i]}/timeline?cursor=${encodeURIComponent(page.nextCursor)}`;
    }
  }

  // Search: substrings of names, handles and emails that exist, common fragments, and misses.
  const terms = [
    ...data.samples.names.map((n) => n.split(' ').slice(1).join(' ')), // "silva 12345"
    ...data.samples.handles.map((h) => h.slice(0, Math.min(h.length, 14))),
    ...data.samples.emails.map((e) => e.split('@')[0] ?? e),
    'maya',
    'okafor',
    'example.com',
    'no-such-person-zz',
    'qqq',
  ];
  const searchMs: number[] = [];
  let searchHits = 0;
  for (const term of terms) {
    const { ms, body } = await get(`/api/v1/customers?search=${encodeURIComponent(term)}`);
    searchMs.push(ms);
    searchHits += (body as { items: unknown[] }).items.length;
  }

  // Segment count over the per-customer statistics, which a full rebuild fills first (the
  // scheduler keeps them current after that).
  const s0 = performance.now();
  await rebuildCustomerStats(ctx, workspaceId);
  const statsRebuildS = (performance.now() - s0) / 1000;
  let segmentCount = 0;
  const segmentMs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    segmentCount = await countMatching(ctx, workspaceId, segmentRule);
    segmentMs.push(performance.now() - t0);
  }
  // The list in each order over the statistics just rebuilt: a first page and two following
  // pages of 30, five times per order.
  const sortedMs: number[] = [];
  for (let pass = 0; pass < 5; pass++)
    for (const sort of customerSorts) {
      let cursor: string | null = null;
      for (let page = 0; page < 3; page++) {
        const after: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
        const { ms, body } = await get(`/api/v1/customers?sort=${sort}&limit=30${after}`);
        sortedMs.push(ms);
        cursor = (body as { nextCursor: string | null }).nextCursor;
        if (cursor === null) break;
      }
    }
  const loadAfter = os.loadavg()[0] ?? 0;
  await fresh.drop();

  return {
    bench: 'customers',
    engine: args.engine,
    params: {
      mentions,
      customers: data.customers,
      identities: data.identities,
      authors: data.authors,
      transactions: data.transactions,
      events: data.events,
      edges: result.edges,
      influential_in_top_500: influential,
      advocates_listed: advocates?.length ?? 0,
      detractors_listed: detractors?.length ?? 0,
      top_score: influencers?.[0]?.score ?? 0,
      heaviest_customer_mentions: data.mentionsOf[byMentions[0] ?? 0] ?? 0,
      profiles_read: profileMs.length,
      timeline_pages_read: firstPageMs.length + nextPageMs.length,
      timeline_items: timelineItems,
      searches: searchMs.length,
      search_items: searchHits,
      segment_rule: JSON.stringify(segmentRule),
      segment_count: segmentCount,
      load_avg_1m_during_reads: `${round(loadBefore)}..${round(loadAfter)}`,
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
      profile_ms_p50: round(percentile(profileMs, 50)),
      profile_ms_p95: round(percentile(profileMs, 95)),
      profile_ms_p95_heaviest_1pct: round(percentile(profileHeavyMs, 95)),
      timeline_page_ms_p95: round(percentile([...firstPageMs, ...nextPageMs], 95)),
      timeline_first_page_ms_p95: round(percentile(firstPageMs, 95)),
      timeline_next_page_ms_p95: round(percentile(nextPageMs, 95)),
      search_ms_p50: round(percentile(searchMs, 50)),
      search_ms_p95: round(percentile(searchMs, 95)),
      stats_rebuild_s: round(statsRebuildS, 2),
      list_sorted_page_ms_p50: round(percentile(sortedMs, 50)),
      list_sorted_page_ms_p95: round(percentile(sortedMs, 95)),
      segment_count_ms_p50: round(percentile(segmentMs, 50)),
      segment_count_ms_p95: round(percentile(segmentMs, 95)),
    },
  };
}
