import type { z } from '@hono/zod-openapi';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { PublishError, postBlueskyReply } from '../../connectors/bluesky/publish.ts';
import { sendEmail, smtpConfigSchema } from '../../connectors/email/smtp.ts';
import { mastodonConfigSchema } from '../../connectors/fediverse/mastodon.ts';
import { postMastodonStatus } from '../../connectors/fediverse/publish.ts';
import { blueskyConfigSchema } from '../../connectors/jetstream/jetstream.ts';
import { canSendWith, effectiveConfig } from '../../connectors/registry.ts';
import { connectorSecret } from '../../connectors/service.ts';
import type { AppContext } from '../../context.ts';
import type { ConnectorsTable, DB, OutboxRepliesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { recordEvent } from '../collaboration/feed.ts';
import { caseRow } from './cases.ts';
import {
  type NoteInput,
  type NoteView,
  noteInput,
  type ReplyInput,
  type ReplyView,
  replyInput,
} from './notes-schema.ts';
import { recordAgentResponse } from './sla.ts';

type Db = Kysely<DB> | Transaction<DB>;
type ReplyRow = Selectable<OutboxRepliesTable>;
type ParsedReplyInput = z.infer<typeof replyInput>;
type ConnectorRow = Selectable<ConnectorsTable>;

/** Longest text each channel takes in one post (Bluesky counts graphemes; characters are close enough here). */
const maxLength: Record<string, number> = { bluesky: 300, mastodon: 500, email: 20_000 };
/** Minutes to wait after the 1st, 2nd, … failed attempt; after the last, the reply has failed. */
const BACKOFF_MINUTES = [1, 5, 30, 120];
/** A delivery still "sending" after this long was cut short (the process died): it is retried. */
const STALE_SENDING_MS = 5 * 60_000;

export function toReplyView(r: ReplyRow): ReplyView {
  return {
    id: r.id,
    caseId: r.case_id,
    mentionId: r.mention_id === null ? null : Number(r.mention_id),
    channel: r.channel,
    visibility: r.visibility,
    recipient: r.recipient,
    body: r.body,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    externalId: r.external_id,
    externalUrl: r.external_url,
    authorUserId: r.author_user_id,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

/**
 * The workspace's enabled connectors of a kind that can send as configured: with their credential,
 * or an SMTP relay that needs none (`canSendWith`, the rule the connector form applies).
 */
async function sendingConnectors(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  kind: string,
): Promise<ConnectorRow[]> {
  const rows = await db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('enabled', '=', 1)
    .orderBy('created_at')
    .execute();
  return rows.filter((c) =>
    canSendWith(
      kind,
      effectiveConfig(kind, ctx.dialect.parseJson<Record<string, unknown>>(c.config)),
      c.secret_encrypted !== null,
    ),
  );
}

/** The connector that can send on a channel for this reply, or why there is none. */
async function senderFor(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  channel: string,
  target: string | null,
): Promise<ConnectorRow> {
  const kind = channel === 'email' ? 'email' : channel;
  const candidates = await sendingConnectors(ctx, db, workspaceId, kind);
  const match = candidates.find((c) => {
    const config = ctx.dialect.parseJson<Record<string, unknown>>(c.config);
    if (kind === 'bluesky') return blueskyConfigSchema.parse(config).account !== null;
    // A status id only means something on the instance it came from.
    if (kind === 'mastodon')
      return target === null || new URL(mastodonConfigSchema.parse(config).instance).host === target;
    return true;
  });
  if (!match)
    throw new AppError(
      'conflict',
      kind === 'bluesky'
        ? 'No Bluesky account to reply from: add the brand account and its app password to a Bluesky connector'
        : kind === 'mastodon'
          ? `No Mastodon account on ${target ?? 'that instance'} to reply from: add an access token to its connector`
          : kind === 'email'
            ? 'No email connector (SMTP) to send from'
            : `Replies cannot be sent on ${channel}`,
      { channel },
    );
  return match;
}

/**
 * Demo posts (external ids `demo:…`, made by the demo stream) are answered by the demo connector,
 * which only pretends to post, unless the workspace has a real account on the channel: replies
 * work in the demo without one, and nothing made-up reaches a real network.
 */
async function demoSender(
  ctx: AppContext,
  db: Db,
  workspaceId: string,
  mention: { external_id: string; channel: string } | undefined,
): Promise<ConnectorRow | undefined> {
  if (!mention?.external_id.startsWith('demo:')) return undefined;
  const target = mention.channel === 'mastodon' ? (mention.external_id.split('/')[0] ?? null) : null;
  const real = await senderFor(ctx, db, workspaceId, mention.channel, target).then(
    () => true,
    () => false,
  );
  if (real) return undefined;
  return db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'demo')
    .where('enabled', '=', 1)
    .orderBy('created_at')
    .executeTakeFirst();
}

/** Where a private message to the case's customer goes: Mastodon direct on Mastodon, else their email. */
async function privateRoute(
  db: Db,
  workspaceId: string,
  channel: string,
  customerId: string | null,
  authorHandle: string | null,
): Promise<{ channel: string; recipient: string }> {
  if (channel === 'mastodon' && authorHandle) return { channel: 'mastodon', recipient: authorHandle };
  const customer = customerId
    ? await db
        .selectFrom('customers')
        .select('primary_email')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', customerId)
        .executeTakeFirst()
    : undefined;
  if (!customer?.primary_email)
    throw new AppError(
      'conflict',
      'The customer has no private channel: no email address on their profile (and Bluesky direct messages are not sent)',
    );
  return { channel: 'email', recipient: customer.primary_email };
}

function checkLength(channel: string, body: string, path: string): void {
  const max = maxLength[channel] ?? 20_000;
  if ([...body].length > max)
    throw new AppError('validation_failed', `Too long for ${channel}: at most ${max} characters`, {
      fields: [{ path, message: `at most ${max} characters on ${channel}` }],
    });
}

/**
 * Queues a reply on a case through the outbox: in the thread of a post (`public`), or privately
 * to the customer (`private`: Mastodon direct message or email), optionally with a public
 * acknowledgement in the thread. Delivery happens in the worker; the reply's status says how it went.
 */
export async function queueReply(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  input: ReplyInput,
): Promise<ReplyView[]> {
  requirePermission(actor, 'inbox:work');
  const parsed = replyInput.parse(input);
  return ctx.db
    .transaction()
    .execute((trx) =>
      queueReplyIn(ctx, trx, { workspaceId: actor.workspaceId, userId: actor.userId }, caseId, parsed),
    );
}

/**
 * Plans and queues a reply inside the caller's transaction: an agent's (above) or a routing
 * rule's (no author). Refuses with an AppError what could not be sent: a closed case, no post to
 * reply to, a text too long for the channel, no account to send from.
 */
export async function queueReplyIn(
  ctx: AppContext,
  trx: Transaction<DB>,
  author: { workspaceId: string; userId: string | null },
  caseId: string,
  parsed: ParsedReplyInput,
  options: { holdUntil?: Date } = {},
): Promise<ReplyView[]> {
  const c = await caseRow(trx, author.workspaceId, caseId);
  if (c.merged_into !== null || c.status === 'closed')
    throw new AppError(
      'conflict',
      `Case ${c.number} is ${c.merged_into ? 'merged' : 'closed'}; reply on an open case`,
    );
  // The post replied to: the one named, else the customer's latest post in the case. A case's
  // threads also hold other people's replies and our own posts coming back from the network,
  // and the latest of those is not who the agent is answering.
  const mentionQuery = trx
    .selectFrom('mentions')
    .leftJoin('authors', 'authors.id', 'mentions.author_id')
    .select([
      'mentions.id',
      'mentions.channel',
      'mentions.external_id',
      'mentions.deleted_at',
      'authors.handle',
    ])
    .where('mentions.workspace_id', '=', author.workspaceId)
    .where('mentions.case_id', '=', caseId);
  const latest = mentionQuery.where('mentions.deleted_at', 'is', null).orderBy('mentions.id', 'desc');
  const notOurs = latest.where((eb) =>
    eb.not(
      eb.exists(
        eb
          .selectFrom('outbox_replies')
          .select('outbox_replies.id')
          .where('outbox_replies.workspace_id', '=', author.workspaceId)
          .whereRef('outbox_replies.external_id', '=', 'mentions.external_id'),
      ),
    ),
  );
  const mention = parsed.mentionId
    ? await mentionQuery.where('mentions.id', '=', parsed.mentionId).executeTakeFirst()
    : ((c.customer_id
        ? await notOurs
            .where(
              'mentions.author_id',
              'in',
              trx
                .selectFrom('identities')
                .select('identities.author_id')
                .where('identities.workspace_id', '=', author.workspaceId)
                .where('identities.customer_id', '=', c.customer_id)
                .where('identities.author_id', 'is not', null),
            )
            .executeTakeFirst()
        : undefined) ??
      (await notOurs.executeTakeFirst()) ??
      (await latest.executeTakeFirst()));
  if (parsed.mentionId && !mention)
    throw new AppError('validation_failed', `Mention ${parsed.mentionId} is not part of case ${c.number}`, {
      fields: [{ path: 'mentionId', message: 'not a post of this case' }],
    });
  const instanceOf = (m: { channel: string; external_id: string }) =>
    m.channel === 'mastodon' ? (m.external_id.split('/')[0] ?? null) : null;
  const planned: {
    channel: string;
    visibility: 'public' | 'private';
    recipient: string | null;
    body: string;
  }[] = [];
  const publicReply = (body: string, path: string) => {
    if (!mention) throw new AppError('conflict', `Case ${c.number} has no post to reply to`);
    if (mention.deleted_at !== null) throw new AppError('conflict', 'The post was deleted by its author');
    checkLength(mention.channel, body, path);
    // On Mastodon a reply names the person, or they are not told.
    const text =
      mention.channel === 'mastodon' && mention.handle && !body.includes(`@${mention.handle}`)
        ? `@${mention.handle} ${body}`
        : body;
    planned.push({ channel: mention.channel, visibility: 'public', recipient: null, body: text });
  };
  const demo = await demoSender(ctx, trx, author.workspaceId, mention);
  if (parsed.visibility === 'public') {
    publicReply(parsed.body, 'body');
  } else {
    const route = demo
      ? { channel: mention?.channel ?? '', recipient: mention?.handle ?? 'customer' }
      : await privateRoute(
          trx,
          author.workspaceId,
          mention?.channel ?? c.channel ?? '',
          c.customer_id,
          mention?.handle ?? null,
        );
    checkLength(route.channel, parsed.body, 'body');
    const body =
      route.channel === 'mastodon' && !parsed.body.includes(`@${route.recipient}`)
        ? `@${route.recipient} ${parsed.body}`
        : parsed.body;
    planned.push({ channel: route.channel, visibility: 'private', recipient: route.recipient, body });
    if (parsed.acknowledgement) publicReply(parsed.acknowledgement, 'acknowledgement');
  }
  // Refuse now, not at delivery, when nothing can send on the channel.
  for (const p of demo ? [] : planned)
    await senderFor(
      ctx,
      trx,
      author.workspaceId,
      p.channel,
      p.channel === 'mastodon' && mention ? instanceOf(mention) : null,
    );
  const now = ctx.now().toISOString();
  // A held reply is not due (the worker leaves it) until the hold ends, so it can still be cancelled.
  const due = options.holdUntil ? options.holdUntil.toISOString() : now;
  const rows: ReplyRow[] = planned.map((p) => ({
    id: newId(ctx.now()),
    workspace_id: author.workspaceId,
    case_id: caseId,
    mention_id: mention ? Number(mention.id) : null,
    channel: p.channel,
    visibility: p.visibility,
    recipient: p.recipient,
    body: p.body,
    status: 'queued',
    attempts: 0,
    next_attempt_at: due,
    last_error: null,
    external_id: null,
    external_url: null,
    author_user_id: author.userId,
    created_at: now,
    sent_at: null,
  }));
  await trx.insertInto('outbox_replies').values(rows).execute();
  for (const r of rows)
    await recordEvent(ctx, trx, {
      workspaceId: author.workspaceId,
      recordType: 'case',
      recordId: caseId,
      kind: 'reply_queued',
      actorUserId: author.userId,
      data: { replyId: r.id, channel: r.channel, visibility: r.visibility },
      summary: `Case ${c.number}: a ${r.visibility} reply on ${r.channel} is on its way`,
    });
  return rows.map(toReplyView);
}

/**
 * Cancels replies that are still held: queued, never attempted and not yet due. One the worker has
 * claimed (`sending`), tried or sent is left alone. Returns the ids cancelled.
 */
export async function cancelHeldRepliesIn(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  replyIds: string[],
): Promise<string[]> {
  if (replyIds.length === 0) return [];
  const now = ctx.now().toISOString();
  // The conditions sit in the update itself: on PostgreSQL a claim committed meanwhile wins.
  const rows = await trx
    .updateTable('outbox_replies')
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', replyIds)
    .where('status', '=', 'queued')
    .where('attempts', '=', 0)
    .where('next_attempt_at', '>', now)
    .set({ status: 'cancelled', next_attempt_at: null })
    .returning(['id', 'case_id', 'channel'])
    .execute();
  for (const r of rows) {
    const c = await caseRow(trx, workspaceId, r.case_id);
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'case',
      recordId: r.case_id,
      kind: 'reply_cancelled',
      actorUserId: null,
      data: { replyId: r.id, channel: r.channel },
      summary: `Case ${c.number}: a reply on ${r.channel} was cancelled before it was sent`,
    });
  }
  return rows.map((r) => r.id);
}

