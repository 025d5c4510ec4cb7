import { z } from '@hono/zod-openapi';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { sendEmail } from '../../connectors/email/smtp.ts';
import type { AppContext } from '../../context.ts';
import { settledIdHorizon } from '../../db/id-horizon.ts';
import type {
  CommunityIdeaStatusChangesTable,
  CommunityLoopDeliveriesTable,
  DB,
  IdeaStatus,
  MemberNotificationReason,
} from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, can } from '../auth/roles.ts';
import { queueReply } from '../inbox/replies.ts';
import { isMember, type MemberActor } from './actors.ts';
import { communityMailer, deliverDue, SkipDelivery, staleReason } from './outbox.ts';
import { pageQueryOf } from './post-pages.ts';

/**
 * Closing the loop on ideas (issue #7, item 8): every status change of an idea is told, once, to
 * the people who voted, wrote, replied or were linked (links to mentions and cases: idea-links.ts),
 * and members read what they were told in their notifications.
 */

type Db = Kysely<DB> | Transaction<DB>;
type ChangeRow = Selectable<CommunityIdeaStatusChangesTable>;
type DeliveryRow = Selectable<CommunityLoopDeliveriesTable>;

/**
 * The public address of a thread, or of one post in it (on the page that holds it), on the community site
 * mounted at `/community/<workspace slug>/…` (`/t/<threadId>` for a thread).
 */
export function communityThreadUrl(
  ctx: AppContext,
  workspaceSlug: string,
  threadId: string,
  postNumber?: number,
): string {
  const base = `${ctx.config.publicUrl}/community/${encodeURIComponent(workspaceSlug)}/t/${encodeURIComponent(threadId)}`;
  return postNumber === undefined || postNumber <= 1
    ? base
    : `${base}${pageQueryOf(postNumber)}#p${postNumber}`;
}

// ------------------------------------------------------------------ status-change fan-out

const CURSOR = 'idea_status_changes';
const FANOUT_BATCH = 100;

export const statusLabels: Record<IdeaStatus, string> = {
  open: 'open',
  under_review: 'under review',
  planned: 'planned',
  in_progress: 'in progress',
  done: 'done',
  declined: 'declined',
  duplicate: 'merged into another idea',
};

type Reason = 'voted' | 'author' | 'replied' | 'linked';

