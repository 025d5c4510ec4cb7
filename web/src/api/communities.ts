// Communities (staff): spaces, moderation, members, ideas, challenges, newsletters, lists, points.

import { type Page, qs, type Role, request } from '../api.ts';

export type SpaceKind = 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements';
export type SpacePurpose = 'objective' | 'task' | 'impromptu';
export type IdeaStatus =
  | 'open'
  | 'under_review'
  | 'planned'
  | 'in_progress'
  | 'done'
  | 'declined'
  | 'duplicate';
export type CommunitySpace = {
  id: string;
  slug: string;
  title: string;
  description: string;
  kind: SpaceKind;
  purpose: SpacePurpose;
  endsAt: string | null;
  closedAt: string | null;
  closedReason: string | null;
  readOnly: 'closed' | 'archived' | null;
  threadCount: number;
  postCount: number;
  lastPostAt: string | null;
  createdByMemberId: string | null;
  createdByUserId: string | null;
  createdAt: string;
  updatedAt: string;
};
export type SpaceInput = {
  slug: string;
  title: string;
  description?: string;
  kind: SpaceKind;
  purpose?: SpacePurpose;
  endsAt?: string;
};
export type SpacePatch = { title?: string; description?: string; endsAt?: string | null };
export type CommunityAuthor = { type: 'member' | 'staff'; id: string; name: string; username: string | null };
export type CommunityThread = {
  id: string;
  spaceId: string;
  title: string;
  kind: 'discussion' | 'question' | 'idea' | 'article' | 'announcement';
  author: CommunityAuthor | null;
  ideaStatus: IdeaStatus | null;
  duplicateOfThreadId: string | null;
  voteCount: number;
  acceptedPostId: number | null;
  sourcePostId: number | null;
  postCount: number;
  lastPostNumber: number;
  lastPostAt: string;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  hidden: boolean;
};
export type CommunityPost = {
  id: number;
  threadId: string;
  number: number;
  author: CommunityAuthor | null;
  bodyMarkdown: string;
  /** Sanitized on the server (render.ts); the only HTML the app inserts as HTML. */
  bodyHtml: string;
  replyToNumber: number | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  hidden: boolean;
  accepted: boolean;
  likeCount: number;
};
export type CommunityThreadPage = {
  space: CommunitySpace;
  thread: CommunityThread;
  posts: Page<CommunityPost>;
};
export type CommunityFlag = {
  id: string;
  postId: number;
  reason: string;
  weight: number;
  flaggedBy: { kind: 'member' | 'staff' | 'system'; memberId?: string; userId?: string };
  note: string | null;
  createdAt: string;
  resolution: 'agreed' | 'disagreed' | null;
};
export type ReviewItem = {
  postId: number;
  threadId: string;
  spaceId: string;
  postNumber: number;
  authorMemberId: string | null;
  excerpt: string;
  hidden: boolean;
  score: number;
  flags: CommunityFlag[];
};
export type CommunityMemberProfile = {
  id: string;
  username: string;
  displayName: string;
  bio: string | null;
  trustLevel: number;
  rank: string;
  points: number;
  joinedAt: string;
  email: string | null;
  emailVerified: boolean;
  customerId: string | null;
  suspendedUntil: string | null;
  stats: Record<string, number>;
  moderatesSpaces: string[];
};
export type TrustConfig = {
  level1: { topicsEntered: number; postsRead: number; minutesReading: number };
  level2: {
    daysVisited: number;
    likesGiven: number;
    likesReceived: number;
    topicsRepliedTo: number;
    postsRead: number;
    minutesReading: number;
  };
  level3: Record<string, number>;
  unlocks: {
    postLinks: number;
    postImages: number;
    createSpaces: number;
    flagWeights: number[];
    flagHideThreshold: number;
    postLimits: { level0: number; level1: number | null; windowMinutes: number };
  };
};
export type IdeaStatusChange = {
  id: number;
  threadId: string;
  fromStatus: IdeaStatus | null;
  toStatus: IdeaStatus;
  note: string;
  duplicateOfThreadId: string | null;
  changedByUserId: string | null;
  createdAt: string;
};
export type IdeaLink = {
  id: string;
  threadId: string;
  targetType: 'mention' | 'case';
  mentionId: number | null;
  caseId: string | null;
  status: 'suggested' | 'confirmed' | 'rejected';
  score: number;
  sharedTerms: string[];
  target: {
    text: string;
    channel: string | null;
    customerId: string | null;
    caseNumber: number | null;
    url: string | null;
  };
  confirmedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
};
export type IdeaLinks = { threadId: string; requestedIn: number; items: IdeaLink[] };
export type UnansweredPolicy = { enabled: boolean; hours: number };
export type CommunityShare = {
  id: string;
  threadId: string;
  channel: 'bluesky' | 'mastodon';
  text: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  externalId: string | null;
  externalUrl: string | null;
  createdBy: string | null;
  createdAt: string;
  sentAt: string | null;
};
/** `communities:moderate`: queue, suspensions, idea statuses, closing spaces, shares. */
export const communityModerators: Role[] = ['owner', 'admin', 'manager', 'moderator'];
/** `communities:manage`: create and change spaces, trust configuration, leaders, space moderators. */
export const communityManagers: Role[] = ['owner', 'admin'];
/** Idea links and the unanswered policy show conversations (`inbox:read`); changing the policy is `inbox:configure`. */
export const communityLoopReaders: Role[] = ['owner', 'admin', 'manager', 'agent'];
export const communityLoopConfigurers: Role[] = ['owner', 'admin', 'manager'];

