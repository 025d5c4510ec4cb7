import { z } from '@hono/zod-openapi';
import { weekdays } from './business-hours.ts';
import { casePriorities, caseTypes } from './vocabulary.ts';

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'a time is HH:MM (24:00 ends a day)');
const window = z.tuple([hhmm, hhmm]).refine(([from, to]) => from < to, 'a window ends after it starts');

export const businessHoursInput = z
  .object({
    week: z.object(
      Object.fromEntries(weekdays.map((d) => [d, z.array(window).max(6)])) as Record<
        (typeof weekdays)[number],
        z.ZodArray<typeof window>
      >,
    ),
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a holiday is a date YYYY-MM-DD')).max(400),
  })
  .openapi('BusinessHoursInput');

export const businessHoursSchema = businessHoursInput
  .extend({ timeZone: z.string(), openNow: z.boolean() })
  .openapi('BusinessHours');

const minutes = z.number().int().min(1).max(525_600);

export const slaPolicyInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().default(true),
    conditions: z
      .object({
        channels: z.array(z.string().min(1).max(40)).max(20).optional(),
        priorities: z.array(z.enum(casePriorities)).max(4).optional(),
        types: z.array(z.enum(caseTypes)).max(5).optional(),
        segmentIds: z.array(z.string().min(1).max(64)).max(20).optional(),
      })
      .default({}),
    targets: z
      .object({
        firstResponse: minutes.optional(),
        nextResponse: minutes.optional(),
        resolution: minutes.optional(),
      })
      .refine((t) => Object.values(t).some((v) => v !== undefined), 'at least one target')
      .openapi({ description: 'minutes; open hours only when businessHours is true' }),
    businessHours: z.boolean().default(true),
    warnBeforeMinutes: z.number().int().min(0).max(10_080).default(30),
    breachActions: z
      .array(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('escalate_priority') }),
          z.object({
            type: z.literal('reassign'),
            userId: z.string().min(1).max(64).optional(),
            teamId: z.string().min(1).max(64).optional(),
          }),
          z.object({ type: z.literal('notify'), userIds: z.array(z.string().min(1).max(64)).min(1).max(50) }),
        ]),
      )
      .max(10)
      .default([]),
  })
  .openapi('SlaPolicyInput');

export const slaPolicySchema = z
  .object({
    id: z.string(),
    position: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .extend(slaPolicyInput.shape)
  .openapi('SlaPolicy');

export const slaMetrics = ['first_response', 'next_response', 'resolution'] as const;

export const caseSlaSchema = z
  .object({
    metric: z.enum(slaMetrics),
    policyId: z.string(),
    status: z.enum(['running', 'paused', 'achieved', 'breached', 'stopped']),
    dueAt: z.string().nullable(),
    targetMinutes: z.number(),
    warnedAt: z.string().nullable(),
    breachedAt: z.string().nullable(),
    achievedAt: z.string().nullable(),
  })
  .openapi('CaseSla');

export const slaReportSchema = z
  .object({
    since: z.string(),
    metrics: z.array(
      z.object({
        metric: z.enum(slaMetrics),
        achieved: z.number(),
        breached: z.number(),
        running: z.number(),
        attainment: z.number().nullable().openapi({ description: 'achieved / (achieved + breached), 0..1' }),
      }),
    ),
  })
  .openapi('SlaReport');

export type BusinessHoursInput = z.infer<typeof businessHoursInput>;
export type BusinessHoursView = z.infer<typeof businessHoursSchema>;
export type SlaPolicyInput = z.input<typeof slaPolicyInput>;
export type SlaPolicy = z.infer<typeof slaPolicyInput>;
export type SlaPolicyView = z.infer<typeof slaPolicySchema>;
export type CaseSlaView = z.infer<typeof caseSlaSchema>;
export type SlaReport = z.infer<typeof slaReportSchema>;
