import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { MemberNotificationView } from '../loop.ts';
import type { MemberProfile } from '../members.ts';
import type { LedgerEntry } from '../reputation.ts';
import type { PostView, RevisionView, SpaceView, ThreadView } from '../schema.ts';
import type { TrustConfig } from '../trust.ts';
import { flagReasonLabels } from '../wording.ts';
import { type Frame, layout, siteBodyHtml, siteHref, when } from './pages.ts';
import type { SiteWorkspace } from './queries.ts';
import { buttonForm, tokenField, writeHref } from './write-forms.ts';

/**
 * The member's writing pages on the community site (new thread, reply, edit, delete, flag, edit
 * history, notifications, profile): the site's layout and stylesheet, plain forms, no script.
 * Everything interpolated is escaped by Hono's `html`; the only raw HTML is a post or preview
 * rendered by `render.ts`.
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

function crumbs(items: { href?: string; label: string }[]): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumbs"><ol>${items.map((i) =>
    i.href
      ? html`<li><a href="${i.href}">${i.label}</a></li>`
      : html`<li aria-current="page">${i.label}</li>`,
  )}</ol></nav>`;
}

function errorBox(error: string | null): Html | string {
  return error ? html`<p class="error" role="alert">${error}</p>` : '';
}

function preview(ws: SiteWorkspace, previewHtml: string | null): Html | string {
  if (previewHtml === null) return '';
  return html`<section class="preview" aria-labelledby="preview-heading"><h2 id="preview-heading">Preview</h2>
<article class="post"><div class="body">${raw(siteBodyHtml(ws, previewHtml))}</div></article></section>`;
}

const markdownHint = html`<p class="hint">Markdown: <code>**bold**</code>, <code>*italic*</code>, <code>[text](https://…)</code>, <code>&gt; quote</code>, <code>@username</code>.</p>`;

export type ComposeValues = { title: string; body: string; quote: string; replyTo: string };

/** A new thread in a space: title and Markdown body, with "Preview". */
export function newThreadPage(
  frame: Frame & { formToken: string },
  space: SpaceView,
  values: ComposeValues,
  error: string | null,
  previewHtml: string | null,
): Html {
  const { ws } = frame;
  const heading =
    space.kind === 'qa' ? 'Ask a question' : space.kind === 'ideas' ? 'Suggest an idea' : 'New thread';
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.space(ws, space.slug), label: space.title },
    { label: heading },
  ])}
<h1>${heading}</h1>
${errorBox(error)}${preview(ws, previewHtml)}
<form class="compose" method="post" action="${writeHref.newThread(ws, space.slug)}">${tokenField(frame.formToken)}
<label for="title">Title</label>
<input id="title" name="title" required maxlength="300" value="${values.title}">
<label for="body">${space.kind === 'qa' ? 'Your question' : 'Text'} (Markdown)</label>
<textarea id="body" name="body" rows="10" required maxlength="50000">${values.body}</textarea>
${markdownHint}
<div class="buttons"><button type="submit" name="preview" value="1" class="secondary">Preview</button><button type="submit">Post</button></div>
</form>`;
  return layout({ ...frame, canonical: null, noindex: true }, heading, `${heading} in ${space.title}`, body);
}

export type SpaceValues = { title: string; slug: string; kind: string; description: string };

/**
 * A member starts an impromptu space (forum, Q&A or ideas) once their trust level allows it;
 * below it the page says which level unlocks it instead of showing a form that would fail.
 */
export function newSpacePage(
  frame: Frame & { formToken: string },
  values: SpaceValues,
  error: string | null,
  requiredLevel: number | null,
): Html {
  const { ws } = frame;
  const kinds = [
    ['forum', 'Forum: open discussions'],
    ['qa', 'Q&A: questions with an accepted answer'],
    ['ideas', 'Ideas: suggestions people vote on'],
  ] as const;
  const form = html`<form class="compose" method="post" action="${writeHref.newSpace(ws)}">${tokenField(frame.formToken)}
