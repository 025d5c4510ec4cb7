import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import { PublishError, replyRecordKey } from '../../connectors/bluesky/publish.ts';
import { mastodonConfigSchema } from '../../connectors/fediverse/mastodon.ts';
import { postMastodonStatus } from '../../connectors/fediverse/publish.ts';
import { blueskyConfigSchema } from '../../connectors/jetstream/jetstream.ts';
import { connectorSecret } from '../../connectors/service.ts';
import type { AppContext } from '../../context.ts';
import type { CommunitySharesTable, ConnectorsTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { repeatEvery } from '../../scheduling.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { createCase, insertCase } from '../inbox/cases.ts';
import type { ReplyView } from '../inbox/notes-schema.ts';
import { queueReply } from '../inbox/replies.ts';
import { threadRow, visibleThread } from './access.ts';
import { communityThreadUrl, deliverLoopDeliveries, notifyIdeaStatusChanges } from './loop.ts';
import { deliverDue } from './outbox.ts';
import { deliverPostDeliveries } from './post-notifications.ts';

/**
 * Bridges between the community and the inbox (issue #7, item 11): answering a social post with a
 * link to a community answer or article, turning questions nobody answered into cases, and
 * sharing a thread on the workspace's Bluesky or Mastodon account.
 */

type ShareRow = Selectable<CommunitySharesTable>;
type ConnectorRow = Selectable<ConnectorsTable>;

async function workspaceSlug(ctx: AppContext, workspaceId: string): Promise<string> {
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select('slug')
    .where('id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return ws.slug;
}

/**
 * The public URL of a thread (or one of its posts) that anyone may open: a thread the public site
 * would not show (deleted, hidden, in a closed space) or a post that is gone has none.
 */
export async function publicThreadUrl(
  ctx: AppContext,
  workspaceId: string,
  threadId: string,
  postNumber?: number,
): Promise<{ url: string; title: string }> {
  const { thread } = await visibleThread(ctx.db, { kind: 'anonymous', workspaceId }, threadId);
  if (postNumber !== undefined && postNumber > 1) {
    const post = await ctx.db
      .selectFrom('community_posts')
      .select(['deleted_at', 'hidden_at'])
      .where('thread_id', '=', thread.id)
      .where('number', '=', postNumber)
      .executeTakeFirst();
    if (!post || post.deleted_at !== null || post.hidden_at !== null)
      throw new AppError('not_found', `No post ${postNumber} in thread ${threadId}`);
  }
  return {
    url: communityThreadUrl(ctx, await workspaceSlug(ctx, workspaceId), thread.id, postNumber),
    title: thread.title,
  };
}

// ------------------------------------------------------------------ answer with a link

export const answerWithLinkInput = z
  .object({
    caseId: z.string().min(1).max(64).optional(),
    mentionId: z.number().int().positive().optional(),
    threadId: z.string().min(1).max(64),
    postNumber: z.number().int().positive().optional(),
    text: z.string().trim().max(250).default('This was answered in our community:'),
  })
  .refine(
    (v) => v.caseId !== undefined || v.mentionId !== undefined,
    'name the case or the mention to answer',
  )
  .openapi('CommunityAnswerWithLink');
export type AnswerWithLinkInput = z.input<typeof answerWithLinkInput>;

export const answerWithLinkSchema = z
  .object({ caseId: z.string(), url: z.string(), replyIds: z.array(z.string()) })
  .openapi('CommunityAnswerWithLinkResult');

/**
 * Answers a social post (or the latest post of a case) publicly with a link to a community
 * answer or knowledge-base article, through the inbox outbox. A post that is not part of a case
 * yet gets one, since every reply is sent on a case.
 */
export async function answerWithLink(
  ctx: AppContext,
  actor: Actor,
  input: AnswerWithLinkInput,
): Promise<{ caseId: string; url: string; replyIds: string[] }> {
  requirePermission(actor, 'inbox:work');
  const parsed = answerWithLinkInput.parse(input);
  const { url } = await publicThreadUrl(ctx, actor.workspaceId, parsed.threadId, parsed.postNumber);
  let caseId = parsed.caseId;
  if (caseId === undefined && parsed.mentionId !== undefined) {
    const m = await ctx.db
      .selectFrom('mentions')
      .select(['id', 'text', 'case_id'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', parsed.mentionId)
      .executeTakeFirst();
    if (!m) throw new AppError('not_found', `No mention ${parsed.mentionId}`);
    caseId =
      m.case_id ??
      (
        await createCase(ctx, actor, {
          subject: m.text.slice(0, 120) || 'Answered with a community link',
          type: 'question',
          mentionIds: [Number(m.id)],
        })
      ).id;
  }
  const replies: ReplyView[] = await queueReply(ctx, actor, caseId ?? '', {
    body: `${parsed.text} ${url}`.trim(),
    visibility: 'public',
    ...(parsed.mentionId !== undefined ? { mentionId: parsed.mentionId } : {}),
  });
  return { caseId: caseId ?? '', url, replyIds: replies.map((r) => r.id) };
}

// ------------------------------------------------------------------ unanswered questions become cases

export const DEFAULT_UNANSWERED_HOURS = 24;

export const unansweredPolicySchema = z
  .object({
    enabled: z.boolean(),
    hours: z.number().int().min(1).max(720),
  })
  .openapi('CommunityUnansweredPolicy');
export type UnansweredPolicy = z.infer<typeof unansweredPolicySchema>;

/** The workspace's rule; without a saved one, questions become cases after 24 hours. */
export async function getUnansweredPolicy(ctx: AppContext, actor: Actor): Promise<UnansweredPolicy> {
  requirePermission(actor, 'inbox:read');
  return policyOf(ctx, actor.workspaceId);
}

async function policyOf(ctx: AppContext, workspaceId: string): Promise<UnansweredPolicy> {
  const row = await ctx.db
    .selectFrom('community_unanswered_policy')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row
    ? { enabled: row.enabled === 1, hours: Number(row.hours) }
    : { enabled: true, hours: DEFAULT_UNANSWERED_HOURS };
}

/** Changes the rule (people who configure the inbox: it creates cases). */
export async function saveUnansweredPolicy(
  ctx: AppContext,
  actor: Actor,
  input: UnansweredPolicy,
): Promise<UnansweredPolicy> {
  requirePermission(actor, 'inbox:configure');
  const p = unansweredPolicySchema.parse(input);
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('community_unanswered_policy')
      .values({
        workspace_id: actor.workspaceId,
        enabled: p.enabled ? 1 : 0,
        hours: p.hours,
        updated_by: actor.userId,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('workspace_id').doUpdateSet({
          enabled: p.enabled ? 1 : 0,
          hours: p.hours,
          updated_by: actor.userId,
          updated_at: now,
        }),
      )
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.unanswered_policy_changed',
      targetType: 'workspace',
      targetId: actor.workspaceId,
      details: p,
    });
  });
  return p;
}

const UNANSWERED_RULE = { id: 'community-unanswered', name: 'Unanswered community question' };
/** Shortest policy: questions younger than this are never candidates, whatever the workspace says. */
const MIN_HOURS = 1;

/**
 * Turns each community question nobody but its asker answered within the workspace's hours into a
 * case, once: the question's row in community_question_cases (its primary key) is written in the
 * case's transaction, so a retried or concurrent pass finds it and skips. The case names the
 * thread (subject, custom fields) since cases cannot reference a community thread themselves.
 * Returns the number of cases created.
 */
export async function escalateUnansweredQuestions(ctx: AppContext, limit = 100): Promise<number> {
  const now = ctx.now();
  const rows = await ctx.db
    .selectFrom('community_threads as t')
    .innerJoin('community_spaces as s', 's.id', 't.space_id')
    .innerJoin('workspaces as w', 'w.id', 't.workspace_id')
    .leftJoin('community_members as m', 'm.id', 't.author_member_id')
    .leftJoin('community_unanswered_policy as p', 'p.workspace_id', 't.workspace_id')
    .select([
      't.id',
      't.workspace_id',
      't.space_id',
      't.title',
      't.created_at',
      'w.slug',
      'm.customer_id',
      'p.enabled',
      'p.hours',
    ])
    .where('t.kind', '=', 'question')
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where('t.accepted_post_id', 'is', null)
    .where('s.closed_at', 'is', null)
    .where('t.created_at', '<=', new Date(now.getTime() - MIN_HOURS * 3600_000).toISOString())
    .where((eb) => eb.or([eb('p.enabled', 'is', null), eb('p.enabled', '=', 1)]))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('community_question_cases as q')
            .select('q.thread_id')
            .whereRef('q.thread_id', '=', 't.id'),
        ),
      ),
    )
    // Answered: a post after the first by someone other than the asker.
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('community_posts as a')
            .select('a.id')
            .whereRef('a.thread_id', '=', 't.id')
            .where('a.number', '>', 1)
            .where('a.deleted_at', 'is', null)
            .where((eb) =>
              eb.or([
                eb('a.author_user_id', 'is not', null),
                eb.and([
                  eb('a.author_member_id', 'is not', null),
                  eb.or([
                    eb('t.author_member_id', 'is', null),
                    eb('a.author_member_id', '!=', eb.ref('t.author_member_id')),
                  ]),
                ]),
              ]),
            ),
        ),
      ),
    )
    .orderBy('t.created_at')
    .limit(limit)
    .execute();
  let created = 0;
  for (const q of rows) {
    const hours = q.hours === null ? DEFAULT_UNANSWERED_HOURS : Number(q.hours);
    if (Date.parse(q.created_at) > now.getTime() - hours * 3600_000) continue;
    const url = communityThreadUrl(ctx, q.slug, q.id);
    const made = await ctx.db.transaction().execute(async (trx) => {
      const claimed = await trx
        .insertInto('community_question_cases')
        .values({
          thread_id: q.id,
          workspace_id: q.workspace_id,
          case_id: null,
          created_at: now.toISOString(),
        })
        .onConflict((oc) => oc.column('thread_id').doNothing())
        .returning('thread_id')
        .executeTakeFirst();
      if (!claimed) return false;
      const c = await insertCase(
        ctx,
        trx,
        q.workspace_id,
        {
          subject: `Community question unanswered for ${hours} h: ${q.title}`.slice(0, 300),
          type: 'question',
          tags: ['community'],
          // The space too, so that the inbox can open the question in the staff's Questions panel.
          customFields: { community_thread_id: q.id, community_space_id: q.space_id, community_url: url },
          ...(q.customer_id ? { customerId: q.customer_id } : {}),
        },
        { userId: null, rule: UNANSWERED_RULE },
      );
      await trx
        .updateTable('community_question_cases')
        .set({ case_id: c.id })
        .where('thread_id', '=', q.id)
        .execute();
      return true;
    });
    if (made) created++;
  }
  return created;
}

