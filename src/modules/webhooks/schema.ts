import { z } from '@hono/zod-openapi';

/** Record types whose events are sent; customer events are not (they would carry personal data). */
export const webhookRecordTypes = ['case', 'lead'] as const;

/**
 * The event kinds known today, for filter pickers. Filters accept any `type.kind`, so kinds added
 * later (by the sales module, for instance) can be subscribed to before this list learns them.
 */
export const knownEventTypes: Record<(typeof webhookRecordTypes)[number], string[]> = {
  case: [
    'created',
    'updated',
    'assigned',
    'status_changed',
    'conversation_added',
    'merged_in',
    'merged_away',
    'split',
    'split_from',
    'rules_fired',
    'rule_notified',
    'note',
    'reply_queued',
    'reply_sent',
    'reply_failed',
    'reply_cancelled',
    'sla_warning',
    'sla_breached',
    'survey_sent',
    'survey_not_sent',
    'survey_answered',
    'survey_withdrawn',
  ],
  lead: [
    'created',
    'assigned',
    'stage_changed',
    'handoff',
    'handoff_accepted',
    'handoff_rejected',
    'contacted',
  ],
};

const eventPattern = z
  .string()
  .max(80)
  .regex(/^(\*|(case|lead)\.(\*|[a-z][a-z0-9_]*))$/, 'use *, case.*, lead.* or a type such as case.assigned');

const url = z.string().trim().min(1).max(2000);
const description = z.string().trim().max(300);

export const webhookEndpointInput = z
  .object({
    url,
    description: description.default(''),
    eventTypes: z.array(eventPattern).min(1).max(50).default(['*']),
    enabled: z.boolean().default(true),
  })
  .openapi('WebhookEndpointInput');

export const webhookEndpointPatch = z
  .object({ url, description, eventTypes: z.array(eventPattern).min(1).max(50), enabled: z.boolean() })
  .partial()
  .openapi('WebhookEndpointPatch');

export const webhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()),
    enabled: z.boolean(),
    consecutiveFailures: z.number(),
    failingSince: z.string().nullable(),
    disabledReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('WebhookEndpoint');

export const webhookEndpointWithSecret = z
  .object({
    endpoint: webhookEndpointSchema,
    secret: z.string().openapi({ description: 'The whsec_… signing secret: shown this once' }),
  })
  .openapi('WebhookEndpointWithSecret');

export const deliveryStatuses = ['pending', 'delivered', 'failed', 'dead'] as const;

export const webhookAttemptSchema = z
  .object({
    id: z.number(),
    attemptedAt: z.string(),
    statusCode: z.number().nullable(),
    error: z.string().nullable(),
    durationMs: z.number(),
    response: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

export const webhookDeliverySchema = z
  .object({
    id: z.number(),
    endpointId: z.string(),
    eventId: z.number().nullable(),
    messageId: z.string().openapi({ description: 'The webhook-id header: the same on every retry' }),
    type: z.string(),
    status: z.enum(deliveryStatuses),
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().nullable(),
    lastError: z.string().nullable(),
    lastDurationMs: z.number().nullable(),
    lastResponse: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookDelivery');

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({ payload: z.string(), attemptLog: z.array(webhookAttemptSchema) })
  .openapi('WebhookDeliveryDetail');

export const deliveryFilters = z.object({
  status: z.enum(deliveryStatuses).optional(),
  endpointId: z.string().min(1).max(64).optional(),
});

export type WebhookEndpointInput = z.input<typeof webhookEndpointInput>;
export type WebhookEndpointPatch = z.infer<typeof webhookEndpointPatch>;
export type WebhookEndpointView = z.infer<typeof webhookEndpointSchema>;
export type WebhookDeliveryView = z.infer<typeof webhookDeliverySchema>;
export type WebhookDeliveryDetail = z.infer<typeof webhookDeliveryDetailSchema>;
export type DeliveryFilters = z.infer<typeof deliveryFilters>;
