import { z } from '@hono/zod-openapi';
import { caseHistorySchema, customerSummarySchema } from '../customers/schema.ts';
import { mentionSchema } from '../listening/schema.ts';
import { noteSchema, replySchema } from './notes-schema.ts';
import { caseSlaSchema } from './sla-schema.ts';
import { casePriorities, caseSorts, caseStatuses, caseTypes, dismissReasons } from './vocabulary.ts';

const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_-]{0,39}$/u, 'a tag is 1–40 letters, digits, - or _');
const tags = z.array(tag).max(20);
const customFields = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'a field key is a lower-case identifier'),
    z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]),
  )
  .refine((o) => Object.keys(o).length <= 50, 'at most 50 custom fields');

export const conversationSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    threadKey: z.string(),
    customerId: z.string().nullable(),
    preview: z.string(),
    lastActivityAt: z.string(),
    createdAt: z.string(),
  })
  .openapi('Conversation');

export const caseSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    subject: z.string(),
    status: z.enum(caseStatuses),
    priority: z.enum(casePriorities),
    type: z.enum(caseTypes),
    assigneeUserId: z.string().nullable(),
    teamId: z.string().nullable(),
    customerId: z.string().nullable(),
    channel: z.string().nullable(),
    tags: z.array(z.string()),
    customFields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
    mergedInto: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    firstResponseAt: z.string().nullable(),
    solvedAt: z.string().nullable(),
    closedAt: z.string().nullable(),
    lastCustomerMessageAt: z
      .string()
      .nullable()
      .openapi({ description: "when the customer's latest post on the case was written" }),
    lastAgentReplyAt: z
      .string()
      .nullable()
      .openapi({ description: 'when the latest reply to the customer was sent' }),
    snoozedUntil: z.string().nullable().openapi({ description: 'snoozed until then; null when not snoozed' }),
    waitingSince: z.string().nullable().openapi({
      description:
        'when the customer started waiting for an answer: their latest post, when it is newer than the latest reply and the case is neither solved nor closed; otherwise null',
    }),
    sla: z
      .array(caseSlaSchema)
      .openapi({ description: 'the SLA clocks: first response, next response, resolution' }),
  })
  .openapi('Case');

/** A case as the inbox list shows it: with its customer and the post that opened it. */
/** The customer's shared segments, shown as badges on the case and its card. */
const segmentBadgesSchema = z.array(z.object({ id: z.string(), name: z.string() })).openapi({
  description: "the customer's shared segments, as badges (the first 20 shared segments by name)",
});

export const caseCardSchema = caseSchema
  .extend({
    customer: customerSummarySchema.nullable(),
    segments: segmentBadgesSchema,
    firstMessage: z
      .object({
        mentionId: z.number(),
        channel: z.string(),
        text: z.string().openapi({ description: 'up to 280 characters' }),
        authorHandle: z.string().nullable(),
        sentiment: z.string().nullable(),
        intents: z.array(z.string()),
        urgency: z.number().nullable(),
        createdAt: z.string(),
      })
      .nullable(),
  })
  .openapi('CaseCard');

export const caseDetailSchema = caseSchema
  .extend({
    customer: customerSummarySchema.nullable(),
    segments: segmentBadgesSchema,
    conversations: z.array(conversationSchema.extend({ messages: z.array(mentionSchema) })),
    following: z.boolean(),
    replies: z.array(replySchema),
    notes: z.array(noteSchema).openapi({ description: 'internal: never shown to the customer' }),
    otherCases: caseHistorySchema.nullable().openapi({
      description:
        "the customer's other cases (merged-away ones left out): how many are open and in all, the 5 latest by number; null without a customer",
    }),
  })
  .openapi('CaseDetail');

export const caseInput = z
  .object({
    subject: z.string().trim().min(1).max(300),
    type: z.enum(caseTypes).default('question'),
    priority: z.enum(casePriorities).default('normal'),
    customerId: z.string().min(1).max(64).optional(),
    assigneeUserId: z.string().min(1).max(64).optional(),
    teamId: z.string().min(1).max(64).optional(),
    tags: tags.default([]),
    customFields: customFields.default({}),
    mentionIds: z.array(z.number().int().positive()).max(50).default([]),
  })
  .openapi('CaseInput');

export const casePatch = z
  .object({
    subject: z.string().trim().min(1).max(300),
    status: z.enum(caseStatuses),
    priority: z.enum(casePriorities),
    type: z.enum(caseTypes),
    assigneeUserId: z.string().min(1).max(64).nullable(),
    teamId: z.string().min(1).max(64).nullable(),
    customerId: z.string().min(1).max(64).nullable(),
    tags,
    customFields,
    snoozedUntil: z.iso.datetime({ offset: true }).nullable().openapi({
      description:
        'snooze the case until then (a later moment, within a year): it leaves the views that leave snoozed cases out, and comes back then, or as soon as the customer writes; `null` ends the snooze',
    }),
    ifStatus: z.enum(caseStatuses).openapi({
      description:
        'Change the case only if it still has this status, else `409 conflict` naming the status it has: an undo that must not overwrite what a colleague did meanwhile',
    }),
  })
  .partial()
  .openapi('CasePatch');

