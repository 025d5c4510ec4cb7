import type { Generated } from 'kysely';

/**
 * Logical schema shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings on both
 * (TEXT on SQLite, timestamptz on PostgreSQL parsed back to ISO in `client.ts`); booleans are
 * 0/1 integers so the two engines agree.
 */
export type Role = 'owner' | 'admin' | 'manager' | 'agent' | 'moderator';
export type UserStatus = 'active' | 'deactivated';

export interface WorkspacesTable {
  id: string;
  name: string;
  slug: string;
  time_zone: string;
  is_demo: number;
  created_at: string;
}

export interface UsersTable {
  id: string;
  workspace_id: string;
  email: string;
  name: string;
  role: Role;
  status: UserStatus;
  password_hash: string;
  password_change_required: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value; the cookie itself is never stored. */
  id: string;
  user_id: string;
  workspace_id: string;
  csrf_token: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface ApiTokensTable {
  id: string;
  workspace_id: string;
  user_id: string;
  name: string;
  /** First characters of the secret, shown in lists so people can tell tokens apart. */
  prefix: string;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  workspace_id: string;
  actor_user_id: string | null;
  action: string;
  target_type: string;
  target_id: string;
  /** JSON text on SQLite, jsonb on PostgreSQL: read through `dialect.parseJson`. */
  details: unknown;
  created_at: string;
}

export interface DB {
  workspaces: WorkspacesTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  audit_log: AuditLogTable;
}
