/**
 * A segment's members as CSV, JSON or JSON Lines (`rapport customers export --segment …`): one line
 * per customer, paged by keyset so that a segment of 100k customers streams in constant memory.
 */
import type { AppContext } from '../../context.ts';
import type { ExportFormat } from '../../export-format.ts';
import { csvField, type ImportProgress } from '../../pipeline/csv.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { statsOf } from './customer-stats.ts';
import { findSegment, forEachMemberPage } from './segments.ts';

const PAGE = 500;

export type SegmentExportSummary = { segmentId: string; name: string; customers: number; elapsedMs: number };

/**
 * A segment's members as a CSV stream for a download: the segment is found (and the actor's right
 * to export personal data checked) before the first byte, so those failures are ordinary errors;
 * `exportSegmentMembers` records the export in the audit log.
 */
export async function segmentCsvStream(
  ctx: AppContext,
  actor: Actor,
  id: string,
): Promise<{ name: string; body: ReadableStream<Uint8Array> }> {
  requirePermission(actor, 'customers:privacy');
  const segment = await findSegment(ctx, actor, id);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        await exportSegmentMembers(ctx, actor, segment.id, 'csv', (text) =>
          controller.enqueue(encoder.encode(text)),
        );
        controller.close();
      } catch (err) {
        ctx.log.error({ err, segmentId: segment.id }, 'segment export failed');
        controller.error(err);
      }
    },
  });
  return { name: segment.name, body };
}

/**
 * Writes the members of the segment named `idOrName` (an id, or a name) through `write`: id, name,
 * email, lifecycle stage, channels, handles, followers, influence, mentions, positive, negative,
 * created_at, then the attributes. CSV has one `attribute.<key>` column per attribute definition
 * and joins channels and handles with '; '; JSON (one array) and JSON Lines (one object a line)
 * keep numbers as numbers, channels and handles as arrays and the attributes as one object.
 */
export async function exportSegmentMembers(
  ctx: AppContext,
  actor: Actor,
  idOrName: string,
  format: ExportFormat,
  write: (text: string) => void,
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<SegmentExportSummary> {
  requirePermission(actor, 'customers:privacy');
  const started = performance.now();
  const segment = await findSegment(ctx, actor, idOrName);
  // Before the first line is written, whoever asks (a download, the CLI): it is personal data.
  await recordAudit(ctx, ctx.db, {
    workspaceId: actor.workspaceId,
    actorUserId: actor.userId,
    action: 'segment.export',
    targetType: 'segment',
    targetId: segment.id,
    details: { via: actor.via === 'cli' ? 'cli' : 'http', format },
  });
  const definitions = await ctx.db
    .selectFrom('customer_attribute_definitions')
    .select('key')
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('key')
    .execute();
  const keys = definitions.map((d) => d.key);
  const header = [
    'id',
    'name',
    'email',
    'lifecycle_stage',
    'channels',
    'handles',
    'followers',
    'influence',
    'mentions',
    'positive',
    'negative',
    'created_at',
    ...keys.map((k) => `attribute.${k}`),
  ];
  if (format === 'csv') write(`${header.map(csvField).join(',')}\n`);
  else if (format === 'json') write('[');
  let done = 0;
  const total = segment.memberCount;
  await forEachMemberPage(ctx, actor, segment.id, PAGE, async (ids) => {
    const rows = await ctx.db
      .selectFrom('customers')
      .select(['id', 'display_name', 'primary_email', 'lifecycle_stage', 'attributes', 'created_at'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', 'in', ids)
      .execute();
    const identities = await ctx.db
      .selectFrom('identities')
      .select(['customer_id', 'channel', 'handle', 'external_id'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('customer_id', 'in', ids)
      .orderBy('id')
      .execute();
    const stats = await statsOf(ctx.db, actor.workspaceId, ids);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const lines: string[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      if (!r) continue;
      const own = identities.filter((i) => i.customer_id === id);
      const s = stats.get(id);
      const attributes = ctx.dialect.parseJson<Record<string, string | number | boolean | null>>(
        r.attributes,
      );
      const member = {
        id: r.id,
        name: r.display_name,
        email: r.primary_email,
        lifecycle_stage: r.lifecycle_stage,
        channels: [...new Set(own.map((i) => i.channel))],
        handles: own.map((i) => `${i.channel}:${i.handle ?? i.external_id}`),
        followers: s?.followers ?? null,
        influence: s?.influence ?? null,
        mentions: s?.mentions ?? 0,
        positive: s?.positive ?? 0,
        negative: s?.negative ?? 0,
        created_at: r.created_at,
      };
      if (format === 'csv')
        lines.push(
          [
            ...Object.values(member).map((v) => (Array.isArray(v) ? v.join('; ') : v)),
            ...keys.map((k) => attributes[k] ?? null),
          ]
            .map(csvField)
            .join(','),
        );
      else
        lines.push(
          JSON.stringify({
            ...member,
            attributes: Object.fromEntries(keys.map((k) => [k, attributes[k] ?? null])),
          }),
        );
    }
    if (lines.length > 0) {
      if (format === 'csv' || format === 'jsonl') write(`${lines.join('\n')}\n`);
      else write(`${done > 0 ? ',' : ''}\n${lines.join(',\n')}`);
    }
    done += lines.length;
    onProgress({ read: done, total: Math.max(total, done), elapsedMs: performance.now() - started });
  });
  if (format === 'json') write(done > 0 ? '\n]\n' : ']\n');
  return {
    segmentId: segment.id,
    name: segment.name,
    customers: done,
    elapsedMs: performance.now() - started,
  };
}
