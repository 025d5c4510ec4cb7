import type { AppContext } from '../../context.ts';
import type { Role } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId, randomSecret, sha256 } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import * as q from './queries.ts';
import { type Actor, requirePermission } from './roles.ts';
import type {
  CreateTokenInput,
  CreateUserInput,
  TokenView,
  UpdateUserInput,
  UserView,
  WorkspaceView,
} from './schema.ts';

const SESSION_TTL_MS = 14 * 24 * 3600_000;
/** A session's expiry slides forward at most once per this interval, to avoid a write per request. */
const SESSION_TOUCH_MS = 3600_000;
const TOKEN_PREFIX = 'rpt_';

/** A person's skills as stored (space-separated, like cases.tags) to a list. */
const skillsOf = (stored: string): string[] => (stored ? stored.split(' ') : []);

export function toUserView(row: q.UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    status: row.status,
    passwordChangeRequired: row.password_change_required === 1,
    skills: skillsOf(row.skills),
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}

export function toWorkspaceView(row: q.WorkspaceRow): WorkspaceView {
  return { id: row.id, name: row.name, slug: row.slug, timeZone: row.time_zone, isDemo: row.is_demo === 1 };
}

function toTokenView(row: q.TokenRow): TokenView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function addMs(date: Date, ms: number): string {
  return new Date(date.getTime() + ms).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Workspaces and provisioning (operator paths: CLI and first run; no actor)

export async function createWorkspace(
  ctx: AppContext,
  input: { name: string; slug: string; timeZone?: string; isDemo?: boolean },
): Promise<WorkspaceView> {
  const taken = await ctx.db
    .selectFrom('workspaces')
    .select('id')
    .where('slug', '=', input.slug)
    .executeTakeFirst();
  if (taken) throw new AppError('workspace_slug_taken', `A workspace with slug "${input.slug}" exists`);
  const row = {
    id: newId(ctx.now()),
    name: input.name,
    slug: input.slug,
    time_zone: input.timeZone ?? 'UTC',
    is_demo: input.isDemo ? 1 : 0,
    created_at: ctx.now().toISOString(),
  };
  await ctx.db.insertInto('workspaces').values(row).execute();
  return toWorkspaceView(row);
}

export async function workspaceBySlug(ctx: AppContext, slug: string): Promise<WorkspaceView> {
  const row = await ctx.db.selectFrom('workspaces').selectAll().where('slug', '=', slug).executeTakeFirst();
  if (!row) throw new AppError('workspace_not_found', `No workspace with slug "${slug}"`);
  return toWorkspaceView(row);
}

export async function listWorkspaces(ctx: AppContext): Promise<WorkspaceView[]> {
  const rows = await ctx.db.selectFrom('workspaces').selectAll().orderBy('id').execute();
  return rows.map(toWorkspaceView);
}

/**
 * Creates a user without an acting user (CLI, first run). Without a password, a one-time
 * password is generated, returned once, and must be changed at first login.
 */
export async function provisionUser(
  ctx: AppContext,
  input: {
    workspaceId: string;
    email: string;
    name: string;
    role: Role;
    password?: string | undefined;
    skills?: string[] | undefined;
  },
  actorUserId: string | null = null,
): Promise<{ user: UserView; temporaryPassword?: string }> {
  const email = input.email.toLowerCase();
  if (await q.userByEmail(ctx.db, email))
    throw new AppError('email_taken', `A user with email ${email} exists`);
  const temporaryPassword = input.password === undefined ? generatePassword() : undefined;
  const now = ctx.now().toISOString();
  const row: q.UserRow = {
    id: newId(ctx.now()),
    workspace_id: input.workspaceId,
    email,
    name: input.name,
    role: input.role,
    status: 'active',
    password_hash: await hashPassword(input.password ?? (temporaryPassword as string)),
    password_change_required: temporaryPassword ? 1 : 0,
    skills: (input.skills ?? []).join(' '),
    created_at: now,
    updated_at: now,
    last_login_at: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('users').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: input.workspaceId,
      actorUserId,
      action: 'user.created',
      targetType: 'user',
      targetId: row.id,
      details: { email, role: input.role, ...(input.skills?.length ? { skills: input.skills } : {}) },
    });
  });
  return temporaryPassword ? { user: toUserView(row), temporaryPassword } : { user: toUserView(row) };
}

