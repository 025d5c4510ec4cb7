import { loadConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import type { Actor } from '../modules/auth/roles.ts';
import { listWorkspaces, workspaceBySlug } from '../modules/auth/service.ts';
import { closeContext, openContext } from '../server.ts';

/** The operator at the command line acts as an owner of the workspace named (or the only one). */
export async function operatorOf(ctx: AppContext, slug: string | undefined): Promise<Actor> {
  let workspaceId: string;
  if (slug) workspaceId = (await workspaceBySlug(ctx, slug)).id;
  else {
    const all = await listWorkspaces(ctx);
    if (all.length !== 1 || !all[0])
      throw new AppError(
        'validation_failed',
        `Give --workspace: one of ${all.map((w) => w.slug).join(', ') || '(none yet)'}`,
      );
    workspaceId = all[0].id;
  }
  return { userId: 'cli', workspaceId, role: 'owner', via: 'cli' };
}

/** Runs a command against the configured database, closing it afterwards. */
export async function withContext<T>(run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = await openContext(loadConfig());
  try {
    return await run(ctx);
  } finally {
    await closeContext(ctx);
  }
}
