import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildWorkspace } from '../../../test/factories.ts';
import type { LifecycleStage } from '../../db/schema.ts';
import { newId } from '../../ids.ts';
import { seededRandom } from '../../random.ts';
import { refreshCustomerStats, statIntents } from './customer-stats.ts';
import {
  type Condition,
  daysAgo,
  fieldCatalogue,
  isGroup,
  lifecycleStages,
  minorFactor,
  type Rule,
  ruleProblems,
  segmentChannels,
  timestampBound,
} from './segment-rules.ts';
import { countMatching, matchingCustomerIds } from './segments.ts';

const t = setupTestDatabase();

const DAY = 86_400_000;

const definitions = [
  { key: 'company', label: 'Company', type: 'text' as const, choices: [] },
  { key: 'seats', label: 'Seats', type: 'number' as const, choices: [] },
  { key: 'renewal', label: 'Renewal', type: 'date' as const, choices: [] },
  { key: 'vip', label: 'VIP', type: 'boolean' as const, choices: [] },
  { key: 'plan', label: 'Plan', type: 'choice' as const, choices: ['free', 'pro', 'enterprise'] },
];

describe('rule validation', () => {
  const fields = fieldCatalogue(definitions);
  const lists = new Set(['list-1']);
  const problems = (rule: Rule) => ruleProblems(rule, fields, (id) => lists.has(id));

  it('accepts a valid nested rule', () => {
    expect(
      problems({
        match: 'all',
        conditions: [
          { field: 'sentiment.negative', op: 'gte', value: 1 },
          {
            match: 'any',
            conditions: [
              { field: 'attribute.plan', op: 'in', value: ['pro'] },
              { field: 'transactions.total', op: 'gt', value: 10.5, currency: 'EUR' },
              { field: 'event', op: 'performed', value: 'signup', count: 2, days: 30 },
              { field: 'list', op: 'in', value: 'list-1' },
            ],
          },
        ],
      }),
    ).toEqual([]);
  });

  it('names the path of each bad condition and says why', () => {
    const found = problems({
      match: 'all',
      conditions: [
        { field: 'name', op: 'contains', value: 'a' },
        { field: 'nope', op: 'eq', value: 1 },
        { field: 'followers', op: 'contains', value: 'x' },
        {
          match: 'any',
          conditions: [
            { field: 'attribute.plan', op: 'in', value: ['gold'] },
            { field: 'transactions.total', op: 'gt', value: 3 },
            { field: 'list', op: 'in', value: 'unknown' },
            { field: 'created_at', op: 'before', value: 'yesterday' },
          ],
        },
      ],
    });
    expect(found.map((p) => p.path)).toEqual([
      'rule.conditions.1.field',
      'rule.conditions.2.op',
      'rule.conditions.3.conditions.0.value',
      'rule.conditions.3.conditions.1.currency',
      'rule.conditions.3.conditions.2.value',
      'rule.conditions.3.conditions.3.value',
    ]);
    expect(found[1]?.message).toContain('eq, neq');
    expect(found[2]?.message).toContain('gold');
  });

  it('refuses groups nested deeper than 3 levels and more than 30 conditions', () => {
    const deep: Rule = {
      match: 'all',
      conditions: [
        { match: 'any', conditions: [{ match: 'all', conditions: [{ match: 'any', conditions: [] }] }] },
      ],
    };
    expect(problems(deep).map((p) => p.path)).toEqual(['rule.conditions.0.conditions.0.conditions.0']);
    const many: Rule = {
      match: 'any',
      conditions: [
        {
          match: 'all',
          conditions: Array.from({ length: 16 }, () => ({ field: 'mentions', op: 'gt', value: 1 })),
        },
        {
          match: 'all',
          conditions: Array.from({ length: 15 }, () => ({ field: 'mentions', op: 'gt', value: 1 })),
        },
      ],
    };
    expect(problems(many)).toEqual([{ path: 'rule', message: expect.stringContaining('at most 30') }]);
  });
});

