import type { AppContext } from '../../context.ts';
import type { CommunitySpaceKind, CommunityThreadKind } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { can, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import {
  assertWritable,
  authorColumns,
  authorsOf,
  canModerate,
  checkViewer,
  contentAllowances,
  type Db,
  isAuthor,
  membersByUsername,
  type PostRow,
  postColumns,
  postRow,
  requireActor,
  type SpaceRow,
  seesEverything,
  spaceRow,
  threadRow,
  toPostView,
  toSpaceView,
  toThreadView,
  type Viewer,
  visibleSpace,
  visibleThread,
} from './access.ts';
import { type CommunityActor, isMember, isStaff } from './actors.ts';
import { recountThreadAndSpace } from './counters.ts';
import { checkPostingAllowed, screenNewPost } from './flags.ts';
import { votedIdeas } from './ideas.ts';
import { notifyAnswerAccepted, notifyPostWritten } from './post-notifications.ts';
import { advanceReadState, unreadInThreads } from './reading.ts';
import { mentionCandidates, quoteMarkdown, renderMarkdown } from './render.ts';
import { awardAcceptedAnswer, revokeAcceptedAnswer } from './reputation.ts';
import {
  type EditInput,
  editInput,
  type PostView,
  type ReplyInput,
  type RevisionView,
  replyInput,
  type ThreadCard,
  type ThreadInput,
  type ThreadListQuery,
  type ThreadPage,
  type ThreadView,
  threadInput,
  threadListQuery,
} from './schema.ts';

export const threadKindOf: Record<CommunitySpaceKind, CommunityThreadKind> = {
  forum: 'discussion',
  qa: 'question',
  ideas: 'idea',
  kb: 'article',
  announcements: 'announcement',
};

/** A post written: the thread after it, the post, and the members it mentions (for notifications). */
export type Written = { thread: ThreadView; post: PostView; mentionedMemberIds: string[] };

/**
 * Who may open a thread in a space: announcements and knowledge-base articles are staff's
 * (with `communities:moderate`); everything else anyone signed in.
 */
function checkCanOpen(actor: CommunityActor, space: SpaceRow): void {
  if (space.kind !== 'announcements' && space.kind !== 'kb') return;
  const what = space.kind === 'kb' ? 'Knowledge-base articles' : 'Announcements';
  if (isMember(actor) || !can(actor, 'communities:moderate'))
    throw new AppError('forbidden', `${what} are written by staff`, { permission: 'communities:moderate' });
}

/** Members comment on announcements but not on knowledge-base articles, which staff keep. */
function checkCanReply(actor: CommunityActor, space: SpaceRow): void {
  if (space.kind === 'kb' && isMember(actor))
    throw new AppError('forbidden', 'Knowledge-base articles take no replies from members');
}

/** Renders and stores the next post of a thread, keeping every counter in step. */
async function insertPost(
  ctx: AppContext,
  trx: Db,
  actor: CommunityActor,
  thread: { id: string; space_id: string },
  markdown: string,
  opts: {
    replyToNumber?: number | null;
    html?: string;
    author?: { author_member_id: string | null; author_user_id: string | null };
  },
): Promise<{ post: PostRow; mentionedMemberIds: string[] }> {
  const now = ctx.now().toISOString();
  let html = opts.html;
  let mentionedMemberIds: string[] = [];
  if (html === undefined) {
    const members = await membersByUsername(trx, actor.workspaceId, mentionCandidates(markdown));
    const rendered = renderMarkdown(markdown, {
      ...(await contentAllowances(ctx, trx, actor)),
      mentionable: new Set(members.keys()),
    });
    html = rendered.html;
    mentionedMemberIds = rendered.mentions.flatMap((m) => {
      const id = members.get(m);
      return id && !(isMember(actor) && id === actor.memberId) ? [id] : [];
    });
  }
  // The increment and its read are one statement, so two replies never take the same number.
  const numbered = await trx
    .updateTable('community_threads')
    .set((eb) => ({
      last_post_number: eb('last_post_number', '+', 1),
      post_count: eb('post_count', '+', 1),
      last_post_at: now,
      updated_at: now,
    }))
    .where('id', '=', thread.id)
    .returning(['last_post_number', 'hidden_at', 'title'])
    .executeTakeFirstOrThrow();
  const author = opts.author ?? authorColumns(actor);
  const inserted = await trx
    .insertInto('community_posts')
    .values({
      workspace_id: actor.workspaceId,
      thread_id: thread.id,
      number: Number(numbered.last_post_number),
      ...author,
      body_markdown: markdown,
      body_html: html,
      reply_to_number: opts.replyToNumber ?? null,
      created_at: now,
      edited_at: null,
      deleted_at: null,
      hidden_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('community_post_revisions')
    .values({
      post_id: Number(inserted.id),
      revision: 1,
      body_markdown: markdown,
      title: Number(numbered.last_post_number) === 1 ? numbered.title : null,
      edited_by_member_id: author.author_member_id,
      edited_by_user_id: author.author_user_id,
      created_at: now,
    })
    .execute();
  // A space counts only what visitors see (counters.ts): not a reply in a hidden thread.
  if (numbered.hidden_at === null)
    await trx
      .updateTable('community_spaces')
      .set((eb) => ({ post_count: eb('post_count', '+', 1), last_post_at: now }))
      .where('id', '=', thread.space_id)
      .execute();
  // Whoever writes has read the thread up to what they wrote.
  if (isMember(actor) && opts.author === undefined)
    await advanceReadState(ctx, trx, actor, thread.id, Number(inserted.number));
  return { post: inserted, mentionedMemberIds };
}

async function written(
  ctx: AppContext,
  workspaceId: string,
  threadId: string,
  post: PostRow,
  mentionedMemberIds: string[],
): Promise<Written> {
  const thread = await threadRow(ctx.db, workspaceId, threadId);
  const authors = await authorsOf(ctx.db, workspaceId, [thread, post]);
  const acceptedPostId = thread.accepted_post_id === null ? null : Number(thread.accepted_post_id);
  return {
    thread: toThreadView(thread, authors),
    post: toPostView(post, authors, { acceptedPostId, showHidden: true }),
    mentionedMemberIds,
  };
}

/** Opens a thread with its first post. */
export async function createThread(ctx: AppContext, viewer: Viewer, input: ThreadInput): Promise<Written> {
  const actor = requireActor(viewer);
  const valid = threadInput.parse(input);
  const space = await visibleSpace(ctx.db, actor, valid.spaceId);
  assertWritable(ctx, space);
  checkCanOpen(actor, space);
  if (isMember(actor)) await checkPostingAllowed(ctx, actor);
  const now = ctx.now().toISOString();
  const kind = threadKindOf[space.kind];
  const id = newId(ctx.now());
  const { post, mentionedMemberIds } = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_threads')
      .values({
        id,
        workspace_id: actor.workspaceId,
        space_id: space.id,
        title: valid.title,
        ...authorColumns(actor),
        kind,
        idea_status: kind === 'idea' ? 'open' : null,
        duplicate_of_thread_id: null,
        accepted_post_id: null,
        source_post_id: null,
        last_post_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        hidden_at: null,
      })
      .execute();
    const out = await insertPost(ctx, trx, actor, { id, space_id: space.id }, valid.body, {});
    await trx
      .updateTable('community_spaces')
      .set((eb) => ({ thread_count: eb('thread_count', '+', 1) }))
      .where('id', '=', space.id)
      .execute();
    await notifyPostWritten(ctx, trx, actor.workspaceId, Number(out.post.id), out.mentionedMemberIds);
    return out;
  });
  if (isMember(actor)) await screenNewPost(ctx, actor, Number(post.id));
  return written(ctx, actor.workspaceId, id, post, mentionedMemberIds);
}

/** Replies in a thread, optionally answering (and quoting) an earlier post. */
export async function replyToThread(
  ctx: AppContext,
  viewer: Viewer,
  threadId: string,
  input: ReplyInput,
): Promise<Written> {
  const actor = requireActor(viewer);
  const valid = replyInput.parse(input);
  const { thread, space } = await visibleThread(ctx.db, actor, threadId);
  if (thread.deleted_at !== null) throw new AppError('not_found', `No thread ${threadId}`);
  assertWritable(ctx, space);
  checkCanReply(actor, space);
  if (isMember(actor)) await checkPostingAllowed(ctx, actor);
  let markdown = valid.body;
  if (valid.replyToNumber !== undefined) {
    const quoted = await ctx.db
      .selectFrom('community_posts')
      .select(postColumns)
      .where('thread_id', '=', thread.id)
      .where('number', '=', valid.replyToNumber)
      .executeTakeFirst();
    if (!quoted || quoted.deleted_at !== null)
      throw new AppError('validation_failed', `No post ${valid.replyToNumber} in this thread`, {
        fields: [{ path: 'replyToNumber', message: 'no such post' }],
      });
    if (valid.quote !== undefined) {
      const name =
        (await authorsOf(ctx.db, actor.workspaceId, [quoted])).values().next().value?.name ?? 'Someone';
      markdown = quoteMarkdown(name, valid.quote, valid.body);
    }
  } else if (valid.quote !== undefined) {
    throw new AppError('validation_failed', 'A quote needs the post it comes from', {
      fields: [{ path: 'replyToNumber', message: 'required with quote' }],
    });
  }
  const { post, mentionedMemberIds } = await ctx.db.transaction().execute(async (trx) => {
    const made = await insertPost(ctx, trx, actor, thread, markdown, {
      replyToNumber: valid.replyToNumber ?? null,
    });
    // Staff answering a question that became a case: the case's activity shows the answer, so the
    // agents working it see it was answered on the community.
    if (isStaff(actor)) {
      const linked = await trx
        .selectFrom('community_question_cases')
        .innerJoin('cases', 'cases.id', 'community_question_cases.case_id')
        .select(['cases.id', 'cases.number'])
        .where('community_question_cases.thread_id', '=', thread.id)
        .where('cases.workspace_id', '=', actor.workspaceId)
        .executeTakeFirst();
      if (linked)
        await recordEvent(ctx, trx, {
          workspaceId: actor.workspaceId,
          recordType: 'case',
          recordId: linked.id,
          kind: 'community_answer',
          actorUserId: actor.userId,
          data: { threadId: thread.id, postId: Number(made.post.id), postNumber: Number(made.post.number) },
          summary: `Case ${linked.number}: answered on the community: ${thread.title}`.slice(0, 300),
        });
    }
    await notifyPostWritten(ctx, trx, actor.workspaceId, Number(made.post.id), made.mentionedMemberIds);
    return made;
  });
  if (isMember(actor)) await screenNewPost(ctx, actor, Number(post.id));
  return written(ctx, actor.workspaceId, thread.id, post, mentionedMemberIds);
}

/**
 * Edits a post, keeping every earlier text as a revision. Authors edit their own posts while the
 * space is open; moderators edit any post, even in a read-only space (to redact).
 */
export async function editPost(
  ctx: AppContext,
  viewer: Viewer,
  postId: number,
  input: EditInput,
): Promise<Written> {
  const actor = requireActor(viewer);
  const valid = editInput.parse(input);
  const post = await postRow(ctx.db, actor.workspaceId, postId);
  const { thread, space } = await visibleThread(ctx.db, actor, post.thread_id);
  if (post.deleted_at !== null || thread.deleted_at !== null)
    throw new AppError('conflict', 'A deleted post cannot be edited');
  const moderator = await canModerate(ctx.db, actor, space.id);
  if (!moderator) {
    if (!isAuthor(actor, post))
      throw new AppError('forbidden', 'Only the author or a moderator edits a post');
    assertWritable(ctx, space);
  }
  if (valid.title !== undefined && Number(post.number) !== 1)
    throw new AppError('validation_failed', 'Only the opening post carries the title', {
      fields: [{ path: 'title', message: 'only for post 1' }],
    });
  const members = await membersByUsername(ctx.db, actor.workspaceId, mentionCandidates(valid.body));
  // The post keeps the allowances of whoever writes this text: a moderator's edit of a member's
  // post is rendered with the author's trust, so an edit never smuggles in links.
  const author = post.author_member_id
    ? await ctx.db
        .selectFrom('community_members')
        .select('trust_level')
        .where('id', '=', post.author_member_id)
        .executeTakeFirst()
    : undefined;
  const allowances = post.author_member_id
    ? await contentAllowances(ctx, ctx.db, {
        kind: 'member',
        memberId: post.author_member_id,
        workspaceId: actor.workspaceId,
        trustLevel: Number(author?.trust_level ?? 0),
      })
    : await contentAllowances(ctx, ctx.db, actor);
  const rendered = renderMarkdown(valid.body, { ...allowances, mentionable: new Set(members.keys()) });
  const mentionedMemberIds = rendered.mentions.flatMap((m) => {
    const id = members.get(m);
    return id ? [id] : [];
  });
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_posts')
      .set({ body_markdown: valid.body, body_html: rendered.html, edited_at: now })
      .where('id', '=', post.id)
      .execute();
    const last = await trx
      .selectFrom('community_post_revisions')
      .select((eb) => eb.fn.max('revision').as('revision'))
      .where('post_id', '=', Number(post.id))
      .executeTakeFirst();
    await trx
      .insertInto('community_post_revisions')
      .values({
        post_id: Number(post.id),
        revision: Number(last?.revision ?? 0) + 1,
        body_markdown: valid.body,
        // The opening post's revisions carry the title too, so a title edit is in the history.
        title: Number(post.number) === 1 ? (valid.title ?? thread.title) : null,
        ...(isMember(actor)
          ? { edited_by_member_id: actor.memberId, edited_by_user_id: null }
          : { edited_by_member_id: null, edited_by_user_id: actor.userId }),
        created_at: now,
      })
      .execute();
    if (valid.title !== undefined)
      await trx
        .updateTable('community_threads')
        .set({ title: valid.title, updated_at: now })
        .where('id', '=', thread.id)
        .execute();
    if (!isAuthor(actor, post) && isStaff(actor))
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'community.post_edited',
        targetType: 'community_post',
        targetId: String(post.id),
      });
    // A member mentioned by the edit and not before is told now; one already told is not told again.
    await notifyPostWritten(ctx, trx, actor.workspaceId, Number(post.id), mentionedMemberIds, {
      mentionsOnly: true,
    });
  });
  return written(
    ctx,
    actor.workspaceId,
    thread.id,
    await postRow(ctx.db, actor.workspaceId, postId),
    mentionedMemberIds,
  );
}

