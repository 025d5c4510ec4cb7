import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ApiTokensTable, DB, UsersTable, WorkspacesTable } from '../../db/schema.ts';

type Db = Kysely<DB> | Transaction<DB>;

export type UserRow = Selectable<UsersTable>;
export type WorkspaceRow = Selectable<WorkspacesTable>;
export type TokenRow = Selectable<ApiTokensTable>;

export function userByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export function userInWorkspace(db: Db, workspaceId: string, userId: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', userId)
    .executeTakeFirst();
}

export function workspaceById(db: Db, id: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export function usersPage(
  db: Db,
  workspaceId: string,
  after: string | undefined,
  limit: number,
): Promise<UserRow[]> {
  let q = db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId);
  if (after !== undefined) q = q.where('id', '>', after);
  return q
    .orderBy('id')
    .limit(limit + 1)
    .execute();
}

export async function countActiveOwners(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Session joined with its user, for authenticating a request in one round trip. */
export function sessionWithUser(db: Db, sessionId: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select([
      'sessions.id',
      'sessions.csrf_token',
      'sessions.expires_at',
      'sessions.last_seen_at',
      'users.id as user_id',
      'users.workspace_id',
      'users.role',
      'users.status',
    ])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
}

export function tokenWithUser(db: Db, tokenHash: string) {
  return db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select([
      'api_tokens.id',
      'api_tokens.expires_at',
      'api_tokens.revoked_at',
      'api_tokens.last_used_at',
      'users.id as user_id',
      'users.workspace_id',
      'users.role',
      'users.status',
    ])
    .where('api_tokens.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export function tokensOfUser(db: Db, workspaceId: string, userId: string): Promise<TokenRow[]> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .execute();
}