// ---------------------------------------------------------------------------------------------
// The compiler against a reference: generated customers, and rules evaluated both in SQL and in
// plain JavaScript over the raw rows (never over customer_stats).

type Raw = {
  customers: {
    id: string;
    display_name: string;
    primary_email: string | null;
    attributes: Record<string, string | number | boolean>;
    lifecycle_stage: LifecycleStage | null;
    created_at: string;
    merged_into: string | null;
    erased_at: string | null;
  }[];
  identities: { customer_id: string; channel: string; author_id: number | null }[];
  authors: Map<number, { followers: number | null }>;
  influence: Map<number, number>;
  mentions: {
    author_id: number;
    sentiment: string | null;
    intents: string | null;
    created_at: string;
    deleted_at: string | null;
  }[];
  transactions: {
    customer_id: string;
    kind: string;
    amount_minor: number;
    currency: string;
    occurred_at: string;
  }[];
  events: { customer_id: string; name: string; occurred_at: string }[];
  listId: string;
  listMembers: Set<string>;
};

const names = [
  'Maya Lindqvist',
  'Jonas Berg',
  'Aiko Tanaka',
  'Luis Ortega',
  'Fatima Zahra',
  'Sam Lee',
  'Ola Nordmann',
];
const companies = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'];
const eventNames = ['signup', 'login', 'checkout', 'cancel'];
const currencies = ['EUR', 'USD', 'JPY'];

