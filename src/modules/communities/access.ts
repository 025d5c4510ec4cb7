import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type {
  CommunityPostsTable,
  CommunitySpacesTable,
  CommunityThreadsTable,
  DB,
} from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { can, requirePermission } from '../auth/roles.ts';
import { type CommunityActor, isMember, isStaff, type MemberActor } from './actors.ts';
import type { RenderOptions } from './render.ts';
import type { AuthorView, PostView, SpaceView, ThreadView } from './schema.ts';
import { permissionsFor, trustConfigOf } from './trust.ts';
import { readableDate } from './wording.ts';

/**
 * What every community use case shares: who may see and do what, loading rows scoped to the
 * workspace, and turning rows into views.
 */

export type Db = Kysely<DB> | Transaction<DB>;
export type SpaceRow = Selectable<CommunitySpacesTable>;
export type ThreadRow = Selectable<CommunityThreadsTable>;
export type PostRow = Selectable<CommunityPostsTable>;

/** Someone reading without an account: public spaces only, in the workspace the site belongs to. */
export type AnonymousReader = { kind: 'anonymous'; workspaceId: string };
/** Whoever reads: staff, a member, or an anonymous visitor. */
export type Viewer = CommunityActor | AnonymousReader;

export function isAnonymous(viewer: Viewer): viewer is AnonymousReader {
  return 'kind' in viewer && viewer.kind === 'anonymous';
}

/** Staff must hold `communities:read` to act in the community at all. */
export function checkViewer(viewer: Viewer): void {
  if (!isAnonymous(viewer) && isStaff(viewer)) requirePermission(viewer, 'communities:read');
}

/** Staff see what members do not: closed spaces, hidden and deleted content. */
export function seesEverything(viewer: Viewer): boolean {
  return !isAnonymous(viewer) && isStaff(viewer) && can(viewer, 'communities:read');
}

export function requireActor(viewer: Viewer): CommunityActor {
  if (isAnonymous(viewer)) throw new AppError('unauthenticated', 'Sign in to the community to do this');
  checkViewer(viewer);
  return viewer;
}

/** Why a space takes no new posts right now, if it does not: the clock decides, no job. */
export function readOnlyReason(space: SpaceRow, now: Date): 'closed' | 'archived' | null {
  if (space.closed_at !== null) return 'closed';
  if (space.purpose === 'task' && space.ends_at !== null && Date.parse(space.ends_at) <= now.getTime())
    return 'archived';
  return null;
}

export function assertWritable(ctx: AppContext, space: SpaceRow): void {
  const reason = readOnlyReason(space, ctx.now());
  if (reason === 'closed')
    throw new AppError('space_read_only', `The space "${space.title}" was closed by a moderator`, {
      reason,
      closedReason: space.closed_reason,
    });
  if (reason === 'archived')
    throw new AppError(
      'space_read_only',
      `The space "${space.title}" ended on ${readableDate(space.ends_at ?? '')}; it is a read-only archive now`,
      {
        reason,
        endsAt: space.ends_at,
      },
    );
}

export function toSpaceView(ctx: AppContext, r: SpaceRow): SpaceView {
  return {
    id: r.id,
    slug: r.slug,
    title: r.title,
    description: r.description,
    kind: r.kind,
    purpose: r.purpose,
    endsAt: r.ends_at,
    closedAt: r.closed_at,
    closedReason: r.closed_reason,
    readOnly: readOnlyReason(r, ctx.now()),
    threadCount: Number(r.thread_count),
    postCount: Number(r.post_count),
    lastPostAt: r.last_post_at,
    createdByMemberId: r.created_by_member_id,
    createdByUserId: r.created_by_user_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function spaceRow(db: Db, workspaceId: string, id: string): Promise<SpaceRow> {
  const row = await db
    .selectFrom('community_spaces')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('id', '=', id), eb('slug', '=', id)]))
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No community space ${id}`);
  return row;
}

/** A space the viewer may see: closed spaces exist only for staff. */
export async function visibleSpace(db: Db, viewer: Viewer, id: string): Promise<SpaceRow> {
  const row = await spaceRow(db, viewer.workspaceId, id);
  if (row.closed_at !== null && !seesEverything(viewer))
    throw new AppError('not_found', `No community space ${id}`);
  return row;
}

export async function threadRow(db: Db, workspaceId: string, id: string): Promise<ThreadRow> {
  const row = await db
    .selectFrom('community_threads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No thread ${id}`);
  return row;
}

/** A thread the viewer may see, with its space: deleted and hidden threads exist only for staff. */
export async function visibleThread(
  db: Db,
  viewer: Viewer,
  id: string,
): Promise<{ thread: ThreadRow; space: SpaceRow }> {
  const thread = await threadRow(db, viewer.workspaceId, id);
  if ((thread.deleted_at !== null || thread.hidden_at !== null) && !seesEverything(viewer))
    throw new AppError('not_found', `No thread ${id}`);
  const space = await visibleSpace(db, viewer, thread.space_id);
  return { thread, space };
}

/**
 * Every column of a post. Named rather than `selectAll()`: on PostgreSQL the table also stores
 * its full-text vector (migration 0021), which no reader wants.
 */
export const postColumns = [
  'id',
  'workspace_id',
  'thread_id',
  'number',
  'author_member_id',
  'author_user_id',
  'body_markdown',
  'body_html',
  'reply_to_number',
  'created_at',
  'edited_at',
  'deleted_at',
  'hidden_at',
  'like_count',
] as const;

