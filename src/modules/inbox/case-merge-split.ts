/** Merging one case into another and splitting conversations off a case into a new one. */
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { type RecordType, recordEvent } from '../collaboration/feed.ts';
import { moveThreadToCase } from './case-threads.ts';
import { caseRow, caseView, insertCase, workableCase } from './cases.ts';
import type { CaseView } from './schema.ts';
import { syncCaseSla } from './sla.ts';

const CASE: RecordType = 'case';

/**
 * Merges case `fromId` into `intoId`: its conversations and their mentions move, it is closed
 * and points at the case it went into; both feeds say which conversations moved.
 */
export async function mergeCases(
  ctx: AppContext,
  actor: Actor,
  intoId: string,
  fromId: string,
): Promise<CaseView> {
  requirePermission(actor, 'inbox:work');
  if (intoId === fromId) throw new AppError('bad_request', 'A case cannot be merged into itself');
  const row = await ctx.db.transaction().execute(async (trx) => {
    const into = await workableCase(trx, actor.workspaceId, intoId);
    const from = await workableCase(trx, actor.workspaceId, fromId);
    if (into.status === 'closed') throw new AppError('conflict', `Case ${into.number} is closed`);
    const now = ctx.now().toISOString();
    const moved = await trx.selectFrom('conversations').select('id').where('case_id', '=', fromId).execute();
    const conversationIds = moved.map((c) => c.id);
    await trx.updateTable('conversations').set({ case_id: intoId }).where('case_id', '=', fromId).execute();
    await trx
      .updateTable('mentions')
      .set({ case_id: intoId })
      .where('workspace_id', '=', actor.workspaceId)
      .where('case_id', '=', fromId)
      .execute();
    await trx
      .updateTable('cases')
      .set({ merged_into: intoId, status: 'closed', closed_at: now, updated_at: now })
      .where('id', '=', fromId)
      .execute();
    const intoTags = new Set([
      ...(into.tags ? into.tags.split(' ') : []),
      ...(from.tags ? from.tags.split(' ') : []),
    ]);
    await trx
      .updateTable('cases')
      .set({
        updated_at: now,
        tags: [...intoTags].join(' '),
        customer_id: into.customer_id ?? from.customer_id,
      })
      .where('id', '=', intoId)
      .execute();
    const data = {
      into: { id: intoId, number: into.number },
      from: { id: fromId, number: from.number },
      conversationIds,
    };
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: CASE,
      recordId: intoId,
      kind: 'merged_in',
      actorUserId: actor.userId,
      data,
      summary: `Case ${from.number} was merged into case ${into.number}`,
    });
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: CASE,
      recordId: fromId,
      kind: 'merged_away',
      actorUserId: actor.userId,
      data,
      summary: `Case ${from.number} was merged into case ${into.number}`,
    });
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'case.merge',
      targetType: 'case',
      targetId: intoId,
      details: data,
    });
    await syncCaseSla(ctx, trx, actor.workspaceId, intoId, ctx.now());
    await syncCaseSla(ctx, trx, actor.workspaceId, fromId, ctx.now());
    return caseRow(trx, actor.workspaceId, intoId);
  });
  return caseView(ctx, row);
}

/** Moves the given conversations of a case into a new case (same customer, type, priority, tags). */
export async function splitCase(
  ctx: AppContext,
  actor: Actor,
  id: string,
  conversationIds: string[],
  subject?: string | undefined,
): Promise<CaseView> {
  requirePermission(actor, 'inbox:work');
  const row = await ctx.db.transaction().execute(async (trx) => {
    const source = await workableCase(trx, actor.workspaceId, id);
    const owned = await trx
      .selectFrom('conversations')
      .select(['id', 'preview', 'customer_id'])
      .where('case_id', '=', id)
      .execute();
    const ownedIds = new Set(owned.map((c) => c.id));
    const unknown = conversationIds.filter((c) => !ownedIds.has(c));
    if (unknown.length > 0)
      throw new AppError('validation_failed', 'Only conversations of this case can be split off', {
        fields: [{ path: 'conversationIds', message: `not in case ${source.number}: ${unknown.join(', ')}` }],
      });
    const splitCustomer =
      owned.find((c) => conversationIds.includes(c.id) && c.customer_id !== null)?.customer_id ??
      source.customer_id;
    if (conversationIds.length >= owned.length)
      throw new AppError('bad_request', 'A split must leave at least one conversation on the case');
    const created = await insertCase(
      ctx,
      trx,
      actor.workspaceId,
      {
        subject: subject ?? `${source.subject} (split)`,
        type: source.type,
        priority: source.priority,
        tags: source.tags ? source.tags.split(' ') : [],
        // The new case belongs to whoever wrote the threads split off, else stays with the case's customer.
        ...(splitCustomer ? { customerId: splitCustomer } : {}),
        ...(source.team_id ? { teamId: source.team_id } : {}),
      },
      { userId: actor.userId },
    );
    await trx
      .updateTable('conversations')
      .set({ case_id: created.id })
      .where('case_id', '=', id)
      .where('id', 'in', conversationIds)
      .execute();
    const threads = await trx
      .selectFrom('conversations')
      .select(['channel', 'thread_key'])
      .where('id', 'in', conversationIds)
      .execute();
    for (const t of threads)
      await moveThreadToCase(trx, actor.workspaceId, t.channel, t.thread_key, created.id);
    const first = await trx
      .selectFrom('conversations')
      .select('channel')
      .where('case_id', '=', created.id)
      .orderBy('created_at')
      .executeTakeFirst();
    await trx
      .updateTable('cases')
      .set({ channel: first?.channel ?? null })
      .where('id', '=', created.id)
      .execute();
    const data = {
      from: { id, number: source.number },
      to: { id: created.id, number: created.number },
      conversationIds,
    };
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: CASE,
      recordId: id,
      kind: 'split',
      actorUserId: actor.userId,
      data,
      summary: `Case ${source.number} was split into case ${created.number}`,
    });
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: CASE,
      recordId: created.id,
      kind: 'split_from',
      actorUserId: actor.userId,
      data,
      summary: `Case ${created.number} was split from case ${source.number}`,
    });
    await syncCaseSla(ctx, trx, actor.workspaceId, id, ctx.now());
    return caseRow(trx, actor.workspaceId, created.id);
  });
  return caseView(ctx, row);
}
