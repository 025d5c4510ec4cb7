import { timingSafeEqual } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie } from 'hono/cookie';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { AppContext } from '../../../context.ts';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../../http/env.ts';
import { statusOf } from '../../../http/errors.ts';
import { authorsOf, contentAllowances, membersByUsername, postRow, toPostView } from '../access.ts';
import type { MemberActor } from '../actors.ts';
import { flagInput, flagPost } from '../flags.ts';
import { unvoteIdea, voteIdea } from '../ideas.ts';
import { listMemberNotifications, markMemberNotificationsRead } from '../loop.ts';
import { memberFromSession } from '../member-auth.ts';
import { MEMBER_COOKIE } from '../member-session.ts';
import { getMyProfile, updateMyProfile } from '../members.ts';
import { listMyNewsletters, subscribeNewsletter, unsubscribeNewsletter } from '../newsletters.ts';
import { markAllRead } from '../reading.ts';
import { mentionCandidates, renderMarkdown } from '../render.ts';
import { likePost, pointsLedger, unlikePost } from '../reputation.ts';
import { createSpace, getSpace } from '../spaces.ts';
import {
  acceptAnswer,
  createThread,
  deletePost,
  editPost,
  getThread,
  postRevisions,
  replyToThread,
} from '../threads.ts';
import { permissionsFor, recordSitePageView, trustConfigOf } from '../trust.ts';
import { fieldProblems, notFoundText } from '../wording.ts';
import { type Frame, notFoundPage, siteHref } from './pages.ts';
import { type ProfileFormState, profileForms } from './profile-forms.ts';
import { memberName, type SiteWorkspace, siteWorkspace } from './queries.ts';
import { writeHref } from './write-forms.ts';
import {
  actionErrorPage,
  type ComposeValues,
  deletePage,
  editPage,
  flagPage,
  historyPage,
  myProfilePage,
  newSpacePage,
  newThreadPage,
  notificationsPage,
  replyPage,
  signInFirstPage,
} from './write-pages.ts';
import { postOnPage } from './writer.ts';

/**
 * Writing on the community site without JavaScript: a signed-in member opens threads, replies
 * (quoting), edits and deletes their posts, likes, flags, votes, accepts answers, marks things
 * read, and reads their notifications and profile, through plain HTML forms under
 * `/community/<workspace>/-/…`.
 *
 * Every POST needs the member session cookie of this workspace's community and the session's
 * form token (the synchroniser token the JSON API takes as `X-CSRF-Token`, here in a hidden
 * field): a cross-site form may carry the cookie, never the token. Success answers 303 to a
 * page (redirect after post); failures come back on the form with what was typed.
 */

type WriteEnv = { Variables: AppEnv['Variables'] & { writeFrame: Frame | undefined } };
type C = Context<WriteEnv>;
type Page = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A member writing on the site: who, their form token, and the page frame to render in. */
type Writer = { member: MemberActor; frame: Frame & { formToken: string } };

/** Form bodies: a post is at most 50,000 characters (schema.ts), in UTF-8 and form-encoded. */
const FORM_LIMIT = 512 * 1024;

const postIdParam = z.coerce.number().int().positive();

