import { z } from '@hono/zod-openapi';
import { quarantineItemSchema } from './schema.ts';

export const quarantineStatuses = ['open', 'retried', 'dropped'] as const;
export type QuarantineStatus = (typeof quarantineStatuses)[number];

/** At most this many items are retried or dropped by one bulk request (a filter's next ones by the next). */
export const QUARANTINE_BULK_LIMIT = 1000;

/** Stands for "no connector" in a connector filter: items a file import brought. */
export const NO_CONNECTOR = 'none';

const filterFields = {
  stage: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .openapi({ description: 'the stage that failed, e.g. `normalize`' }),
  connectorId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: 'the connector that brought the items, or `none` for file imports' }),
  reason: z.string().min(1).max(2000).optional().openapi({ description: 'the exact reason' }),
};

/** What narrows the quarantine: its status (open by default), stage, connector and reason. */
export const quarantineFilter = z.object({
  status: z.enum(quarantineStatuses).optional(),
  ...filterFields,
});
export type QuarantineFilter = z.infer<typeof quarantineFilter>;

export const quarantinePageSchema = z
  .object({
    items: z.array(quarantineItemSchema),
    nextCursor: z.string().nullable(),
    total: z.number().openapi({ description: 'how many items match the filter, on every page' }),
  })
  .openapi('QuarantinePage');

const facet = <T extends z.ZodType>(value: T) =>
  z.array(z.object({ value, count: z.number() })).openapi({ description: 'most frequent first' });

export const quarantineFacetsSchema = z
  .object({
    total: z.number().openapi({ description: 'items of the status, whatever the other filters' }),
    stages: facet(z.string()),
    connectors: facet(z.string().nullable()),
    reasons: facet(z.string()).openapi({ description: 'the 20 most frequent reasons, most frequent first' }),
  })
  .openapi('QuarantineFacets');
export type QuarantineFacets = z.infer<typeof quarantineFacetsSchema>;

/** Open items to retry or drop at once: listed by id, or all those matching a filter. */
export const quarantineBulkInput = z
  .object({
    ids: z.array(z.number().int().positive()).min(1).max(QUARANTINE_BULK_LIMIT).optional(),
    filter: z
      .object({
        ...filterFields,
        maxId: z.number().int().positive().optional().openapi({
          description:
            'only items up to this id: the newest one shown when the person confirmed, so what was quarantined since is left alone',
        }),
      })
      .optional(),
  })
  .refine((x) => (x.ids === undefined) !== (x.filter === undefined), {
    message: 'give either ids or filter',
    path: ['ids'],
  })
  .openapi('QuarantineBulkInput');
export type QuarantineBulkInput = z.infer<typeof quarantineBulkInput>;

export const quarantineBulkResultSchema = z
  .object({
    resolved: z.number().openapi({ description: 'how many items this request retried or dropped' }),
    ids: z.array(z.number()),
    remaining: z.number().openapi({
      description: `open items still matching (at most ${QUARANTINE_BULK_LIMIT} are taken per request: send it again while this is above 0)`,
    }),
  })
  .openapi('QuarantineBulkResult');
export type QuarantineBulkResult = z.infer<typeof quarantineBulkResultSchema>;
