import { z } from 'zod';
import { parseFlags } from '../../cli/args.ts';
import { withContext } from '../../cli/operator.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { workspaceBySlug } from '../auth/service.ts';
import { rerenderPosts } from './rerender.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const rerenderSpec = {
  usage: 'rapport communities rerender [--workspace slug] [--dry-run] [--json]',
  description:
    'Renders every community post again from its Markdown with the current renderer and stores the HTML where it differs, repairing HTML an older version wrote (mention links closed by a stray </span>). Keeps what each post could link, show and mention when it was written. Every workspace unless --workspace is given; --dry-run only counts. See docs/communities.md.',
  options: {
    ...help,
    workspace: { type: 'string' },
    'dry-run': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  schema: z.object({
    workspace: z.string().min(1).optional(),
    'dry-run': z.boolean().default(false),
    json: z.boolean().default(false),
  }),
} as const;

/** Database-backed commands of the communities module; `src/main.ts` dispatches to them. */
export const communitiesCommands: Record<string, CliCommand> = {
  'communities rerender': {
    spec: rerenderSpec,
    async run(args) {
      const flags = parseFlags(rerenderSpec, args);
      const dryRun = flags['dry-run'];
      const summary = await withContext(async (ctx) => {
        const workspaceId = flags.workspace ? (await workspaceBySlug(ctx, flags.workspace)).id : undefined;
        return rerenderPosts(ctx, { ...(workspaceId ? { workspaceId } : {}), dryRun });
      });
      if (flags.json) {
        console.log(JSON.stringify({ ...summary, dryRun }, null, 2));
        return 0;
      }
      console.log(
        `${summary.posts} posts rendered again: ${summary.changed} ${
          dryRun ? 'would change (dry run, nothing written)' : 'changed'
        }.`,
      );
      return 0;
    },
  },
};
