import type { Kysely, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { AuditLogTable, DB } from '../../db/schema.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import type { AuditEntryView } from '../auth/schema.ts';

export type AuditEntry = {
  workspaceId: string;
  actorUserId: string | null;
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
};

function toAuditView(ctx: AppContext, r: Selectable<AuditLogTable>): AuditEntryView {
  return {
    id: Number(r.id),
    actorUserId: r.actor_user_id,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: ctx.dialect.parseJson<Record<string, unknown>>(r.details),
    createdAt: r.created_at,
  };
}

/** Records a privileged action. Call it inside the transaction that performs the action. */
export async function recordAudit(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  entry: AuditEntry,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      workspace_id: entry.workspaceId,
      actor_user_id: entry.actorUserId,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      details: ctx.dialect.toJson(entry.details ?? {}),
      created_at: ctx.now().toISOString(),
    })
    .execute();
}

/** The workspace's audit log, newest first. */
export async function listAuditLog(
  ctx: AppContext,
  actor: Actor,
  page: PageQuery,
): Promise<Page<AuditEntryView>> {
  requirePermission(actor, 'audit:read');
  const before = page.cursor === undefined ? undefined : Number(decodeCursor(page.cursor));
  let q = ctx.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (before !== undefined) q = q.where('id', '<', before);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => Number(r.id),
    (r) => toAuditView(ctx, r),
  );
}

/** Every audit entry of the workspace, oldest first: a heavy read, run off the event loop. */
export async function exportAuditLog(ctx: AppContext, actor: Actor): Promise<AuditEntryView[]> {
  requirePermission(actor, 'audit:read');
  const rows = await ctx.heavy.all(
    ctx.db.selectFrom('audit_log').selectAll().where('workspace_id', '=', actor.workspaceId).orderBy('id'),
  );
  return rows.map((r) => toAuditView(ctx, r));
}
