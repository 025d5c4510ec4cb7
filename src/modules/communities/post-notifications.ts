import type { Selectable } from 'kysely';
import { sendEmail } from '../../connectors/email/smtp.ts';
import type { AppContext } from '../../context.ts';
import type {
  CommunityPostDeliveriesTable,
  MemberNotificationKind,
  MemberNotificationReason,
} from '../../db/schema.ts';
import { newId } from '../../ids.ts';
import { authorKey, authorsOf, type Db, type PostRow, postColumns, type ThreadRow } from './access.ts';
import { type CommunityActor, isMember } from './actors.ts';
import { communityThreadUrl } from './loop.ts';
import { communityMailer, deliverDue, SkipDelivery, staleReason } from './outbox.ts';
import { excerpt } from './search.ts';

/**
 * Members hear back about posts: a reply in a thread they started, an answer to their question,
 * an @mention, and an accepted answer (theirs, or in their question) become notifications in
 * their list; the asker also gets an email for the first answer and the accepted one, and the
 * answer's author one when theirs is accepted. Written in
 * the transaction of what caused them, keyed by post, member and kind, so a retry never doubles
 * one. Nobody is told about their own post or act, nor about a post they could not read.
 */

type DeliveryRow = Selectable<CommunityPostDeliveriesTable>;
type Context = {
  post: PostRow;
  thread: ThreadRow;
  slug: string;
  communityName: string;
};

/** The post with its thread and workspace, or null when members cannot read it. */
async function readablePost(db: Db, workspaceId: string, postId: number): Promise<Context | null> {
  const post = await db
    .selectFrom('community_posts')
    .select(postColumns)
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', postId)
    .executeTakeFirst();
  if (!post || post.deleted_at !== null || post.hidden_at !== null) return null;
  const thread = await db
    .selectFrom('community_threads')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', post.thread_id)
    .executeTakeFirst();
  if (!thread || thread.deleted_at !== null || thread.hidden_at !== null) return null;
  const where = await db
    .selectFrom('community_spaces')
    .innerJoin('workspaces', 'workspaces.id', 'community_spaces.workspace_id')
    .select(['community_spaces.closed_at', 'workspaces.slug', 'workspaces.name'])
    .where('community_spaces.id', '=', thread.space_id)
    .executeTakeFirst();
  // A closed space is staff's only (access.ts, visibleSpace): its members are not told.
  if (!where || where.closed_at !== null) return null;
  return { post, thread, slug: where.slug, communityName: where.name };
}

function quoted(title: string): string {
  const chars = [...title];
  return `“${chars.length <= 120 ? title : `${chars.slice(0, 119).join('')}…`}”`;
}

