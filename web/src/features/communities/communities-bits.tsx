import { NavLink } from 'react-router';
import {
  communityLoopReaders,
  communityManagers,
  communityModerators,
  type IdeaStatus,
  type SpaceKind,
} from '../../api/communities.ts';
import { ApiError, type Role } from '../../api.ts';
import { useSession } from '../../session.tsx';

export const spaceKindLabels: Record<SpaceKind, string> = {
  forum: 'Forum',
  qa: 'Q&A',
  ideas: 'Ideas',
  kb: 'Knowledge base',
  announcements: 'Announcements',
};

export const ideaStatusLabels: Record<IdeaStatus, string> = {
  open: 'Open',
  under_review: 'Under review',
  planned: 'Planned',
  in_progress: 'In progress',
  done: 'Done',
  declined: 'Declined',
  duplicate: 'Duplicate',
};

export const messageOf = (err: unknown, fallback: string) =>
  err instanceof ApiError ? err.message : fallback;

/** What the signed-in role may do here; the API checks the same permissions (roles.ts). */
export function useCommunityRights() {
  const { session } = useSession();
  const role: Role | undefined = session?.user.role;
  const has = (roles: Role[]) => !!role && roles.includes(role);
  return {
    workspaceSlug: session?.workspace.slug ?? '',
    moderate: has(communityModerators),
    manage: has(communityManagers),
    loop: has(communityLoopReaders),
    configureLoop: has(['owner', 'admin', 'manager']),
  };
}

/** The public page of a space or thread on the server-rendered community site. */
export function publicUrl(workspaceSlug: string, rest = '') {
  return `/community/${encodeURIComponent(workspaceSlug)}${rest}`;
}

export function CommunitiesNav() {
  const rights = useCommunityRights();
  return (
    <nav className="subnav" aria-label="Communities">
      <NavLink to="/communities" end>
        Spaces
      </NavLink>
      <NavLink to="/communities/questions">Questions</NavLink>
      {rights.moderate && <NavLink to="/communities/moderation">Moderation</NavLink>}
      <NavLink to="/communities/members">Members</NavLink>
      <NavLink to="/communities/ideas">Ideas</NavLink>
      <NavLink to="/communities/challenges">Challenges</NavLink>
      <NavLink to="/communities/lists">Lists</NavLink>
      <NavLink to="/communities/newsletters">Newsletters</NavLink>
      {(rights.manage || rights.loop || rights.moderate) && (
        <NavLink to="/communities/settings">Settings</NavLink>
      )}
    </nav>
  );
}

/** `datetime-local` keeps local time; the API takes UTC ISO. */
export const localToIso = (local: string) => (local ? new Date(local).toISOString() : '');
/** An ISO instant as a `datetime-local` value in the browser's time zone. */
export function isoToLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** A status line for a finished action, read out by screen readers. */
export function Status({ message }: { message: string }) {
  return message ? (
    <p role="status" className="notice">
      {message}
    </p>
  ) : null;
}

export function ErrorLine({ message }: { message: string }) {
  return message ? (
    <p role="alert" className="error">
      {message}
    </p>
  ) : null;
}
