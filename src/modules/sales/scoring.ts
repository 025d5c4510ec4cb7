/**
 * Lead scoring: a pure function of what is known about the customer, the workspace's
 * configuration and the clock. Score = fit (≤ 50) + engagement (≤ 50), 0..100.
 *
 * - Fit: the configured attribute rules and segment memberships that hold, summed, capped at 50.
 * - Engagement: each signal's points halved every `halfLifeDays` since it happened, summed,
 *   capped at 50. Influence is a standing property, not an event, so it does not decay.
 *
 * Every contribution is kept, so the score can be explained. docs/sales.md has an example.
 */
import { z } from '@hono/zod-openapi';

const points = z.number().min(-100).max(100);

export const fitAttributeRule = z.discriminatedUnion('op', [
  z.object({
    key: z.string().min(1).max(60),
    op: z.literal('eq'),
    value: z.union([z.string().max(200), z.number(), z.boolean()]),
    points,
  }),
  z.object({
    key: z.string().min(1).max(60),
    op: z.literal('in'),
    value: z
      .array(z.union([z.string().max(200), z.number()]))
      .min(1)
      .max(50),
    points,
  }),
  z.object({
    key: z.string().min(1).max(60),
    op: z.enum(['gte', 'lte']),
    value: z.union([z.number(), z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'a number or a date')]),
    points,
  }),
]);

export const scoringConfigSchema = z
  .object({
    halfLifeDays: z.number().min(0.5).max(365).default(14),
    fit: z
      .object({
        attributes: z.array(fitAttributeRule).max(50).default([]),
        segments: z
          .array(z.object({ segmentId: z.string().min(1).max(64), points }))
          .max(50)
          .default([]),
      })
      .default({ attributes: [], segments: [] }),
    engagement: z
      .object({
        purchaseIntentMention: points.default(15),
        mention: points.default(2),
        positiveMention: points.default(4),
        /** The customer answering in a thread (a reply rather than a new post). */
        reply: points.default(4),
        /** A reply the brand sent on one of the customer's cases. */
        brandReply: points.default(3),
        /** Points at influence 100; scaled linearly below. */
        influence: points.default(10),
        /** Behaviour event name → points (counted only with the customer's profiling consent). */
        events: z
          .record(z.string().min(1).max(100), points)
          .refine((o) => Object.keys(o).length <= 50, 'at most 50 event names')
          .default({ pricing_page_viewed: 6, demo_requested: 20, trial_started: 15, signed_up: 8 }),
      })
      .default({
        purchaseIntentMention: 15,
        mention: 2,
        positiveMention: 4,
        reply: 4,
        brandReply: 3,
        influence: 10,
        events: { pricing_page_viewed: 6, demo_requested: 20, trial_started: 15, signed_up: 8 },
      }),
    /** A rescore that moves the score by at least this much is written to the lead's feed. */
    notableChange: z.number().int().min(1).max(100).default(10),
  })
  .openapi('LeadScoringConfig');

export type ScoringConfig = z.infer<typeof scoringConfigSchema>;
export const defaultScoringConfig: ScoringConfig = scoringConfigSchema.parse({});

export const contributionKinds = [
  'attribute',
  'segment',
  'purchase_intent',
  'mention',
  'positive_mention',
  'reply',
  'brand_reply',
  'influence',
  'event',
] as const;

export const scoreExplanationSchema = z
  .object({
    fit: z.number(),
    engagement: z.number(),
    score: z.number(),
    fitCapped: z.boolean(),
    engagementCapped: z.boolean(),
    halfLifeDays: z.number(),
    behaviourWithheld: z
      .boolean()
      .openapi({ description: 'behaviour events were not counted: no profiling consent' }),
    contributions: z.array(
      z.object({
        kind: z.enum(contributionKinds),
        group: z.enum(['fit', 'engagement']),
        label: z.string(),
        points: z.number(),
        at: z.string().nullable(),
        decayedPoints: z.number(),
      }),
    ),
    omitted: z
      .object({ count: z.number(), decayedPoints: z.number() })
      .openapi({ description: 'the smallest contributions, summed, beyond the first 30' }),
  })
  .openapi('LeadScoreExplanation');

export type ScoreExplanation = z.infer<typeof scoreExplanationSchema>;
export type Contribution = ScoreExplanation['contributions'][number];

/** What scoring knows about one customer. */
export type ScoringInputs = {
  attributes: Record<string, unknown>;
  /** Ids of the configured segments the customer belongs to. */
  segmentIds: ReadonlySet<string>;
  segmentNames?: ReadonlyMap<string, string>;
  mentions: { at: string; purchaseIntent: boolean; sentiment: string | null; isReply: boolean }[];
  brandReplies: { at: string }[];
  /** 0..100, the customer's most influential account; null when unknown. */
  influence: number | null;
  events: { name: string; at: string }[];
  /** False when the customer has not consented to profiling: events are then not counted. */
  behaviourAllowed: boolean;
};

