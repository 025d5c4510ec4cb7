import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { PublicMember } from '../members.ts';
import { pageQueryOf } from '../post-pages.ts';
import { MENTION_PATH } from '../render.ts';
import type {
  AuthorView,
  IdeaStatusChangeView,
  PostView,
  SearchHit,
  SpaceView,
  ThreadView,
} from '../schema.ts';
import { readableDate } from '../wording.ts';
import type { RecentPost, SiteWorkspace } from './queries.ts';
import {
  homeActions,
  postActions,
  replyBox,
  spaceActions,
  type ThreadWriter,
  voteForm,
  writeHref,
} from './write-forms.ts';

/**
 * The public site's pages: semantic HTML from Hono's `html` template, which escapes every
 * interpolation. The one thing inserted raw is a post's `body_html`, sanitized by `render.ts`
 * when it was written (and the mention prefix rewritten below, a constant string).
 */

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Who reads: a visitor, or a member of this community signed in through the member session. */
export type Reader = { displayName: string; username: string } | null;

export type Frame = {
  ws: SiteWorkspace;
  reader: Reader;
  /** Absolute address of this page, for `<link rel="canonical">`. */
  canonical: string | null;
  /** Search results and error pages are not worth indexing. */
  noindex?: boolean;
  /** A signed-in member's form token: the site shows them forms to write (write.ts). */
  formToken?: string;
};

export const CSS_PATH = '/community/-/site.css';

export const siteHref = {
  home: (ws: SiteWorkspace) => `/community/${encodeURIComponent(ws.slug)}`,
  space: (ws: SiteWorkspace, space: string) =>
    `/community/${encodeURIComponent(ws.slug)}/s/${encodeURIComponent(space)}`,
  thread: (ws: SiteWorkspace, id: string) =>
    `/community/${encodeURIComponent(ws.slug)}/t/${encodeURIComponent(id)}`,
  member: (ws: SiteWorkspace, username: string) =>
    `/community/${encodeURIComponent(ws.slug)}/u/${encodeURIComponent(username)}`,
  search: (ws: SiteWorkspace) => `/community/${encodeURIComponent(ws.slug)}/search`,
  /** A post, on the thread page that holds it. */
  post: (ws: SiteWorkspace, threadId: string, number: number) =>
    `${siteHref.thread(ws, threadId)}${pageQueryOf(number)}#p${number}`,
};

const kindLabel: Record<SpaceView['kind'], string> = {
  forum: 'Forum',
  qa: 'Questions & answers',
  ideas: 'Ideas',
  kb: 'Knowledge base',
  announcements: 'Announcements',
};

const statusLabel: Record<NonNullable<ThreadView['ideaStatus']>, string> = {
  open: 'Open',
  under_review: 'Under review',
  planned: 'Planned',
  in_progress: 'In progress',
  done: 'Done',
  declined: 'Declined',
  duplicate: 'Duplicate',
};

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * A date a person reads ("12 December 2026, 14:30 UTC"), in the workspace's time zone: the same
 * for every reader, so a cached page is right for all of them.
 */
export function when(ws: SiteWorkspace, iso: string | null, opts: { time?: boolean } = {}): Html | string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const text = readableDate(iso, { time: opts.time ?? true, timeZone: ws.timeZone });
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

function authorLink(ws: SiteWorkspace, author: AuthorView | null): Html | string {
  if (!author) return html`<span class="author">Unknown</span>`;
  if (author.type === 'member' && author.username)
    return html`<a class="author" href="${siteHref.member(ws, author.username)}">${author.name}</a>`;
  return html`<span class="author">${author.name}</span> <span class="badge">Staff</span>`;
}

/**
 * Mentions are rendered as `/community/u/<name>` links, which name no community; on the site
 * they point at the member's profile in this one. The prefix is matched with its attribute quote,
 * as sanitize-html writes it, so only a whole `href` value is ever rewritten.
 */
export function siteBodyHtml(ws: SiteWorkspace, bodyHtml: string): string {
  return bodyHtml.replaceAll(`href="${MENTION_PATH}`, `href="/community/${encodeURIComponent(ws.slug)}/u/`);
}

