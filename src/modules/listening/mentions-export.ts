/**
 * Stored posts as CSV, JSON or JSON Lines (`GET /mentions/export`, `rapport mentions export`): the
 * listening view's filters and a time window, newest first, read in keyset pages so that a year of
 * posts streams in constant memory.
 */
import { z } from '@hono/zod-openapi';
import type { AppContext } from '../../context.ts';
import { type ExportFormat, streamOfChunks } from '../../export-format.ts';
import { csvField, type ImportProgress } from '../../pipeline/csv.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { mentionFilters } from './schema.ts';
import { filteredMentions } from './service.ts';

const PAGE = 1000;

const moment = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v).toISOString())
  .optional();

export const mentionExportFilters = mentionFilters.extend({
  since: moment.openapi({ description: 'posts written at or after this moment' }),
  until: moment.openapi({ description: 'posts written before this moment' }),
});
export type MentionExportFilters = z.infer<typeof mentionExportFilters>;

export type MentionExportSummary = { mentions: number; elapsedMs: number };

export const mentionExportColumns = [
  'id',
  'created_at',
  'channel',
  'url',
  'author_handle',
  'author_name',
  'author_followers',
  'language',
  'sentiment',
  'intents',
  'topics',
  'urgency',
  'queries',
  'disposition',
  'disposition_reason',
  'case_number',
  'reply_to',
  'text',
] as const;

function selected(ctx: AppContext, workspaceId: string, filters: MentionExportFilters) {
  let q = filteredMentions(ctx, workspaceId, filters);
  if (filters.since) q = q.where('mentions.created_at', '>=', filters.since);
  if (filters.until) q = q.where('mentions.created_at', '<', filters.until);
  return q;
}

/** The columns a line is made of: not the analysis and engagement JSON a post also carries. */
function exportedRows(ctx: AppContext, workspaceId: string, filters: MentionExportFilters) {
  return selected(ctx, workspaceId, filters)
    .clearSelect()
    .select([
      'mentions.id',
      'mentions.created_at',
      'mentions.channel',
      'mentions.url',
      'mentions.language',
      'mentions.sentiment',
      'mentions.intents',
      'mentions.topics',
      'mentions.urgency',
      'mentions.disposition',
      'mentions.disposition_reason',
      'mentions.case_id',
      'mentions.reply_to',
      'mentions.text',
      'authors.handle as author_handle',
      'authors.display_name as author_display_name',
      'authors.followers as author_followers',
    ]);
}

/**
 * Writes the posts `filters` select through `write`, newest first: one CSV line or JSON object per
 * post with the columns of `mentionExportColumns`. Topics and listening queries are given by name;
 * in JSON, intents, topics and queries are arrays and numbers stay numbers. The export is audited.
 */
export async function exportMentions(
  ctx: AppContext,
  actor: Actor,
  filters: MentionExportFilters,
  format: ExportFormat,
  write: (text: string) => void,
  onProgress: (p: ImportProgress) => void = () => {},
  pageSize = PAGE,
): Promise<MentionExportSummary> {
  const started = performance.now();
  let mentions = 0;
  const progress = (p: ImportProgress) => {
    mentions = p.read;
    onProgress(p);
  };
  for await (const chunk of exportChunks(ctx, actor, filters, format, progress, pageSize)) write(chunk);
  return { mentions, elapsedMs: performance.now() - started };
}