/** How far the fan-out may read: on PostgreSQL a gap in ids may be a change still committing. */
async function horizonAfter(ctx: AppContext, trx: Transaction<DB>, after: number): Promise<number> {
  const rows = await trx
    .selectFrom('community_idea_status_changes')
    .select(['id', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(FANOUT_BATCH)
    .execute();
  return settledIdHorizon(ctx, rows, after);
}

/** The members to tell about a change of this idea, with why. */
async function memberRecipients(trx: Db, change: ChangeRow): Promise<Map<string, Set<Reason>>> {
  const who = new Map<string, Set<Reason>>();
  const add = (id: string | null, reason: Reason) => {
    if (id === null) return;
    const set = who.get(id) ?? new Set<Reason>();
    set.add(reason);
    who.set(id, set);
  };
  const thread = await trx
    .selectFrom('community_threads')
    .select('author_member_id')
    .where('id', '=', change.thread_id)
    .executeTakeFirst();
  add(thread?.author_member_id ?? null, 'author');
  for (const v of await trx
    .selectFrom('community_idea_votes')
    .select('member_id')
    .where('thread_id', '=', change.thread_id)
    .execute())
    add(v.member_id, 'voted');
  for (const p of await trx
    .selectFrom('community_posts')
    .select('author_member_id')
    .distinct()
    .where('thread_id', '=', change.thread_id)
    .where('number', '>', 1)
    .where('deleted_at', 'is', null)
    .where('author_member_id', 'is not', null)
    .execute())
    add(p.author_member_id, 'replied');
  // Customers of confirmed links who are members of the community.
  const customers = await linkedCustomerIds(trx, change);
  if (customers.length > 0)
    for (const m of await trx
      .selectFrom('community_members')
      .select('id')
      .where('workspace_id', '=', change.workspace_id)
      .where('customer_id', 'in', customers)
      .execute())
      add(m.id, 'linked');
  return who;
}

async function confirmedLinks(trx: Db, change: ChangeRow) {
  return trx
    .selectFrom('community_idea_links as l')
    .leftJoin('mentions as m', 'm.id', 'l.mention_id')
    .leftJoin('identities as i', (j) =>
      j.onRef('i.author_id', '=', 'm.author_id').onRef('i.workspace_id', '=', 'm.workspace_id'),
    )
    .leftJoin('cases as c', 'c.id', 'l.case_id')
    .select([
      'l.case_id',
      'm.case_id as mention_case_id',
      'i.customer_id as mention_customer',
      'c.customer_id',
    ])
    .where('l.workspace_id', '=', change.workspace_id)
    .where('l.thread_id', '=', change.thread_id)
    .where('l.status', '=', 'confirmed')
    .execute();
}

async function linkedCustomerIds(trx: Db, change: ChangeRow): Promise<string[]> {
  const ids = new Set<string>();
  for (const l of await confirmedLinks(trx, change)) {
    if (l.customer_id) ids.add(l.customer_id);
    if (l.mention_customer) ids.add(l.mention_customer);
  }
  return [...ids];
}

/** The open cases of confirmed links, a merged case replaced by the one it joined. */
async function linkedCases(trx: Db, change: ChangeRow): Promise<string[]> {
  const ids = new Set<string>();
  for (const l of await confirmedLinks(trx, change)) {
    const id = l.case_id ?? l.mention_case_id;
    if (id) ids.add(id);
  }
  if (ids.size === 0) return [];
  const rows = await trx
    .selectFrom('cases')
    .select(['id', 'merged_into'])
    .where('workspace_id', '=', change.workspace_id)
    .where('id', 'in', [...ids])
    .execute();
  return [...new Set(rows.map((r) => r.merged_into ?? r.id))].sort();
}

function truncate(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
}

/**
 * Tells each new idea status change to everyone concerned, exactly once: voters, the author,
 * members who replied and linked customers who are members get an in-app notification and, with
 * a verified email, an email; each open case linked to the idea gets a reply in its customer's
 * channel. Everything is written in the transaction that moves the durable cursor (locked, so
 * concurrent passes wait and then find nothing), and the unique keys make a repeat a no-op.
 * Returns how many changes were told.
 */
export async function notifyIdeaStatusChanges(ctx: AppContext): Promise<number> {
  let told = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const cursor = await ctx.dialect
        .lockForUpdate(trx.selectFrom('community_loop_cursors').selectAll().where('name', '=', CURSOR))
        .executeTakeFirst();
      const after = Number(cursor?.last_id ?? 0);
      if (!cursor)
        await trx
          .insertInto('community_loop_cursors')
          .values({ name: CURSOR, last_id: 0, updated_at: ctx.now().toISOString() })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      const horizon = await horizonAfter(ctx, trx, after);
      if (horizon <= after) return 0;
      const changes = await trx
        .selectFrom('community_idea_status_changes')
        .selectAll()
        .where('id', '>', after)
        .where('id', '<=', horizon)
        .orderBy('id')
        .execute();
      for (const change of changes) await fanOut(ctx, trx, change);
      await trx
        .updateTable('community_loop_cursors')
        .set({ last_id: horizon, updated_at: ctx.now().toISOString() })
        .where('name', '=', CURSOR)
        .execute();
      return changes.length;
    });
    told += n;
    if (n < FANOUT_BATCH) return told;
  }
}

