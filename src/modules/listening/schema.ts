import { z } from '@hono/zod-openapi';

export const authorSchema = z
  .object({
    id: z.number(),
    channel: z.string(),
    handle: z.string(),
    displayName: z.string().nullable(),
    followers: z.number().nullable(),
    profileUrl: z.string().nullable(),
    avatarUrl: z.string().nullable(),
  })
  .openapi('Author');

export const mentionSchema = z
  .object({
    id: z.number(),
    channel: z.string(),
    externalId: z.string(),
    url: z.string().nullable(),
    text: z.string(),
    links: z.array(z.string()).openapi({
      description:
        'the web addresses the post links to: those written in its text, then those it carried beside it (Bluesky link facets and cards, Mastodon anchors)',
    }),
    language: z.string(),
    createdAt: z.string(),
    receivedAt: z.string(),
    replyTo: z.string().nullable(),
    threadRoot: z.string().nullable(),
    engagement: z.record(z.string(), z.number()),
    sentiment: z.string().nullable(),
    intents: z.array(z.string()),
    urgency: z.number().nullable(),
    topicIds: z.array(z.string()),
    analysis: z.record(z.string(), z.unknown()).openapi({
      description: 'the full analysis with explanations (see the Analysis schema)',
    }),
    queryIds: z.array(z.string()),
    deleted: z.boolean(),
    edited: z.boolean(),
    author: authorSchema.nullable(),
    disposition: z
      .object({
        mentionId: z.number(),
        disposition: z.enum(['case', 'lead', 'answered', 'dismissed']),
        reason: z.string().nullable(),
        caseId: z.string().nullable(),
        at: z.string(),
        by: z.string().nullable().openapi({ description: 'a user id, or rule:<id> for a routing rule' }),
      })
      .nullable()
      .openapi({ description: 'what became of the mention (docs/inbox.md); null while undecided' }),
  })
  .openapi('Mention');

export const listeningQuerySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ListeningQuery');

export const queryInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    query: z.string().min(1).max(2000),
    enabled: z.boolean().default(true),
  })
  .openapi('ListeningQueryInput');

export const queryPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    query: z.string().min(1).max(2000).optional(),
    enabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one of name, query, enabled')
  .openapi('ListeningQueryPatch');

export const previewInput = z
  .object({
    query: z.string().min(1).max(2000),
    sample: z.number().int().min(1).max(20_000).default(2000),
  })
  .openapi('QueryPreviewInput');

export const previewSchema = z
  .object({
    sampled: z.number(),
    matched: z.number(),
    perDay: z.array(z.object({ day: z.string(), count: z.number() })),
    examples: z.array(mentionSchema),
  })
  .openapi('QueryPreview');

export const mentionFilters = z.object({
  queryId: z.string().max(64).optional(),
  channel: z.string().max(40).optional(),
  language: z.string().max(8).optional(),
  sentiment: z.enum(['negative', 'neutral', 'positive', 'und']).optional(),
  intent: z.string().max(40).optional(),
  topic: z.string().max(64).optional().openapi({ description: 'a topic id' }),
  class: z
    .string()
    .max(200)
    .regex(/^[^\s:]+:[^\s]+$/, 'classifierId:label')
    .optional()
    .openapi({ description: "a custom classifier's answer, as `classifierId:label`" }),
  minUrgency: z.coerce.number().int().min(0).max(100).optional(),
  search: z.string().max(200).optional(),
});

export const quarantineItemSchema = z
  .object({
    id: z.number(),
    connectorId: z.string().nullable(),
    format: z.string(),
    stage: z.string(),
    reason: z.string(),
    payload: z.string(),
    status: z.enum(['open', 'retried', 'dropped']),
    createdAt: z.string(),
  })
  .openapi('QuarantinedItem');

export type MentionView = z.infer<typeof mentionSchema>;
export type ListeningQueryView = z.infer<typeof listeningQuerySchema>;
export type MentionFilters = z.infer<typeof mentionFilters>;
export type QuarantineItemView = z.infer<typeof quarantineItemSchema>;
