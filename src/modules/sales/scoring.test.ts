import { describe, expect, it } from 'vitest';
import {
  defaultScoringConfig,
  type ScoringConfig,
  type ScoringInputs,
  scoreLead,
  scoringConfigSchema,
} from './scoring.ts';

const now = new Date('2026-11-23T09:00:00.000Z');
const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000).toISOString();

const nothing: ScoringInputs = {
  attributes: {},
  segmentIds: new Set(),
  mentions: [],
  brandReplies: [],
  influence: null,
  events: [],
  behaviourAllowed: true,
};

const config: ScoringConfig = scoringConfigSchema.parse({
  halfLifeDays: 10,
  fit: {
    attributes: [
      { key: 'plan', op: 'in', value: ['gold', 'silver'], points: 20 },
      { key: 'flights_2026', op: 'gte', value: 10, points: 15 },
      { key: 'vip', op: 'eq', value: true, points: 10 },
      { key: 'member_since', op: 'lte', value: '2020-01-01', points: 10 },
    ],
    segments: [{ segmentId: 'seg-b2b', points: 12 }],
  },
  engagement: {
    purchaseIntentMention: 20,
    mention: 2,
    positiveMention: 5,
    reply: 4,
    brandReply: 3,
    influence: 10,
    events: { demo_requested: 20, pricing_page_viewed: 6 },
  },
});

describe('scoreLead', () => {
  it('scores nothing known as 0 with an empty explanation', () => {
    const s = scoreLead(nothing, defaultScoringConfig, now);
    expect(s).toMatchObject({ fit: 0, engagement: 0, score: 0, contributions: [], fitCapped: false });
  });

  it('sums the fit rules that hold and the segments the customer is in, capped at 50', () => {
    const s = scoreLead(
      {
        ...nothing,
        attributes: { plan: 'Gold', flights_2026: 23, vip: true, member_since: '2019-04-02' },
        segmentIds: new Set(['seg-b2b']),
        segmentNames: new Map([['seg-b2b', 'B2B accounts']]),
      },
      config,
      now,
    );
    // 20 + 15 + 10 + 10 + 12 = 67 → 50
    expect(s.fit).toBe(50);
    expect(s.fitCapped).toBe(true);
    expect(s.contributions.filter((c) => c.group === 'fit').map((c) => c.label)).toEqual(
      expect.arrayContaining([
        'plan in gold, silver',
        'flights_2026 ≥ 10',
        'vip = true',
        'member_since ≤ 2020-01-01',
        'in segment B2B accounts',
      ]),
    );
  });

  it('ignores fit rules that do not hold, or whose attribute is missing or of another type', () => {
    const s = scoreLead(
      { ...nothing, attributes: { plan: 'blue', flights_2026: 'many', vip: 'yes' } },
      config,
      now,
    );
    expect(s.fit).toBe(0);
  });

  it('halves a signal every half-life and explains each contribution with its age', () => {
    const s = scoreLead(
      {
        ...nothing,
        mentions: [
          { at: daysAgo(0), purchaseIntent: true, sentiment: 'neutral', isReply: false },
          { at: daysAgo(10), purchaseIntent: true, sentiment: 'neutral', isReply: false },
          { at: daysAgo(20), purchaseIntent: false, sentiment: 'positive', isReply: false },
        ],
      },
      config,
      now,
    );
    // 20 + 20 × 0.5 + 5 × 0.25 = 31.25
    expect(s.engagement).toBe(31);
    expect(s.contributions.map((c) => [c.kind, c.points, c.decayedPoints, c.at])).toEqual([
      ['purchase_intent', 20, 20, daysAgo(0)],
      ['purchase_intent', 20, 10, daysAgo(10)],
      ['positive_mention', 5, 1.3, daysAgo(20)],
    ]);
  });

  it('makes the same inputs score lower as time passes', () => {
    const inputs = {
      ...nothing,
      mentions: [{ at: daysAgo(0), purchaseIntent: true, sentiment: null, isReply: false }],
    };
    const today = scoreLead(inputs, config, now).score;
    const later = scoreLead(inputs, config, new Date(now.getTime() + 30 * 86_400_000)).score;
    expect(today).toBe(20);
    expect(later).toBe(3); // 20 × 0.5³ = 2.5 → 3
  });

  it('counts replies, brand answers, influence (undecayed) and configured behaviour events', () => {
    const s = scoreLead(
      {
        ...nothing,
        mentions: [{ at: daysAgo(0), purchaseIntent: false, sentiment: 'negative', isReply: true }],
        brandReplies: [{ at: daysAgo(0) }],
        influence: 50,
        events: [
          { name: 'demo_requested', at: daysAgo(0) },
          { name: 'newsletter_opened', at: daysAgo(0) },
        ],
      },
      config,
      now,
    );
    // reply 4 + brand 3 + influence 5 + demo 20 = 32; the unconfigured event counts nothing
    expect(s.engagement).toBe(32);
    expect(s.contributions.map((c) => c.kind).sort()).toEqual(['brand_reply', 'event', 'influence', 'reply']);
    expect(s.behaviourWithheld).toBe(false);
  });

  it('leaves behaviour events out without profiling consent, and says so', () => {
    const s = scoreLead(
      { ...nothing, events: [{ name: 'demo_requested', at: daysAgo(0) }], behaviourAllowed: false },
      config,
      now,
    );
    expect(s.engagement).toBe(0);
    expect(s.behaviourWithheld).toBe(true);
  });

  it('caps engagement at 50 and summarises a long tail instead of listing it', () => {
    const mentions = Array.from({ length: 40 }, (_, i) => ({
      at: daysAgo(i),
      purchaseIntent: true,
      sentiment: null,
      isReply: false,
    }));
    const s = scoreLead({ ...nothing, mentions }, config, now);
    expect(s.engagement).toBe(50);
    expect(s.engagementCapped).toBe(true);
    expect(s.score).toBe(50);
    expect(s.contributions).toHaveLength(30);
    expect(s.omitted.count).toBe(10);
    // Largest first.
    expect(s.contributions[0]?.decayedPoints).toBeGreaterThanOrEqual(s.contributions[29]?.decayedPoints ?? 0);
  });

  it('gives the example of docs/sales.md', () => {
    const c = scoringConfigSchema.parse({
      halfLifeDays: 14,
      fit: { attributes: [{ key: 'plan', op: 'eq', value: 'gold', points: 20 }] },
      engagement: { events: { demo_requested: 20 } },
    });
    const s = scoreLead(
      {
        ...nothing,
        attributes: { plan: 'gold' },
        mentions: [{ at: daysAgo(2), purchaseIntent: true, sentiment: 'neutral', isReply: false }],
        events: [{ name: 'demo_requested', at: daysAgo(14) }],
      },
      c,
      now,
    );
    expect(s).toMatchObject({ fit: 20, engagement: 24, score: 44 });
    expect(s.contributions.map((x) => x.decayedPoints)).toEqual([20, 13.6, 10]);
  });

  it('fills defaults for a partial configuration and rejects a bad one', () => {
    const c = scoringConfigSchema.parse({ halfLifeDays: 7 });
    expect(c.engagement.purchaseIntentMention).toBe(defaultScoringConfig.engagement.purchaseIntentMention);
    expect(c.fit.attributes).toEqual([]);
    expect(scoringConfigSchema.safeParse({ halfLifeDays: 0 }).success).toBe(false);
    expect(
      scoringConfigSchema.safeParse({
        fit: { attributes: [{ key: 'plan', op: 'gte', value: 'gold', points: 5 }] },
      }).success,
    ).toBe(false);
  });
});
