import { type Insertable, sql } from 'kysely';
import type {
  AuthorsTable,
  CaseSlaTable,
  CasesTable,
  ConversationsTable,
  CustomersTable,
  IdentitiesTable,
} from '../src/db/schema.ts';
import { newId } from '../src/ids.ts';
import { analyzeText } from '../src/modules/analysis/service.ts';
import { createApiToken, provisionUser } from '../src/modules/auth/service.ts';
import { rebuildCustomerStats } from '../src/modules/customers/customer-stats.ts';
import { handleKey } from '../src/modules/customers/rules.ts';
import { seededRandom } from '../src/random.ts';
import { DAY, insertAll, intentsBySentiment, phrases, type Sentiment } from './bulk-data.ts';
import type { Fresh } from './fresh-database.ts';

// Data for the inbox benchmark (`inbox.ts`): agents with API tokens, teams, an SLA policy, customers,
// and a year of mentions threaded into cases, conversations and SLA clocks, bulk-inserted.

export const AGENTS = 50;
/** Cards per page, as the web inbox asks for them (`web/src/api.ts`). */
export const PAGE_SIZE = 30;
export const TEAMS = ['Tier 1', 'Tier 2', 'Billing', 'Social', 'VIP'];

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

export async function generate(fresh: Fresh, mentions: number, end: number): Promise<Generated> {
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
              const answeredAt = status === 'new' ? null : new Date(at.getTime() + 3600_000).toISOString();
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
                first_response_at: answeredAt,
                solved_at: status === 'solved' ? later.toISOString() : null,
                closed_at: status === 'closed' ? later.toISOString() : null,
                // Two in five answered cases still being worked have the customer's answer back
                // (waiting on the team again), without drawing from rnd: the rest of the data stays
                // what earlier runs generated.
                last_customer_message_at:
                  answeredAt !== null && !done && caseIndex % 5 < 2
                    ? new Date(
                        Math.min(end, at.getTime() + 2 * 3600_000 + (caseIndex % 7) * 1800_000),
                      ).toISOString()
                    : atIso,
                last_agent_reply_at: answeredAt,
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