async function fanOut(ctx: AppContext, trx: Transaction<DB>, change: ChangeRow): Promise<void> {
  const thread = await trx
    .selectFrom('community_threads')
    .innerJoin('workspaces', 'workspaces.id', 'community_threads.workspace_id')
    .select(['community_threads.title', 'workspaces.slug', 'workspaces.name'])
    .where('community_threads.id', '=', change.thread_id)
    .executeTakeFirst();
  if (!thread) return;
  const url = communityThreadUrl(ctx, thread.slug, change.thread_id);
  const label = statusLabels[change.to_status];
  const title = `“${truncate(thread.title, 120)}” is now ${label}`;
  const note = change.note.trim();
  const changeId = Number(change.id);
  const now = ctx.now().toISOString();
  const members = await memberRecipients(trx, change);
  const memberIds = [...members.keys()];
  const rows =
    memberIds.length === 0
      ? []
      : await trx
          .selectFrom('community_members')
          .select(['id', 'email', 'email_verified_at', 'display_name'])
          .where('workspace_id', '=', change.workspace_id)
          .where('id', 'in', memberIds)
          .execute();
  for (const m of rows) {
    const reasons = [...(members.get(m.id) ?? [])].sort();
    await trx
      .insertInto('community_member_notifications')
      .values({
        workspace_id: change.workspace_id,
        member_id: m.id,
        change_id: changeId,
        thread_id: change.thread_id,
        kind: 'idea_status',
        title,
        body: note,
        url,
        reasons: ctx.dialect.toJson(reasons),
        created_at: now,
        read_at: null,
      })
      .onConflict((oc) => oc.columns(['change_id', 'member_id']).doNothing())
      .execute();
    if (m.email && m.email_verified_at)
      await insertDelivery(ctx, trx, change, {
        kind: 'email',
        target_key: m.id,
        member_id: m.id,
        case_id: null,
        recipient: m.email,
        subject: `${title} (${thread.name} community)`,
        body: [
          `Hello ${m.display_name},`,
          '',
          `The idea “${thread.title}” is now ${label}.`,
          ...(note ? ['', note] : []),
          '',
          url,
          '',
          `You are told because you ${reasons.map((r) => reasonText[r]).join(', ')}.`,
          '',
        ].join('\n'),
      });
  }
  for (const caseId of await linkedCases(trx, change))
    await insertDelivery(ctx, trx, change, {
      kind: 'case_reply',
      target_key: caseId,
      member_id: null,
      case_id: caseId,
      recipient: null,
      subject: title,
      body: `Update on what you asked for: “${truncate(thread.title, 100)}” is now ${label}. ${url}`,
    });
}

const reasonText: Record<Reason, string> = {
  voted: 'voted for it',
  author: 'suggested it',
  replied: 'replied to it',
  linked: 'asked for it',
};

async function insertDelivery(
  ctx: AppContext,
  trx: Transaction<DB>,
  change: ChangeRow,
  d: Pick<DeliveryRow, 'kind' | 'target_key' | 'member_id' | 'case_id' | 'recipient' | 'subject' | 'body'>,
): Promise<void> {
  const now = ctx.now().toISOString();
  // A change told long after it happened (the demo's seeded history) is in the app, not in mail.
  const stale = staleReason(change.created_at, ctx.now(), 'the status change');
  await trx
    .insertInto('community_loop_deliveries')
    .values({
      id: newId(ctx.now()),
      workspace_id: change.workspace_id,
      change_id: Number(change.id),
      ...d,
      status: stale ? 'skipped' : 'queued',
      attempts: 0,
      next_attempt_at: stale ? null : now,
      last_error: stale,
      external_id: null,
      created_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.columns(['change_id', 'kind', 'target_key']).doNothing())
    .execute();
}

/**
 * Who queues the reply on a case: the staff user who changed the status when they may work
 * cases, else the case's assignee; a reply is always authored by a person of the workspace.
 */
async function replyAuthor(ctx: AppContext, d: DeliveryRow): Promise<Actor | null> {
  const change = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select('changed_by_user_id')
    .where('id', '=', Number(d.change_id))
    .executeTakeFirst();
  const c = await ctx.db
    .selectFrom('cases')
    .select('assignee_user_id')
    .where('id', '=', d.case_id ?? '')
    .executeTakeFirst();
  for (const userId of [change?.changed_by_user_id ?? null, c?.assignee_user_id ?? null]) {
    if (userId === null) continue;
    const user = await ctx.db
      .selectFrom('users')
      .select(['id', 'role', 'status'])
      .where('workspace_id', '=', d.workspace_id)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user?.status === 'active' && can(user, 'inbox:work'))
      return { userId: user.id, workspaceId: d.workspace_id, role: user.role, via: 'token' };
  }
  return null;
}

