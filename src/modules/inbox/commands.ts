import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { helpText, momentFlag, parseFlags } from '../../cli/args.ts';
import { listExportFormat, writeExport } from '../../cli/export-output.ts';
import { operatorOf, withContext } from '../../cli/operator.ts';
import { AppError } from '../../errors.ts';
import { exportFormats } from '../../export-format.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { getCase, listCases } from './case-lists.ts';
import { runCaseTriggers, runTimeRules, testRule } from './case-rules.ts';
import { caseByNumber } from './cases.ts';
import { exportCases } from './cases-export.ts';
import { HISTORY_AFTER_DAYS } from './history.ts';
import { deleteRule, listRules, saveRule } from './routing-rules.ts';
import { type RoutingAction, type RoutingCondition, routingRuleInput } from './routing-schema.ts';
import type { CaseCard } from './schema.ts';
import { listSlaPolicies } from './sla.ts';
import type { CaseSlaView, SlaPolicyView } from './sla-schema.ts';
import { listAssignees, listTeams } from './teams.ts';
import { operatorViews } from './views.ts';
import type { ViewFilters } from './views-schema.ts';
import { casePriorities, caseSorts, caseStatuses, caseTypes } from './vocabulary.ts';

/** The orders the command line offers: `due` belongs to the due-soon filter, which it has not. */
const cliCaseSort = z.enum(caseSorts).exclude(['due']);

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** The first argument when it is not a flag, and the flags after it. */
function positional(args: string[]): { value: string | undefined; rest: string[] } {
  const value = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
  return { value, rest: value ? args.slice(1) : args };
}

const workspaceFlag = { workspace: z.string().min(1).optional() };

/** The case list's filters and order, as flags: `inbox cases list` and `inbox cases export` take them. */
const caseFlags = {
  options: {
    view: { type: 'string' },
    status: { type: 'string' },
    priority: { type: 'string' },
    type: { type: 'string' },
    team: { type: 'string' },
    assignee: { type: 'string' },
    search: { type: 'string' },
    'needs-reply': { type: 'boolean' },
    sort: { type: 'string' },
    workspace: { type: 'string' },
  },
  schema: {
    // `mine` is left out: the operator at the command line is no person cases are assigned to.
    view: z.enum(['all', 'unassigned']).default('all'),
    status: z
      .string()
      .refine(
        (s) =>
          s === 'active' || s.split(',').every((x) => (caseStatuses as readonly string[]).includes(x.trim())),
        `active, or one or more of ${caseStatuses.join(', ')} separated by commas`,
      )
      .optional(),
    priority: z.enum(casePriorities).optional(),
    type: z.enum(caseTypes).optional(),
    team: z.string().min(1).max(64).optional(),
    assignee: z.string().min(1).max(64).optional(),
    search: z.string().min(1).max(200).optional(),
    'needs-reply': z.boolean().default(false),
    sort: cliCaseSort.default('newest'),
    ...workspaceFlag,
  },
} as const;

const caseFlagsUsage = `[--view all|unassigned] [--status active|${caseStatuses.join('|')}[,…]] [--priority ${casePriorities.join('|')}] [--type ${caseTypes.join('|')}] [--team ID] [--assignee USER_ID] [--search words|#N] [--needs-reply] [--sort ${cliCaseSort.options.join('|')}]`;

/** What the case flags ask of the case list. */
function caseListFilters(flags: z.infer<z.ZodObject<typeof caseFlags.schema>>) {
  return {
    view: flags.view,
    status: flags.status,
    priority: flags.priority,
    type: flags.type,
    teamId: flags.team,
    assigneeUserId: flags.assignee,
    search: flags.search,
    ...(flags['needs-reply'] ? { needsReply: 'true' as const } : {}),
    sort: flags.sort,
  };
}

