import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { type Insertable, sql, type Transaction } from 'kysely';
import { createConnector } from '../src/connectors/service.ts';
import type { AppContext } from '../src/context.ts';
import type {
  AuthorsTable,
  CaseSlaTable,
  CasesTable,
  ConversationsTable,
  CustomersTable,
  DB,
  IdentitiesTable,
} from '../src/db/schema.ts';
import { createApp } from '../src/http/app.ts';
import { newId } from '../src/ids.ts';
import { analyzeText } from '../src/modules/analysis/service.ts';
import type { Actor } from '../src/modules/auth/roles.ts';
import { createApiToken, provisionUser } from '../src/modules/auth/service.ts';
import { rebuildCustomerStats } from '../src/modules/customers/customer-stats.ts';
import { handleKey } from '../src/modules/customers/rules.ts';
import { runCaseTriggers, runTimeRules } from '../src/modules/inbox/case-rules.ts';
import { routeNewMentions } from '../src/modules/inbox/routing.ts';
import { saveRule } from '../src/modules/inbox/routing-rules.ts';
import type { RoutingRuleInput } from '../src/modules/inbox/routing-schema.ts';
import { createContentPool } from '../src/pipeline/content-pool.ts';
import { appendToLog } from '../src/pipeline/ingest-log.ts';
import { processBatch } from '../src/pipeline/worker.ts';
import { seededRandom } from '../src/random.ts';
import { type Fresh, freshDatabase } from './fresh-database.ts';
import { generatePosts } from './generate.ts';
import {
  type BenchArgs,
  type BenchResult,
  gcTime,
  machine,
  percentile,
  round,
  startCpuProfile,
} from './lib.ts';

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

const phrases = {
  positive: ['love the new app', 'great crew today', 'thanks for the quick refund', 'best flight ever'],
  negative: ['my bag is lost again', 'delayed for three hours', 'worst support ever', 'charged twice'],
  neutral: ['boarding at gate 12', 'what time is check-in', 'landed in lisbon', 'any wifi on board'],
} as const;
type Sentiment = keyof typeof phrases;
const intentsBySentiment: Record<Sentiment, (string | null)[]> = {
  positive: ['praise', 'praise', 'purchase_intent', 'praise purchase_intent', null, null],
  negative: ['complaint', 'complaint churn_risk', 'support_question complaint', 'churn_risk', null, null],
  neutral: ['support_question', 'idea', 'purchase_intent', 'spam', null, null, null, null],
};
const AGENTS = 50;
/** Cards per page, as the web inbox asks for them (`web/src/api.ts`). */
const PAGE_SIZE = 30;
const TEAMS = ['Tier 1', 'Tier 2', 'Billing', 'Social', 'VIP'];
const DAY = 86_400_000;

type Generated = {
  agentIds: string[];
  tokens: string[];
  caseIds: string[];
  /** Per agent: cases assigned to them that can be worked (not closed), on Bluesky (replies). */
  workable: string[][];
  /** Cases by number order (index = number - 1): the mentions each has. */
  maxMentionsInCase: number;
  caseSla: number;
  customers: number;
};

async function insertAll<R>(
  ctx: AppContext,
  rows: R[],
  per: number,
  insert: (trx: Transaction<DB>, part: R[]) => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < rows.length; i += per * 20) {
    await ctx.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(rows.length, i + per * 20); k += per)
        await insert(trx, rows.slice(k, k + per));
    });
  }
}