export function layout(frame: Frame, title: string, description: string, body: Html): Html {
  const { ws, reader } = frame;
  const fullTitle = `${title} · ${ws.name} community`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${fullTitle}</title>
<meta name="description" content="${description.slice(0, 300)}">
${frame.canonical ? html`<link rel="canonical" href="${frame.canonical}">` : ''}
${frame.noindex ? html`<meta name="robots" content="noindex">` : ''}
<link rel="stylesheet" href="${CSS_PATH}">
</head>
<body>
<header class="site"><div class="wrap">
<a class="brand" href="${siteHref.home(ws)}">${ws.name} community</a>
<form class="search" role="search" method="get" action="${siteHref.search(ws)}">
<input id="site-q" type="search" name="q" placeholder="Search the community" aria-label="Search the community" maxlength="200">
<button type="submit">Search</button>
</form>
<p class="who">${
    reader
      ? html`Signed in as <a href="${siteHref.member(ws, reader.username)}">${reader.displayName}</a>. <a href="${writeHref.me(ws)}">My profile</a> · <a href="${writeHref.notifications(ws)}">Notifications</a>${
          frame.formToken
            ? html` · <form class="inline sign-out" method="post" action="${writeHref.signOut(ws)}"><input type="hidden" name="form" value="${frame.formToken}"><button type="submit" class="link">Sign out</button></form>`
            : ''
        }`
      : html`Reading as a visitor. <a href="${siteHref.home(ws)}/-/sign-in">Sign in</a> or <a href="${siteHref.home(ws)}/-/join">join</a> to post, reply or vote.`
  }</p>
</div></header>
<main class="wrap" id="main">
${body}
</main>
<footer class="site"><div class="wrap">${ws.name} community · reading works without JavaScript</div></footer>
</body>
</html>`;
}

function crumbs(items: { href?: string; label: string }[]): Html {
  return html`<nav class="crumbs" aria-label="Breadcrumbs"><ol>${items.map((i) =>
    i.href
      ? html`<li><a href="${i.href}">${i.label}</a></li>`
      : html`<li aria-current="page">${i.label}</li>`,
  )}</ol></nav>`;
}

function pager(links: { first?: string; next?: string }): Html | string {
  if (!links.first && !links.next) return '';
  return html`<nav class="pager" aria-label="Pages">${links.first ? html`<a href="${links.first}" rel="first">First page</a>` : ''}${
    links.next ? html`<a href="${links.next}" rel="next">Next page</a>` : ''
  }</nav>`;
}

export function homePage(
  frame: Frame,
  spaces: SpaceView[],
  unread: Map<string, number>,
  links: { first?: string; next?: string },
): Html {
  const { ws } = frame;
  const body = html`<h1>${ws.name} community</h1>
<p>Questions, answers, ideas and news from ${ws.name} and its customers.</p>
${frame.formToken ? homeActions(ws, frame.formToken) : ''}
${
  spaces.length === 0
    ? html`<p class="notice">There are no public spaces yet.</p>`
    : html`<ul class="cards">${spaces.map((s) => {
        const newPosts = unread.get(s.id) ?? 0;
        return html`<li class="card space"><h2><a href="${siteHref.space(ws, s.slug)}">${s.title}</a>${
          s.readOnly
            ? html` <span class="badge ${s.readOnly}">${s.readOnly === 'closed' ? 'Closed' : 'Archived'}</span>`
            : ''
        }${newPosts > 0 ? html` <span class="badge unread">${plural(newPosts, 'new post')}</span>` : ''}</h2>
${s.description ? html`<p>${s.description}</p>` : ''}
<p class="meta"><span class="badge kind">${kindLabel[s.kind]}</span><span>${plural(s.threadCount, 'thread')}</span><span>${plural(s.postCount, 'post')}</span>${
          s.lastPostAt
            ? html`<span>last activity ${when(ws, s.lastPostAt)}</span>`
            : html`<span>no activity yet</span>`
        }</p></li>`;
      })}</ul>`
}
${pager(links)}`;
  return layout(frame, 'Home', `The ${ws.name} community: ${spaces.map((s) => s.title).join(', ')}`, body);
}

function threadBadges(space: SpaceView, t: ThreadView): Html {
  return html`${
    t.kind === 'idea' && t.ideaStatus
      ? html` <span class="badge ${t.ideaStatus}">${statusLabel[t.ideaStatus]}</span>`
      : ''
  }${
    t.kind === 'question' || space.kind === 'qa'
      ? t.acceptedPostId !== null
        ? html` <span class="badge answered">Answered</span>`
        : html` <span class="badge">Unanswered</span>`
      : ''
  }`;
}

export function spacePage(
  frame: Frame,
  space: SpaceView,
  threads: ThreadView[],
  unread: Map<string, number>,
  links: { first?: string; next?: string },
  requestedIn: Map<string, number> = new Map(),
): Html {
  const { ws } = frame;
  const byVotes = space.kind === 'ideas';
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: space.title }])}
<h1>${space.title}${space.readOnly ? html` <span class="badge ${space.readOnly}">${space.readOnly === 'closed' ? 'Closed' : 'Archived'}</span>` : ''}</h1>
${space.description ? html`<p>${space.description}</p>` : ''}
<p class="meta"><span class="badge kind">${kindLabel[space.kind]}</span><span>${plural(space.threadCount, 'thread')}</span><span>${
    byVotes ? 'most votes first' : 'latest activity first'
  }</span></p>
${frame.formToken ? spaceActions(ws, space, frame.formToken, space.kind !== 'kb' && space.kind !== 'announcements') : ''}
${
  space.readOnly === 'archived'
    ? html`<p class="notice">This space ended on ${when(ws, space.endsAt, { time: false })}; it is a read-only archive.</p>`
    : ''
}
${
  threads.length === 0
    ? html`<p class="notice">Nothing here yet.</p>`
    : html`<ul class="cards">${threads.map((t) => {
        const newPosts = unread.get(t.id) ?? 0;
        return html`<li class="card thread"><h2>${
          byVotes ? html`<span class="votes" title="votes">${t.voteCount}</span> ` : ''
        }<a href="${siteHref.thread(ws, t.id)}">${t.title}</a>${threadBadges(space, t)}${
          newPosts > 0 ? html` <span class="badge unread">${plural(newPosts, 'new post')}</span>` : ''
        }</h2>
<p class="meta"><span>by ${authorLink(ws, t.author)}</span><span>${plural(Math.max(0, t.postCount - 1), 'reply', 'replies')}</span>${
          byVotes ? html`<span>${plural(t.voteCount, 'vote')}</span>` : ''
        }${
          (requestedIn.get(t.id) ?? 0) > 0
            ? html`<span>requested in ${plural(requestedIn.get(t.id) ?? 0, 'conversation')}</span>`
            : ''
        }<span>last activity ${when(ws, t.lastPostAt)}</span></p></li>`;
      })}</ul>`
}
${pager(links)}`;
  return layout(
    frame,
    space.title,
    space.description || `${kindLabel[space.kind]} in the ${ws.name} community`,
    body,
  );
}