<label for="title">Title</label>
<input id="title" name="title" required maxlength="120" value="${values.title}">
<label for="slug">Address: /community/${ws.slug}/s/…</label>
<input id="slug" name="slug" required maxlength="63" pattern="[a-z0-9][a-z0-9-]*" value="${values.slug}" aria-describedby="slug-hint">
<p id="slug-hint" class="hint">Lower-case letters, digits and dashes, for example <code>lisbon-meetups</code>.</p>
<label for="kind">Kind</label>
<select id="kind" name="kind">${kinds.map(
    ([k, label]) => html`<option value="${k}"${values.kind === k ? html` selected` : ''}>${label}</option>`,
  )}</select>
<label for="description">What it is for</label>
<textarea id="description" name="description" rows="4" maxlength="2000">${values.description}</textarea>
<div class="buttons"><button type="submit">Start the space</button></div>
</form>`;
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: 'Start a space' }])}
<h1>Start a space</h1>
<p>A space of your own for a topic the community cares about. Moderators can close a space that goes wrong.</p>
${errorBox(error)}${
  requiredLevel === null
    ? form
    : html`<p class="notice">Starting a space needs trust level ${requiredLevel}: it comes with time spent reading, posts and likes from others (see <a href="${writeHref.me(ws)}">your profile</a>).</p>`
}`;
  return layout({ ...frame, canonical: null, noindex: true }, 'Start a space', 'Start a space', body);
}

/** A reply, optionally answering and quoting an earlier post (the "Quote" links). */
export function replyPage(
  frame: Frame & { formToken: string },
  space: SpaceView,
  thread: ThreadView,
  values: ComposeValues,
  error: string | null,
  previewHtml: string | null,
): Html {
  const { ws } = frame;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.space(ws, space.slug), label: space.title },
    { href: siteHref.thread(ws, thread.id), label: thread.title },
    { label: 'Reply' },
  ])}
<h1>Reply to “${thread.title}”</h1>
${errorBox(error)}${preview(ws, previewHtml)}
<form class="compose" method="post" action="${writeHref.reply(ws, thread.id)}">${tokenField(frame.formToken)}
${
  values.replyTo
    ? html`<input type="hidden" name="replyTo" value="${values.replyTo}">
<label for="quote">Quoting <a href="${siteHref.post(ws, thread.id, Number(values.replyTo))}">#${values.replyTo}</a> (trim it to what you answer)</label>
<textarea id="quote" name="quote" rows="4" maxlength="5000">${values.quote}</textarea>`
    : ''
}
<label for="body">Your reply (Markdown)</label>
<textarea id="body" name="body" rows="8" required maxlength="50000">${values.body}</textarea>
${markdownHint}
<div class="buttons"><button type="submit" name="preview" value="1" class="secondary">Preview</button><button type="submit">Post reply</button></div>
</form>`;
  return layout({ ...frame, canonical: null, noindex: true }, `Reply: ${thread.title}`, thread.title, body);
}

/** Editing one's own post (the opening post also carries the title). */
export function editPage(
  frame: Frame & { formToken: string },
  thread: ThreadView,
  post: { id: number; number: number },
  values: ComposeValues,
  error: string | null,
  previewHtml: string | null,
): Html {
  const { ws } = frame;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.post(ws, thread.id, post.number), label: thread.title },
    { label: `Edit #${post.number}` },
  ])}
<h1>Edit post #${post.number}</h1>
<p>Earlier versions stay in the post's <a href="${writeHref.history(ws, post.id)}">edit history</a>.</p>
${errorBox(error)}${preview(ws, previewHtml)}
<form class="compose" method="post" action="${writeHref.edit(ws, post.id)}">${tokenField(frame.formToken)}
${
  post.number === 1
    ? html`<label for="title">Title</label><input id="title" name="title" required maxlength="300" value="${values.title}">`
    : ''
}
<label for="body">Text (Markdown)</label>
<textarea id="body" name="body" rows="10" required maxlength="50000">${values.body}</textarea>
${markdownHint}
<div class="buttons"><button type="submit" name="preview" value="1" class="secondary">Preview</button><button type="submit">Save changes</button></div>
</form>`;
  return layout({ ...frame, canonical: null, noindex: true }, `Edit #${post.number}`, thread.title, body);
}