export async function postRow(db: Db, workspaceId: string, id: number): Promise<PostRow> {
  const row = await db
    .selectFrom('community_posts')
    .select(postColumns)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No post ${id}`);
  return row;
}

export function isAuthor(
  actor: CommunityActor,
  row: { author_member_id: string | null; author_user_id: string | null },
) {
  return isMember(actor) ? row.author_member_id === actor.memberId : row.author_user_id === actor.userId;
}

/**
 * Moderating a space: staff with `communities:moderate`; members at the top trust level, or
 * named moderators of that space.
 */
export async function canModerate(db: Db, actor: CommunityActor, spaceId: string): Promise<boolean> {
  if (!isMember(actor)) return can(actor, 'communities:moderate');
  if (permissionsFor(actor.trustLevel).moderate) return true;
  const row = await db
    .selectFrom('community_space_moderators')
    .select('member_id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('space_id', '=', spaceId)
    .where('member_id', '=', actor.memberId)
    .executeTakeFirst();
  return row !== undefined;
}

/** What the author may put in a post: staff anything; members what their trust level unlocks. */
export async function contentAllowances(
  ctx: AppContext,
  db: Db,
  actor: CommunityActor,
): Promise<Pick<RenderOptions, 'allowLinks' | 'allowImages'>> {
  if (!isMember(actor)) return { allowLinks: true, allowImages: true };
  const p = permissionsFor(actor.trustLevel, await trustConfigOf(ctx, db, actor.workspaceId));
  return { allowLinks: p.postLinks, allowImages: p.postImages };
}

export function authorKey(row: { author_member_id: string | null; author_user_id: string | null }) {
  return row.author_member_id
    ? `m:${row.author_member_id}`
    : row.author_user_id
      ? `u:${row.author_user_id}`
      : null;
}

/** The authors of rows, by `authorKey`, in two queries at most. */
export async function authorsOf(
  db: Db,
  workspaceId: string,
  rows: readonly { author_member_id: string | null; author_user_id: string | null }[],
): Promise<Map<string, AuthorView>> {
  const memberIds = [...new Set(rows.flatMap((r) => (r.author_member_id ? [r.author_member_id] : [])))];
  const userIds = [...new Set(rows.flatMap((r) => (r.author_user_id ? [r.author_user_id] : [])))];
  const out = new Map<string, AuthorView>();
  if (memberIds.length > 0) {
    const members = await db
      .selectFrom('community_members')
      .select(['id', 'username', 'display_name'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', memberIds)
      .execute();
    for (const m of members)
      out.set(`m:${m.id}`, { type: 'member', id: m.id, name: m.display_name, username: m.username });
  }
  if (userIds.length > 0) {
    const users = await db
      .selectFrom('users')
      .select(['id', 'name', 'email'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', userIds)
      .execute();
    for (const u of users)
      out.set(`u:${u.id}`, { type: 'staff', id: u.id, name: u.name || u.email, username: null });
  }
  return out;
}

export function toThreadView(r: ThreadRow, authors: Map<string, AuthorView>): ThreadView {
  const key = authorKey(r);
  return {
    id: r.id,
    spaceId: r.space_id,
    title: r.title,
    kind: r.kind,
    author: (key && authors.get(key)) || null,
    ideaStatus: r.idea_status,
    duplicateOfThreadId: r.duplicate_of_thread_id,
    voteCount: Number(r.vote_count),
    acceptedPostId: r.accepted_post_id === null ? null : Number(r.accepted_post_id),
    sourcePostId: r.source_post_id === null ? null : Number(r.source_post_id),
    postCount: Number(r.post_count),
    lastPostNumber: Number(r.last_post_number),
    lastPostAt: r.last_post_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deleted: r.deleted_at !== null,
    hidden: r.hidden_at !== null,
  };
}

export function toPostView(
  r: PostRow,
  authors: Map<string, AuthorView>,
  opts: { acceptedPostId: number | null; showHidden: boolean },
): PostView {
  const key = authorKey(r);
  const withheld = r.deleted_at !== null || (r.hidden_at !== null && !opts.showHidden);
  return {
    id: Number(r.id),
    threadId: r.thread_id,
    number: Number(r.number),
    author: (key && authors.get(key)) || null,
    bodyMarkdown: withheld ? '' : r.body_markdown,
    bodyHtml: withheld ? '' : r.body_html,
    replyToNumber: r.reply_to_number === null ? null : Number(r.reply_to_number),
    createdAt: r.created_at,
    editedAt: r.edited_at,
    deleted: r.deleted_at !== null,
    hidden: r.hidden_at !== null,
    accepted: opts.acceptedPostId !== null && Number(r.id) === opts.acceptedPostId,
    likeCount: Number(r.like_count),
  };
}

/** The workspace's members among lower-cased usernames (lower-cased name → id), so only real members become mention links. */
export async function membersByUsername(
  db: Db,
  workspaceId: string,
  names: string[],
): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await db
    .selectFrom('community_members')
    .select(['id', 'username'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb(eb.fn('lower', ['username']), 'in', names))
    .execute();
  return new Map(rows.map((r) => [r.username.toLowerCase(), r.id]));
}

export function authorColumns(actor: CommunityActor): {
  author_member_id: string | null;
  author_user_id: string | null;
} {
  return isMember(actor)
    ? { author_member_id: actor.memberId, author_user_id: null }
    : { author_member_id: null, author_user_id: actor.userId };
}

export function memberOf(actor: CommunityActor): MemberActor | null {
  return isMember(actor) ? actor : null;
}
