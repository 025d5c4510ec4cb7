import { QuerySyntaxError } from './errors.ts';
import { type Field, lex, type Token } from './lexer.ts';
import { normalizeText, tokenize } from './prepare.ts';

/**
 * Grammar (NOT binds tightest, then NEAR, then AND, then OR; adjacency means AND):
 *   query   := or EOF
 *   or      := and ("OR" and)*
 *   and     := unary (["AND"] unary)*
 *   unary   := "NOT" unary | near
 *   near    := primary [NEAR/n[f] primary]
 *   primary := "(" or ")" | word | "phrase" | word* | #tag | @handle | field:value
 */
export type TermNode =
  | { type: 'term'; value: string }
  | { type: 'prefix'; value: string }
  | { type: 'phrase'; words: string[] };

export type Node =
  | TermNode
  | { type: 'field'; field: Field; value: string; prefix: boolean }
  | { type: 'and'; children: Node[] }
  | { type: 'or'; children: Node[] }
  | { type: 'not'; child: Node }
  | { type: 'near'; left: TermNode[]; right: TermNode[]; distance: number; ordered: boolean };

const MAX_DEPTH = 32;
const START_OF_OPERAND = 'a term, phrase, field or "("';

export function parseQuery(source: string): Node {
  const tokens = lex(source);
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i] as Token;
  const next = () => tokens[i++] as Token;
  const fail = (token: Token, expected: string): never => {
    throw new QuerySyntaxError(
      token.pos,
      expected,
      token.type === 'eof' ? 'end of query' : `"${token.text}"`,
      source,
    );
  };

  const startsOperand = (t: Token) =>
    t.type === 'lparen' || t.type === 'not' || t.type === 'word' || t.type === 'phrase' || t.type === 'field';

  function parseOr(): Node {
    const children = [parseAnd()];
    while (peek().type === 'or') {
      next();
      children.push(parseAnd());
    }
    return children.length === 1 ? (children[0] as Node) : { type: 'or', children };
  }

  function parseAnd(): Node {
    const children = [parseUnary()];
    for (;;) {
      const t = peek();
      if (t.type === 'and') {
        next();
        children.push(parseUnary());
      } else if (startsOperand(t)) {
        children.push(parseUnary());
      } else break;
    }
    return children.length === 1 ? (children[0] as Node) : { type: 'and', children };
  }

  function parseUnary(): Node {
    if (peek().type === 'not') {
      next();
      return { type: 'not', child: parseUnary() };
    }
    return parseNear();
  }

  function parseNear(): Node {
    const leftToken = peek();
    const left = parsePrimary();
    const op = peek();
    if (op.type !== 'near') return left;
    next();
    const rightToken = peek();
    const right = parsePrimary();
    if (peek().type === 'near') fail(peek(), 'AND, OR or ")" (NEAR cannot be chained)');
    return {
      type: 'near',
      left: nearOperand(left, leftToken),
      right: nearOperand(right, rightToken),
      distance: op.distance,
      ordered: op.ordered,
    };
  }

  function nearOperand(node: Node, at: Token): TermNode[] {
    if (node.type === 'term' || node.type === 'prefix' || node.type === 'phrase') return [node];
    if (
      node.type === 'or' &&
      node.children.every((c) => c.type === 'term' || c.type === 'prefix' || c.type === 'phrase')
    ) {
      return node.children as TermNode[];
    }
    return fail(at, 'a term, phrase or parenthesised OR of terms around NEAR');
  }

  function parsePrimary(): Node {
    const t = next();
    switch (t.type) {
      case 'lparen': {
        if (++depth > MAX_DEPTH) fail(t, `at most ${MAX_DEPTH} nested parentheses`);
        if (peek().type === 'rparen') fail(peek(), START_OF_OPERAND);
        const inner = parseOr();
        if (peek().type !== 'rparen') fail(peek(), '")"');
        next();
        depth--;
        return inner;
      }
      case 'phrase': {
        const words = tokenize(t.value);
        if (words.length === 0) fail(t, 'words inside the quotes');
        return words.length === 1 ? termOf(words[0] as string) : { type: 'phrase', words };
      }
      case 'word':
        return wordNode(t);
      case 'field':
        return fieldNode(t);
      default:
        return fail(t, START_OF_OPERAND);
    }
  }

  function wordNode(t: Extract<Token, { type: 'word' }>): Node {
    const star = t.text.indexOf('*');
    if (star >= 0 && star !== t.text.length - 1)
      fail({ ...t, pos: t.pos + star }, 'a * only at the end of a word');
    const isPrefix = star === t.text.length - 1;
    const body = isPrefix ? t.text.slice(0, -1) : t.text;
    const words = tokenize(body);
    if (isPrefix) {
      const only = words[0];
      if (words.length !== 1 || only === undefined || only.startsWith('@') || only.startsWith('#')) {
        fail(t, 'a single word before *');
      }
      if ((only as string).length < 2) fail(t, 'at least 2 characters before *');
      return { type: 'prefix', value: only as string };
    }
    if (words.length === 0) fail(t, 'a word (letters or digits)');
    return words.length === 1 ? termOf(words[0] as string) : { type: 'phrase', words };
  }

  function fieldNode(t: Extract<Token, { type: 'field' }>): Node {
    const raw = normalizeText(t.value.trim());
    const prefix = t.field === 'author' && raw.endsWith('*') && raw.length > 1;
    const value = (prefix ? raw.slice(0, -1) : raw).replace(t.field === 'author' ? /^@/ : /$^/, '');
    if (value.includes('*'))
      fail({ ...t, pos: t.valuePos }, 'a value (a * is allowed only at the end of author:)');
    return { type: 'field', field: t.field, value, prefix };
  }

  if (peek().type === 'eof') fail(peek(), START_OF_OPERAND);
  const ast = parseOr();
  if (peek().type !== 'eof') {
    const t = peek();
    fail(t, t.type === 'rparen' ? 'a matching "(" before this ")"' : 'AND, OR, NOT or end of query');
  }
  return ast;
}

function termOf(word: string): TermNode {
  return { type: 'term', value: word };
}