function field(form: Record<string, unknown>, name: string): string {
  const v = form[name];
  return typeof v === 'string' ? v : '';
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What each field of the site's forms needs, said when a value does not fit. */
const fieldNeeds: Record<string, string> = {
  title: 'Give it a title (at most 300 characters).',
  slug: 'Choose an address of lower-case letters, digits and dashes (at most 63), starting with a letter or digit.',
  kind: 'Choose what kind of space it is.',
  description: 'Keep the description to 2,000 characters or fewer.',
  body: 'Write some text (at most 50,000 characters).',
  quote: 'Keep the quote to 5,000 characters or fewer.',
  reason: 'Choose why you flag the post.',
  note: 'Keep the note for the moderators to 500 characters or fewer.',
  replyToNumber: 'The post you quoted is not in the thread any more; reply without quoting it.',
  displayName: 'Give a display name of 1 to 80 characters.',
  bio: 'Keep your bio to 1,000 characters or fewer.',
};

/**
 * The words and status a failure is shown with on its form (one plain sentence per field, never
 * zod's wording); anything unexpected is rethrown.
 */
export function formError(
  err: unknown,
  needs: Record<string, string> = {},
): { status: ContentfulStatusCode; message: string } {
  if (err instanceof z.ZodError)
    return { status: 400, message: fieldProblems(err, { ...fieldNeeds, ...needs }) };
  if (err instanceof AppError) return { status: statusOf(err.code), message: err.message };
  throw err;
}

/**
 * Refuses links and images a member's trust level does not allow yet. The renderer would quietly
 * drop them (a link keeps its text, an image its description); on a form the member is told, so
 * nothing they meant to share disappears without a word.
 */
export async function trustRefusal(
  ctx: AppContext,
  member: MemberActor,
  markdown: string,
): Promise<string | null> {
  const allowed = await contentAllowances(ctx, ctx.db, member);
  if (allowed.allowLinks && allowed.allowImages) return null;
  const full = renderMarkdown(markdown, { allowLinks: true, allowImages: true, mentionable: new Set() });
  const unlocks = (await trustConfigOf(ctx, ctx.db, member.workspaceId)).unlocks;
  if (!allowed.allowImages && /<img\s/.test(full.html))
    return `Images need trust level ${unlocks.postImages}; you are at level ${member.trustLevel}. Remove the image, or describe it in words.`;
  if (!allowed.allowLinks && /<a\s/.test(full.html))
    return `Links need trust level ${unlocks.postLinks}; you are at level ${member.trustLevel}. Remove the link (web addresses count too), or write it without the dots.`;
  return null;
}

/** The post as it would be stored: the member's allowances, existing members as mentions. */
export async function previewHtml(ctx: AppContext, member: MemberActor, markdown: string): Promise<string> {
  const members = await membersByUsername(ctx.db, member.workspaceId, mentionCandidates(markdown));
  return renderMarkdown(markdown, {
    ...(await contentAllowances(ctx, ctx.db, member)),
    mentionable: new Set(members.keys()),
  }).html;
}

export function communityWriteRoutes(ctx: AppContext) {
  const app = new Hono<WriteEnv>();
  const limit = bodyLimit({
    maxSize: FORM_LIMIT,
    onError: () => {
      throw new AppError('payload_too_large', 'The form is too large');
    },
  });

  /** The frame of a page for whoever asks: the member of this community, or a visitor. */
  async function frameOf(c: C): Promise<{ ws: SiteWorkspace; writer: Writer | null; frame: Frame }> {
    const ws = await siteWorkspace(ctx, c.req.param('ws') ?? '');
    const visitor: Frame = { ws, reader: null, canonical: null, noindex: true };
    c.set('writeFrame', visitor);
    const cookie = getCookie(c, MEMBER_COOKIE);
    const session = cookie ? await memberFromSession(ctx, cookie) : null;
    // A member of another workspace's community is a visitor here.
    if (!session || session.member.workspaceId !== ws.id) return { ws, writer: null, frame: visitor };
    const reader = await memberName(ctx, ws.id, session.member.memberId);
    if (!reader) return { ws, writer: null, frame: visitor };
    if (c.req.method === 'GET') await recordSitePageView(ctx, session);
    const frame = { ...visitor, reader, formToken: session.csrfToken };
    c.set('writeFrame', frame);
    return { ws, writer: { member: session.member, frame }, frame };
  }

  function send(c: C, page: Page, status: ContentfulStatusCode = 200) {
    c.header('Cache-Control', 'no-store');
    return c.html(page, status as 200);
  }

  /** The signed-in member, or a "sign in first" page (401). */
  async function writerOf(c: C): Promise<Writer | Response> {
    const { writer, frame } = await frameOf(c);
    if (writer) return writer;
    return send(c, signInFirstPage(frame, 'Only signed-in members of this community can do this.'), 401);
  }

  /** A POST's member and form: both the session and its form token, or a refusal page. */
  async function postOf(c: C): Promise<{ w: Writer; form: Record<string, unknown> } | Response> {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const form = (await c.req.parseBody()) as Record<string, unknown>;
    const sent = field(form, 'form');
    if (!sent || !sameSecret(sent, w.frame.formToken))
      return send(
        c,
        actionErrorPage(w.frame, 'This form is out of date; go back, reload the page and try again.', null),
        403,
      );
    return { w, form };
  }

  function actionFailed(c: C, w: Writer, err: unknown, back: string) {
    const { status, message } = formError(err);
    retryAfter(c, err);
    return send(c, actionErrorPage(w.frame, message, back), status);
  }

  function retryAfter(c: C, err: unknown) {
    const seconds = err instanceof AppError ? err.details?.retryAfterSeconds : undefined;
    if (typeof seconds === 'number') c.header('Retry-After', String(seconds));
  }

  app.onError((err, c) => {
    const frame = c.get('writeFrame') ?? null;
    c.header('Cache-Control', 'no-store');
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'workspace_not_found'))
      return c.html(notFoundPage(frame, notFoundText(err.message)), 404);
    if (err instanceof AppError && frame) {
      retryAfter(c, err);
      return c.html(actionErrorPage(frame, err.message, null), statusOf(err.code) as 400);
    }
    c.var.log?.error({ err }, 'community site write failed');
    return c.text('The community site could not do this. Try again in a moment.', 500);
  });

  // ------------------------------------------------------------------ new thread

  app.get('/:ws/-/s/:space/new', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const space = await getSpace(ctx, w.member, c.req.param('space'));
    return send(
      c,
      newThreadPage(w.frame, space, { title: '', body: '', quote: '', replyTo: '' }, null, null),
    );
  });

  app.post('/:ws/-/s/:space/new', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const space = await getSpace(ctx, w.member, c.req.param('space'));
    const values: ComposeValues = {
      title: field(form, 'title'),
      body: field(form, 'body'),
      quote: '',
      replyTo: '',
    };
    if (field(form, 'preview'))
      return send(
        c,
        newThreadPage(w.frame, space, values, null, await previewHtml(ctx, w.member, values.body)),
      );
    try {
      const refusal = await trustRefusal(ctx, w.member, values.body);
      if (refusal) throw new AppError('forbidden', refusal, { reason: 'trust' });
      const written = await createThread(ctx, w.member, {
        spaceId: space.id,
        title: values.title,
        body: values.body,
      });
      // A post the spam screen held is not on the public pages yet: back to the space.
      return c.redirect(
        written.post.hidden
          ? siteHref.space(w.frame.ws, space.slug)
          : siteHref.thread(w.frame.ws, written.thread.id),
        303,
      );
    } catch (err) {
      const { status, message } = formError(err);
      retryAfter(c, err);
      return send(c, newThreadPage(w.frame, space, values, message, null), status);
    }
  });

  // ------------------------------------------------------------------ new (impromptu) space

  /** The trust level that unlocks starting a space, or null when the member has it. */
  async function spaceLevelLacking(member: MemberActor): Promise<number | null> {
    const config = await trustConfigOf(ctx, ctx.db, member.workspaceId);
    return permissionsFor(member.trustLevel, config).createSpaces ? null : config.unlocks.createSpaces;
  }

  app.get('/:ws/-/spaces/new', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const lacking = await spaceLevelLacking(w.member);
    return send(
      c,
      newSpacePage(w.frame, { title: '', slug: '', kind: 'forum', description: '' }, null, lacking),
      lacking === null ? 200 : 403,
    );
  });

  app.post('/:ws/-/spaces/new', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const values = {
      title: field(form, 'title'),
      slug: field(form, 'slug').trim().toLowerCase(),
      kind: field(form, 'kind'),
      description: field(form, 'description'),
    };
    try {
      const space = await createSpace(ctx, w.member, {
        title: values.title,
        slug: values.slug,
        kind: values.kind as 'forum',
        description: values.description,
        purpose: 'impromptu',
      });
      return c.redirect(siteHref.space(w.frame.ws, space.slug), 303);
    } catch (err) {
      const { status, message } = formError(err, {
        title: 'Give the space a title (at most 200 characters).',
      });
      retryAfter(c, err);
      return send(c, newSpacePage(w.frame, values, message, await spaceLevelLacking(w.member)), status);
    }
  });

  // ------------------------------------------------------------------ reply (and quote)

  async function quotedPost(ws: SiteWorkspace, threadId: string, number: number) {
    return ctx.db
      .selectFrom('community_posts')
      .select(['body_markdown'])
      .where('workspace_id', '=', ws.id)
      .where('thread_id', '=', threadId)
      .where('number', '=', number)
      .where('deleted_at', 'is', null)
      .where('hidden_at', 'is', null)
      .executeTakeFirst();
  }

  app.get('/:ws/-/t/:thread/reply', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const { thread, space } = await getThread(ctx, w.member, c.req.param('thread'), { limit: 1 });
    const values: ComposeValues = { title: '', body: '', quote: '', replyTo: '' };
    const quote = Number(c.req.query('quote'));
    if (Number.isInteger(quote) && quote >= 1) {
      const quoted = await quotedPost(w.frame.ws, thread.id, quote);
      if (quoted) {
        values.replyTo = String(quote);
        values.quote = quoted.body_markdown.trim().slice(0, 5000);
      }
    }
    return send(c, replyPage(w.frame, space, thread, values, null, null));
  });

  app.post('/:ws/-/t/:thread/reply', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const { thread, space } = await getThread(ctx, w.member, c.req.param('thread'), { limit: 1 });
    const values: ComposeValues = {
      title: '',
      body: field(form, 'body'),
      quote: field(form, 'quote'),
      replyTo: field(form, 'replyTo'),
    };
    const replyTo = values.replyTo ? Number(values.replyTo) : undefined;
    const quote = values.quote.trim() ? values.quote : undefined;
    if (field(form, 'preview')) {
      const shown = replyTo && quote ? `${quote.replace(/^/gm, '> ')}\n\n${values.body}` : values.body;
      return send(
        c,
        replyPage(w.frame, space, thread, values, null, await previewHtml(ctx, w.member, shown)),
      );
    }
    try {
      const refusal = await trustRefusal(ctx, w.member, `${quote ?? ''}\n\n${values.body}`);
      if (refusal) throw new AppError('forbidden', refusal, { reason: 'trust' });
      const written = await replyToThread(ctx, w.member, thread.id, {
        body: values.body,
        ...(replyTo !== undefined ? { replyToNumber: replyTo } : {}),
        ...(replyTo !== undefined && quote !== undefined ? { quote } : {}),
      });
      return c.redirect(
        written.post.hidden
          ? siteHref.thread(w.frame.ws, thread.id)
          : postOnPage(w.frame.ws, thread.id, written.post.number),
        303,
      );
    } catch (err) {
      const { status, message } = formError(err);
      retryAfter(c, err);
      return send(c, replyPage(w.frame, space, thread, values, message, null), status);
    }
  });

  // ------------------------------------------------------------------ edit, history, delete

  /** A post the member can see, with its thread page's views. */
  async function postInThread(w: { member: MemberActor } | null, ws: SiteWorkspace, rawId: string) {
    const id = postIdParam.safeParse(rawId);
    if (!id.success) throw new AppError('not_found', 'No such post');
    const row = await postRow(ctx.db, ws.id, id.data);
    const viewer = w?.member ?? { kind: 'anonymous' as const, workspaceId: ws.id };
    const { thread, space } = await getThread(ctx, viewer, row.thread_id, { limit: 1 });
    // A hidden post waits for a moderator: only its author still reaches it.
    const own = w !== null && row.author_member_id === w.member.memberId;
    if (row.deleted_at !== null || (row.hidden_at !== null && !own))
      throw new AppError('not_found', 'No such post');
    const authors = await authorsOf(ctx.db, ws.id, [row]);
    const post = toPostView(row, authors, { acceptedPostId: thread.acceptedPostId, showHidden: false });
    return { row, post, thread, space };
  }

  const ownPostOnly = (w: Writer, post: { author: { type: string; id: string } | null }) => {
    if (post.author?.type !== 'member' || post.author.id !== w.member.memberId)
      throw new AppError('forbidden', 'You can change only your own posts');
  };

  app.get('/:ws/-/p/:post/edit', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const { row, post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    ownPostOnly(w, post);
    const values = { title: thread.title, body: row.body_markdown, quote: '', replyTo: '' };
    return send(c, editPage(w.frame, thread, post, values, null, null));
  });

  app.post('/:ws/-/p/:post/edit', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const { post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    ownPostOnly(w, post);
    const values = { title: field(form, 'title'), body: field(form, 'body'), quote: '', replyTo: '' };
    if (field(form, 'preview'))
      return send(
        c,
        editPage(w.frame, thread, post, values, null, await previewHtml(ctx, w.member, values.body)),
      );
    try {
      const refusal = await trustRefusal(ctx, w.member, values.body);
      if (refusal) throw new AppError('forbidden', refusal, { reason: 'trust' });
      await editPost(ctx, w.member, post.id, {
        body: values.body,
        ...(post.number === 1 ? { title: values.title } : {}),
      });
      return c.redirect(postOnPage(w.frame.ws, thread.id, post.number), 303);
    } catch (err) {
      const { status, message } = formError(err);
      retryAfter(c, err);
      return send(c, editPage(w.frame, thread, post, values, message, null), status);
    }
  });

  // The history is as public as the post: visitors may read how a public post changed.
  app.get('/:ws/-/p/:post/history', async (c) => {
    const { writer, frame } = await frameOf(c);
    const { post, thread } = await postInThread(writer, frame.ws, c.req.param('post'));
    const viewer = writer?.member ?? { kind: 'anonymous' as const, workspaceId: frame.ws.id };
    return send(c, historyPage(frame, thread, post, await postRevisions(ctx, viewer, post.id)));
  });

  app.get('/:ws/-/p/:post/delete', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const { post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    ownPostOnly(w, post);
    return send(c, deletePage(w.frame, thread, post, null));
  });

  app.post('/:ws/-/p/:post/delete', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w } = got;
    const { post, thread, space } = await postInThread(w, w.frame.ws, c.req.param('post'));
    ownPostOnly(w, post);
    try {
      await deletePost(ctx, w.member, post.id);
    } catch (err) {
      const { status, message } = formError(err);
      return send(c, deletePage(w.frame, thread, post, message), status);
    }
    return c.redirect(
      post.number === 1 ? siteHref.space(w.frame.ws, space.slug) : siteHref.thread(w.frame.ws, thread.id),
      303,
    );
  });

  // ------------------------------------------------------------------ like, flag

  app.post('/:ws/-/p/:post/like', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const { post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    const back = postOnPage(w.frame.ws, thread.id, post.number);
    try {
      if (field(form, 'like') === 'no') await unlikePost(ctx, w.member, post.id);
      else await likePost(ctx, w.member, post.id);
    } catch (err) {
      return actionFailed(c, w, err, back);
    }
    return c.redirect(back, 303);
  });

  app.get('/:ws/-/p/:post/flag', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const { post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    return send(c, flagPage(w.frame, thread, post, { reason: '', note: '' }, null));
  });

  app.post('/:ws/-/p/:post/flag', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const { post, thread } = await postInThread(w, w.frame.ws, c.req.param('post'));
    const values = { reason: field(form, 'reason'), note: field(form, 'note') };
    let hidden: boolean;
    try {
      const input = flagInput.parse({
        reason: values.reason,
        ...(values.note.trim() ? { note: values.note } : {}),
      });
      ({ hidden } = await flagPost(ctx, w.member, post.id, input));
    } catch (err) {
      const { status, message } = formError(err);
      return send(c, flagPage(w.frame, thread, post, values, message), status);
    }
    // A post the flags hid is no longer on the thread page: back to the thread itself.
    return c.redirect(
      hidden ? siteHref.thread(w.frame.ws, thread.id) : postOnPage(w.frame.ws, thread.id, post.number),
      303,
    );
  });

  // ------------------------------------------------------------------ vote, accept

  app.post('/:ws/-/t/:thread/vote', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const back = siteHref.thread(w.frame.ws, c.req.param('thread'));
    try {
      if (field(form, 'vote') === 'no') await unvoteIdea(ctx, w.member, c.req.param('thread'));
      else await voteIdea(ctx, w.member, c.req.param('thread'));
    } catch (err) {
      return actionFailed(c, w, err, back);
    }
    return c.redirect(back, 303);
  });

  app.post('/:ws/-/t/:thread/accept', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const threadId = c.req.param('thread');
    const back = siteHref.thread(w.frame.ws, threadId);
    const postId = postIdParam.safeParse(field(form, 'postId'));
    try {
      if (!postId.success) throw new AppError('validation_failed', 'Choose the answer to accept');
      await acceptAnswer(ctx, w.member, threadId, postId.data);
      const accepted = await postRow(ctx.db, w.frame.ws.id, postId.data);
      return c.redirect(postOnPage(w.frame.ws, threadId, Number(accepted.number)), 303);
    } catch (err) {
      return actionFailed(c, w, err, back);
    }
  });

  // ------------------------------------------------------------------ read state

  app.post('/:ws/-/read-all', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const spaceId = field(form, 'spaceId') || undefined;
    let back = siteHref.home(w.frame.ws);
    try {
      if (spaceId) back = siteHref.space(w.frame.ws, (await getSpace(ctx, w.member, spaceId)).slug);
      await markAllRead(ctx, w.member, spaceId);
    } catch (err) {
      return actionFailed(c, w, err, back);
    }
    return c.redirect(back, 303);
  });

  // ------------------------------------------------------------------ notifications, profile

  app.get('/:ws/-/notifications', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const cursor = c.req.query('cursor') || undefined;
    if (cursor && cursor.length > 200) throw new AppError('validation_failed', 'Invalid cursor');
    const page = await listMemberNotifications(ctx, w.member, { limit: 25, ...(cursor ? { cursor } : {}) });
    const base = `/community/${encodeURIComponent(w.frame.ws.slug)}/-/notifications`;
    const links = {
      ...(cursor ? { first: base } : {}),
      ...(page.nextCursor ? { next: `${base}?cursor=${encodeURIComponent(page.nextCursor)}` } : {}),
    };
    return send(c, notificationsPage(w.frame, page.items, page.unread, links));
  });

  app.post('/:ws/-/notifications/read', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    await markMemberNotificationsRead(ctx, got.w.member);
    return c.redirect(`/community/${encodeURIComponent(got.w.frame.ws.slug)}/-/notifications`, 303);
  });

  /** The profile page, with the forms filled from the profile or from what was typed. */
  async function profilePage(
    w: Writer,
    state: Pick<ProfileFormState, 'error' | 'saved'> & { values?: ProfileFormState['values'] },
  ) {
    const profile = await getMyProfile(ctx, w.member);
    const config = await trustConfigOf(ctx, ctx.db, w.member.workspaceId);
    const ledger = await pointsLedger(ctx, w.member, w.member.memberId, { limit: 10 });
    const forms = profileForms(w.frame.ws, w.frame.formToken, {
      values: state.values ?? { displayName: profile.displayName, bio: profile.bio ?? '' },
      newsletters: await listMyNewsletters(ctx, w.member),
      emailReplies: profile.emailReplies,
      error: state.error,
      saved: state.saved,
    });
    return myProfilePage(w.frame, profile, config, ledger.items, forms);
  }

  app.get('/:ws/-/me', async (c) => {
    const w = await writerOf(c);
    if (w instanceof Response) return w;
    const saved = c.req.query('saved');
    return send(
      c,
      await profilePage(w, {
        error: null,
        saved: saved === 'profile' || saved === 'newsletters' ? saved : null,
      }),
    );
  });

  app.post('/:ws/-/me', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w, form } = got;
    const values = { displayName: field(form, 'displayName'), bio: field(form, 'bio') };
    try {
      await updateMyProfile(ctx, w.member, { displayName: values.displayName, bio: values.bio });
    } catch (err) {
      const { status, message } = formError(err);
      return send(c, await profilePage(w, { error: message, saved: null, values }), status);
    }
    return c.redirect(`${writeHref.me(w.frame.ws)}?saved=profile#edit-profile`, 303);
  });

  app.post('/:ws/-/me/newsletters', limit, async (c) => {
    const got = await postOf(c);
    if (got instanceof Response) return got;
    const { w } = got;
    // Checkboxes: the spaces ticked are the ones wanted; every other newsletter is not.
    const body = await c.req.parseBody({ all: true });
    const ticked = new Set([body.space ?? []].flat().filter((v): v is string => typeof v === 'string'));
    const back = `${writeHref.me(w.frame.ws)}?saved=newsletters#newsletters`;
    try {
      const emailReplies = body.emailReplies === 'on';
      if (emailReplies !== (await getMyProfile(ctx, w.member)).emailReplies)
        await updateMyProfile(ctx, w.member, { emailReplies });
      for (const n of await listMyNewsletters(ctx, w.member)) {
        if (ticked.has(n.spaceId) && !n.subscribed) await subscribeNewsletter(ctx, w.member, n.spaceId);
        if (!ticked.has(n.spaceId) && n.subscribed) await unsubscribeNewsletter(ctx, w.member, n.spaceId);
      }
    } catch (err) {
      return actionFailed(c, w, err, writeHref.me(w.frame.ws));
    }
    return c.redirect(back, 303);
  });

  return app;
}
