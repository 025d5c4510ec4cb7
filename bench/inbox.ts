import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { serve } from '@hono/node-server';
import { createConnector } from '../src/connectors/service.ts';
import { createApp } from '../src/http/app.ts';
import type { Actor } from '../src/modules/auth/roles.ts';
import { provisionUser } from '../src/modules/auth/service.ts';
import { runCaseTriggers, runTimeRules } from '../src/modules/inbox/case-rules.ts';
import { saveRule } from '../src/modules/inbox/routing-rules.ts';
import type { RoutingRuleInput } from '../src/modules/inbox/routing-schema.ts';
import { seededRandom } from '../src/random.ts';
import { agentLoad, postgresCpuMs } from './agent-load.ts';
import { freshDatabase } from './fresh-database.ts';
import { AGENTS, generate, PAGE_SIZE } from './inbox-data.ts';
import {
  type BenchArgs,
  type BenchResult,
  gcTime,
  machine,
  percentile,
  round,
  startCpuProfile,
} from './lib.ts';
import { rulesOverhead } from './rules-overhead.ts';

/**
 * `npm run bench -- inbox [--engine sqlite|postgres] [--size N] [--queries N]`: the inbox at
 * scale. N mentions (default 1,000,000), N/10 cases (statuses, priorities, teams, 50 agents),
 * one conversation per case over a thread of mentions (`mentions.case_id` set), SLA clocks on
 * the cases still running, N/20 customers with a Bluesky or Mastodon account and an email —
 * generated straight into the tables with bulk inserts. Measures, through the HTTP app with real
 * API tokens: the case list (views all active, mine, unassigned, by priority; first and following
 * pages) and opening a case; then 50 agents over real HTTP on loopback (autocannon, one
 * connection and token per agent) reading, assigning, noting and replying; then the pipeline's
 * cost with 100 routing rules against none.
 */

