/**
 * Text as the query language sees it: lower case, accents removed (NFKD without combining
 * marks), split into word tokens, #hashtags and @mentions. Queries and posts go through the same
 * functions, so `Café` in a query matches `cafe` in a post.
 */
export type MatchableItem = {
  text: string;
  authorHandle: string | null;
  language: string | null;
  channel: string;
  urls: string[];
};

export type PreparedItem = {
  /** Every key present: words, #tags (and their bare words), @mentions (and their dot-prefixes). */
  positions: Map<string, number[]>;
  /** Plain words only, for wildcard matching. */
  words: string[];
  author: string | null;
  language: string | null;
  channel: string;
  urls: string[];
};

const TOKEN =
  /@[\p{L}\p{N}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|@[\p{L}\p{N}_]|#[\p{L}\p{N}_]+|[\p{L}\p{N}]+(?:'[\p{L}\p{N}]+)*/gu;
const MARKS = /\p{M}+/gu;

const NON_ASCII = /[^\p{ASCII}]/u;

export function normalizeText(text: string): string {
  // Most social text is ASCII, where there are no accents to strip: skip the Unicode work.
  if (!NON_ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .replace(/\u2019/g, "'")
    .toLowerCase();
}

export function tokenize(text: string): string[] {
  return normalizeText(text).match(TOKEN) ?? [];
}

function add(positions: Map<string, number[]>, key: string, at: number) {
  const list = positions.get(key);
  if (list) list.push(at);
  else positions.set(key, [at]);
}

/** Tokenises an item once; any number of compiled queries can then be evaluated against it. */
export function prepareItem(item: MatchableItem): PreparedItem {
  const tokens = tokenize(item.text);
  const positions = new Map<string, number[]>();
  const words: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    add(positions, t, i);
    const first = t.charCodeAt(0);
    if (first === 35 /* # */) {
      add(positions, t.slice(1), i);
      words.push(t.slice(1));
    } else if (first === 64 /* @ */) {
      // @acmeair.bsky.social also answers to @acmeair and @acmeair.bsky.
      for (let dot = t.indexOf('.'); dot > 0; dot = t.indexOf('.', dot + 1))
        add(positions, t.slice(0, dot), i);
    } else {
      words.push(t);
    }
  }
  return {
    positions,
    words,
    author: item.authorHandle ? normalizeText(item.authorHandle).replace(/^@/, '') : null,
    language: item.language ? item.language.toLowerCase() : null,
    channel: item.channel.toLowerCase(),
    urls: item.urls.map((u) => u.toLowerCase()),
  };
}