// ---------------------------------------------------------------------------------------------
// Sessions

export type LoginResult = {
  sessionToken: string;
  csrfToken: string;
  user: UserView;
  workspace: WorkspaceView;
};

let dummy: Promise<string> | undefined;
const dummyHash = () => {
  dummy ??= hashPassword(randomSecret());
  return dummy;
};

/** Checks credentials and opens a session. The same error for an unknown email and a wrong password. */
export async function login(
  ctx: AppContext,
  input: { email: string; password: string; ip?: string | null; userAgent?: string | null },
): Promise<LoginResult> {
  const user = await q.userByEmail(ctx.db, input.email.toLowerCase());
  // Verify against a dummy hash when the user is unknown so timing does not reveal which emails exist.
  const ok = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash()));
  if (!user || !ok || user.status !== 'active') {
    throw new AppError('invalid_credentials', 'Email or password is incorrect');
  }
  const workspace = await q.workspaceById(ctx.db, user.workspace_id);
  if (!workspace) throw new AppError('workspace_not_found', 'The user has no workspace');
  const sessionToken = randomSecret();
  const csrfToken = randomSecret();
  const now = ctx.now();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('sessions')
      .values({
        id: sha256(sessionToken),
        user_id: user.id,
        workspace_id: user.workspace_id,
        csrf_token: csrfToken,
        created_at: now.toISOString(),
        last_seen_at: now.toISOString(),
        expires_at: addMs(now, SESSION_TTL_MS),
        ip: input.ip ?? null,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    await trx
      .updateTable('users')
      .set({ last_login_at: now.toISOString() })
      .where('id', '=', user.id)
      .execute();
  });
  return {
    sessionToken,
    csrfToken,
    user: toUserView({ ...user, last_login_at: now.toISOString() }),
    workspace: toWorkspaceView(workspace),
  };
}

export async function logout(ctx: AppContext, sessionToken: string): Promise<void> {
  await ctx.db.deleteFrom('sessions').where('id', '=', sha256(sessionToken)).execute();
}

/** Resolves a session cookie to its actor, sliding the expiry; null when unknown, expired or deactivated. */
export async function actorFromSession(
  ctx: AppContext,
  sessionToken: string,
): Promise<{ actor: Actor; csrfToken: string } | null> {
  const row = await q.sessionWithUser(ctx.db, sha256(sessionToken));
  const now = ctx.now();
  if (row?.status !== 'active' || row.expires_at <= now.toISOString()) return null;
  if (now.getTime() - Date.parse(row.last_seen_at) > SESSION_TOUCH_MS) {
    await ctx.db
      .updateTable('sessions')
      .set({ last_seen_at: now.toISOString(), expires_at: addMs(now, SESSION_TTL_MS) })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    actor: { userId: row.user_id, workspaceId: row.workspace_id, role: row.role, via: 'session' },
    csrfToken: row.csrf_token,
  };
}

/** The signed-in user and workspace, as the session endpoint shows them. */
export async function currentUser(
  ctx: AppContext,
  actor: Actor,
): Promise<{ user: UserView; workspace: WorkspaceView }> {
  const user = await q.userInWorkspace(ctx.db, actor.workspaceId, actor.userId);
  const workspace = await q.workspaceById(ctx.db, actor.workspaceId);
  if (!user || !workspace) throw new AppError('unauthenticated', 'The session no longer has a user');
  return { user: toUserView(user), workspace: toWorkspaceView(workspace) };
}

