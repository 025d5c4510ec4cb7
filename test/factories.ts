import type { Insertable } from 'kysely';
import type { AppContext } from '../src/context.ts';
import type { MentionsTable, Role } from '../src/db/schema.ts';
import type { Actor } from '../src/modules/auth/roles.ts';
import type { UserView, WorkspaceView } from '../src/modules/auth/schema.ts';
import { createApiToken, createWorkspace, provisionUser } from '../src/modules/auth/service.ts';
import type { GenericPost } from '../src/pipeline/formats.ts';
import { appendToLog } from '../src/pipeline/ingest-log.ts';
import { processBatch } from '../src/pipeline/worker.ts';

let sequence = 0;
const next = () => `${Date.now().toString(36)}${(++sequence).toString(36)}`;

export const TEST_PASSWORD = 'correct horse battery staple';

export async function buildWorkspace(
  ctx: AppContext,
  overrides: { name?: string } = {},
): Promise<WorkspaceView> {
  const n = next();
  return createWorkspace(ctx, { name: overrides.name ?? `Workspace ${n}`, slug: `ws-${n}` });
}

export type BuiltUser = { user: UserView; actor: Actor; password: string };

export async function buildUser(
  ctx: AppContext,
  workspace: WorkspaceView,
  overrides: { role?: Role; email?: string; name?: string } = {},
): Promise<BuiltUser> {
  const n = next();
  const role = overrides.role ?? 'agent';
  const { user } = await provisionUser(ctx, {
    workspaceId: workspace.id,
    email: overrides.email ?? `${role}-${n}@example.test`,
    name: overrides.name ?? `${role} ${n}`,
    role,
    password: TEST_PASSWORD,
  });
  return {
    user,
    actor: { userId: user.id, workspaceId: workspace.id, role, via: 'session' },
    password: TEST_PASSWORD,
  };
}

/** A personal API token for the user; returns the bearer secret. */
export async function buildToken(ctx: AppContext, built: BuiltUser): Promise<string> {
  const { secret } = await createApiToken(ctx, built.actor, { name: 'test' });
  return secret;
}

/**
 * A stored post's row, for tests that write mentions directly rather than through the pipeline:
 * every column, with neutral values unless given.
 */
export function mentionRow(
  ctx: AppContext,
  workspaceId: string,
  fields: Partial<Insertable<MentionsTable>> & { external_id: string; created_at: string },
): Insertable<MentionsTable> {
  return {
    workspace_id: workspaceId,
    channel: 'webhook',
    url: null,
    author_id: null,
    text: 'hello',
    language: 'en',
    received_at: fields.created_at,
    version_at: fields.created_at,
    reply_to: null,
    thread_root: null,
    engagement: ctx.dialect.toJson({}),
    analysis: ctx.dialect.toJson({}),
    sentiment: null,
    intents: null,
    disposition: null,
    deleted_at: null,
    edited_at: null,
    urgency: null,
    topics: null,
    classes: null,
    ...fields,
  };
}

/** Posts stored as connectors and the worker store them: appended to the ingest log, then processed until it is drained. */
export async function storePosts(
  ctx: AppContext,
  workspaceId: string,
  posts: GenericPost[],
  connectorId: string | null = null,
): Promise<void> {
  await appendToLog(
    ctx,
    posts.map((p) => ({ workspaceId, connectorId, format: 'generic' as const, payload: JSON.stringify(p) })),
  );
  while ((await processBatch(ctx)).claimed > 0) {
    // until the log is drained
  }
}