const cm = (rest: string) => `/api/v1/communities${rest}`;
const enc = encodeURIComponent;

export const communitiesApi = {
  spaces: (cursor?: string) =>
    request<Page<CommunitySpace>>('GET', cm(`/spaces${qs({ cursor, limit: 100 })}`)),
  createSpace: (input: SpaceInput) => request<CommunitySpace>('POST', cm('/spaces'), input),
  updateSpace: (id: string, patch: SpacePatch) =>
    request<CommunitySpace>('PATCH', cm(`/spaces/${enc(id)}`), patch),
  closeSpace: (id: string, reason: string) =>
    request<CommunitySpace>('POST', cm(`/spaces/${enc(id)}/close`), { reason }),
  reopenSpace: (id: string) => request<CommunitySpace>('POST', cm(`/spaces/${enc(id)}/reopen`)),
  setSpaceModerator: (spaceId: string, memberId: string, moderator: boolean) =>
    request<{ moderatesSpaces: string[] }>(
      moderator ? 'PUT' : 'DELETE',
      cm(`/spaces/${enc(spaceId)}/moderators/${enc(memberId)}`),
    ),
  threads: (spaceId: string, sort: 'activity' | 'votes' = 'activity', cursor?: string) =>
    request<Page<CommunityThread>>(
      'GET',
      cm(`/spaces/${enc(spaceId)}/threads${qs({ sort, cursor, limit: 100 })}`),
    ),
  thread: (id: string, cursor?: string) =>
    request<CommunityThreadPage>('GET', cm(`/threads/${enc(id)}${qs({ cursor, limit: 100 })}`)),
  /** Replies in a thread as the signed-in staff member (an answer to a question). */
  reply: (threadId: string, body: string) =>
    request<CommunityWritten>('POST', cm(`/threads/${enc(threadId)}/posts`), { body }),
  reviewQueue: (cursor?: string) =>
    request<Page<ReviewItem>>('GET', cm(`/moderation/queue${qs({ cursor, limit: 50 })}`)),
  /** Deletes a post (a moderator: anyone's; audited). Post 1 deletes the whole thread. */
  deletePost: (postId: number) => request<void>('DELETE', cm(`/posts/${postId}`)),
  review: (postId: number, decision: 'agree' | 'restore') =>
    request<{ hidden: boolean; resolvedFlags: number }>('POST', cm(`/moderation/posts/${postId}/review`), {
      decision,
    }),
  members: (cursor?: string) =>
    request<Page<CommunityMemberProfile>>('GET', cm(`/members${qs({ cursor, limit: 100 })}`)),
  suspend: (memberId: string, until: string | null) =>
    request<CommunityMemberProfile>('PUT', cm(`/members/${enc(memberId)}/suspension`), { until }),
  setLeader: (memberId: string, leader: boolean) =>
    request<{ trustLevel: number }>('PUT', cm(`/members/${enc(memberId)}/leader`), { leader }),
  trustConfig: () => request<TrustConfig>('GET', cm('/trust-config')),
  saveTrustConfig: (config: TrustConfig) => request<TrustConfig>('PUT', cm('/trust-config'), config),
  setIdeaStatus: (threadId: string, status: Exclude<IdeaStatus, 'duplicate'>, note: string) =>
    request<CommunityThread>('POST', cm(`/threads/${enc(threadId)}/status`), { status, note }),
  mergeIdea: (threadId: string, intoThreadId: string, note: string) =>
    request<CommunityThread>('POST', cm(`/threads/${enc(threadId)}/merge`), { intoThreadId, note }),
  statusChanges: (threadId: string) =>
    request<IdeaStatusChange[]>('GET', cm(`/threads/${enc(threadId)}/status-changes`)),
  ideaLinks: (threadId: string) => request<IdeaLinks>('GET', cm(`/ideas/${enc(threadId)}/links`)),
  suggestIdeaLinks: (threadId: string) =>
    request<IdeaLinks>('POST', cm(`/ideas/${enc(threadId)}/links/suggest`)),
  linkIdea: (threadId: string, target: { caseId: string } | { mentionId: number }) =>
    request<IdeaLink>('POST', cm(`/ideas/${enc(threadId)}/links`), target),
  decideIdeaLink: (linkId: string, action: 'confirm' | 'reject') =>
    request<IdeaLink>('POST', cm(`/idea-links/${enc(linkId)}/${action}`)),
  unansweredPolicy: () => request<UnansweredPolicy>('GET', cm('/unanswered-policy')),
  saveUnansweredPolicy: (policy: UnansweredPolicy) =>
    request<UnansweredPolicy>('PUT', cm('/unanswered-policy'), policy),
  shares: (threadId: string) => request<CommunityShare[]>('GET', cm(`/threads/${enc(threadId)}/shares`)),
  share: (threadId: string, input: { channel: 'bluesky' | 'mastodon'; text?: string }) =>
    request<CommunityShare>('POST', cm(`/threads/${enc(threadId)}/shares`), input),
};

