import { z } from 'zod';
import { momentFlag, parseFlags } from '../../cli/args.ts';
import { listExportFormat, writeExport } from '../../cli/export-output.ts';
import { operatorOf, withContext } from '../../cli/operator.ts';
import { progressLine } from '../../cli/progress.ts';
import { AppError } from '../../errors.ts';
import { exportFormats } from '../../export-format.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { exportMentions, mentionExportFilters } from './mentions-export.ts';
import { listQuarantine, resolveQuarantined, resolveQuarantinedMany } from './quarantine.ts';
import { NO_CONNECTOR, quarantineStatuses } from './quarantine-schema.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const filterOptions = {
  stage: { type: 'string' },
  connector: { type: 'string' },
  reason: { type: 'string' },
  workspace: { type: 'string' },
} as const;

const filterFlags = {
  stage: z.string().min(1).max(40).optional(),
  connector: z.string().min(1).max(64).optional(),
  reason: z.string().min(1).max(2000).optional(),
  workspace: z.string().min(1).optional(),
};

const filterUsage = `[--stage S] [--connector ID|${NO_CONNECTOR}] [--reason R] [--workspace slug]`;

type FilterFlags = {
  stage?: string | undefined;
  connector?: string | undefined;
  reason?: string | undefined;
};

const narrowing = (f: FilterFlags) => ({ stage: f.stage, connectorId: f.connector, reason: f.reason });

/** The filter as flags, to repeat in a command line (quoted for a shell where needed). */
function filterArgs(f: FilterFlags & { workspace?: string | undefined }): string {
  const quote = (v: string) => (/^[\w.:@/-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`);
  return (['stage', 'connector', 'reason', 'workspace'] as const)
    .flatMap((k) => (f[k] === undefined ? [] : [` --${k} ${quote(f[k] as string)}`]))
    .join('');
}

/** "stage normalize, connector none" for a summary line; empty without a filter. */
function filterText(f: FilterFlags): string {
  const parts = (['stage', 'connector', 'reason'] as const).flatMap((k) =>
    f[k] === undefined ? [] : [`${k} ${k === 'reason' ? JSON.stringify(f[k]) : f[k]}`],
  );
  return parts.length ? ` (${parts.join(', ')})` : '';
}

const listSpec = {
  usage: `rapport ingest quarantine list [--status ${quarantineStatuses.join('|')}] ${filterUsage} [--limit N] [--cursor C] [--json]`,
  description:
    'Lists items the pipeline could not process, newest first, with their stage and reason, after how many match in all; --limit a page (default 50, at most 200), and the command for the next page when more remain. --connector none: items a file import brought. With --json, prints {items, nextCursor, total}. See docs/operations.md.',
  options: {
    ...help,
    status: { type: 'string' },
    ...filterOptions,
    limit: { type: 'string' },
    cursor: { type: 'string' },
    json: { type: 'boolean' },
  },
  schema: z.object({
    status: z.enum(quarantineStatuses).default('open'),
    ...filterFlags,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional(),
    json: z.boolean().default(false),
  }),
} as const;

function resolveSpec(action: 'retry' | 'drop') {
  const yes = action === 'drop' ? ' --yes' : '';
  return {
    usage: `rapport ingest quarantine ${action} --id N [--workspace slug] | --all ${filterUsage}${yes}`,
    description:
      action === 'retry'
        ? 'Sends a quarantined item through the pipeline again; --all: every open item (matching the filter given) quarantined before the command started.'
        : 'Drops a quarantined item for good (it stays listed as dropped); --all: every open item (matching the filter given) quarantined before the command started, which needs --yes.',
    options: {
      ...help,
      id: { type: 'string' as const },
      all: { type: 'boolean' as const },
      ...filterOptions,
      ...(action === 'drop' ? { yes: { type: 'boolean' as const } } : {}),
    },
    schema: z
      .object({
        id: z.coerce.number().int().positive().optional(),
        all: z.boolean().default(false),
        ...filterFlags,
        yes: z.boolean().default(false),
      })
      .refine((f) => (f.id === undefined) !== !f.all, {
        message: 'give either --id N or --all',
        path: ['id'],
      })
      .refine((f) => f.all || (f.stage ?? f.connector ?? f.reason) === undefined, {
        message: '--stage, --connector and --reason go with --all',
        path: ['all'],
      }),
  };
}

function resolveCommand(action: 'retry' | 'drop'): CliCommand {
  const spec = resolveSpec(action);
  const done = action === 'retry' ? 'Retried' : 'Dropped';
  return {
    spec,
    async run(args) {
      const flags = parseFlags(spec, args);
      if (flags.id !== undefined) {
        const id = flags.id;
        const item = await withContext(async (ctx) =>
          resolveQuarantined(ctx, await operatorOf(ctx, flags.workspace), id, action),
        );
        console.log(`Item #${item.id} is now ${item.status}.`);
        return 0;
      }
      const filter = narrowing(flags);
      return withContext(async (ctx) => {
        const actor = await operatorOf(ctx, flags.workspace);
        // Only what is open now: a retried item that fails again comes back under a new id, and
        // must not be retried again (and again) by this same command.
        const first = await listQuarantine(ctx, actor, { ...filter, limit: 1 });
        const maxId = first.items[0]?.id;
        if (maxId === undefined) {
          console.log(`No open items${filterText(flags)}.`);
          return 0;
        }
        if (action === 'drop' && !flags.yes) {
          console.error(
            `Would drop ${first.total} open items${filterText(flags)} for good. Run again with --yes to drop them:\n  rapport ingest quarantine drop --all${filterArgs(flags)} --yes`,
          );
          return 2;
        }
        let total = 0;
        for (;;) {
          const step = await resolveQuarantinedMany(ctx, actor, action, { filter: { ...filter, maxId } });
          total += step.resolved;
          if (step.remaining > 0 && step.resolved > 0) {
            process.stderr.write(`${done} ${total}, ${step.remaining} to go…\n`);
            continue;
          }
          console.log(`${done} ${total} items${filterText(flags)}.`);
          if (step.remaining > 0)
            console.log(
              `${step.remaining} could not be taken now (another process holds them); run it again.`,
            );
          return 0;
        }
      });
    },
  };
}