export const caseFilters = z.object({
  view: z.enum(['all', 'mine', 'unassigned']).default('all'),
  status: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'Comma-separated statuses, or `active` for everything not solved or closed' }),
  priority: z.enum(casePriorities).optional(),
  type: z.enum(caseTypes).optional(),
  teamId: z.string().max(64).optional(),
  assigneeUserId: z.string().max(64).optional(),
  customerId: z.string().max(64).optional(),
  number: z.coerce.number().int().positive().optional().openapi({ description: 'the case with this number' }),
  channel: z.string().max(40).optional(),
  tag: z.string().max(40).optional(),
  search: z.string().max(200).optional().openapi({
    description:
      "#N for case N; else words found in the subject (substring), the customer's name, email, handles or addresses (substring), or all of them in one of the case's posts (full text)",
  }),
  dueWithinMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .optional()
    .openapi({
      description:
        'only cases with a running SLA clock due within this many minutes, or overdue; listed most urgent first (earliest due, then number) unless `sort` says otherwise',
    }),
  snoozed: z
    .enum(['true', 'false'])
    .optional()
    .openapi({ description: '`true`: only snoozed cases; `false`: only the others' }),
  needsReply: z.enum(['true', 'false']).optional().openapi({
    description:
      '`true`: only the cases whose customer is waiting for an answer (`waitingSince` set: they wrote last, and the case is neither solved nor closed); `false`: only the others',
  }),
  since: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v).toISOString())
    .optional()
    .openapi({ description: 'only cases opened at or after this moment (ISO 8601 with an offset)' }),
  until: z.iso
    .datetime({ offset: true })
    .transform((v) => new Date(v).toISOString())
    .optional()
    .openapi({ description: 'only cases opened before this moment' }),
  sort: z.enum(caseSorts).optional().openapi({
    description:
      'the order: `newest` first (the default), `oldest` first, `priority` (urgent first, oldest first within each), `waiting` (the cases whose customer wrote last, longest wait first, then the rest newest first), or `due` (earliest due running SLA clock first; only with `dueWithinMinutes`, and its default)',
  }),
});

export const dispositionInput = z
  .discriminatedUnion('action', [
    z.object({
      action: z.literal('create_case'),
      subject: z.string().trim().min(1).max(300).optional(),
      type: z.enum(caseTypes).optional(),
      priority: z.enum(casePriorities).optional(),
    }),
    z.object({ action: z.literal('attach'), caseId: z.string().min(1).max(64) }),
    z.object({ action: z.literal('answered') }),
    z.object({ action: z.literal('dismiss'), reason: z.enum(dismissReasons) }),
  ])
  .openapi('DispositionInput');

export const bulkDispositionInput = z
  .object({
    mentionIds: z
      .array(z.number().int().positive())
      .min(1)
      .max(200)
      .refine((ids) => new Set(ids).size === ids.length, 'each post once'),
  })
  .and(
    z.discriminatedUnion('action', [
      z.object({ action: z.literal('answered') }),
      z.object({ action: z.literal('dismiss'), reason: z.enum(dismissReasons) }),
    ]),
  )
  .openapi('BulkDispositionInput');

export const dispositionSchema = z
  .object({
    mentionId: z.number(),
    disposition: z.enum(['case', 'lead', 'answered', 'dismissed']),
    reason: z.string().nullable(),
    caseId: z.string().nullable(),
    at: z.string(),
    by: z.string().nullable(),
  })
  .openapi('Disposition');

export const bulkDispositionResultSchema = z
  .object({
    decided: z.array(dispositionSchema),
    skipped: z.array(
      z.object({
        mentionId: z.number(),
        reason: z.enum(['already_decided', 'deleted', 'not_found']),
      }),
    ),
  })
  .openapi('BulkDispositionResult');

export const dispositionStatsSchema = z
  .object({
    since: z.string(),
    matched: z.number().openapi({ description: 'mentions that matched a listening query' }),
    disposed: z.number(),
    share: z.number().openapi({ description: 'disposed / matched, 0..1 (1 when nothing matched)' }),
    byDisposition: z.object({
      case: z.number(),
      lead: z.number(),
      answered: z.number(),
      dismissed: z.number(),
    }),
    minutesToDisposition: z
      .object({ p50: z.number().nullable(), p90: z.number().nullable() })
      .openapi({ description: 'from receipt to disposition' }),
  })
  .openapi('DispositionStats');

export const teamSchema = z
  .object({ id: z.string(), name: z.string(), memberIds: z.array(z.string()), createdAt: z.string() })
  .openapi('Team');
export const teamInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    memberIds: z.array(z.string().min(1).max(64)).max(200).default([]),
  })
  .openapi('TeamInput');

export type CaseView = z.infer<typeof caseSchema>;
export type CaseDetail = z.infer<typeof caseDetailSchema>;
export type CaseCard = z.infer<typeof caseCardSchema>;
export type CaseInput = z.input<typeof caseInput>;
export type CasePatch = z.infer<typeof casePatch>;
export type CaseFilters = z.infer<typeof caseFilters>;
export type ConversationView = z.infer<typeof conversationSchema>;
export type DispositionInput = z.infer<typeof dispositionInput>;
export type BulkDispositionInput = z.infer<typeof bulkDispositionInput>;
export type BulkDispositionResult = z.infer<typeof bulkDispositionResultSchema>;
export type DispositionView = z.infer<typeof dispositionSchema>;
export type DispositionStats = z.infer<typeof dispositionStatsSchema>;
export type TeamView = z.infer<typeof teamSchema>;
export type TeamInput = z.input<typeof teamInput>;
