/**
 * Segment rules: the schema of a rule (conditions grouped with all/any, nested up to 3 levels),
 * the field catalogue they may use, their validation against it, and their compilation to one SQL
 * condition over `customers as c` left-joined to `customer_stats as s` (see docs/segments.md for
 * the meaning of every field and operator).
 */
import { z } from '@hono/zod-openapi';
import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { Dialect } from '../../db/dialect.ts';
import type { DB, LifecycleStage } from '../../db/schema.ts';
import { type StatIntent, statIntents } from './customer-stats.ts';
import type { AttributeDefinition } from './rules.ts';

export const lifecycleStages = [
  'subscriber',
  'lead',
  'marketing_qualified',
  'sales_qualified',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const satisfies readonly LifecycleStage[];

export const segmentChannels = [
  'bluesky',
  'mastodon',
  'rss',
  'webhook',
  'import',
  'email',
  'phone',
  'community',
] as const;

export const MAX_RULE_DEPTH = 3;
export const MAX_RULE_CONDITIONS = 30;

export const conditionSchema = z
  .object({
    field: z.string().min(1).max(100),
    op: z.string().min(1).max(40),
    value: z
      .union([
        z.string().max(500),
        z.number(),
        z.boolean(),
        z.array(z.string().min(1).max(200)).min(1).max(100),
      ])
      .optional(),
    days: z.number().int().min(1).max(36_500).optional(),
    count: z.number().int().min(1).max(1_000_000).optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as EUR')
      .optional(),
  })
  .strict()
  .openapi('SegmentCondition');

export type Condition = z.infer<typeof conditionSchema>;
export type Rule = { match: 'all' | 'any'; conditions: Array<Condition | Rule> };

export const ruleSchema: z.ZodType<Rule> = z
  .object({
    match: z.enum(['all', 'any']),
    get conditions() {
      return z.array(z.union([ruleSchema, conditionSchema])).max(MAX_RULE_CONDITIONS);
    },
  })
  .strict()
  .openapi('SegmentRule', {
    description: `Conditions combined with all (and) or any (or); groups nest up to ${MAX_RULE_DEPTH} levels, at most ${MAX_RULE_CONDITIONS} conditions in all`,
  });

export const isGroup = (c: Condition | Rule): c is Rule => 'match' in c;

// ---------------------------------------------------------------------------------------------
// Field catalogue

export type FieldType = 'text' | 'number' | 'date' | 'boolean' | 'choice' | 'event' | 'list';
export type FieldGroup =
  | 'profile'
  | 'attributes'
  | 'social'
  | 'sentiment'
  | 'intents'
  | 'lifecycle'
  | 'transactions'
  | 'events'
  | 'lists';

export const fieldViewSchema = z
  .object({
    field: z.string(),
    label: z.string(),
    group: z.enum([
      'profile',
      'attributes',
      'social',
      'sentiment',
      'intents',
      'lifecycle',
      'transactions',
      'events',
      'lists',
    ]),
    type: z.enum(['text', 'number', 'date', 'boolean', 'choice', 'event', 'list']),
    ops: z.array(z.string()),
    choices: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
  })
  .openapi('SegmentField');
export type FieldView = z.infer<typeof fieldViewSchema>;

const opsByType: Record<FieldType, string[]> = {
  text: ['contains', 'equals', 'is_set', 'not_set'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'is_set', 'not_set'],
  date: ['before', 'after', 'within_days', 'older_than_days', 'is_set', 'not_set'],
  boolean: ['is_true', 'is_false', 'is_set', 'not_set'],
  choice: ['in', 'not_in', 'is_set', 'not_set'],
  event: ['performed', 'not_performed'],
  list: ['in', 'not_in'],
};
/** Counts are always set (0 when nothing was counted): comparisons only. */
const countOps = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];

const humanize = (s: string) => s.replaceAll('_', ' ').replace(/^./, (c) => c.toUpperCase());
const choicesOf = (values: readonly string[]) => values.map((value) => ({ value, label: humanize(value) }));
const channelNames: Record<string, string> = { bluesky: 'Bluesky', rss: 'RSS' };

/**
 * Every field a rule may use in a workspace: the fixed ones and one per attribute definition.
 * `channels` are those the workspace's identities have, offered beside the known ones (an import
 * names its own, such as `twitter`).
 */