/** The case a community question became, if it did. */
export async function caseOfQuestion(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
): Promise<{ threadId: string; caseId: string | null }> {
  requirePermission(actor, 'inbox:read');
  const thread = await threadRow(ctx.db, actor.workspaceId, threadId);
  const row = await ctx.db
    .selectFrom('community_question_cases')
    .select('case_id')
    .where('thread_id', '=', thread.id)
    .executeTakeFirst();
  return { threadId: thread.id, caseId: row?.case_id ?? null };
}

// ------------------------------------------------------------------ sharing a thread

export const shareInput = z
  .object({
    channel: z.enum(['bluesky', 'mastodon']),
    text: z.string().trim().max(200).optional(),
  })
  .openapi('CommunityShareInput');
export type ShareInput = z.input<typeof shareInput>;

export const shareSchema = z
  .object({
    id: z.string(),
    threadId: z.string(),
    channel: z.enum(['bluesky', 'mastodon']),
    text: z.string(),
    status: z.enum(['queued', 'sending', 'sent', 'failed']),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    externalId: z.string().nullable(),
    externalUrl: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .openapi('CommunityShare');
export type ShareView = z.infer<typeof shareSchema>;

function toShareView(r: ShareRow): ShareView {
  return {
    id: r.id,
    threadId: r.thread_id,
    channel: r.channel,
    text: r.text,
    status: r.status,
    attempts: Number(r.attempts),
    lastError: r.last_error,
    externalId: r.external_id,
    externalUrl: r.external_url,
    createdBy: r.created_by,
    createdAt: r.created_at,
    sentAt: r.sent_at,
  };
}

const SHARE_MAX: Record<'bluesky' | 'mastodon', number> = { bluesky: 300, mastodon: 500 };

/** The workspace's account to post from on a channel: an enabled connector holding a credential. */
async function accountFor(ctx: AppContext, workspaceId: string, channel: 'bluesky' | 'mastodon') {
  const rows: ConnectorRow[] = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', channel)
    .where('enabled', '=', 1)
    .where('secret_encrypted', 'is not', null)
    .orderBy('created_at')
    .execute();
  const match = rows.find(
    (c) =>
      channel === 'mastodon' ||
      blueskyConfigSchema.parse(ctx.dialect.parseJson<Record<string, unknown>>(c.config)).account !== null,
  );
  if (!match)
    throw new AppError(
      'conflict',
      channel === 'bluesky'
        ? 'No Bluesky account to post from: add the brand account and its app password to a Bluesky connector'
        : 'No Mastodon account to post from: add an access token to a Mastodon connector',
      { channel },
    );
  return match;
}

/**
 * Queues a post of the thread's title and link on the workspace's Bluesky or Mastodon account
 * (moderators: they decide what the brand shares); the worker delivers it.
 */
export async function shareThread(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
  input: ShareInput,
): Promise<ShareView> {
  requirePermission(actor, 'communities:moderate');
  const p = shareInput.parse(input);
  const { url, title } = await publicThreadUrl(ctx, actor.workspaceId, threadId);
  const connector = await accountFor(ctx, actor.workspaceId, p.channel);
  const lead = p.text ?? title;
  // The link is never cut: the words before it are.
  const room = SHARE_MAX[p.channel] - [...url].length - 1;
  const words = [...lead].length <= room ? lead : `${[...lead].slice(0, Math.max(0, room - 1)).join('')}…`;
  const now = ctx.now().toISOString();
  const row: ShareRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    thread_id: threadId,
    channel: p.channel,
    connector_id: connector.id,
    text: `${words}\n${url}`,
    status: 'queued',
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    external_id: null,
    external_url: null,
    created_by: actor.userId,
    created_at: now,
    sent_at: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('community_shares').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.thread_shared',
      targetType: 'community_thread',
      targetId: threadId,
      details: { shareId: row.id, channel: p.channel },
    });
  });
  return toShareView(row);
}

