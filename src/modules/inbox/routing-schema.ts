import { z } from '@hono/zod-openapi';
import { intentLabels } from '../analysis/types.ts';
import { lifecycleStages } from '../customers/segment-rules.ts';
import { leadStages } from '../sales/schema.ts';
import { casePriorities, caseTypes, dismissReasons } from './vocabulary.ts';

const list = z.array(z.string().min(1).max(100)).min(1).max(50);

/**
 * What a rule can look at: the stored mention (its channel, matched listening queries, analysis),
 * its author's customer, and the case earlier rules created or attached it to.
 */
export const routingCondition = z
  .discriminatedUnion('field', [
    z.object({ field: z.literal('channel'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({ field: z.literal('query'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({
      field: z.literal('intent'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(intentLabels)).min(1),
    }),
    z.object({
      field: z.literal('sentiment'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(['positive', 'negative', 'neutral', 'und'])).min(1),
    }),
    z.object({ field: z.literal('topic'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({ field: z.literal('language'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({ field: z.literal('urgency'), op: z.enum(['gte', 'lte']), value: z.number().min(0).max(100) }),
    z.object({
      field: z.literal('influence'),
      op: z.enum(['gte', 'lte']),
      value: z.number().min(0).max(100),
    }),
    z.object({ field: z.literal('followers'), op: z.enum(['gte', 'lte']), value: z.number().int().min(0) }),
    z.object({
      field: z.literal('keywords'),
      op: z.enum(['contains_any', 'contains_none']),
      value: z.array(z.string().trim().min(1).max(100)).min(1).max(50),
    }),
    z.object({ field: z.literal('segment'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({
      field: z.literal('lifecycle_stage'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(lifecycleStages)).min(1),
    }),
    z.object({ field: z.literal('customer_has_open_case'), op: z.enum(['is_true', 'is_false']) }),
    /** Posted while the workspace is open (its business hours and holidays, in its time zone). */
    z.object({ field: z.literal('business_hours'), op: z.enum(['is_true', 'is_false']) }),
    z.object({ field: z.literal('case_exists'), op: z.enum(['is_true', 'is_false']) }),
    z.object({
      field: z.literal('case_priority'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(casePriorities)).min(1),
    }),
    z.object({
      field: z.literal('case_type'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(caseTypes)).min(1),
    }),
  ])
  .openapi('RoutingCondition');

export const routingAction = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('create_case'),
      caseType: z.enum(caseTypes).optional(),
      priority: z.enum(casePriorities).optional(),
      /** Attach to the customer's active case when there is one, instead of opening another. */
      attachToOpenCase: z.boolean().default(true),
    }),
    z.object({ type: z.literal('set_priority'), value: z.enum(casePriorities) }),
    z.object({ type: z.literal('set_type'), value: z.enum(caseTypes) }),
    z.object({
      type: z.literal('add_tags'),
      value: z
        .array(
          z
            .string()
            .trim()
            .toLowerCase()
            .regex(/^[\p{L}\p{N}][\p{L}\p{N}_-]{0,39}$/u),
        )
        .min(1)
        .max(20),
    }),
    z.object({ type: z.literal('assign_team'), teamId: z.string().min(1).max(64) }),
    z.object({
      type: z.literal('assign'),
      strategy: z.enum(['round_robin', 'least_open']),
      /** The pool: this team's members; the workspace's agents when absent. */
      teamId: z.string().min(1).max(64).optional(),
    }),
    /**
     * A public reply in the post's thread from a shared canned response (variables filled in),
     * through the outbox; at most one automatic reply per case.
     */
    z.object({ type: z.literal('send_reply'), cannedId: z.string().min(1).max(64) }),
    /** A named person, when they are active and may work cases; otherwise the action is passed over. */
    z.object({ type: z.literal('assign_agent'), userId: z.string().min(1).max(64) }),
    z.object({ type: z.literal('notify'), userIds: z.array(z.string().min(1).max(64)).min(1).max(50) }),
    z.object({ type: z.literal('dismiss'), reason: z.enum(dismissReasons) }),
    /** The author's customer gets a lead, or their open lead gets the post (src/modules/sales). */
    z.object({
      type: z.literal('create_lead'),
      stage: z.enum(leadStages).default('lead'),
      /** Round robin over this team's members when no owner is named. */
      teamId: z.string().min(1).max(64).optional(),
      ownerUserId: z.string().min(1).max(64).optional(),
    }),
  ])
  .openapi('RoutingAction');

export const routingRuleInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().default(true),
    match: z.enum(['all', 'any']).default('all'),
    conditions: z.array(routingCondition).max(30).default([]),
    actions: z.array(routingAction).min(1).max(20),
  })
  .openapi('RoutingRuleInput');

export const routingRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number(),
    enabled: z.boolean(),
    match: z.enum(['all', 'any']),
    conditions: z.array(routingCondition),
    actions: z.array(routingAction),
    firedCount: z.number(),
    lastFiredAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('RoutingRule');

export const ruleTestSchema = z
  .object({
    evaluated: z.number(),
    matched: z.number(),
    samples: z.array(
      z.object({
        mentionId: z.number(),
        text: z.string(),
        channel: z.string(),
        createdAt: z.string(),
        reasons: z.array(z.string()),
      }),
    ),
  })
  .openapi('RoutingRuleTest');

export type RoutingCondition = z.infer<typeof routingCondition>;
export type RoutingAction = z.infer<typeof routingAction>;
export type RoutingRuleInput = z.input<typeof routingRuleInput>;
export type RoutingRuleView = z.infer<typeof routingRuleSchema>;
export type RuleTest = z.infer<typeof ruleTestSchema>;