const casesListSpec = {
  usage: `rapport inbox cases list ${caseFlagsUsage} [--limit N] [--cursor C] [--workspace slug] [--json]`,
  description:
    'Lists cases, newest first unless --sort says otherwise (oldest first; priority: urgent first, oldest first within each; waiting: the cases whose customer wrote last, longest wait first, then the rest newest first), with status, priority, type, customer, assignee, team, the most pressing SLA clock and since when the customer has waited; merged cases are left out. --status takes several statuses separated by commas, or `active` (not solved or closed). --needs-reply keeps the cases whose customer is waiting for an answer. With --json, prints {items, nextCursor}. See docs/inbox.md.',
  options: {
    ...help,
    ...caseFlags.options,
    limit: { type: 'string' },
    cursor: { type: 'string' },
    json: { type: 'boolean' },
  },
  schema: z.object({
    ...caseFlags.schema,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional(),
    json: z.boolean().default(false),
  }),
} as const;

const casesExportSpec = {
  usage: `rapport inbox cases export ${caseFlagsUsage} [--since day-or-moment] [--until day-or-moment] [--out file.csv|file.json|file.jsonl] [--format csv|json|jsonl] [--workspace slug]`,
  description:
    "Writes cases with their customer, assignee, team, tags, response and resolution times and SLA outcomes as CSV, JSON or JSON Lines: the filters and orders of `inbox cases list`, and a window on when they were opened (--since inclusive, --until exclusive; a day means its midnight UTC); a summary on standard error. The format follows the --out file's extension, else --format, else CSV. Audited. Columns in docs/inbox.md.",
  options: {
    ...help,
    ...caseFlags.options,
    since: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
  },
  schema: z.object({
    ...caseFlags.schema,
    since: momentFlag,
    until: momentFlag,
    out: z.string().min(1).optional(),
    format: z.enum(exportFormats).optional(),
  }),
} as const;

