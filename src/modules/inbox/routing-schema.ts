import { z } from '@hono/zod-openapi';
import { intentLabels } from '../analysis/types.ts';
import { skillName } from '../auth/schema.ts';
import { lifecycleStages } from '../customers/segment-rules.ts';
import { leadStages } from '../sales/schema.ts';
import { surveyRatings } from '../surveys/schema.ts';
import { casePriorities, caseStatuses, caseTypes, dismissReasons } from './vocabulary.ts';

const atLeastOne = 'choose or type at least one';
const list = z.array(z.string().min(1).max(100)).min(1, atLeastOne).max(50);
const tag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_-]{0,39}$/u);

/**
 * What a rule runs on: a post once stored (and analysed), a case once created, a case once
 * changed (by a person, the API, a post rule or the customer writing), or a case once enough time
 * has passed (checked every minute). Rules on cases never run on closed or merged cases.
 */
export const ruleEvents = ['mention_stored', 'case_created', 'case_updated', 'time_elapsed'] as const;
export type RuleEvent = (typeof ruleEvents)[number];
/** What a case update can have changed, for the `changed` condition. */
export const caseChanges = [
  'status',
  'priority',
  'type',
  'assignee',
  'team',
  'tags',
  'customer',
  'custom_fields',
  'customer_message',
  'agent_reply',
  'note',
  'survey_answer',
] as const;
/** The moments an `hours_since` condition measures from. */
export const caseMoments = ['created', 'updated', 'solved', 'customer_message', 'agent_reply'] as const;
export type CaseMoment = (typeof caseMoments)[number];
/** The statuses a rule may set (a case is never set back to new). */
export const settableStatuses = ['open', 'pending_customer', 'on_hold', 'solved', 'closed'] as const;

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
      value: z.array(z.enum(intentLabels)).min(1, atLeastOne),
    }),
    z.object({
      field: z.literal('sentiment'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(['positive', 'negative', 'neutral', 'und'])).min(1, atLeastOne),
    }),
    z.object({ field: z.literal('topic'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({ field: z.literal('language'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({
      field: z.literal('urgency'),
      op: z.enum(['gte', 'lte']),
      value: z.number().min(0, 'must be 0 or more').max(100),
    }),
    z.object({
      field: z.literal('influence'),
      op: z.enum(['gte', 'lte']),
      value: z.number().min(0, 'must be 0 or more').max(100),
    }),
    z.object({
      field: z.literal('followers'),
      op: z.enum(['gte', 'lte']),
      value: z.number().int().min(0, 'must be 0 or more'),
    }),
    z.object({
      field: z.literal('keywords'),
      op: z.enum(['contains_any', 'contains_none']),
      value: z.array(z.string().trim().min(1).max(100)).min(1, atLeastOne).max(50),
    }),
    z.object({ field: z.literal('segment'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({
      field: z.literal('lifecycle_stage'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(lifecycleStages)).min(1, atLeastOne),
    }),
    z.object({ field: z.literal('customer_has_open_case'), op: z.enum(['is_true', 'is_false']) }),
    /** Posted while the workspace is open (its business hours and holidays, in its time zone). */
    z.object({ field: z.literal('business_hours'), op: z.enum(['is_true', 'is_false']) }),
    z.object({ field: z.literal('case_exists'), op: z.enum(['is_true', 'is_false']) }),
    z.object({
      field: z.literal('case_priority'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(casePriorities)).min(1, atLeastOne),
    }),
    z.object({
      field: z.literal('case_type'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(caseTypes)).min(1, atLeastOne),
    }),
    // On case events only: the case as it is now.
    z.object({
      field: z.literal('case_status'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(caseStatuses)).min(1, atLeastOne),
    }),
    z.object({ field: z.literal('case_assigned'), op: z.enum(['is_true', 'is_false']) }),
    /** The case's latest answered satisfaction survey (none: the condition is not met by `in`). */
    z.object({
      field: z.literal('survey_rating'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(surveyRatings)).min(1, atLeastOne),
    }),
    /** Team ids. */
    z.object({ field: z.literal('case_team'), op: z.enum(['in', 'not_in']), value: list }),
    z.object({
      field: z.literal('case_tags'),
      op: z.enum(['contains_any', 'contains_none']),
      value: z.array(tag).min(1, atLeastOne).max(20),
    }),
    /** On `case_updated` only: what the update changed. */
    z.object({
      field: z.literal('changed'),
      op: z.enum(['in', 'not_in']),
      value: z.array(z.enum(caseChanges)).min(1, atLeastOne),
    }),
    /** On `time_elapsed` only: hours (calendar time) since a moment of the case. */
    z.object({
      field: z.literal('hours_since'),
      since: z.enum(caseMoments),
      op: z.enum(['gte', 'lte']),
      value: z.number().positive().max(8760),
    }),
  ])
  .openapi('RoutingCondition');

/** Conditions that read a case's present state or change, which only rules on case events have. */
const caseOnlyFields = new Set([
  'case_status',
  'case_assigned',
  'case_team',
  'case_tags',
  'changed',
  'hours_since',
  'survey_rating',
]);
/** Actions that act on a post: rules on case events have no new post to act on. */
const postOnlyActions = new Set(['create_case', 'create_lead', 'dismiss']);

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
      /** Narrows the pool to the people who have every one of these skills (users' `skills`). */
      skills: z.array(skillName).min(1).max(10).optional(),
      /** When nobody in the pool has the skills: choose from the whole pool, or leave the case unassigned. */
      fallback: z.enum(['pool', 'none']).default('pool'),
    }),
    /**
     * A public reply in the post's thread from a shared canned response (variables filled in),
     * through the outbox; at most one automatic reply per case.
     */
    z.object({ type: z.literal('send_reply'), cannedId: z.string().min(1).max(64) }),
    /** A named person, when they are active and may work cases; otherwise the action is passed over. */
    z.object({ type: z.literal('assign_agent'), userId: z.string().min(1).max(64) }),
    z.object({
      type: z.literal('notify'),
      userIds: z.array(z.string().min(1).max(64)).min(1, 'choose at least one person').max(50),
    }),
    z.object({ type: z.literal('dismiss'), reason: z.enum(dismissReasons) }),
    /** Rules on case events only: solving or closing stamps the case as a person's change would. */
    z.object({ type: z.literal('set_status'), value: z.enum(settableStatuses) }),
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
    event: z.enum(ruleEvents).default('mention_stored'),
    match: z.enum(['all', 'any']).default('all'),
    conditions: z.array(routingCondition).max(30).default([]),
    actions: z.array(routingAction).min(1).max(20),
  })
  .superRefine((rule, issue) => {
    const onPost = rule.event === 'mention_stored';
    for (const [i, c] of rule.conditions.entries()) {
      const wrong =
        (onPost && caseOnlyFields.has(c.field)) ||
        (c.field === 'changed' && rule.event !== 'case_updated') ||
        (c.field === 'hours_since' && rule.event !== 'time_elapsed');
      if (wrong)
        issue.addIssue({
          code: 'custom',
          path: ['conditions', i, 'field'],
          message: `the ${c.field} condition cannot be used by a rule on ${rule.event}`,
        });
    }
    for (const [i, a] of rule.actions.entries()) {
      if (onPost ? a.type === 'set_status' : postOnlyActions.has(a.type))
        issue.addIssue({
          code: 'custom',
          path: ['actions', i, 'type'],
          message: onPost
            ? 'set_status is for rules on case events'
            : `${a.type} acts on a new post: use it in a rule on mention_stored`,
        });
    }
    if (rule.event === 'time_elapsed') {
      // Without a lower bound on time a rule would fire on every case at once; "any" would too.
      if (!rule.conditions.some((c) => c.field === 'hours_since' && c.op === 'gte'))
        issue.addIssue({
          code: 'custom',
          path: ['conditions'],
          message: 'a time rule needs an "hours_since … at least" condition',
        });
      if (rule.match !== 'all')
        issue.addIssue({
          code: 'custom',
          path: ['match'],
          message: 'a time rule needs every condition to hold',
        });
    }
  })
  .openapi('RoutingRuleInput');

export const routingRuleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number(),
    enabled: z.boolean(),
    event: z.enum(ruleEvents),
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
    /** Rules on posts: how many of the latest posts were left out as history (routing never acts on them). */
    history: z.number().optional(),
    samples: z.array(
      z.object({
        /** For rules on posts; a case rule's sample is its case's latest post (0 when it has none). */
        mentionId: z.number(),
        /** For rules on case events: the case tried. */
        caseNumber: z.number().optional(),
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