const exportSpec = {
  usage:
    'rapport mentions export [--query name-or-id] [--channel C] [--language L] [--sentiment S] [--intent I] [--topic name-or-id] [--min-urgency N] [--search words] [--since day-or-moment] [--until day-or-moment] [--out file.csv|file.json|file.jsonl] [--format csv|json|jsonl] [--workspace slug]',
  description:
    "Writes stored posts (deleted ones left out), newest first, as CSV, JSON or JSON Lines: the filters of the listening view and a time window (--since inclusive, --until exclusive; a day means its midnight UTC), with a progress bar and a summary on standard error. The format follows the --out file's extension, else --format, else CSV. Audited. Columns in docs/listening.md.",
  options: {
    ...help,
    query: { type: 'string' },
    channel: { type: 'string' },
    language: { type: 'string' },
    sentiment: { type: 'string' },
    intent: { type: 'string' },
    topic: { type: 'string' },
    'min-urgency': { type: 'string' },
    search: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    out: { type: 'string' },
    format: { type: 'string' },
    workspace: { type: 'string' },
  },
  schema: z.object({
    query: z.string().min(1).max(200).optional(),
    channel: mentionExportFilters.shape.channel,
    language: mentionExportFilters.shape.language,
    sentiment: mentionExportFilters.shape.sentiment,
    intent: mentionExportFilters.shape.intent,
    topic: z.string().min(1).max(200).optional(),
    'min-urgency': mentionExportFilters.shape.minUrgency,
    search: mentionExportFilters.shape.search,
    since: momentFlag,
    until: momentFlag,
    out: z.string().min(1).optional(),
    format: z.enum(exportFormats).optional(),
    workspace: z.string().min(1).optional(),
  }),
} as const;

/** Database-backed commands of the listening module; `src/main.ts` dispatches to them. */
export const listeningCommands: Record<string, CliCommand> = {
  'ingest quarantine list': {
    spec: listSpec,
    async run(args) {
      const flags = parseFlags(listSpec, args);
      const page = await withContext(async (ctx) =>
        listQuarantine(ctx, await operatorOf(ctx, flags.workspace), {
          ...narrowing(flags),
          status: flags.status,
          limit: flags.limit,
          cursor: flags.cursor,
        }),
      );
      if (flags.json) {
        console.log(JSON.stringify(page, null, 2));
        return 0;
      }
      if (page.total === 0) {
        console.log(`No ${flags.status} items${filterText(flags)}.`);
        return 0;
      }
      console.log(
        `Showing ${page.items.length} of ${page.total} ${flags.status} item${page.total === 1 ? '' : 's'}${filterText(flags)}, newest first:`,
      );
      for (const item of page.items) {
        console.log(
          `#${item.id}\t${item.createdAt}\t${item.format}\t${item.stage}\t${item.connectorId ?? NO_CONNECTOR}\t${item.reason}\t${item.payload.slice(0, 80)}`,
        );
      }
      if (page.nextCursor) {
        const status = flags.status === 'open' ? '' : ` --status ${flags.status}`;
        const limit = flags.limit === 50 ? '' : ` --limit ${flags.limit}`;
        console.log(
          `More remain. Next page: rapport ingest quarantine list${status}${filterArgs(flags)}${limit} --cursor ${page.nextCursor}`,
        );
      }
      return 0;
    },
  },
  'ingest quarantine retry': resolveCommand('retry'),
  'ingest quarantine drop': resolveCommand('drop'),
  'mentions export': {
    spec: exportSpec,
    async run(args) {
      const flags = parseFlags(exportSpec, args);
      const format = listExportFormat(flags, 'Mentions');
      return writeExport(flags.out, format, async (write) => {
        const summary = await withContext(async (ctx) => {
          const actor = await operatorOf(ctx, flags.workspace);
          const named = async (table: 'listening_queries' | 'topics', flag: string, value?: string) => {
            if (value === undefined) return undefined;
            const found = await ctx.db
              .selectFrom(table)
              .select('id')
              .where('workspace_id', '=', actor.workspaceId)
              .where((eb) => eb.or([eb('id', '=', value), eb('name', '=', value)]))
              .execute();
            if (found.length !== 1 || !found[0])
              throw new AppError(
                'validation_failed',
                found.length === 0
                  ? `--${flag} ${value}: no ${flag === 'query' ? 'listening query' : 'topic'} has that name or id`
                  : `--${flag} ${value}: several have that name; give the id`,
              );
            return found[0].id;
          };
          const filters = mentionExportFilters.parse({
            queryId: await named('listening_queries', 'query', flags.query),
            channel: flags.channel,
            language: flags.language,
            sentiment: flags.sentiment,
            intent: flags.intent,
            topic: await named('topics', 'topic', flags.topic),
            minUrgency: flags['min-urgency'],
            search: flags.search,
            since: flags.since,
            until: flags.until,
          });
          return exportMentions(ctx, actor, filters, format, write, (p) =>
            process.stderr.write(`\r${progressLine(p)}`),
          );
        });
        process.stderr.write('\n');
        return `${summary.mentions} mention${summary.mentions === 1 ? '' : 's'}`;
      });
    },
  },
};