/** Sends one reply through its channel's connector; returns what the channel calls it. */
async function deliver(ctx: AppContext, r: ReplyRow): Promise<{ externalId: string; url: string | null }> {
  const mention =
    r.mention_id === null
      ? undefined
      : await ctx.db
          .selectFrom('mentions')
          .select(['external_id', 'channel', 'text'])
          .where('id', '=', Number(r.mention_id))
          .executeTakeFirst();
  if (await demoSender(ctx, ctx.db, r.workspace_id, mention))
    return { externalId: `demo:reply:${r.id}`, url: null };
  const target = r.channel === 'mastodon' && mention ? (mention.external_id.split('/')[0] ?? null) : null;
  const connector = await senderFor(
    ctx,
    ctx.db,
    r.workspace_id,
    r.channel,
    r.visibility === 'public' ? target : null,
  );
  const secret = connectorSecret(ctx, connector);
  const config = ctx.dialect.parseJson<Record<string, unknown>>(connector.config);
  if (r.channel === 'bluesky') {
    const account = blueskyConfigSchema.parse(config).account;
    if (!account || !secret || !mention)
      throw new PublishError('No Bluesky account or post to reply to', false);
    const posted = await postBlueskyReply(
      { service: account.service, identifier: account.identifier, password: secret },
      { id: r.id, createdAt: new Date(r.created_at), parentUri: mention.external_id, text: r.body },
    );
    return { externalId: posted.uri, url: posted.url };
  }
  if (r.channel === 'mastodon') {
    const { instance } = mastodonConfigSchema.parse(config);
    if (!secret) throw new PublishError('No Mastodon access token', false);
    const statusId =
      r.visibility === 'public' && mention ? mention.external_id.split('/').slice(1).join('/') : null;
    const posted = await postMastodonStatus(
      { instance, token: secret },
      {
        id: r.id,
        text: r.body,
        inReplyToId: statusId,
        visibility: r.visibility === 'public' ? 'public' : 'direct',
      },
    );
    return { externalId: `${new URL(instance).host}/${posted.id}`, url: posted.url };
  }
  if (r.channel === 'email') {
    const smtp = smtpConfigSchema.parse(config);
    if (!r.recipient) throw new PublishError('No recipient address', false);
    const c = await ctx.db
      .selectFrom('cases')
      .select(['number', 'subject'])
      .where('id', '=', r.case_id)
      .executeTakeFirstOrThrow();
    const domain = smtp.fromAddress.split('@')[1] ?? 'rapport.local';
    // Earlier emails of this case to the same person: this one continues their thread.
    const earlier = await ctx.db
      .selectFrom('outbox_replies')
      .select('external_id')
      .where('workspace_id', '=', r.workspace_id)
      .where('case_id', '=', r.case_id)
      .where('channel', '=', 'email')
      .where('recipient', '=', r.recipient)
      .where('status', '=', 'sent')
      .where('id', '!=', r.id)
      .where('external_id', 'is not', null)
      .orderBy('sent_at')
      .orderBy('id')
      .execute();
    const sent = await sendEmail(smtp, secret, {
      messageId: `<${r.id}@${domain}>`,
      to: r.recipient,
      subject: `Re: ${c.subject} [case ${c.number}]`,
      text: r.body,
      references: earlier.flatMap((e) => (e.external_id ? [e.external_id] : [])),
    });
    return { externalId: sent.messageId, url: null };
  }
  throw new PublishError(`Replies cannot be sent on ${r.channel}`, false);
}