// ---- Communities (staff): challenges, newsletters, lists, knowledge-base promotion, points ----

export type ChallengeState = 'upcoming' | 'open' | 'closed' | 'decided';
export type CommunityChallenge = {
  id: string;
  spaceId: string;
  question: string;
  description: string;
  reward: string;
  opensAt: string;
  closesAt: string;
  state: ChallengeState;
  entryCount: number;
  winnerThreadId: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  createdAt: string;
};
export type ChallengeInput = {
  spaceId: string;
  question: string;
  description?: string;
  reward?: string;
  opensAt: string;
  closesAt: string;
};
export type ChallengeEntry = {
  threadId: string;
  title: string;
  author: CommunityAuthor | null;
  votes: number;
  voted: boolean | null;
  winner: boolean;
  createdAt: string;
};
export type NewsletterCadence = 'daily' | 'weekly' | 'off';
export type NewsletterSettings = {
  spaceId: string;
  cadence: NewsletterCadence;
  subscribers: number;
  updatedAt: string | null;
};
export type NewsletterDigest = {
  id: string;
  spaceId: string;
  cadence: 'daily' | 'weekly';
  periodStart: string;
  periodEnd: string;
  itemCount: number;
  deliveries: { queued: number; sent: number; failed: number; skipped: number };
  createdAt: string;
};
export type CommunityList = {
  id: string;
  name: string;
  description: string;
  kind: 'members' | 'customers';
  visibility: 'public' | 'private';
  owner: { type: 'member' | 'staff'; id: string };
  entryCount: number;
  followerCount: number;
  following: boolean | null;
  createdAt: string;
  updatedAt: string;
};
export type CommunityListInput = {
  name: string;
  description?: string;
  kind: 'members' | 'customers';
  visibility: 'public' | 'private';
};
export type CommunityListPatch = { name?: string; description?: string; visibility?: 'public' | 'private' };
export type CommunityListEntry = {
  type: 'member' | 'customer';
  id: string;
  name: string;
  username: string | null;
  addedAt: string;
};
export type CommunityListActivity = {
  type: 'post' | 'mention';
  id: number;
  at: string;
  text: string;
  url: string | null;
  channel: string;
  threadId: string | null;
  threadTitle: string | null;
  postNumber: number | null;
  memberId: string | null;
  customerId: string | null;
};
export type PointsLedgerEntry = {
  id: number;
  points: number;
  reason: string;
  ref: string;
  createdAt: string;
};
export type PointsAdjustment = { entry: PointsLedgerEntry; points: number; rank: string };
export type CommunityWritten = { thread: CommunityThread; post: CommunityPost; mentionedMemberIds: string[] };
/** `customers:manage`: may change public customer lists (lists.ts). */
export const customerListEditors: Role[] = ['owner', 'admin', 'manager', 'agent'];

