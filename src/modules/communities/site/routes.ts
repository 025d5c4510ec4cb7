import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { HtmlEscapedString } from 'hono/utils/html';
import { z } from 'zod';
import type { AppContext } from '../../../context.ts';
import { AppError } from '../../../errors.ts';
import type { AppEnv } from '../../../http/env.ts';
import { authorsOf, postRow, toPostView, type Viewer, visibleThread } from '../access.ts';
import type { MemberActor } from '../actors.ts';
import { requestedInCounts } from '../idea-links.ts';
import { ideaStatusChanges } from '../ideas.ts';
import { memberFromSession } from '../member-auth.ts';
import { MEMBER_COOKIE } from '../member-session.ts';
import { publicProfile } from '../members.ts';
import { POSTS_PER_PAGE } from '../post-pages.ts';
import { unreadCounts, unreadInThreads } from '../reading.ts';
import type { PostView } from '../schema.ts';
import { excerpt, searchPosts } from '../search.ts';
import { getSpace, listSpaces } from '../spaces.ts';
import { getThread, listThreads } from '../threads.ts';
import { recordSitePageView } from '../trust.ts';
import { notFoundText } from '../wording.ts';
import {
  type Frame,
  homePage,
  memberPage,
  notFoundPage,
  type Reader,
  searchPage,
  siteHref,
  spacePage,
  threadPage,
} from './pages.ts';
import { memberName, recentPostsOf, type SiteWorkspace, siteWorkspace } from './queries.ts';
import { SITE_CSS } from './style.ts';
import { readThreadPage, threadWriter } from './writer.ts';

/**
 * The public community site: server-rendered pages for reading, mounted at `/community`
 * (`/community/<workspace>/…`). Visitors read public spaces (the anonymous viewer of
 * `access.ts`, so closed spaces and hidden or deleted content never show); a member signed in
 * through the member session reads the same pages with their name, unread marks and the forms to
 * write (posted to `write.ts`); opening a thread page moves their read position.
 */

type SiteEnv = { Variables: AppEnv['Variables'] & { siteFrame: Frame | undefined } };
type C = Context<SiteEnv>;

export const THREADS_PER_PAGE = 25;
export { POSTS_PER_PAGE };
export const SPACES_PER_PAGE = 50;

const searchInput = z.string().trim().max(200);

/** The page cursor of the query; a malformed one is a bad address (400), not a failure. */
function cursorOf(c: C): string | undefined {
  const cursor = c.req.query('cursor');
  if (cursor === undefined || cursor === '') return undefined;
  if (cursor.length > 200) throw new AppError('validation_failed', 'Invalid cursor');
  return cursor;
}

/** The reader of a request: the member of this community whose session cookie it carries, else a visitor. */
async function readerOf(
  ctx: AppContext,
  c: C,
  ws: SiteWorkspace,
): Promise<{ viewer: Viewer; member: MemberActor | null; reader: Reader; formToken?: string }> {
  const cookie = getCookie(c, MEMBER_COOKIE);
  const session = cookie ? await memberFromSession(ctx, cookie) : null;
  // A member of another workspace's community is a visitor here.
  if (session && session.member.workspaceId === ws.id) {
    const name = await memberName(ctx, ws.id, session.member.memberId);
    if (name) {
      // The site's pages are the only signal of a script-free reader: a visit and reading time.
      await recordSitePageView(ctx, session);
      return { viewer: session.member, member: session.member, reader: name, formToken: session.csrfToken };
    }
  }
  return { viewer: { kind: 'anonymous', workspaceId: ws.id }, member: null, reader: null };
}

async function frameOf(ctx: AppContext, c: C) {
  const ws = await siteWorkspace(ctx, c.req.param('ws') ?? '');
  const who = await readerOf(ctx, c, ws);
  const url = new URL(c.req.url);
  const cursor = url.searchParams.get('cursor');
  const frame: Frame = {
    ws,
    reader: who.reader,
    canonical: `${ctx.config.publicUrl}${url.pathname}${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`,
    ...(who.formToken ? { formToken: who.formToken } : {}),
  };
  c.set('siteFrame', frame);
  return { ...who, frame };
}

/**
 * Public pages may be cached by anyone for a minute; a member's page carries their name and
 * unread marks, so only their browser keeps it.
 */
function send(c: C, page: HtmlEscapedString | Promise<HtmlEscapedString>, signedIn: boolean, status = 200) {
  c.header(
    'Cache-Control',
    signedIn ? 'private, no-cache' : 'public, max-age=60, stale-while-revalidate=300',
  );
  c.header('Vary', 'Cookie');
  return c.html(page, status as 200);
}

function pageLinks(base: string, cursor: string | undefined, nextCursor: string | null) {
  return {
    ...(cursor ? { first: base } : {}),
    ...(nextCursor ? { next: `${base}?cursor=${encodeURIComponent(nextCursor)}` } : {}),
  };
}

