import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { attachMention, insertCase } from './cases.ts';
import type {
  BulkDispositionInput,
  BulkDispositionResult,
  DispositionInput,
  DispositionStats,
  DispositionView,
} from './schema.ts';
import { recordAgentResponse } from './sla.ts';

async function dispositionOf(
  ctx: AppContext,
  workspaceId: string,
  mentionId: number,
): Promise<DispositionView> {
  const m = await ctx.db
    .selectFrom('mentions')
    .select(['id', 'disposition', 'disposition_reason', 'disposition_at', 'disposition_by', 'case_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', mentionId)
    .executeTakeFirst();
  if (!m) throw new AppError('not_found', `No mention ${mentionId}`);
  if (m.disposition === null || m.disposition_at === null)
    throw new AppError('internal', `Mention ${mentionId} has no disposition`);
  return {
    mentionId: Number(m.id),
    disposition: m.disposition as DispositionView['disposition'],
    reason: m.disposition_reason,
    caseId: m.case_id,
    at: m.disposition_at,
    by: m.disposition_by,
  };
}

/**
 * Decides what becomes of a mention: a new case, attached to a case, answered directly, or
 * dismissed with a reason. A later decision replaces an earlier one (an agent may reopen a
 * dismissed mention as a case); the time of the latest decision is what is measured.
 */
export async function disposeMention(
  ctx: AppContext,
  actor: Actor,
  mentionId: number,
  input: DispositionInput,
): Promise<DispositionView> {
  requirePermission(actor, 'inbox:work');
  const mention = await ctx.db
    .selectFrom('mentions')
    .select(['id', 'text', 'deleted_at', 'intents', 'urgency', 'case_id'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', mentionId)
    .executeTakeFirst();
  if (!mention) throw new AppError('not_found', `No mention ${mentionId}`);
  if (input.action === 'create_case') {
    await ctx.db.transaction().execute((trx) =>
      insertCase(
        ctx,
        trx,
        actor.workspaceId,
        {
          subject: input.subject ?? (mention.deleted_at === null ? summarize(mention.text) : 'Deleted post'),
          type: input.type ?? typeFromIntents(mention.intents),
          priority: input.priority ?? priorityFromUrgency(mention.urgency),
          mentionIds: [mentionId],
        },
        { userId: actor.userId },
      ),
    );
  } else if (input.action === 'attach') {
    await attachMention(ctx, actor, input.caseId, mentionId);
  } else {
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('mentions')
        .set({
          disposition: input.action === 'answered' ? 'answered' : 'dismissed',
          disposition_reason: input.action === 'dismiss' ? input.reason : null,
          disposition_at: ctx.now().toISOString(),
          disposition_by: actor.userId,
        })
        .where('workspace_id', '=', actor.workspaceId)
        .where('id', '=', mentionId)
        .execute();
      // Answering a post of a case is the agent's response on that case.
      if (input.action === 'answered' && mention.case_id)
        await recordAgentResponse(ctx, trx, actor.workspaceId, mention.case_id, ctx.now());
    });
  }
  return dispositionOf(ctx, actor.workspaceId, mentionId);
}

/**
 * Triage of many posts at once: marks the undecided ones among `mentionIds` answered, or dismissed
 * with a reason, in one transaction. Posts already decided (a case, a lead, an earlier decision)
 * keep their decision, and deleted or unknown ones are left out; each is named with why.
 */
export async function disposeMentions(
  ctx: AppContext,
  actor: Actor,
  input: BulkDispositionInput,
): Promise<BulkDispositionResult> {
  requirePermission(actor, 'inbox:work');
  const at = ctx.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    // Locked until the decision is written, so a colleague deciding one of them meanwhile waits.
    const found = await ctx.dialect
      .lockForUpdate(
        trx
          .selectFrom('mentions')
          .select(['id', 'disposition', 'deleted_at', 'case_id'])
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', input.mentionIds),
      )
      .execute();
    const byId = new Map(found.map((m) => [Number(m.id), m]));
    const skipped: BulkDispositionResult['skipped'] = [];
    const open: number[] = [];
    for (const id of input.mentionIds) {
      const m = byId.get(id);
      if (!m) skipped.push({ mentionId: id, reason: 'not_found' });
      else if (m.deleted_at !== null) skipped.push({ mentionId: id, reason: 'deleted' });
      else if (m.disposition !== null) skipped.push({ mentionId: id, reason: 'already_decided' });
      else open.push(id);
    }
    if (open.length === 0) return { decided: [], skipped };
    const disposition: DispositionView['disposition'] =
      input.action === 'answered' ? 'answered' : 'dismissed';
    const reason = input.action === 'dismiss' ? input.reason : null;
    await trx
      .updateTable('mentions')
      .set({ disposition, disposition_reason: reason, disposition_at: at, disposition_by: actor.userId })
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', 'in', open)
      .execute();
    // Answering posts of a case is the agent's response on that case, once per case.
    if (input.action === 'answered') {
      const cases = new Set(open.flatMap((id) => byId.get(id)?.case_id ?? []));
      for (const caseId of cases) await recordAgentResponse(ctx, trx, actor.workspaceId, caseId, ctx.now());
    }
    const decided = open.map((id) => ({
      mentionId: id,
      disposition,
      reason,
      caseId: byId.get(id)?.case_id ?? null,
      at,
      by: actor.userId,
    }));
    return { decided, skipped };
  });
}

