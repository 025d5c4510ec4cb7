import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace, TEST_PASSWORD } from '../../../test/factories.ts';
import {
  actorFromApiToken,
  actorFromSession,
  bootstrapDemoWorkspace,
  changePassword,
  createApiToken,
  createUser,
  listApiTokens,
  listUsers,
  login,
  logout,
  purgeExpiredSessions,
  revokeApiToken,
  updateUser,
} from './service.ts';

const t = setupTestDatabase();
const DAY = 24 * 3600_000;

describe('first run', () => {
  it('creates the demo workspace and an owner with a one-time password once, then never again', async () => {
    const first = await bootstrapDemoWorkspace(t.ctx);
    expect(first?.workspace.isDemo).toBe(true);
    expect(first?.password).toHaveLength(20);
    const session = await login(t.ctx, { email: first?.email ?? '', password: first?.password ?? '' });
    expect(session.user).toMatchObject({ role: 'owner', passwordChangeRequired: true });
    expect(await bootstrapDemoWorkspace(t.ctx)).toBeNull();
  });
});

describe('login and sessions', () => {
  it('opens a session for the right password and resolves it to the user as actor', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    const result = await login(t.ctx, { email: agent.user.email.toUpperCase(), password: TEST_PASSWORD });
    expect(result.workspace.id).toBe(ws.id);
    const resolved = await actorFromSession(t.ctx, result.sessionToken);
    expect(resolved?.actor).toEqual({
      userId: agent.user.id,
      workspaceId: ws.id,
      role: 'agent',
      via: 'session',
    });
    expect(resolved?.csrfToken).toBe(result.csrfToken);
  });

  it('gives the same error for an unknown email and a wrong password', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    await expect(
      login(t.ctx, { email: agent.user.email, password: 'wrong password!' }),
    ).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Email or password is incorrect',
    });
    await expect(login(t.ctx, { email: 'nobody@example.test', password: 'x' })).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Email or password is incorrect',
    });
  });

  it('stores only a hash of the session cookie', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const { sessionToken } = await login(t.ctx, { email: agent.user.email, password: TEST_PASSWORD });
    const stored = await t.ctx.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', agent.user.id)
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.id).not.toBe(sessionToken);
    expect(stored[0]?.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('expires an idle session after 14 days and purges it', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const { sessionToken } = await login(t.ctx, { email: agent.user.email, password: TEST_PASSWORD });
    t.clock.advance(13 * DAY);
    expect(await actorFromSession(t.ctx, sessionToken)).not.toBeNull(); // slides the expiry forward
    t.clock.advance(13 * DAY);
    expect(await actorFromSession(t.ctx, sessionToken)).not.toBeNull();
    t.clock.advance(15 * DAY);
    expect(await actorFromSession(t.ctx, sessionToken)).toBeNull();
    expect(await purgeExpiredSessions(t.ctx)).toBeGreaterThanOrEqual(1);
    const left = await t.ctx.db
      .selectFrom('sessions')
      .select('id')
      .where('user_id', '=', agent.user.id)
      .execute();
    expect(left).toEqual([]);
  });

  it('ends the session on logout', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const { sessionToken } = await login(t.ctx, { email: agent.user.email, password: TEST_PASSWORD });
    await logout(t.ctx, sessionToken);
    expect(await actorFromSession(t.ctx, sessionToken)).toBeNull();
  });

  it('changing the password clears the one-time flag and ends the other sessions only', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const here = await login(t.ctx, { email: owner.user.email, password: TEST_PASSWORD });
    const elsewhere = await login(t.ctx, { email: owner.user.email, password: TEST_PASSWORD });
    await expect(
      changePassword(t.ctx, owner.actor, {
        currentPassword: 'not it at all',
        newPassword: 'a brand new passphrase',
      }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
    await changePassword(t.ctx, owner.actor, {
      currentPassword: TEST_PASSWORD,
      newPassword: 'a brand new passphrase',
      keepSessionToken: here.sessionToken,
    });
    expect(await actorFromSession(t.ctx, here.sessionToken)).not.toBeNull();
    expect(await actorFromSession(t.ctx, elsewhere.sessionToken)).toBeNull();
    await expect(login(t.ctx, { email: owner.user.email, password: TEST_PASSWORD })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
    const again = await login(t.ctx, { email: owner.user.email, password: 'a brand new passphrase' });
    expect(again.user.passwordChangeRequired).toBe(false);
  });
});

