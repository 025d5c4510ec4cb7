import type { Actor } from '../auth/roles.ts';
import { defaultTrustConfig } from './trust.ts';

/** A community member acting through their member session (never a staff user). */
export type MemberActor = { kind: 'member'; memberId: string; workspaceId: string; trustLevel: number };

/** Who acts in the community: a staff user (owner … moderator) or a member. */
export type CommunityActor = Actor | MemberActor;

export function isMember(actor: object | null): actor is MemberActor {
  return actor !== null && 'kind' in actor && actor.kind === 'member';
}

/** A staff user: the only actors without a `kind`. */
export function isStaff(actor: object | null): actor is Actor {
  return actor !== null && !('kind' in actor);
}

/**
 * The trust level from which a member may create impromptu spaces under the default trust
 * configuration; each workspace may change it (trust.ts, `unlocks.createSpaces`), which is what
 * the service checks.
 */
export const IMPROMPTU_SPACE_MIN_TRUST = defaultTrustConfig.unlocks.createSpaces;
