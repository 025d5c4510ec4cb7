import type { AppContext } from '../../context.ts';
import { recordAudit } from '../audit/service.ts';
import { MENTION_PATH, type RenderOptions, renderMarkdown } from './render.ts';

/**
 * The options a stored rendering was made with, read back from it: whether its author could post
 * links and images then (it holds a link that is not a mention, or an image), and whom it linked
 * as mentions. Not the author's allowances now: a repair must not link what a newcomer wrote
 * before they were trusted, nor turn an `@name` into a mention of a member who joined since.
 */
export function renderedWith(html: string): RenderOptions {
  let allowLinks = false;
  const mentionable = new Set<string>();
  for (const [, attrs = ''] of html.matchAll(/<a\s([^>]*)>/g)) {
    const href = /\bhref="([^"]*)"/.exec(attrs)?.[1];
    if (href === undefined) continue;
    if (/\bclass="mention"/.test(attrs) && href.startsWith(MENTION_PATH)) {
      const name = safeDecode(href.slice(MENTION_PATH.length));
      if (name) mentionable.add(name.toLowerCase());
    } else allowLinks = true;
  }
  return { allowLinks, allowImages: /<img\s/.test(html), mentionable };
}

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export type RerenderSummary = {
  /** Posts looked at: every post not deleted, in the workspaces asked for. */
  posts: number;
  /** Of those, the ones whose stored HTML differed from the current rendering (and were rewritten, unless a dry run). */
  changed: number;
  /** Changed posts by workspace id, for workspaces with any. */
  changedByWorkspace: Record<string, number>;
};

const BATCH = 500;

/**
 * Renders every stored community post (questions, replies, ideas, knowledge-base articles,
 * announcements: all are posts) again from its Markdown with the current renderer, and stores
 * the HTML where it differs. Repairs HTML an older renderer wrote, such as the mention links that
 * a refused link before them left closed by a stray `</span>`. Deleted posts hold no text and are
 * left alone; the post is not marked edited. Audited per workspace that changed.
 */
export async function rerenderPosts(
  ctx: AppContext,
  opts: { workspaceId?: string; dryRun?: boolean } = {},
): Promise<RerenderSummary> {
  const summary: RerenderSummary = { posts: 0, changed: 0, changedByWorkspace: {} };
  let after = 0;
  for (;;) {
    let q = ctx.db
      .selectFrom('community_posts')
      .select(['id', 'workspace_id', 'body_markdown', 'body_html'])
      .where('deleted_at', 'is', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH);
    if (opts.workspaceId) q = q.where('workspace_id', '=', opts.workspaceId);
    const rows = await q.execute();
    if (rows.length === 0) break;
    after = Number(rows.at(-1)?.id);
    summary.posts += rows.length;
    const changes = rows.flatMap((r) => {
      const html = renderMarkdown(r.body_markdown, renderedWith(r.body_html)).html;
      return html === r.body_html ? [] : [{ ...r, html }];
    });
    for (const c of changes) {
      summary.changed++;
      summary.changedByWorkspace[c.workspace_id] = (summary.changedByWorkspace[c.workspace_id] ?? 0) + 1;
    }
    if (opts.dryRun || changes.length === 0) continue;
    await ctx.db.transaction().execute(async (trx) => {
      // Only if nobody edited the post meanwhile: an edit has rendered it anew already.
      for (const c of changes)
        await trx
          .updateTable('community_posts')
          .set({ body_html: c.html })
          .where('id', '=', c.id)
          .where('body_html', '=', c.body_html)
          .where('body_markdown', '=', c.body_markdown)
          .execute();
    });
  }
  if (!opts.dryRun)
    for (const [workspaceId, changed] of Object.entries(summary.changedByWorkspace))
      await recordAudit(ctx, ctx.db, {
        workspaceId,
        actorUserId: 'cli',
        action: 'community.posts_rerendered',
        targetType: 'workspace',
        targetId: workspaceId,
        details: { changed },
      });
  return summary;
}