/** A case subject from a post: its first line, cut at a word near 80 characters. */
export function summarize(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  if (line.length <= 80) return line || 'Post without text';
  const cut = line.slice(0, 80);
  const space = cut.lastIndexOf(' ');
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The case type an analysed post suggests (complaints before questions: an angry question is a complaint). */
export function typeFromIntents(
  intents: string | null,
): 'question' | 'complaint' | 'feedback' | 'lead' | 'other' {
  const set = new Set(intents ? intents.split(' ') : []);
  if (set.has('complaint') || set.has('churn_risk')) return 'complaint';
  if (set.has('purchase_intent')) return 'lead';
  if (set.has('support_question')) return 'question';
  if (set.has('idea') || set.has('praise')) return 'feedback';
  return 'other';
}

export function priorityFromUrgency(urgency: number | null): 'urgent' | 'high' | 'normal' | 'low' {
  if (urgency === null) return 'normal';
  if (urgency >= 80) return 'urgent';
  if (urgency >= 60) return 'high';
  if (urgency >= 25) return 'normal';
  return 'low';
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? null;
}

/**
 * "Heard versus listened": of the mentions received since `since` that matched a listening
 * query, how many have a disposition, of which kind, and how long after receipt.
 */
export async function dispositionStats(
  ctx: AppContext,
  actor: Actor,
  days: number,
): Promise<DispositionStats> {
  requirePermission(actor, 'inbox:read');
  const since = new Date(ctx.now().getTime() - days * 86_400_000).toISOString();
  const rows = await ctx.db
    .selectFrom('mentions')
    .select(['disposition', 'received_at', 'disposition_at'])
    .where('workspace_id', '=', actor.workspaceId)
    .where('received_at', '>=', since)
    .where('deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('mention_queries')
          .select(sql`1`.as('x'))
          .whereRef('mention_queries.mention_id', '=', 'mentions.id'),
      ),
    )
    .execute();
  const by = { case: 0, lead: 0, answered: 0, dismissed: 0 };
  const minutes: number[] = [];
  for (const r of rows) {
    if (r.disposition === null || r.disposition_at === null) continue;
    if (
      r.disposition === 'case' ||
      r.disposition === 'lead' ||
      r.disposition === 'answered' ||
      r.disposition === 'dismissed'
    )
      by[r.disposition]++;
    minutes.push(Math.max(0, (Date.parse(r.disposition_at) - Date.parse(r.received_at)) / 60_000));
  }
  minutes.sort((a, b) => a - b);
  const disposed = by.case + by.lead + by.answered + by.dismissed;
  return {
    since,
    matched: rows.length,
    disposed,
    share: rows.length === 0 ? 1 : disposed / rows.length,
    byDisposition: by,
    minutesToDisposition: { p50: percentile(minutes, 0.5), p90: percentile(minutes, 0.9) },
  };
}