/** Changes the actor's own password and ends their other sessions. */
export async function changePassword(
  ctx: AppContext,
  actor: Actor,
  input: { currentPassword: string; newPassword: string; keepSessionToken?: string | undefined },
): Promise<void> {
  const user = await q.userInWorkspace(ctx.db, actor.workspaceId, actor.userId);
  if (!user || !(await verifyPassword(input.currentPassword, user.password_hash))) {
    throw new AppError('invalid_credentials', 'Current password is incorrect', {
      fields: [{ path: 'currentPassword', message: 'incorrect' }],
    });
  }
  const hash = await hashPassword(input.newPassword);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: hash, password_change_required: 0, updated_at: ctx.now().toISOString() })
      .where('id', '=', user.id)
      .execute();
    let del = trx.deleteFrom('sessions').where('user_id', '=', user.id);
    if (input.keepSessionToken) del = del.where('id', '!=', sha256(input.keepSessionToken));
    await del.execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'user.password_changed',
      targetType: 'user',
      targetId: user.id,
    });
  });
}

/** Deletes expired sessions; run by the scheduler. Returns how many were removed. */
export async function purgeExpiredSessions(ctx: AppContext): Promise<number> {
  const result = await ctx.db
    .deleteFrom('sessions')
    .where('expires_at', '<=', ctx.now().toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

// ---------------------------------------------------------------------------------------------
// Users

export async function listUsers(ctx: AppContext, actor: Actor, page: PageQuery): Promise<Page<UserView>> {
  requirePermission(actor, 'users:read');
  const after = page.cursor === undefined ? undefined : String(decodeCursor(page.cursor));
  const rows = await q.usersPage(ctx.db, actor.workspaceId, after, page.limit);
  return toPage(rows, page.limit, (r) => r.id, toUserView);
}

export async function createUser(
  ctx: AppContext,
  actor: Actor,
  input: CreateUserInput,
): Promise<{ user: UserView; temporaryPassword?: string }> {
  requirePermission(actor, 'users:manage');
  if (input.role === 'owner' && actor.role !== 'owner') {
    throw new AppError('forbidden', 'Only an owner can create another owner');
  }
  return provisionUser(ctx, { ...input, workspaceId: actor.workspaceId }, actor.userId);
}

export async function updateUser(
  ctx: AppContext,
  actor: Actor,
  userId: string,
  patch: UpdateUserInput,
): Promise<UserView> {
  requirePermission(actor, 'users:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const user = await q.userInWorkspace(trx, actor.workspaceId, userId);
    if (!user) throw new AppError('user_not_found', `No user ${userId} in this workspace`);
    const touchesOwner = user.role === 'owner' || patch.role === 'owner';
    if (touchesOwner && actor.role !== 'owner') {
      throw new AppError('forbidden', 'Only an owner can change an owner or grant the owner role');
    }
    const { skills, ...fields } = patch;
    const next = {
      ...user,
      ...fields,
      ...(skills === undefined ? {} : { skills: skills.join(' ') }),
      updated_at: ctx.now().toISOString(),
    };
    const losesOwner =
      user.role === 'owner' &&
      user.status === 'active' &&
      (next.role !== 'owner' || next.status !== 'active');
    if (losesOwner && (await q.countActiveOwners(trx, actor.workspaceId)) <= 1) {
      throw new AppError('last_owner', 'The workspace must keep at least one active owner');
    }
    await trx
      .updateTable('users')
      .set({
        name: next.name,
        role: next.role,
        status: next.status,
        skills: next.skills,
        updated_at: next.updated_at,
      })
      .where('id', '=', user.id)
      .execute();
    if (next.status === 'deactivated') {
      await trx.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    }
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'user.updated',
      targetType: 'user',
      targetId: user.id,
      details: {
        before: { name: user.name, role: user.role, status: user.status, skills: skillsOf(user.skills) },
        after: patch,
      },
    });
    return toUserView(next);
  });
}

// ---------------------------------------------------------------------------------------------
// Personal API tokens: they act as their user, with the user's current role.

