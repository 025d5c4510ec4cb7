import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import type { AppContext } from '../../context.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import type { WorkspaceView } from '../auth/schema.ts';
import { getCase } from './case-lists.ts';
import { mergeCases } from './case-merge-split.ts';
import { createCase } from './cases.ts';
import { inboxCommands } from './commands.ts';
import { queueReply } from './replies.ts';
import { listRules, saveRule } from './routing-rules.ts';
import type { RoutingRuleView, RuleTest } from './routing-schema.ts';
import type { CaseCard, CaseDetail, TeamView } from './schema.ts';
import { saveSlaPolicy } from './sla.ts';
import type { SlaPolicyView } from './sla-schema.ts';
import { saveTeam } from './teams.ts';
import { createView } from './views.ts';

// The commands open the database the environment names, as `rapport` does: here the fresh test
// database of whichever engine the suite runs on (a SQLite file, or a PostgreSQL database).
let db: TestDatabase;
let ctx: AppContext;
let dir: string;
const saved = {
  DATA_DIR: process.env.DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  LOG_LEVEL: process.env.LOG_LEVEL,
  SECRET_KEY: process.env.SECRET_KEY,
};
/** What a child process needs to reach the same database (the CLI as an operator runs it). */
let cliEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  ctx = db.ctx;
  const sqlite = db.location.sqlitePath;
  dir = sqlite ? path.dirname(sqlite) : ctx.config.dataDir;
  cliEnv = {
    DATA_DIR: dir,
    DATABASE_URL: db.location.databaseUrl ?? '',
    SECRET_KEY: ctx.config.secretKey ?? '',
    LOG_LEVEL: 'silent',
  };
  for (const [k, v] of Object.entries(cliEnv)) {
    if (v) process.env[k] = v;
    else delete process.env[k];
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await db?.close();
});