export function fieldCatalogue(
  definitions: ReadonlyArray<AttributeDefinition & { label?: string }>,
  channels: readonly string[] = [],
): FieldView[] {
  const f = (
    field: string,
    label: string,
    group: FieldGroup,
    type: FieldType,
    extra: Partial<FieldView> = {},
  ): FieldView => ({ field, label, group, type, ops: opsByType[type], ...extra });
  return [
    f('name', 'Name', 'profile', 'text'),
    f('email', 'Email', 'profile', 'text'),
    f('created_at', 'Created', 'profile', 'date'),
    f('lifecycle_stage', 'Lifecycle stage', 'lifecycle', 'choice', { choices: choicesOf(lifecycleStages) }),
    ...definitions.map((d) =>
      f(`attribute.${d.key}`, d.label ?? humanize(d.key), 'attributes', d.type, {
        ...(d.type === 'choice' ? { choices: choicesOf(d.choices) } : {}),
      }),
    ),
    f('channel', 'Channel', 'social', 'choice', {
      ops: ['in', 'not_in'],
      choices: [...new Set([...segmentChannels, ...channels])].map((value) => ({
        value,
        label: channelNames[value] ?? humanize(value),
      })),
    }),
    f('followers', 'Followers', 'social', 'number'),
    f('influence', 'Influence (0–100)', 'social', 'number'),
    f('mentions', 'Mentions', 'social', 'number', { ops: countOps }),
    f('last_mention_at', 'Last mention', 'social', 'date'),
    f('sentiment.positive', 'Positive mentions', 'sentiment', 'number', { ops: countOps }),
    f('sentiment.negative', 'Negative mentions', 'sentiment', 'number', { ops: countOps }),
    f('sentiment.negative_share', 'Negative share (%)', 'sentiment', 'number'),
    f('sentiment.last_negative_at', 'Last negative mention', 'sentiment', 'date'),
    f('sentiment.last_positive_at', 'Last positive mention', 'sentiment', 'date'),
    ...statIntents.map((label) =>
      f(`intent.${label}`, `Mentions with intent: ${humanize(label).toLowerCase()}`, 'intents', 'number', {
        ops: countOps,
      }),
    ),
    f('transactions.count', 'Transactions', 'transactions', 'number', { ops: countOps }),
    f('transactions.total', 'Total spent (needs a currency)', 'transactions', 'number', { ops: countOps }),
    f('transactions.last_at', 'Last transaction', 'transactions', 'date'),
    f('event', 'Event', 'events', 'event'),
    f('list', 'List', 'lists', 'list'),
  ];
}

// ---------------------------------------------------------------------------------------------
// Validation

export type RuleProblem = { path: string; message: string };

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const isDateValue = (v: unknown): v is string =>
  typeof v === 'string' && (DATE_RE.test(v) || DATETIME_RE.test(v)) && !Number.isNaN(Date.parse(v));

/**
 * What is wrong with a rule against the catalogue, each problem with its path (such as
 * `conditions.2.op`, under `prefix`). `isStaticList` says whether a list id is a static segment
 * of the workspace.
 */
export function ruleProblems(
  rule: Rule,
  fields: readonly FieldView[],
  isStaticList: (id: string) => boolean,
  prefix = 'rule',
): RuleProblem[] {
  const byField = new Map(fields.map((f) => [f.field, f]));
  const problems: RuleProblem[] = [];
  let total = 0;
  const walk = (r: Rule, path: string, depth: number) => {
    if (depth > MAX_RULE_DEPTH) {
      problems.push({ path, message: `groups nest at most ${MAX_RULE_DEPTH} levels deep` });
      return;
    }
    r.conditions.forEach((c, i) => {
      const at = `${path}.conditions.${i}`;
      if (isGroup(c)) walk(c, at, depth + 1);
      else {
        total += 1;
        const problem = conditionProblem(c, byField.get(c.field), isStaticList);
        if (problem) problems.push({ path: `${at}.${problem.key}`, message: problem.message });
      }
    });
  };
  walk(rule, prefix, 1);
  if (total > MAX_RULE_CONDITIONS)
    problems.push({
      path: prefix,
      message: `at most ${MAX_RULE_CONDITIONS} conditions in all (${total} given)`,
    });
  return problems;
}