/**
 * Deletes a post softly: its number stays (so read positions and replies keep pointing at the
 * right place) but its text and revisions are removed and it leaves every count. Deleting the
 * opening post deletes the thread.
 */
export async function deletePost(ctx: AppContext, viewer: Viewer, postId: number): Promise<void> {
  const actor = requireActor(viewer);
  const post = await postRow(ctx.db, actor.workspaceId, postId);
  const { thread, space } = await visibleThread(ctx.db, actor, post.thread_id);
  if (post.deleted_at !== null || thread.deleted_at !== null) return;
  const moderator = await canModerate(ctx.db, actor, space.id);
  if (!moderator) {
    if (!isAuthor(actor, post))
      throw new AppError('forbidden', 'Only the author or a moderator deletes a post');
    assertWritable(ctx, space);
  }
  const now = ctx.now().toISOString();
  const wholeThread = Number(post.number) === 1;
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_posts')
      .set({ body_markdown: '', body_html: '', deleted_at: now })
      .where('id', '=', post.id)
      .execute();
    await trx.deleteFrom('community_post_revisions').where('post_id', '=', Number(post.id)).execute();
    await trx
      .updateTable('community_threads')
      .set({ updated_at: now, ...(wholeThread ? { deleted_at: now } : {}) })
      .where('id', '=', thread.id)
      .execute();
    // A deleted accepted answer answers nothing and earns nothing: the acceptance is cleared and
    // its author's points taken back (a reversing ledger line), as when moderation hides it; the
    // same for the answer a deleted thread had accepted. Read after the update above, which holds
    // the thread's row until commit, and cleared conditionally, so only the delete that clears the
    // acceptance takes the points back.
    const { accepted_post_id: accepted } = await trx
      .selectFrom('community_threads')
      .select('accepted_post_id')
      .where('id', '=', thread.id)
      .executeTakeFirstOrThrow();
    const answerId = accepted === null ? null : Number(accepted);
    if (answerId !== null && (wholeThread || answerId === Number(post.id))) {
      const unaccepted = await trx
        .updateTable('community_threads')
        .set({ accepted_post_id: null })
        .where('id', '=', thread.id)
        .where('accepted_post_id', '=', answerId)
        .executeTakeFirst();
      if (Number(unaccepted.numUpdatedRows) > 0)
        await revokeAcceptedAnswer(ctx, { workspaceId: actor.workspaceId, postId: answerId }, trx);
    }
    // A hidden accepted answer (its points already taken back) is not put back by restoring it
    // once its thread is gone.
    if (wholeThread)
      await trx
        .updateTable('community_threads')
        .set({ withheld_accepted_post_id: null })
        .where('id', '=', thread.id)
        .execute();
    // Recounted rather than decremented: the post may have been hidden (already out of the
    // counts), and the last activity moves back to the last post still there.
    await recountThreadAndSpace(ctx, trx, thread.id);
    if (!isAuthor(actor, post) && isStaff(actor))
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: wholeThread ? 'community.thread_deleted' : 'community.post_deleted',
        targetType: wholeThread ? 'community_thread' : 'community_post',
        targetId: wholeThread ? thread.id : String(post.id),
      });
  });
}

