/** Snoozed cases coming back when their moment comes (the scheduler's pass). */
import type { AppContext } from '../../context.ts';
import { repeatEvery } from '../../scheduling.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { recordSnoozeEnded, syncCaseSla } from './sla.ts';

/**
 * Wakes the cases whose snooze has run out, each in its own transaction: the snooze ends, a case
 * left waiting (pending the customer, on hold) opens again so that it is worked, and its assignee
 * hears of it. A case already woken (by the customer writing, or another scheduler) is passed over.
 */
export async function wakeSnoozedCases(ctx: AppContext, limit = 500): Promise<number> {
  const now = ctx.now();
  const nowIso = now.toISOString();
  const due = await ctx.db
    .selectFrom('cases')
    .select('id')
    .where('snoozed_until', 'is not', null)
    .where('snoozed_until', '<=', nowIso)
    .orderBy('snoozed_until')
    .limit(limit)
    .execute();
  let woken = 0;
  for (const { id } of due)
    await ctx.db.transaction().execute(async (trx) => {
      const c = await ctx.dialect
        .lockForUpdate(trx.selectFrom('cases').selectAll().where('id', '=', id))
        .executeTakeFirst();
      if (!c || c.snoozed_until === null || c.snoozed_until > nowIso) return;
      const reopen = c.status === 'pending_customer' || c.status === 'on_hold';
      const set = { snoozed_until: null, updated_at: nowIso, ...(reopen ? { status: 'open' as const } : {}) };
      await trx.updateTable('cases').set(set).where('id', '=', id).execute();
      await recordSnoozeEnded(ctx, trx, c, 'time');
      if (reopen) {
        await recordEvent(ctx, trx, {
          workspaceId: c.workspace_id,
          recordType: 'case',
          recordId: id,
          kind: 'status_changed',
          actorUserId: null,
          data: { field: 'status', from: c.status, to: 'open', reason: 'back from snooze' },
          summary: `Case ${c.number} reopened: back from snooze`,
          // The snooze's end already tells the assignee and the followers.
          notifyFollowers: false,
        });
        // Reopened from pending the customer, its paused clocks run again.
        await syncCaseSla(ctx, trx, c.workspace_id, id, now, { row: { ...c, ...set } });
      }
      woken++;
    });
  return woken;
}

/** Runs `wakeSnoozedCases` every 30 s (the scheduler service). */
export function scheduleSnoozeWakeUps(ctx: AppContext, intervalMs = 30_000): { stop(): Promise<void> } {
  return repeatEvery(
    ctx,
    intervalMs,
    async () => {
      const woken = await wakeSnoozedCases(ctx);
      if (woken > 0) ctx.log.info({ woken }, 'snoozed cases woken');
    },
    'waking snoozed cases failed',
  );
}
