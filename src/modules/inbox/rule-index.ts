import type { Facts } from './routing-facts.ts';
import type { RoutingCondition } from './routing-schema.ts';

/** Text as keyword conditions see it: lower case, words (with # and @) between single spaces. */
export const normalisedWords = (text: string) => ` ${text.toLowerCase().replace(/[^\p{L}\p{N}#@]+/gu, ' ')} `;

type Indexable = { match: 'all' | 'any'; conditions: RoutingCondition[] };

type Gate = { kind: GateKind; values: string[] };
type GateKind = 'k' | 'c' | 'i' | 'l' | 's' | 'q' | 't';

/**
 * The values a rule is filed under for one condition that every post it fires on must meet, or
 * null when the condition changes as rules act (case fields) or does not name values.
 */
function gateOf(c: RoutingCondition): Gate | null {
  if (c.field === 'keywords') {
    if (c.op !== 'contains_any') return null;
    // A phrase matches only where its first word is one of the post's words.
    const first = c.value.map((k) => normalisedWords(k).trim().split(' ')[0] ?? '');
    return first.every((w) => w !== '') ? { kind: 'k', values: first } : null;
  }
  if (!('op' in c) || c.op !== 'in') return null;
  const kind = (
    { channel: 'c', intent: 'i', language: 'l', sentiment: 's', query: 'q', topic: 't' } as const
  )[c.field as string];
  return kind ? { kind, values: c.value as string[] } : null;
}

/** Keyword gates first (the rarest), then the narrower facts. */
const preference = (c: RoutingCondition) =>
  ['keywords', 'query', 'topic', 'intent', 'language', 'sentiment', 'channel'].indexOf(c.field);

/**
 * An index from the values rules require to the rules, so that each post is checked only against
 * the rules it could fire (a rule matching "all" is filed under one of its conditions on the post
 * itself, which no earlier rule's action can change). Returns the candidates in rule order.
 */
export function indexRules<R extends Indexable>(
  rules: readonly R[],
  textOf: (m: Facts['mention']) => string,
): (f: Facts) => R[] {
  const always: number[] = [];
  // One map per kind of value, so that looking a post's words up builds no strings.
  const byKind: Record<GateKind, Map<string, number[]>> = {
    k: new Map(),
    c: new Map(),
    i: new Map(),
    l: new Map(),
    s: new Map(),
    q: new Map(),
    t: new Map(),
  };
  rules.forEach((rule, i) => {
    const gate =
      rule.match === 'all'
        ? rule.conditions
            .map((c) => ({ c, gate: gateOf(c) }))
            .filter((g): g is { c: RoutingCondition; gate: Gate } => g.gate !== null)
            .sort((a, b) => preference(a.c) - preference(b.c))[0]?.gate
        : undefined;
    if (!gate) {
      always.push(i);
      return;
    }
    const map = byKind[gate.kind];
    for (const value of new Set(gate.values)) {
      const list = map.get(value);
      if (list) list.push(i);
      else map.set(value, [i]);
    }
  });
  const keywords = byKind.k;
  const none: R[] = [];
  return (f) => {
    // Most posts meet few rules' gates: collect their indexes, then put them back in rule order.
    const picked: number[] = [...always];
    const add = (map: Map<string, number[]>, value: string) => {
      const list = map.get(value);
      if (list) for (const i of list) picked.push(i);
    };
    const m = f.mention;
    if (keywords.size > 0) {
      // The normalised text is words between single spaces (and spaces at both ends).
      const text = textOf(m);
      let start = 0;
      for (let end = text.indexOf(' ', start); end !== -1; end = text.indexOf(' ', start)) {
        if (end > start) add(keywords, text.slice(start, end));
        start = end + 1;
      }
    }
    add(byKind.c, m.channel);
    add(byKind.l, m.language);
    if (m.sentiment !== null) add(byKind.s, m.sentiment);
    for (const v of m.intents) add(byKind.i, v);
    for (const v of m.queryIds) add(byKind.q, v);
    for (const v of m.topics) add(byKind.t, v);
    if (picked.length === 0) return none;
    picked.sort((a, b) => a - b);
    const offered: R[] = [];
    let last = -1;
    for (const i of picked)
      if (i !== last) {
        offered.push(rules[i] as R);
        last = i;
      }
    return offered;
  };
}