const SEP = '|';

/**
 * A space's threads: by last activity (newest first) or, for idea boards, by votes. Keyset on
 * (sort key, id). Deleted threads are left out; hidden ones are shown to staff only.
 */
export async function listThreads(
  ctx: AppContext,
  viewer: Viewer,
  spaceId: string,
  query: Partial<ThreadListQuery> & PageQuery,
): Promise<Page<ThreadCard>> {
  checkViewer(viewer);
  const q = threadListQuery.parse(query);
  const space = await visibleSpace(ctx.db, viewer, spaceId);
  let rows = ctx.db
    .selectFrom('community_threads')
    .selectAll()
    .where('workspace_id', '=', viewer.workspaceId)
    .where('space_id', '=', space.id)
    .where('deleted_at', 'is', null);
  if (!seesEverything(viewer)) rows = rows.where('hidden_at', 'is', null);
  const byVotes = q.sort === 'votes';
  if (q.cursor !== undefined) {
    const raw = String(decodeCursor(q.cursor));
    const at = raw.lastIndexOf(SEP);
    const key = raw.slice(0, at);
    const id = raw.slice(at + 1);
    rows = byVotes
      ? rows.where((eb) =>
          eb.or([
            eb('vote_count', '<', Number(key)),
            eb.and([eb('vote_count', '=', Number(key)), eb('id', '<', id)]),
          ]),
        )
      : rows.where((eb) =>
          eb.or([eb('last_post_at', '<', key), eb.and([eb('last_post_at', '=', key), eb('id', '<', id)])]),
        );
  }
  const found = await rows
    .orderBy(byVotes ? 'vote_count' : 'last_post_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  const shown = found.slice(0, q.limit);
  const authors = await authorsOf(ctx.db, viewer.workspaceId, shown);
  const member = isMember(viewer) ? viewer : null;
  const ids = shown.map((r) => r.id);
  const unread = member ? await unreadInThreads(ctx, member, ids) : null;
  const voted = member && space.kind === 'ideas' ? await votedIdeas(ctx, member, ids) : null;
  return toPage(
    found,
    q.limit,
    (r) => `${byVotes ? Number(r.vote_count) : r.last_post_at}${SEP}${r.id}`,
    (r) => ({
      ...toThreadView(r, authors),
      newPosts: unread ? (unread.get(r.id) ?? 0) : null,
      voted: voted ? voted.has(r.id) : member && r.kind === 'idea' ? false : null,
    }),
  );
}

/** A thread with its space and a page of its posts in order (keyset on the post number). */
export async function getThread(
  ctx: AppContext,
  viewer: Viewer,
  threadId: string,
  page: PageQuery,
): Promise<ThreadPage> {
  checkViewer(viewer);
  const { thread, space } = await visibleThread(ctx.db, viewer, threadId);
  let q = ctx.db.selectFrom('community_posts').select(postColumns).where('thread_id', '=', thread.id);
  if (page.cursor !== undefined) q = q.where('number', '>', Number(decodeCursor(page.cursor)));
  const posts = await q
    .orderBy('number')
    .limit(page.limit + 1)
    .execute();
  const authors = await authorsOf(ctx.db, viewer.workspaceId, [thread, ...posts.slice(0, page.limit)]);
  const acceptedPostId = thread.accepted_post_id === null ? null : Number(thread.accepted_post_id);
  const showHidden = seesEverything(viewer);
  return {
    space: toSpaceView(ctx, space),
    thread: toThreadView(thread, authors),
    posts: toPage(
      posts,
      page.limit,
      (r) => Number(r.number),
      (r) => toPostView(r, authors, { acceptedPostId, showHidden }),
    ),
  };
}

/** Every text a post has had, oldest first (removed with the post when it is deleted). */
export async function postRevisions(
  ctx: AppContext,
  viewer: Viewer,
  postId: number,
): Promise<RevisionView[]> {
  checkViewer(viewer);
  const post = await postRow(ctx.db, viewer.workspaceId, postId);
  await visibleThread(ctx.db, viewer, post.thread_id);
  if (post.hidden_at !== null && !seesEverything(viewer)) return [];
  const rows = await ctx.db
    .selectFrom('community_post_revisions')
    .selectAll()
    .where('post_id', '=', Number(post.id))
    .orderBy('revision')
    .execute();
  const authors = await authorsOf(
    ctx.db,
    viewer.workspaceId,
    rows.map((r) => ({ author_member_id: r.edited_by_member_id, author_user_id: r.edited_by_user_id })),
  );
  return rows.map((r) => {
    const key = r.edited_by_member_id
      ? `m:${r.edited_by_member_id}`
      : r.edited_by_user_id
        ? `u:${r.edited_by_user_id}`
        : null;
    return {
      revision: Number(r.revision),
      title: r.title,
      bodyMarkdown: r.body_markdown,
      editedBy: (key && authors.get(key)) || null,
      createdAt: r.created_at,
    };
  });
}

async function threadViewOf(ctx: AppContext, workspaceId: string, threadId: string): Promise<ThreadView> {
  const thread = await threadRow(ctx.db, workspaceId, threadId);
  return toThreadView(thread, await authorsOf(ctx.db, workspaceId, [thread]));
}

/**
 * Marks a reply as the accepted answer of a question: by the asker or a moderator; one per
 * question, so accepting another replaces it.
 */
export async function acceptAnswer(
  ctx: AppContext,
  viewer: Viewer,
  threadId: string,
  postId: number,
): Promise<ThreadView> {
  const actor = requireActor(viewer);
  const { thread, space } = await visibleThread(ctx.db, actor, threadId);
  if (thread.kind !== 'question') throw new AppError('conflict', 'Only questions have accepted answers');
  const moderator = await canModerate(ctx.db, actor, space.id);
  if (!moderator && !isAuthor(actor, thread))
    throw new AppError('forbidden', 'Only the asker or a moderator accepts an answer');
  assertWritable(ctx, space);
  const post = await postRow(ctx.db, actor.workspaceId, postId);
  if (
    post.thread_id !== thread.id ||
    Number(post.number) === 1 ||
    post.deleted_at !== null ||
    post.hidden_at !== null
  )
    throw new AppError('validation_failed', 'The answer must be a visible reply in this question', {
      fields: [{ path: 'postId', message: 'not a reply of this question' }],
    });
  // The notifications are written with the acceptance, so one is never lost to a crash between them.
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_threads')
      // A choice made now supersedes an answer set aside while hidden (flags.ts): restoring that
      // post later does not take the acceptance back from this one.
      .set({
        accepted_post_id: Number(post.id),
        withheld_accepted_post_id: null,
        updated_at: ctx.now().toISOString(),
      })
      .where('id', '=', thread.id)
      .execute();
    await notifyAnswerAccepted(ctx, trx, actor, Number(post.id));
  });
  if (thread.accepted_post_id !== null && Number(thread.accepted_post_id) !== Number(post.id))
    await revokeAcceptedAnswer(ctx, {
      workspaceId: actor.workspaceId,
      postId: Number(thread.accepted_post_id),
    });
  await awardAcceptedAnswer(ctx, { workspaceId: actor.workspaceId, postId: Number(post.id) });
  return threadViewOf(ctx, actor.workspaceId, thread.id);
}