/** Resolves a bearer token to its actor; null when unknown, revoked, expired or the user is deactivated. */
export async function actorFromApiToken(ctx: AppContext, secret: string): Promise<Actor | null> {
  if (!secret.startsWith(TOKEN_PREFIX)) return null;
  const row = await q.tokenWithUser(ctx.db, sha256(secret));
  const now = ctx.now();
  if (!row || row.revoked_at || row.status !== 'active') return null;
  if (row.expires_at && row.expires_at <= now.toISOString()) return null;
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
    await ctx.db
      .updateTable('api_tokens')
      .set({ last_used_at: now.toISOString() })
      .where('id', '=', row.id)
      .execute();
  }
  return { userId: row.user_id, workspaceId: row.workspace_id, role: row.role, via: 'token' };
}

export async function listApiTokens(ctx: AppContext, actor: Actor): Promise<TokenView[]> {
  const rows = await q.tokensOfUser(ctx.db, actor.workspaceId, actor.userId);
  return rows.map(toTokenView);
}

/** Creates a token for the actor. The secret is returned once and only its hash is stored. */
export async function createApiToken(
  ctx: AppContext,
  actor: Pick<Actor, 'userId' | 'workspaceId'>,
  input: CreateTokenInput,
): Promise<{ token: TokenView; secret: string }> {
  const secret = `${TOKEN_PREFIX}${randomSecret()}`;
  const now = ctx.now();
  const row: q.TokenRow = {
    id: newId(now),
    workspace_id: actor.workspaceId,
    user_id: actor.userId,
    name: input.name,
    prefix: secret.slice(0, TOKEN_PREFIX.length + 6),
    token_hash: sha256(secret),
    created_at: now.toISOString(),
    last_used_at: null,
    expires_at: input.expiresInDays ? addMs(now, input.expiresInDays * 24 * 3600_000) : null,
    revoked_at: null,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('api_tokens').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'api_token.created',
      targetType: 'api_token',
      targetId: row.id,
      details: { name: row.name, expiresAt: row.expires_at },
    });
  });
  return { token: toTokenView(row), secret };
}

/** Creates a token for the user with this email (CLI). */
export async function createApiTokenForEmail(
  ctx: AppContext,
  input: CreateTokenInput & { email: string },
): Promise<{ token: TokenView; secret: string }> {
  const user = await q.userByEmail(ctx.db, input.email.toLowerCase());
  if (!user) throw new AppError('user_not_found', `No user with email ${input.email}`);
  if (user.status !== 'active') throw new AppError('forbidden', `User ${input.email} is deactivated`);
  return createApiToken(ctx, { userId: user.id, workspaceId: user.workspace_id }, input);
}

export async function revokeApiToken(ctx: AppContext, actor: Actor, tokenId: string): Promise<void> {
  const result = await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: ctx.now().toISOString() })
      .where('id', '=', tokenId)
      .where('workspace_id', '=', actor.workspaceId)
      .where('user_id', '=', actor.userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 1) {
      await recordAudit(ctx, trx, {
        workspaceId: actor.workspaceId,
        actorUserId: actor.userId,
        action: 'api_token.revoked',
        targetType: 'api_token',
        targetId: tokenId,
      });
    }
    return Number(updated.numUpdatedRows);
  });
  if (result === 0) throw new AppError('token_not_found', `No active token ${tokenId} of yours`);
}

// ---------------------------------------------------------------------------------------------
// First run

export const DEMO_OWNER_EMAIL = 'owner@demo.rapport.local';

/**
 * On an empty database, creates the demo workspace and its owner with a one-time password.
 * Returns the credentials to print, or null when a workspace already exists.
 */
export async function bootstrapDemoWorkspace(
  ctx: AppContext,
): Promise<{ workspace: WorkspaceView; owner: Actor; email: string; password: string } | null> {
  const existing = await ctx.db.selectFrom('workspaces').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const workspace = await createWorkspace(ctx, { name: 'Demo Airways', slug: 'demo', isDemo: true });
  const { user, temporaryPassword } = await provisionUser(ctx, {
    workspaceId: workspace.id,
    email: DEMO_OWNER_EMAIL,
    name: 'Demo Owner',
    role: 'owner',
  });
  const owner: Actor = { userId: user.id, workspaceId: workspace.id, role: 'owner', via: 'session' };
  return { workspace, owner, email: DEMO_OWNER_EMAIL, password: temporaryPassword as string };
}
