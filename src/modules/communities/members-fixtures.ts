/**
 * Test data for the member, trust, reputation and flag suites: rows written directly, so these
 * suites test their own behaviour and not the thread and post use cases.
 */
import type { AppContext } from '../../context.ts';
import { newId } from '../../ids.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { MemberActor } from './actors.ts';
import { loginMember } from './member-auth.ts';
import { MEMBER_COOKIE } from './member-session.ts';

let sequence = 0;

export async function insertMember(
  ctx: AppContext,
  workspaceId: string,
  overrides: { trustLevel?: number; username?: string; changedAt?: string | null } = {},
): Promise<MemberActor> {
  sequence++;
  const id = newId(ctx.now());
  const username = overrides.username ?? `member${sequence}`;
  await ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspaceId,
      customer_id: null,
      username,
      display_name: `Member ${sequence}`,
      trust_level: overrides.trustLevel ?? 0,
      created_at: ctx.now().toISOString(),
      email: `${username}@members.example`,
      email_verified_at: ctx.now().toISOString(),
      trust_level_changed_at: overrides.changedAt ?? null,
    })
    .execute();
  return { kind: 'member', memberId: id, workspaceId, trustLevel: overrides.trustLevel ?? 0 };
}

/** A member signed in on the site, with what a browser sends: the session cookie and the form token. */
export type SignedInMember = {
  actor: MemberActor;
  cookie: string;
  token: string;
  username: string;
  displayName: string;
};

const SIGNED_IN_PASSWORD = 'a long enough member password';

/**
 * A verified member with a password (promoted just now: a page view recomputes trust, and a
 * level 3 without activity keeps it for the grace days), signed in through `loginMember`.
 */
export async function signedInMember(
  ctx: AppContext,
  workspace: { id: string; slug: string },
  trustLevel = 2,
): Promise<SignedInMember> {
  sequence++;
  const id = newId(ctx.now());
  const username = `member${sequence}`;
  const displayName = `Member ${sequence}`;
  await ctx.db
    .insertInto('community_members')
    .values({
      id,
      workspace_id: workspace.id,
      customer_id: null,
      username,
      display_name: displayName,
      trust_level: trustLevel,
      trust_level_changed_at: ctx.now().toISOString(),
      created_at: ctx.now().toISOString(),
      email: `${username}@members.example`,
      email_verified_at: ctx.now().toISOString(),
      password_hash: await hashPassword(SIGNED_IN_PASSWORD),
    })
    .execute();
  const session = await loginMember(ctx, {
    workspace: workspace.slug,
    email: `${username}@members.example`,
    password: SIGNED_IN_PASSWORD,
  });
  return {
    actor: { kind: 'member', memberId: id, workspaceId: workspace.id, trustLevel },
    cookie: `${MEMBER_COOKIE}=${session.sessionToken}`,
    token: session.csrfToken,
    username,
    displayName,
  };
}

export async function insertSpace(ctx: AppContext, workspaceId: string): Promise<string> {
  sequence++;
  const id = newId(ctx.now());
  const now = ctx.now().toISOString();
  await ctx.db
    .insertInto('community_spaces')
    .values({
      id,
      workspace_id: workspaceId,
      slug: `space-${sequence}`,
      title: `Space ${sequence}`,
      kind: 'forum',
      purpose: 'objective',
      ends_at: null,
      closed_at: null,
      closed_reason: null,
      closed_by: null,
      created_by_member_id: null,
      created_by_user_id: null,
      created_at: now,
      updated_at: now,
      last_post_at: null,
    })
    .execute();
  return id;
}

/** A post by a member: a new thread in the space (post 1), or the next reply in `threadId`. */
export async function insertPost(
  ctx: AppContext,
  workspaceId: string,
  input: { spaceId: string; authorMemberId: string | null; body?: string; threadId?: string },
): Promise<{ threadId: string; postId: number }> {
  const now = ctx.now().toISOString();
  let threadId = input.threadId;
  if (!threadId) {
    threadId = newId(ctx.now());
    await ctx.db
      .insertInto('community_threads')
      .values({
        id: threadId,
        workspace_id: workspaceId,
        space_id: input.spaceId,
        title: 'A thread',
        author_member_id: input.authorMemberId,
        author_user_id: null,
        kind: 'discussion',
        idea_status: null,
        duplicate_of_thread_id: null,
        accepted_post_id: null,
        source_post_id: null,
        last_post_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: null,
        hidden_at: null,
      })
      .execute();
  }
  const last = await ctx.db
    .selectFrom('community_posts')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('thread_id', '=', threadId)
    .executeTakeFirst();
  const body = input.body ?? 'A helpful post about luggage allowances.';
  const row = await ctx.db
    .insertInto('community_posts')
    .values({
      workspace_id: workspaceId,
      thread_id: threadId,
      number: Number(last?.n ?? 0) + 1,
      author_member_id: input.authorMemberId,
      author_user_id: null,
      body_markdown: body,
      body_html: `<p>${body}</p>`,
      reply_to_number: null,
      created_at: now,
      edited_at: null,
      deleted_at: null,
      hidden_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { threadId, postId: Number(row.id) };
}
