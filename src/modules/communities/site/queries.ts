import type { AppContext } from '../../../context.ts';
import { AppError } from '../../../errors.ts';
import { excerpt } from '../search.ts';

/**
 * The few reads the public site needs that the community services do not offer: the workspace
 * behind a site address, and a member's recent public posts. Both apply the same visibility
 * rules as `access.ts` for a visitor: no deleted or hidden post or thread, no closed space.
 */

/** A community as its site shows it; `timeZone` is the workspace's, for the dates on its pages. */
export type SiteWorkspace = { id: string; slug: string; name: string; timeZone: string };

export async function siteWorkspace(ctx: AppContext, slug: string): Promise<SiteWorkspace> {
  const row =
    slug.length <= 64
      ? await ctx.db
          .selectFrom('workspaces')
          .select(['id', 'slug', 'name', 'time_zone as timeZone'])
          .where('slug', '=', slug)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new AppError('not_found', `No community ${slug}`);
  return row;
}

export type RecentPost = {
  postNumber: number;
  threadId: string;
  threadTitle: string;
  spaceTitle: string;
  excerpt: string;
  createdAt: string;
};

/** A member's latest visible posts, newest first (the profile page lists a handful, unpaged). */
export async function recentPostsOf(
  ctx: AppContext,
  workspaceId: string,
  memberId: string,
  limit = 10,
): Promise<RecentPost[]> {
  const rows = await ctx.db
    .selectFrom('community_posts as p')
    .innerJoin('community_threads as t', 't.id', 'p.thread_id')
    .innerJoin('community_spaces as s', 's.id', 't.space_id')
    .select([
      'p.number',
      'p.thread_id',
      'p.body_markdown',
      'p.created_at',
      't.title as thread_title',
      's.title as space_title',
    ])
    .where('p.workspace_id', '=', workspaceId)
    .where('p.author_member_id', '=', memberId)
    .where('p.deleted_at', 'is', null)
    .where('p.hidden_at', 'is', null)
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where('s.closed_at', 'is', null)
    .orderBy('p.created_at', 'desc')
    .orderBy('p.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    postNumber: Number(r.number),
    threadId: r.thread_id,
    threadTitle: r.thread_title,
    spaceTitle: r.space_title,
    excerpt: excerpt(r.body_markdown, ''),
    createdAt: r.created_at,
  }));
}

/** The signed-in member's display name for the header (their own workspace only). */
export async function memberName(
  ctx: AppContext,
  workspaceId: string,
  memberId: string,
): Promise<{ displayName: string; username: string } | null> {
  const row = await ctx.db
    .selectFrom('community_members')
    .select(['display_name', 'username'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', memberId)
    .executeTakeFirst();
  return row ? { displayName: row.display_name, username: row.username } : null;
}
