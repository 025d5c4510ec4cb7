import { z } from '@hono/zod-openapi';
import { customerSummarySchema } from './schema.ts';
import { fieldViewSchema, ruleSchema } from './segment-rules.ts';

export const segmentSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    kind: z.enum(['dynamic', 'static']),
    rule: z.union([ruleSchema, z.null()]).openapi({ description: 'null for a static segment (a list)' }),
    shared: z.boolean().openapi({ description: 'false: visible and editable by its owner only' }),
    ownerUserId: z.string().nullable(),
    memberCount: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Segment');

export const segmentInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(1000).nullable().optional(),
    kind: z.enum(['dynamic', 'static']),
    // Required for a dynamic segment, absent for a static one (checked by the service).
    rule: ruleSchema.optional(),
    shared: z.boolean().default(true),
  })
  .openapi('SegmentInput');

export const segmentPatch = z
  .object({
    name: z.string().trim().min(1).max(120).optional(),
    description: z.string().trim().max(1000).nullable().optional(),
    rule: ruleSchema.optional(),
    shared: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'give at least one field')
  .openapi('SegmentPatch');

export const segmentPreviewInput = z.object({ rule: ruleSchema }).openapi('SegmentPreviewInput');

export const segmentPreviewSchema = z
  .object({ count: z.number(), sample: z.array(customerSummarySchema) })
  .openapi('SegmentPreview');

export const segmentMembersInput = z
  .object({ customerIds: z.array(z.string().min(1).max(64)).min(1).max(500) })
  .openapi('SegmentMembersInput');

export const segmentFieldsSchema = z.object({ fields: z.array(fieldViewSchema) }).openapi('SegmentFields');

export type SegmentView = z.infer<typeof segmentSchema>;
export type SegmentInput = z.infer<typeof segmentInput>;
export type SegmentPatch = z.infer<typeof segmentPatch>;