/** A thread's shares, newest first. */
export async function listShares(ctx: AppContext, actor: Actor, threadId: string): Promise<ShareView[]> {
  requirePermission(actor, 'communities:read');
  const thread = await threadRow(ctx.db, actor.workspaceId, threadId);
  const rows = await ctx.db
    .selectFrom('community_shares')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('thread_id', '=', thread.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
  return rows.map(toShareView);
}

/**
 * A top-level Bluesky post (com.atproto.repo.createRecord without reply refs). The record key is
 * fixed by the share, so a retry after a lost response finds the record there instead of posting
 * twice. It belongs beside postBlueskyReply in connectors/bluesky/publish.ts.
 */
async function postBlueskyStatus(
  account: { service: string; identifier: string; password: string },
  post: { id: string; createdAt: Date; text: string },
): Promise<{ uri: string; url: string }> {
  const call = async (method: string, body: unknown, token?: string): Promise<Record<string, unknown>> => {
    let res: Response;
    try {
      res = await fetch(new URL(`/xrpc/${method}`, account.service), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      throw new PublishError(`${method}: ${err instanceof Error ? err.message : String(err)}`, true);
    }
    const text = await res.text();
    if (!res.ok)
      throw new PublishError(
        `${method}: HTTP ${res.status} ${text.slice(0, 300)}`,
        res.status >= 500 || res.status === 429,
      );
    return text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  };
  const session = await call('com.atproto.server.createSession', {
    identifier: account.identifier,
    password: account.password,
  });
  const token = typeof session.accessJwt === 'string' ? session.accessJwt : '';
  const did = typeof session.did === 'string' ? session.did : '';
  if (!token || !did.startsWith('did:')) throw new PublishError('createSession: unexpected response', false);
  const rkey = replyRecordKey(post.id, post.createdAt);
  const record = { $type: 'app.bsky.feed.post', text: post.text, createdAt: post.createdAt.toISOString() };
  try {
    await call(
      'com.atproto.repo.createRecord',
      { repo: did, collection: 'app.bsky.feed.post', rkey, record },
      token,
    );
  } catch (err) {
    if (!(err instanceof PublishError && /already exists|RecordAlreadyExists/i.test(err.message))) throw err;
  }
  return {
    uri: `at://${did}/app.bsky.feed.post/${rkey}`,
    url: `https://bsky.app/profile/${did}/post/${rkey}`,
  };
}

async function publishShare(
  ctx: AppContext,
  r: ShareRow,
): Promise<{ externalId: string; url: string | null }> {
  const connector = await ctx.db
    .selectFrom('connectors')
    .selectAll()
    .where('workspace_id', '=', r.workspace_id)
    .where('id', '=', r.connector_id)
    .executeTakeFirst();
  if (connector?.enabled !== 1) throw new PublishError('The account connector is gone or disabled', false);
  const secret = connectorSecret(ctx, connector);
  if (!secret) throw new PublishError('The account has no credential', false);
  const config = ctx.dialect.parseJson<Record<string, unknown>>(connector.config);
  if (r.channel === 'bluesky') {
    const account = blueskyConfigSchema.parse(config).account;
    if (!account) throw new PublishError('No Bluesky account on the connector', false);
    const posted = await postBlueskyStatus(
      { service: account.service, identifier: account.identifier, password: secret },
      { id: r.id, createdAt: new Date(r.created_at), text: r.text },
    );
    return { externalId: posted.uri, url: posted.url };
  }
  const { instance } = mastodonConfigSchema.parse(config);
  const posted = await postMastodonStatus(
    { instance, token: secret },
    { id: r.id, text: r.text, inReplyToId: null, visibility: 'public' },
  );
  return { externalId: `${new URL(instance).host}/${posted.id}`, url: posted.url };
}

/** The worker's pass over queued shares: posts each, with backoff on passing failures. */
export async function deliverCommunityShares(ctx: AppContext, limit = 10): Promise<number> {
  return deliverDue(
    ctx,
    'community_shares',
    limit,
    async (r) => {
      const posted = await publishShare(ctx, r);
      return { external_id: posted.externalId, external_url: posted.url };
    },
    // Nothing skips a share: what cannot be posted has failed.
    (next) => ({ ...next, status: next.status === 'queued' ? 'queued' : 'failed' }),
  );
}

// ------------------------------------------------------------------ the scheduled passes

/** One run of every loop and bridge pass; each failure is logged and the others still run. */
export async function runCommunityLoop(ctx: AppContext): Promise<void> {
  const passes: [string, () => Promise<unknown>][] = [
    ['idea status notifications', () => notifyIdeaStatusChanges(ctx)],
    ['community loop deliveries', () => deliverLoopDeliveries(ctx)],
    ['community answer emails', () => deliverPostDeliveries(ctx)],
    ['unanswered community questions', () => escalateUnansweredQuestions(ctx)],
    ['community shares', () => deliverCommunityShares(ctx)],
  ];
  for (const [name, pass] of passes)
    try {
      await pass();
    } catch (err) {
      ctx.log.error({ err }, `${name} failed; the next pass retries`);
    }
}

/** Runs the loop's passes every `intervalMs` (30 s), one run at a time. */
export function scheduleCommunityLoop(ctx: AppContext, intervalMs = 30_000): { stop(): Promise<void> } {
  // Each of the loop's passes catches its own failures; this one only logs what escapes them.
  return repeatEvery(ctx, intervalMs, () => runCommunityLoop(ctx), 'community loop failed');
}