async function run(name: string, args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
    lines.push(String(line));
  });
  try {
    const command = inboxCommands[name];
    if (!command) throw new Error(`no command ${name}`);
    return { code: await command.run(args), out: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

async function json<T>(name: string, args: string[]): Promise<T> {
  const result = await run(name, [...args, '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.out) as T;
}

function runCli(args: string[]) {
  const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, ...cliEnv, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

type World = {
  ws: WorkspaceView;
  owner: Actor;
  agentId: string;
  team: TeamView;
  bagMention: number;
  loungeMention: number;
  bagCaseId: string;
  ruleId: string;
};
let world: World | undefined;

/** One workspace with a team, an SLA policy, two stored posts, two cases (one with a reply) and a rule. */
async function setup(): Promise<World> {
  if (world) return world;
  const ws = await buildWorkspace(ctx);
  const owner = (await buildUser(ctx, ws, { role: 'owner', name: 'Olga Owner' })).actor;
  const agent = (await buildUser(ctx, ws, { role: 'agent', name: 'Ana Agent' })).actor;
  const team = await saveTeam(ctx, owner, { name: 'Care', memberIds: [agent.userId] });
  await saveSlaPolicy(ctx, owner, {
    name: 'Standard',
    targets: { firstResponse: 60, resolution: 1440 },
    businessHours: false,
    conditions: { priorities: ['high', 'urgent'] },
    breachActions: [{ type: 'escalate_priority' }],
  });
  // Demo posts are answered through the demo connector: a reply is queued without a network.
  await createConnector(ctx, owner, { kind: 'demo', name: 'Demo stream', config: {} });
  const post = (externalId: string, handle: string, text: string) => ({
    workspaceId: ws.id,
    connectorId: null,
    format: 'generic' as const,
    payload: JSON.stringify({
      channel: 'bluesky',
      externalId,
      text,
      createdAt: db.clock.now().toISOString(),
      author: { externalId: `demo:${handle}`, handle, displayName: handle === 'maya' ? 'Maya' : 'Ola' },
    }),
  });
  await appendToLog(ctx, [
    post('demo:1:1', 'maya', 'My bag never arrived in Oslo, flight RP 204'),
    post('demo:2:1', 'ola', 'Lovely new lounge in Bergen'),
  ]);
  while ((await processBatch(ctx)).claimed > 0) {
    // drain
  }
  const ids = await ctx.db
    .selectFrom('mentions')
    .select(['id', 'external_id'])
    .where('workspace_id', '=', ws.id)
    .orderBy('id')
    .execute();
  const idOf = (e: string) => Number(ids.find((m) => m.external_id === e)?.id);
  const bagCase = await createCase(ctx, owner, {
    subject: 'Lost bag on RP 204',
    priority: 'high',
    type: 'complaint',
    teamId: team.id,
    assigneeUserId: agent.userId,
    tags: ['baggage'],
    mentionIds: [idOf('demo:1:1')],
  });
  await queueReply(ctx, owner, bagCase.id, { body: 'We are tracing it now.' });
  await createCase(ctx, owner, { subject: 'Lounge praise', type: 'feedback', priority: 'low' });
  const rule = await saveRule(ctx, owner, {
    name: 'Bags',
    conditions: [{ field: 'keywords', op: 'contains_any', value: ['bag'] }],
    actions: [
      { type: 'create_case', priority: 'high' },
      { type: 'assign_team', teamId: team.id },
    ],
  });
  world = {
    ws,
    owner,
    agentId: agent.userId,
    team,
    bagMention: idOf('demo:1:1'),
    loungeMention: idOf('demo:2:1'),
    bagCaseId: bagCase.id,
    ruleId: rule.id,
  };
  return world;
}

describe('rapport inbox cases', () => {
  it('lists cases as lines or JSON, filters them, and pages with a cursor', async () => {
    const { ws, agentId, team } = await setup();
    const lines = await run('inbox cases list', ['--workspace', ws.slug]);
    expect(lines.code).toBe(0);
    const [lounge, bag] = lines.out.split('\n');
    expect(lounge?.split('\t').slice(0, 8)).toEqual([
      '#2',
      'new',
      'low',
      'feedback',
      'Lounge praise',
      'no customer',
      'unassigned',
      'no team',
    ]);
    expect(bag?.split('\t').slice(0, 8)).toEqual([
      '#1',
      'new',
      'high',
      'complaint',
      'Lost bag on RP 204',
      'Maya @maya',
      'assignee Ana Agent',
      'team Care',
    ]);
    expect(bag?.split('\t')[8]).toMatch(/^SLA first_response running due \d{4}-\d\d-\d\dT/);
    // The customer's post opened case 1 and the reply to it is still queued: the customer waits.
    expect(bag?.split('\t')[9]).toMatch(/^waiting since \d{4}-\d\d-\d\dT/);
    expect(lounge?.split('\t')[9]).toBe('');
    for (const [sort, numbers] of [
      ['oldest', [1, 2]],
      ['priority', [1, 2]],
      ['waiting', [1, 2]],
      ['newest', [2, 1]],
    ] as const) {
      const sorted = await json<{ items: CaseCard[] }>('inbox cases list', ['--sort', sort]);
      expect(
        sorted.items.map((c) => c.number),
        sort,
      ).toEqual(numbers);
    }
    const waiting = await json<{ items: CaseCard[] }>('inbox cases list', ['--needs-reply']);
    expect(waiting.items.map((c) => c.number)).toEqual([1]);

    const high = await json<{ items: CaseCard[]; nextCursor: string | null }>('inbox cases list', [
      '--priority',
      'high',
    ]);
    expect(high.items.map((c) => [c.number, c.assigneeUserId, c.teamId])).toEqual([[1, agentId, team.id]]);
    expect(high.items[0]?.firstMessage?.text).toBe('My bag never arrived in Oslo, flight RP 204');
    expect(high.items[0]?.sla.map((s) => [s.metric, s.status, s.targetMinutes])).toEqual([
      ['first_response', 'running', 60],
      ['resolution', 'running', 1440],
    ]);
    const unassigned = await json<{ items: CaseCard[] }>('inbox cases list', ['--view', 'unassigned']);
    expect(unassigned.items.map((c) => c.subject)).toEqual(['Lounge praise']);
    const byTeam = await json<{ items: CaseCard[] }>('inbox cases list', ['--team', team.id]);
    expect(byTeam.items.map((c) => c.number)).toEqual([1]);
    const solved = await json<{ items: CaseCard[] }>('inbox cases list', ['--status', 'solved,closed']);
    expect(solved.items).toEqual([]);
    expect((await run('inbox cases list', ['--status', 'solved'])).out).toBe('No cases.');

    const first = await json<{ items: CaseCard[]; nextCursor: string | null }>('inbox cases list', [
      '--limit',
      '1',
    ]);
    expect(first.items.map((c) => c.number)).toEqual([2]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const firstLines = await run('inbox cases list', ['--limit', '1']);
    expect(firstLines.out.split('\n').at(-1)).toBe(`More: add --cursor ${first.nextCursor}`);
    const second = await json<{ items: CaseCard[]; nextCursor: string | null }>('inbox cases list', [
      '--limit',
      '1',
      '--cursor',
      first.nextCursor ?? '',
    ]);
    expect(second).toMatchObject({ items: [{ number: 1 }], nextCursor: null });
  });

  it('exports cases to a file, in the format its extension names, within a window on when they were opened', async () => {
    const { ws } = await setup();
    const out = path.join(dir, 'cases.csv');
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(
        (await run('inbox cases export', ['--workspace', ws.slug, '--out', out, '--sort', 'oldest'])).code,
      ).toBe(0);
      const [header, ...lines] = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(header?.split(',').slice(0, 3)).toEqual(['number', 'subject', 'status']);
      expect(lines.map((l) => l.split(',').slice(0, 2))).toEqual([
        ['1', 'Lost bag on RP 204'],
        ['2', 'Lounge praise'],
      ]);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        new RegExp(
          `^Exported 2 cases as CSV to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in [\\d.]+ s\\.\\n$`,
        ),
      );
      const tomorrow = new Date(db.clock.now().getTime() + 86_400_000).toISOString().slice(0, 10);
      await run('inbox cases export', [
        '--workspace',
        ws.slug,
        '--since',
        tomorrow,
        '--out',
        path.join(dir, 'none.jsonl'),
      ]);
      expect(readFileSync(path.join(dir, 'none.jsonl'), 'utf8')).toBe('');
      await expect(run('inbox cases export', ['--workspace', ws.slug, '--since', 'soon'])).rejects.toThrow(
        /give a day \(2026-12-01\) or a moment/,
      );
    } finally {
      err.mockRestore();
    }
  });

  it('shows a case by number with its conversations, SLA clocks and replies', async () => {
    const { ws, bagCaseId, bagMention } = await setup();
    const detail = await json<CaseDetail>('inbox cases show', ['1', '--workspace', ws.slug]);
    expect(detail).toMatchObject({
      id: bagCaseId,
      number: 1,
      subject: 'Lost bag on RP 204',
      tags: ['baggage'],
    });
    expect(detail.conversations).toHaveLength(1);
    expect(detail.conversations[0]?.messages.map((m) => [m.id, m.author?.handle])).toEqual([
      [bagMention, 'maya'],
    ]);
    expect(detail.sla.map((s) => s.metric)).toEqual(['first_response', 'resolution']);
    expect(detail.replies.map((r) => [r.channel, r.visibility, r.status, r.body])).toEqual([
      ['bluesky', 'public', 'queued', 'We are tracing it now.'],
    ]);

    const text = await run('inbox cases show', ['#1']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('Case #1: Lost bag on RP 204');
    expect(text.out).toContain('  new · high · complaint · bluesky');
    expect(text.out).toContain('  assignee: Ana Agent');
    expect(text.out).toContain('  team: Care');
    expect(text.out).toContain('  their other cases: 0 open, 0 in all\n');
    expect(text.out).toMatch(/ {2}first_response running due \S+ \(target 60 min\)/);
    expect(text.out).toContain('Conversations (1):');
    expect(text.out).toMatch(/ {4}\S+ @maya: My bag never arrived in Oslo, flight RP 204/);
    expect(text.out).toContain('Replies (1):');
    expect(text.out).toMatch(/ {2}\S+ bluesky public queued: We are tracing it now\./);

    const bare = await run('inbox cases show', ['2']);
    expect(bare.out).toContain('SLA clocks: none (no policy applies)');
    expect(bare.out).toContain('Conversations (0):');
    expect(bare.out).not.toContain('their other cases');
    await expect(run('inbox cases show', ['99'])).rejects.toMatchObject({
      code: 'not_found',
      message: 'No case #99',
    });
  });

  it('refuses bad flags and arguments with a message naming them', async () => {
    await setup();
    const refused = async (name: string, args: string[], message: string) =>
      expect(run(name, args)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining(message),
      });
    await refused('inbox cases list', ['--status', 'lost'], '--status: active, or one or more of new');
    await refused('inbox cases list', ['--priority', 'extreme'], '--priority');
    await refused('inbox cases list', ['--view', 'mine'], '--view');
    await refused('inbox cases list', ['--limit', '0'], '--limit');
    await refused('inbox cases list', ['--nope'], "Unknown option '--nope'");
    await refused('inbox cases list', ['--cursor', 'not-a-cursor'], 'Invalid cursor');
    await expect(run('inbox cases list', ['--workspace', 'nowhere-at-all'])).rejects.toMatchObject({
      code: 'workspace_not_found',
    });
    await refused('inbox cases show', [], 'Give the case number');
    await refused('inbox cases show', ['abc'], 'Give the case number');
    await refused('inbox cases show', ['0'], 'Give the case number');
    await refused('inbox rules test', [], 'Give the rule file');
    await refused('inbox rules test', ['rule.json', '--limit', '9999'], '--limit');
    await refused('inbox rules enable', [], 'Give the rule id');
    await refused('inbox rules delete', ['--workspace', 'x'], 'Give the rule id');
    await refused('inbox sla policies list', ['extra'], 'Unexpected argument');
    await refused('inbox teams list', ['extra'], 'Unexpected argument');
  });
});

describe('rapport inbox rules', () => {
  it('lists rules, tries one from a file, switches one off and on, and deletes it', async () => {
    const { ws, ruleId, team, bagMention } = await setup();
    const rules = await json<RoutingRuleView[]>('inbox rules list', ['--workspace', ws.slug]);
    expect(rules).toMatchObject([{ id: ruleId, name: 'Bags', enabled: true, position: 1, firedCount: 0 }]);
    const lines = await run('inbox rules list', []);
    expect(lines.out.split('\t')).toEqual([
      '1',
      ruleId,
      'enabled',
      'on mention_stored',
      'Bags',
      'all: keywords contains_any bag',
      `→ create_case high; assign_team ${team.id}`,
      'fired 0',
    ]);

    // A rule as `rules list --json` prints it can be tried as it is (the extra fields are ignored).
    const file = path.join(dir, 'bags.json');
    writeFileSync(file, JSON.stringify(rules[0]));
    const tried = await json<RuleTest>('inbox rules test', [file, '--limit', '500']);
    expect(tried.evaluated).toBe(2);
    expect(tried.matched).toBe(1);
    expect(tried.samples.map((s) => [s.mentionId, s.channel])).toEqual([[bagMention, 'bluesky']]);
    expect(tried.samples[0]?.reasons.join(' ')).toContain('bag');
    const triedText = await run('inbox rules test', [file]);
    expect(triedText.out.split('\n')[0]).toBe('"Bags" would fire on 1 of the latest 2 mentions.');
    expect(triedText.out.split('\n')[1]).toMatch(new RegExp(`^mention ${bagMention}\t\\S+\tbluesky\tMy bag`));
    const lounge = path.join(dir, 'lounge.json');
    writeFileSync(
      lounge,
      JSON.stringify({
        name: 'Lounges',
        conditions: [{ field: 'keywords', op: 'contains_any', value: ['lounge'] }],
        actions: [{ type: 'add_tags', value: ['lounge'] }],
      }),
    );
    expect(await json<RuleTest>('inbox rules test', [lounge, '--limit', '1'])).toMatchObject({
      evaluated: 1,
      matched: 1,
    });
    // A rule on case events is tried on open cases, and says so, case by case.
    const onCases = path.join(dir, 'low.json');
    writeFileSync(
      onCases,
      JSON.stringify({
        name: 'Low ones',
        event: 'case_created',
        conditions: [{ field: 'case_priority', op: 'in', value: ['low'] }],
        actions: [{ type: 'add_tags', value: ['low'] }],
      }),
    );
    const casesText = (await run('inbox rules test', [onCases])).out.split('\n');
    expect(casesText[0]).toBe('"Low ones" would fire on 1 of the latest 2 open cases.');
    expect(casesText[1]).toMatch(/^case \d+\t\S+\t\S+\tLounge praise\t/);

    expect(await run('inbox rules disable', [ruleId])).toEqual({
      code: 0,
      out: `Rule ${ruleId} "Bags" is now disabled.`,
    });
    const off = (await listRules(ctx, (await setup()).owner))[0];
    // Everything but the flag is kept.
    expect(off).toMatchObject({
      id: ruleId,
      enabled: false,
      position: 1,
      conditions: rules[0]?.conditions,
      actions: rules[0]?.actions,
    });
    expect((await run('inbox rules list', [])).out.split('\t')[2]).toBe('disabled');
    expect((await run('inbox rules disable', [ruleId])).out).toBe(
      `Rule ${ruleId} "Bags" was already disabled.`,
    );
    expect((await run('inbox rules enable', [ruleId, '--workspace', ws.slug])).out).toBe(
      `Rule ${ruleId} "Bags" is now enabled.`,
    );
    expect(await json<RoutingRuleView[]>('inbox rules list', [])).toMatchObject([
      { id: ruleId, enabled: true },
    ]);
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('workspace_id', '=', ws.id)
      .where('target_id', '=', ruleId)
      .execute();
    // The command line writes with the real clock, the setup with the test clock: compare unordered.
    expect(audit.map((a) => `${a.action} by ${a.actor_user_id}`).sort()).toEqual([
      `routing_rule.create by ${(await setup()).owner.userId}`,
      'routing_rule.update by cli',
      'routing_rule.update by cli',
    ]);

    expect(await run('inbox rules delete', [ruleId])).toEqual({
      code: 0,
      out: `Deleted routing rule ${ruleId}.`,
    });
    expect(await json<RoutingRuleView[]>('inbox rules list', [])).toEqual([]);
    expect((await run('inbox rules list', [])).out).toBe('No routing rules.');
  });

  it('refuses an unknown rule id and reports what is wrong in a malformed rule file', async () => {
    await setup();
    for (const verb of ['enable', 'disable', 'delete'])
      await expect(run(`inbox rules ${verb}`, ['no-such-rule'])).rejects.toMatchObject({
        code: 'not_found',
        message: 'No routing rule no-such-rule',
      });

    const notJson = path.join(dir, 'broken.json');
    writeFileSync(notJson, '{"name": "Half a rule",');
    await expect(run('inbox rules test', [notJson])).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringMatching(/broken\.json is not JSON: /),
    });
    await expect(run('inbox rules test', [path.join(dir, 'missing.json')])).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('No such file'),
    });

    const invalid = path.join(dir, 'invalid.json');
    writeFileSync(
      invalid,
      JSON.stringify({
        name: '',
        conditions: [{ field: 'urgency', op: 'gte', value: 500 }],
        actions: [{ type: 'teleport' }],
      }),
    );
    const error = await run('inbox rules test', [invalid]).then(
      () => undefined,
      (err: unknown) => err as { code: string; message: string; details: { fields: { path: string }[] } },
    );
    expect(error?.code).toBe('validation_failed');
    expect(error?.message.split('\n')[0]).toBe(`Invalid rule in ${invalid}:`);
    expect(error?.details.fields.map((f) => f.path).sort()).toEqual([
      'actions.0.type',
      'conditions.0.value',
      'name',
    ]);
    expect(error?.message).toMatch(/\n {2}conditions\.0\.value: .*100/);

    const list = path.join(dir, 'list.json');
    writeFileSync(list, '[]');
    await expect(run('inbox rules test', [list])).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('(the rule): '),
    });
  });
});

