import { z } from '@hono/zod-openapi';
import { caseFilters } from './schema.ts';
import { caseStatuses } from './vocabulary.ts';

/** The most views one person may own (their own and those they shared). */
export const maxViewsPerPerson = 50;
/** Where a view's count stops: beyond it the count says "1000+" (see countCases). */
export const viewCountCap = 1000;

/**
 * A saved view's filters: the vocabulary of GET /cases without cursor and limit. Unknown keys
 * are refused rather than dropped (a misspelt filter would silently widen the view), and the
 * statuses are checked when saving, as the list checks them when reading.
 */
export const viewFilters = caseFilters
  .strict()
  .refine(
    (f) =>
      !f.status ||
      f.status === 'active' ||
      f.status.split(',').every((s) => (caseStatuses as readonly string[]).includes(s.trim())),
    { message: `active, or statuses separated by commas: ${caseStatuses.join(', ')}`, path: ['status'] },
  )
  .refine((f) => f.sort !== 'due' || f.dueWithinMinutes !== undefined, {
    message: '`due` lists the cases of dueWithinMinutes; name it too',
    path: ['sort'],
  })
  .openapi('InboxViewFilters', {
    description: 'The filters of GET /cases (without cursor and limit)',
  });

const viewName = z.string().trim().min(1).max(80);

export const inboxViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    filters: viewFilters,
    shared: z.boolean(),
    ownerUserId: z.string(),
    position: z.number().int(),
    editable: z.boolean().openapi({
      description:
        'whether you may rename, refilter, share or delete it: your own view, or a shared one when you configure the inbox',
    }),
    count: z
      .number()
      .int()
      .openapi({
        description: `the cases the view lists for you now, counted up to ${viewCountCap}`,
      }),
    countCapped: z.boolean().openapi({
      description: `true when more than ${viewCountCap} cases match (show "${viewCountCap}+")`,
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('InboxView');

export const inboxViewInput = z
  .object({
    name: viewName,
    filters: viewFilters,
    shared: z.boolean().default(false).openapi({ description: 'sharing needs owner, admin or manager' }),
  })
  .openapi('InboxViewInput');

export const inboxViewPatch = z
  .object({ name: viewName, filters: viewFilters, shared: z.boolean() })
  .partial()
  .openapi('InboxViewPatch');

export const inboxViewOrder = z
  .object({
    scope: z.enum(['personal', 'shared']).openapi({
      description:
        "which list to order: your own views, or the workspace's shared views (owner, admin, manager)",
    }),
    ids: z.array(z.string().min(1).max(64)).max(500),
  })
  .openapi('InboxViewOrder');

export type ViewFilters = z.infer<typeof viewFilters>;
export type InboxView = z.infer<typeof inboxViewSchema>;
export type InboxViewInput = z.input<typeof inboxViewInput>;
export type InboxViewPatch = z.input<typeof inboxViewPatch>;
export type InboxViewOrder = z.infer<typeof inboxViewOrder>;