async function afterSent(ctx: AppContext, trx: Transaction<DB>, r: ReplyRow, sentAt: string): Promise<void> {
  const c = await caseRow(trx, r.workspace_id, r.case_id);
  await recordAgentResponse(ctx, trx, r.workspace_id, r.case_id, new Date(sentAt));
  // A post answered directly (not already part of a case decision) is now `answered`.
  if (r.mention_id !== null)
    await trx
      .updateTable('mentions')
      .set({ disposition: 'answered', disposition_at: sentAt, disposition_by: r.author_user_id })
      .where('id', '=', Number(r.mention_id))
      .where('disposition', 'is', null)
      .execute();
  await recordEvent(ctx, trx, {
    workspaceId: r.workspace_id,
    recordType: 'case',
    recordId: r.case_id,
    kind: 'reply_sent',
    actorUserId: r.author_user_id,
    data: {
      replyId: r.id,
      channel: r.channel,
      visibility: r.visibility,
      externalId: r.external_id,
      url: r.external_url,
    },
    summary: `Case ${c.number}: reply sent on ${r.channel}`,
  });
}

/**
 * The worker's outbox pass: claims due replies (and ones left "sending" by a process that died),
 * sends each through its channel, and records the outcome: sent, retried later with backoff, or
 * failed with the reason. Returns how many were attempted.
 */
