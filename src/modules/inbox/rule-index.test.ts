import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../random.ts';
import { evaluateRule, type Facts } from './routing-facts.ts';
import type { RoutingCondition } from './routing-schema.ts';
import { indexRules, normalisedWords } from './rule-index.ts';

type TestRule = { name: string; match: 'all' | 'any'; conditions: RoutingCondition[] };

const words = [
  'refund',
  'late',
  'acme',
  '#acme',
  '@acme',
  'lost bag',
  'still no',
  'crash',
  'app',
  'carry-on',
];
const channels = ['bluesky', 'mastodon', 'email'];
const intents = ['complaint', 'support_question', 'purchase_intent', 'praise'] as const;
const languages = ['en', 'es', 'de'];

describe('rule index', () => {
  it('offers each post exactly the rules that fire on it, in rule order, over many random rules and posts', () => {
    const rnd = seededRandom(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const condition = (): RoutingCondition => {
      const kind = Math.floor(rnd() * 7);
      if (kind === 0) return { field: 'keywords', op: 'contains_any', value: [pick(words), pick(words)] };
      if (kind === 1) return { field: 'keywords', op: 'contains_none', value: [pick(words)] };
      if (kind === 2) return { field: 'channel', op: 'in', value: [pick(channels)] };
      if (kind === 3) return { field: 'intent', op: 'in', value: [pick(intents)] };
      if (kind === 4)
        return { field: 'language', op: rnd() < 0.5 ? 'in' : 'not_in', value: [pick(languages)] };
      if (kind === 5) return { field: 'case_exists', op: rnd() < 0.5 ? 'is_true' : 'is_false' };
      return { field: 'urgency', op: 'gte', value: Math.floor(rnd() * 100) };
    };
    const rules: TestRule[] = Array.from({ length: 200 }, (_, i) => ({
      name: `r${i}`,
      match: rnd() < 0.8 ? 'all' : 'any',
      conditions: Array.from({ length: Math.floor(rnd() * 4) }, condition),
    }));
    const textOf = (m: Facts['mention']) => normalisedWords(m.text);
    const candidates = indexRules(rules, textOf);
    let fired = 0;
    let skipped = 0;
    for (let p = 0; p < 500; p++) {
      const facts: Facts = {
        mention: {
          id: p,
          channel: pick(channels),
          text: Array.from({ length: 6 }, () => (rnd() < 0.3 ? pick(words).toUpperCase() : 'and')).join(', '),
          language: pick(languages),
          sentiment: null,
          intents: new Set([pick(intents)]),
          topics: new Set(),
          queryIds: new Set(),
          urgency: Math.floor(rnd() * 100),
        },
        customer: null,
        case: rnd() < 0.5 ? { id: 'c', number: 1, priority: 'normal', type: 'question' } : null,
      };
      const expected = rules.filter((r) => evaluateRule(r, facts).fired).map((r) => r.name);
      const offered = candidates(facts);
      expect(offered.filter((r) => evaluateRule(r, facts).fired).map((r) => r.name)).toEqual(expected);
      fired += expected.length;
      skipped += rules.length - offered.length;
    }
    // The index must actually narrow the rules, or it is only overhead.
    expect(fired).toBeGreaterThan(500);
    expect(skipped).toBeGreaterThan(500 * 50);
  });
});
