import { z } from '@hono/zod-openapi';
import { casePriorities, caseStatuses, caseTypes } from '../inbox/vocabulary.ts';
import { mentionSchema } from '../listening/schema.ts';
import { eventsBinSchema, transactionsBinSchema } from './activity-schema.ts';
import { lifecycleStages } from './segment-rules.ts';

export const identitySchema = z
  .object({
    id: z.string(),
    kind: z.enum(['social', 'email', 'phone']),
    channel: z.string(),
    externalId: z.string(),
    handle: z.string().nullable(),
    verified: z.boolean(),
    source: z.enum(['pipeline', 'agent', 'import', 'api']),
    createdAt: z.string(),
  })
  .openapi('Identity');

export const customerSummarySchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    avatarUrl: z.string().nullable(),
    primaryEmail: z.string().nullable(),
    identities: z.array(z.object({ kind: z.string(), channel: z.string(), handle: z.string().nullable() })),
    followers: z.number().nullable().openapi({ description: 'largest over the social identities' }),
    mentionCount: z.number(),
    lastSeenAt: z.string().nullable(),
    influence: z.number().nullable().openapi({ description: '0..100' }),
    lifecycleStage: z.enum(lifecycleStages).nullable(),
  })
  .openapi('CustomerSummary');

export const attributeValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const mergeSchema = z
  .object({
    id: z.string(),
    intoId: z.string(),
    fromId: z.string(),
    fromName: z.string(),
    evidence: z.array(z.string()),
    actorUserId: z.string().nullable(),
    createdAt: z.string(),
    undoneAt: z.string().nullable(),
  })
  .openapi('CustomerMerge');

export const consentPurposes = ['marketing', 'support', 'research', 'profiling'] as const;

export const consentSchema = z
  .object({
    id: z.number(),
    purpose: z.enum(consentPurposes),
    channel: z.string().openapi({ description: 'email, bluesky, mastodon, … or `any`' }),
    status: z.enum(['granted', 'withdrawn']),
    source: z.string().nullable(),
    recordedBy: z.string().nullable(),
    recordedAt: z.string(),
  })
  .openapi('Consent');

export const consentInput = z
  .object({
    purpose: z.enum(consentPurposes),
    channel: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a channel name (email, bluesky, mastodon, …) or any'),
    status: z.enum(['granted', 'withdrawn']),
    source: z.string().trim().min(1).max(200).optional().openapi({
      description: 'where the consent was given or withdrawn, e.g. "signup form"; no personal data',
    }),
  })
  .openapi('ConsentInput');

/** A person's cases in short, as their profile and each of their cases show it. */
export const caseHistorySchema = z
  .object({
    open: z.number().openapi({ description: 'not solved or closed' }),
    total: z.number(),
    recent: z.array(
      z.object({
        id: z.string(),
        number: z.number(),
        subject: z.string(),
        status: z.enum(caseStatuses),
        priority: z.enum(casePriorities),
        type: z.enum(caseTypes),
        updatedAt: z.string(),
      }),
    ),
  })
  .openapi('CaseHistory');

export const customerProfileSchema = customerSummarySchema
  .omit({ identities: true, influence: true })
  .extend({
    bio: z.string().nullable(),
    attributes: z.record(z.string(), attributeValue),
    createdAt: z.string(),
    updatedAt: z.string(),
    identities: z.array(identitySchema),
    social: z.array(
      z.object({
        channel: z.string(),
        handle: z.string(),
        displayName: z.string().nullable(),
        followers: z.number().nullable(),
        profileUrl: z.string().nullable(),
        bio: z
          .string()
          .nullable()
          .openapi({ description: "the account's bio on its network, plain text (render it as text)" }),
        links: z
          .array(
            z.object({
              label: z.string().nullable(),
              url: z.string().openapi({ description: 'an http(s) address' }),
              verified: z
                .boolean()
                .openapi({ description: 'the network checked that the page links back to the account' }),
            }),
          )
          .openapi({ description: "the links of the account's profile (at most 10)" }),
        mentions: z.number(),
        lastMentionAt: z.string().nullable(),
      }),
    ),
    sentiment: z.object({ negative: z.number(), neutral: z.number(), positive: z.number() }),
    intents: z.record(z.string(), z.number()),
    influence: z.object({ score: z.number(), pagerank: z.number(), reasons: z.array(z.string()) }).nullable(),
    merges: z.array(mergeSchema),
    /** Whether the person asking follows this customer (their new cases, leads, merges notify them). */
    following: z.boolean(),
    /** Set once the person's data was erased: the profile is then read-only. */
    erasedAt: z.string().nullable(),
    transactions: transactionsBinSchema,
    events: eventsBinSchema,
    consents: z.array(consentSchema).openapi({ description: 'current state per purpose and channel' }),
    serviceHistory: caseHistorySchema.openapi({
      description: "the customer's cases (docs/inbox.md): open and in all, the 5 latest",
    }),
  })
  .openapi('CustomerProfile');