export async function deliverDueReplies(ctx: AppContext, limit = 20): Promise<number> {
  const now = ctx.now();
  const claimed = await ctx.db.transaction().execute(async (trx) => {
    const due = await ctx.dialect
      .lockForClaim(
        trx
          .selectFrom('outbox_replies')
          .selectAll()
          .where((eb) =>
            eb.or([
              eb.and([eb('status', '=', 'queued'), eb('next_attempt_at', '<=', now.toISOString())]),
              eb.and([
                eb('status', '=', 'sending'),
                eb('next_attempt_at', '<=', new Date(now.getTime() - STALE_SENDING_MS).toISOString()),
              ]),
            ]),
          )
          .orderBy('created_at')
          .limit(limit),
      )
      .execute();
    if (due.length === 0) return [];
    await trx
      .updateTable('outbox_replies')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        next_attempt_at: now.toISOString(),
      }))
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .execute();
    return due.map((d) => ({ ...d, status: 'sending' as const, attempts: Number(d.attempts) + 1 }));
  });
  for (const r of claimed) {
    let outcome: { externalId: string; url: string | null } | PublishError | AppError;
    try {
      outcome = await deliver(ctx, r);
    } catch (err) {
      outcome =
        err instanceof PublishError || err instanceof AppError
          ? err
          : new PublishError(err instanceof Error ? err.message : String(err), true);
    }
    const at = ctx.now().toISOString();
    await ctx.db.transaction().execute(async (trx) => {
      if (!(outcome instanceof Error)) {
        const sent = {
          ...r,
          status: 'sent' as const,
          external_id: outcome.externalId,
          external_url: outcome.url,
          sent_at: at,
          last_error: null,
          next_attempt_at: null,
        };
        await trx
          .updateTable('outbox_replies')
          .set({
            status: 'sent',
            external_id: sent.external_id,
            external_url: sent.external_url,
            sent_at: at,
            last_error: null,
            next_attempt_at: null,
          })
          .where('id', '=', r.id)
          .execute();
        await afterSent(ctx, trx, sent, at);
        return;
      }
      const retryable = outcome instanceof PublishError && outcome.retryable;
      const wait = BACKOFF_MINUTES[r.attempts - 1];
      if (retryable && wait !== undefined) {
        await trx
          .updateTable('outbox_replies')
          .set({
            status: 'queued',
            last_error: outcome.message,
            next_attempt_at: new Date(Date.parse(at) + wait * 60_000).toISOString(),
          })
          .where('id', '=', r.id)
          .execute();
        return;
      }
      await trx
        .updateTable('outbox_replies')
        .set({ status: 'failed', last_error: outcome.message, next_attempt_at: null })
        .where('id', '=', r.id)
        .execute();
      const c = await caseRow(trx, r.workspace_id, r.case_id);
      await recordEvent(ctx, trx, {
        workspaceId: r.workspace_id,
        recordType: 'case',
        recordId: r.case_id,
        kind: 'reply_failed',
        actorUserId: null,
        data: { replyId: r.id, channel: r.channel, reason: outcome.message, attempts: r.attempts },
        summary: `Case ${c.number}: a reply on ${r.channel} could not be sent: ${outcome.message}`,
        notify: r.author_user_id ? [r.author_user_id] : [],
      });
    });
  }
  return claimed.length;
}

