import { z } from '@hono/zod-openapi';

/** Currency codes the runtime knows (ISO 4217), for validation and minor-unit arithmetic. */
const currencies = new Set(Intl.supportedValuesOf('currency'));

/** Digits after the decimal point in a currency's minor unit: 2 for EUR, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

/**
 * Money returned is a `refund` with a positive amount (profile totals subtract refunds), so a
 * negative amount would be a second, contradictory way to say it.
 */
export const NEGATIVE_AMOUNT =
  'must not be negative: record money given back as kind "refund" with a positive amount';

/** The largest amount of a currency that is stored exactly: 2^53 − 1 minor units. */
function largestAmount(currency: string): string {
  const minor = String(Number.MAX_SAFE_INTEGER);
  const digits = minorDigits(currency);
  return digits === 0 ? minor : `${minor.slice(0, -digits)}.${minor.slice(-digits)}`;
}

/** "12.5" in EUR → 1250; otherwise why the text is not an amount in that currency. */
export function toMinorUnits(amount: string, currency: string): number | { problem: string } {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!m)
    return {
      problem:
        'digits with an optional decimal point, such as 12.50 (no exponent like 1e3, no thousands separators)',
    };
  if (m[1]) return { problem: NEGATIVE_AMOUNT };
  const digits = minorDigits(currency);
  const fraction = m[3] ?? '';
  if (fraction.length > digits)
    return {
      problem: digits === 0 ? `no decimals for ${currency}` : `at most ${digits} decimals for ${currency}`,
    };
  const minor = BigInt(`${m[2]}${fraction.padEnd(digits, '0')}`);
  if (minor > BigInt(Number.MAX_SAFE_INTEGER))
    return { problem: `too large: at most ${largestAmount(currency)} ${currency}` };
  return Number(minor);
}

export const currencyCode = z
  .string()
  .trim()
  .transform((c) => c.toUpperCase())
  .refine((c) => /^[A-Z]{3}$/.test(c) && currencies.has(c), 'an ISO 4217 currency code, such as EUR');

/** A zod `error` saying what is expected, and that it is missing when it is. */
const expecting =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? `required: ${what}` : what;

const isoInstant = z
  .string({ error: expecting('an ISO-8601 date and time') })
  .trim()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'an ISO-8601 date and time')
  .transform((s) => new Date(Date.parse(s)).toISOString());

const properties = z
  .record(z.string(), z.unknown(), { error: 'an object of named values, such as {"plan": "pro"}' })
  .default({});

export const transactionKinds = ['order', 'subscription', 'refund', 'other'] as const;

/** What a system posts; exactly one of `amount` (decimal text) or `amountMinor` (integer). */
export const transactionInput = z
  .object({
    externalId: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(transactionKinds).default('order'),
    status: z.string().trim().min(1).max(40).default('completed'),
    amount: z
      .string({ error: 'decimal text in the currency, such as "12.50"' })
      .max(40, 'too long for an amount')
      .optional()
      .openapi({
        description: 'decimal text in the currency, e.g. "12.50"; not negative (a refund is kind refund)',
      }),
    amountMinor: z
      .number({ error: 'a whole number of minor units, such as 1250 for 12.50 EUR' })
      // int() alone: in zod 4 it is already bounded to safe integers (safe() would say it twice).
      .int({
        error: (issue) =>
          issue.code === 'too_big'
            ? `too large: at most ${Number.MAX_SAFE_INTEGER} minor units`
            : issue.code === 'too_small'
              ? NEGATIVE_AMOUNT
              : 'a whole number of minor units, such as 1250 for 12.50 EUR',
      })
      .optional()
      .openapi({ description: 'in minor units, e.g. 1250 cents; not negative (a refund is kind refund)' }),
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
    const problem = typeof minor !== 'number' ? minor.problem : minor < 0 ? NEGATIVE_AMOUNT : undefined;
    if (problem !== undefined || typeof minor !== 'number') {
      ctx.addIssue({
        code: 'custom',
        path: [v.amountMinor === undefined ? 'amount' : 'amountMinor'],
        message: problem ?? NEGATIVE_AMOUNT,
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

const identityValue = 'the email address, account (external id or handle) or customer id';

export const eventIdentity = z
  .object(
    {
      kind: z.enum(['email', 'social', 'customer'], { error: expecting('one of email, social or customer') }),
      channel: z
        .string({ error: 'a channel name, such as bluesky' })
        .trim()
        .min(1, 'a channel name, such as bluesky')
        .max(40, 'at most 40 characters')
        .optional(),
      value: z
        .string({ error: expecting(identityValue) })
        .trim()
        .min(1, `required: ${identityValue}`)
        .max(320, 'at most 320 characters'),
    },
    { error: expecting('{kind, value} naming who the event is about') },
  )
  .refine((i) => i.kind !== 'social' || i.channel !== undefined, {
    path: ['channel'],
    message: 'a social identity needs its channel',
  });

export const eventInput = z
  .object(
    {
      name: z
        .string({ error: expecting('the event name, such as page_view') })
        .trim()
        .min(1, 'required: the event name, such as page_view')
        .max(120, 'at most 120 characters'),
      occurredAt: isoInstant.optional(),
      properties,
      identity: eventIdentity,
    },
    { error: 'an event {name, identity}, or an array of 1 to 500 of them' },
  )
  .openapi('EventInput');

export type EventInput = z.output<typeof eventInput>;

const eventList = z
  .array(eventInput)
  .min(1, 'at least one event')
  .max(500, 'at most 500 events in one request');

/**
 * One event or an array of them. A union that fails reports only "Invalid input" for the whole
 * body, so the body is first checked against the one shape it has (an array or not): its
 * issues name the field (`identity.kind`, `3.name`). The union stays for the API description.
 */
export const eventsBody = z.preprocess(
  (body, ctx) => {
    const checked = (Array.isArray(body) ? eventList : eventInput).safeParse(body);
    if (!checked.success)
      for (const { path, message } of checked.error.issues) ctx.addIssue({ code: 'custom', path, message });
    return body;
  },
  z.union([eventInput, eventList]),
);

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
