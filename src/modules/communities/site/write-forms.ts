import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { PostView, SpaceView, ThreadView } from '../schema.ts';
import type { SiteWorkspace } from './queries.ts';

/**
 * The small forms a signed-in member sees on the site's reading pages (like, quote, accept,
 * vote, reply, mark all read). Plain HTML forms that post to the write routes (`write.ts`) and
 * work without JavaScript; every one carries the member session's form token.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What a signed-in member may do on a thread page, worked out once per page (`threadWriter`). */
export type ThreadWriter = {
  formToken: string;
  memberId: string;
  /** Posts of this page the member likes. */
  likedPostIds: ReadonlySet<number>;
  /** Ideas: whether the member voted for this one. */
  voted: boolean;
  /** The space takes posts now (not closed or archived). */
  writable: boolean;
  /** Replies are open to members here (writable, and not a knowledge base). */
  mayReply: boolean;
  /** Questions: the member asked it or moderates the space, so may accept an answer. */
  mayAccept: boolean;
};

const base = (ws: SiteWorkspace) => `/community/${encodeURIComponent(ws.slug)}/-`;

/** Addresses of the write routes; all under `/community/<ws>/-/`, apart from the reading pages. */
export const writeHref = {
  newThread: (ws: SiteWorkspace, space: string) => `${base(ws)}/s/${encodeURIComponent(space)}/new`,
  newSpace: (ws: SiteWorkspace) => `${base(ws)}/spaces/new`,
  reply: (ws: SiteWorkspace, threadId: string, quote?: number) =>
    `${base(ws)}/t/${encodeURIComponent(threadId)}/reply${quote ? `?quote=${quote}` : ''}`,
  vote: (ws: SiteWorkspace, threadId: string) => `${base(ws)}/t/${encodeURIComponent(threadId)}/vote`,
  accept: (ws: SiteWorkspace, threadId: string) => `${base(ws)}/t/${encodeURIComponent(threadId)}/accept`,
  edit: (ws: SiteWorkspace, postId: number) => `${base(ws)}/p/${postId}/edit`,
  delete: (ws: SiteWorkspace, postId: number) => `${base(ws)}/p/${postId}/delete`,
  like: (ws: SiteWorkspace, postId: number) => `${base(ws)}/p/${postId}/like`,
  flag: (ws: SiteWorkspace, postId: number) => `${base(ws)}/p/${postId}/flag`,
  history: (ws: SiteWorkspace, postId: number) => `${base(ws)}/p/${postId}/history`,
  readAll: (ws: SiteWorkspace) => `${base(ws)}/read-all`,
  notifications: (ws: SiteWorkspace) => `${base(ws)}/notifications`,
  notificationsRead: (ws: SiteWorkspace) => `${base(ws)}/notifications/read`,
  me: (ws: SiteWorkspace) => `${base(ws)}/me`,
  signIn: (ws: SiteWorkspace) => `${base(ws)}/sign-in`,
  signOut: (ws: SiteWorkspace) => `${base(ws)}/sign-out`,
  newsletters: (ws: SiteWorkspace) => `${base(ws)}/me/newsletters`,
};

export function tokenField(token: string): Html {
  return html`<input type="hidden" name="form" value="${token}">`;
}

/** One button that posts a few hidden fields: the no-JavaScript way to act on something. */
export function buttonForm(
  action: string,
  token: string,
  label: string,
  fields: Record<string, string> = {},
  className = '',
): Html {
  return html`<form class="inline" method="post" action="${action}">${tokenField(token)}${Object.entries(
    fields,
  ).map(
    ([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`,
  )}<button type="submit"${className ? html` class="${className}"` : ''}>${label}</button></form>`;
}

/** The actions under one post for the signed-in member. */
export function postActions(ws: SiteWorkspace, thread: ThreadView, p: PostView, w: ThreadWriter): Html {
  const own = p.author?.type === 'member' && p.author.id === w.memberId;
  const liked = w.likedPostIds.has(p.id);
  return html`<div class="actions">${
    w.mayAccept && thread.kind === 'question' && p.number > 1 && !p.accepted
      ? buttonForm(writeHref.accept(ws, thread.id), w.formToken, 'Accept as answer', { postId: String(p.id) })
      : ''
  }${w.mayReply ? html`<a href="${writeHref.reply(ws, thread.id, p.number)}">Quote</a>` : ''}${
    own
      ? html`${w.writable ? html`<a href="${writeHref.edit(ws, p.id)}">Edit</a><a href="${writeHref.delete(ws, p.id)}">Delete</a>` : ''}`
      : html`${buttonForm(writeHref.like(ws, p.id), w.formToken, liked ? 'Unlike' : 'Like', {
          like: liked ? 'no' : 'yes',
        })}<a href="${writeHref.flag(ws, p.id)}">Flag</a>`
  }</div>`;
}

/** An idea's vote button (or the reason there is none). */
export function voteForm(ws: SiteWorkspace, thread: ThreadView, w: ThreadWriter): Html | string {
  if (thread.kind !== 'idea' || thread.duplicateOfThreadId !== null || !w.writable) return '';
  return buttonForm(
    writeHref.vote(ws, thread.id),
    w.formToken,
    w.voted ? 'Remove my vote' : 'Vote for this idea',
    { vote: w.voted ? 'no' : 'yes' },
    w.voted ? 'secondary' : '',
  );
}

/** The reply box under a thread; "Preview" shows the rendered reply on the full reply page. */
export function replyBox(ws: SiteWorkspace, thread: ThreadView, w: ThreadWriter): Html | string {
  if (!w.mayReply) return '';
  return html`<section class="compose" aria-labelledby="reply-heading">
<h2 id="reply-heading">Reply</h2>
<form class="compose" method="post" action="${writeHref.reply(ws, thread.id)}">${tokenField(w.formToken)}
<label for="reply-body">Your reply (Markdown)</label>
<textarea id="reply-body" name="body" rows="6" required maxlength="50000"></textarea>
<div class="buttons"><button type="submit" name="preview" value="1" class="secondary">Preview</button><button type="submit">Post reply</button></div>
</form></section>`;
}

/** A space's "New thread" link and "Mark all read" for the signed-in member. */
export function spaceActions(ws: SiteWorkspace, space: SpaceView, token: string, mayOpen: boolean): Html {
  const label =
    space.kind === 'qa' ? 'Ask a question' : space.kind === 'ideas' ? 'Suggest an idea' : 'New thread';
  return html`<div class="actions">${
    mayOpen && space.readOnly === null
      ? html`<a class="button" href="${writeHref.newThread(ws, space.slug)}">${label}</a>`
      : ''
  }${buttonForm(writeHref.readAll(ws), token, 'Mark all read', { spaceId: space.id }, 'secondary')}</div>`;
}

/** "Mark all read" for the whole community (home page). */
export function homeActions(ws: SiteWorkspace, token: string): Html {
  return html`<div class="actions">${buttonForm(writeHref.readAll(ws), token, 'Mark all read', {}, 'secondary')}<a href="${writeHref.newSpace(ws)}">Start a space</a></div>`;
}