async function generate(workspaceId: string, now: Date): Promise<Raw> {
  const { db, dialect } = t.ctx;
  const rnd = seededRandom(20261202);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const chance = (p: number) => rnd() < p;
  const isoAgo = (maxDays: number) =>
    new Date(now.getTime() - Math.floor(rnd() * maxDays * DAY)).toISOString();

  await db
    .insertInto('customer_attribute_definitions')
    .values(
      definitions.map((d) => ({
        id: newId(now),
        workspace_id: workspaceId,
        key: d.key,
        label: d.label,
        type: d.type,
        choices: dialect.toJson(d.choices),
        created_at: now.toISOString(),
      })),
    )
    .execute();

  const raw: Raw = {
    customers: [],
    identities: [],
    authors: new Map(),
    influence: new Map(),
    mentions: [],
    transactions: [],
    events: [],
    listId: newId(now),
    listMembers: new Set(),
  };
  for (let i = 0; i < 300; i++) {
    const created = isoAgo(400);
    const attributes: Record<string, string | number | boolean> = {};
    if (chance(0.6)) attributes.company = pick(companies);
    if (chance(0.6)) attributes.seats = chance(0.8) ? Math.floor(rnd() * 200) : Math.round(rnd() * 1000) / 10;
    if (chance(0.5)) {
      const d = new Date(now.getTime() + Math.floor((rnd() - 0.5) * 400 * DAY));
      attributes.renewal = chance(0.7) ? d.toISOString().slice(0, 10) : d.toISOString();
    }
    if (chance(0.6)) attributes.vip = chance(0.5);
    if (chance(0.6)) attributes.plan = pick(['free', 'pro', 'enterprise']);
    const name = `${pick(names)} ${i}`;
    raw.customers.push({
      id: newId(new Date(created)),
      display_name: name,
      primary_email: chance(0.8)
        ? `${name.toLowerCase().replaceAll(' ', '.')}@example.${pick(['com', 'org'])}`
        : null,
      attributes,
      lifecycle_stage: chance(0.6) ? pick(lifecycleStages) : null,
      created_at: created,
      merged_into: null,
      erased_at: null,
    });
  }
  // A few customers merged away, a few erased: never members of anything.
  for (let i = 0; i < 10; i++) {
    const c = raw.customers[i * 7] as Raw['customers'][number];
    if (i % 2 === 0) c.merged_into = (raw.customers[i * 7 + 1] as Raw['customers'][number]).id;
    else c.erased_at = now.toISOString();
  }
  for (const part of chunk(raw.customers, 100))
    await db
      .insertInto('customers')
      .values(
        part.map((c) => ({
          id: c.id,
          workspace_id: workspaceId,
          display_name: c.display_name,
          primary_email: c.primary_email,
          avatar_url: null,
          bio: null,
          attributes: dialect.toJson(c.attributes),
          merged_into: null,
          website_domain: null,
          created_at: c.created_at,
          updated_at: c.created_at,
          lifecycle_stage: c.lifecycle_stage,
          erased_at: c.erased_at,
        })),
      )
      .execute();
  for (const c of raw.customers)
    if (c.merged_into)
      await db.updateTable('customers').set({ merged_into: c.merged_into }).where('id', '=', c.id).execute();

  // Identities: social ones with their authors, emails and phones.
  let n = 0;
  for (const c of raw.customers) {
    const count = Math.floor(rnd() * 4);
    const channels = [...segmentChannels].sort(() => rnd() - 0.5).slice(0, count);
    for (const channel of channels) {
      n++;
      let authorId: number | null = null;
      if (channel === 'bluesky' || channel === 'mastodon' || channel === 'rss') {
        const followers = chance(0.8) ? Math.floor(rnd() ** 3 * 50_000) : null;
        const [a] = await db
          .insertInto('authors')
          .values({
            workspace_id: workspaceId,
            channel,
            external_id: `author-${n}`,
            handle: `handle${n}`,
            display_name: c.display_name,
            followers,
            profile_url: null,
            avatar_url: null,
            updated_at: now.toISOString(),
          })
          .returning('id')
          .execute();
        authorId = Number(a?.id);
        raw.authors.set(authorId, { followers });
        if (chance(0.6)) {
          const score = Math.floor(rnd() * 101);
          raw.influence.set(authorId, score);
          await db
            .insertInto('author_influence')
            .values({
              workspace_id: workspaceId,
              author_id: authorId,
              score,
              pagerank: rnd(),
              in_degree: 0,
              out_degree: 0,
              followers,
              positive: 0,
              negative: 0,
              mentions: 0,
              reasons: dialect.toJson([]),
              computed_at: now.toISOString(),
            })
            .execute();
        }
        for (let m = Math.floor(rnd() * 9); m > 0; m--) {
          const labels = statIntents.filter(() => chance(0.2));
          raw.mentions.push({
            author_id: authorId,
            sentiment: chance(0.9) ? pick(['positive', 'negative', 'neutral']) : null,
            intents: labels.length > 0 ? labels.join(' ') : chance(0.5) ? 'other' : null,
            created_at: isoAgo(200),
            deleted_at: chance(0.1) ? now.toISOString() : null,
          });
        }
      }
      raw.identities.push({ customer_id: c.id, channel, author_id: authorId });
      await db
        .insertInto('identities')
        .values({
          id: newId(now),
          workspace_id: workspaceId,
          customer_id: c.merged_into ?? c.id,
          kind: authorId !== null ? 'social' : channel === 'phone' ? 'phone' : 'email',
          channel,
          external_id: `ext-${n}`,
          handle: `handle${n}`,
          handle_key: null,
          author_id: authorId,
          verified: 0,
          source: 'api',
          created_at: now.toISOString(),
        })
        .execute();
    }
  }
  // As a merge does, the merged customer's identities belong to the one it was merged into.
  const mergedInto = new Map(raw.customers.flatMap((c) => (c.merged_into ? [[c.id, c.merged_into]] : [])));
  for (const i of raw.identities) i.customer_id = mergedInto.get(i.customer_id) ?? i.customer_id;

  let mentionNo = 0;
  for (const part of chunk(raw.mentions, 200))
    await db
      .insertInto('mentions')
      .values(
        part.map((m) => ({
          workspace_id: workspaceId,
          channel: 'bluesky',
          external_id: `m-${++mentionNo}`,
          url: null,
          author_id: m.author_id,
          text: 'text',
          language: 'en',
          created_at: m.created_at,
          received_at: m.created_at,
          version_at: m.created_at,
          reply_to: null,
          thread_root: null,
          engagement: dialect.toJson({}),
          analysis: dialect.toJson({}),
          sentiment: m.sentiment,
          intents: m.intents,
          disposition: null,
          deleted_at: m.deleted_at,
          edited_at: null,
          urgency: 0,
          topics: null,
          classes: null,
        })),
      )
      .execute();

  for (const c of raw.customers) {
    for (let k = chance(0.5) ? Math.floor(rnd() * 5) : 0; k > 0; k--)
      raw.transactions.push({
        customer_id: c.id,
        kind: pick(['order', 'order', 'subscription', 'refund', 'other']),
        amount_minor: Math.floor(rnd() * 30_000),
        currency: pick(currencies),
        occurred_at: isoAgo(300),
      });
    for (let k = chance(0.6) ? Math.floor(rnd() * 6) : 0; k > 0; k--)
      raw.events.push({ customer_id: c.id, name: pick(eventNames), occurred_at: isoAgo(120) });
  }
  for (const part of chunk(raw.transactions, 200))
    await db
      .insertInto('customer_transactions')
      .values(
        part.map((tx) => ({
          id: newId(now),
          workspace_id: workspaceId,
          customer_id: tx.customer_id,
          external_id: null,
          kind: tx.kind as 'order',
          status: 'completed',
          amount_minor: tx.amount_minor,
          currency: tx.currency,
          description: null,
          occurred_at: tx.occurred_at,
          properties: dialect.toJson({}),
          source: 'api' as const,
          created_at: now.toISOString(),
        })),
      )
      .execute();
  for (const part of chunk(raw.events, 200))
    await db
      .insertInto('customer_events')
      .values(
        part.map((e) => ({
          id: newId(now),
          workspace_id: workspaceId,
          customer_id: e.customer_id,
          name: e.name,
          occurred_at: e.occurred_at,
          properties: dialect.toJson({}),
          identity_kind: 'customer' as const,
          identity_value: e.customer_id,
          created_at: now.toISOString(),
        })),
      )
      .execute();

  await db
    .insertInto('segments')
    .values({
      id: raw.listId,
      workspace_id: workspaceId,
      name: 'Beta testers',
      description: null,
      kind: 'static',
      rule: null,
      shared: 1,
      owner_user_id: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .execute();
  for (const c of raw.customers) if (chance(0.15)) raw.listMembers.add(c.id);
  await db
    .insertInto('segment_members')
    .values(
      [...raw.listMembers].map((id) => ({
        segment_id: raw.listId,
        customer_id: id,
        workspace_id: workspaceId,
        added_by: null,
        added_at: now.toISOString(),
      })),
    )
    .execute();
  return raw;
}

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Everything a rule can ask about one customer, computed from the raw rows. */
type Facts = {
  c: Raw['customers'][number];
  channels: Set<string>;
  followers: number | null;
  influence: number | null;
  mentions: Raw['mentions'];
  transactions: Raw['transactions'];
  events: Raw['events'];
};

function factsOf(raw: Raw): Facts[] {
  return raw.customers
    .filter((c) => c.merged_into === null && c.erased_at === null)
    .map((c) => {
      const identities = raw.identities.filter((i) => i.customer_id === c.id);
      const authorIds = new Set(identities.flatMap((i) => (i.author_id === null ? [] : [i.author_id])));
      const max = (xs: (number | null | undefined)[]) => {
        const set = xs.filter((x): x is number => typeof x === 'number');
        return set.length > 0 ? Math.max(...set) : null;
      };
      return {
        c,
        channels: new Set(identities.map((i) => i.channel)),
        followers: max([...authorIds].map((a) => raw.authors.get(a)?.followers)),
        influence: max([...authorIds].map((a) => raw.influence.get(a))),
        mentions: raw.mentions.filter((m) => authorIds.has(m.author_id) && m.deleted_at === null),
        transactions: raw.transactions.filter((tx) => tx.customer_id === c.id),
        events: raw.events.filter((e) => e.customer_id === c.id),
      };
    });
}

const maxIso = (xs: string[]) =>
  xs.length === 0 ? null : xs.reduce((a, b) => (Date.parse(a) >= Date.parse(b) ? a : b));

function holdsNumber(x: number | null, op: string, v: number): boolean {
  if (op === 'is_set') return x !== null;
  if (op === 'not_set') return x === null;
  if (x === null) return false;
  return { eq: x === v, neq: x !== v, gt: x > v, gte: x >= v, lt: x < v, lte: x <= v }[op] ?? false;
}

function holdsTimestamp(x: string | null, cond: Condition, now: Date): boolean {
  if (cond.op === 'is_set') return x !== null;
  if (cond.op === 'not_set') return x === null;
  if (x === null) return false;
  const at = Date.parse(x);
  const v = cond.value;
  switch (cond.op) {
    case 'before':
      return at < Date.parse(timestampBound(String(v), 'before'));
    case 'after':
      return /T/.test(String(v))
        ? at > Date.parse(String(v))
        : at >= Date.parse(timestampBound(String(v), 'after'));
    case 'within_days':
      return at >= daysAgo(now, Number(v)).getTime() && at <= now.getTime();
    case 'older_than_days':
      return at < daysAgo(now, Number(v)).getTime();
  }
  return false;
}

function holdsDay(x: unknown, cond: Condition, now: Date): boolean {
  const day = typeof x === 'string' ? x.slice(0, 10) : null;
  if (cond.op === 'is_set') return day !== null;
  if (cond.op === 'not_set') return day === null;
  if (day === null) return false;
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  switch (cond.op) {
    case 'before':
      return day < String(cond.value).slice(0, 10);
    case 'after':
      return day > String(cond.value).slice(0, 10);
    case 'within_days':
      return day >= iso(daysAgo(now, Number(cond.value))) && day <= iso(now);
    case 'older_than_days':
      return day < iso(daysAgo(now, Number(cond.value)));
  }
  return false;
}

function holdsText(x: string | null, cond: Condition): boolean {
  const set = x !== null && x !== '';
  if (cond.op === 'is_set') return set;
  if (cond.op === 'not_set') return !set;
  if (x === null) return false;
  if (cond.op === 'contains') return x.toLowerCase().includes(String(cond.value).toLowerCase());
  return x.toLowerCase() === String(cond.value).toLowerCase();
}

function holdsChoice(x: string | null, cond: Condition): boolean {
  if (cond.op === 'is_set') return x !== null;
  if (cond.op === 'not_set') return x === null;
  const values = cond.value as string[];
  return cond.op === 'in' ? x !== null && values.includes(x) : x === null || !values.includes(x);
}

function reference(f: Facts, cond: Condition, raw: Raw, now: Date): boolean {
  const count = (pred: (m: Raw['mentions'][number]) => boolean) => f.mentions.filter(pred).length;
  const attr = f.c.attributes;
  switch (cond.field) {
    case 'name':
      return holdsText(f.c.display_name, cond);
    case 'email':
      return holdsText(f.c.primary_email, cond);
    case 'created_at':
      return holdsTimestamp(f.c.created_at, cond, now);
    case 'lifecycle_stage':
      return holdsChoice(f.c.lifecycle_stage, cond);
    case 'attribute.company':
      return holdsText(typeof attr.company === 'string' ? attr.company : null, cond);
    case 'attribute.plan':
      return holdsChoice(typeof attr.plan === 'string' ? attr.plan : null, cond);
    case 'attribute.seats':
      return holdsNumber(typeof attr.seats === 'number' ? attr.seats : null, cond.op, Number(cond.value));
    case 'attribute.renewal':
      return holdsDay(attr.renewal, cond, now);
    case 'attribute.vip': {
      const v = typeof attr.vip === 'boolean' ? attr.vip : null;
      return (
        { is_set: v !== null, not_set: v === null, is_true: v === true, is_false: v === false }[cond.op] ??
        false
      );
    }
    case 'channel': {
      const has = (cond.value as string[]).some((ch) => f.channels.has(ch));
      return cond.op === 'in' ? has : !has;
    }
    case 'followers':
      return holdsNumber(f.followers, cond.op, Number(cond.value));
    case 'influence':
      return holdsNumber(f.influence, cond.op, Number(cond.value));
    case 'mentions':
      return holdsNumber(f.mentions.length, cond.op, Number(cond.value));
    case 'last_mention_at':
      return holdsTimestamp(maxIso(f.mentions.map((m) => m.created_at)), cond, now);
    case 'sentiment.positive':
      return holdsNumber(
        count((m) => m.sentiment === 'positive'),
        cond.op,
        Number(cond.value),
      );
    case 'sentiment.negative':
      return holdsNumber(
        count((m) => m.sentiment === 'negative'),
        cond.op,
        Number(cond.value),
      );
    case 'sentiment.negative_share':
      return holdsNumber(
        f.mentions.length === 0 ? null : (count((m) => m.sentiment === 'negative') * 100) / f.mentions.length,
        cond.op,
        Number(cond.value),
      );
    case 'sentiment.last_negative_at':
      return holdsTimestamp(
        maxIso(f.mentions.filter((m) => m.sentiment === 'negative').map((m) => m.created_at)),
        cond,
        now,
      );
    case 'sentiment.last_positive_at':
      return holdsTimestamp(
        maxIso(f.mentions.filter((m) => m.sentiment === 'positive').map((m) => m.created_at)),
        cond,
        now,
      );
    case 'transactions.count':
      return holdsNumber(f.transactions.length, cond.op, Number(cond.value));
    case 'transactions.total': {
      const currency = cond.currency ?? '';
      const total = f.transactions
        .filter((tx) => tx.currency === currency)
        .reduce(
          (sum, tx) =>
            sum +
            (tx.kind === 'order' || tx.kind === 'subscription'
              ? tx.amount_minor
              : tx.kind === 'refund'
                ? -Math.abs(tx.amount_minor)
                : 0),
          0,
        );
      return holdsNumber(total, cond.op, Math.round(Number(cond.value) * minorFactor(currency)));
    }
    case 'transactions.last_at':
      return holdsTimestamp(maxIso(f.transactions.map((tx) => tx.occurred_at)), cond, now);
    case 'event': {
      const since = cond.days === undefined ? -Infinity : daysAgo(now, cond.days).getTime();
      const n = f.events.filter((e) => e.name === cond.value && Date.parse(e.occurred_at) >= since).length;
      const performed = n >= (cond.count ?? 1);
      return cond.op === 'performed' ? performed : !performed;
    }
    case 'list':
      return cond.op === 'in' ? raw.listMembers.has(f.c.id) : !raw.listMembers.has(f.c.id);
  }
  if (cond.field.startsWith('intent.')) {
    const label = cond.field.slice('intent.'.length);
    return holdsNumber(
      count((m) => ` ${m.intents ?? ''} `.includes(` ${label} `)),
      cond.op,
      Number(cond.value),
    );
  }
  throw new Error(`no reference for ${cond.field}`);
}

function matches(f: Facts, rule: Rule, raw: Raw, now: Date): boolean {
  const results = rule.conditions.map((c) =>
    isGroup(c) ? matches(f, c, raw, now) : reference(f, c, raw, now),
  );
  return rule.match === 'all' ? results.every(Boolean) : results.some(Boolean);
}

/** A random condition of the catalogue with a plausible value. */
function randomCondition(rnd: () => number, raw: Raw, now: Date, only?: string): Condition {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const fields = fieldCatalogue(definitions).filter((f) => only === undefined || f.field === only);
  const field = pick(fields);
  const op = pick(field.ops);
  const cond: Condition = { field: field.field, op };
  const someDate = () => {
    const d = new Date(now.getTime() - Math.floor((rnd() - 0.2) * 300 * DAY));
    return rnd() < 0.5 ? d.toISOString().slice(0, 10) : d.toISOString();
  };
  switch (field.type) {
    case 'text':
      if (op === 'contains') cond.value = pick(['a', 'ma', 'LEE', 'example.org', 'ACME', 'glob', '1']);
      if (op === 'equals')
        cond.value =
          field.field === 'name'
            ? pick(raw.customers).display_name.toUpperCase()
            : field.field === 'email'
              ? (pick(raw.customers).primary_email ?? 'x@y.z')
              : pick(companies).toLowerCase();
      break;
    case 'number': {
      const scale: Record<string, number> = {
        followers: 20_000,
        influence: 100,
        'attribute.seats': 150,
        'sentiment.negative_share': 100,
        'transactions.total': 400,
      };
      const max = scale[field.field] ?? 6;
      cond.value =
        field.field === 'sentiment.negative_share' && rnd() < 0.5
          ? pick([0, 25, 50, 100])
          : Math.floor(rnd() * max);
      if (field.field === 'transactions.total') {
        cond.currency = pick(currencies);
        if (rnd() < 0.3) cond.value = Number(cond.value) + 0.5;
      }
      break;
    }
    case 'date':
      if (op === 'before' || op === 'after') cond.value = someDate();
      if (op === 'within_days' || op === 'older_than_days') cond.value = 1 + Math.floor(rnd() * 200);
      break;
    case 'choice':
      if (op === 'in' || op === 'not_in')
        cond.value = (field.choices ?? []).map((c) => c.value).filter(() => rnd() < 0.4);
      if (Array.isArray(cond.value) && cond.value.length === 0)
        cond.value = [(field.choices ?? [])[0]?.value ?? 'x'];
      break;
    case 'event':
      cond.value = pick([...eventNames, 'never-happened']);
      if (rnd() < 0.5) cond.count = 1 + Math.floor(rnd() * 3);
      if (rnd() < 0.5) cond.days = 1 + Math.floor(rnd() * 90);
      break;
    case 'list':
      cond.value = raw.listId;
      break;
  }
  return cond;
}

function randomRule(rnd: () => number, raw: Raw, now: Date, depth = 1): Rule {
  const conditions: Rule['conditions'] = [];
  for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--)
    conditions.push(
      depth < 3 && rnd() < 0.3 ? randomRule(rnd, raw, now, depth + 1) : randomCondition(rnd, raw, now),
    );
  return { match: rnd() < 0.5 ? 'all' : 'any', conditions };
}

describe(`segment rules on ${testEngine}`, () => {
  it('select exactly the customers a plain reference filter over the raw rows selects', async () => {
    const ws = await buildWorkspace(t.ctx);
    const now = t.ctx.now();
    const raw = await generate(ws.id, now);
    await refreshCustomerStats(
      t.ctx.db,
      ws.id,
      raw.customers.map((c) => c.id),
      now,
    );
    const facts = factsOf(raw);
    const fields = fieldCatalogue(definitions);
    const rnd = seededRandom(42);
    let informative = 0;
    const rules: Rule[] = [];
    // Every field at least once on its own, then random nested rules.
    for (const f of fields)
      for (let k = 0; k < 2; k++)
        rules.push({ match: 'all', conditions: [randomCondition(rnd, raw, now, f.field)] });
    for (let i = 0; i < 60; i++) rules.push(randomRule(rnd, raw, now));
    for (const rule of rules) {
      expect(ruleProblems(rule, fields, (id) => id === raw.listId)).toEqual([]);
      const expected = facts
        .filter((f) => matches(f, rule, raw, now))
        .map((f) => f.c.id)
        .sort();
      const actual = (await matchingCustomerIds(t.ctx, ws.id, rule)).sort();
      expect(actual, JSON.stringify(rule)).toEqual(expected);
      expect(await countMatching(t.ctx, ws.id, rule)).toBe(expected.length);
      if (expected.length > 0 && expected.length < facts.length) informative++;
    }
    // Most rules split the customers: the comparison says something.
    expect(informative).toBeGreaterThan(rules.length / 2);
  });
});
