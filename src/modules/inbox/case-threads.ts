/**
 * A post joining a case: its thread becomes (or moves to) one of the case's conversations, the
 * thread's stored posts follow it, and the post is disposed as `case`.
 */
import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';

type Db = Kysely<DB> | Transaction<DB>;

/** The customer a mention's author belongs to, if identity resolution has attached it yet. */
async function customerOfAuthor(
  db: Db,
  workspaceId: string,
  authorId: number | null,
): Promise<string | null> {
  if (authorId === null) return null;
  const row = await db
    .selectFrom('identities')
    .select('customer_id')
    .where('workspace_id', '=', workspaceId)
    .where('author_id', '=', authorId)
    .executeTakeFirst();
  return row?.customer_id ?? null;
}

/** A post a case is being given, with its author's customer. */
export type CasePost = {
  m: {
    id: number | string;
    channel: string;
    external_id: string;
    thread_root: string | null;
    text: string;
    author_id: number | string | null;
    created_at: string;
    deleted_at: string | null;
  };
  customerId: string | null;
};

/** When the newest of a case's first posts was written (the customer's last message so far). */
export function latestPostAt(posts: CasePost[]): string | null {
  const times = posts.map((p) => Date.parse(String(p.m.created_at))).filter((t) => !Number.isNaN(t));
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : null;
}

export async function readCasePost(
  trx: Transaction<DB>,
  workspaceId: string,
  mentionId: number,
): Promise<CasePost> {
  const m = await trx
    .selectFrom('mentions')
    .select(['id', 'channel', 'external_id', 'thread_root', 'text', 'author_id', 'created_at', 'deleted_at'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', mentionId)
    .executeTakeFirst();
  if (!m) throw new AppError('not_found', `No mention ${mentionId}`);
  return {
    m,
    customerId: await customerOfAuthor(trx, workspaceId, m.author_id === null ? null : Number(m.author_id)),
  };
}

/**
 * The conversation of a post's thread (created on first use), attached to `caseId`.
 * A thread belongs to one case at a time: attaching it elsewhere moves it. The post's own row
 * is left to `disposeAsCase`, which both callers run next.
 */
export async function conversationForMention(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  post: CasePost,
  caseId: string,
): Promise<{ conversationId: string; customerId: string | null; channel: string; movedFrom: string | null }> {
  const { m, customerId } = post;
  const threadKey = m.thread_root ?? m.external_id;
  const now = ctx.now().toISOString();
  const conversation = (preview: { text: string; deleted_at: string | null }) =>
    trx.insertInto('conversations').values({
      id: newId(ctx.now()),
      workspace_id: workspaceId,
      channel: m.channel,
      thread_key: threadKey,
      case_id: caseId,
      customer_id: customerId,
      preview: preview.deleted_at === null ? preview.text.slice(0, 280) : '',
      last_activity_at: m.created_at,
      created_at: now,
    });
  // A post that starts its own thread usually starts its conversation too: try the insert first
  // (a round trip saved per case on PostgreSQL), and read the conversation only if it exists.
  if (m.thread_root === null) {
    const made = await conversation(m)
      .onConflict((oc) => oc.columns(['workspace_id', 'channel', 'thread_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (made) {
      await moveThreadToCase(trx, workspaceId, m.channel, threadKey, caseId, { root: false });
      return { conversationId: made.id, customerId, channel: m.channel, movedFrom: null };
    }
  }
  const existing = await trx
    .selectFrom('conversations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('channel', '=', m.channel)
    .where('thread_key', '=', threadKey)
    .executeTakeFirst();
  let conversationId: string;
  let movedFrom: string | null = null;
  if (existing) {
    conversationId = existing.id;
    movedFrom = existing.case_id !== caseId ? existing.case_id : null;
    await trx
      .updateTable('conversations')
      .set({
        case_id: caseId,
        last_activity_at: m.created_at > existing.last_activity_at ? m.created_at : existing.last_activity_at,
      })
      .where('id', '=', existing.id)
      .execute();
  } else {
    // The preview is the thread's root when it is stored, else this mention.
    const root =
      m.thread_root === null
        ? m
        : ((await trx
            .selectFrom('mentions')
            .select(['text', 'deleted_at'])
            .where('workspace_id', '=', workspaceId)
            .where('channel', '=', m.channel)
            .where('external_id', '=', m.thread_root)
            .executeTakeFirst()) ?? m);
    conversationId = (await conversation(root).returning('id').executeTakeFirstOrThrow()).id;
  }
  await moveThreadToCase(trx, workspaceId, m.channel, threadKey, caseId, {
    root: threadKey !== m.external_id,
  });
  return { conversationId, customerId, channel: m.channel, movedFrom };
}

/**
 * Every stored post of a thread (its root and the posts under it) now belongs to the case. Two
 * statements, not one with `or`: SQLite answers the `or` by walking every post of the channel.
 * Without `root`, the root's own row is left to the caller, which writes it anyway.
 */
export async function moveThreadToCase(
  trx: Transaction<DB>,
  workspaceId: string,
  channel: string,
  threadKey: string,
  caseId: string,
  options: { root: boolean } = { root: true },
): Promise<void> {
  for (const column of options.root ? (['thread_root', 'external_id'] as const) : (['thread_root'] as const))
    await trx
      .updateTable('mentions')
      .set({ case_id: caseId })
      .where('workspace_id', '=', workspaceId)
      .where('channel', '=', channel)
      .where(column, '=', threadKey)
      .execute();
}

/** Who decided a disposition: a person's user id, or `rule:<id>` for a routing rule. */
export const disposer = (by: { userId: string | null; rule?: { id: string } }) =>
  by.userId ?? (by.rule ? `rule:${by.rule.id}` : null);

/** Sets a mention's disposition to `case` (it was turned into or attached to `caseId`). */
export async function disposeAsCase(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  mentionId: number,
  caseId: string,
  by: string | null,
): Promise<void> {
  await trx
    .updateTable('mentions')
    .set({
      disposition: 'case',
      disposition_reason: null,
      disposition_at: ctx.now().toISOString(),
      disposition_by: by,
      case_id: caseId,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', mentionId)
    .execute();
}