async function generate(fresh: Fresh, mentions: number, end: number): Promise<Generated> {
  const { ctx, workspaceId } = fresh;
  const rnd = seededRandom(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const cases = Math.max(10, Math.round(mentions / 10));
  const customers = Math.max(10, Math.round(mentions / 20));
  const nowIso = new Date(end).toISOString();
  const analysisOf = new Map<string, string>();
  for (const list of Object.values(phrases))
    for (const p of list)
      analysisOf.set(
        p,
        JSON.stringify(analyzeText({ text: p, declaredLanguage: 'en', authorFollowers: 500 })),
      );

  // 50 agents, each with an API token; a manager; 5 teams of 10.
  const agentIds: string[] = [];
  const tokens: string[] = [];
  for (let a = 0; a < AGENTS; a++) {
    const { user } = await provisionUser(ctx, {
      workspaceId,
      email: `agent${a}@bench.test`,
      name: `Agent ${a}`,
      role: 'agent',
      password: 'benchmark password',
    });
    agentIds.push(user.id);
    tokens.push((await createApiToken(ctx, { userId: user.id, workspaceId }, { name: `agent ${a}` })).secret);
  }
  const teamIds = TEAMS.map(() => newId(new Date(end - 400 * DAY)));
  await ctx.db
    .insertInto('teams')
    .values(
      TEAMS.map((name, t) => ({
        id: teamIds[t] as string,
        workspace_id: workspaceId,
        name,
        created_at: nowIso,
      })),
    )
    .execute();
  await ctx.db
    .insertInto('team_members')
    .values(
      agentIds.map((userId, a) => ({
        team_id: teamIds[a % TEAMS.length] as string,
        user_id: userId,
        workspace_id: workspaceId,
      })),
    )
    .execute();
  // One SLA policy for every case: first response in 4 h, resolution in 3 days, calendar time.
  const policyId = newId(new Date(end - 400 * DAY));
  await ctx.db
    .insertInto('sla_policies')
    .values({
      id: policyId,
      workspace_id: workspaceId,
      name: 'Everyone',
      position: 1,
      enabled: 1,
      conditions: ctx.dialect.toJson({}),
      targets: ctx.dialect.toJson({ firstResponse: 240, resolution: 4320 }),
      business_hours: 0,
      warn_before_minutes: 30,
      breach_actions: ctx.dialect.toJson([]),
      created_at: nowIso,
      updated_at: nowIso,
    })
    .execute();

  // Customers with one social account (2 in 3 Bluesky) and an email each.
  const customerIds: string[] = [];
  const customerRows: Insertable<CustomersTable>[] = [];
  const identityRows: Insertable<IdentitiesTable>[] = [];
  const authorRows: Insertable<AuthorsTable>[] = [];
  for (let i = 0; i < customers; i++) {
    const created = new Date(end - 2 * 365 * DAY + Math.floor((i / customers) * 2 * 365 * DAY));
    const createdIso = created.toISOString();
    const id = newId(created);
    customerIds.push(id);
    const email = `customer${i}@example.com`;
    customerRows.push({
      id,
      workspace_id: workspaceId,
      display_name: `Customer ${i}`,
      primary_email: email,
      avatar_url: null,
      bio: null,
      attributes: ctx.dialect.toJson({}),
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
      verified: 1,
      source: 'agent',
      created_at: createdIso,
    });
    const channel = i % 3 === 2 ? 'mastodon' : 'bluesky';
    const handle = channel === 'mastodon' ? `c${i}@mastodon.social` : `c${i}.bsky.social`;
    const externalId = channel === 'mastodon' ? `https://mastodon.social/users/c${i}` : `did:plc:c${i}`;
    authorRows.push({
      workspace_id: workspaceId,
      channel,
      external_id: externalId,
      handle,
      display_name: `Customer ${i}`,
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
      author_id: null,
      verified: 0,
      source: 'pipeline',
      created_at: createdIso,
    });
  }
  const authorIds: number[] = new Array(customers);
  const indexOf = new Map(authorRows.map((r, j) => [String(r.external_id), j]));
  for (let i = 0; i < customers; i += 1000) {
    const inserted = await ctx.db
      .insertInto('authors')
      .values(authorRows.slice(i, i + 1000))
      .returning(['id', 'external_id'])
      .execute();
    for (const r of inserted) authorIds[indexOf.get(r.external_id) ?? -1] = Number(r.id);
  }
  let s = 0;
  for (const row of identityRows) if (row.kind === 'social') row.author_id = authorIds[s++];
  await insertAll(ctx, customerRows, 500, (trx, part) => trx.insertInto('customers').values(part).execute());
  await insertAll(ctx, identityRows, 1000, (trx, part) =>
    trx.insertInto('identities').values(part).execute(),
  );

  // Mentions over the year before `end`: every 10th opens a case (its thread's root); about 45 %
  // of the others are replies in the thread of a recent case (mostly by its customer), the rest
  // are posts no case took. Cases: numbered in creation order; older ones mostly solved or closed.
  const step = (365 * DAY) / mentions;
  const caseRows: Insertable<CasesTable>[] = [];
  const conversationRows: Insertable<ConversationsTable>[] = [];
  const slaRows: Insertable<CaseSlaTable>[] = [];
  const caseIds: string[] = [];
  const rootOf: { externalId: string; channel: string; author: number }[] = [];
  const mentionsInCase = new Int32Array(cases);
  const workable: string[][] = agentIds.map(() => []);
  const skewed = (k: number) => Math.min(customers - 1, Math.floor(customers * rnd() ** k));
  const batch = 500;
  for (let i = 0; i < mentions; i += batch * 10) {
    await ctx.db.transaction().execute(async (trx) => {
      for (let k = i; k < Math.min(mentions, i + batch * 10); k += batch) {
        const rows = [];
        for (let n = k; n < Math.min(mentions, k + batch); n++) {
          const at = new Date(end - 365 * DAY + Math.floor(n * step));
          const atIso = at.toISOString();
          const r = rnd();
          const sentiment: Sentiment = r < 0.25 ? 'positive' : r < 0.55 ? 'negative' : 'neutral';
          const phrase = phrases[sentiment][n % 4] ?? '';
          let author = skewed(1.4);
          let caseIndex = -1;
          let threadRoot: string | null = null;
          const externalId = `post/${n}`;
          const number = Math.floor(n / 10);
          if (n % 10 === 0 && number < cases) {
            caseIndex = number;
            rootOf[number] = {
              externalId,
              channel: String(authorRows[author]?.channel),
              author,
            };
          } else if (rootOf.length > 0 && rnd() < 0.45) {
            // A recent case, skewed to the newest: its thread goes on.
            caseIndex = rootOf.length - 1 - Math.floor(Math.min(400, rootOf.length) * rnd() ** 2);
            const root = rootOf[caseIndex];
            if (root) {
              threadRoot = root.externalId;
              if (rnd() < 0.7) author = root.author;
            }
          }
          const root = caseIndex >= 0 ? rootOf[caseIndex] : undefined;
          const channel = root ? root.channel : String(authorRows[author]?.channel);
          let caseId: string | null = null;
          if (caseIndex >= 0) {
            mentionsInCase[caseIndex] = (mentionsInCase[caseIndex] ?? 0) + 1;
            if (caseIndex === number && n % 10 === 0) {
              // The case itself, made when its first post came in.
              const id = newId(at);
              caseIds[caseIndex] = id;
              const age = 1 - caseIndex / cases; // 1 = oldest, 0 = newest
              const u = rnd();
              const status =
                age > 0.1
                  ? u < 0.55
                    ? 'closed'
                    : u < 0.93
                      ? 'solved'
                      : u < 0.96
                        ? 'open'
                        : u < 0.98
                          ? 'pending_customer'
                          : 'on_hold'
                  : u < 0.25
                    ? 'new'
                    : u < 0.55
                      ? 'open'
                      : u < 0.7
                        ? 'pending_customer'
                        : u < 0.78
                          ? 'on_hold'
                          : u < 0.93
                            ? 'solved'
                            : 'closed';
              const v = rnd();
              const priority = v < 0.05 ? 'urgent' : v < 0.2 ? 'high' : v < 0.8 ? 'normal' : 'low';
              const assignee =
                status === 'new' && rnd() < 0.6 ? null : rnd() < 0.08 ? null : caseIndex % AGENTS;
              const done = status === 'solved' || status === 'closed';
              const later = new Date(at.getTime() + 2 * 3600_000 + Math.floor(rnd() * 3 * DAY));
              caseRows.push({
                id,
                workspace_id: workspaceId,
                number: caseIndex + 1,
                subject: phrase,
                status,
                priority,
                type:
                  sentiment === 'negative' ? 'complaint' : sentiment === 'positive' ? 'feedback' : 'question',
                assignee_user_id: assignee === null ? null : (agentIds[assignee] as string),
                team_id: rnd() < 0.8 ? (teamIds[caseIndex % TEAMS.length] as string) : null,
                customer_id: customerIds[author] as string,
                channel,
                tags: pick(['', '', 'billing', 'vip', 'lost-bag refund', 'delay']),
                custom_fields: ctx.dialect.toJson({}),
                merged_into: null,
                created_by: null,
                created_at: atIso,
                updated_at: done ? later.toISOString() : atIso,
                first_response_at: status === 'new' ? null : new Date(at.getTime() + 3600_000).toISOString(),
                solved_at: status === 'solved' ? later.toISOString() : null,
                closed_at: status === 'closed' ? later.toISOString() : null,
                last_customer_message_at: atIso,
              });
              conversationRows.push({
                id: newId(at),
                workspace_id: workspaceId,
                channel,
                thread_key: externalId,
                case_id: id,
                customer_id: customerIds[author] as string,
                preview: phrase,
                last_activity_at: atIso,
                created_at: atIso,
              });
              // Clocks: running on the cases still worked, achieved or stopped on the others.
              const live = !done && status !== 'pending_customer';
              for (const metric of ['first_response', 'resolution'] as const) {
                const target = (metric === 'first_response' ? 240 : 4320) * 60_000;
                const met = metric === 'first_response' ? status !== 'new' : done;
                slaRows.push({
                  case_id: id,
                  metric,
                  workspace_id: workspaceId,
                  policy_id: policyId,
                  status: met
                    ? 'achieved'
                    : live
                      ? 'running'
                      : status === 'pending_customer'
                        ? 'paused'
                        : 'stopped',
                  target_ms: target,
                  elapsed_ms: met ? Math.floor(target / 2) : 0,
                  running_since: !met && live ? atIso : null,
                  due_at: !met && live ? new Date(at.getTime() + target).toISOString() : null,
                  warned_at: null,
                  breached_at: null,
                  achieved_at: met ? later.toISOString() : null,
                });
              }
              if (assignee !== null && status !== 'closed' && channel === 'bluesky')
                workable[assignee]?.push(id);
            }
            caseId = caseIds[caseIndex] ?? null;
          }
          rows.push({
            workspace_id: workspaceId,
            channel,
            external_id: externalId,
            url: null,
            author_id: authorIds[author] ?? null,
            text: phrase,
            language: 'en',
            created_at: atIso,
            received_at: atIso,
            version_at: atIso,
            reply_to: threadRoot,
            thread_root: threadRoot,
            engagement: JSON.stringify({ likes: 0, reposts: 0, replies: 0, quotes: 0 }),
            analysis: analysisOf.get(phrase) ?? '{}',
            sentiment,
            intents: intentsBySentiment[sentiment][n % intentsBySentiment[sentiment].length] ?? null,
            urgency: sentiment === 'negative' ? 40 + (n % 50) : n % 20,
            topics: null,
            classes: null,
            disposition: caseId && n % 10 === 0 ? 'case' : null,
            disposition_at: caseId && n % 10 === 0 ? atIso : null,
            case_id: caseId,
            deleted_at: null,
            edited_at: null,
          });
        }
        await trx.insertInto('mentions').values(rows).execute();
      }
    });
  }
  await insertAll(ctx, caseRows, 500, (trx, part) => trx.insertInto('cases').values(part).execute());
  await insertAll(ctx, conversationRows, 500, (trx, part) =>
    trx.insertInto('conversations').values(part).execute(),
  );
  await insertAll(ctx, slaRows, 500, (trx, part) => trx.insertInto('case_sla').values(part).execute());
  // The customer statistics the lists read, as a running install's scheduler keeps them.
  await rebuildCustomerStats(ctx, workspaceId);
  await sql.raw(ctx.dialect.name === 'postgres' ? 'vacuum analyze' : 'analyze').execute(ctx.db);
  return {
    agentIds,
    tokens,
    caseIds,
    workable,
    maxMentionsInCase: Math.max(...mentionsInCase),
    caseSla: slaRows.length,
    customers,
  };
}

/**
 * Runs autocannon in a child process (so it does not share the server's event loop) with one
 * connection per agent, each with its own token and its own cases, and a request mix.
 */
function agentLoad(
  url: string,
  agentIds: string[],
  tokens: string[],
  workable: string[][],
  seconds: number,
): Promise<Record<string, number>> {
  const autocannonPath = createRequire(import.meta.url).resolve('autocannon');
  const code = `
const workerData = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const autocannon = require(workerData.autocannonPath);
const { tokens, workable, url, seconds } = workerData;
let nextAgent = 0;
let seed = 12345;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const views = ['?status=active', '?view=mine&status=active', '?view=unassigned&status=active', '?status=active&priority=urgent', '?view=mine', '?status=active&priority=high'].map((v) => v + '&limit=' + workerData.pageSize);
const statuses = ['open', 'pending_customer', 'on_hold', 'open', 'solved'];
const counts = { list: 0, open: 0, assign: 0, status: 0, note: 0, reply: 0 };
const instance = autocannon({
  url,
  connections: tokens.length,
  duration: seconds,
  requests: [{
    setupRequest: (req, context) => {
      if (context.agent === undefined) context.agent = nextAgent++ % tokens.length;
      const a = context.agent;
      const mine = workable[a];
      const caseId = mine[Math.floor(rnd() * mine.length)];
      const headers = { authorization: 'Bearer ' + tokens[a], 'content-type': 'application/json' };
      const r = rnd();
      if (r < 0.35) {
        counts.list++;
        return { ...req, method: 'GET', path: '/api/v1/cases' + views[Math.floor(rnd() * views.length)], headers, body: undefined };
      }
      if (r < 0.65) {
        counts.open++;
        return { ...req, method: 'GET', path: '/api/v1/cases/' + caseId, headers, body: undefined };
      }
      if (r < 0.75) {
        counts.status++;
        return { ...req, method: 'PATCH', path: '/api/v1/cases/' + caseId, headers,
          body: JSON.stringify({ status: statuses[Math.floor(rnd() * statuses.length)] }) };
      }
      if (r < 0.8) {
        // Hand a case to a colleague, who gets it from now on.
        counts.assign++;
        const to = Math.floor(rnd() * tokens.length);
        return { ...req, method: 'PATCH', path: '/api/v1/cases/' + caseId, headers,
          body: JSON.stringify({ assigneeUserId: workerData.agentIds[to] }) };
      }
      if (r < 0.9) {
        counts.note++;
        return { ...req, method: 'POST', path: '/api/v1/cases/' + caseId + '/notes', headers,
          body: JSON.stringify({ body: 'Checked the booking, waiting on the airline.' }) };
      }
      counts.reply++;
      return { ...req, method: 'POST', path: '/api/v1/cases/' + caseId + '/replies', headers,
        body: JSON.stringify({ body: 'Sorry about that, we are on it. Could you send your booking reference?' }) };
    },
  }],
});
const byStatus = {};
instance.on('response', (client, statusCode) => { byStatus[statusCode] = (byStatus[statusCode] || 0) + 1; });
instance.on('done', (result) => process.stdout.write(JSON.stringify({ result, counts, byStatus })));
`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-load-'));
  writeFileSync(path.join(dir, 'load.cjs'), code);
  writeFileSync(
    path.join(dir, 'data.json'),
    JSON.stringify({ autocannonPath, tokens, workable, url, seconds, agentIds, pageSize: PAGE_SIZE }),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'load.cjs'), path.join(dir, 'data.json')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`load tool exited with ${code}`));
      const { result, counts, byStatus } = JSON.parse(out) as {
        result: {
          requests: { average: number; total: number };
          latency: { p50: number; p90: number; p99: number; max: number; average: number };
          errors: number;
          timeouts: number;
          non2xx: number;
          duration: number;
        };
        counts: Record<string, number>;
        byStatus: Record<string, number>;
      };
      resolve({
        req_per_sec: result.requests.total / result.duration,
        total: result.requests.total,
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        max: result.latency.max,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        ...Object.fromEntries(Object.entries(counts).map(([k, v]) => [`sent_${k}`, v])),
        ...Object.fromEntries(Object.entries(byStatus).map(([k, v]) => [`status_${k}`, v])),
      });
    });
  });
}