/** Withdraws the accepted answer (the asker or a moderator). */
export async function unacceptAnswer(ctx: AppContext, viewer: Viewer, threadId: string): Promise<ThreadView> {
  const actor = requireActor(viewer);
  const { thread, space } = await visibleThread(ctx.db, actor, threadId);
  if (!(await canModerate(ctx.db, actor, space.id)) && !isAuthor(actor, thread))
    throw new AppError('forbidden', 'Only the asker or a moderator changes the accepted answer');
  assertWritable(ctx, space);
  if (thread.accepted_post_id !== null)
    await revokeAcceptedAnswer(ctx, {
      workspaceId: actor.workspaceId,
      postId: Number(thread.accepted_post_id),
    });
  await ctx.db
    .updateTable('community_threads')
    .set({ accepted_post_id: null, withheld_accepted_post_id: null, updated_at: ctx.now().toISOString() })
    .where('id', '=', thread.id)
    .execute();
  return threadViewOf(ctx, actor.workspaceId, thread.id);
}

/**
 * Makes a knowledge-base article from an accepted answer (staff moderators): the article credits
 * the answer's author, keeps the answer's rendered text, and points back at it.
 */
export async function promoteAnswerToArticle(
  ctx: AppContext,
  viewer: Viewer,
  acceptedPostId: number,
  kbSpaceId: string,
  title?: string,
): Promise<Written> {
  const actor = requireActor(viewer);
  if (isMember(actor)) throw new AppError('forbidden', 'Knowledge-base articles are written by staff');
  requirePermission(actor, 'communities:moderate');
  const post = await postRow(ctx.db, actor.workspaceId, acceptedPostId);
  const question = await threadRow(ctx.db, actor.workspaceId, post.thread_id);
  if (question.accepted_post_id === null || Number(question.accepted_post_id) !== Number(post.id))
    throw new AppError('conflict', 'Only an accepted answer becomes an article');
  const kb = await spaceRow(ctx.db, actor.workspaceId, kbSpaceId);
  if (kb.kind !== 'kb')
    throw new AppError('validation_failed', 'The target must be a knowledge-base space', {
      fields: [{ path: 'kbSpaceId', message: 'not a knowledge-base space' }],
    });
  assertWritable(ctx, kb);
  const existing = await ctx.db
    .selectFrom('community_threads')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('source_post_id', '=', Number(post.id))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (existing)
    throw new AppError('conflict', 'This answer is an article already', { threadId: existing.id });
  const now = ctx.now().toISOString();
  const id = newId(ctx.now());
  const author = { author_member_id: post.author_member_id, author_user_id: post.author_user_id };
  const inserted = await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_threads')
      .values({
        id,
        workspace_id: actor.workspaceId,
        space_id: kb.id,
        title: title ?? question.title,
        ...author,
        kind: 'article',
        idea_status: null,
        duplicate_of_thread_id: null,
        accepted_post_id: null,
        source_post_id: Number(post.id),
        last_post_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        hidden_at: null,
      })
      .execute();
    const out = await insertPost(ctx, trx, actor, { id, space_id: kb.id }, post.body_markdown, {
      html: post.body_html,
      author,
    });
    await trx
      .updateTable('community_spaces')
      .set((eb) => ({ thread_count: eb('thread_count', '+', 1) }))
      .where('id', '=', kb.id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.answer_promoted',
      targetType: 'community_thread',
      targetId: id,
      details: { fromPostId: Number(post.id), questionId: question.id },
    });
    return out.post;
  });
  return written(ctx, actor.workspaceId, id, inserted, []);
}
