import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';

/** How long a presence lasts without renewal; browsers renew about every 15 s. */
export const PRESENCE_TTL_MS = 30_000;

export type Presence = { caseId: string; userId: string; name: string; state: 'viewing' | 'replying' };
export type CaseChange = { eventId: number; caseId: string; kind: string; actorUserId: string | null };

/** Says the actor is viewing or replying to a case (renews the presence). */
export async function setPresence(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  state: 'viewing' | 'replying',
): Promise<void> {
  requirePermission(actor, 'inbox:read');
  const found = await ctx.db
    .selectFrom('cases')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', caseId)
    .executeTakeFirst();
  if (!found) throw new AppError('not_found', `No case ${caseId}`);
  const expires = new Date(ctx.now().getTime() + PRESENCE_TTL_MS).toISOString();
  await ctx.db
    .insertInto('case_presence')
    .values({
      case_id: caseId,
      user_id: actor.userId,
      workspace_id: actor.workspaceId,
      state,
      expires_at: expires,
    })
    .onConflict((oc) => oc.columns(['case_id', 'user_id']).doUpdateSet({ state, expires_at: expires }))
    .execute();
}

export async function clearPresence(ctx: AppContext, actor: Actor, caseId: string): Promise<void> {
  await ctx.db
    .deleteFrom('case_presence')
    .where('workspace_id', '=', actor.workspaceId)
    .where('case_id', '=', caseId)
    .where('user_id', '=', actor.userId)
    .execute();
}

/** Everyone present on the workspace's cases now, expired entries removed on the way. */
export async function presenceNow(ctx: AppContext, workspaceId: string): Promise<Presence[]> {
  const now = ctx.now().toISOString();
  await ctx.db
    .deleteFrom('case_presence')
    .where('workspace_id', '=', workspaceId)
    .where('expires_at', '<=', now)
    .execute();
  const rows = await ctx.db
    .selectFrom('case_presence')
    .innerJoin('users', 'users.id', 'case_presence.user_id')
    .select([
      'case_presence.case_id',
      'case_presence.user_id',
      'case_presence.state',
      'users.name',
      'users.email',
    ])
    .where('case_presence.workspace_id', '=', workspaceId)
    .orderBy('case_presence.case_id')
    .orderBy('case_presence.user_id')
    .execute();
  return rows.map((r) => ({ caseId: r.case_id, userId: r.user_id, name: r.name || r.email, state: r.state }));
}

/** Case feed events after `afterId` (for live views), oldest first. */
export async function caseChangesSince(
  ctx: AppContext,
  workspaceId: string,
  afterId: number,
  limit = 200,
): Promise<CaseChange[]> {
  const rows = await ctx.db
    .selectFrom('record_events')
    .select(['id', 'record_id', 'kind', 'actor_user_id'])
    .where('workspace_id', '=', workspaceId)
    .where('record_type', '=', 'case')
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    eventId: Number(r.id),
    caseId: r.record_id,
    kind: r.kind,
    actorUserId: r.actor_user_id,
  }));
}

/** The newest feed event id of the workspace: where a live view starts. */
export async function latestCaseEventId(ctx: AppContext, workspaceId: string): Promise<number> {
  const row = await ctx.db
    .selectFrom('record_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}