/** Asks before deleting: a GET never deletes, and the button is a form post. */
export function deletePage(
  frame: Frame & { formToken: string },
  thread: ThreadView,
  post: PostView,
  error: string | null,
): Html {
  const { ws } = frame;
  const whole = post.number === 1;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.post(ws, thread.id, post.number), label: thread.title },
    { label: `Delete #${post.number}` },
  ])}
<h1>Delete post #${post.number}?</h1>
${errorBox(error)}
<p>${whole ? 'This is the opening post: deleting it deletes the whole thread.' : 'Its text and its edit history are removed; its number stays, so the replies keep their place.'}</p>
<article class="post"><div class="body">${raw(siteBodyHtml(ws, post.bodyHtml))}</div></article>
<div class="buttons">${buttonForm(writeHref.delete(ws, post.id), frame.formToken, whole ? 'Delete the thread' : 'Delete the post', {}, 'danger')}<a href="${siteHref.post(ws, thread.id, post.number)}">Keep it</a></div>`;
  return layout({ ...frame, canonical: null, noindex: true }, `Delete #${post.number}`, thread.title, body);
}

const flagLabels = {
  spam: `${flagReasonLabels.spam}: advertising or a scam`,
  offensive: `${flagReasonLabels.offensive}: abusive or harmful`,
  off_topic: `${flagReasonLabels.off_topic}: not what this space is for`,
  other: `${flagReasonLabels.other}: something else (say what below)`,
} as const;

/** Flagging a post for moderators, with a reason. */
export function flagPage(
  frame: Frame & { formToken: string },
  thread: ThreadView,
  post: PostView,
  values: { reason: string; note: string },
  error: string | null,
): Html {
  const { ws } = frame;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.post(ws, thread.id, post.number), label: thread.title },
    { label: `Flag #${post.number}` },
  ])}
<h1>Flag post #${post.number}</h1>
<p>Moderators review flagged posts; when enough members flag a post it is hidden until they do.</p>
${errorBox(error)}
<article class="post"><div class="body">${raw(siteBodyHtml(ws, post.bodyHtml))}</div></article>
<form class="compose" method="post" action="${writeHref.flag(ws, post.id)}">${tokenField(frame.formToken)}
<fieldset><legend>Why?</legend>${Object.entries(flagLabels).map(
    ([value, label]) =>
      html`<label class="choice"><input type="radio" name="reason" value="${value}" required${
        values.reason === value ? ' checked' : ''
      }> ${label}</label>`,
  )}</fieldset>
<label for="note">Note for the moderators (optional)</label>
<textarea id="note" name="note" rows="3" maxlength="500">${values.note}</textarea>
<div class="buttons"><button type="submit">Flag the post</button><a href="${siteHref.post(ws, thread.id, post.number)}">Cancel</a></div>
</form>`;
  return layout({ ...frame, canonical: null, noindex: true }, `Flag #${post.number}`, thread.title, body);
}

/** An opening post's title as of a revision, marked when that edit changed it. */
function revisionTitle(r: RevisionView, before: RevisionView | undefined): Html | string {
  if (r.title === null) return '';
  const changed = before !== undefined && before.title !== null && before.title !== r.title;
  return html`<p class="revision-title">${changed ? 'Title changed to' : 'Title'}: <strong>${r.title}</strong></p>`;
}

/** Every text (and, for an opening post, title) a post has had, oldest first. */
export function historyPage(
  frame: Frame,
  thread: ThreadView,
  post: { number: number },
  revisions: RevisionView[],
): Html {
  const { ws } = frame;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.post(ws, thread.id, post.number), label: thread.title },
    { label: `History of #${post.number}` },
  ])}
