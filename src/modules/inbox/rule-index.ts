import type { Facts } from './routing.ts';
import type { RoutingCondition } from './routing-schema.ts';

/** Text as keyword conditions see it: lower case, words (with # and @) between single spaces. */
export const normalisedWords = (text: string) => ` ${text.toLowerCase().replace(/[^\p{L}\p{N}#@]+/gu, ' ')} `;

type Indexable = { match: 'all' | 'any'; conditions: RoutingCondition[] };

/**
 * The key a rule is filed under for one condition that every post it fires on must meet, or
 * null when the condition changes as rules act (case fields) or does not name values.
 */
function gateKeys(c: RoutingCondition): string[] | null {
  if (c.field === 'keywords') {
    if (c.op !== 'contains_any') return null;
    // A phrase matches only where its first word is one of the post's words.
    const first = c.value.map((k) => normalisedWords(k).trim().split(' ')[0] ?? '');
    return first.every((w) => w !== '') ? first.map((w) => `k:${w}`) : null;
  }
  if (!('op' in c) || c.op !== 'in') return null;
  const prefix = { channel: 'c', intent: 'i', language: 'l', sentiment: 's', query: 'q', topic: 't' }[
    c.field as string
  ];
  return prefix ? (c.value as string[]).map((v) => `${prefix}:${v}`) : null;
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
  const byKey = new Map<string, number[]>();
  rules.forEach((rule, i) => {
    const gate =
      rule.match === 'all'
        ? rule.conditions
            .map((c) => ({ c, keys: gateKeys(c) }))
            .filter((g): g is { c: RoutingCondition; keys: string[] } => g.keys !== null)
            .sort((a, b) => preference(a.c) - preference(b.c))[0]
        : undefined;
    if (!gate) {
      always.push(i);
      return;
    }
    for (const key of new Set(gate.keys)) {
      const list = byKey.get(key);
      if (list) list.push(i);
      else byKey.set(key, [i]);
    }
  });
  return (f) => {
    const marks = new Uint8Array(rules.length);
    for (const i of always) marks[i] = 1;
    const add = (key: string) => {
      const list = byKey.get(key);
      if (list) for (const i of list) marks[i] = 1;
    };
    const m = f.mention;
    for (const w of textOf(m).split(' ')) if (w !== '') add(`k:${w}`);
    add(`c:${m.channel}`);
    add(`l:${m.language}`);
    if (m.sentiment !== null) add(`s:${m.sentiment}`);
    for (const v of m.intents) add(`i:${v}`);
    for (const v of m.queryIds) add(`q:${v}`);
    for (const v of m.topics) add(`t:${v}`);
    const offered: R[] = [];
    for (let i = 0; i < rules.length; i++) if (marks[i] === 1) offered.push(rules[i] as R);
    return offered;
  };
}