describe('users', () => {
  it('lets an admin create an agent with a one-time password, recorded in the audit log', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    const created = await createUser(t.ctx, admin.actor, {
      email: 'new.agent@example.test',
      name: 'New',
      role: 'agent',
    });
    expect(created.user).toMatchObject({ role: 'agent', status: 'active', passwordChangeRequired: true });
    expect(created.temporaryPassword).toHaveLength(20);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('target_id', '=', created.user.id)
      .where('action', '=', 'user.created')
      .executeTakeFirstOrThrow();
    expect(audit.actor_user_id).toBe(admin.user.id);
    expect(t.ctx.dialect.parseJson(audit.details)).toEqual({
      email: 'new.agent@example.test',
      role: 'agent',
    });
  });

  it('refuses a duplicate email across workspaces', async () => {
    const a = await buildWorkspace(t.ctx);
    const b = await buildWorkspace(t.ctx);
    const adminA = await buildUser(t.ctx, a, { role: 'admin' });
    const adminB = await buildUser(t.ctx, b, { role: 'admin' });
    await createUser(t.ctx, adminA.actor, { email: 'shared@example.test', name: 'S', role: 'agent' });
    await expect(
      createUser(t.ctx, adminB.actor, { email: 'shared@example.test', name: 'S', role: 'agent' }),
    ).rejects.toMatchObject({ code: 'email_taken' });
  });

  it('forbids agents, moderators and managers from creating users, and admins from creating owners', async () => {
    const ws = await buildWorkspace(t.ctx);
    for (const role of ['agent', 'moderator', 'manager'] as const) {
      const u = await buildUser(t.ctx, ws, { role });
      await expect(
        createUser(t.ctx, u.actor, { email: `x-${role}@example.test`, name: 'X', role: 'agent' }),
      ).rejects.toMatchObject({ code: 'forbidden' });
    }
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    await expect(
      createUser(t.ctx, admin.actor, { email: 'boss@example.test', name: 'B', role: 'owner' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('keeps at least one active owner', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await expect(updateUser(t.ctx, owner.actor, owner.user.id, { role: 'admin' })).rejects.toMatchObject({
      code: 'last_owner',
    });
    await expect(
      updateUser(t.ctx, owner.actor, owner.user.id, { status: 'deactivated' }),
    ).rejects.toMatchObject({
      code: 'last_owner',
    });
    const second = await buildUser(t.ctx, ws, { role: 'owner' });
    const demoted = await updateUser(t.ctx, owner.actor, second.user.id, { role: 'manager' });
    expect(demoted.role).toBe('manager');
  });

  it("replaces a person's skills as a set, shows them on the user and records the change in the audit log", async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    const agent = await buildUser(t.ctx, ws);
    expect(agent.user.skills).toEqual([]);
    const updated = await updateUser(t.ctx, admin.actor, agent.user.id, { skills: ['billing', 'spanish'] });
    expect(updated.skills).toEqual(['billing', 'spanish']);
    const listed = await listUsers(t.ctx, admin.actor, { limit: 200 });
    expect(listed.items.find((u) => u.id === agent.user.id)?.skills).toEqual(['billing', 'spanish']);
    // A change of something else keeps the skills; an empty list clears them.
    expect((await updateUser(t.ctx, admin.actor, agent.user.id, { name: 'Renamed' })).skills).toEqual([
      'billing',
      'spanish',
    ]);
    expect((await updateUser(t.ctx, admin.actor, agent.user.id, { skills: [] })).skills).toEqual([]);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('target_id', '=', agent.user.id)
      .where('action', '=', 'user.updated')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => t.ctx.dialect.parseJson(a.details))).toMatchObject([
      { before: { skills: [] }, after: { skills: ['billing', 'spanish'] } },
      { before: { skills: ['billing', 'spanish'] }, after: { name: 'Renamed' } },
      { before: { skills: ['billing', 'spanish'] }, after: { skills: [] } },
    ]);
    expect(audit[0]?.actor_user_id).toBe(admin.user.id);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    await expect(
      updateUser(t.ctx, manager.actor, agent.user.id, { skills: ['billing'] }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('forbids an admin from changing an owner', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    await expect(updateUser(t.ctx, admin.actor, owner.user.id, { name: 'Renamed' })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('deactivating a user ends their sessions and stops their tokens', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    const agent = await buildUser(t.ctx, ws);
    const { sessionToken } = await login(t.ctx, { email: agent.user.email, password: TEST_PASSWORD });
    const token = await buildToken(t.ctx, agent);
    await updateUser(t.ctx, admin.actor, agent.user.id, { status: 'deactivated' });
    expect(await actorFromSession(t.ctx, sessionToken)).toBeNull();
    expect(await actorFromApiToken(t.ctx, token)).toBeNull();
    await expect(login(t.ctx, { email: agent.user.email, password: TEST_PASSWORD })).rejects.toMatchObject({
      code: 'invalid_credentials',
    });
  });

  it('cannot reach a user of another workspace', async () => {
    const a = await buildWorkspace(t.ctx);
    const b = await buildWorkspace(t.ctx);
    const adminA = await buildUser(t.ctx, a, { role: 'admin' });
    const agentB = await buildUser(t.ctx, b);
    await expect(updateUser(t.ctx, adminA.actor, agentB.user.id, { name: 'Hijacked' })).rejects.toMatchObject(
      {
        code: 'user_not_found',
      },
    );
    const page = await listUsers(t.ctx, adminA.actor, { limit: 200 });
    expect(page.items.map((u) => u.id)).not.toContain(agentB.user.id);
  });

  it('pages through users with a keyset cursor, each user exactly once', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    for (let i = 0; i < 6; i++) await buildUser(t.ctx, ws);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listUsers(t.ctx, admin.actor, { limit: 3, cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen).size).toBe(7);
    expect([...seen].sort()).toEqual(seen);
  });

  it('rejects a malformed cursor as a validation error', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    await expect(listUsers(t.ctx, admin.actor, { limit: 10, cursor: '%%%' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});

describe('API tokens', () => {
  it('acts as its user with the current role, and stores only a hash', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildUser(t.ctx, ws, { role: 'admin' });
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const { secret, token } = await createApiToken(t.ctx, manager.actor, { name: 'ci' });
    expect(secret.startsWith(token.prefix)).toBe(true);
    expect((await actorFromApiToken(t.ctx, secret))?.role).toBe('manager');
    await updateUser(t.ctx, admin.actor, manager.user.id, { role: 'agent' });
    expect((await actorFromApiToken(t.ctx, secret))?.role).toBe('agent');
    const stored = await t.ctx.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', token.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('stops working when revoked or expired', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const revoked = await createApiToken(t.ctx, agent.actor, { name: 'a' });
    await revokeApiToken(t.ctx, agent.actor, revoked.token.id);
    expect(await actorFromApiToken(t.ctx, revoked.secret)).toBeNull();
    await expect(revokeApiToken(t.ctx, agent.actor, revoked.token.id)).rejects.toMatchObject({
      code: 'token_not_found',
    });

    const expiring = await createApiToken(t.ctx, agent.actor, { name: 'b', expiresInDays: 1 });
    expect(await actorFromApiToken(t.ctx, expiring.secret)).not.toBeNull();
    t.clock.advance(DAY + 1);
    expect(await actorFromApiToken(t.ctx, expiring.secret)).toBeNull();
    expect(await actorFromApiToken(t.ctx, 'rpt_not-a-real-token')).toBeNull();
  });

  it("lists only the actor's own tokens and cannot revoke another user's", async () => {
    const ws = await buildWorkspace(t.ctx);
    const one = await buildUser(t.ctx, ws);
    const other = await buildUser(t.ctx, ws, { role: 'admin' });
    const mine = await createApiToken(t.ctx, one.actor, { name: 'mine' });
    await createApiToken(t.ctx, other.actor, { name: 'theirs' });
    expect((await listApiTokens(t.ctx, one.actor)).map((x) => x.name)).toEqual(['mine']);
    await expect(revokeApiToken(t.ctx, other.actor, mine.token.id)).rejects.toMatchObject({
      code: 'token_not_found',
    });
  });
});