export const suggestionSchema = z
  .object({
    id: z.string(),
    customer: customerSummarySchema,
    other: customerSummarySchema,
    confidence: z.number(),
    evidence: z.array(z.string()),
    status: z.enum(['open', 'accepted', 'rejected']),
    createdAt: z.string(),
  })
  .openapi('IdentitySuggestion');

export const timelineItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum([
      'mention',
      'merge',
      'unmerge',
      'identity',
      'transaction',
      'event',
      'case',
      'reply',
      'lead',
      'community_post',
      'survey_answer',
    ]),
    at: z.string(),
    summary: z.string(),
    mention: mentionSchema.nullable(),
    /** On survey answers: the survey, the score on its scale and the comment. */
    survey: z
      .object({
        surveyId: z.string(),
        name: z.string(),
        kind: z.enum(['csat', 'nps']),
        score: z.number(),
        scaleMax: z.number(),
        comment: z.string().nullable(),
        caseId: z.string().nullable(),
        caseNumber: z.number().nullable(),
      })
      .optional(),
  })
  .openapi('TimelineItem');

export const attributeTypes = ['text', 'number', 'date', 'boolean', 'choice'] as const;

export const attributeDefinitionSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    label: z.string(),
    type: z.enum(attributeTypes),
    choices: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi('AttributeDefinition');

export const attributeDefinitionInput = z
  .object({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'lower-case letters, digits and _, starting with a letter'),
    label: z.string().trim().min(1).max(120),
    type: z.enum(attributeTypes),
    choices: z.array(z.string().trim().min(1).max(120)).max(100).optional(),
  })
  .openapi('AttributeDefinitionInput');

export const customerPatch = z
  .object({
    displayName: z.string().trim().min(1).max(200).optional(),
    primaryEmail: z.string().trim().email().max(320).nullable().optional(),
    bio: z.string().max(4000).nullable().optional(),
    lifecycleStage: z.enum(lifecycleStages).nullable().optional(),
    attributes: z.record(z.string(), attributeValue).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field')
  .openapi('CustomerPatch');

export const identityInput = z
  .object({
    kind: z.enum(['email', 'phone']),
    value: z.string().trim().min(3).max(320),
    verified: z.boolean().default(false),
  })
  .openapi('IdentityInput');

export const mergeInput = z
  .object({
    from: z.string().min(1).max(64).openapi({ description: 'the customer merged INTO the one in the path' }),
    evidence: z.string().trim().min(1).max(500).optional(),
  })
  .openapi('MergeInput');

export type IdentityView = z.infer<typeof identitySchema>;
export type CustomerSummary = z.infer<typeof customerSummarySchema>;
export type CaseHistory = z.infer<typeof caseHistorySchema>;
export type CustomerProfile = z.infer<typeof customerProfileSchema>;
export type MergeView = z.infer<typeof mergeSchema>;
export type SuggestionView = z.infer<typeof suggestionSchema>;
export type TimelineItem = z.infer<typeof timelineItemSchema>;
export type AttributeDefinitionView = z.infer<typeof attributeDefinitionSchema>;
export type AttributeValue = z.infer<typeof attributeValue>;
export type CustomerPatch = z.infer<typeof customerPatch>;
export type ConsentView = z.infer<typeof consentSchema>;
export type ConsentInput = z.infer<typeof consentInput>;