<h1>Edit history of post #${post.number}</h1>
${
  revisions.length === 0
    ? html`<p class="notice">There is no history to show.</p>`
    : html`<ol class="cards revisions">${revisions.map(
        (r, i) =>
          html`<li class="card"><p class="meta"><span>${r.revision === 1 ? 'Original' : `Edit ${r.revision - 1}`}</span><span>${
            r.editedBy?.name ?? 'Unknown'
          }</span><span>${when(ws, r.createdAt)}</span></p>${revisionTitle(r, revisions[i - 1])}<pre class="source">${r.bodyMarkdown}</pre></li>`,
      )}</ol>`
}`;
  return layout(
    { ...frame, canonical: null, noindex: true },
    `History of #${post.number}`,
    thread.title,
    body,
  );
}

/** What went wrong with a one-button action (vote, like, accept, mark read), with a way back. */
export function actionErrorPage(frame: Frame, message: string, back: string | null): Html {
  const body = html`<h1>That did not work</h1><p class="error" role="alert">${message}</p>${
    back ? html`<p><a href="${back}">Go back</a></p>` : ''
  }`;
  return layout({ ...frame, canonical: null, noindex: true }, 'That did not work', message, body);
}

/** Asked of someone without a member session (or of another community's member). */
export function signInFirstPage(frame: Frame, message: string): Html {
  const body = html`<h1>Sign in first</h1><p>${message}</p>
<p><a href="${writeHref.signIn(frame.ws)}">Sign in</a> or <a href="${siteHref.home(frame.ws)}/-/join">join the community</a>.</p>`;
  return layout({ ...frame, canonical: null, noindex: true }, 'Sign in first', message, body);
}

const reasonText: Record<MemberNotificationView['reasons'][number], string> = {
  voted: 'you voted for it',
  author: 'you suggested it',
  replied: 'you replied to it',
  linked: 'you asked for it',
  started: 'you started the thread',
  asked: 'you asked the question',
  mentioned: 'you were mentioned',
  answered: 'you wrote the answer',
};

/** A post's notification opens at the post (its absolute url, made relative to the site); others at the thread. */
function notificationHref(ws: SiteWorkspace, n: MemberNotificationView): string {
  if (n.postId === null) return siteHref.thread(ws, n.threadId);
  const u = new URL(n.url);
  const at = u.pathname.indexOf('/community/');
  return at < 0 ? siteHref.thread(ws, n.threadId) : `${u.pathname.slice(at)}${u.search}${u.hash}`;
}