const caseShowSpec = {
  usage: 'rapport inbox cases show <number> [--workspace slug] [--json]',
  description:
    'Shows one case by its number: fields, customer, SLA clocks, conversations with their posts, and replies. With --json, prints the whole case as the API returns it.',
  options: { ...help, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({ ...workspaceFlag, json: z.boolean().default(false) }),
} as const;

const rulesListSpec = {
  usage: 'rapport inbox rules list [--workspace slug] [--json]',
  description:
    'Lists the routing rules in the order they run, with their conditions, actions and how often they fired. See docs/inbox.md, Routing rules.',
  options: { ...help, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({ ...workspaceFlag, json: z.boolean().default(false) }),
} as const;

const rulesTestSpec = {
  usage: 'rapport inbox rules test <rule.json> [--limit 500] [--workspace slug] [--json]',
  description:
    'Tries a rule (a JSON file holding {name, event, match, conditions, actions}, as in the API) without acting: a rule on posts on the latest stored mentions, a rule on case events on the latest open cases as they are now. Prints how many it would fire on, with up to 20 samples and their reasons.',
  options: { ...help, limit: { type: 'string' }, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({
    limit: z.coerce.number().int().min(1).max(5000).default(500),
    ...workspaceFlag,
    json: z.boolean().default(false),
  }),
} as const;

const ruleSwitchSpec = (verb: 'enable' | 'disable') =>
  ({
    usage: `rapport inbox rules ${verb} <rule-id> [--workspace slug]`,
    description:
      verb === 'enable'
        ? 'Switches a routing rule on: it runs on what happens from now on (posts stored, cases changed). Audited.'
        : 'Switches a routing rule off; it keeps its place in the order. Audited.',
    options: { ...help, workspace: { type: 'string' } },
    schema: z.object({ ...workspaceFlag }),
  }) as const;
const ruleEnableSpec = ruleSwitchSpec('enable');
const ruleDisableSpec = ruleSwitchSpec('disable');

const rulesRunSpec = {
  usage: 'rapport inbox rules run [--json]',
  description:
    'Runs the rules on case events now, for every workspace, as the scheduler does (case created/updated every 5 s, time rules every minute): prints how many fired.',
  options: { ...help, json: { type: 'boolean' } },
  schema: z.object({ json: z.boolean().default(false) }),
} as const;

const ruleDeleteSpec = {
  usage: 'rapport inbox rules delete <rule-id> [--workspace slug]',
  description: 'Deletes a routing rule for good. Audited.',
  options: { ...help, workspace: { type: 'string' } },
  schema: z.object({ ...workspaceFlag }),
} as const;

const slaPoliciesSpec = {
  usage: 'rapport inbox sla policies list [--workspace slug] [--json]',
  description:
    'Lists the SLA policies in the order they are tried (the first enabled one a case meets applies), with their conditions, targets and breach actions.',
  options: { ...help, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({ ...workspaceFlag, json: z.boolean().default(false) }),
} as const;

const teamsListSpec = {
  usage: 'rapport inbox teams list [--workspace slug] [--json]',
  description: 'Lists the teams with their members.',
  options: { ...help, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({ ...workspaceFlag, json: z.boolean().default(false) }),
} as const;

const viewsListSpec = {
  usage: 'rapport inbox views list [--user EMAIL] [--workspace slug] [--json]',
  description:
    'Lists saved views of the inbox with their filters and how many cases each lists (counted up to 1000). With --user, the views that person sees (the shared ones, then their own), counted for them; without, every view of the workspace, each counted as its owner sees it. See docs/inbox.md, Saved views.',
  options: { ...help, user: { type: 'string' }, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({
    user: z.string().trim().email().max(320).optional(),
    ...workspaceFlag,
    json: z.boolean().default(false),
  }),
} as const;

// ------------------------------------------------------------------------------ human-readable text

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function clockText(s: CaseSlaView): string {
  const when =
    s.status === 'running' && s.dueAt
      ? ` due ${s.dueAt}`
      : s.status === 'breached' && s.breachedAt
        ? ` at ${s.breachedAt}`
        : s.status === 'achieved' && s.achievedAt
          ? ` at ${s.achievedAt}`
          : '';
  return `${s.metric} ${s.status}${when}`;
}

/** The clock a person should look at first: a breach, else the running one due soonest. */
function mostPressing(sla: CaseSlaView[]): CaseSlaView | undefined {
  const breached = sla.find((s) => s.status === 'breached');
  if (breached) return breached;
  return sla
    .filter((s) => s.status === 'running' && s.dueAt)
    .sort((a, b) => (a.dueAt ?? '').localeCompare(b.dueAt ?? ''))[0];
}

function customerText(c: CaseCard['customer']): string {
  if (!c) return 'no customer';
  const handle = c.identities.find((i) => i.handle)?.handle;
  return c.displayName + (handle ? ` @${handle}` : '');
}

const valueText = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));

function conditionText(c: RoutingCondition): string {
  if (c.field === 'hours_since') return `hours_since ${c.since} ${c.op} ${c.value}`;
  return 'value' in c ? `${c.field} ${c.op} ${valueText(c.value)}` : `${c.field} ${c.op}`;
}

function actionText(a: RoutingAction): string {
  switch (a.type) {
    case 'create_case':
      return `create_case${a.priority ? ` ${a.priority}` : ''}${a.caseType ? ` ${a.caseType}` : ''}`;
    case 'set_priority':
    case 'set_type':
    case 'set_status':
      return `${a.type} ${a.value}`;
    case 'add_tags':
      return `add_tags ${a.value.join(', ')}`;
    case 'assign_team':
      return `assign_team ${a.teamId}`;
    case 'assign':
      return `assign ${a.strategy}${a.teamId ? ` in team ${a.teamId}` : ''}${
        a.skills
          ? ` with skills ${a.skills.join(', ')}, else ${a.fallback === 'none' ? 'nobody' : 'anyone'}`
          : ''
      }`;
    case 'assign_agent':
      return `assign_agent ${a.userId}`;
    case 'send_reply':
      return `send_reply ${a.cannedId}`;
    case 'notify':
      return `notify ${a.userIds.join(', ')}`;
    case 'dismiss':
      return `dismiss ${a.reason}`;
    case 'create_lead':
      return `create_lead ${a.stage}`;
  }
}

function policyText(p: SlaPolicyView): string[] {
  const targets = [
    p.targets.firstResponse === undefined ? '' : `first response ${p.targets.firstResponse} min`,
    p.targets.nextResponse === undefined ? '' : `next response ${p.targets.nextResponse} min`,
    p.targets.resolution === undefined ? '' : `resolution ${p.targets.resolution} min`,
  ].filter(Boolean);
  const when = [
    p.conditions.channels?.length ? `channel ${p.conditions.channels.join(', ')}` : '',
    p.conditions.priorities?.length ? `priority ${p.conditions.priorities.join(', ')}` : '',
    p.conditions.types?.length ? `type ${p.conditions.types.join(', ')}` : '',
    p.conditions.segmentIds?.length ? `segment ${p.conditions.segmentIds.join(', ')}` : '',
  ].filter(Boolean);
  return [
    [
      String(p.position),
      p.id,
      p.enabled ? 'enabled' : 'disabled',
      p.name,
      targets.join(', '),
      p.businessHours ? 'business hours' : 'calendar time',
      `warn ${p.warnBeforeMinutes} min before`,
    ].join('\t'),
    `  when: ${when.join('; ') || 'every case'}`,
    `  on breach: ${p.breachActions.map((a) => a.type).join(', ') || 'nothing'}`,
  ];
}

/** A view's filters as `key=value` words, leaving out the default `view=all`. */
function filtersText(f: ViewFilters): string {
  const words = Object.entries(f)
    .filter(([k, v]) => v !== undefined && v !== '' && !(k === 'view' && v === 'all'))
    .map(([k, v]) => `${k}=${String(v)}`);
  return words.join(' ') || 'every case';
}

// ------------------------------------------------------------------------------------- the rules

/** Reads and validates a rule file: every problem is reported with its path in the file. */
function readRuleFile(file: string) {
  if (!existsSync(file)) throw new AppError('validation_failed', `No such file: ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('validation_failed', `${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = routingRuleInput.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(the rule)',
      message: i.message,
    }));
    throw new AppError(
      'validation_failed',
      `Invalid rule in ${file}:\n  ${fields.map((f) => `${f.path}: ${f.message}`).join('\n  ')}`,
      { fields },
    );
  }
  return parsed.data;
}

/** `rules enable` and `rules disable`: the rule saved again with its own fields and the flag set. */
function switchRule(spec: typeof ruleEnableSpec, enabled: boolean): CliCommand {
  return {
    spec,
    async run(args) {
      const { value: id, rest } = positional(args);
      const flags = parseFlags(spec, rest);
      if (!id) throw new AppError('validation_failed', `Give the rule id.\n\n${helpText(spec)}`);
      const outcome = await withContext(async (ctx) => {
        const actor = await operatorOf(ctx, flags.workspace);
        const rule = (await listRules(ctx, actor)).find((r) => r.id === id);
        if (!rule) throw new AppError('not_found', `No routing rule ${id}`);
        if (rule.enabled === enabled) return { rule, changed: false };
        const saved = await saveRule(
          ctx,
          actor,
          {
            name: rule.name,
            enabled,
            event: rule.event,
            match: rule.match,
            conditions: rule.conditions,
            actions: rule.actions,
          },
          rule.id,
        );
        return { rule: saved, changed: true };
      });
      const state = enabled ? 'enabled' : 'disabled';
      console.log(
        outcome.changed
          ? `Rule ${outcome.rule.id} "${outcome.rule.name}" is now ${state}.`
          : `Rule ${outcome.rule.id} "${outcome.rule.name}" was already ${state}.`,
      );
      return 0;
    },
  };
}

/** Database-backed commands of the inbox module; `src/main.ts` dispatches to them. */
export const inboxCommands: Record<string, CliCommand> = {
  'inbox cases export': {
    spec: casesExportSpec,
    async run(args) {
      const flags = parseFlags(casesExportSpec, args);
      const format = listExportFormat(flags, 'Cases');
      return writeExport(flags.out, format, async (write) => {
        const summary = await withContext(async (ctx) =>
          exportCases(
            ctx,
            await operatorOf(ctx, flags.workspace),
            { ...caseListFilters(flags), since: flags.since, until: flags.until },
            format,
            write,
          ),
        );
        return `${summary.cases} case${summary.cases === 1 ? '' : 's'}`;
      });
    },
  },
  'inbox cases list': {
    spec: casesListSpec,
    async run(args) {
      const flags = parseFlags(casesListSpec, args);
      const { page, people, teams } = await withContext(async (ctx) => {
        const actor = await operatorOf(ctx, flags.workspace);
        const page = await listCases(ctx, actor, {
          ...caseListFilters(flags),
          limit: flags.limit,
          cursor: flags.cursor,
        });
        if (flags.json) return { page, people: [], teams: [] };
        return { page, people: await listAssignees(ctx, actor), teams: await listTeams(ctx, actor) };
      });
      if (flags.json) {
        console.log(JSON.stringify(page, null, 2));
        return 0;
      }
      const nameOf = new Map([...people, ...teams].map((x) => [x.id, x.name]));
      if (page.items.length === 0) console.log('No cases.');
      for (const c of page.items) {
        const clock = mostPressing(c.sla);
        console.log(
          [
            `#${c.number}`,
            c.status,
            c.priority,
            c.type,
            oneLine(c.subject, 80),
            customerText(c.customer),
            c.assigneeUserId ? `assignee ${nameOf.get(c.assigneeUserId) ?? c.assigneeUserId}` : 'unassigned',
            c.teamId ? `team ${nameOf.get(c.teamId) ?? c.teamId}` : 'no team',
            clock ? `SLA ${clockText(clock)}` : '',
            c.waitingSince ? `waiting since ${c.waitingSince}` : '',
          ].join('\t'),
        );
      }
      if (page.nextCursor) console.log(`More: add --cursor ${page.nextCursor}`);
      return 0;
    },
  },
  'inbox cases show': {
    spec: caseShowSpec,
    async run(args) {
      const { value: raw, rest } = positional(args);
      const flags = parseFlags(caseShowSpec, rest);
      const number = Number(raw?.replace(/^#/, ''));
      if (!raw || !Number.isInteger(number) || number <= 0)
        throw new AppError('validation_failed', `Give the case number.\n\n${helpText(caseShowSpec)}`);
      const { detail, mergedInto, people, teams } = await withContext(async (ctx) => {
        const actor = await operatorOf(ctx, flags.workspace);
        // Cases are known to people by number; a merged case is shown too (the web app links to
        // it), saying which case it went into, as GET /cases/{id} does.
        const found = await caseByNumber(ctx, actor, number);
        if (!found) throw new AppError('not_found', `No case #${number}`);
        const detail = await getCase(ctx, actor, found.id);
        const mergedInto = found.mergedInto;
        if (flags.json) return { detail, mergedInto, people: [], teams: [] };
        return {
          detail,
          mergedInto,
          people: await listAssignees(ctx, actor),
          teams: await listTeams(ctx, actor),
        };
      });
      if (flags.json) {
        console.log(JSON.stringify(detail, null, 2));
        return 0;
      }
      const nameOf = new Map([...people, ...teams].map((x) => [x.id, x.name]));
      const c = detail;
      const lines = [
        `Case #${c.number}: ${c.subject}`,
        ...(mergedInto
          ? [
              `  merged into case #${mergedInto.number} (id ${mergedInto.id}): its conversations are there; rapport inbox cases show ${mergedInto.number}`,
            ]
          : []),
        `  ${c.status} · ${c.priority} · ${c.type}${c.channel ? ` · ${c.channel}` : ''}   (id ${c.id})`,
        `  customer: ${c.customer ? `${customerText(c.customer)} (${c.customer.id})` : 'none'}`,
        ...(c.otherCases
          ? [
              `  their other cases: ${c.otherCases.open} open, ${c.otherCases.total} in all${c.otherCases.recent.length > 0 ? `; latest ${c.otherCases.recent.map((o) => `#${o.number} (${o.status})`).join(', ')}` : ''}`,
            ]
          : []),
        `  assignee: ${c.assigneeUserId ? (nameOf.get(c.assigneeUserId) ?? c.assigneeUserId) : 'none'}`,
        `  team: ${c.teamId ? (nameOf.get(c.teamId) ?? c.teamId) : 'none'}`,
        ...(c.tags.length > 0 ? [`  tags: ${c.tags.join(', ')}`] : []),
        `  created ${c.createdAt}, updated ${c.updatedAt}${c.firstResponseAt ? `, first response ${c.firstResponseAt}` : ''}${c.solvedAt ? `, solved ${c.solvedAt}` : ''}${c.closedAt ? `, closed ${c.closedAt}` : ''}`,
        '',
        c.sla.length > 0 ? 'SLA clocks:' : 'SLA clocks: none (no policy applies)',
        ...c.sla.map((s) => `  ${clockText(s)} (target ${s.targetMinutes} min)`),
        '',
        `Conversations (${c.conversations.length}):`,
        ...c.conversations.flatMap((v) => [
          `  ${v.channel} ${v.threadKey}: ${v.messages.length} post${v.messages.length === 1 ? '' : 's'}, last activity ${v.lastActivityAt}`,
          ...v.messages.map(
            (m) =>
              `    ${m.createdAt} ${m.author ? `@${m.author.handle}` : '(unknown)'}: ${oneLine(m.text, 200)}`,
          ),
        ]),
        '',
        `Replies (${c.replies.length}):`,
        ...c.replies.map(
          (r) =>
            `  ${r.createdAt} ${r.channel} ${r.visibility} ${r.status}${r.lastError ? ` (${r.lastError})` : ''}: ${oneLine(r.body, 200)}`,
        ),
      ];
      if (c.notes.length > 0) lines.push('', `Internal notes: ${c.notes.length}`);
      console.log(lines.join('\n'));
      return 0;
    },
  },
  'inbox rules list': {
    spec: rulesListSpec,
    async run(args) {
      const flags = parseFlags(rulesListSpec, args);
      const rules = await withContext(async (ctx) => listRules(ctx, await operatorOf(ctx, flags.workspace)));
      if (flags.json) {
        console.log(JSON.stringify(rules, null, 2));
        return 0;
      }
      if (rules.length === 0) console.log('No routing rules.');
      for (const r of rules)
        console.log(
          [
            String(r.position),
            r.id,
            r.enabled ? 'enabled' : 'disabled',
            `on ${r.event}`,
            r.name,
            r.conditions.length === 0
              ? r.event === 'mention_stored'
                ? 'every mention'
                : 'every case'
              : `${r.match}: ${r.conditions.map(conditionText).join('; ')}`,
            `→ ${r.actions.map(actionText).join('; ')}`,
            `fired ${r.firedCount}${r.lastFiredAt ? ` (last ${r.lastFiredAt})` : ''}`,
          ].join('\t'),
        );
      return 0;
    },
  },
  'inbox rules test': {
    spec: rulesTestSpec,
    async run(args) {
      const { value: file, rest } = positional(args);
      const flags = parseFlags(rulesTestSpec, rest);
      if (!file) throw new AppError('validation_failed', `Give the rule file.\n\n${helpText(rulesTestSpec)}`);
      const rule = readRuleFile(file);
      const result = await withContext(async (ctx) =>
        testRule(ctx, await operatorOf(ctx, flags.workspace), rule, flags.limit),
      );
      if (flags.json) {
        console.log(JSON.stringify(result, null, 2));
        return 0;
      }
      // A rule on case events or time is tried on open cases, each shown by its number.
      const onCases = (rule.event ?? 'mention_stored') !== 'mention_stored';
      const what = onCases ? 'open case' : 'mention';
      console.log(
        `"${rule.name}" would fire on ${result.matched} of the latest ${result.evaluated} ${what}${result.evaluated === 1 ? '' : 's'}.`,
      );
      if (result.history)
        console.log(
          `${result.history} older post${result.history === 1 ? '' : 's'} that arrived as history (stored more than ${HISTORY_AFTER_DAYS} days after written) left out: rules never act on history.`,
        );
      for (const s of result.samples)
        console.log(
          [
            onCases ? `case ${s.caseNumber}` : `mention ${s.mentionId}`,
            s.createdAt,
            s.channel,
            oneLine(s.text, 120),
            s.reasons.join('; '),
          ].join('\t'),
        );
      return 0;
    },
  },
  'inbox rules enable': switchRule(ruleEnableSpec, true),
  'inbox rules disable': switchRule(ruleDisableSpec, false),
  'inbox rules run': {
    spec: rulesRunSpec,
    async run(args) {
      const flags = parseFlags(rulesRunSpec, args);
      const fired = await withContext(async (ctx) => ({
        caseEvents: await runCaseTriggers(ctx),
        timeRules: await runTimeRules(ctx),
      }));
      console.log(
        flags.json
          ? JSON.stringify(fired)
          : `Rules on case events fired ${fired.caseEvents} times; time rules fired ${fired.timeRules} times.`,
      );
      return 0;
    },
  },
  'inbox rules delete': {
    spec: ruleDeleteSpec,
    async run(args) {
      const { value: id, rest } = positional(args);
      const flags = parseFlags(ruleDeleteSpec, rest);
      if (!id) throw new AppError('validation_failed', `Give the rule id.\n\n${helpText(ruleDeleteSpec)}`);
      await withContext(async (ctx) => deleteRule(ctx, await operatorOf(ctx, flags.workspace), id));
      console.log(`Deleted routing rule ${id}.`);
      return 0;
    },
  },
  // Registered under three words: `src/main.ts` matches command names of up to three words, and
  // the fourth (`list`) is checked here.
  'inbox sla policies list': {
    spec: slaPoliciesSpec,
    async run(args) {
      const flags = parseFlags(slaPoliciesSpec, args);
      const policies = await withContext(async (ctx) =>
        listSlaPolicies(ctx, await operatorOf(ctx, flags.workspace)),
      );
      if (flags.json) {
        console.log(JSON.stringify(policies, null, 2));
        return 0;
      }
      if (policies.length === 0) console.log('No SLA policies.');
      for (const p of policies) console.log(policyText(p).join('\n'));
      return 0;
    },
  },
  'inbox views list': {
    spec: viewsListSpec,
    async run(args) {
      const flags = parseFlags(viewsListSpec, args);
      const views = await withContext(async (ctx) =>
        operatorViews(ctx, await operatorOf(ctx, flags.workspace), flags.user),
      );
      if (flags.json) {
        console.log(JSON.stringify(views, null, 2));
        return 0;
      }
      if (views.length === 0) console.log('No saved views.');
      for (const v of views)
        console.log(
          [
            v.id,
            v.shared ? 'shared' : 'personal',
            v.name,
            `owner ${v.ownerEmail || v.ownerUserId}`,
            `${v.count}${v.countCapped ? '+' : ''} case${v.count === 1 && !v.countCapped ? '' : 's'}`,
            filtersText(v.filters),
          ].join('\t'),
        );
      return 0;
    },
  },
  'inbox teams list': {
    spec: teamsListSpec,
    async run(args) {
      const flags = parseFlags(teamsListSpec, args);
      const { teams, people } = await withContext(async (ctx) => {
        const actor = await operatorOf(ctx, flags.workspace);
        const teams = await listTeams(ctx, actor);
        return { teams, people: flags.json ? [] : await listAssignees(ctx, actor) };
      });
      if (flags.json) {
        console.log(JSON.stringify(teams, null, 2));
        return 0;
      }
      // A member's skills follow their name: "Ana Agent [billing refunds]".
      const nameOf = new Map(
        people.map((p) => [p.id, p.skills.length ? `${p.name} [${p.skills.join(' ')}]` : p.name]),
      );
      if (teams.length === 0) console.log('No teams.');
      for (const t of teams)
        console.log(
          [
            t.id,
            t.name,
            `${t.memberIds.length} member${t.memberIds.length === 1 ? '' : 's'}`,
            t.memberIds.map((id) => nameOf.get(id) ?? id).join(', '),
          ].join('\t'),
        );
      return 0;
    },
  },
};
