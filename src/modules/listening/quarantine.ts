import type { ExpressionBuilder, Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, QuarantineTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { formats } from '../../pipeline/formats.ts';
import { appendToLog, insertLogEntries } from '../../pipeline/ingest-log.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import {
  NO_CONNECTOR,
  QUARANTINE_BULK_LIMIT,
  type QuarantineBulkInput,
  type QuarantineBulkResult,
  type QuarantineFacets,
  type QuarantineFilter,
} from './quarantine-schema.ts';
import type { QuarantineItemView } from './schema.ts';

type Narrowing = Omit<QuarantineFilter, 'status'>;

/** The workspace's items of a status, narrowed by stage, connector and reason where given. */
function matching(
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
  status: QuarantineTable['status'],
  f: Narrowing,
): SelectQueryBuilder<DB, 'quarantine', object> {
  let q = db.selectFrom('quarantine').where('workspace_id', '=', workspaceId).where('status', '=', status);
  if (f.stage !== undefined) q = q.where('stage', '=', f.stage);
  if (f.connectorId === NO_CONNECTOR) q = q.where('connector_id', 'is', null);
  else if (f.connectorId !== undefined) q = q.where('connector_id', '=', f.connectorId);
  if (f.reason !== undefined) q = q.where('reason', '=', f.reason);
  return q;
}

const countAll = (eb: ExpressionBuilder<DB, 'quarantine'>) => eb.fn.countAll<number | string>().as('n');

