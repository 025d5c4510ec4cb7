import { z } from '@hono/zod-openapi';
import { customerSummarySchema } from '../customers/schema.ts';
import { mentionSchema } from '../listening/schema.ts';
import { scoreExplanationSchema } from './scoring.ts';

/**
 * The seven lifecycle stages a lead moves through, in order. They are the customers module's
 * stages (src/modules/customers/segment-rules.ts) without `other`; the last, `evangelist`, is
 * what the brief calls an advocate.
 */
export const leadStages = [
  'subscriber',
  'lead',
  'marketing_qualified',
  'sales_qualified',
  'opportunity',
  'customer',
  'evangelist',
] as const;
export type LeadStage = (typeof leadStages)[number];

export const leadStatuses = ['open', 'won', 'disqualified'] as const;
export const handoffStatuses = ['none', 'pending', 'accepted', 'rejected'] as const;
export const opportunityStages = [
  'qualification',
  'needs_analysis',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type OpportunityStageName = (typeof opportunityStages)[number];

/** Rank of a stage in the lifecycle; unknown or `other` ranks below every stage. */
export function stageRank(stage: string | null | undefined): number {
  return stage ? leadStages.indexOf(stage as LeadStage) : -1;
}

const id = z.string().min(1).max(64);
const reason = z.string().trim().min(1, 'Give a reason').max(1000);

export const handoffSchema = z
  .object({
    status: z.enum(handoffStatuses),
    fromUserId: z.string().nullable(),
    toUserId: z.string().nullable(),
    note: z.string().nullable(),
    at: z.string().nullable(),
    decidedAt: z.string().nullable(),
    reason: z.string().nullable().openapi({ description: 'why it was rejected' }),
    firstContactAt: z.string().nullable(),
    handoffToFirstContactMs: z
      .number()
      .nullable()
      .openapi({ description: 'from the handoff to the first contact logged after it' }),
  })
  .openapi('LeadHandoff');

export const leadSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    customerId: z.string(),
    title: z.string(),
    stage: z.enum(leadStages),
    status: z.enum(leadStatuses),
    disqualifyReason: z.string().nullable(),
    ownerUserId: z.string().nullable(),
    teamId: z.string().nullable(),
    source: z.enum(['rule', 'agent', 'import']),
    sourceMentionId: z.number().nullable(),
    sourceRuleId: z.string().nullable(),
    caseId: z.string().nullable(),
    fitScore: z.number(),
    engagementScore: z.number(),
    score: z.number().openapi({ description: '0..100: fit (≤ 50) + engagement (≤ 50)' }),
    scoredAt: z.string().nullable(),
    handoff: handoffSchema,
    closedAt: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Lead');

const personSchema = z.object({ id: z.string(), name: z.string() }).openapi('LeadPerson');

/** A lead as a board column or a list shows it. */
export const leadCardSchema = leadSchema
  .extend({
    owner: personSchema.nullable(),
    customer: z.object({
      id: z.string(),
      displayName: z.string(),
      handle: z.string().nullable().openapi({ description: 'the first social handle, if any' }),
    }),
  })
  .openapi('LeadCard');

export const opportunitySchema = z
  .object({
    id: z.string(),
    leadId: z.string(),
    customerId: z.string(),
    name: z.string(),
    amountMinor: z.number().int().openapi({ description: 'in the currency’s minor unit (cents)' }),
    currency: z.string(),
    stage: z.enum(opportunityStages),
    expectedCloseOn: z.string().nullable(),
    ownerUserId: z.string().nullable(),
    lostReason: z.string().nullable(),
    closedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Opportunity');

export const leadDetailSchema = leadSchema
  .extend({
    owner: personSchema.nullable(),
    customer: customerSummarySchema.nullable(),
    segments: z.array(z.object({ id: z.string(), name: z.string() })),
    explanation: scoreExplanationSchema,
    mentions: z.array(mentionSchema).openapi({ description: 'the posts that made or joined the lead' }),
    opportunities: z.array(opportunitySchema),
    following: z.boolean(),
  })
  .openapi('LeadDetail');

export const leadInput = z
  .object({
    customerId: id,
    title: z.string().trim().min(1).max(300),
    stage: z.enum(leadStages).default('lead'),
    ownerUserId: id.optional(),
    teamId: id.optional(),
    mentionIds: z.array(z.number().int().positive()).max(50).default([]),
    caseId: id.optional(),
  })
  .openapi('LeadInput');

export const leadPatch = z
  .object({
    title: z.string().trim().min(1).max(300),
    stage: z.enum(leadStages),
    ownerUserId: id.nullable(),
    teamId: id.nullable(),
    status: z.enum(['open', 'disqualified']).openapi({ description: 'disqualify (with a reason) or reopen' }),
    disqualifyReason: reason,
  })
  .partial()
  .refine((p) => p.status !== 'disqualified' || p.disqualifyReason !== undefined, {
    message: 'a reason is needed to disqualify a lead',
    path: ['disqualifyReason'],
  })
  .openapi('LeadPatch');

export const handoffInput = z
  .object({
    toUserId: id,
    note: z.string().trim().min(1, 'Write a note for the person taking over').max(2000),
  })
  .openapi('LeadHandoffInput');
export const rejectInput = z.object({ reason }).openapi('LeadHandoffRejection');
export const contactInput = z
  .object({
    channel: z.enum(['email', 'phone', 'meeting', 'social', 'message', 'other']),
    note: z.string().trim().max(2000).optional(),
  })
  .openapi('LeadContactInput');

export const leadFilters = z.object({
  stage: z.enum(leadStages).optional(),
  status: z.enum([...leadStatuses, 'all']).default('open'),
  owner: z.string().max(64).optional().openapi({ description: '`me`, `none` or a user id' }),
  handoff: z
    .enum(['pending_for_me', 'pending', 'accepted', 'rejected', 'none'])
    .optional()
    .openapi({ description: '`pending_for_me`: handoffs waiting for the caller' }),
  customerId: z.string().max(64).optional(),
  q: z.string().max(200).optional().openapi({ description: 'words of the title, or #N for lead N' }),
  sort: z.enum(['newest', 'score']).default('newest'),
});

const currency = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR');
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), 'not a calendar date');

export const opportunityInput = z
  .object({
    leadId: id,
    name: z.string().trim().min(1).max(300),
    amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    currency,
    stage: z.enum(['qualification', 'needs_analysis', 'proposal', 'negotiation']).default('qualification'),
    expectedCloseOn: isoDate.optional(),
    ownerUserId: id.optional(),
  })
  .openapi('OpportunityInput');

export const opportunityPatch = z
  .object({
    name: z.string().trim().min(1).max(300),
    amountMinor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    currency,
    stage: z.enum(opportunityStages),
    expectedCloseOn: isoDate.nullable(),
    ownerUserId: id.nullable(),
    lostReason: reason,
  })
  .partial()
  .refine((p) => p.stage !== 'closed_lost' || p.lostReason !== undefined, {
    message: 'a reason is needed to close an opportunity as lost',
    path: ['lostReason'],
  })
  .openapi('OpportunityPatch');

export const opportunityFilters = z.object({
  stage: z.enum(opportunityStages).optional(),
  leadId: z.string().max(64).optional(),
  owner: z.string().max(64).optional().openapi({ description: '`me` or a user id' }),
  open: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: 'true: not closed; false: closed won or lost' }),
});