/** Rules on case events, like the demo's: what help desks automate once cases exist. */
function caseRules(): RoutingRuleInput[] {
  return [
    {
      name: 'Customer or colleague wrote on a case we wait on: reopen',
      event: 'case_updated',
      conditions: [
        { field: 'changed', op: 'in', value: ['customer_message', 'note'] },
        { field: 'case_status', op: 'in', value: ['pending_customer', 'on_hold'] },
      ],
      actions: [{ type: 'set_status', value: 'open' }],
    },
    {
      name: 'Solved: tag for the survey',
      event: 'case_updated',
      conditions: [
        { field: 'changed', op: 'in', value: ['status'] },
        { field: 'case_status', op: 'in', value: ['solved'] },
      ],
      actions: [{ type: 'add_tags', value: ['survey'] }],
    },
    {
      name: 'Urgent new cases: tag',
      event: 'case_created',
      conditions: [{ field: 'case_priority', op: 'in', value: ['urgent'] }],
      actions: [{ type: 'add_tags', value: ['urgent-new'] }],
    },
    {
      name: 'Close solved cases after 3 days',
      event: 'time_elapsed',
      conditions: [
        { field: 'case_status', op: 'in', value: ['solved'] },
        { field: 'hours_since', since: 'solved', op: 'gte', value: 72 },
      ],
      actions: [{ type: 'set_status', value: 'closed' }],
    },
    {
      name: 'Customer waiting a day: raise priority',
      event: 'time_elapsed',
      conditions: [
        { field: 'hours_since', since: 'customer_message', op: 'gte', value: 24 },
        { field: 'case_status', op: 'in', value: ['new', 'open'] },
        { field: 'case_priority', op: 'in', value: ['low', 'normal'] },
      ],
      actions: [{ type: 'set_priority', value: 'high' }],
    },
  ];
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  const mentions = args.size ?? 1_000_000;
  const samples = args.queries ?? 200;
  const fresh = await freshDatabase(args.engine, 'inbox');
  const { ctx } = fresh;
  const end = Date.now();
  const g0 = performance.now();
  const data = await generate(fresh, mentions, end);
  const generateS = (performance.now() - g0) / 1000;

  // Reads through the HTTP app, as the inbox UI: a real token per agent, auth, validation, JSON.
  const app = createApp(ctx);
  const get = async (path: string, token: string): Promise<{ ms: number; body: unknown }> => {
    const t0 = performance.now();
    const res = await app.request(
      path,
      { headers: { authorization: `Bearer ${token}` } },
      { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
    );
    const body = (await res.json()) as unknown;
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
    return { ms, body };
  };
  const loadBefore = os.loadavg()[0] ?? 0;
  const rnd = seededRandom(7);
  const views = [
    'status=active',
    'view=mine&status=active',
    'view=unassigned&status=active',
    'status=active&priority=urgent',
    'status=active&priority=high',
    'view=mine',
  ];
  for (let i = 0; i < 10; i++) await get('/api/v1/cases?status=active', data.tokens[i % AGENTS] as string);
  const listFirst: number[] = [];
  const listNext: number[] = [];
  const listByView: Record<string, number[]> = {};
  /** Reads up to four pages of one view of the list as `token`; `took` gets each page's time. */
  const readPages = async (view: string, token: string, took: (ms: number, page: number) => void) => {
    let items = 0;
    let path = `/api/v1/cases?${view}&limit=${PAGE_SIZE}`;
    for (let p = 0; p < 4; p++) {
      const { ms, body } = await get(path, token);
      took(ms, p);
      listByView[view] = [...(listByView[view] ?? []), ms];
      const page = body as { items: unknown[]; nextCursor: string | null };
      items += page.items.length;
      if (!page.nextCursor) break;
      path = `/api/v1/cases?${view}&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
    return items;
  };
  let listed = 0;
  for (let i = 0; i < samples / 4; i++) {
    const view = views[i % views.length] as string;
    const token = data.tokens[Math.floor(rnd() * AGENTS)] as string;
    listed += await readPages(view, token, (ms, p) => (p === 0 ? listFirst : listNext).push(ms));
  }
  // The other orders of the list (docs/inbox.md, Orders of the list), apart from the views above
  // and with their own random agents, so that the figures before them stay comparable with
  // earlier runs.
  const sortedViews = [
    'status=active&sort=waiting',
    'view=mine&status=active&sort=waiting',
    'status=active&sort=priority',
    'view=unassigned&status=active&sort=priority',
    'status=active&sort=oldest',
  ];
  const listSorted: number[] = [];
  const sortedRnd = seededRandom(11);
  for (let i = 0; i < samples / 4; i++) {
    const view = sortedViews[i % sortedViews.length] as string;
    const token = data.tokens[Math.floor(sortedRnd() * AGENTS)] as string;
    await readPages(view, token, (ms) => listSorted.push(ms));
  }
  // Opening cases: half the newest 10 % (what agents work on), half uniform.
  const openMs: number[] = [];
  const cases = data.caseIds.length;
  for (let i = 0; i < samples; i++) {
    const index = i % 2 === 0 ? cases - 1 - Math.floor(rnd() * (cases / 10)) : Math.floor(rnd() * cases);
    const { ms } = await get(`/api/v1/cases/${data.caseIds[index]}`, data.tokens[i % AGENTS] as string);
    openMs.push(ms);
  }
  // Searching the list (first page, all active cases, as the search box does): a customer's
  // name, an email, a handle as shown, words of the posts (each of the generator's 12 phrases is
  // in a twelfth of the posts: the worst case for the full-text part), a subject's substring.
  const customerCount = data.customers;
  const searchKinds: Record<string, () => string> = {
    name: () => `Customer ${Math.floor(rnd() * customerCount)}`,
    email: () => `customer${Math.floor(rnd() * customerCount)}@example`,
    handle: () => `@c${Math.floor(rnd() * customerCount)}.bsky`,
    post_words: () =>
      ['lost bag', 'three hours delayed', 'quick refund', 'wifi board'][Math.floor(rnd() * 4)] as string,
    subject_part: () => ['twice', 'check-in', 'crew to'][Math.floor(rnd() * 3)] as string,
  };
  const searchMs: number[] = [];
  const searchByKind: Record<string, number[]> = {};
  const kinds = Object.keys(searchKinds);
  for (let i = 0; i < samples; i++) {
    const kind = kinds[i % kinds.length] as string;
    const text = searchKinds[kind]?.() ?? '';
    const { ms } = await get(
      `/api/v1/cases?status=active&limit=${PAGE_SIZE}&search=${encodeURIComponent(text)}`,
      data.tokens[i % AGENTS] as string,
    );
    searchMs.push(ms);
    searchByKind[kind] = [...(searchByKind[kind] ?? []), ms];
  }
  const loadAfterReads = os.loadavg()[0] ?? 0;

  // 50 agents over real HTTP: the server on a loopback port, autocannon in a child process.
  const owner = { workspaceId: fresh.workspaceId, role: 'owner' as const };
  await createConnector(ctx, owner, {
    kind: 'bluesky',
    name: 'Brand account',
    config: {
      endpoint: 'ws://127.0.0.1:9',
      appviewUrl: null,
      account: { identifier: 'brand.bsky.social', service: 'http://127.0.0.1:9' },
    },
    secret: 'app-password-never-used',
  });
  // Rules on case events, saved before the agents work so that their changes queue up for them.
  const { user: manager } = await provisionUser(ctx, {
    workspaceId: fresh.workspaceId,
    email: 'manager@bench.test',
    name: 'Manager',
    role: 'manager',
    password: 'benchmark password',
  });
  const managerActor: Actor = {
    userId: manager.id,
    workspaceId: fresh.workspaceId,
    role: 'manager',
    via: 'cli',
  };
  for (const rule of caseRules()) await saveRule(ctx, managerActor, rule);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const loadSeconds = 30;
  const cpu0 = process.cpuUsage();
  const pg0 = postgresCpuMs();
  const profile = await startCpuProfile(process.env.BENCH_CPU_PROFILE);
  const gc = gcTime();
  const load = await agentLoad(
    `http://127.0.0.1:${port}`,
    data.agentIds,
    data.tokens,
    data.workable,
    loadSeconds,
  );
  await profile.stop();
  const gcMs = gc.stop();
  const cpu = process.cpuUsage(cpu0);
  const serverCpuMs = (cpu.user + cpu.system) / 1000;
  const postgresMs = postgresCpuMs() - pg0;
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
  const loadAfterAgents = os.loadavg()[0] ?? 0;
  const outbox = await ctx.db
    .selectFrom('outbox_replies')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();

  // The case events the agents made, through the case triggers in one go (the scheduler's
  // 5-second passes see a few at a time); then time rules over every case, twice: the first pass
  // acts on what is due, the second finds nothing new, as most minutes do.
  const events = await ctx.db
    .selectFrom('record_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('record_type', '=', 'case')
    .where(
      'id',
      '>',
      (await ctx.db.selectFrom('case_rule_state').select('last_event_id').executeTakeFirstOrThrow())
        .last_event_id,
    )
    .executeTakeFirstOrThrow();
  const t0 = performance.now();
  const triggered = await runCaseTriggers(ctx);
  const triggersMs = performance.now() - t0;
  const t1 = performance.now();
  const timed = await runTimeRules(ctx);
  const timeFirstMs = performance.now() - t1;
  const t2 = performance.now();
  const timedAgain = await runTimeRules(ctx);
  const timeIdleMs = performance.now() - t2;
  await fresh.drop();

  // Routing rules' cost in the pipeline: the same posts with 100 rules and with none, twice each.
  const postCount = Math.min(20_000, Math.max(2_000, Math.round(mentions / 50)));
  const { without, withRules, routingOnly, routed } = await rulesOverhead(args.engine, postCount, 2);
  const best = (xs: number[]) => Math.min(...xs);

  return {
    bench: 'inbox',
    engine: args.engine,
    params: {
      mentions,
      cards_per_page: PAGE_SIZE,
      cases,
      customers: data.customers,
      agents: AGENTS,
      case_sla_rows: data.caseSla,
      max_mentions_in_a_case: data.maxMentionsInCase,
      list_pages_read: listFirst.length + listNext.length,
      list_items: listed,
      cases_opened: openMs.length,
      agent_load_seconds: loadSeconds,
      agent_load_detail: JSON.stringify(load),
      // Where the time went: CPU of this (server) process and of PostgreSQL's processes per request.
      agent_load_server_cpu_ms_per_req: round(serverCpuMs / (load.total ?? 1), 2),
      // Garbage collection pauses in the server process, part of the CPU above.
      agent_load_gc_ms_per_req: round(gcMs / (load.total ?? 1), 2),
      agent_load_postgres_cpu_ms_per_req:
        args.engine === 'postgres' ? round(postgresMs / (load.total ?? 1), 2) : 'n/a',
      outbox_replies_queued: Number(outbox.n),
      case_rules: caseRules().length,
      case_events_from_agents: Number(events.n),
      case_triggers_fired: triggered,
      time_rules_fired: timed,
      time_rules_fired_again: timedAgain,
      rules: 100,
      pipeline_posts: postCount,
      pipeline_s_without_rules: without.map((s) => round(s, 2)).join(' '),
      pipeline_s_with_rules: withRules.map((s) => round(s, 2)).join(' '),
      // Of which routing (routeNewMentions): the part the rules add, apart from the machine's noise.
      routing_s_with_rules: routingOnly.map((s) => round(s, 2)).join(' '),
      rules_fired: routed.fired,
      cases_made_by_rules: routed.cases,
      list_ms_p95_by_view: JSON.stringify(
        Object.fromEntries(Object.entries(listByView).map(([v, ms]) => [v, round(percentile(ms, 95))])),
      ),
      search_ms_p95_by_kind: JSON.stringify(
        Object.fromEntries(Object.entries(searchByKind).map(([k, ms]) => [k, round(percentile(ms, 95))])),
      ),
      load_avg_1m: `${round(loadBefore)} reads ${round(loadAfterReads)} agents ${round(loadAfterAgents)}`,
      generate_s: round(generateS),
    },
    machine: machine(),
    metrics: {
      inbox_list_ms_p50: round(percentile([...listFirst, ...listNext], 50)),
      inbox_list_ms_p95: round(percentile([...listFirst, ...listNext], 95)),
      inbox_list_first_page_ms_p95: round(percentile(listFirst, 95)),
      inbox_list_next_page_ms_p95: round(percentile(listNext, 95)),
      inbox_list_sorted_ms_p50: round(percentile(listSorted, 50)),
      inbox_list_sorted_ms_p95: round(percentile(listSorted, 95)),
      inbox_search_ms_p50: round(percentile(searchMs, 50)),
      inbox_search_ms_p95: round(percentile(searchMs, 95)),
      case_open_ms_p50: round(percentile(openMs, 50)),
      case_open_ms_p95: round(percentile(openMs, 95)),
      agent_load_req_per_sec: Math.round(load.req_per_sec ?? 0),
      agent_load_ms_p50: round(load.p50 ?? Number.NaN),
      agent_load_ms_p99: round(load.p99 ?? Number.NaN),
      agent_load_errors: (load.errors ?? 0) + (load.timeouts ?? 0),
      agent_load_non2xx: load.non2xx ?? 0,
      pipeline_items_per_sec_without_rules: Math.round(postCount / best(without)),
      pipeline_items_per_sec_with_rules: Math.round(postCount / best(withRules)),
      rules_overhead_ratio: round(best(withRules) / best(without), 2),
      case_triggers_ms_per_1000_events: round((triggersMs * 1000) / Math.max(1, Number(events.n)), 1),
      time_rules_first_pass_ms: round(timeFirstMs),
      time_rules_idle_pass_ms: round(timeIdleMs),
    },
  };
}
