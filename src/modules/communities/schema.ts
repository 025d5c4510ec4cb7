import { z } from '@hono/zod-openapi';
import { pageQuery } from '../../pagination.ts';

export const spaceKinds = ['forum', 'qa', 'ideas', 'kb', 'announcements'] as const;
export const spacePurposes = ['objective', 'task', 'impromptu'] as const;
export const threadKinds = ['discussion', 'question', 'idea', 'article', 'announcement'] as const;
export const ideaStatuses = [
  'open',
  'under_review',
  'planned',
  'in_progress',
  'done',
  'declined',
  'duplicate',
] as const;

const body = z.string().trim().min(1).max(50_000);
const id = z.string().min(1).max(64);

export const spaceInput = z
  .object({
    slug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes')
      .openapi({ example: 'product-ideas' }),
    title: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).default(''),
    kind: z.enum(spaceKinds),
    purpose: z.enum(spacePurposes).default('objective'),
    /** Task spaces only: when the space becomes a read-only archive. */
    endsAt: z.iso.datetime().optional(),
  })
  .openapi('CommunitySpaceInput');
export type SpaceInput = z.input<typeof spaceInput>;

export const spacePatch = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(2000).optional(),
    endsAt: z.iso.datetime().nullable().optional(),
  })
  .openapi('CommunitySpacePatch');
export type SpacePatch = z.infer<typeof spacePatch>;

export const closeSpaceInput = z.object({ reason: z.string().trim().min(1).max(500) });

export const spaceSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    title: z.string(),
    description: z.string(),
    kind: z.enum(spaceKinds),
    purpose: z.enum(spacePurposes),
    endsAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    closedReason: z.string().nullable(),
    /** Why nobody may post: closed by a moderator, or a task space past its end. */
    readOnly: z.enum(['closed', 'archived']).nullable(),
    threadCount: z.number(),
    postCount: z.number(),
    lastPostAt: z.string().nullable(),
    createdByMemberId: z.string().nullable(),
    createdByUserId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('CommunitySpace');
export type SpaceView = z.infer<typeof spaceSchema>;

export const authorSchema = z
  .object({
    type: z.enum(['member', 'staff']),
    id: z.string(),
    name: z.string(),
    /** Members only. */
    username: z.string().nullable(),
  })
  .openapi('CommunityAuthor');
export type AuthorView = z.infer<typeof authorSchema>;

export const threadSchema = z
  .object({
    id: z.string(),
    spaceId: z.string(),
    title: z.string(),
    kind: z.enum(threadKinds),
    author: authorSchema.nullable(),
    ideaStatus: z.enum(ideaStatuses).nullable(),
    duplicateOfThreadId: z.string().nullable(),
    voteCount: z.number(),
    acceptedPostId: z.number().nullable(),
    sourcePostId: z.number().nullable(),
    postCount: z.number(),
    lastPostNumber: z.number(),
    lastPostAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deleted: z.boolean(),
    hidden: z.boolean(),
  })
  .openapi('CommunityThread');
export type ThreadView = z.infer<typeof threadSchema>;

/** A thread in a space's list, with the signed-in member's marks (null for staff and visitors). */
export const threadCardSchema = threadSchema
  .extend({
    /** Posts new to the member (read tracking rules). */
    newPosts: z.number().nullable(),
    /** Ideas: whether the member voted for it. */
    voted: z.boolean().nullable(),
  })
  .openapi('CommunityThreadCard');
export type ThreadCard = z.infer<typeof threadCardSchema>;

export const postSchema = z
  .object({
    id: z.number(),
    threadId: z.string(),
    number: z.number(),
    author: authorSchema.nullable(),
    /** Empty for deleted posts, and for hidden ones unless the reader moderates. */
    bodyMarkdown: z.string(),
    bodyHtml: z.string(),
    replyToNumber: z.number().nullable(),
    createdAt: z.string(),
    editedAt: z.string().nullable(),
    deleted: z.boolean(),
    hidden: z.boolean(),
    accepted: z.boolean(),
    likeCount: z.number(),
  })
  .openapi('CommunityPost');
export type PostView = z.infer<typeof postSchema>;

export const threadPageSchema = z
  .object({
    space: spaceSchema,
    thread: threadSchema,
    posts: z.object({ items: z.array(postSchema), nextCursor: z.string().nullable() }),
  })
  .openapi('CommunityThreadPage');
export type ThreadPage = z.infer<typeof threadPageSchema>;

export const revisionSchema = z
  .object({
    revision: z.number(),
    /** Opening posts: the thread's title as of this revision (null on replies and older revisions). */
    title: z.string().nullable(),
    bodyMarkdown: z.string(),
    editedBy: authorSchema.nullable(),
    createdAt: z.string(),
  })
  .openapi('CommunityPostRevision');
export type RevisionView = z.infer<typeof revisionSchema>;

export const threadInput = z
  .object({ spaceId: id, title: z.string().trim().min(1).max(300), body })
  .openapi('CommunityThreadInput');
export type ThreadInput = z.infer<typeof threadInput>;

export const replyInput = z
  .object({
    body,
    /** The post answered; with `quote`, its words are quoted above the reply. */
    replyToNumber: z.number().int().min(1).optional(),
    quote: z.string().trim().min(1).max(5000).optional(),
  })
  .openapi('CommunityReplyInput');
export type ReplyInput = z.infer<typeof replyInput>;

export const editInput = z
  .object({ body, title: z.string().trim().min(1).max(300).optional() })
  .openapi('CommunityEditInput');
export type EditInput = z.infer<typeof editInput>;

export const threadListQuery = pageQuery.extend({
  sort: z.enum(['activity', 'votes']).default('activity'),
});
export type ThreadListQuery = z.infer<typeof threadListQuery>;

export const postPageQuery = pageQuery;

export const ideaStatusInput = z
  .object({
    status: z.enum(ideaStatuses).exclude(['duplicate']),
    note: z.string().trim().max(2000).default(''),
  })
  .openapi('CommunityIdeaStatusInput');
export type IdeaStatusInput = z.input<typeof ideaStatusInput>;

export const ideaStatusChangeSchema = z
  .object({
    id: z.number(),
    threadId: z.string(),
    fromStatus: z.enum(ideaStatuses).nullable(),
    toStatus: z.enum(ideaStatuses),
    note: z.string(),
    duplicateOfThreadId: z.string().nullable(),
    changedByUserId: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('CommunityIdeaStatusChange');
export type IdeaStatusChangeView = z.infer<typeof ideaStatusChangeSchema>;

export const unreadSchema = z
  .object({ spaceId: z.string(), unreadThreads: z.number(), newPosts: z.number() })
  .openapi('CommunityUnread');
export type UnreadView = z.infer<typeof unreadSchema>;

export const searchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  spaceId: id.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type SearchQuery = z.input<typeof searchQuery>;

export const searchHitSchema = z
  .object({
    postId: z.number(),
    postNumber: z.number(),
    threadId: z.string(),
    threadTitle: z.string(),
    spaceId: z.string(),
    spaceTitle: z.string(),
    author: authorSchema.nullable(),
    /** Plain text around the first matching word. */
    excerpt: z.string(),
    createdAt: z.string(),
    score: z.number(),
  })
  .openapi('CommunitySearchHit');
export type SearchHit = z.infer<typeof searchHitSchema>;
