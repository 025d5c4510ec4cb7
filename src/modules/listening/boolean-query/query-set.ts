import { type CompiledQuery, compileQuery } from './matcher.ts';
import type { Node } from './parser.ts';
import { type MatchableItem, type PreparedItem, prepareItem } from './prepare.ts';

/**
 * Many queries against each item without evaluating every query on every item: each query gets
 * a set of anchor keys such that any match must contain one of them, and an item is checked
 * only against queries anchored on one of its keys (plus the few that cannot be anchored, such
 * as pure negations or field-only queries).
 */
export type QuerySet = {
  match(item: MatchableItem): string[];
  matchPrepared(item: PreparedItem): string[];
  /** How many queries were evaluated for the last item: for benchmarks. */
  lastCandidates(): number;
};

const PREFIX_KEY = '\u0001';

/** Anchor keys, or null when the node can match without any particular word. */
export function anchorsOf(node: Node): Set<string> | null {
  switch (node.type) {
    case 'term':
      return new Set([node.value]);
    case 'prefix':
      return new Set([PREFIX_KEY + node.value.slice(0, 3)]);
    case 'phrase': {
      const longest = node.words.reduce((a, b) => (b.length > a.length ? b : a));
      return new Set([longest]);
    }
    case 'near': {
      const sides = [node.left, node.right].map((side) => {
        const keys = new Set<string>();
        for (const t of side) for (const k of anchorsOf(t) ?? []) keys.add(k);
        return keys;
      });
      const [l = new Set<string>(), r = new Set<string>()] = sides;
      return l.size <= r.size ? l : r;
    }
    case 'and': {
      let best: Set<string> | null = null;
      for (const child of node.children) {
        const a = anchorsOf(child);
        if (a && (!best || a.size < best.size)) best = a;
      }
      return best;
    }
    case 'or': {
      const all = new Set<string>();
      for (const child of node.children) {
        const a = anchorsOf(child);
        if (!a) return null;
        for (const k of a) all.add(k);
      }
      return all;
    }
    case 'not':
    case 'field':
      return null;
  }
}

export function createQuerySet(queries: { id: string; source: string }[]): QuerySet {
  const compiled: { id: string; query: CompiledQuery }[] = [];
  for (const q of queries) compiled.push({ id: q.id, query: compileQuery(q.source) });
  const byKey = new Map<string, number[]>();
  const always: number[] = [];
  compiled.forEach(({ query }, index) => {
    const anchors = anchorsOf(query.ast);
    if (!anchors) always.push(index);
    else
      for (const key of anchors) {
        const list = byKey.get(key);
        if (list) list.push(index);
        else byKey.set(key, [index]);
      }
  });
  // Stamps instead of a Set per item: a query is a candidate once per item.
  const stamp = new Uint32Array(compiled.length);
  let round = 0;
  let candidates = 0;

  function matchPrepared(item: PreparedItem): string[] {
    round++;
    candidates = 0;
    const hits: number[] = [];
    const check = (index: number) => {
      if (stamp[index] === round) return;
      stamp[index] = round;
      candidates++;
      if (compiled[index]?.query.matches(item)) hits.push(index);
    };
    for (const index of always) check(index);
    for (const key of item.positions.keys()) {
      const list = byKey.get(key);
      if (list) for (const index of list) check(index);
    }
    // A wildcard anchors on the first three letters of its prefix (two when it has only two).
    for (const word of item.words) {
      if (word.length < 2) continue;
      const two = byKey.get(PREFIX_KEY + word.slice(0, 2));
      if (two) for (const index of two) check(index);
      if (word.length < 3) continue;
      const three = byKey.get(PREFIX_KEY + word.slice(0, 3));
      if (three) for (const index of three) check(index);
    }
    // In the order the queries were given, whatever order the keys were visited in.
    return hits.sort((a, b) => a - b).map((i) => (compiled[i] as { id: string }).id);
  }

  return {
    matchPrepared,
    match: (item) => (compiled.length === 0 ? [] : matchPrepared(prepareItem(item))),
    lastCandidates: () => candidates,
  };
}
