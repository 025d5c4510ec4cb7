import type { Updateable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunitySpacesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import {
  canModerate,
  checkViewer,
  seesEverything,
  spaceRow,
  toSpaceView,
  type Viewer,
  visibleSpace,
} from './access.ts';
import { type CommunityActor, isMember } from './actors.ts';
import { type SpaceInput, type SpacePatch, type SpaceView, spaceInput, spacePatch } from './schema.ts';
import { permissionsFor, trustConfigOf } from './trust.ts';

/** Kinds a member may open as an impromptu space: staff own the knowledge base and announcements. */
const memberSpaceKinds = new Set(['forum', 'qa', 'ideas']);

function checkEnd(purpose: string, endsAt: string | null | undefined): void {
  if (purpose === 'task' && !endsAt)
    throw new AppError('validation_failed', 'A task space needs an end date', {
      fields: [{ path: 'endsAt', message: 'required for task spaces' }],
    });
  if (purpose !== 'task' && endsAt)
    throw new AppError('validation_failed', 'Only task spaces end', {
      fields: [{ path: 'endsAt', message: 'only for task spaces' }],
    });
}

/**
 * Creates a space. Staff with `communities:manage` create any; a member whose trust level
 * unlocks it creates an impromptu forum, Q&A or idea space.
 */
export async function createSpace(
  ctx: AppContext,
  actor: CommunityActor,
  input: SpaceInput,
): Promise<SpaceView> {
  const valid = spaceInput.parse(input);
  if (isMember(actor)) {
    const config = await trustConfigOf(ctx, ctx.db, actor.workspaceId);
    if (!permissionsFor(actor.trustLevel, config).createSpaces)
      throw new AppError('forbidden', 'Your trust level does not allow creating spaces yet', {
        requiredTrustLevel: config.unlocks.createSpaces,
      });
    if (valid.purpose !== 'impromptu' || !memberSpaceKinds.has(valid.kind))
      throw new AppError('forbidden', 'Members create impromptu forum, Q&A or idea spaces only');
  } else {
    requirePermission(actor, 'communities:manage');
  }
  checkEnd(valid.purpose, valid.endsAt);
  const now = ctx.now().toISOString();
  const row = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    slug: valid.slug,
    title: valid.title,
    description: valid.description,
    kind: valid.kind,
    purpose: valid.purpose,
    ends_at: valid.endsAt ? new Date(valid.endsAt).toISOString() : null,
    closed_at: null,
    closed_reason: null,
    closed_by: null,
    created_by_member_id: isMember(actor) ? actor.memberId : null,
    created_by_user_id: isMember(actor) ? null : actor.userId,
    created_at: now,
    updated_at: now,
    last_post_at: null,
  };
  const taken = await ctx.db
    .selectFrom('community_spaces')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('slug', '=', valid.slug)
    .executeTakeFirst();
  if (taken)
    throw new AppError('conflict', `A space with the address ${valid.slug} exists`, {
      fields: [{ path: 'slug', message: 'taken' }],
    });
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('community_spaces').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: isMember(actor) ? null : actor.userId,
      action: 'community.space_created',
      targetType: 'community_space',
      targetId: row.id,
      details: { slug: row.slug, kind: row.kind, purpose: row.purpose, byMember: row.created_by_member_id },
    });
  });
  return toSpaceView(ctx, await spaceRow(ctx.db, actor.workspaceId, row.id));
}

/** Title, description, end date (staff with `communities:manage`). */
export async function updateSpace(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: SpacePatch,
): Promise<SpaceView> {
  requirePermission(actor, 'communities:manage');
  const valid = spacePatch.parse(patch);
  const space = await spaceRow(ctx.db, actor.workspaceId, id);
  const set: Updateable<CommunitySpacesTable> = { updated_at: ctx.now().toISOString() };
  if (valid.title !== undefined) set.title = valid.title;
  if (valid.description !== undefined) set.description = valid.description;
  if (valid.endsAt !== undefined) {
    checkEnd(space.purpose, valid.endsAt);
    set.ends_at = valid.endsAt === null ? null : new Date(valid.endsAt).toISOString();
  }
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('community_spaces').set(set).where('id', '=', space.id).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.space_updated',
      targetType: 'community_space',
      targetId: space.id,
      details: { ...valid },
    });
  });
  return toSpaceView(ctx, await spaceRow(ctx.db, actor.workspaceId, space.id));
}

/**
 * Closes a space that is offensive or harmful: it takes no more posts and disappears for
 * members. Staff moderators, or member moderators of that space.
 */
export async function closeSpace(
  ctx: AppContext,
  actor: CommunityActor,
  id: string,
  reason: string,
): Promise<SpaceView> {
  const space = await spaceRow(ctx.db, actor.workspaceId, id);
  if (!(await canModerate(ctx.db, actor, space.id)))
    throw new AppError('forbidden', 'Only moderators close spaces', { permission: 'communities:moderate' });
  if (space.closed_at !== null) return toSpaceView(ctx, space);
  const now = ctx.now().toISOString();
  const by = isMember(actor) ? `member:${actor.memberId}` : `user:${actor.userId}`;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_spaces')
      .set({ closed_at: now, closed_reason: reason, closed_by: by, updated_at: now })
      .where('id', '=', space.id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: isMember(actor) ? null : actor.userId,
      action: 'community.space_closed',
      targetType: 'community_space',
      targetId: space.id,
      details: { reason, by },
    });
  });
  return toSpaceView(ctx, await spaceRow(ctx.db, actor.workspaceId, space.id));
}

/** Opens a closed space again (staff moderators). */
export async function reopenSpace(ctx: AppContext, actor: Actor, id: string): Promise<SpaceView> {
  requirePermission(actor, 'communities:moderate');
  const space = await spaceRow(ctx.db, actor.workspaceId, id);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_spaces')
      .set({ closed_at: null, closed_reason: null, closed_by: null, updated_at: ctx.now().toISOString() })
      .where('id', '=', space.id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.space_reopened',
      targetType: 'community_space',
      targetId: space.id,
    });
  });
  return toSpaceView(ctx, await spaceRow(ctx.db, actor.workspaceId, space.id));
}

/** The spaces the viewer may see, by address (keyset on the slug). */
export async function listSpaces(ctx: AppContext, viewer: Viewer, page: PageQuery): Promise<Page<SpaceView>> {
  checkViewer(viewer);
  let q = ctx.db.selectFrom('community_spaces').selectAll().where('workspace_id', '=', viewer.workspaceId);
  if (!seesEverything(viewer)) q = q.where('closed_at', 'is', null);
  if (page.cursor !== undefined) q = q.where('slug', '>', String(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('slug')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => r.slug,
    (r) => toSpaceView(ctx, r),
  );
}

/** One space by id or address. */
export async function getSpace(ctx: AppContext, viewer: Viewer, idOrSlug: string): Promise<SpaceView> {
  checkViewer(viewer);
  return toSpaceView(ctx, await visibleSpace(ctx.db, viewer, idOrSlug));
}
