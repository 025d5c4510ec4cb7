import { type Node, parseQuery, type TermNode } from './parser.ts';
import type { PreparedItem } from './prepare.ts';

export type Predicate = (item: PreparedItem) => boolean;
export type CompiledQuery = { source: string; ast: Node; matches: Predicate };

type Span = { start: number; end: number };

/** Where a term-like node occurs in the item, as token spans. */
function spansOf(node: TermNode, item: PreparedItem): Span[] {
  if (node.type === 'term') return (item.positions.get(node.value) ?? []).map((p) => ({ start: p, end: p }));
  if (node.type === 'prefix') {
    const spans: Span[] = [];
    for (const [key, at] of item.positions) {
      const first = key.charCodeAt(0);
      if (first !== 35 && first !== 64 && key.startsWith(node.value))
        for (const p of at) spans.push({ start: p, end: p });
    }
    return spans;
  }
  const [first, ...rest] = node.words;
  const starts = first === undefined ? [] : (item.positions.get(first) ?? []);
  return starts
    .filter((s) => rest.every((w, k) => item.positions.get(w)?.includes(s + k + 1)))
    .map((s) => ({ start: s, end: s + node.words.length - 1 }));
}

function compileTerm(node: TermNode): Predicate {
  switch (node.type) {
    case 'term': {
      const value = node.value;
      return (item) => item.positions.has(value);
    }
    case 'prefix': {
      const value = node.value;
      return (item) => {
        for (const w of item.words) if (w.startsWith(value)) return true;
        return false;
      };
    }
    case 'phrase': {
      const [first] = node.words;
      const rest = node.words.slice(1);
      return (item) => {
        const starts = first === undefined ? undefined : item.positions.get(first);
        if (!starts) return false;
        for (const s of starts) {
          let ok = true;
          for (let k = 0; k < rest.length && ok; k++)
            ok = item.positions.get(rest[k] as string)?.includes(s + k + 1) ?? false;
          if (ok) return true;
        }
        return false;
      };
    }
  }
}

function compileNode(node: Node): Predicate {
  switch (node.type) {
    case 'term':
    case 'prefix':
    case 'phrase':
      return compileTerm(node);
    case 'and': {
      const parts = node.children.map(compileNode);
      return (item) => {
        for (const p of parts) if (!p(item)) return false;
        return true;
      };
    }
    case 'or': {
      const parts = node.children.map(compileNode);
      return (item) => {
        for (const p of parts) if (p(item)) return true;
        return false;
      };
    }
    case 'not': {
      const inner = compileNode(node.child);
      return (item) => !inner(item);
    }
    case 'near': {
      const { left, right, distance, ordered } = node;
      const leftQuick = left.map(compileTerm);
      const rightQuick = right.map(compileTerm);
      return (item) => {
        // Cheap presence checks first: most items contain neither side.
        if (!leftQuick.some((p) => p(item)) || !rightQuick.some((p) => p(item))) return false;
        const a = left.flatMap((n) => spansOf(n, item));
        const b = right.flatMap((n) => spansOf(n, item));
        for (const x of a) {
          for (const y of b) {
            if (x.end < y.start && y.start - x.end - 1 <= distance) return true;
            if (!ordered && y.end < x.start && x.start - y.end - 1 <= distance) return true;
          }
        }
        return false;
      };
    }
    case 'field': {
      const { value, prefix } = node;
      switch (node.field) {
        case 'author':
          return prefix ? (item) => item.author?.startsWith(value) ?? false : (item) => item.author === value;
        case 'lang':
          return (item) => item.language === value;
        case 'channel':
          return (item) => item.channel === value;
        case 'url':
          return (item) => item.urls.some((u) => u.includes(value));
      }
    }
  }
}

/** Parses and compiles a query once; `matches` is then cheap to call for every item. */
export function compileQuery(source: string): CompiledQuery {
  const ast = parseQuery(source);
  return { source, ast, matches: compileNode(ast) };
}