export const pipelineSchema = z
  .object({
    stages: z.array(
      z.object({
        stage: z.enum(leadStages),
        count: z
          .number()
          .openapi({ description: 'open and won leads in the stage (disqualified ones are left off)' }),
        leads: z.array(leadCardSchema).openapi({ description: 'the best-scored of them' }),
      }),
    ),
    opportunities: z.array(
      z.object({
        stage: z.enum(opportunityStages),
        count: z.number(),
        amounts: z.array(z.object({ currency: z.string(), amountMinor: z.number() })),
      }),
    ),
    handoffs: z.object({
      pending: z.number(),
      pendingForMe: z.number(),
      accepted: z.number(),
      rejected: z.number(),
      awaitingFirstContact: z
        .number()
        .openapi({ description: 'accepted handoffs with no contact logged since' }),
      handoffToFirstContactMs: z.object({
        count: z.number(),
        median: z.number().nullable(),
        p90: z.number().nullable(),
      }),
    }),
  })
  .openapi('SalesPipeline');

export const pipelineQuery = z.object({
  top: z.coerce.number().int().min(0).max(50).default(10),
  owner: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: '`me` or a user id: that person’s leads only' }),
});

export type LeadView = z.infer<typeof leadSchema>;
export type LeadCard = z.infer<typeof leadCardSchema>;
export type LeadDetail = z.infer<typeof leadDetailSchema>;
export type LeadInput = z.input<typeof leadInput>;
export type LeadPatch = z.infer<typeof leadPatch>;
export type LeadFilters = z.input<typeof leadFilters>;
export type HandoffInput = z.infer<typeof handoffInput>;
export type ContactInput = z.infer<typeof contactInput>;
export type OpportunityView = z.infer<typeof opportunitySchema>;
export type OpportunityInput = z.input<typeof opportunityInput>;
export type OpportunityPatch = z.infer<typeof opportunityPatch>;
export type OpportunityFilters = z.infer<typeof opportunityFilters>;
export type Pipeline = z.infer<typeof pipelineSchema>;
