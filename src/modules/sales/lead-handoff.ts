// Handing a lead from marketing to sales (handoff, accept, reject) and logging contacts, the first of which stops the handoff clock.
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { type Actor, can } from '../auth/roles.ts';
import { addFollower } from '../collaboration/feed.ts';
import {
  advanceLeadStage,
  changeLead,
  checkSalesUser,
  LEAD,
  type LeadRow,
  leadRow,
  writeLead,
} from './leads.ts';
import {
  type ContactInput,
  contactInput,
  type HandoffInput,
  handoffInput,
  type LeadView,
  rejectInput,
} from './schema.ts';

async function openLeadRow(db: Transaction<DB>, workspaceId: string, id: string): Promise<LeadRow> {
  const row = await leadRow(db, workspaceId, id);
  if (row.status !== 'open')
    throw new AppError('conflict', `Lead ${row.number} is ${row.status}`, { status: row.status });
  return row;
}

/**
 * Marketing hands a lead to a salesperson: the handoff waits for their answer, with a note, and
 * the lead is at least marketing qualified. The clock to first contact starts now.
 */
export async function handoffLead(
  ctx: AppContext,
  actor: Actor,
  id: string,
  body: HandoffInput,
): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    const input = handoffInput.parse(body);
    const current = await openLeadRow(trx, actor.workspaceId, id);
    if (current.handoff_status === 'pending')
      throw new AppError(
        'conflict',
        `Lead ${current.number} already waits for ${current.handoff_to_user_id}`,
      );
    const name = await checkSalesUser(trx, actor.workspaceId, input.toUserId, 'toUserId');
    const now = ctx.now().toISOString();
    await changeLead(
      ctx,
      trx,
      actor,
      id,
      {
        handoff_status: 'pending',
        handoff_from_user_id: actor.userId,
        handoff_to_user_id: input.toUserId,
        handoff_note: input.note,
        handoff_at: now,
        handoff_decided_at: null,
        handoff_reason: null,
        // The clock runs from this handoff: earlier contacts stay in the feed.
        first_contact_at: null,
        updated_at: now,
      },
      {
        kind: 'handoff',
        data: { toUserId: input.toUserId, note: input.note },
        summary: `Lead ${current.number} handed off to ${name}: ${input.note.slice(0, 120)}`,
        notify: [input.toUserId],
      },
    );
    await addFollower(ctx, trx, actor.workspaceId, LEAD, id, input.toUserId);
    await advanceLeadStage(
      ctx,
      trx,
      current,
      'marketing_qualified',
      { userId: actor.userId },
      'handed off to sales',
    );
  });
}

async function pendingHandoffFor(trx: Transaction<DB>, actor: Actor, id: string): Promise<LeadRow> {
  const current = await openLeadRow(trx, actor.workspaceId, id);
  if (current.handoff_status !== 'pending')
    throw new AppError('conflict', `Lead ${current.number} has no pending handoff`);
  // The person it was handed to decides; managers and above may decide for them.
  if (current.handoff_to_user_id !== actor.userId && !can(actor, 'sales:configure'))
    throw new AppError('forbidden', `The handoff of lead ${current.number} waits for someone else`);
  return current;
}

/** The salesperson takes the lead: they own it, and it is at least sales qualified. */
export async function acceptHandoff(ctx: AppContext, actor: Actor, id: string): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    const current = await pendingHandoffFor(trx, actor, id);
    const now = ctx.now().toISOString();
    await changeLead(
      ctx,
      trx,
      actor,
      id,
      {
        handoff_status: 'accepted',
        handoff_decided_at: now,
        owner_user_id: current.handoff_to_user_id,
        updated_at: now,
      },
      {
        kind: 'handoff_accepted',
        data: { fromUserId: current.handoff_from_user_id, toUserId: current.handoff_to_user_id },
        summary: `Lead ${current.number}: handoff accepted`,
        ...(current.handoff_from_user_id ? { notify: [current.handoff_from_user_id] } : {}),
      },
    );
    await advanceLeadStage(
      ctx,
      trx,
      current,
      'sales_qualified',
      { userId: actor.userId },
      'accepted by sales',
    );
  });
}

/** The salesperson turns the lead back, with a reason: it returns to the sender; the stage stays. */
export async function rejectHandoff(
  ctx: AppContext,
  actor: Actor,
  id: string,
  body: { reason: string },
): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    const input = rejectInput.parse(body);
    const current = await pendingHandoffFor(trx, actor, id);
    const now = ctx.now().toISOString();
    const sender = current.handoff_from_user_id
      ? await trx
          .selectFrom('users')
          .select('id')
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', '=', current.handoff_from_user_id)
          .where('status', '=', 'active')
          .executeTakeFirst()
      : undefined;
    await changeLead(
      ctx,
      trx,
      actor,
      id,
      {
        handoff_status: 'rejected',
        handoff_decided_at: now,
        handoff_reason: input.reason,
        ...(sender ? { owner_user_id: sender.id } : {}),
        updated_at: now,
      },
      {
        kind: 'handoff_rejected',
        data: {
          fromUserId: current.handoff_from_user_id,
          toUserId: current.handoff_to_user_id,
          reason: input.reason,
        },
        summary: `Lead ${current.number}: handoff rejected: ${input.reason.slice(0, 120)}`,
        ...(current.handoff_from_user_id ? { notify: [current.handoff_from_user_id] } : {}),
      },
    );
  });
}

/** Logs a contact with the lead's customer; the first one since the handoff stops its clock. */
export async function logContact(
  ctx: AppContext,
  actor: Actor,
  id: string,
  body: ContactInput,
): Promise<LeadView> {
  return writeLead(ctx, actor, id, async (trx) => {
    const input = contactInput.parse(body);
    const current = await leadRow(trx, actor.workspaceId, id);
    const now = ctx.now().toISOString();
    const first = current.first_contact_at === null;
    await changeLead(
      ctx,
      trx,
      actor,
      id,
      { ...(first ? { first_contact_at: now } : {}), updated_at: now },
      {
        kind: 'contacted',
        data: { channel: input.channel, note: input.note ?? null, first },
        summary: `Lead ${current.number}: contacted by ${input.channel}`,
      },
    );
  });
}