function postArticle(
  ws: SiteWorkspace,
  thread: ThreadView,
  p: PostView,
  ahead: boolean,
  writer?: ThreadWriter,
): Html {
  return html`<article class="post${p.accepted ? ' accepted' : ''}" id="p${p.number}">
<header>${authorLink(ws, p.author)}<a href="#p${p.number}">#${p.number}</a>${when(ws, p.createdAt)}${
    p.editedAt ? html`<a href="${writeHref.history(ws, p.id)}">edited</a>` : ''
  }${p.replyToNumber !== null ? html`<span>in reply to <a href="${siteHref.post(ws, thread.id, p.replyToNumber)}">#${p.replyToNumber}</a></span>` : ''}${
    p.likeCount > 0 ? html`<span>${plural(p.likeCount, 'like')}</span>` : ''
  }${p.accepted ? html`<strong class="badge answered">Accepted answer</strong>` : ''}${ahead ? html`<span>(shown here from later in the thread)</span>` : ''}</header>
<div class="body">${raw(siteBodyHtml(ws, p.bodyHtml))}</div>
${writer ? postActions(ws, thread, p, writer) : ''}</article>`;
}

export function threadPage(
  frame: Frame,
  input: {
    space: SpaceView;
    thread: ThreadView;
    posts: PostView[];
    statusChanges: IdeaStatusChangeView[];
    duplicateOf: { id: string; title: string } | null;
    /** The accepted answer when it is not on this (first) page. */
    acceptedAhead: PostView | null;
    /** "Requested in N conversations" (confirmed links of the idea to cases and social threads). */
    requestedIn: number;
    links: { first?: string; next?: string };
    description: string;
    /** The signed-in member's buttons and reply box (none for visitors). */
    writer?: ThreadWriter;
  },
): Html {
  const { ws } = frame;
  const { space, thread, posts } = input;
  const idea =
    thread.kind === 'idea'
      ? html`<p class="meta idea"><span class="votes">${plural(thread.voteCount, 'vote')}</span>${
          thread.ideaStatus
            ? html`<span>status <span class="badge ${thread.ideaStatus}">${statusLabel[thread.ideaStatus]}</span></span>`
            : ''
        }${input.requestedIn > 0 ? html`<span>requested in ${plural(input.requestedIn, 'conversation')}</span>` : ''}</p>