export function notificationsPage(
  frame: Frame & { formToken: string },
  items: MemberNotificationView[],
  unread: number,
  links: { first?: string; next?: string },
): Html {
  const { ws } = frame;
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: 'Notifications' }])}
<h1>Notifications</h1>
<p>${unread === 0 ? 'Nothing unread.' : `${unread} unread.`}</p>
${unread > 0 ? html`<div class="actions">${buttonForm(writeHref.notificationsRead(ws), frame.formToken, 'Mark all as read', {}, 'secondary')}</div>` : ''}
${
  items.length === 0
    ? html`<p class="notice">No notifications yet. When someone replies in your thread, answers your question, accepts your answer or mentions you, or an idea you voted for, suggested or replied to changes status, you hear it here.</p>`
    : html`<ul class="cards">${items.map(
        (n) =>
          html`<li class="card${n.readAt === null ? ' unread-item' : ''}"><h2><a href="${notificationHref(ws, n)}">${n.title}</a>${
            n.readAt === null ? html` <span class="badge unread">New</span>` : ''
          }</h2><p>${n.body}</p><p class="meta"><span>because ${n.reasons.map((r) => reasonText[r]).join(', ')}</span><span>${when(ws, n.createdAt)}</span></p></li>`,
      )}</ul>`
}
${
  links.first || links.next
    ? html`<nav class="pager" aria-label="Pages">${links.first ? html`<a href="${links.first}" rel="first">First page</a>` : ''}${
        links.next ? html`<a href="${links.next}" rel="next">Next page</a>` : ''
      }</nav>`
    : ''
}`;
  return layout({ ...frame, canonical: null, noindex: true }, 'Notifications', 'Your notifications', body);
}

const ledgerText: Record<string, string> = {
  accepted_answer: 'Your answer was accepted',
  like_received: 'A post of yours was liked',
  idea_delivered: 'An idea of yours was delivered',
  helpful_flag: 'A moderator agreed with your flag',
};
/** Lines that take points back (negative) read as what happened, not as the award they reverse. */
const ledgerTakenBackText: Record<string, string> = {
  accepted_answer: 'Your accepted answer was withdrawn, replaced, hidden by a moderator or deleted',
};

function yes(on: boolean, from: number): Html {
  return on ? html`<strong>yes</strong>` : html`not yet (from trust level ${from})`;
}

/** The member's own profile: points, rank, trust level and what it unlocks. */
export function myProfilePage(
  frame: Frame,
  profile: MemberProfile,
  config: TrustConfig,
  ledger: LedgerEntry[],
  /** The profile and newsletter forms (profile-forms.ts). */
  forms: Html | string = '',
): Html {
  const { ws } = frame;
  const p = profile.permissions;
  const u = config.unlocks;
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: 'My profile' }])}
<h1>${profile.displayName}</h1>
<p><a href="${siteHref.member(ws, profile.username)}">Your public profile</a> · <a href="${writeHref.notifications(ws)}">Notifications</a></p>
<dl class="facts">
<dt>Username</dt><dd>@${profile.username}</dd>
<dt>Points</dt><dd>${profile.points}</dd>
<dt>Rank</dt><dd>${profile.rank}</dd>
<dt>Trust level</dt><dd>${profile.trustLevel}</dd>
<dt>Member since</dt><dd>${when(ws, profile.joinedAt, { time: false })}</dd>
</dl>
${forms}
<h2>What your trust level lets you do</h2>
<dl class="facts unlocks">
<dt>Post links</dt><dd>${yes(p.postLinks, u.postLinks)}</dd>
<dt>Post images</dt><dd>${yes(p.postImages, u.postImages)}</dd>
<dt>Create spaces</dt><dd>${yes(p.createSpaces, u.createSpaces)}</dd>
<dt>Moderate</dt><dd>${
    p.moderate
      ? html`<strong>yes</strong>, every space`
      : profile.moderatesSpaces.length > 0
        ? html`the ${profile.moderatesSpaces.length === 1 ? 'space' : `${profile.moderatesSpaces.length} spaces`} you were asked to`
        : 'not yet (trust level 4)'
  }</dd>
<dt>Weight of your flags</dt><dd>${p.flagWeight}</dd>
<dt>Posting limit</dt><dd>${
    p.postLimit ? `${p.postLimit.posts} posts per ${p.postLimit.windowMinutes} minutes` : 'none'
  }</dd>
</dl>
<h2>How you got here</h2>
<dl class="facts">
<dt>Days visited</dt><dd>${profile.stats.daysVisited}</dd>
<dt>Posts read</dt><dd>${profile.stats.postsRead}</dd>
<dt>Minutes reading</dt><dd>${profile.stats.minutesReading}</dd>
<dt>Likes given</dt><dd>${profile.stats.likesGiven}</dd>
<dt>Likes received</dt><dd>${profile.stats.likesReceived}</dd>
<dt>Flags moderators agreed with</dt><dd>${profile.stats.flagsAgreed}</dd>
</dl>
<h2>Latest points</h2>
${
  ledger.length === 0
    ? html`<p>No points yet: answers that are accepted, likes and delivered ideas earn them.</p>`
    : html`<ul class="cards">${ledger.map(
        (e) =>
          html`<li class="card"><p class="meta"><span><strong>${e.points > 0 ? `+${e.points}` : e.points}</strong></span><span>${
            e.reason === 'staff_adjustment'
              ? `From the team: ${e.ref}`
              : ((e.points < 0 ? ledgerTakenBackText[e.reason] : undefined) ??
                ledgerText[e.reason] ??
                'Points changed')
          }</span><span>${when(ws, e.createdAt)}</span></p></li>`,
      )}</ul>`
}`;
  return layout({ ...frame, canonical: null, noindex: true }, 'My profile', 'Your profile', body);
}
