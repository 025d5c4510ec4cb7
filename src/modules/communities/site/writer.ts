import type { AppContext } from '../../../context.ts';
import { canModerate } from '../access.ts';
import type { MemberActor } from '../actors.ts';
import { votedIdeas } from '../ideas.ts';
import { markRead } from '../reading.ts';
import type { ThreadPage } from '../schema.ts';
import { siteHref } from './pages.ts';
import type { SiteWorkspace } from './queries.ts';
import type { ThreadWriter } from './write-forms.ts';

/**
 * What the signed-in member may do on a thread page: likes of the page's posts, the idea vote,
 * whether the space takes posts, whether they may accept an answer. The services check each
 * action again when it is posted; this only decides which buttons to show.
 */
export async function threadWriter(
  ctx: AppContext,
  member: MemberActor,
  formToken: string,
  page: ThreadPage,
): Promise<ThreadWriter> {
  const { thread, space } = page;
  const postIds = page.posts.items.map((p) => p.id);
  const liked =
    postIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('community_post_likes')
          .select('post_id')
          .where('member_id', '=', member.memberId)
          .where('post_id', 'in', postIds)
          .execute();
  const writable = space.readOnly === null;
  const asker = thread.author?.type === 'member' && thread.author.id === member.memberId;
  const mayAccept =
    thread.kind === 'question' && writable && (asker || (await canModerate(ctx.db, member, space.id)));
  return {
    formToken,
    memberId: member.memberId,
    likedPostIds: new Set(liked.map((l) => Number(l.post_id))),
    voted: thread.kind === 'idea' && (await votedIdeas(ctx, member, [thread.id])).has(thread.id),
    writable,
    mayReply: writable && space.kind !== 'kb',
    mayAccept,
  };
}

/**
 * A member who opens a thread page has read what it shows: the read position moves to the last
 * post of the page (forward only), so the unread marks of the home and space pages go.
 */
export async function readThreadPage(ctx: AppContext, member: MemberActor, page: ThreadPage): Promise<void> {
  const last = page.posts.items.reduce((max, p) => Math.max(max, p.number), 0);
  if (last > 0) await markRead(ctx, member, page.thread.id, last);
}

/** The thread page that holds a post, at the post. */
export function postOnPage(ws: SiteWorkspace, threadId: string, number: number): string {
  return siteHref.post(ws, threadId, number);
}
