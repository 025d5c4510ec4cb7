/**
 * What routing rules look at: the facts of a post (and of its customer and case), read for a
 * batch at once, and the evaluation of conditions and rules against them. routing.ts acts on them.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { segmentsOfCustomers } from '../customers/segments.ts';
import { isOpen } from './business-hours.ts';
import type { Rule } from './routing-rules.ts';
import type { CaseMoment, RoutingCondition } from './routing-schema.ts';
import { normalisedWords } from './rule-index.ts';
import { workspaceCalendar } from './sla.ts';

/** What rules look at for one mention; `case` changes as earlier rules act. */
export type Facts = {
  mention: {
    id: number;
    channel: string;
    text: string;
    language: string;
    sentiment: string | null;
    intents: Set<string>;
    topics: Set<string>;
    queryIds: Set<string>;
    urgency: number | null;
    /** Whether it was posted within business hours; null when no rule asks. */
    inBusinessHours?: boolean | null;
  };
  customer: {
    id: string;
    influence: number | null;
    followers: number | null;
    /** The customer's newest active case, whatever its type. */
    openCaseId: string | null;
    /** The newest active case of each kind: `create_case` attaches a post only to one of its own kind. */
    openCaseOfKind: Record<CaseKind, string | null>;
    lifecycleStage: string | null;
    /** Which of the segments the rules name the customer belongs to. */
    segmentIds: Set<string>;
  } | null;
  case: {
    id: string;
    number: number;
    priority: string;
    type: string;
    /** The rest is known to rules on case events (case-rules.ts), which alone have conditions on it. */
    status?: string;
    assigneeUserId?: string | null;
    teamId?: string | null;
    tags?: Set<string>;
    /** Hours since each moment of the case (null: it has not happened). */
    hoursSince?: Record<CaseMoment, number | null>;
    /** How the customer rated the case in its latest answered survey (null: no answer). */
    surveyRating?: string | null;
  } | null;
  /** For rules on `case_updated`: what the update changed. */
  changed?: Set<string>;
};

export type Customer = NonNullable<Facts['customer']>;

export const ACTIVE = ['new', 'open', 'pending_customer', 'on_hold'] as const;

/**
 * A lead and a service case (question, complaint, feedback, other) are different needs: a
 * customer's purchase question must not disappear into their open complaint, nor a complaint
 * into a sales conversation.
 */
export type CaseKind = 'lead' | 'service';
export const caseKind = (type: string): CaseKind => (type === 'lead' ? 'lead' : 'service');

const words = normalisedWords;

// Normalised once: a post's text per batch, a rule's keywords for as long as the rule is loaded.
const normalisedText = new WeakMap<Facts['mention'], string>();
const normalisedKeywords = new WeakMap<RoutingCondition, string[]>();
export const textOf = (m: Facts['mention']) => {
  let t = normalisedText.get(m);
  if (t === undefined) {
    t = words(m.text);
    normalisedText.set(m, t);
  }
  return t;
};
const keywordsOf = (c: Extract<RoutingCondition, { field: 'keywords' }>) => {
  let k = normalisedKeywords.get(c);
  if (k === undefined) {
    k = c.value.map(words);
    normalisedKeywords.set(c, k);
  }
  return k;
};

/** The value a condition looks at, as a set of strings, a string, a number or a flag. */
function subject(c: RoutingCondition, f: Facts): Set<string> | string | number | boolean | null {
  switch (c.field) {
    case 'channel':
      return f.mention.channel;
    case 'query':
      return f.mention.queryIds;
    case 'intent':
      return f.mention.intents;
    case 'sentiment':
      return f.mention.sentiment;
    case 'topic':
      return f.mention.topics;
    case 'language':
      return f.mention.language;
    case 'urgency':
      return f.mention.urgency;
    case 'influence':
      return f.customer?.influence ?? null;
    case 'followers':
      return f.customer?.followers ?? null;
    case 'segment':
      return f.customer?.segmentIds ?? null;
    case 'lifecycle_stage':
      return f.customer?.lifecycleStage ?? null;
    case 'case_priority':
      return f.case?.priority ?? null;
    case 'case_type':
      return f.case?.type ?? null;
    case 'customer_has_open_case':
      return f.customer?.openCaseId != null;
    case 'case_exists':
      return f.case !== null;
    case 'business_hours':
      return f.mention.inBusinessHours ?? null;
    case 'case_status':
      return f.case?.status ?? null;
    case 'case_assigned':
      return f.case?.assigneeUserId != null;
    case 'case_team':
      return f.case?.teamId ?? null;
    case 'case_tags':
      return f.case?.tags ?? null;
    case 'changed':
      return f.changed ?? null;
    case 'hours_since':
      return f.case?.hoursSince?.[c.since] ?? null;
    case 'survey_rating':
      return f.case?.surveyRating ?? null;
    case 'keywords':
      return null;
  }
}