function conditionProblem(
  c: Condition,
  field: FieldView | undefined,
  isStaticList: (id: string) => boolean,
): { key: string; message: string } | null {
  if (!field) return { key: 'field', message: `unknown field "${c.field}"` };
  if (!field.ops.includes(c.op))
    return {
      key: 'op',
      message: `"${c.op}" does not apply to ${field.field}: use one of ${field.ops.join(', ')}`,
    };
  const v = c.value;
  switch (c.op) {
    case 'is_set':
    case 'not_set':
    case 'is_true':
    case 'is_false':
      return null;
    case 'contains':
    case 'equals':
      return typeof v === 'string' && v.trim() !== '' ? null : { key: 'value', message: 'give some text' };
    case 'eq':
    case 'neq':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof v !== 'number') return { key: 'value', message: 'give a number' };
      if (field.field === 'transactions.total' && c.currency === undefined)
        return { key: 'currency', message: 'give the currency of the total, e.g. EUR' };
      return null;
    case 'before':
    case 'after':
      return isDateValue(v)
        ? null
        : { key: 'value', message: 'give a date (YYYY-MM-DD) or an ISO timestamp' };
    case 'within_days':
    case 'older_than_days':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 36_500
        ? null
        : { key: 'value', message: 'give a whole number of days' };
    case 'in':
    case 'not_in':
      if (field.type === 'list')
        return typeof v === 'string' && isStaticList(v)
          ? null
          : { key: 'value', message: 'give the id of a static segment (a list) of this workspace' };
      if (!Array.isArray(v)) return { key: 'value', message: 'give a list of values' };
      {
        const allowed = new Set((field.choices ?? []).map((x) => x.value));
        const bad = v.find((x) => !allowed.has(x));
        return bad === undefined
          ? null
          : { key: 'value', message: `"${bad}" is not a choice of ${field.field}` };
      }
    case 'performed':
    case 'not_performed':
      return typeof v === 'string' && v.trim() !== ''
        ? null
        : { key: 'value', message: 'give the event name' };
  }
  return { key: 'op', message: `unknown operator "${c.op}"` };
}

// ---------------------------------------------------------------------------------------------
// Compilation

export type CompileEnv = {
  db: Kysely<DB>;
  dialect: Dialect;
  workspaceId: string;
  now: Date;
  fields: readonly FieldView[];
};

type Bool = RawBuilder<SqlBool>;
const TRUE: Bool = sql<SqlBool>`1 = 1`;
const FALSE: Bool = sql<SqlBool>`1 = 0`;
const num = (v: number) => sql`cast(${v} as double precision)`;
const DAY_MS = 86_400_000;

/** Minor units per major unit of a currency (100 for EUR, 1 for JPY). */
export function minorFactor(currency: string): number {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    return 10 ** (digits ?? 2);
  } catch {
    return 100;
  }
}

/** The lower bound of "within the last N days" and the bound of "older than N days". */
export const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

/** The instant a date condition compares a timestamp with: start of the day, or of the next day for `after`. */
export function timestampBound(value: string, op: 'before' | 'after'): string {
  if (DATE_RE.test(value)) {
    const start = Date.parse(`${value}T00:00:00.000Z`);
    return new Date(op === 'after' ? start + DAY_MS : start).toISOString();
  }
  return new Date(Date.parse(value)).toISOString();
}

/** Compares `x` with a number (null compares false). */
function compareNumber(x: RawBuilder<unknown>, op: string, v: number): Bool {
  const o = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' }[op];
  return o ? sql<SqlBool>`${x} ${sql.raw(o)} ${num(v)}` : FALSE;
}

/** Whether a number comparison holds in JavaScript (for the zero of a missing aggregate). */
export function numberHolds(x: number, op: string, v: number): boolean {
  switch (op) {
    case 'eq':
      return x === v;
    case 'neq':
      return x !== v;
    case 'gt':
      return x > v;
    case 'gte':
      return x >= v;
    case 'lt':
      return x < v;
    case 'lte':
      return x <= v;
  }
  return false;
}

/** A date condition on a timestamp expression (ISO text on SQLite, timestamptz on PostgreSQL). */
function compareTimestamp(x: RawBuilder<unknown>, c: Condition, now: Date): Bool {
  switch (c.op) {
    case 'before':
      return sql<SqlBool>`${x} < ${timestampBound(String(c.value), 'before')}`;
    case 'after':
      // After a day: from the start of the next day; after an instant: strictly later.
      return DATE_RE.test(String(c.value))
        ? sql<SqlBool>`${x} >= ${timestampBound(String(c.value), 'after')}`
        : sql<SqlBool>`${x} > ${timestampBound(String(c.value), 'after')}`;
    case 'within_days':
      return sql<SqlBool>`(${x} >= ${daysAgo(now, Number(c.value)).toISOString()} and ${x} <= ${now.toISOString()})`;
    case 'older_than_days':
      return sql<SqlBool>`${x} < ${daysAgo(now, Number(c.value)).toISOString()}`;
  }
  return FALSE;
}