describe('rapport inbox sla policies and teams', () => {
  it('lists SLA policies and teams as lines or JSON', async () => {
    const { ws, team, agentId } = await setup();
    const policies = await json<SlaPolicyView[]>('inbox sla policies list', ['--workspace', ws.slug]);
    expect(policies).toMatchObject([
      {
        name: 'Standard',
        enabled: true,
        position: 1,
        targets: { firstResponse: 60, resolution: 1440 },
        conditions: { priorities: ['high', 'urgent'] },
        businessHours: false,
        warnBeforeMinutes: 30,
        breachActions: [{ type: 'escalate_priority' }],
      },
    ]);
    const policyLines = await run('inbox sla policies list', []);
    expect(policyLines.out.split('\n')).toEqual([
      [
        '1',
        policies[0]?.id,
        'enabled',
        'Standard',
        'first response 60 min, resolution 1440 min',
        'calendar time',
        'warn 30 min before',
      ].join('\t'),
      '  when: priority high, urgent',
      '  on breach: escalate_priority',
    ]);

    expect(await json<TeamView[]>('inbox teams list', [])).toEqual([
      { id: team.id, name: 'Care', memberIds: [agentId], createdAt: team.createdAt },
    ]);
    expect((await run('inbox teams list', ['--workspace', ws.slug])).out).toBe(
      `${team.id}\tCare\t1 member\tAna Agent`,
    );
    // A member's skills follow their name.
    await ctx.db.updateTable('users').set({ skills: 'billing spanish' }).where('id', '=', agentId).execute();
    try {
      expect((await run('inbox teams list', [])).out).toBe(
        `${team.id}\tCare\t1 member\tAna Agent [billing spanish]`,
      );
    } finally {
      await ctx.db.updateTable('users').set({ skills: '' }).where('id', '=', agentId).execute();
    }
  });
});