const has = (have: Set<string> | string | null, v: string) =>
  typeof have === 'string' ? have === v : (have?.has(v) ?? false);

/** Whether one condition holds: the hot path of routing, so no strings are built here. */
function holds(c: RoutingCondition, f: Facts): boolean {
  if (c.field === 'keywords') {
    const text = textOf(f.mention);
    const any = keywordsOf(c).some((k) => text.includes(k));
    return c.op === 'contains_any' ? any : !any;
  }
  const value = subject(c, f);
  if (c.op === 'is_true' || c.op === 'is_false') return (value === true) === (c.op === 'is_true');
  if (c.op === 'gte' || c.op === 'lte')
    return typeof value === 'number' && (c.op === 'gte' ? value >= c.value : value <= c.value);
  const have = value as Set<string> | string | null;
  const any = (c as { value: string[] }).value.some((v) => has(have, v));
  return c.op === 'in' || c.op === 'contains_any' ? any : !any;
}

const labels: Record<RoutingCondition['field'], string> = {
  channel: 'channel',
  query: 'listening query',
  intent: 'intent',
  sentiment: 'sentiment',
  topic: 'topic',
  language: 'language',
  urgency: 'urgency',
  influence: 'influence',
  followers: 'followers',
  keywords: 'keywords',
  segment: 'customer segment',
  lifecycle_stage: 'lifecycle stage',
  customer_has_open_case: 'open case',
  case_exists: 'case',
  business_hours: 'business hours',
  case_priority: 'case priority',
  case_type: 'case type',
  case_status: 'case status',
  case_assigned: 'assignee',
  case_team: 'team',
  case_tags: 'tags',
  changed: 'changed',
  hours_since: 'hours since',
  survey_rating: 'survey rating',
};

/** The sentence a person reads for a condition (built only for conditions that held). */
function reasonOf(c: RoutingCondition, f: Facts): string {
  const label = labels[c.field];
  if (c.field === 'keywords') {
    const text = textOf(f.mention);
    const hit = c.value.filter((_, i) => text.includes(keywordsOf(c)[i] ?? ''));
    return c.op === 'contains_any'
      ? `mentions “${hit.join('”, “')}”`
      : `mentions none of “${c.value.join('”, “')}”`;
  }
  if (c.field === 'customer_has_open_case')
    return f.customer?.openCaseId != null ? 'customer has an open case' : 'customer has no open case';
  if (c.field === 'case_exists') return f.case !== null ? `case ${f.case.number} exists` : 'no case yet';
  if (c.field === 'business_hours')
    return f.mention.inBusinessHours ? 'posted within business hours' : 'posted outside business hours';
  if (c.field === 'case_assigned') return f.case?.assigneeUserId ? 'case is assigned' : 'case is unassigned';
  if (c.field === 'hours_since') {
    const h = f.case?.hoursSince?.[c.since];
    return `${h == null ? 'unknown' : h.toFixed(1)} h since ${c.since.replace('_', ' ')} ${c.op === 'gte' ? '≥' : '≤'} ${c.value}`;
  }
  if (c.field === 'case_tags') {
    const hit = c.value.filter((t) => f.case?.tags?.has(t));
    return c.op === 'contains_any' ? `tagged ${hit.join(', ')}` : `tagged none of ${c.value.join(', ')}`;
  }
  const value = subject(c, f);
  if (c.op === 'gte' || c.op === 'lte')
    return `${label} ${typeof value === 'number' ? value : 'unknown'} ${c.op === 'gte' ? '≥' : '≤'} ${c.value}`;
  const values = (c as { value: string[] }).value;
  if (c.op === 'not_in') return `${label} is not ${values.join(', ')}`;
  const hit = values.filter((v) => has(value as Set<string> | string | null, v));
  return `${label} is ${hit.join(', ') || values.join(', ')}`;
}

/** One condition against the facts, with the reason a person reads when it holds. */
export function evaluateCondition(c: RoutingCondition, f: Facts): { ok: boolean; reason: string } {
  const ok = holds(c, f);
  return { ok, reason: ok ? reasonOf(c, f) : '' };
}

