import { existsSync } from 'node:fs';
import { z } from 'zod';
import { helpText, parseFlags } from '../../cli/args.ts';
import { listExportFormat, writeExport } from '../../cli/export-output.ts';
import { operatorOf, withContext } from '../../cli/operator.ts';
import { progressLine } from '../../cli/progress.ts';
import { AppError } from '../../errors.ts';
import { exportFormats } from '../../export-format.ts';
import { csvFromFile } from '../../pipeline/csv.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { listLeads } from './lead-lists.ts';
import { rescoreOpenLeads } from './leads.ts';
import { exportLeads } from './leads-export.ts';
import { importLeads, leadColumns } from './leads-import.ts';
import { leadStages, leadStatuses } from './schema.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

/** The list's filters and order, as flags: `sales leads list` and `sales leads export` take them. */
const leadFlags = {
  options: {
    stage: { type: 'string' },
    status: { type: 'string' },
    owner: { type: 'string' },
    sort: { type: 'string' },
    workspace: { type: 'string' },
  },
  schema: {
    stage: z.enum(leadStages).optional(),
    status: z.enum([...leadStatuses, 'all']).default('open'),
    owner: z.string().min(1).max(64).optional(),
    sort: z.enum(['newest', 'score']).default('newest'),
    workspace: z.string().min(1).optional(),
  },
} as const;

const listSpec = {
  usage: `rapport sales leads list [--stage ${leadStages.join('|')}] [--status open|won|disqualified|all] [--owner USER_ID|none] [--sort newest|score] [--limit N] [--workspace slug] [--json]`,
  description:
    'Lists leads (open ones by default), newest first or best score first, with stage, score, owner and handoff. See docs/sales.md.',
  options: { ...help, ...leadFlags.options, limit: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({
    ...leadFlags.schema,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    json: z.boolean().default(false),
  }),
} as const;

const rescoreSpec = {
  usage: 'rapport sales rescore',
  description:
    'Scores every open lead of every workspace again now (decay and new signals), as the scheduler does every 5 minutes.',
  options: { ...help },
  schema: z.object({}),
} as const;

const importSpec = {
  usage: `rapport sales import-leads <file.csv> [--workspace slug] [--map ${leadColumns.map((c) => `${c}=column`).join(',')}]`,
  description:
    "Imports leads from a CSV file (email and title; optionally name, stage, owner as a user's email, team by name) onto customers found by email (an unknown email gets a new customer), with progress and a summary; bad lines are reported by number, exit code 1. Nothing is made twice. See docs/sales.md.",
  options: { ...help, workspace: { type: 'string' }, map: { type: 'string' } },
  schema: z.object({ workspace: z.string().min(1).optional(), map: z.string().min(3).optional() }),
} as const;

const exportSpec = {
  usage: `rapport sales leads export [--stage ${leadStages.join('|')}] [--status open|won|disqualified|all] [--owner USER_ID|none] [--sort newest|score] [--out file.csv|file.json|file.jsonl] [--format csv|json|jsonl] [--workspace slug]`,
  description:
    "Writes leads (open ones by default) with their customer, owner, team, score, handoff and opportunity count as CSV, JSON or JSON Lines, newest first or best score first; a summary on standard error. The format follows the --out file's extension, else --format, else CSV. Audited. Columns in docs/sales.md.",
  options: { ...help, ...leadFlags.options, out: { type: 'string' }, format: { type: 'string' } },
  schema: z.object({
    ...leadFlags.schema,
    out: z.string().min(1).optional(),
    format: z.enum(exportFormats).optional(),
  }),
} as const;

/** Database-backed commands of the sales module; `src/main.ts` dispatches to them. */
export const salesCommands: Record<string, CliCommand> = {
  'sales leads list': {
    spec: listSpec,
    async run(args) {
      const flags = parseFlags(listSpec, args);
      const page = await withContext(async (ctx) =>
        listLeads(ctx, await operatorOf(ctx, flags.workspace), {
          stage: flags.stage,
          status: flags.status,
          owner: flags.owner,
          sort: flags.sort,
          limit: flags.limit,
        }),
      );
      if (flags.json) {
        console.log(JSON.stringify(page.items, null, 2));
        return 0;
      }
      if (page.items.length === 0) console.log('No leads.');
      for (const l of page.items)
        console.log(
          [
            `#${l.number}`,
            l.stage,
            l.status,
            `score ${l.score} (fit ${l.fitScore}, engagement ${l.engagementScore})`,
            l.customer.displayName + (l.customer.handle ? ` @${l.customer.handle}` : ''),
            l.owner ? `owner ${l.owner.name}` : 'no owner',
            l.handoff.status === 'none' ? '' : `handoff ${l.handoff.status}`,
            l.title,
          ].join('\t'),
        );
      return 0;
    },
  },
  'sales leads export': {
    spec: exportSpec,
    async run(args) {
      const flags = parseFlags(exportSpec, args);
      const format = listExportFormat(flags, 'Leads');
      const { out, format: _format, workspace, ...filters } = flags;
      return writeExport(out, format, async (write) => {
        const summary = await withContext(async (ctx) =>
          exportLeads(ctx, await operatorOf(ctx, workspace), filters, format, write),
        );
        return `${summary.leads} lead${summary.leads === 1 ? '' : 's'}`;
      });
    },
  },
  'sales import-leads': {
    spec: importSpec,
    async run(args) {
      const file = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
      const flags = parseFlags(importSpec, file ? args.slice(1) : args);
      if (!file) throw new AppError('validation_failed', `Give the CSV file.\n\n${helpText(importSpec)}`);
      if (!existsSync(file)) throw new AppError('validation_failed', `No such file: ${file}`);
      const summary = await withContext(async (ctx) =>
        importLeads(
          ctx,
          await operatorOf(ctx, flags.workspace),
          { source: await csvFromFile(file), map: flags.map },
          (p) => process.stderr.write(`\r${progressLine(p)}`),
        ),
      );
      process.stderr.write('\n');
      console.log(
        `Read ${summary.read} lines in ${(summary.elapsedMs / 1000).toFixed(1)} s: ${summary.created} lead${summary.created === 1 ? '' : 's'} created, ${summary.existing} already there, new customers by email ${summary.customersCreated}, rejected ${summary.rejected.length}.`,
      );
      for (const r of summary.rejected) console.log(`  line ${r.line}: ${r.reason}`);
      return summary.rejected.length > 0 ? 1 : 0;
    },
  },
  'sales rescore': {
    spec: rescoreSpec,
    async run(args) {
      parseFlags(rescoreSpec, args);
      const n = await withContext((ctx) => rescoreOpenLeads(ctx));
      console.log(`Rescored ${n} open lead${n === 1 ? '' : 's'}.`);
      return 0;
    },
  },
};