async function countOf(q: SelectQueryBuilder<DB, 'quarantine', object>): Promise<number> {
  const row = await q.select(countAll).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** A page of the quarantine, newest first, with how many items match the filter in all. */
export async function listQuarantine(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery & QuarantineFilter,
): Promise<Page<QuarantineItemView> & { total: number }> {
  requirePermission(actor, 'listening:manage');
  const base = matching(ctx.db, actor.workspaceId, page.status ?? 'open', page);
  let q = base.selectAll();
  if (page.cursor !== undefined) q = q.where('id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return { ...toPage(rows, page.limit, (r) => Number(r.id), toQuarantineView), total: await countOf(base) };
}

/**
 * How the items of a status spread over stages, connectors and (the 20 most frequent) reasons,
 * each counted under the other filters given, so every choice offered finds something.
 */
export async function quarantineFacets(
  ctx: AppContext,
  actor: Actor,
  filter: QuarantineFilter,
): Promise<QuarantineFacets> {
  requirePermission(actor, 'listening:manage');
  const status = filter.status ?? 'open';
  const of = (f: Narrowing) => matching(ctx.db, actor.workspaceId, status, f);
  const [total, stages, connectors, reasons] = await Promise.all([
    countOf(of({})),
    of({ ...filter, stage: undefined })
      .select(['stage as value', countAll])
      .groupBy('stage')
      .orderBy('n', 'desc')
      .orderBy('stage')
      .execute(),
    of({ ...filter, connectorId: undefined })
      .select(['connector_id as value', countAll])
      .groupBy('connector_id')
      .orderBy('n', 'desc')
      .orderBy('connector_id')
      .execute(),
    of({ ...filter, reason: undefined })
      .select(['reason as value', countAll])
      .groupBy('reason')
      .orderBy('n', 'desc')
      .orderBy('reason')
      .limit(20)
      .execute(),
  ]);
  const counted = <V>(rows: { value: V; n: number | string }[]) =>
    rows.map((r) => ({ value: r.value, count: Number(r.n) }));
  return { total, stages: counted(stages), connectors: counted(connectors), reasons: counted(reasons) };
}

function toQuarantineView(r: Selectable<QuarantineTable>): QuarantineItemView {
  return {
    id: Number(r.id),
    connectorId: r.connector_id,
    format: r.format,
    stage: r.stage,
    reason: r.reason,
    payload: r.payload,
    status: r.status,
    createdAt: r.created_at,
  };
}

/** Sends a quarantined item through the pipeline again (after a fix), or drops it for good. */
export async function resolveQuarantined(
  ctx: AppContext,
  actor: Actor,
  id: number,
  action: 'retry' | 'drop',
): Promise<QuarantineItemView> {
  requirePermission(actor, 'listening:manage');
  const row = await ctx.db
    .selectFrom('quarantine')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No quarantined item ${id}`);
  if (row.status !== 'open') throw new AppError('conflict', `Item ${id} is already ${row.status}`);
  const status = action === 'retry' ? ('retried' as const) : ('dropped' as const);
  if (action === 'retry') {
    const format = formats.find((f) => f === row.format);
    if (!format) throw new AppError('conflict', `Item ${id} has an unknown format "${row.format}"`);
    await appendToLog(ctx, [
      { workspaceId: row.workspace_id, connectorId: row.connector_id, format, payload: row.payload },
    ]);
  }
  const resolvedAt = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('quarantine')
      .set({ status, resolved_at: resolvedAt })
      .where('id', '=', id)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: `quarantine.${status}`,
      targetType: 'quarantine',
      targetId: String(id),
      details: { stage: row.stage, reason: row.reason },
    });
  });
  return toQuarantineView({ ...row, status, resolved_at: resolvedAt });
}

/**
 * Retries or drops open items at once: those listed by id, or up to QUARANTINE_BULK_LIMIT of
 * those matching a filter, oldest first (the caller sends it again while `remaining` is above 0).
 * Items already resolved, of another workspace, or (to retry) of a format no longer known are
 * left alone. The status change and the retried items' return to the ingest log commit together,
 * and an item is claimed by flipping its status from open, so two requests never take one twice.
 */
export async function resolveQuarantinedMany(
  ctx: AppContext,
  actor: Actor,
  action: 'retry' | 'drop',
  input: QuarantineBulkInput,
): Promise<QuarantineBulkResult> {
  requirePermission(actor, 'listening:manage');
  const status = action === 'retry' ? ('retried' as const) : ('dropped' as const);
  const candidates = (db: Kysely<DB> | Transaction<DB>) => {
    let q = matching(db, actor.workspaceId, 'open', input.filter ?? {});
    if (input.ids !== undefined) q = q.where('id', 'in', input.ids);
    if (input.filter?.maxId !== undefined) q = q.where('id', '<=', input.filter.maxId);
    // An item of a format the pipeline no longer reads cannot be retried; it stays for a drop.
    if (action === 'retry') q = q.where('format', 'in', [...formats]);
    return q;
  };
  const resolvedAt = ctx.now().toISOString();
  const ids = await ctx.db.transaction().execute(async (trx) => {
    const take = async () => {
      const chosen = await candidates(trx).select('id').orderBy('id').limit(QUARANTINE_BULK_LIMIT).execute();
      if (chosen.length === 0) return { chosen: 0, taken: [] };
      const taken = await trx
        .updateTable('quarantine')
        .set({ status, resolved_at: resolvedAt })
        .where('workspace_id', '=', actor.workspaceId)
        .where('status', '=', 'open')
        .where(
          'id',
          'in',
          chosen.map((r) => Number(r.id)),
        )
        .returning(['id', 'workspace_id', 'connector_id', 'format', 'payload'])
        .execute();
      return { chosen: chosen.length, taken };
    };
    let { chosen, taken } = await take();
    // A request running at once took all these first (PostgreSQL): choose again, so a caller
    // sending the filter again while `remaining` is above 0 is not told that nothing was done.
    for (let tries = 0; taken.length === 0 && chosen > 0 && tries < 3; tries++)
      ({ chosen, taken } = await take());
    taken.sort((a, b) => Number(a.id) - Number(b.id));
    if (action === 'retry')
      await insertLogEntries(
        trx,
        taken.flatMap((r) => {
          const format = formats.find((f) => f === r.format);
          return format
            ? [{ workspaceId: r.workspace_id, connectorId: r.connector_id, format, payload: r.payload }]
            : [];
        }),
        resolvedAt,
      );
    // One entry for the request, naming every item it took: what was dropped cannot come back.
    if (taken.length > 0)
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: `quarantine.${status}`,
        targetType: 'quarantine',
        targetId: taken.length === 1 ? String(taken[0]?.id) : `${taken.length} items`,
        details: { ids: taken.map((r) => Number(r.id)), ...(input.filter ? { filter: input.filter } : {}) },
      });
    return taken.map((r) => Number(r.id));
  });
  return { resolved: ids.length, ids, remaining: await countOf(candidates(ctx.db)) };
}