/** Whether a rule fires on the facts, and why (the conditions that held). No conditions: always. */
export function evaluateRule(
  rule: Pick<Rule, 'match' | 'conditions'>,
  facts: Facts,
): { fired: boolean; reasons: string[] } {
  if (rule.conditions.length === 0) return { fired: true, reasons: ['no conditions'] };
  const fired =
    rule.match === 'all'
      ? rule.conditions.every((c) => holds(c, facts))
      : rule.conditions.some((c) => holds(c, facts));
  // Reasons are only written for rules that fire: the conditions that held.
  return {
    fired,
    reasons: fired ? rule.conditions.filter((c) => holds(c, facts)).map((c) => reasonOf(c, facts)) : [],
  };
}

export type MentionRow = {
  id: number;
  channel: string;
  text: string;
  language: string;
  sentiment: string | null;
  intents: string | null;
  topics: string | null;
  urgency: number | null;
  author_id: number | null;
  created_at: string;
};

const split = (s: string | null) => new Set(s ? s.split(' ') : []);

/** Each customer's active case (the newest), for a batch: one query. */
async function openCasesOf(
  db: Transaction<DB> | AppContext['db'],
  workspaceId: string,
  customerIds: string[],
): Promise<Map<string, OpenCases>> {
  const open = new Map<string, OpenCases>();
  if (customerIds.length === 0) return open;
  const rows = await db
    .selectFrom('cases')
    .select(['id', 'customer_id', 'number', 'type'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', 'in', customerIds)
    .where('merged_into', 'is', null)
    .where('status', 'in', [...ACTIVE])
    // Sorted here, not by the query: ordered by number, SQLite walks every case of the workspace
    // in number order instead of looking up the batch's customers.
    .execute();
  const newest = new Map<string, number>();
  const newestOfKind = new Map<string, number>();
  for (const r of rows) {
    if (!r.customer_id) continue;
    const n = Number(r.number);
    const kind = caseKind(r.type);
    const cases = open.get(r.customer_id) ?? { any: r.id, ofKind: { lead: null, service: null } };
    open.set(r.customer_id, cases);
    if ((newest.get(r.customer_id) ?? -1) < n) {
      newest.set(r.customer_id, n);
      cases.any = r.id;
    }
    if ((newestOfKind.get(`${r.customer_id} ${kind}`) ?? -1) < n) {
      newestOfKind.set(`${r.customer_id} ${kind}`, n);
      cases.ofKind[kind] = r.id;
    }
  }
  return open;
}

type OpenCases = { any: string; ofKind: Record<CaseKind, string | null> };

/**
 * Facts for a batch of mentions: matched queries, and each author's customer with reach and
 * influence. For rules on cases (`forCases`): each post's customer is its case's, and business
 * hours are those of the moment the rules run. With `where`, only the posts it accepts (judged on
 * the post alone, `customer` still null) are returned, and only their customers are read.
 */
export async function loadFacts(
  ctx: AppContext,
  db: Transaction<DB> | AppContext['db'],
  workspaceId: string,
  mentions: MentionRow[],
  rules: { conditions: RoutingCondition[] }[],
  forCases?: { customers: (string | null)[]; at: Date },
  where?: (f: Facts) => boolean,
): Promise<Facts[]> {
  if (mentions.length === 0) return [];
  const segmentIds = segmentsNamed(rules);
  // A customer's reach and stage are read only when some rule looks at them.
  const fields = new Set(rules.flatMap((r) => r.conditions.map((c) => c.field)));
  const needsReach = fields.has('followers') || fields.has('influence');
  const queries = await db
    .selectFrom('mention_queries')
    .select(['mention_id', 'query_id'])
    .where(
      'mention_id',
      'in',
      mentions.map((m) => m.id),
    )
    .execute();
  const queriesOf = new Map<number, Set<string>>();
  for (const q of queries) {
    const id = Number(q.mention_id);
    const set = queriesOf.get(id);
    if (set) set.add(q.query_id);
    else queriesOf.set(id, new Set([q.query_id]));
  }
  const calendar = fields.has('business_hours') ? await workspaceCalendar(ctx, db, workspaceId) : null;
  const facts: Facts[] = [];
  /** Which of `mentions` (and of `forCases.customers`) each fact is. */
  const kept: number[] = [];
  for (const [i, m] of mentions.entries()) {
    const f: Facts = {
      mention: {
        id: Number(m.id),
        channel: m.channel,
        text: m.text,
        language: m.language,
        sentiment: m.sentiment,
        intents: split(m.intents),
        topics: split(m.topics),
        queryIds: queriesOf.get(Number(m.id)) ?? new Set(),
        urgency: m.urgency === null ? null : Number(m.urgency),
        inBusinessHours: calendar ? isOpen(calendar, forCases?.at ?? new Date(m.created_at)) : null,
      },
      customer: null,
      case: null,
    };
    if (where && !where(f)) continue;
    facts.push(f);
    kept.push(i);
  }
  const authorOf = (i: number) => mentions[i]?.author_id ?? null;
  const authorIds = [...new Set(kept.flatMap((i) => (authorOf(i) === null ? [] : [Number(authorOf(i))])))];
  // By author alone, so that the author index serves it whatever the statistics (with the
  // workspace in the query, SQLite without statistics read every identity of the workspace);
  // the workspace is still checked, here.
  const identities =
    authorIds.length === 0 || forCases
      ? []
      : (
          await db
            .selectFrom('identities')
            .select(['workspace_id', 'author_id', 'customer_id'])
            .where('author_id', 'in', authorIds)
            .execute()
        ).filter((i) => i.workspace_id === workspaceId);
  const customerOf = new Map(identities.map((i) => [Number(i.author_id), i.customer_id]));
  const customerIds = forCases
    ? [...new Set(kept.flatMap((i) => forCases.customers[i] ?? []))]
    : [...new Set(identities.map((i) => i.customer_id))];
  const reach =
    customerIds.length === 0 || !needsReach
      ? []
      : await db
          .selectFrom('identities')
          .innerJoin('authors', 'authors.id', 'identities.author_id')
          .leftJoin('author_influence', (j) =>
            j
              .onRef('author_influence.author_id', '=', 'authors.id')
              .onRef('author_influence.workspace_id', '=', 'identities.workspace_id'),
          )
          .select((eb) => [
            'identities.customer_id',
            eb.fn.max('authors.followers').as('followers'),
            eb.fn.max('author_influence.score').as('influence'),
          ])
          .where('identities.workspace_id', '=', workspaceId)
          .where('identities.customer_id', 'in', customerIds)
          .groupBy('identities.customer_id')
          .execute();
  const reachOf = new Map(reach.map((r) => [r.customer_id, r]));
  const stages =
    customerIds.length === 0 || !fields.has('lifecycle_stage')
      ? []
      : await db
          .selectFrom('customers')
          .select(['id', 'lifecycle_stage'])
          .where('id', 'in', customerIds)
          .execute();
  const stageOf = new Map(stages.map((c) => [c.id, c.lifecycle_stage]));
  const openCases = await openCasesOf(db, workspaceId, customerIds);
  // Only the segments some rule names are checked, for the batch's customers at once.
  const inSegments = await segmentsOfCustomers(ctx, db, workspaceId, segmentIds, customerIds);
  for (const [k, f] of facts.entries()) {
    const i = kept[k] as number;
    const author = authorOf(i);
    const customerId = forCases
      ? (forCases.customers[i] ?? undefined)
      : author === null
        ? undefined
        : customerOf.get(Number(author));
    if (!customerId) continue;
    const r = reachOf.get(customerId);
    f.customer = {
      id: customerId,
      followers: r?.followers == null ? null : Number(r.followers),
      influence: r?.influence == null ? null : Number(r.influence),
      openCaseId: openCases.get(customerId)?.any ?? null,
      openCaseOfKind: { ...(openCases.get(customerId)?.ofKind ?? { lead: null, service: null }) },
      lifecycleStage: stageOf.get(customerId) ?? null,
      segmentIds: inSegments.get(customerId) ?? new Set(),
    };
  }
  return facts;
}

export function mentionRows(db: Transaction<DB> | AppContext['db'], workspaceId: string) {
  return db
    .selectFrom('mentions')
    .select([
      'id',
      'channel',
      'text',
      'language',
      'sentiment',
      'intents',
      'topics',
      'urgency',
      'author_id',
      'created_at',
      'received_at',
      'disposition',
      'deleted_at',
      'external_id',
      'thread_root',
      'reply_to',
    ])
    .where('workspace_id', '=', workspaceId);
}

/** The segment ids the rules' conditions name. */
function segmentsNamed(rules: { conditions: RoutingCondition[] }[]): string[] {
  return [
    ...new Set(rules.flatMap((r) => r.conditions.flatMap((c) => (c.field === 'segment' ? c.value : [])))),
  ];
}