async function insertNotifications(
  ctx: AppContext,
  db: Db,
  c: Context,
  kind: MemberNotificationKind,
  recipients: Map<string, Set<MemberNotificationReason>>,
  titleOf: (reasons: Set<MemberNotificationReason>) => string,
): Promise<string[]> {
  if (recipients.size === 0) return [];
  const members = await db
    .selectFrom('community_members')
    .select('id')
    .where('workspace_id', '=', c.thread.workspace_id)
    .where('id', 'in', [...recipients.keys()])
    .execute();
  const url = communityThreadUrl(ctx, c.slug, c.thread.id, Number(c.post.number));
  const body = excerpt(c.post.body_markdown, '', 200);
  const told: string[] = [];
  for (const m of members) {
    const reasons = recipients.get(m.id) ?? new Set();
    const inserted = await db
      .insertInto('community_member_notifications')
      .values({
        workspace_id: c.thread.workspace_id,
        member_id: m.id,
        change_id: null,
        post_id: Number(c.post.id),
        thread_id: c.thread.id,
        kind,
        title: titleOf(reasons),
        body,
        url,
        reasons: ctx.dialect.toJson([...reasons].sort()),
        created_at: ctx.now().toISOString(),
        read_at: null,
      })
      .onConflict((oc) => oc.columns(['post_id', 'member_id', 'kind']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) told.push(m.id);
  }
  return told;
}

/** A member who takes email about answers: a verified address and `email_replies` on. */
async function memberToEmail(db: Db, workspaceId: string, memberId: string | null) {
  if (memberId === null) return null;
  const m = await db
    .selectFrom('community_members')
    .select(['id', 'email', 'email_verified_at', 'email_replies', 'display_name'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', memberId)
    .executeTakeFirst();
  return m?.email && m.email_verified_at !== null && Number(m.email_replies) === 1 ? m : null;
}

/** The asker, when they take email about answers. */
async function askerToEmail(db: Db, c: Context) {
  if (c.thread.kind !== 'question') return null;
  return memberToEmail(db, c.thread.workspace_id, c.thread.author_member_id);
}

const WHY_EMAILED: Record<DeliveryRow['kind'], string> = {
  first_answer: 'You get this email because you asked the question.',
  answer_accepted: 'You get this email because you asked the question.',
  your_answer_accepted: 'You get this email because you answered the question.',
};

async function queueEmail(
  ctx: AppContext,
  db: Db,
  c: Context,
  kind: DeliveryRow['kind'],
  to: { id: string; email: string | null; display_name: string },
  subject: string,
  lines: string[],
): Promise<void> {
  const now = ctx.now().toISOString();
  const url = communityThreadUrl(ctx, c.slug, c.thread.id, Number(c.post.number));
  await db
    .insertInto('community_post_deliveries')
    .values({
      id: newId(ctx.now()),
      workspace_id: c.thread.workspace_id,
      thread_id: c.thread.id,
      post_id: Number(c.post.id),
      member_id: to.id,
      kind,
      target_key: `post:${c.post.id}`,
      recipient: to.email ?? '',
      subject: `${subject} (${c.communityName} community)`,
      body: [
        `Hello ${to.display_name},`,
        '',
        ...lines,
        '',
        url,
        '',
        `${WHY_EMAILED[kind]} To stop emails about answers, turn off "email me about replies" in your community profile.`,
        '',
      ].join('\n'),
      status: 'queued',
      attempts: 0,
      next_attempt_at: now,
      last_error: null,
      external_id: null,
      created_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.columns(['kind', 'target_key', 'member_id']).doNothing())
    .execute();
}

/** Whether an earlier visible reply by someone other than the asker answered the question already. */
async function answeredBefore(db: Db, thread: ThreadRow, number: number): Promise<boolean> {
  const earlier = await db
    .selectFrom('community_posts')
    .select('id')
    .where('thread_id', '=', thread.id)
    .where('number', '>', 1)
    .where('number', '<', number)
    .where('deleted_at', 'is', null)
    .where('hidden_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb('author_member_id', 'is', null),
        eb('author_member_id', '!=', thread.author_member_id ?? ''),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
  return earlier !== undefined;
}

/**
 * Tells members about a new post: the thread's starter (a reply, or an answer to their question)
 * and the members it @mentions (`mentionedMemberIds`, as the post was rendered), one notification
 * each; and emails the asker about their question's first answer. Idempotent. After an edit
 * (`mentionsOnly`), only the mentioned members who were not told about the post yet.
 */
export async function notifyPostWritten(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  postId: number,
  mentionedMemberIds: readonly string[],
  opts: { mentionsOnly?: boolean } = {},
): Promise<string[]> {
  const c = await readablePost(db, workspaceId, postId);
  if (!c) return [];
  const { post, thread } = c;
  const recipients = new Map<string, Set<MemberNotificationReason>>();
  const add = (memberId: string, reason: MemberNotificationReason) => {
    if (memberId === post.author_member_id) return;
    recipients.set(memberId, (recipients.get(memberId) ?? new Set()).add(reason));
  };
  // An edit is news only for the members it newly mentions: the reply itself was told when written.
  const reply = Number(post.number) > 1 && !opts.mentionsOnly;
  if (reply && thread.author_member_id !== null)
    add(thread.author_member_id, thread.kind === 'question' ? 'asked' : 'started');
  for (const id of mentionedMemberIds) add(id, 'mentioned');
  const author = (await authorsOf(db, workspaceId, [post])).get(authorKey(post) ?? '')?.name ?? 'Someone';
  const told = await insertNotifications(ctx, db, c, 'post', recipients, (reasons) =>
    reasons.has('asked')
      ? `${author} answered ${quoted(thread.title)}`
      : reasons.has('started')
        ? `${author} replied in ${quoted(thread.title)}`
        : `${author} mentioned you in ${quoted(thread.title)}`,
  );
  if (reply && recipients.get(thread.author_member_id ?? '')?.has('asked')) {
    const asker = await askerToEmail(db, c);
    if (asker && !(await answeredBefore(db, thread, Number(post.number))))
      await queueEmail(ctx, db, c, 'first_answer', asker, `${author} answered your question`, [
        `${author} answered your question ${quoted(thread.title)}:`,
        '',
        excerpt(post.body_markdown, '', 500),
      ]);
  }
  return told;
}

/**
 * Tells the asker that an answer in their question was accepted and the answer's author that
 * theirs was, and emails each of them who takes email about answers; whoever accepted it is not
 * told. Idempotent: accepting the same answer again (or again after withdrawing it) tells and
 * emails nobody twice, by the unique keys of the notification and the email.
 */
export async function notifyAnswerAccepted(
  ctx: AppContext,
  db: Db,
  by: CommunityActor,
  postId: number,
): Promise<string[]> {
  const c = await readablePost(db, by.workspaceId, postId);
  if (c?.thread.kind !== 'question' || Number(c.thread.accepted_post_id) !== Number(c.post.id)) return [];
  const { post, thread } = c;
  const actorMemberId = isMember(by) ? by.memberId : null;
  const recipients = new Map<string, Set<MemberNotificationReason>>();
  const add = (memberId: string | null, reason: MemberNotificationReason) => {
    if (memberId === null || memberId === actorMemberId) return;
    recipients.set(memberId, (recipients.get(memberId) ?? new Set()).add(reason));
  };
  add(thread.author_member_id, 'asked');
  add(post.author_member_id, 'answered');
  const told = await insertNotifications(ctx, db, c, 'answer_accepted', recipients, (reasons) =>
    reasons.has('answered')
      ? `Your answer to ${quoted(thread.title)} was accepted`
      : `An answer to ${quoted(thread.title)} was accepted`,
  );
  if (recipients.has(thread.author_member_id ?? '')) {
    const asker = await askerToEmail(db, c);
    if (asker)
      await queueEmail(ctx, db, c, 'answer_accepted', asker, 'An answer to your question was accepted', [
        `This answer to your question ${quoted(thread.title)} was accepted:`,
        '',
        excerpt(post.body_markdown, '', 500),
      ]);
  }
  // An asker who answered their own question has the asker's email above; a second would repeat it.
  if (recipients.has(post.author_member_id ?? '') && post.author_member_id !== thread.author_member_id) {
    const answerer = await memberToEmail(db, thread.workspace_id, post.author_member_id);
    if (answerer)
      await queueEmail(ctx, db, c, 'your_answer_accepted', answerer, 'Your answer was accepted', [
        `Your answer to ${quoted(thread.title)} was accepted:`,
        '',
        excerpt(post.body_markdown, '', 500),
      ]);
  }
  return told;
}

// ------------------------------------------------------------------ delivery

/** Why a queued email is no longer worth sending, or null when it still is. */
async function outdated(ctx: AppContext, d: DeliveryRow): Promise<string | null> {
  const c = await readablePost(ctx.db, d.workspace_id, Number(d.post_id));
  if (!c) return 'The post is hidden, deleted or no longer readable by members';
  const m = await ctx.db
    .selectFrom('community_members')
    .select(['email', 'email_verified_at', 'email_replies'])
    .where('id', '=', d.member_id)
    .executeTakeFirst();
  if (!m || Number(m.email_replies) !== 1) return 'The member turned off emails about replies';
  if (m.email !== d.recipient || m.email_verified_at === null) return 'The member’s address changed';
  if (
    (d.kind === 'answer_accepted' || d.kind === 'your_answer_accepted') &&
    Number(c.thread.accepted_post_id) !== Number(d.post_id)
  )
    return 'The answer is no longer the accepted one';
  // Another reply that counted as the first answer (written at the same time, or shown again by a moderator).
  if (d.kind === 'first_answer' && (await answeredBefore(ctx.db, c.thread, Number(c.post.number))))
    return 'An earlier answer was the first';
  return staleReason(d.created_at, ctx.now(), 'the answer');
}

async function deliverOne(ctx: AppContext, d: DeliveryRow): Promise<string> {
  const why = await outdated(ctx, d);
  if (why) throw new SkipDelivery(why);
  const mailer = await communityMailer(ctx, d.workspace_id);
  if (!mailer) throw new SkipDelivery('No email connector (SMTP) to send community mail');
  const domain = mailer.config.fromAddress.split('@')[1] ?? 'rapport.local';
  // A fixed Message-ID: a retry after a crash is the same message to the reader's mail client.
  const sent = await sendEmail(mailer.config, mailer.secret, {
    messageId: `<answer-${d.id}@${domain}>`,
    to: d.recipient,
    subject: d.subject,
    text: d.body,
  });
  return sent.messageId;
}

/**
 * The worker's pass over emails about answers: claims due ones, sends each, and records sent, a
 * retry with backoff, failed or skipped (with why). Returns how many were attempted.
 */
export async function deliverPostDeliveries(ctx: AppContext, limit = 20): Promise<number> {
  return deliverDue(ctx, 'community_post_deliveries', limit, async (d) => ({
    external_id: await deliverOne(ctx, d),
  }));
}