/**
 * Why a queued delivery is no longer worth sending: its change was followed by another status of
 * the idea (told in its own right), or it is too old. Null when it is still news.
 */
async function outdated(ctx: AppContext, d: DeliveryRow): Promise<string | null> {
  const change = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select(['thread_id', 'created_at'])
    .where('id', '=', Number(d.change_id))
    .executeTakeFirst();
  if (!change) return 'The status change is gone';
  const latest = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select('to_status')
    .where('thread_id', '=', change.thread_id)
    .where('id', '>', Number(d.change_id))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest) return `Superseded: the idea is now ${statusLabels[latest.to_status]}`;
  return staleReason(change.created_at, ctx.now(), 'the status change');
}

async function deliverOne(ctx: AppContext, d: DeliveryRow): Promise<string> {
  if (d.kind === 'email') {
    const why = await outdated(ctx, d);
    if (why) throw new SkipDelivery(why);
    const mailer = await communityMailer(ctx, d.workspace_id);
    if (!mailer) throw new SkipDelivery('No email connector (SMTP) to send community mail');
    if (!d.recipient) throw new SkipDelivery('No address');
    const domain = mailer.config.fromAddress.split('@')[1] ?? 'rapport.local';
    // A fixed Message-ID: a retry after a crash is the same message to the reader's mail client.
    const sent = await sendEmail(mailer.config, mailer.secret, {
      messageId: `<loop-${d.id}@${domain}>`,
      to: d.recipient,
      subject: d.subject,
      text: d.body,
    });
    return sent.messageId;
  }
  // A reply queued by an earlier attempt that died before recording it: that reply is this one.
  const earlier = await ctx.db
    .selectFrom('outbox_replies')
    .select(['id', 'body'])
    .where('workspace_id', '=', d.workspace_id)
    .where('case_id', '=', d.case_id ?? '')
    .where('created_at', '>=', d.created_at)
    .execute();
  for (const r of earlier.filter((r) => r.body.endsWith(d.body))) {
    const taken = await ctx.db
      .selectFrom('community_loop_deliveries')
      .select('id')
      .where('external_id', '=', r.id)
      .executeTakeFirst();
    if (!taken) return r.id;
  }
  const why = await outdated(ctx, d);
  if (why) throw new SkipDelivery(why);
  const author = await replyAuthor(ctx, d);
  if (!author) throw new SkipDelivery('Nobody who may work cases changed the status or owns the case');
  const c = await ctx.db
    .selectFrom('cases')
    .select('channel')
    .where('id', '=', d.case_id ?? '')
    .executeTakeFirst();
  // Social posts are answered in their thread; other channels privately (the customer's email).
  const visibility = c?.channel === 'bluesky' || c?.channel === 'mastodon' ? 'public' : 'private';
  try {
    const [reply] = await queueReply(ctx, author, d.case_id ?? '', { body: d.body, visibility });
    if (!reply) throw new SkipDelivery('No reply was queued');
    return reply.id;
  } catch (err) {
    // The inbox refused (closed case, no account to send from): retrying will not change that.
    if (err instanceof AppError) throw new SkipDelivery(err.message);
    throw err;
  }
}

/**
 * The worker's pass over the loop's emails and case replies: claims due ones (and ones left
 * "sending" by a process that died), sends each, and records sent, a retry with backoff, failed
 * or skipped (with why). Returns how many were attempted.
 */
export async function deliverLoopDeliveries(ctx: AppContext, limit = 20): Promise<number> {
  return deliverDue(ctx, 'community_loop_deliveries', limit, async (d) => ({
    external_id: await deliverOne(ctx, d),
  }));
}

// ------------------------------------------------------------------ member notifications