const CAP = 50;
const SHOWN = 30;
const DAY_MS = 86_400_000;
const round1 = (x: number) => Math.round(x * 10) / 10;

function attributeHolds(rule: z.infer<typeof fitAttributeRule>, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  switch (rule.op) {
    case 'eq':
      return typeof value === 'string' && typeof rule.value === 'string'
        ? value.toLowerCase() === rule.value.toLowerCase()
        : value === rule.value;
    case 'in':
      return rule.value.some((v) =>
        typeof v === 'string' && typeof value === 'string'
          ? v.toLowerCase() === value.toLowerCase()
          : v === value,
      );
    case 'gte':
    case 'lte': {
      // Numbers compare as numbers; dates (ISO text) compare as text, which orders them.
      if (typeof rule.value === 'number') {
        const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
        if (Number.isNaN(n)) return false;
        return rule.op === 'gte' ? n >= rule.value : n <= rule.value;
      }
      if (typeof value !== 'string') return false;
      return rule.op === 'gte' ? value >= rule.value : value <= rule.value;
    }
  }
}

const describeRule = (r: z.infer<typeof fitAttributeRule>) =>
  `${r.key} ${{ eq: '=', in: 'in', gte: '≥', lte: '≤' }[r.op]} ${Array.isArray(r.value) ? r.value.join(', ') : String(r.value)}`;

/** Scores one lead's customer; `now` fixes the decay, so the same inputs give the same score. */
export function scoreLead(inputs: ScoringInputs, config: ScoringConfig, now: Date): ScoreExplanation {
  const contributions: Contribution[] = [];
  for (const rule of config.fit.attributes)
    if (attributeHolds(rule, inputs.attributes[rule.key]))
      contributions.push({
        kind: 'attribute',
        group: 'fit',
        label: describeRule(rule),
        points: rule.points,
        at: null,
        decayedPoints: rule.points,
      });
  for (const s of config.fit.segments)
    if (inputs.segmentIds.has(s.segmentId))
      contributions.push({
        kind: 'segment',
        group: 'fit',
        label: `in segment ${inputs.segmentNames?.get(s.segmentId) ?? s.segmentId}`,
        points: s.points,
        at: null,
        decayedPoints: s.points,
      });

  const e = config.engagement;
  const decay = (at: string) => {
    const ageDays = Math.max(0, (now.getTime() - Date.parse(at)) / DAY_MS);
    return 0.5 ** (ageDays / config.halfLifeDays);
  };
  const signal = (kind: Contribution['kind'], label: string, pts: number, at: string) => {
    if (pts === 0) return;
    contributions.push({ kind, group: 'engagement', label, points: pts, at, decayedPoints: pts * decay(at) });
  };
  for (const m of inputs.mentions) {
    if (m.purchaseIntent)
      signal('purchase_intent', 'post with purchase intent', e.purchaseIntentMention, m.at);
    else if (m.isReply) signal('reply', 'replied in a conversation', e.reply, m.at);
    else if (m.sentiment === 'positive') signal('positive_mention', 'positive post', e.positiveMention, m.at);
    else signal('mention', 'post', e.mention, m.at);
  }
  for (const r of inputs.brandReplies) signal('brand_reply', 'the brand answered them', e.brandReply, r.at);
  if (inputs.behaviourAllowed)
    for (const ev of inputs.events) {
      const pts = e.events[ev.name];
      if (pts !== undefined) signal('event', `event ${ev.name}`, pts, ev.at);
    }
  if (inputs.influence !== null && inputs.influence > 0 && e.influence !== 0) {
    const pts = (e.influence * Math.min(100, inputs.influence)) / 100;
    contributions.push({
      kind: 'influence',
      group: 'engagement',
      label: `influence ${Math.round(inputs.influence)}/100`,
      points: pts,
      at: null,
      decayedPoints: pts,
    });
  }

  const sum = (group: 'fit' | 'engagement') =>
    contributions.filter((c) => c.group === group).reduce((a, c) => a + c.decayedPoints, 0);
  const rawFit = sum('fit');
  const rawEngagement = sum('engagement');
  const fit = Math.round(Math.max(0, Math.min(CAP, rawFit)));
  const engagement = Math.round(Math.max(0, Math.min(CAP, rawEngagement)));
  // Largest first; the tail is summed so a long history does not make a huge explanation.
  const sorted = contributions
    .map((c) => ({ ...c, points: round1(c.points), decayedPoints: round1(c.decayedPoints) }))
    .sort((a, b) => Math.abs(b.decayedPoints) - Math.abs(a.decayedPoints));
  const shown = sorted.slice(0, SHOWN);
  const rest = sorted.slice(SHOWN);
  return {
    fit,
    engagement,
    score: fit + engagement,
    fitCapped: rawFit > CAP,
    engagementCapped: rawEngagement > CAP,
    halfLifeDays: config.halfLifeDays,
    behaviourWithheld: !inputs.behaviourAllowed,
    contributions: shown,
    omitted: { count: rest.length, decayedPoints: round1(rest.reduce((a, c) => a + c.decayedPoints, 0)) },
  };
}
