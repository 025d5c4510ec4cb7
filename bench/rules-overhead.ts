import { newId } from '../src/ids.ts';
import type { Actor } from '../src/modules/auth/roles.ts';
import { provisionUser } from '../src/modules/auth/service.ts';
import { routeNewMentions } from '../src/modules/inbox/routing.ts';
import { saveRule } from '../src/modules/inbox/routing-rules.ts';
import type { RoutingRuleInput } from '../src/modules/inbox/routing-schema.ts';
import { createContentPool } from '../src/pipeline/content-pool.ts';
import { processBatch } from '../src/pipeline/worker.ts';
import { seededRandom } from '../src/random.ts';
import { appendPosts, freshDatabase } from './fresh-database.ts';
import { brands, complaints, generatePosts, products } from './generate.ts';
import { TEAMS } from './inbox-data.ts';

// The routing rules' cost in the pipeline: the same generated posts through processBatch and
// routing with 100 rules and with none. Part of the inbox benchmark, and what `routing.ts` measures alone.

/** 100 rules as a busy team writes them: keyword, intent, channel, sentiment; a few make cases. */
function routingRules(teamIds: string[], notifyUserId: string): RoutingRuleInput[] {
  const rnd = seededRandom(9);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
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
  await appendPosts(ctx, workspaceId, posts);
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