export const communityExtrasApi = {
  challenges: (query: { spaceId?: string; state?: ChallengeState; cursor?: string } = {}) =>
    request<Page<CommunityChallenge>>('GET', cm(`/challenges${qs({ ...query, limit: 100 })}`)),
  createChallenge: (input: ChallengeInput) => request<CommunityChallenge>('POST', cm('/challenges'), input),
  challengeEntries: (id: string, cursor?: string) =>
    request<Page<ChallengeEntry>>('GET', cm(`/challenges/${enc(id)}/entries${qs({ cursor, limit: 100 })}`)),
  chooseWinner: (id: string, threadId: string, note: string) =>
    request<CommunityChallenge>('POST', cm(`/challenges/${enc(id)}/winner`), { threadId, note }),
  newsletter: (spaceId: string) =>
    request<NewsletterSettings>('GET', cm(`/spaces/${enc(spaceId)}/newsletter`)),
  setNewsletter: (spaceId: string, cadence: NewsletterCadence) =>
    request<NewsletterSettings>('PUT', cm(`/spaces/${enc(spaceId)}/newsletter`), { cadence }),
  digests: (spaceId: string, cursor?: string) =>
    request<Page<NewsletterDigest>>(
      'GET',
      cm(`/spaces/${enc(spaceId)}/newsletter/digests${qs({ cursor, limit: 50 })}`),
    ),
  lists: (cursor?: string) => request<Page<CommunityList>>('GET', cm(`/lists${qs({ cursor, limit: 100 })}`)),
  createList: (input: CommunityListInput) => request<CommunityList>('POST', cm('/lists'), input),
  updateList: (id: string, patch: CommunityListPatch) =>
    request<CommunityList>('PATCH', cm(`/lists/${enc(id)}`), patch),
  deleteList: (id: string) => request<void>('DELETE', cm(`/lists/${enc(id)}`)),
  followList: (id: string, follow: boolean) =>
    request<CommunityList>(follow ? 'PUT' : 'DELETE', cm(`/lists/${enc(id)}/follow`)),
  listEntries: (id: string, cursor?: string) =>
    request<Page<CommunityListEntry>>('GET', cm(`/lists/${enc(id)}/entries${qs({ cursor, limit: 100 })}`)),
  addListEntry: (id: string, entry: { memberId: string } | { customerId: string }) =>
    request<CommunityList>('POST', cm(`/lists/${enc(id)}/entries`), entry),
  removeListEntry: (id: string, type: 'member' | 'customer', entryId: string) =>
    request<CommunityList>('DELETE', cm(`/lists/${enc(id)}/entries/${type}/${enc(entryId)}`)),
  listActivity: (id: string, cursor?: string) =>
    request<Page<CommunityListActivity>>('GET', cm(`/lists/${enc(id)}/activity${qs({ cursor, limit: 25 })}`)),
  promoteAnswer: (postId: number, kbSpaceId: string, title?: string) =>
    request<CommunityWritten>('POST', cm(`/posts/${postId}/promote`), {
      kbSpaceId,
      ...(title ? { title } : {}),
    }),
  pointsLedger: (memberId: string, cursor?: string) =>
    request<Page<PointsLedgerEntry>>(
      'GET',
      cm(`/members/${enc(memberId)}/points${qs({ cursor, limit: 50 })}`),
    ),
  adjustPoints: (memberId: string, points: number, reason: string) =>
    request<PointsAdjustment>('POST', cm(`/members/${enc(memberId)}/points`), { points, reason }),
};
