import { QuerySyntaxError } from './errors.ts';

/**
 * Tokens of the listening-query language. Positions are 0-based character offsets into the
 * query, so errors can point at the exact place.
 */
export type Token =
  | { type: 'lparen' | 'rparen' | 'and' | 'or' | 'not'; pos: number; text: string }
  | { type: 'near'; pos: number; text: string; distance: number; ordered: boolean }
  | { type: 'phrase'; pos: number; text: string; value: string }
  | { type: 'word'; pos: number; text: string }
  | { type: 'field'; pos: number; text: string; field: Field; value: string; valuePos: number }
  | { type: 'eof'; pos: number; text: string };

export const fields = ['author', 'lang', 'channel', 'url'] as const;
export type Field = (typeof fields)[number];

export const MAX_QUERY_LENGTH = 2000;
export const MAX_NEAR = 100;

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isBoundary = (c: string | undefined) =>
  c === undefined || isSpace(c) || c === '(' || c === ')' || c === '"';

/** Reads a quoted string starting at the opening quote; returns its value and the index after it. */
function readQuoted(source: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '\\' && source[i + 1] === '"') {
      value += '"';
      i += 2;
      continue;
    }
    if (c === '"') return { value, end: i + 1 };
    value += c;
    i++;
  }
  throw new QuerySyntaxError(start, 'a closing "', 'an unterminated phrase', source);
}

export function lex(source: string): Token[] {
  if (source.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(
      MAX_QUERY_LENGTH,
      `at most ${MAX_QUERY_LENGTH} characters`,
      'a longer query',
      source,
    );
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', pos: i, text: c });
      i++;
      continue;
    }
    if (c === '"') {
      const { value, end } = readQuoted(source, i);
      tokens.push({ type: 'phrase', pos: i, text: source.slice(i, end), value });
      i = end;
      continue;
    }
    const start = i;
    while (i < source.length && !isBoundary(source[i])) i++;
    const text = source.slice(start, i);
    const fieldMatch = /^([A-Za-z]+):/.exec(text);
    if (fieldMatch && !text.includes('://')) {
      const name = (fieldMatch[1] as string).toLowerCase();
      if (!(fields as readonly string[]).includes(name)) {
        throw new QuerySyntaxError(start, `a field (${fields.join(':, ')}:)`, `"${fieldMatch[0]}"`, source);
      }
      let value = text.slice(fieldMatch[0].length);
      let valuePos = start + fieldMatch[0].length;
      if (value === '' && source[i] === '"') {
        const quoted = readQuoted(source, i);
        value = quoted.value;
        valuePos = i + 1;
        i = quoted.end;
      }
      if (value.trim() === '')
        throw new QuerySyntaxError(valuePos, `a value after ${name}:`, 'nothing', source);
      tokens.push({
        type: 'field',
        pos: start,
        text: source.slice(start, i),
        field: name as Field,
        value,
        valuePos,
      });
      continue;
    }
    if (text === 'AND' || text === 'OR' || text === 'NOT') {
      tokens.push({ type: text.toLowerCase() as 'and' | 'or' | 'not', pos: start, text });
      continue;
    }
    if (text.startsWith('NEAR/') || text === 'NEAR') {
      const m = /^NEAR\/(\d{1,3})(f?)$/.exec(text);
      if (!m)
        throw new QuerySyntaxError(
          start + 5,
          'a number after NEAR/ (e.g. NEAR/3 or NEAR/3f)',
          `"${text}"`,
          source,
        );
      const distance = Number(m[1]);
      if (distance > MAX_NEAR)
        throw new QuerySyntaxError(start + 5, `a distance from 0 to ${MAX_NEAR}`, String(distance), source);
      tokens.push({ type: 'near', pos: start, text, distance, ordered: m[2] === 'f' });
      continue;
    }
    tokens.push({ type: 'word', pos: start, text });
  }
  tokens.push({ type: 'eof', pos: source.length, text: '' });
  return tokens;
}
