import { z } from '@hono/zod-openapi';

/** Currency codes the runtime knows (ISO 4217), for validation and minor-unit arithmetic. */
const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Digits after the decimal point in a currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/** "12.5" in EUR → 1250; null when the text is not a decimal amount with at most the currency's digits. */
export function toMinorUnits(amount: string, currency: string): number | null {
  const m = /^(-)?(\d{1,15})(?:\.(\d+))?$/.exec(amount.trim());
  if (!m) return null;
  const digits = minorDigits(currency);
  const fraction = m[3] ?? '';
  if (fraction.length > digits) return null;
  const value = Number(`${m[2]}${fraction.padEnd(digits, '0')}`);
  if (!Number.isSafeInteger(value)) return null;
  return m[1] ? -value : value;
}

export const currencyCode = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .refine((c) => /^[A-Z]{3}$/.test(c) && currencies.has(c), 'an ISO 4217 currency code, such as EUR');

const isoInstant = z
  .string()
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO-8601 date and time')
  .transform((s) => new Date(Date.parse(s)).toISOString());

const properties = z.record(z.string(), z.unknown()).default({});

export const transactionKinds = ['order', 'subscription', 'refund', 'other'] as const;

/** What a system posts; exactly one of `amount` (decimal text) or `amountMinor` (integer). */
export const transactionInput = z
  .object({
    externalId: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(transactionKinds).default('order'),
    status: z.string().trim().min(1).max(40).default('completed'),
    amount: z
      .string()
      .max(40)
      .optional()
      .openapi({ description: 'decimal text in the currency, e.g. "12.50"' }),
    amountMinor: z
      .number()
      .int()
      .safe()
      .optional()
      .openapi({ description: 'in minor units, e.g. 1250 cents' }),
    currency: currencyCode,
    description: z.string().trim().max(1000).optional(),
    occurredAt: isoInstant,
    properties,
  })
  .transform((v, ctx) => {
    if ((v.amount === undefined) === (v.amountMinor === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: 'give amount (decimal text) or amountMinor',
      });
      return z.NEVER;
    }
    const minor = v.amountMinor ?? toMinorUnits(v.amount ?? '', v.currency);
    if (minor === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['amount'],
        message: `a decimal amount with at most ${minorDigits(v.currency)} decimals for ${v.currency}`,
      });
      return z.NEVER;
    }
    const { amount: _a, amountMinor: _m, ...rest } = v;
    return { ...rest, amountMinor: minor };
  })
  .openapi('TransactionInput');

export type TransactionInput = z.output<typeof transactionInput>;

export const transactionSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    externalId: z.string().nullable(),
    kind: z.enum(transactionKinds),
    status: z.string(),
    amountMinor: z.number(),
    currency: z.string(),
    description: z.string().nullable(),
    occurredAt: z.string(),
    properties: z.record(z.string(), z.unknown()),
    source: z.enum(['api', 'import']),
    createdAt: z.string(),
  })
  .openapi('CustomerTransaction');

export const eventIdentity = z
  .object({
    kind: z.enum(['email', 'social', 'customer']),
    channel: z.string().trim().min(1).max(40).optional(),
    value: z.string().trim().min(1).max(320),
  })
  .refine((i) => i.kind !== 'social' || i.channel !== undefined, {
    path: ['channel'],
    message: 'a social identity needs its channel',
  });

export const eventInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    occurredAt: isoInstant.optional(),
    properties,
    identity: eventIdentity,
  })
  .openapi('EventInput');

export type EventInput = z.output<typeof eventInput>;

export const eventsBody = z.union([eventInput, z.array(eventInput).min(1).max(500)]);

export const eventsResult = z
  .object({
    accepted: z.number(),
    rejected: z.array(
      z.object({
        index: z.number(),
        reason: z.string(),
        code: z.enum(['not_found', 'conflict', 'validation_failed']).openapi({
          description:
            'the error code a single write would answer: not_found (no such customer or account), conflict (the customer was erased), validation_failed',
        }),
      }),
    ),
  })
  .openapi('EventsResult');

export const eventSchema = z
  .object({
    id: z.string(),
    customerId: z.string(),
    name: z.string(),
    occurredAt: z.string(),
    properties: z.record(z.string(), z.unknown()),
    identity: z.object({ kind: z.enum(['email', 'social', 'customer']), value: z.string() }),
    createdAt: z.string(),
  })
  .openapi('CustomerEvent');

/** The transactional bin of a profile. */
export const transactionsBinSchema = z.object({
  count: z.number(),
  totalsByCurrency: z.array(z.object({ currency: z.string(), amountMinor: z.number() })),
  last: z.array(transactionSchema),
});

/** The behaviour bin of a profile. */
export const eventsBinSchema = z.object({
  count: z.number(),
  byName: z.array(z.object({ name: z.string(), count: z.number(), lastAt: z.string() })),
  /** True when the person has not consented to profiling: the count stays, the names are withheld. */
  withheld: z.boolean(),
});

export type TransactionView = z.infer<typeof transactionSchema>;
export type EventView = z.infer<typeof eventSchema>;
export type TransactionsBin = z.infer<typeof transactionsBinSchema>;
export type EventsBin = z.infer<typeof eventsBinSchema>;
