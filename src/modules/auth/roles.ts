import type { Role } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';

export const roles = ['owner', 'admin', 'manager', 'agent', 'moderator'] as const satisfies readonly Role[];

/**
 * Who is acting: a user of one workspace, reached through a session cookie or an API token; or
 * the operator at the command line, who has the database and so acts as an owner.
 */
export type Actor = Readonly<{
  userId: string;
  workspaceId: string;
  role: Role;
  via: 'session' | 'token' | 'cli';
}>;

const grants = {
  'users:read': ['owner', 'admin', 'manager'],
  'users:manage': ['owner', 'admin'],
  'workspace:manage': ['owner', 'admin'],
  'audit:read': ['owner', 'admin'],
  'listening:read': ['owner', 'admin', 'manager', 'agent', 'moderator'],
  'listening:manage': ['owner', 'admin', 'manager'],
  'connectors:manage': ['owner', 'admin'],
  'customers:read': ['owner', 'admin', 'manager', 'agent', 'moderator'],
  'customers:manage': ['owner', 'admin', 'manager', 'agent'],
  'customers:configure': ['owner', 'admin'],
  /** Export and erasure of everything held about a person. */
  'customers:privacy': ['owner', 'admin'],
  'inbox:read': ['owner', 'admin', 'manager', 'agent'],
  /** Work cases: create, update, assign, merge, split, dispose of mentions. */
  'inbox:work': ['owner', 'admin', 'manager', 'agent'],
  /** Teams, routing rules, SLA policies. */
  'inbox:configure': ['owner', 'admin', 'manager'],
  /** Read every community space, including closed ones, as staff. */
  'communities:read': ['owner', 'admin', 'manager', 'agent', 'moderator'],
  /** Edit or delete any post, close spaces, accept answers, change idea statuses, merge ideas. */
  'communities:moderate': ['owner', 'admin', 'manager', 'moderator'],
  /** Create, change and reopen spaces. */
  'communities:manage': ['owner', 'admin'],
  /** Leads, opportunities and the pipeline. */
  'sales:read': ['owner', 'admin', 'manager', 'agent'],
  /** Work leads: create, update, hand off, accept, contact; opportunities. */
  'sales:work': ['owner', 'admin', 'manager', 'agent'],
  /** The lead scoring rules. */
  'sales:configure': ['owner', 'admin', 'manager'],
  /** Outbound webhooks: endpoints, their secrets and the delivery log. */
  'webhooks:manage': ['owner', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof grants;

export function can(actor: Pick<Actor, 'role'>, permission: Permission): boolean {
  return (grants[permission] as readonly Role[]).includes(actor.role);
}

/** Throws `forbidden` unless the actor's role grants the permission. */
export function requirePermission(actor: Pick<Actor, 'role'>, permission: Permission): void {
  if (!can(actor, permission)) {
    throw new AppError('forbidden', `Your role (${actor.role}) does not allow ${permission}`, { permission });
  }
}