/** CPU time of every PostgreSQL process on this machine so far (Linux /proc; 0 elsewhere). */
function postgresCpuMs(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
        ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ticks * 10;
}

/** 100 rules as a busy team writes them: keyword, intent, channel, sentiment; a few make cases. */
function routingRules(teamIds: string[], notifyUserId: string): RoutingRuleInput[] {
  const rnd = seededRandom(9);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const brands = [
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
  const products = [
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
  const complaints = [
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
  const rules: RoutingRuleInput[] = [];
  // 5 rules that open cases: a brand's complaints on a channel.
  for (let i = 0; i < 5; i++)
    rules.push({
      name: `Complaints about ${brands[i]}`,
      match: 'all',
      conditions: [
        { field: 'keywords', op: 'contains_any', value: [brands[i] as string, `@${brands[i]}`] },
        { field: 'intent', op: 'in', value: ['complaint', 'churn_risk'] },
        { field: 'keywords', op: 'contains_any', value: [pick(complaints), pick(complaints)] },
      ],
      actions: [
        { type: 'create_case' },
        { type: 'assign_team', teamId: teamIds[i % teamIds.length] as string },
      ],
    });
  for (let i = 5; i < 100; i++) {
    const kind = i % 5;
    const brand = pick(brands);
    const conditions: RoutingRuleInput['conditions'] =
      kind === 0
        ? [
            { field: 'keywords', op: 'contains_any', value: [brand, pick(products)] },
            { field: 'channel', op: 'in', value: [pick(['bluesky', 'mastodon'])] },
            { field: 'sentiment', op: 'in', value: ['negative'] },
          ]
        : kind === 1
          ? [
              {
                field: 'intent',
                op: 'in',
                value: [pick(['purchase_intent', 'support_question', 'churn_risk'])],
              },
              { field: 'keywords', op: 'contains_any', value: [brand] },
            ]
          : kind === 2
            ? [
                { field: 'case_exists', op: 'is_true' },
                { field: 'keywords', op: 'contains_any', value: [pick(complaints), pick(products)] },
              ]
            : kind === 3
              ? [
                  { field: 'channel', op: 'in', value: ['webhook'] },
                  { field: 'keywords', op: 'contains_any', value: [brand] },
                  { field: 'urgency', op: 'gte', value: 60 },
                ]
              : [
                  { field: 'keywords', op: 'contains_any', value: [`#${brand}`] },
                  { field: 'language', op: 'in', value: [pick(['en', 'es', 'fr', 'de'])] },
                ];
    const actions: RoutingRuleInput['actions'] =
      kind === 2
        ? [
            { type: 'add_tags', value: [pick(complaints)] },
            { type: 'set_priority', value: 'high' },
          ]
        : kind === 3
          ? [{ type: 'notify', userIds: [notifyUserId] }]
          : [{ type: 'add_tags', value: [brand] }];
    rules.push({ name: `Rule ${i}`, match: 'all', conditions, actions });
  }
  return rules;
}

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

/** The pipeline (processBatch, then routing, as the worker does) over `posts`, with or without rules. */
export async function pipelineSeconds(
  engine: 'sqlite' | 'postgres',
  posts: ReturnType<typeof generatePosts>,
  withRules: boolean,
): Promise<{
  seconds: number;
  routingSeconds: number;
  cpuSeconds: number;
  routingCpuSeconds: number;
  cases: number;
  fired: number;
}> {
  const fresh = await freshDatabase(engine, withRules ? 'rules' : 'norules');
  const { ctx, workspaceId } = fresh;
  const { user } = await provisionUser(ctx, {
    workspaceId,
    email: 'manager@bench.test',
    name: 'Manager',
    role: 'manager',
    password: 'benchmark password',
  });
  const actor: Actor = { userId: user.id, workspaceId, role: 'manager', via: 'cli' };
  for (let a = 0; a < 10; a++)
    await provisionUser(ctx, {
      workspaceId,
      email: `agent${a}@bench.test`,
      name: `Agent ${a}`,
      role: 'agent',
      password: 'benchmark password',
    });
  const teamIds: string[] = [];
  for (const name of TEAMS) {
    const id = newId(new Date());
    await ctx.db
      .insertInto('teams')
      .values({ id, workspace_id: workspaceId, name, created_at: new Date().toISOString() })
      .execute();
    teamIds.push(id);
  }
  const now = new Date().toISOString();
  // The same listening queries in both runs: brands, so about a fifth of the posts match.
  for (const brand of ['acme', 'globex', 'initech', 'umbrella', 'hooli'])
    await ctx.db
      .insertInto('listening_queries')
      .values({
        id: newId(new Date()),
        workspace_id: workspaceId,
        name: brand,
        query: brand,
        enabled: 1,
        created_at: now,
        updated_at: now,
      })
      .execute();
  if (withRules) for (const rule of routingRules(teamIds, user.id)) await saveRule(ctx, actor, rule);
  for (let i = 0; i < posts.length; i += 1000)
    await appendToLog(
      ctx,
      posts.slice(i, i + 1000).map((p) => ({
        workspaceId,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify(p),
      })),
    );
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let routingMs = 0;
  let routingCpuUs = 0;
  const route = async () => {
    const t = performance.now();
    const cpu = process.cpuUsage();
    await routeNewMentions(ctx);
    routingMs += performance.now() - t;
    const used = process.cpuUsage(cpu);
    routingCpuUs += used.user + used.system;
  };
  // As the worker loop runs it: each full batch sends the next to the content thread.
  const pool = createContentPool(ctx.log);
  while ((await processBatch(ctx, 1000, { pool })).claimed > 0) await route();
  await route();
  await pool.close();
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuAtStart);
  const cases = await ctx.db
    .selectFrom('cases')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const fired = await ctx.db
    .selectFrom('routing_rules')
    .select((eb) => eb.fn.sum<number>('fired_count').as('n'))
    .executeTakeFirstOrThrow();
  await fresh.drop();
  return {
    seconds,
    routingSeconds: routingMs / 1000,
    // This process's CPU (PostgreSQL's own is not in it): steadier than wall time on a shared machine.
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    routingCpuSeconds: routingCpuUs / 1e6,
    cases: Number(cases.n),
    fired: Number(fired.n ?? 0),
  };
}

/** The pipeline over the same generated posts with 100 rules and with none, `runs` times each. */
export async function rulesOverhead(engine: 'sqlite' | 'postgres', postCount: number, runs: number) {
  const posts = generatePosts(postCount, 11);
  const without: number[] = [];
  const withRules: number[] = [];
  const routingOnly: number[] = [];
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  const routingCpu: number[] = [];
  let routed = { cases: 0, fired: 0 };
  for (let round = 0; round < runs; round++) {
    const plain = await pipelineSeconds(engine, posts, false);
    without.push(plain.seconds);
    cpuWithout.push(plain.cpuSeconds);
    const r = await pipelineSeconds(engine, posts, true);
    withRules.push(r.seconds);
    routingOnly.push(r.routingSeconds);
    cpuWith.push(r.cpuSeconds);
    routingCpu.push(r.routingCpuSeconds);
    routed = r;
  }
  return { without, withRules, routingOnly, cpuWithout, cpuWith, routingCpu, routed };
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
  let listed = 0;
  for (let i = 0; i < samples / 4; i++) {
    const view = views[i % views.length] as string;
    const token = data.tokens[Math.floor(rnd() * AGENTS)] as string;
    let path = `/api/v1/cases?${view}&limit=${PAGE_SIZE}`;
    for (let p = 0; p < 4; p++) {
      const { ms, body } = await get(path, token);
      (p === 0 ? listFirst : listNext).push(ms);
      listByView[view] = [...(listByView[view] ?? []), ms];
      const page = body as { items: unknown[]; nextCursor: string | null };
      listed += page.items.length;
      if (!page.nextCursor) break;
      path = `/api/v1/cases?${view}&limit=${PAGE_SIZE}&cursor=${encodeURIComponent(page.nextCursor)}`;
    }
  }
  // Opening cases: half the newest 10 % (what agents work on), half uniform.
  const openMs: number[] = [];
  const cases = data.caseIds.length;
  for (let i = 0; i < samples; i++) {
    const index = i % 2 === 0 ? cases - 1 - Math.floor(rnd() * (cases / 10)) : Math.floor(rnd() * cases);
    const { ms } = await get(`/api/v1/cases/${data.caseIds[index]}`, data.tokens[i % AGENTS] as string);
    openMs.push(ms);
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
      load_avg_1m: `${round(loadBefore)} reads ${round(loadAfterReads)} agents ${round(loadAfterAgents)}`,
      generate_s: round(generateS),
    },
    machine: machine(),
    metrics: {
      inbox_list_ms_p50: round(percentile([...listFirst, ...listNext], 50)),
      inbox_list_ms_p95: round(percentile([...listFirst, ...listNext], 95)),
      inbox_list_first_page_ms_p95: round(percentile(listFirst, 95)),
      inbox_list_next_page_ms_p95: round(percentile(listNext, 95)),
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