/** The export's text, a page of posts at a time (a consumer that waits holds up the reads). */
async function* exportChunks(
  ctx: AppContext,
  actor: Actor,
  filters: MentionExportFilters,
  format: ExportFormat,
  onProgress: ((p: ImportProgress) => void) | undefined,
  pageSize = PAGE,
): AsyncGenerator<string> {
  requirePermission(actor, 'listening:read');
  const started = performance.now();
  await recordAudit(ctx, ctx.db, {
    workspaceId: actor.workspaceId,
    actorUserId: actor.userId,
    action: 'mentions.export',
    targetType: 'workspace',
    targetId: actor.workspaceId,
    details: { via: actor.via === 'cli' ? 'cli' : 'http', format, filters },
  });
  // The total is for a progress bar; a download has none, and is spared the count.
  const counted =
    onProgress &&
    (await selected(ctx, actor.workspaceId, filters)
      .clearSelect()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst());
  const total = Number(counted?.n ?? 0);
  const [topics, queries] = await Promise.all([
    ctx.db
      .selectFrom('topics')
      .select(['id', 'name'])
      .where('workspace_id', '=', actor.workspaceId)
      .execute(),
    ctx.db
      .selectFrom('listening_queries')
      .select(['id', 'name'])
      .where('workspace_id', '=', actor.workspaceId)
      .execute(),
  ]);
  const topicName = new Map(topics.map((t) => [t.id, t.name]));
  const queryName = new Map(queries.map((q) => [q.id, q.name]));

  if (format === 'csv') yield `${mentionExportColumns.join(',')}\n`;
  else if (format === 'json') yield '[';
  let done = 0;
  let before: number | undefined;
  for (;;) {
    let q = exportedRows(ctx, actor.workspaceId, filters);
    if (before !== undefined) q = q.where('mentions.id', '<', before);
    const rows = await q.orderBy('mentions.id', 'desc').limit(pageSize).execute();
    if (rows.length === 0) break;
    before = Number(rows[rows.length - 1]?.id);
    const ids = rows.map((r) => r.id);
    const caseIds = [...new Set(rows.flatMap((r) => (r.case_id ? [r.case_id] : [])))];
    const [links, cases] = await Promise.all([
      ctx.db
        .selectFrom('mention_queries')
        .select(['mention_id', 'query_id'])
        .where('mention_id', 'in', ids)
        .execute(),
      caseIds.length === 0
        ? Promise.resolve([])
        : ctx.db
            .selectFrom('cases')
            .select(['id', 'number'])
            .where('workspace_id', '=', actor.workspaceId)
            .where('id', 'in', caseIds)
            .execute(),
    ]);
    const queriesOf = new Map<number, string[]>();
    for (const l of links) {
      const name = queryName.get(l.query_id);
      if (name === undefined) continue;
      const id = Number(l.mention_id);
      queriesOf.set(id, [...(queriesOf.get(id) ?? []), name]);
    }
    const caseNumber = new Map(cases.map((c) => [c.id, Number(c.number)]));
    const lines = rows.map((r) => {
      const post = {
        id: Number(r.id),
        created_at: r.created_at,
        channel: r.channel,
        url: r.url,
        author_handle: r.author_handle,
        author_name: r.author_display_name,
        author_followers: r.author_followers === null ? null : Number(r.author_followers),
        language: r.language,
        sentiment: r.sentiment,
        intents: r.intents ? r.intents.split(' ') : [],
        topics: r.topics ? r.topics.split(' ').map((t) => topicName.get(t) ?? t) : [],
        urgency: r.urgency === null ? null : Number(r.urgency),
        queries: (queriesOf.get(Number(r.id)) ?? []).sort(),
        disposition: r.disposition,
        disposition_reason: r.disposition_reason,
        case_number: r.case_id ? (caseNumber.get(r.case_id) ?? null) : null,
        reply_to: r.reply_to,
        text: r.text,
      };
      if (format !== 'csv') return JSON.stringify(post);
      return mentionExportColumns
        .map((k) => {
          const v = post[k];
          return csvField(Array.isArray(v) ? v.join('; ') : v);
        })
        .join(',');
    });
    if (format === 'json') yield `${done > 0 ? ',' : ''}\n${lines.join(',\n')}`;
    else yield `${lines.join('\n')}\n`;
    done += rows.length;
    onProgress?.({ read: done, total: Math.max(total, done), elapsedMs: performance.now() - started });
    if (rows.length < pageSize) break;
  }
  if (format === 'json') yield done > 0 ? '\n]\n' : ']\n';
}

/**
 * The export as a stream for a download, read as the client takes it: permission is checked before
 * the first byte, so a refusal is an ordinary error; a failure midway ends the stream with an error.
 */
export function mentionExportStream(
  ctx: AppContext,
  actor: Actor,
  filters: MentionExportFilters,
  format: ExportFormat,
): ReadableStream<Uint8Array> {
  requirePermission(actor, 'listening:read');
  return streamOfChunks(ctx.log, exportChunks(ctx, actor, filters, format, undefined), 'mention export');
}