/** A date condition on a date attribute (ISO text), compared by its day. */
function compareDay(x: RawBuilder<unknown>, c: Condition, now: Date): Bool {
  const day = sql`substr(${x}, 1, 10)`;
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  switch (c.op) {
    case 'before':
      return sql<SqlBool>`${day} < ${String(c.value).slice(0, 10)}`;
    case 'after':
      return sql<SqlBool>`${day} > ${String(c.value).slice(0, 10)}`;
    case 'within_days':
      return sql<SqlBool>`(${day} >= ${iso(daysAgo(now, Number(c.value)))} and ${day} <= ${iso(now)})`;
    case 'older_than_days':
      return sql<SqlBool>`${day} < ${iso(daysAgo(now, Number(c.value)))}`;
  }
  return FALSE;
}

const likePattern = (text: string) => `%${text.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** A condition on a value of the customer row or its stats (`null` when not set). */
function compareScalar(
  x: RawBuilder<unknown>,
  kind: 'text' | 'number' | 'timestamp' | 'day' | 'boolean' | 'choice',
  c: Condition,
  now: Date,
): Bool {
  if (c.op === 'is_set')
    return kind === 'text' ? sql<SqlBool>`(${x} is not null and ${x} <> '')` : sql<SqlBool>`${x} is not null`;
  if (c.op === 'not_set')
    return kind === 'text' ? sql<SqlBool>`(${x} is null or ${x} = '')` : sql<SqlBool>`${x} is null`;
  switch (kind) {
    case 'text':
      if (c.op === 'contains')
        return sql<SqlBool>`lower(${x}) like ${likePattern(String(c.value))} escape '\\'`;
      if (c.op === 'equals') return sql<SqlBool>`lower(${x}) = ${String(c.value).toLowerCase()}`;
      return FALSE;
    case 'number':
      return compareNumber(x, c.op, Number(c.value));
    case 'timestamp':
      return compareTimestamp(x, c, now);
    case 'day':
      return compareDay(x, c, now);
    case 'boolean':
      return c.op === 'is_true'
        ? sql<SqlBool>`${x} = 1`
        : c.op === 'is_false'
          ? sql<SqlBool>`${x} = 0`
          : FALSE;
    case 'choice': {
      const values = Array.isArray(c.value) ? c.value : [];
      if (values.length === 0) return c.op === 'not_in' ? TRUE : FALSE;
      const list = sql.join(values);
      if (c.op === 'in') return sql<SqlBool>`${x} in (${list})`;
      if (c.op === 'not_in') return sql<SqlBool>`(${x} is null or ${x} not in (${list}))`;
      return FALSE;
    }
  }
}

const ref = (column: string) => sql.ref(column);
const stat = (column: string) => sql`coalesce(${ref(`s.${column}`)}, 0)`;

const statColumns: Record<string, { x: RawBuilder<unknown>; kind: 'number' | 'timestamp' }> = {
  followers: { x: sql`${ref('s.followers')}`, kind: 'number' },
  influence: { x: sql`${ref('s.influence')}`, kind: 'number' },
  mentions: { x: stat('mentions'), kind: 'number' },
  last_mention_at: { x: sql`${ref('s.last_mention_at')}`, kind: 'timestamp' },
  'sentiment.positive': { x: stat('positive'), kind: 'number' },
  'sentiment.negative': { x: stat('negative'), kind: 'number' },
  'sentiment.negative_share': {
    x: sql`(case when ${ref('s.mentions')} > 0 then cast(${ref('s.negative')} as double precision) * 100 / ${ref('s.mentions')} end)`,
    kind: 'number',
  },
  'sentiment.last_negative_at': { x: sql`${ref('s.last_negative_at')}`, kind: 'timestamp' },
  'sentiment.last_positive_at': { x: sql`${ref('s.last_positive_at')}`, kind: 'timestamp' },
  ...Object.fromEntries(
    statIntents.map((label: StatIntent) => [
      `intent.${label}`,
      { x: stat(`intent_${label}`), kind: 'number' },
    ]),
  ),
};

/** `c.id in (…)` or `c.id not in (…)` over a subquery of customer ids. */
function idIn(sub: { compile(): unknown } & object, negate = false): Bool {
  return negate ? sql<SqlBool>`${ref('c.id')} not in ${sub}` : sql<SqlBool>`${ref('c.id')} in ${sub}`;
}

function compileCondition(c: Condition, env: CompileEnv, byField: Map<string, FieldView>): Bool {
  const field = byField.get(c.field);
  // A saved rule may name what no longer exists (a deleted attribute definition): it matches nobody.
  if (field === undefined) return FALSE;
  if (!field.ops.includes(c.op)) return FALSE;
  const { db, workspaceId, now } = env;
  const column = statColumns[c.field];
  if (column) return compareScalar(column.x, column.kind, c, now);
  switch (c.field) {
    case 'name':
      return compareScalar(sql`${ref('c.display_name')}`, 'text', c, now);
    case 'email':
      return compareScalar(sql`${ref('c.primary_email')}`, 'text', c, now);
    case 'created_at':
      return compareScalar(sql`${ref('c.created_at')}`, 'timestamp', c, now);
    case 'lifecycle_stage':
      return compareScalar(sql`${ref('c.lifecycle_stage')}`, 'choice', c, now);
    case 'channel': {
      const values = Array.isArray(c.value) ? c.value : [];
      if (values.length === 0) return c.op === 'not_in' ? TRUE : FALSE;
      const sub = db
        .selectFrom('identities')
        .select('customer_id')
        .where('workspace_id', '=', workspaceId)
        .where('channel', 'in', values);
      return idIn(sub, c.op === 'not_in');
    }
    case 'transactions.count':
    case 'transactions.total':
    case 'transactions.last_at': {
      let sub = db
        .selectFrom('customer_transactions')
        .select('customer_id')
        .where('workspace_id', '=', workspaceId)
        .groupBy('customer_id');
      if (c.field === 'transactions.last_at') {
        if (c.op === 'is_set' || c.op === 'not_set') return idIn(sub, c.op === 'not_set');
        return idIn(sub.having(compareTimestamp(sql`max(occurred_at)`, c, now)));
      }
      let agg: RawBuilder<unknown> = sql`count(*)`;
      let value = Number(c.value);
      if (c.field === 'transactions.total') {
        const currency = c.currency ?? '';
        sub = sub.where('currency', '=', currency);
        agg = sql`sum(case when kind in ('order', 'subscription') then amount_minor when kind = 'refund' then -abs(amount_minor) else 0 end)`;
        value = Math.round(value * minorFactor(currency));
      }
      // Customers without transactions count as 0: when 0 matches, exclude those that do not.
      return numberHolds(0, c.op, value)
        ? idIn(sub.having(sql<SqlBool>`not (${compareNumber(agg, c.op, value)})`), true)
        : idIn(sub.having(compareNumber(agg, c.op, value)));
    }
    case 'event': {
      let sub = db
        .selectFrom('customer_events')
        .select('customer_id')
        .where('workspace_id', '=', workspaceId)
        .where('name', '=', String(c.value));
      if (c.days !== undefined) sub = sub.where('occurred_at', '>=', daysAgo(now, c.days).toISOString());
      const grouped = sub.groupBy('customer_id').having(sql<SqlBool>`count(*) >= ${num(c.count ?? 1)}`);
      return idIn(grouped, c.op === 'not_performed');
    }
    case 'list': {
      const sub = db
        .selectFrom('segment_members')
        .select('customer_id')
        .where('workspace_id', '=', workspaceId)
        .where('segment_id', '=', String(c.value));
      return idIn(sub, c.op === 'not_in');
    }
  }
  if (c.field.startsWith('attribute.')) {
    const key = c.field.slice('attribute.'.length);
    switch (field.type) {
      case 'text':
      case 'choice':
        return compareScalar(env.dialect.jsonValue('c.attributes', key, 'text'), field.type, c, now);
      case 'number':
        return compareScalar(env.dialect.jsonValue('c.attributes', key, 'number'), 'number', c, now);
      case 'boolean':
        return compareScalar(env.dialect.jsonValue('c.attributes', key, 'boolean'), 'boolean', c, now);
      case 'date':
        return compareScalar(env.dialect.jsonValue('c.attributes', key, 'text'), 'day', c, now);
    }
  }
  return FALSE;
}

/**
 * The rule as one SQL condition over `customers as c` left-joined to `customer_stats as s`.
 * Conditions the catalogue does not know match nobody (validate first with `ruleProblems`).
 */
export function compileRule(rule: Rule, env: CompileEnv): Bool {
  const byField = new Map(env.fields.map((f) => [f.field, f]));
  const walk = (r: Rule): Bool => {
    const parts = r.conditions.map((c) => (isGroup(c) ? walk(c) : compileCondition(c, env, byField)));
    if (parts.length === 0) return r.match === 'all' ? TRUE : FALSE;
    return sql<SqlBool>`(${sql.join(parts, sql.raw(r.match === 'all' ? ' and ' : ' or '))})`;
  };
  return walk(rule);
}
