#!/usr/bin/env node
import { z } from 'zod';
import { type CommandSpec, helpText, parseFlags } from './cli/args.ts';
import { loadConfig } from './config.ts';
import type { AppContext } from './context.ts';
import { isAppError } from './errors.ts';
import { roles } from './modules/auth/roles.ts';
import {
  createApiTokenForEmail,
  createWorkspace,
  listWorkspaces,
  provisionUser,
  workspaceBySlug,
} from './modules/auth/service.ts';
import { version } from './project.ts';
import { allServices, closeContext, openContext, type Service, startServer } from './server.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const commands = {
  serve: {
    usage: 'rapport serve [--services=api,worker,scheduler] [--port N]',
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
  version: {
    usage: 'rapport version',
    description: 'Prints the version.',
    options: { ...help },
    schema: z.object({}),
  },
} satisfies Record<string, CommandSpec<z.ZodType>>;

type CommandName = keyof typeof commands;

function usage(): string {
  return [
    `rapport ${version}: the open-source Social CRM`,
    '',
    'Commands:',
    ...Object.values(commands).map((c) => `  ${c.usage}`),
    '',
    'Run `rapport <command> --help` for details. Configuration comes from the environment (see README).',
  ].join('\n');
}

async function withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(loadConfig());
  try {
    return await run(ctx);
  } finally {
    await closeContext(ctx);
  }
}

async function run(argv: string[]): Promise<number> {
  const twoWords = `${argv[0]} ${argv[1]}`;
  const name = (twoWords in commands ? twoWords : argv[0]) as CommandName | undefined;
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
