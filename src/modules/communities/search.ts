import type { AppContext } from '../../context.ts';
import { authorsOf, checkViewer, seesEverything, type Viewer, visibleSpace } from './access.ts';
import { type SearchHit, type SearchQuery, searchQuery } from './schema.ts';

/**
 * Ranked full-text search over the community's posts and thread titles (FTS5 bm25 on SQLite,
 * ts_rank on PostgreSQL, through the dialect): every word must occur in a post, or in a title
 * (the thread's opening post is the hit, listed first); deleted and hidden posts, posts of
 * deleted or hidden threads, and (for members and visitors) closed spaces are never found. The
 * best `limit` hits only: a search is refined, not paged.
 */
export async function searchPosts(ctx: AppContext, viewer: Viewer, input: SearchQuery): Promise<SearchHit[]> {
  checkViewer(viewer);
  const valid = searchQuery.parse(input);
  const space = valid.spaceId === undefined ? undefined : await visibleSpace(ctx.db, viewer, valid.spaceId);
  // Rank inside the full-text index and look only at the best candidates: most of them are
  // findable (deleted, hidden and closed posts are few), so a few times the limit nearly always
  // suffices. When the filters reject too many (a search in one space of many), look again at
  // four times as many, and past a few thousand rank every match in one joined query.
  let rows: Hit[] | undefined;
  for (let best = Math.max(50, valid.limit * 4); best <= MAX_CANDIDATES && !rows; best *= 4) {
    const candidates = await ctx.db
      .selectFrom(ctx.dialect.fullTextScores('community_posts', 'body_markdown', valid.q, best).as('fts'))
      .select(['fts.id', 'fts.score'])
      .execute();
    const scores = new Map(candidates.map((c) => [Number(c.id), Number(c.score)]));
    const found =
      scores.size === 0
        ? []
        : (
            await findable(ctx, viewer, space?.id)
              .where('community_posts.id', 'in', [...scores.keys()])
              .execute()
          ).map((r) => ({ ...r, score: scores.get(Number(r.id)) ?? 0 }));
    if (found.length >= valid.limit || candidates.length < best)
      rows = found.sort((x, y) => y.score - x.score || Number(y.id) - Number(x.id)).slice(0, valid.limit);
  }
  rows ??= (
    await findable(ctx, viewer, space?.id)
      .innerJoin(
        ctx.dialect.fullTextScores('community_posts', 'body_markdown', valid.q).as('fts'),
        'fts.id',
        'community_posts.id',
      )
      .select('fts.score')
      .orderBy('fts.score', 'desc')
      .orderBy('community_posts.id', 'desc')
      .limit(valid.limit)
      .execute()
  ).map((r) => ({ ...r, score: Number(r.score) }));
  // A thread found by its title is found at its opening post, ahead of the posts that only say
  // the words: the title is what the thread is about.
  const titled = await findable(ctx, viewer, space?.id)
    .where('community_posts.number', '=', 1)
    .where(ctx.dialect.fullTextMatch('community_threads', 'title', valid.q, 'rowid'))
    .orderBy('community_posts.id', 'desc')
    .limit(valid.limit)
    .execute();
  if (titled.length > 0) {
    const scored = new Map(rows.map((r) => [Number(r.id), r]));
    const first = titled.map((r) => scored.get(Number(r.id)) ?? { ...r, score: 0 });
    const seen = new Set(first.map((r) => Number(r.id)));
    rows = [...first, ...rows.filter((r) => !seen.has(Number(r.id)))].slice(0, valid.limit);
  }
  const authors = await authorsOf(ctx.db, viewer.workspaceId, rows);
  return rows.map((r) => {
    const key = r.author_member_id
      ? `m:${r.author_member_id}`
      : r.author_user_id
        ? `u:${r.author_user_id}`
        : null;
    return {
      postId: Number(r.id),
      postNumber: Number(r.number),
      threadId: r.thread_id,
      threadTitle: r.thread_title,
      spaceId: r.space_id,
      spaceTitle: r.space_title,
      author: (key && authors.get(key)) || null,
      excerpt: excerpt(r.body_markdown, valid.q),
      createdAt: r.created_at,
      score: r.score,
    };
  });
}

const MAX_CANDIDATES = 3200;

type Hit = Awaited<ReturnType<ReturnType<typeof findable>['execute']>>[number] & { score: number };

/** Posts a search may show this viewer: live posts of live threads, in open spaces unless staff. */
function findable(ctx: AppContext, viewer: Viewer, spaceId: string | undefined) {
  let q = ctx.db
    .selectFrom('community_posts')
    .innerJoin('community_threads', 'community_threads.id', 'community_posts.thread_id')
    .innerJoin('community_spaces', 'community_spaces.id', 'community_threads.space_id')
    .select([
      'community_posts.id',
      'community_posts.number',
      'community_posts.thread_id',
      'community_posts.body_markdown',
      'community_posts.created_at',
      'community_posts.author_member_id',
      'community_posts.author_user_id',
      'community_threads.title as thread_title',
      'community_threads.space_id',
      'community_spaces.title as space_title',
    ])
    .where('community_posts.workspace_id', '=', viewer.workspaceId)
    .where('community_posts.deleted_at', 'is', null)
    .where('community_posts.hidden_at', 'is', null)
    .where('community_threads.deleted_at', 'is', null)
    .where('community_threads.hidden_at', 'is', null);
  if (!seesEverything(viewer)) q = q.where('community_spaces.closed_at', 'is', null);
  if (spaceId !== undefined) q = q.where('community_threads.space_id', '=', spaceId);
  return q;
}

/** About 160 characters of the post's text around the first word searched for, without Markdown marks. */
export function excerpt(markdown: string, query: string, width = 160): string {
  // Only Markdown's marks go: a heading's #s and a quote's > at a line's start, emphasis and code
  // marks, and _ at a word's edge, so @qa_mia and #20 stay as written.
  const text = markdown
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/^[ \t]*(?:#{1,6}|>+)(?=\s|$)/gm, ' ')
    .replace(/[*`~]+/g, ' ')
    .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const words =
    query
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  const lower = text.toLowerCase();
  const at =
    words
      .map((w) => lower.indexOf(w))
      .filter((i) => i >= 0)
      .sort((a, b) => a - b)[0] ?? 0;
  const start = Math.max(0, at - Math.floor(width / 3));
  const end = Math.min(text.length, start + width);
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}
