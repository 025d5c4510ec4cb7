import type { Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { workspaceChannels } from '../../db/distinct-values.ts';
import type { DB, MentionsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { linksInText } from '../../pipeline/formats.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { QuerySyntaxError } from './boolean-query/errors.ts';
import { compileQuery } from './boolean-query/matcher.ts';
import { prepareItem } from './boolean-query/prepare.ts';
import type { ListeningQueryView, MentionFilters, MentionView } from './schema.ts';

type MentionRow = Selectable<MentionsTable> & {
  author_handle: string | null;
  author_display_name: string | null;
  author_followers: number | null;
  author_profile_url: string | null;
  author_avatar_url: string | null;
  author_channel: string | null;
};

function toQueryView(r: {
  id: string;
  name: string;
  query: string;
  enabled: number;
  created_at: string;
  updated_at: string;
}): ListeningQueryView {
  return {
    id: r.id,
    name: r.name,
    query: r.query,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Compiles a query or throws `validation_failed` with the position and what was expected. */
function validateQuery(source: string) {
  try {
    return compileQuery(source);
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    throw new AppError('validation_failed', `Invalid query: ${err.message}`, {
      fields: [{ path: 'query', message: err.message }],
      position: err.position,
      expected: err.expected,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Listening queries

export async function listQueries(ctx: AppContext, actor: Actor): Promise<ListeningQueryView[]> {
  requirePermission(actor, 'listening:read');
  const rows = await ctx.db
    .selectFrom('listening_queries')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('id')
    .execute();
  return rows.map(toQueryView);
}

/** How names compare: "Brand ", "brand" and "BRAND" are one name. */
function nameKey(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

/**
 * Refuses a name another query of the workspace has, ignoring case and surrounding spaces: the
 * query picker, the volumes chart and rules name queries by it. A check in the service rather
 * than a unique index, because databases from before it may hold duplicates and an index would
 * make their migration fail; renaming one of those, or saving it under its own name, still works.
 * It runs inside the writing transaction, after holding the workspace row (PostgreSQL; SQLite has
 * one writer), so two saves of one name at the same instant cannot both pass.
 */
async function checkNameFree(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  name: string,
  except?: string,
): Promise<void> {
  await ctx.dialect
    .lockForUpdate(trx.selectFrom('workspaces').select('id').where('id', '=', workspaceId))
    .execute();
  const rows = await trx
    .selectFrom('listening_queries')
    .select(['id', 'name'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  const taken = rows.find((r) => r.id !== except && nameKey(r.name) === nameKey(name));
  if (taken)
    throw new AppError('conflict', `A listening query named "${taken.name}" already exists`, {
      fields: [{ path: 'name', message: `already used by the query "${taken.name}"` }],
      queryId: taken.id,
    });
}

export async function createQuery(
  ctx: AppContext,
  actor: Actor,
  input: { name: string; query: string; enabled: boolean },
): Promise<ListeningQueryView> {
  requirePermission(actor, 'listening:manage');
  validateQuery(input.query);
  const now = ctx.now().toISOString();
  const row = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    name: input.name.trim(),
    query: input.query,
    enabled: input.enabled ? 1 : 0,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await checkNameFree(ctx, trx, actor.workspaceId, row.name);
    await trx.insertInto('listening_queries').values(row).execute();
  });
  return toQueryView(row);
}

export async function updateQuery(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: { name?: string | undefined; query?: string | undefined; enabled?: boolean | undefined },
): Promise<ListeningQueryView> {
  requirePermission(actor, 'listening:manage');
  if (patch.query !== undefined) validateQuery(patch.query);
  return ctx.db.transaction().execute(async (trx) => {
    const existing = await trx
      .selectFrom('listening_queries')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (!existing) throw new AppError('not_found', `No listening query ${id}`);
    const name = patch.name?.trim() ?? existing.name;
    // Only a new name is checked, so a query that already shares its name with another (saved
    // before names were checked) can still be edited without being renamed.
    if (nameKey(name) !== nameKey(existing.name)) await checkNameFree(ctx, trx, actor.workspaceId, name, id);
    const next = {
      ...existing,
      name,
      query: patch.query ?? existing.query,
      enabled: patch.enabled === undefined ? existing.enabled : patch.enabled ? 1 : 0,
      updated_at: ctx.now().toISOString(),
    };
    await trx
      .updateTable('listening_queries')
      .set({ name: next.name, query: next.query, enabled: next.enabled, updated_at: next.updated_at })
      .where('id', '=', id)
      .execute();
    return toQueryView(next);
  });
}

export async function deleteQuery(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'listening:manage');
  const result = await ctx.db
    .deleteFrom('listening_queries')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numDeletedRows) === 0) throw new AppError('not_found', `No listening query ${id}`);
}

/** The preview's chart shows at most this many days, the latest. */
const PREVIEW_MAX_DAYS = 92;

/**
 * Matches per day over the days the sample covers (oldest to newest, at most the latest
 * PREVIEW_MAX_DAYS), days without a match included, so the chart's bars stand for days.
 */
function everyDay(counts: Map<string, number>, sampledDays: string[]): { day: string; count: number }[] {
  if (sampledDays.length === 0) return [];
  const sorted = [...sampledDays].sort();
  const dayMs = 86_400_000;
  const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
  const first = Math.max(Date.parse(`${sorted[0]}T00:00:00Z`), last - (PREVIEW_MAX_DAYS - 1) * dayMs);
  const out: { day: string; count: number }[] = [];
  for (let t = first; t <= last; t += dayMs) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ day, count: counts.get(day) ?? 0 });
  }
  return out;
}

/**
 * Which of the latest `sample` stored mentions a query would match, and how many per day: the
 * live preview of the query editor. Runs the same compiled matcher as the pipeline.
 */
export async function previewQuery(
  ctx: AppContext,
  actor: Actor,
  input: { query: string; sample: number },
): Promise<{
  sampled: number;
  matched: number;
  perDay: { day: string; count: number }[];
  examples: MentionView[];
}> {
  requirePermission(actor, 'listening:read');
  const compiled = validateQuery(input.query);
  const rows = await ctx.heavy.all(
    mentionSelect(ctx, actor.workspaceId)
      .where('mentions.deleted_at', 'is', null)
      .orderBy('mentions.id', 'desc')
      .limit(input.sample),
  );
  const perDay = new Map<string, number>();
  const matchedRows: MentionRow[] = [];
  for (const row of rows) {
    const item = prepareItem({
      text: row.text,
      authorHandle: row.author_handle,
      language: row.language,
      channel: row.channel,
      // What the pipeline matched on: the links in the text and those stored beside it (Bluesky
      // facets and cards, Mastodon anchors). Not the mention's own address (`row.url`).
      urls: linksOf(ctx, row),
    });
    if (!compiled.matches(item)) continue;
    matchedRows.push(row);
    const day = row.created_at.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return {
    sampled: rows.length,
    matched: matchedRows.length,
    perDay: everyDay(
      perDay,
      rows.map((r) => r.created_at.slice(0, 10)),
    ),
    examples: (await withQueryIds(ctx, matchedRows.slice(0, 20))).map(toMentionView(ctx)),
  };
}

// ---------------------------------------------------------------------------------------------
// Mentions

function mentionSelect(ctx: AppContext, workspaceId: string) {
  return ctx.db
    .selectFrom('mentions')
    .leftJoin('authors', 'authors.id', 'mentions.author_id')
    .selectAll('mentions')
    .select([
      'authors.handle as author_handle',
      'authors.display_name as author_display_name',
      'authors.followers as author_followers',
      'authors.profile_url as author_profile_url',
      'authors.avatar_url as author_avatar_url',
      'authors.channel as author_channel',
    ])
    .where('mentions.workspace_id', '=', workspaceId);
}

type RowWithQueries = MentionRow & { queryIds: string[] };

async function withQueryIds(ctx: AppContext, rows: MentionRow[]): Promise<RowWithQueries[]> {
  if (rows.length === 0) return [];
  const links = await ctx.db
    .selectFrom('mention_queries')
    .select(['mention_id', 'query_id'])
    .where(
      'mention_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  const byMention = new Map<number, string[]>();
  for (const l of links)
    byMention.set(Number(l.mention_id), [...(byMention.get(Number(l.mention_id)) ?? []), l.query_id]);
  return rows.map((r) => ({ ...r, queryIds: byMention.get(Number(r.id)) ?? [] }));
}

/** A stored post's links: those written in its text, then those it carried beside it. */
function linksOf(ctx: AppContext, row: Pick<MentionRow, 'text' | 'links'>): string[] {
  const beside = row.links === null ? [] : (ctx.dialect.parseJson<string[]>(row.links) ?? []);
  return [...new Set([...linksInText(row.text), ...beside])];
}

function toMentionView(ctx: AppContext) {
  return (r: RowWithQueries): MentionView => ({
    id: Number(r.id),
    channel: r.channel,
    externalId: r.external_id,
    url: r.url,
    text: r.text,
    links: linksOf(ctx, r),
    language: r.language,
    createdAt: r.created_at,
    receivedAt: r.received_at,
    replyTo: r.reply_to,
    threadRoot: r.thread_root,
    engagement: ctx.dialect.parseJson<Record<string, number>>(r.engagement),
    sentiment: r.sentiment,
    intents: r.intents ? r.intents.split(' ') : [],
    urgency: r.urgency,
    topicIds: r.topics ? r.topics.split(' ') : [],
    analysis: ctx.dialect.parseJson<Record<string, unknown>>(r.analysis),
    queryIds: r.queryIds,
    deleted: r.deleted_at !== null,
    edited: r.edited_at !== null,
    disposition:
      r.disposition === null || r.disposition_at === null
        ? null
        : {
            mentionId: Number(r.id),
            disposition: r.disposition as 'case' | 'lead' | 'answered' | 'dismissed',
            reason: r.disposition_reason,
            caseId: r.case_id,
            at: r.disposition_at,
            by: r.disposition_by,
          },
    author:
      r.author_id === null || r.author_handle === null
        ? null
        : {
            id: Number(r.author_id),
            channel: r.author_channel ?? r.channel,
            handle: r.author_handle,
            displayName: r.author_display_name,
            followers: r.author_followers,
            profileUrl: r.author_profile_url,
            avatarUrl: r.author_avatar_url,
          },
  });
}

/** The workspace's mentions, newest first, filtered; deleted posts are left out. */
export async function listMentions(
  ctx: AppContext,
  actor: Actor,
  filters: MentionFilters & PageQuery,
): Promise<Page<MentionView>> {
  requirePermission(actor, 'listening:read');
  let q = filteredMentions(ctx, actor.workspaceId, filters);
  if (filters.cursor !== undefined) q = q.where('mentions.id', '<', Number(decodeCursor(filters.cursor)));
  const rows = await q
    .orderBy('mentions.id', 'desc')
    .limit(filters.limit + 1)
    .execute();
  const page = toPage(
    rows,
    filters.limit,
    (r) => Number(r.id),
    (r) => r,
  );
  return {
    items: (await withQueryIds(ctx, page.items)).map(toMentionView(ctx)),
    nextCursor: page.nextCursor,
  };
}

/** The workspace's stored posts that `filters` select (deleted ones left out), with their authors. */
export function filteredMentions(ctx: AppContext, workspaceId: string, filters: MentionFilters) {
  let q = mentionSelect(ctx, workspaceId).where('mentions.deleted_at', 'is', null);
  if (filters.channel) q = q.where('mentions.channel', '=', filters.channel);
  if (filters.language) q = q.where('mentions.language', '=', filters.language);
  if (filters.sentiment) q = q.where('mentions.sentiment', '=', filters.sentiment);
  // Space-separated lists: match a whole word of the list.
  for (const [column, value] of [
    ['mentions.intents', filters.intent],
    ['mentions.topics', filters.topic],
    ['mentions.classes', filters.class],
  ] as const) {
    if (!value) continue;
    q = q.where((eb) =>
      eb.or([
        eb(column, '=', value),
        eb(column, 'like', `${value} %`),
        eb(column, 'like', `% ${value}`),
        eb(column, 'like', `% ${value} %`),
      ]),
    );
  }
  if (filters.minUrgency !== undefined) q = q.where('mentions.urgency', '>=', filters.minUrgency);
  if (filters.queryId) {
    const queryId = filters.queryId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('mention_queries')
          .select('mention_queries.mention_id')
          .whereRef('mention_queries.mention_id', '=', 'mentions.id')
          .where('mention_queries.query_id', '=', queryId),
      ),
    );
  }
  if (filters.search) q = q.where(ctx.dialect.fullTextMatch('mentions', 'text', filters.search));
  return q;
}

export async function mentionsByIds(
  ctx: AppContext,
  workspaceId: string,
  ids: number[],
): Promise<MentionView[]> {
  if (ids.length === 0) return [];
  const rows = await mentionSelect(ctx, workspaceId)
    .where('mentions.id', 'in', ids)
    .orderBy('mentions.id')
    .execute();
  return (await withQueryIds(ctx, rows)).map(toMentionView(ctx));
}

/** A case's stored posts (deleted ones left out), oldest first, at most `limit`. */
export async function mentionsOfCase(
  ctx: AppContext,
  workspaceId: string,
  caseId: string,
  limit: number,
): Promise<MentionView[]> {
  // The posts and the listening queries each matched, in one statement (the case page sends a
  // dozen): the posts as a subquery, their query links left-joined, a post's rows adjacent.
  const posts = mentionSelect(ctx, workspaceId)
    .where('mentions.case_id', '=', caseId)
    .where('mentions.deleted_at', 'is', null)
    .orderBy('mentions.created_at')
    .orderBy('mentions.id')
    .limit(limit);
  const rows = await ctx.db
    .selectFrom(posts.as('m'))
    .leftJoin('mention_queries', 'mention_queries.mention_id', 'm.id')
    .selectAll('m')
    .select('mention_queries.query_id as linked_query_id')
    .orderBy('m.created_at')
    .orderBy('m.id')
    .orderBy('mention_queries.query_id')
    .execute();
  const out: RowWithQueries[] = [];
  for (const { linked_query_id, ...row } of rows) {
    const last = out[out.length - 1];
    if (last && last.id === row.id) {
      if (linked_query_id !== null) last.queryIds.push(linked_query_id);
    } else out.push({ ...row, queryIds: linked_query_id === null ? [] : [linked_query_id] });
  }
  return out.map(toMentionView(ctx));
}

/** A mention with its whole thread (root and every reply seen), oldest first. */
export async function mentionThread(
  ctx: AppContext,
  actor: Actor,
  id: number,
): Promise<{ mention: MentionView; thread: MentionView[] }> {
  requirePermission(actor, 'listening:read');
  const row = await mentionSelect(ctx, actor.workspaceId).where('mentions.id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No mention ${id}`);
  const root = row.thread_root ?? row.external_id;
  const rows = await mentionSelect(ctx, actor.workspaceId)
    .where('mentions.channel', '=', row.channel)
    .where((eb) => eb.or([eb('mentions.thread_root', '=', root), eb('mentions.external_id', '=', root)]))
    .orderBy('mentions.created_at')
    .orderBy('mentions.id')
    .limit(500)
    .execute();
  const views = (await withQueryIds(ctx, rows)).map(toMentionView(ctx));
  const [mention] = (await withQueryIds(ctx, [row])).map(toMentionView(ctx));
  if (!mention) throw new AppError('not_found', `No mention ${id}`);
  return { mention, thread: views };
}

/** The channels Rapport's own connectors store posts under, offered before any post arrives. */
export const knownChannels = ['bluesky', 'mastodon', 'rss', 'webhook', 'import', 'email'] as const;

/**
 * The channels to filter mentions by: the known ones, then every other channel the workspace's
 * stored mentions came from (an import's `--channel twitter`, a feed's or a webhook's own), A to Z.
 */
export async function mentionChannels(ctx: AppContext, actor: Actor): Promise<string[]> {
  requirePermission(actor, 'listening:read');
  const stored = await workspaceChannels(ctx.db, 'mentions', actor.workspaceId);
  const known: readonly string[] = knownChannels;
  return [...known, ...stored.filter((c) => !known.includes(c))];
}

/** Mentions per listening query per UTC day over the last `days` days, for sparklines. */
export async function queryVolumes(
  ctx: AppContext,
  actor: Actor,
  days: number,
): Promise<{ queryId: string; day: string; count: number }[]> {
  requirePermission(actor, 'listening:read');
  const since = new Date(ctx.now().getTime() - days * 24 * 3600_000).toISOString();
  const rows = await ctx.heavy.all(
    ctx.db
      .selectFrom('mention_queries')
      .innerJoin('mentions', 'mentions.id', 'mention_queries.mention_id')
      .select((eb) => [
        'mention_queries.query_id as queryId',
        ctx.dialect.dateBucket(eb.ref('mentions.created_at'), 'day').as('day'),
        eb.fn.countAll<number>().as('count'),
      ])
      .where('mention_queries.workspace_id', '=', actor.workspaceId)
      .where('mentions.created_at', '>=', since)
      .groupBy(['mention_queries.query_id', 'day'])
      .orderBy('day'),
  );
  return rows.map((r) => ({ queryId: r.queryId, day: r.day.slice(0, 10), count: Number(r.count) }));
}