export function communitySiteRoutes(ctx: AppContext) {
  const site = new Hono<SiteEnv>();

  site.onError((err, c) => {
    const frame = c.get('siteFrame') ?? null;
    c.header('Cache-Control', 'no-store');
    if (err instanceof AppError && (err.code === 'not_found' || err.code === 'workspace_not_found'))
      return c.html(notFoundPage(frame, notFoundText(err.message)), 404);
    if (err instanceof AppError && err.code === 'validation_failed')
      return c.html(notFoundPage(frame, 'This page address is not valid (perhaps an old page link).'), 400);
    c.var.log?.error({ err }, 'community site page failed');
    return c.text('The community site could not show this page. Try again in a moment.', 500);
  });

  site.get('/-/site.css', (c) => {
    c.header('Content-Type', 'text/css; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.body(SITE_CSS);
  });

  const home = async (c: C) => {
    const { frame, member, viewer } = await frameOf(ctx, c);
    const cursor = cursorOf(c);
    const spaces = await listSpaces(ctx, viewer, {
      limit: SPACES_PER_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const unread = new Map<string, number>();
    if (member)
      for (const u of await unreadCounts(
        ctx,
        member,
        spaces.items.map((s) => s.id),
      ))
        unread.set(u.spaceId, u.newPosts);
    const links = pageLinks(siteHref.home(frame.ws), cursor, spaces.nextCursor);
    return send(c, homePage(frame, spaces.items, unread, links), member !== null);
  };
  site.get('/:ws', home);
  site.get('/:ws/', home);

  site.get('/:ws/s/:space', async (c) => {
    const { frame, member, viewer } = await frameOf(ctx, c);
    const cursor = cursorOf(c);
    const space = await getSpace(ctx, viewer, c.req.param('space'));
    const threads = await listThreads(ctx, viewer, space.id, {
      sort: space.kind === 'ideas' ? 'votes' : 'activity',
      limit: THREADS_PER_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const unread = member
      ? await unreadInThreads(
          ctx,
          member,
          threads.items.map((t) => t.id),
        )
      : new Map<string, number>();
    const links = pageLinks(siteHref.space(frame.ws, space.slug), cursor, threads.nextCursor);
    const requestedIn =
      space.kind === 'ideas'
        ? await requestedInCounts(
            ctx,
            frame.ws.id,
            threads.items.map((t) => t.id),
          )
        : new Map<string, number>();
    return send(c, spacePage(frame, space, threads.items, unread, links, requestedIn), member !== null);
  });

  site.get('/:ws/t/:thread', async (c) => {
    const { frame, member, viewer } = await frameOf(ctx, c);
    const cursor = cursorOf(c);
    const threadId = c.req.param('thread');
    const page = await getThread(ctx, viewer, threadId, {
      limit: POSTS_PER_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    const { thread, space } = page;
    const statusChanges = thread.kind === 'idea' ? await ideaStatusChanges(ctx, viewer, thread.id) : [];
    let duplicateOf: { id: string; title: string } | null = null;
    if (thread.duplicateOfThreadId)
      duplicateOf = await visibleThread(ctx.db, viewer, thread.duplicateOfThreadId).then(
        (v) => ({ id: v.thread.id, title: v.thread.title }),
        () => null,
      );
    const requestedIn =
      thread.kind === 'idea'
        ? ((await requestedInCounts(ctx, frame.ws.id, [thread.id])).get(thread.id) ?? 0)
        : 0;
    // Hidden posts (waiting for a moderator) and deleted ones are left out of the public page.
    const posts = page.posts.items.filter((p) => !p.deleted && !p.hidden);
    let acceptedAhead: PostView | null = null;
    if (!cursor && thread.acceptedPostId !== null && !posts.some((p) => p.accepted)) {
      const row = await postRow(ctx.db, frame.ws.id, thread.acceptedPostId).catch(() => null);
      if (row && row.thread_id === thread.id && row.deleted_at === null && row.hidden_at === null)
        acceptedAhead = toPostView(row, await authorsOf(ctx.db, frame.ws.id, [row]), {
          acceptedPostId: thread.acceptedPostId,
          showHidden: false,
        });
    }
    const opening = posts.find((p) => p.number === 1);
    const description = opening ? excerpt(opening.bodyMarkdown, '', 200) : thread.title;
    const links = pageLinks(siteHref.thread(frame.ws, thread.id), cursor, page.posts.nextCursor);
    // A member's page has their buttons, and opening it reads what it shows.
    const writer = member ? await threadWriter(ctx, member, frame.formToken ?? '', page) : undefined;
    if (member) await readThreadPage(ctx, member, page);
    return send(
      c,
      threadPage(frame, {
        space,
        thread,
        posts,
        statusChanges,
        duplicateOf,
        acceptedAhead,
        requestedIn,
        links,
        description,
        ...(writer ? { writer } : {}),
      }),
      member !== null,
    );
  });

  site.get('/:ws/u/:username', async (c) => {
    const { frame, member } = await frameOf(ctx, c);
    const profile = await publicProfile(ctx, frame.ws.id, c.req.param('username'));
    const posts = await recentPostsOf(ctx, frame.ws.id, profile.id);
    return send(c, memberPage(frame, profile, posts), member !== null);
  });

  site.get('/:ws/search', async (c) => {
    const { frame, member, viewer } = await frameOf(ctx, c);
    frame.canonical = null;
    frame.noindex = true;
    const q = searchInput.safeParse(c.req.query('q') ?? '');
    if (!q.success)
      return send(c, searchPage(frame, '', null, 'Search for at most 200 characters.'), member !== null, 400);
    if (q.data === '') return send(c, searchPage(frame, '', null, null), member !== null);
    const hits = await searchPosts(ctx, viewer, { q: q.data, limit: 20 });
    return send(c, searchPage(frame, q.data, hits, null), member !== null);
  });

  // Everything else under /community is this site's 404, never the web app's fallback page.
  site.get('*', async (c, next) => {
    const [, , slug, section] = c.req.path.split('/');
    // `/community/<workspace>/-/…` are the member pages (sign-in, join: member-routes.ts).
    if (section === '-') return next();
    let ws: SiteWorkspace | null = null;
    try {
      if (slug) ws = await siteWorkspace(ctx, decodeURIComponent(slug));
    } catch {
      ws = null;
    }
    const frame = ws ? { ws, reader: null, canonical: null } : null;
    c.header('Cache-Control', 'no-store');
    return c.html(notFoundPage(frame, 'There is no page at this address.'), 404);
  });

  return site;
}
