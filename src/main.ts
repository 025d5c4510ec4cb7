#!/usr/bin/env node
import { existsSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { type CommandSpec, helpText, parseFlags } from './cli/args.ts';
import { writeExport } from './cli/export-output.ts';
import { withContext } from './cli/operator.ts';
import { progressLine } from './cli/progress.ts';
import { loadConfig } from './config.ts';
import type { AppContext } from './context.ts';
import { AppError, isAppError } from './errors.ts';
import { chooseExportFormat, type ExportFormat, exportFormats } from './export-format.ts';
import { analysisCommands } from './modules/analysis/commands.ts';
import type { Actor } from './modules/auth/roles.ts';
import { roles } from './modules/auth/roles.ts';
import type { WorkspaceView } from './modules/auth/schema.ts';
import {
  createApiTokenForEmail,
  createWorkspace,
  listWorkspaces,
  provisionUser,
  workspaceBySlug,
} from './modules/auth/service.ts';
import { communitiesCommands } from './modules/communities/commands.ts';
import { contactColumns, importContacts } from './modules/customers/contacts-import.ts';
import { rebuildCustomerStats } from './modules/customers/customer-stats.ts';
import { eraseCustomer } from './modules/customers/erasure.ts';
import { recomputeInfluence } from './modules/customers/influence.ts';
import { exportCustomer } from './modules/customers/privacy.ts';
import { exportSegmentMembers } from './modules/customers/segments-export.ts';
import { importTransactions, transactionColumns } from './modules/customers/transactions-import.ts';
import { inboxCommands } from './modules/inbox/commands.ts';
import { HISTORY_AFTER_DAYS } from './modules/inbox/history.ts';
import { listOutbox, retryReply } from './modules/inbox/replies.ts';
import { checkSlaClocks } from './modules/inbox/sla.ts';
import { listeningCommands } from './modules/listening/commands.ts';
import { salesCommands } from './modules/sales/commands.ts';
import { surveysCommands } from './modules/surveys/commands.ts';
import { webhooksCommands } from './modules/webhooks/commands.ts';
import { csvFromFile } from './pipeline/csv.ts';
import { importFile } from './pipeline/import.ts';
import { pruneIngestLog } from './pipeline/ingest-log.ts';
import { version } from './project.ts';
import { allServices, type Service, startServer } from './server.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const commands = {
  serve: {
    usage: 'rapport serve [--services=api,worker,scheduler,connectors] [--port N]',
    description: 'Runs the chosen services (all by default) on the configured database.',
    options: { ...help, services: { type: 'string' }, port: { type: 'string' } },
    schema: z.object({
      services: z
        .string()
        .default(allServices.join(','))
        .transform((s) => s.split(',').map((x) => x.trim()))
        .pipe(z.array(z.enum(allServices)).min(1)),
      port: z.coerce.number().int().min(0).max(65535).optional(),
    }),
  },
  migrate: {
    usage: 'rapport migrate',
    description: 'Applies pending database migrations and exits.',
    options: { ...help },
    schema: z.object({}),
  },
  'workspace create': {
    usage: 'rapport workspace create --name <name> --slug <slug> [--time-zone Europe/Paris]',
    description: 'Creates a workspace.',
    options: { ...help, name: { type: 'string' }, slug: { type: 'string' }, 'time-zone': { type: 'string' } },
    schema: z.object({
      name: z.string().min(1),
      slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and dashes'),
      'time-zone': z
        .string()
        .default('UTC')
        .refine(
          (tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC',
          'unknown IANA time zone',
        ),
    }),
  },
  'workspace list': {
    usage: 'rapport workspace list',
    description: 'Lists workspaces.',
    options: { ...help },
    schema: z.object({}),
  },
  'user create': {
    usage: 'rapport user create --email <email> --role <role> [--name <name>] [--workspace <slug>]',
    description: `Creates a user and prints a one-time password. Roles: ${roles.join(', ')}. --workspace may be left out when there is only one.`,
    options: {
      ...help,
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      workspace: { type: 'string' },
    },
    schema: z.object({
      email: z.email(),
      role: z.enum(roles),
      name: z.string().min(1).optional(),
      workspace: z.string().min(1).optional(),
    }),
  },
  'token create': {
    usage: 'rapport token create --email <user email> [--name <name>] [--expires-in-days N]',
    description: "Creates a personal API token for a user and prints it once. It acts with the user's role.",
    options: {
      ...help,
      email: { type: 'string' },
      name: { type: 'string' },
      'expires-in-days': { type: 'string' },
    },
    schema: z.object({
      email: z.email(),
      name: z.string().min(1).max(100).default('cli'),
      'expires-in-days': z.coerce.number().int().min(1).max(3650).optional(),
    }),
  },
  import: {
    usage:
      'rapport import <file> --format csv|jsonl [--map field=column[:int|:date],…] [--channel name] [--workspace slug]',
    description:
      'Imports posts from a file through the ingest log and pipeline, with progress and a summary (imported, duplicates, quarantined). See docs/connectors.md for the mapping.',
    options: {
      ...help,
      format: { type: 'string' },
      map: { type: 'string' },
      channel: { type: 'string' },
      workspace: { type: 'string' },
    },
    schema: z.object({
      format: z.enum(['csv', 'jsonl']),
      map: z.string().min(3).optional(),
      channel: z
        .string()
        .regex(/^[a-z0-9_-]{1,40}$/, 'lower-case letters, digits, - and _')
        .default('import'),
      workspace: z.string().min(1).optional(),
    }),
  },
  'ingest prune': {
    usage: 'rapport ingest prune [--older-than-days N]',
    description:
      'Deletes ingest log entries processed more than N days ago (default: INGEST_LOG_RETENTION_DAYS, 30); the scheduler does it hourly. See docs/operations.md.',
    options: { ...help, 'older-than-days': { type: 'string' } },
    schema: z.object({ 'older-than-days': z.coerce.number().int().min(0).max(36_500).optional() }),
  },
  'inbox outbox list': {
    usage: 'rapport inbox outbox list [--status queued|sending|sent|failed|cancelled] [--workspace slug]',
    description:
      'Lists the replies waiting, sent or failed in the outbox, with their channel, attempts and last error. See docs/inbox.md.',
    options: { ...help, workspace: { type: 'string' }, status: { type: 'string' } },
    schema: z.object({
      workspace: z.string().min(1).optional(),
      status: z.enum(['queued', 'sending', 'sent', 'failed', 'cancelled']).optional(),
    }),
  },
  'inbox outbox retry': {
    usage: 'rapport inbox outbox retry <reply-id> [--workspace slug]',
    description: 'Queues a failed reply again; the worker sends it at its next pass.',
    options: { ...help, workspace: { type: 'string' } },
    schema: z.object({ workspace: z.string().min(1).optional() }),
  },
  'inbox sla check': {
    usage: 'rapport inbox sla check',
    description:
      'Runs the SLA pass now for every workspace (warnings, breaches and their actions), as the scheduler does every 30 s.',
    options: { ...help },
    schema: z.object({}),
  },
  'customers influence recompute': {
    usage: 'rapport customers influence recompute [--workspace slug]',
    description:
      "Recomputes every author's influence in a workspace (PageRank over replies and @mentions, and reach); the scheduler does it every 15 minutes. See docs/influence.md.",
    options: { ...help, workspace: { type: 'string' } },
    schema: z.object({ workspace: z.string().min(1).optional() }),
  },
  'customers import-transactions': {
    usage: `rapport customers import-transactions <file.csv> [--workspace slug] [--map ${transactionColumns.map((c) => `${c}=column`).join(',')}]`,
    description:
      'Imports orders, subscriptions and refunds from a CSV file onto customers found by email (an unknown email gets a new customer), with progress and a summary; bad lines are reported by number. Idempotent on external_id. See docs/customers.md.',
    options: { ...help, workspace: { type: 'string' }, map: { type: 'string' } },
    schema: z.object({ workspace: z.string().min(1).optional(), map: z.string().min(3).optional() }),
  },
  'customers import-contacts': {
    usage: `rapport customers import-contacts <file.csv> [--workspace slug] [--map ${contactColumns.map((c) => `${c}=column`).join(',')}]`,
    description:
      'Imports contacts from a CSV file (name, email, email_verified, phone, bluesky, mastodon, attr.<key>): the identities on one line are one person, so customers holding them are merged (the line is the evidence) and handles not seen yet join when they first post. Progress and a summary; bad lines are reported by number. Idempotent. See docs/customers.md.',
    options: { ...help, workspace: { type: 'string' }, map: { type: 'string' } },
    schema: z.object({ workspace: z.string().min(1).optional(), map: z.string().min(3).optional() }),
  },
  'customers export': {
    usage:
      'rapport customers export <customer-id> | --segment <id-or-name> [--workspace slug] [--out file.json|file.csv|file.jsonl] [--format json|csv|jsonl]',
    description:
      "With a customer id: writes everything held about a person as one JSON document (to --out, or standard output); audited, see docs/customers.md, Privacy. With --segment (not with a customer id): writes the members of a segment as CSV, JSON or JSON Lines, with progress and a summary; see docs/segments.md. The format follows the --out file's extension (.csv, .json, .jsonl), else --format, else JSON for a person and CSV for a segment; a --format that contradicts the extension is an error.",
    options: {
      ...help,
      workspace: { type: 'string' },
      out: { type: 'string' },
      segment: { type: 'string' },
      format: { type: 'string' },
    },
    schema: z.object({
      workspace: z.string().min(1).optional(),
      out: z.string().min(1).optional(),
      segment: z.string().min(1).max(200).optional(),
      format: z.enum(exportFormats).optional(),
    }),
  },
  'customers erase': {
    usage: 'rapport customers erase <customer-id> --reason <text> [--workspace slug]',
    description:
      "Erases a person's personal data everywhere, keeping anonymous aggregates and a record of the erasure. Irreversible; audited.",
    options: { ...help, workspace: { type: 'string' }, reason: { type: 'string' } },
    schema: z.object({ workspace: z.string().min(1).optional(), reason: z.string().trim().min(1).max(500) }),
  },
  version: {
    usage: 'rapport version',
    description: 'Prints the version.',
    options: { ...help },
    schema: z.object({}),
  },
} satisfies Record<string, CommandSpec<z.ZodType>>;

type CommandName = keyof typeof commands;

/** Commands registered by modules in their own maps. */
const moduleCommands = {
  ...analysisCommands,
  ...webhooksCommands,
  ...salesCommands,
  ...inboxCommands,
  ...listeningCommands,
  ...surveysCommands,
  ...communitiesCommands,
};

function usage(): string {
  return [
    `rapport ${version}: the open-source Social CRM`,
    '',
    'Commands:',
    ...Object.values(commands).map((c) => `  ${c.usage}`),
    ...Object.values(moduleCommands).map((c) => `  ${c.spec.usage}`),
    '',
    'Run `rapport <command> --help` for details. Configuration comes from the environment (see README).',
  ].join('\n');
}

/** The workspace named by --workspace, or the only one there is. */
async function resolveWorkspace(ctx: AppContext, slug: string | undefined): Promise<WorkspaceView> {
  if (slug) return workspaceBySlug(ctx, slug);
  const workspaces = await listWorkspaces(ctx);
  const [only] = workspaces;
  if (workspaces.length !== 1 || !only) {
    throw new AppError(
      'validation_failed',
      `Give --workspace: one of ${workspaces.map((w) => w.slug).join(', ') || '(none yet)'}`,
    );
  }
  return only;
}

const operator = (workspaceId: string): Actor => ({ userId: 'cli', workspaceId, role: 'owner', via: 'cli' });

/** `rapport customers export --segment …`: the members of a segment as CSV, JSON or JSON Lines. */
async function exportSegment(
  flags: { workspace?: string | undefined; out?: string | undefined },
  segment: string,
  format: ExportFormat,
): Promise<number> {
  return writeExport(flags.out, format, async (write) => {
    const summary = await withContext(async (ctx) => {
      const workspace = await resolveWorkspace(ctx, flags.workspace);
      return exportSegmentMembers(ctx, operator(workspace.id), segment, format, write, (p) =>
        process.stderr.write(`\r${progressLine(p)}`),
      );
    });
    process.stderr.write('\n');
    return `${summary.customers} customers of segment "${summary.name}" (${summary.segmentId})`;
  });
}

async function run(argv: string[]): Promise<number> {
  const external = [4, 3, 2, 1].map((n) => argv.slice(0, n).join(' ')).find((c) => c in moduleCommands);
  const command = external === undefined ? undefined : moduleCommands[external];
  if (external !== undefined && command) {
    const args = argv.slice(external.split(' ').length);
    if (args.includes('--help') || args.includes('-h')) {
      console.log(helpText(command.spec));
      return 0;
    }
    return command.run(args);
  }
  const name =
    ([3, 2, 1].map((n) => argv.slice(0, n).join(' ')).find((c) => c in commands) as
      | CommandName
      | undefined) ?? (argv[0] as CommandName | undefined);
  if (!name || name === ('help' as string) || name === ('--help' as string) || name === ('-h' as string)) {
    console.log(usage());
    return name ? 0 : 2;
  }
  if (!(name in commands)) {
    console.error(`Unknown command "${argv.slice(0, 2).join(' ')}".\n\n${usage()}`);
    return 2;
  }
  const spec = commands[name];
  const rest = argv.slice(name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(helpText(spec));
    return 0;
  }

  switch (name) {
    case 'version':
      parseFlags(commands.version, rest);
      console.log(version);
      return 0;
    case 'serve': {
      const flags = parseFlags(commands.serve, rest);
      const env = flags.port === undefined ? process.env : { ...process.env, PORT: String(flags.port) };
      const server = await startServer(loadConfig(env), flags.services as Service[]);
      await new Promise<void>((resolve) => {
        const shutdown = (signal: string) => {
          console.log(`${signal} received: finishing in-flight requests, then stopping`);
          // In-flight requests get 10 s; past that the process exits anyway.
          setTimeout(() => process.exit(1), 10_000).unref();
          server.stop().then(resolve, (err) => {
            console.error(err);
            process.exit(1);
          });
        };
        process.once('SIGTERM', () => shutdown('SIGTERM'));
        process.once('SIGINT', () => shutdown('SIGINT'));
      });
      return 0;
    }
    case 'migrate':
      parseFlags(commands.migrate, rest);
      await withContext(async () => console.log('Database is up to date.'));
      return 0;
    case 'workspace create': {
      const flags = parseFlags(commands['workspace create'], rest);
      const ws = await withContext((ctx) =>
        createWorkspace(ctx, { name: flags.name, slug: flags.slug, timeZone: flags['time-zone'] }),
      );
      console.log(`Created workspace ${ws.slug} (${ws.id}).`);
      return 0;
    }
    case 'workspace list': {
      parseFlags(commands['workspace list'], rest);
      const all = await withContext((ctx) => listWorkspaces(ctx));
      for (const ws of all)
        console.log(`${ws.slug}\t${ws.name}\t${ws.timeZone}${ws.isDemo ? '\t(demo)' : ''}`);
      return 0;
    }
    case 'user create': {
      const flags = parseFlags(commands['user create'], rest);
      const result = await withContext(async (ctx) => {
        const workspaces = await listWorkspaces(ctx);
        const workspace = flags.workspace
          ? await workspaceBySlug(ctx, flags.workspace)
          : workspaces.length === 1
            ? workspaces[0]
            : undefined;
        if (!workspace) {
          throw new Error(
            `Give --workspace: one of ${workspaces.map((w) => w.slug).join(', ') || '(none yet)'}`,
          );
        }
        return provisionUser(ctx, {
          workspaceId: workspace.id,
          email: flags.email,
          name: flags.name ?? flags.email.split('@')[0] ?? flags.email,
          role: flags.role,
        });
      });
      console.log(`Created ${result.user.role} ${result.user.email}.`);
      console.log(`One-time password (must be changed at first sign-in): ${result.temporaryPassword}`);
      return 0;
    }
    case 'import': {
      const file = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      const flags = parseFlags(commands.import, file ? rest.slice(1) : rest);
      if (!file)
        throw new AppError('validation_failed', `Give the file to import.\n\n${helpText(commands.import)}`);
      if (!existsSync(file)) throw new AppError('validation_failed', `No such file: ${file}`);
      const summary = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return importFile(
          ctx,
          { file, format: flags.format, map: flags.map, channel: flags.channel, workspaceId: workspace.id },
          (p) => process.stderr.write(`\r${progressLine(p)}`),
        );
      });
      process.stderr.write('\n');
      const rate =
        summary.elapsedMs > 0 ? Math.round(summary.read / (summary.elapsedMs / 1000)) : summary.read;
      console.log(
        `Read ${summary.read} records in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate}/s): imported ${summary.imported}, duplicates ${summary.duplicates}, quarantined ${summary.quarantined}.`,
      );
      if (summary.history > 0)
        console.log(
          `${summary.history} of the imported were written more than ${HISTORY_AFTER_DAYS} days ago: kept as history, not routed (no cases, leads or replies).`,
        );
      if (summary.quarantined > 0) console.log('See them with: rapport ingest quarantine list');
      return 0;
    }
    case 'ingest prune': {
      const flags = parseFlags(commands['ingest prune'], rest);
      const { days, removed } = await withContext(async (ctx) => {
        const days = flags['older-than-days'] ?? ctx.config.ingestLogRetentionDays;
        // INGEST_LOG_RETENTION_DAYS=0 keeps the log forever; only an explicit flag deletes then.
        if (flags['older-than-days'] === undefined && days === 0) return { days, removed: null };
        return { days, removed: await pruneIngestLog(ctx, days) };
      });
      if (removed === null)
        console.log('Nothing deleted: INGEST_LOG_RETENTION_DAYS=0 keeps the log; pass --older-than-days N.');
      else console.log(`Deleted ${removed} ingest log entries processed more than ${days} days ago.`);
      return 0;
    }
    case 'inbox outbox list': {
      const flags = parseFlags(commands['inbox outbox list'], rest);
      const items = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return listOutbox(ctx, operator(workspace.id), flags.status);
      });
      if (items.length === 0)
        console.log(flags.status ? `No ${flags.status} replies.` : 'The outbox is empty.');
      for (const r of items)
        console.log(
          [
            r.id,
            r.createdAt,
            r.channel,
            r.visibility,
            r.status,
            `attempts ${r.attempts}`,
            r.lastError ?? r.externalUrl ?? '',
          ].join('\t'),
        );
      return 0;
    }
    case 'inbox outbox retry': {
      const id = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      const spec = commands['inbox outbox retry'];
      const flags = parseFlags(spec, id ? rest.slice(1) : rest);
      if (!id) throw new AppError('validation_failed', `Give the reply id.\n\n${helpText(spec)}`);
      const reply = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        const row = await ctx.db
          .selectFrom('outbox_replies')
          .select('case_id')
          .where('workspace_id', '=', workspace.id)
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', `No reply ${id}`);
        return retryReply(ctx, operator(workspace.id), row.case_id, id);
      });
      console.log(`Reply ${reply.id} is queued again.`);
      return 0;
    }
    case 'inbox sla check': {
      parseFlags(commands['inbox sla check'], rest);
      const result = await withContext((ctx) => checkSlaClocks(ctx));
      console.log(`SLA clocks checked: ${result.warned} warned, ${result.breached} breached.`);
      return 0;
    }
    case 'customers influence recompute': {
      const flags = parseFlags(commands['customers influence recompute'], rest);
      const result = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        const recomputed = await recomputeInfluence(ctx, workspace.id);
        // As the scheduler does: influence feeds the customer statistics that segments read.
        await rebuildCustomerStats(ctx, workspace.id);
        return recomputed;
      });
      const s = (ms: number) => (ms / 1000).toFixed(1);
      console.log(
        `Recomputed the influence of ${result.authors} authors (${result.edges} interaction edges) in ${s(result.graphBuildMs + result.pagerankMs + result.writeMs)} s: graph ${s(result.graphBuildMs)} s, PageRank ${s(result.pagerankMs)} s, write ${s(result.writeMs)} s.`,
      );
      return 0;
    }
    case 'customers import-transactions': {
      const file = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      const spec = commands['customers import-transactions'];
      const flags = parseFlags(spec, file ? rest.slice(1) : rest);
      if (!file) throw new AppError('validation_failed', `Give the CSV file.\n\n${helpText(spec)}`);
      if (!existsSync(file)) throw new AppError('validation_failed', `No such file: ${file}`);
      const summary = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return importTransactions(
          ctx,
          operator(workspace.id),
          { source: await csvFromFile(file), map: flags.map },
          (p) => process.stderr.write(`\r${progressLine(p)}`),
        );
      });
      process.stderr.write('\n');
      const rate =
        summary.elapsedMs > 0 ? Math.round(summary.read / (summary.elapsedMs / 1000)) : summary.read;
      console.log(
        `Read ${summary.read} lines in ${(summary.elapsedMs / 1000).toFixed(1)} s (${rate}/s): imported ${summary.imported}, duplicates ${summary.duplicates}, new customers by email ${summary.customersCreated}, rejected ${summary.rejected.length}.`,
      );
      for (const r of summary.rejected) console.log(`  line ${r.line}: ${r.reason}`);
      return summary.rejected.length > 0 ? 1 : 0;
    }
    case 'customers import-contacts': {
      const file = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      const spec = commands['customers import-contacts'];
      const flags = parseFlags(spec, file ? rest.slice(1) : rest);
      if (!file) throw new AppError('validation_failed', `Give the CSV file.\n\n${helpText(spec)}`);
      if (!existsSync(file)) throw new AppError('validation_failed', `No such file: ${file}`);
      const summary = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return importContacts(ctx, operator(workspace.id), await csvFromFile(file), { map: flags.map }, (p) =>
          process.stderr.write(`\r${progressLine(p)}`),
        );
      });
      process.stderr.write('\n');
      console.log(
        `Read ${summary.read} lines in ${(summary.elapsedMs / 1000).toFixed(1)} s: new customers ${summary.created}, updated ${summary.updated}, unchanged ${summary.unchanged}, merged ${summary.merged}, handles waiting to be seen ${summary.pendingLinks}, rejected ${summary.rejected.length}.`,
      );
      for (const r of summary.rejected) console.log(`  line ${r.line}: ${r.reason}`);
      return summary.rejected.length > 0 ? 1 : 0;
    }
    case 'customers export': {
      const id = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      const spec = commands['customers export'];
      const flags = parseFlags(spec, id ? rest.slice(1) : rest);
      // Both name what to export; picking one silently would write the wrong data to the file.
      if (id && flags.segment)
        throw new AppError(
          'validation_failed',
          `Give either a customer id (${id}) or --segment (${flags.segment}), not both: the id exports one person, --segment the members of a segment.\n\n${helpText(spec)}`,
        );
      if (!id && !flags.segment)
        throw new AppError('validation_failed', `Give the customer id or --segment.\n\n${helpText(spec)}`);
      const format = chooseExportFormat({
        out: flags.out,
        format: flags.format,
        fallback: id ? 'json' : 'csv',
        allowed: id ? ['json'] : exportFormats,
        what: id ? "A customer's export (one nested document)" : "A segment's members",
      });
      if (!id) return exportSegment(flags, flags.segment ?? '', format);
      const data = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return exportCustomer(ctx, operator(workspace.id), id);
      });
      const text = `${JSON.stringify(data, null, 2)}\n`;
      if (flags.out) {
        writeFileSync(flags.out, text, { mode: 0o600 });
        console.log(`Wrote the export of customer ${id} to ${flags.out}.`);
      } else process.stdout.write(text);
      return 0;
    }
    case 'customers erase': {
      const id = rest[0] && !rest[0].startsWith('-') ? rest[0] : undefined;
      if (!id)
        throw new AppError('validation_failed', `Give the customer id.\n\n${helpText(commands[name])}`);
      const flags = parseFlags(commands['customers erase'], rest.slice(1));
      const erasure = await withContext(async (ctx) => {
        const workspace = await resolveWorkspace(ctx, flags.workspace);
        return eraseCustomer(ctx, operator(workspace.id), id, { reason: flags.reason });
      });
      const c = erasure.counts;
      console.log(
        `Erased customer ${id} (erasure ${erasure.id}): ${c.mentions} mentions, ${c.identities} identities, ${c.authors} accounts, ${c.ingestLog} log items, ${c.quarantine} quarantined items, ${c.transactions} transactions, ${c.events} events.`,
      );
      return 0;
    }
    case 'token create': {
      const flags = parseFlags(commands['token create'], rest);
      const { token, secret } = await withContext((ctx) =>
        createApiTokenForEmail(ctx, {
          email: flags.email,
          name: flags.name,
          expiresInDays: flags['expires-in-days'],
        }),
      );
      console.log(
        `Created token "${token.name}" (${token.prefix}…${token.expiresAt ? `, expires ${token.expiresAt}` : ''}).`,
      );
      console.log('It is shown once; send it as "Authorization: Bearer <token>":');
      console.log(secret);
      return 0;
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(isAppError(err) || err instanceof Error ? `Error: ${err.message}` : err);
    process.exitCode = isAppError(err) && err.code === 'validation_failed' ? 2 : 1;
  },
);