${input.writer ? voteForm(ws, thread, input.writer) : ''}
${
  input.duplicateOf
    ? html`<p class="notice">Merged into <a href="${siteHref.thread(ws, input.duplicateOf.id)}">${input.duplicateOf.title}</a>, where its votes went.</p>`
    : ''
}
${
  input.statusChanges.length > 0
    ? html`<details><summary>Status history</summary><ol>${input.statusChanges.map(
        (s) =>
          html`<li>${when(ws, s.createdAt)}: ${statusLabel[s.toStatus]}${s.note ? html` — ${s.note}` : ''}</li>`,
      )}</ol></details>`
    : ''
}`
      : '';
  // An accepted answer further down the thread is shown under the question on the first page,
  // where `#p<number>` links to it (from the inbox bridges) land.
  const ordered = input.acceptedAhead
    ? posts[0]?.number === 1
      ? [posts[0], input.acceptedAhead, ...posts.slice(1)]
      : [input.acceptedAhead, ...posts]
    : posts;
  const body = html`${crumbs([
    { href: siteHref.home(ws), label: 'Community' },
    { href: siteHref.space(ws, space.slug), label: space.title },
    { label: thread.title },
  ])}
<h1>${thread.title}${threadBadges(space, thread)}</h1>
${idea}
${
  ordered.length === 0
    ? html`<p class="notice">No more posts.</p>`
    : ordered.map((p) => postArticle(ws, thread, p, p === input.acceptedAhead, input.writer))
}
${pager(input.links)}
${input.writer ? replyBox(ws, thread, input.writer) : ''}`;
  return layout(frame, thread.title, input.description, body);
}

export function memberPage(frame: Frame, member: PublicMember, posts: RecentPost[]): Html {
  const { ws } = frame;
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: member.displayName }])}
<h1>${member.displayName}</h1>
<dl class="facts">
<dt>Username</dt><dd>@${member.username}</dd>
<dt>Rank</dt><dd>${member.rank} (${plural(member.points, 'point')})</dd>
<dt>Trust level</dt><dd>${member.trustLevel}</dd>
<dt>Member since</dt><dd>${when(ws, member.joinedAt, { time: false })}</dd>
</dl>
${member.bio ? html`<p class="bio">${member.bio}</p>` : ''}
<h2>Recent posts</h2>
${
  posts.length === 0
    ? html`<p>No public posts yet.</p>`
    : html`<ul class="cards">${posts.map(
        (
          p,
        ) => html`<li class="card"><h3><a href="${siteHref.post(ws, p.threadId, p.postNumber)}">${p.threadTitle}</a></h3>
<p>${p.excerpt}</p><p class="meta"><span>${p.spaceTitle}</span><span>${when(ws, p.createdAt)}</span></p></li>`,
      )}</ul>`
}`;
  return layout(
    frame,
    `${member.displayName} (@${member.username})`,
    `${member.displayName}, ${member.rank} in the ${ws.name} community`,
    body,
  );
}

export function searchPage(frame: Frame, q: string, hits: SearchHit[] | null, error: string | null): Html {
  const { ws } = frame;
  const body = html`${crumbs([{ href: siteHref.home(ws), label: 'Community' }, { label: 'Search' }])}
<h1>Search</h1>
<form class="search" role="search" method="get" action="${siteHref.search(ws)}">
<input type="search" name="q" value="${q}" aria-label="Search the community" maxlength="200">
<button type="submit">Search</button>
</form>
${error ? html`<p class="notice" role="alert">${error}</p>` : ''}
${
  hits === null
    ? ''
    : hits.length === 0
      ? html`<p>No posts match “${q}”.</p>`
      : html`<p>${plural(hits.length, 'result')} for “${q}”, best first.</p><ol class="cards">${hits.map(
          (
            h,
          ) => html`<li class="card"><h2><a href="${siteHref.post(ws, h.threadId, h.postNumber)}">${h.threadTitle}</a></h2>
<p>${h.excerpt}</p><p class="meta"><span>${h.spaceTitle}</span><span>by ${authorLink(ws, h.author)}</span><span>${when(ws, h.createdAt)}</span></p></li>`,
        )}</ol>`
}`;
  return layout(frame, q ? `Search: ${q}` : 'Search', `Search the ${ws.name} community`, body);
}

/** A page for what does not exist, or is not public (the same answer, so nothing leaks). */
export function notFoundPage(frame: Frame | null, message: string): Html {
  const body = html`<h1>Not found</h1><p>${message}</p>${
    frame ? html`<p><a href="${siteHref.home(frame.ws)}">Back to the community</a></p>` : ''
  }`;
  if (frame) return layout({ ...frame, canonical: null, noindex: true }, 'Not found', message, body);
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found</title><meta name="robots" content="noindex"><link rel="stylesheet" href="${CSS_PATH}"></head>
<body><main class="wrap">${body}</main></body></html>`;
}