/** Puts a failed reply back in the queue, now. */
export async function retryReply(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  replyId: string,
): Promise<ReplyView> {
  requirePermission(actor, 'inbox:work');
  const r = await ctx.db
    .selectFrom('outbox_replies')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('case_id', '=', caseId)
    .where('id', '=', replyId)
    .executeTakeFirst();
  if (!r) throw new AppError('not_found', `No reply ${replyId}`);
  if (r.status !== 'failed')
    throw new AppError('conflict', `Only a failed reply can be retried (this one is ${r.status})`);
  await ctx.db
    .updateTable('outbox_replies')
    .set({ status: 'queued', attempts: 0, next_attempt_at: ctx.now().toISOString() })
    .where('id', '=', replyId)
    .execute();
  return toReplyView({ ...r, status: 'queued', attempts: 0, next_attempt_at: ctx.now().toISOString() });
}

export async function caseReplies(
  ctx: AppContext,
  workspaceId: string,
  caseId: string,
): Promise<ReplyView[]> {
  const rows = await ctx.db
    .selectFrom('outbox_replies')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(toReplyView);
}

/** Whether a stored post is one Rapport sent (a reply coming back through the firehose or stream). */
export async function isOwnPost(
  db: AppContext['db'] | Transaction<DB>,
  workspaceId: string,
  externalId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('outbox_replies')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row !== undefined;
}