export const memberNotificationKinds = ['idea_status', 'post', 'answer_accepted'] as const;
export const memberNotificationReasons = [
  'voted',
  'author',
  'replied',
  'linked',
  'started',
  'asked',
  'mentioned',
  'answered',
] as const;

export const memberNotificationSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(memberNotificationKinds).openapi({
      description:
        'idea_status: an idea you follow changed status; post: a reply in your thread, an answer to your question or an @mention of you; answer_accepted: an answer in your question, or your answer, was accepted',
    }),
    threadId: z.string(),
    postId: z.number().int().nullable(),
    title: z.string(),
    body: z.string(),
    url: z.string(),
    reasons: z.array(z.enum(memberNotificationReasons)),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('CommunityMemberNotification');
export type MemberNotificationView = z.infer<typeof memberNotificationSchema>;

export const markReadInput = z
  .object({ ids: z.array(z.number().int().positive()).max(500).optional() })
  .openapi('CommunityNotificationsRead');

function requireMember(member: MemberActor): void {
  if (!isMember(member)) throw new AppError('forbidden', 'Only community members have these notifications');
}

/**
 * The member's notifications that still show: a post's notification goes while its post or
 * thread is hidden or deleted, or its space closed (members cannot read closed spaces), and comes
 * back if a moderator restores it. Idea status notifications always show.
 */
function visibleNotifications(db: Db, member: MemberActor) {
  return db
    .selectFrom('community_member_notifications as n')
    .leftJoin('community_posts as p', 'p.id', 'n.post_id')
    .leftJoin('community_threads as t', 't.id', 'n.thread_id')
    .leftJoin('community_spaces as s', 's.id', 't.space_id')
    .where('n.workspace_id', '=', member.workspaceId)
    .where('n.member_id', '=', member.memberId)
    .where((eb) =>
      eb.or([
        eb('n.post_id', 'is', null),
        eb.and([
          eb('p.hidden_at', 'is', null),
          eb('p.deleted_at', 'is', null),
          eb('t.hidden_at', 'is', null),
          eb('t.deleted_at', 'is', null),
          eb('s.closed_at', 'is', null),
        ]),
      ]),
    );
}

/** The member's notifications, newest first, with how many are unread. */
export async function listMemberNotifications(
  ctx: AppContext,
  member: MemberActor,
  page: PageQuery & { unread?: boolean },
): Promise<Page<MemberNotificationView> & { unread: number }> {
  requireMember(member);
  let q = visibleNotifications(ctx.db, member).selectAll('n');
  if (page.unread) q = q.where('n.read_at', 'is', null);
  if (page.cursor) q = q.where('n.id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('n.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const unread = await visibleNotifications(ctx.db, member)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('n.read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return {
    ...toPage(
      rows,
      page.limit,
      (r) => Number(r.id),
      (r) => ({
        id: Number(r.id),
        kind: r.kind,
        threadId: r.thread_id,
        postId: r.post_id === null ? null : Number(r.post_id),
        title: r.title,
        body: r.body,
        url: r.url,
        reasons: ctx.dialect.parseJson<MemberNotificationReason[]>(r.reasons),
        createdAt: r.created_at,
        readAt: r.read_at,
      }),
    ),
    unread: Number(unread.n),
  };
}

/** Marks the named notifications (or all) read; returns how many changed. */
export async function markMemberNotificationsRead(
  ctx: AppContext,
  member: MemberActor,
  ids?: number[],
): Promise<{ marked: number }> {
  requireMember(member);
  let q = ctx.db
    .updateTable('community_member_notifications')
    .set({ read_at: ctx.now().toISOString() })
    .where('workspace_id', '=', member.workspaceId)
    .where('member_id', '=', member.memberId)
    .where('read_at', 'is', null);
  if (ids !== undefined) {
    if (ids.length === 0) return { marked: 0 };
    q = q.where('id', 'in', ids);
  }
  const result = await q.executeTakeFirst();
  return { marked: Number(result.numUpdatedRows) };
}
