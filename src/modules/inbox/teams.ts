import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { type TeamInput, type TeamView, teamInput } from './schema.ts';

async function teamViews(ctx: AppContext, workspaceId: string, ids?: string[]): Promise<TeamView[]> {
  let q = ctx.db.selectFrom('teams').selectAll().where('workspace_id', '=', workspaceId);
  if (ids) q = q.where('id', 'in', ids);
  const teams = await q.orderBy('name').execute();
  if (teams.length === 0) return [];
  const members = await ctx.db
    .selectFrom('team_members')
    .select(['team_id', 'user_id'])
    .where(
      'team_id',
      'in',
      teams.map((t) => t.id),
    )
    .execute();
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    memberIds: members.filter((m) => m.team_id === t.id).map((m) => m.user_id),
    createdAt: t.created_at,
  }));
}

/**
 * The people who can be assigned cases (for pickers and @mentions): name, role and skills only, so
 * agents see their colleagues without the user administration permission.
 */
export async function listAssignees(
  ctx: AppContext,
  actor: Actor,
): Promise<{ id: string; name: string; role: string; skills: string[] }[]> {
  requirePermission(actor, 'inbox:read');
  const rows = await ctx.db
    .selectFrom('users')
    .select(['id', 'name', 'email', 'role', 'skills'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('status', '=', 'active')
    .where('role', 'in', ['owner', 'admin', 'manager', 'agent'])
    .orderBy('name')
    .execute();
  return rows.map((u) => ({
    id: u.id,
    name: u.name || u.email,
    role: u.role,
    skills: u.skills ? u.skills.split(' ') : [],
  }));
}

/** Teams are few per workspace (a handful to a few dozen), so the list is not paginated. */
export async function listTeams(ctx: AppContext, actor: Actor): Promise<TeamView[]> {
  requirePermission(actor, 'inbox:read');
  return teamViews(ctx, actor.workspaceId);
}

async function checkMembers(ctx: AppContext, workspaceId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  const found = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', userIds)
    .execute();
  const known = new Set(found.map((u) => u.id));
  const missing = userIds.filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new AppError('validation_failed', 'Unknown team members', {
      fields: [{ path: 'memberIds', message: `not users of this workspace: ${missing.join(', ')}` }],
    });
}

/** Creates a team, or replaces the name and members of an existing one (`id` given). */
export async function saveTeam(
  ctx: AppContext,
  actor: Actor,
  input: TeamInput,
  id?: string,
): Promise<TeamView> {
  requirePermission(actor, 'inbox:configure');
  const parsed = teamInput.parse(input);
  const memberIds = [...new Set(parsed.memberIds)];
  await checkMembers(ctx, actor.workspaceId, memberIds);
  const teamId = id ?? newId(ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    const clash = await trx
      .selectFrom('teams')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('name', '=', parsed.name)
      .executeTakeFirst();
    if (clash && clash.id !== teamId)
      throw new AppError('conflict', `A team named ${parsed.name} already exists`);
    if (id) {
      const updated = await trx
        .updateTable('teams')
        .set({ name: parsed.name })
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new AppError('not_found', `No team ${id}`);
      await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
    } else {
      await trx
        .insertInto('teams')
        .values({
          id: teamId,
          workspace_id: actor.workspaceId,
          name: parsed.name,
          created_at: ctx.now().toISOString(),
        })
        .execute();
    }
    if (memberIds.length > 0)
      await trx
        .insertInto('team_members')
        .values(memberIds.map((u) => ({ team_id: teamId, user_id: u, workspace_id: actor.workspaceId })))
        .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: id ? 'team.update' : 'team.create',
      targetType: 'team',
      targetId: teamId,
      details: { name: parsed.name, memberIds },
    });
  });
  const [view] = await teamViews(ctx, actor.workspaceId, [teamId]);
  if (!view) throw new AppError('not_found', `No team ${teamId}`);
  return view;
}

export async function deleteTeam(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'inbox:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('teams')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows) === 0) throw new AppError('not_found', `No team ${id}`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'team.delete',
      targetType: 'team',
      targetId: id,
    });
  });
}