// ------------------------------------------------------------------ internal notes

/** An internal note on a case (never sent to the customer); colleagues @mentioned are notified. */
export async function addNote(
  ctx: AppContext,
  actor: Actor,
  caseId: string,
  input: NoteInput,
): Promise<NoteView> {
  requirePermission(actor, 'inbox:work');
  const parsed = noteInput.parse(input);
  const c = await caseRow(ctx.db, actor.workspaceId, caseId);
  const mentioned = [...new Set(parsed.mentionUserIds)];
  if (mentioned.length > 0) {
    const found = await ctx.db
      .selectFrom('users')
      .select('id')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', 'in', mentioned)
      .execute();
    if (found.length !== mentioned.length)
      throw new AppError('validation_failed', 'Only colleagues of this workspace can be mentioned', {
        fields: [{ path: 'mentionUserIds', message: 'unknown users' }],
      });
  }
  const note = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    case_id: caseId,
    author_user_id: actor.userId,
    body: parsed.body,
    mentioned_user_ids: ctx.dialect.toJson(mentioned),
    created_at: ctx.now().toISOString(),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('case_notes').values(note).execute();
    await recordEvent(ctx, trx, {
      workspaceId: actor.workspaceId,
      recordType: 'case',
      recordId: caseId,
      kind: 'note',
      actorUserId: actor.userId,
      data: { noteId: note.id, mentionUserIds: mentioned },
      summary: `Case ${c.number}: ${mentioned.length > 0 ? 'you were mentioned in a note' : 'new internal note'}`,
      notify: mentioned,
    });
  });
  return {
    id: note.id,
    authorUserId: actor.userId,
    body: note.body,
    mentionUserIds: mentioned,
    createdAt: note.created_at,
  };
}

export async function caseNotes(ctx: AppContext, workspaceId: string, caseId: string): Promise<NoteView[]> {
  const rows = await ctx.db
    .selectFrom('case_notes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    authorUserId: r.author_user_id,
    body: r.body,
    mentionUserIds: ctx.dialect.parseJson<string[]>(r.mentioned_user_ids),
    createdAt: r.created_at,
  }));
}

/** The workspace's outbox, newest first: for operators watching delivery (`rapport inbox outbox list`). */
export async function listOutbox(
  ctx: AppContext,
  actor: Actor,
  status: ReplyView['status'] | undefined,
  limit = 200,
): Promise<ReplyView[]> {
  requirePermission(actor, 'inbox:read');
  let q = ctx.db.selectFrom('outbox_replies').selectAll().where('workspace_id', '=', actor.workspaceId);
  if (status) q = q.where('status', '=', status);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toReplyView);
}