describe('rapport inbox, through the rapport command', () => {
  it('dispatches the inbox commands, lists them in the help, and exits 2 on bad flags and 1 on unknown records', async () => {
    const { ws } = await setup();
    const policies = await runCli(['inbox', 'sla', 'policies', 'list', '--workspace', ws.slug, '--json']);
    expect(policies.code, policies.stderr).toBe(0);
    expect((JSON.parse(policies.stdout) as SlaPolicyView[]).map((p) => p.name)).toEqual(['Standard']);
    const cases = await runCli(['inbox', 'cases', 'list', '--status', 'lost']);
    expect(cases.code).toBe(2);
    expect(cases.stderr).toContain('--status');
    // The due order belongs to the due-soon filter, which the command line does not offer.
    const due = await runCli(['inbox', 'cases', 'list', '--sort', 'due']);
    expect(due.code).toBe(2);
    expect(due.stderr).toContain('--sort');
    const unknown = await runCli(['inbox', 'rules', 'enable', 'no-such-rule']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('Error: No routing rule no-such-rule');
    const help = await runCli(['help']);
    for (const usage of [
      'rapport inbox cases list',
      'rapport inbox cases show <number>',
      'rapport inbox rules test <rule.json>',
      'rapport inbox sla policies list',
      'rapport inbox teams list',
      // the commands written in src/main.ts are still there
      'rapport inbox outbox list',
      'rapport inbox sla check',
    ])
      expect(help.stdout).toContain(usage);
    const check = await runCli(['inbox', 'sla', 'check']);
    expect(check.stdout.trim()).toMatch(/^SLA clocks checked: \d+ warned, \d+ breached\.$/);
  }, 60_000);
});

type ListedView = { id: string; name: string; shared: boolean; ownerEmail: string; count: number };

// Adds workspaces too: after the commands that find the only one without --workspace.
describe('rapport inbox views list', () => {
  it("lists every view of the workspace, or one person's, with counts, as lines or JSON", async () => {
    const ws = await buildWorkspace(ctx);
    const manager = await buildUser(ctx, ws, { role: 'manager', email: 'mia@views.test' });
    const agent = await buildUser(ctx, ws, { role: 'agent', email: 'ana@views.test' });
    const colleague = await buildUser(ctx, ws, { role: 'agent', email: 'ola@views.test' });
    await createCase(ctx, manager.actor, { subject: 'Urgent one', priority: 'urgent' });
    await createCase(ctx, manager.actor, {
      subject: 'Urgent two',
      priority: 'urgent',
      assigneeUserId: agent.user.id,
    });
    const shared = await createView(ctx, manager.actor, {
      name: 'Urgent',
      filters: { priority: 'urgent', status: 'active' },
      shared: true,
    });
    const mine = await createView(ctx, agent.actor, { name: 'Mine', filters: { view: 'mine' } });
    await createView(ctx, colleague.actor, { name: 'Low', filters: { priority: 'low' } });

    const all = await run('inbox views list', ['--workspace', ws.slug]);
    expect(all.code).toBe(0);
    expect(all.out.split('\n').map((l) => l.split('\t'))).toEqual([
      [shared.id, 'shared', 'Urgent', 'owner mia@views.test', '2 cases', 'status=active priority=urgent'],
      [mine.id, 'personal', 'Mine', 'owner ana@views.test', '1 case', 'view=mine'],
      [expect.any(String), 'personal', 'Low', 'owner ola@views.test', '0 cases', 'priority=low'],
    ]);

    const ana = JSON.parse(
      (await run('inbox views list', ['--workspace', ws.slug, '--user', 'ANA@views.test', '--json'])).out,
    ) as ListedView[];
    expect(ana.map((v) => [v.name, v.shared, v.ownerEmail, v.count])).toEqual([
      ['Urgent', true, 'mia@views.test', 2],
      ['Mine', false, 'ana@views.test', 1],
    ]);
    const ola = await run('inbox views list', ['--workspace', ws.slug, '--user', 'ola@views.test']);
    expect(ola.out.split('\n').map((l) => l.split('\t')[2])).toEqual(['Urgent', 'Low']);

    await expect(
      run('inbox views list', ['--workspace', ws.slug, '--user', 'nobody@views.test']),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      run('inbox views list', ['--workspace', ws.slug, '--user', 'not-an-email']),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('--user'),
    });
    await expect(run('inbox views list', ['--workspace', ws.slug, 'extra'])).rejects.toMatchObject({
      message: expect.stringContaining('Unexpected argument'),
    });
    const empty = await buildWorkspace(ctx);
    expect((await run('inbox views list', ['--workspace', empty.slug])).out).toBe('No saved views.');

    // Through the `rapport` command: dispatched, and listed in the help.
    const cli = await runCli([
      'inbox',
      'views',
      'list',
      '--workspace',
      ws.slug,
      '--user',
      'ana@views.test',
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect((JSON.parse(cli.stdout) as ListedView[]).map((v) => v.name)).toEqual(['Urgent', 'Mine']);
    const help = await runCli(['help']);
    expect(help.stdout).toContain('rapport inbox views list');
  }, 60_000);
});

// Last: it adds a second workspace, and the commands above find the only one without --workspace.
describe('rapport inbox rules run', () => {
  it('runs the rules on case events now, as the scheduler does', async () => {
    const ws = await buildWorkspace(ctx);
    const manager = (await buildUser(ctx, ws, { role: 'manager' })).actor;
    await saveRule(ctx, manager, {
      name: 'Tag urgent cases',
      event: 'case_created',
      conditions: [{ field: 'case_priority', op: 'in', value: ['urgent'] }],
      actions: [{ type: 'add_tags', value: ['hot'] }],
    });
    const hot = await createCase(ctx, manager, { subject: 'Engine fire', priority: 'urgent' });
    expect(await json<{ caseEvents: number; timeRules: number }>('inbox rules run', [])).toEqual({
      caseEvents: 1,
      timeRules: 0,
    });
    expect((await getCase(ctx, manager, hot.id)).tags).toEqual(['hot']);
    expect((await run('inbox rules run', [])).out).toBe(
      'Rules on case events fired 0 times; time rules fired 0 times.',
    );
  });
});

describe('rapport inbox cases show, merged', () => {
  it('shows a merged case, saying which case it went into, and exits 0', async () => {
    // A workspace of its own, so the other tests' cases and counts stay as they are (last: the
    // tests above name no workspace, which works while there is only one).
    const other = await buildWorkspace(ctx);
    const owner = (await buildUser(ctx, other, { role: 'owner' })).actor;
    const into = await createCase(ctx, owner, { subject: 'Bag lost on RP 9' });
    const from = await createCase(ctx, owner, { subject: 'Same bag, asked again' });
    await mergeCases(ctx, owner, into.id, from.id);
    const text = await run('inbox cases show', [String(from.number), '--workspace', other.slug]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Case #${from.number}: Same bag, asked again`);
    expect(text.out).toContain(
      `  merged into case #${into.number} (id ${into.id}): its conversations are there; rapport inbox cases show ${into.number}`,
    );
    expect(text.out).toContain('  closed ·');
    const detail = await json<CaseDetail>('inbox cases show', [`#${from.number}`, '--workspace', other.slug]);
    expect(detail).toMatchObject({ id: from.id, mergedInto: into.id, status: 'closed' });
  });
});
