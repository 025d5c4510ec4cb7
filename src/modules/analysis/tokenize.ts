/**
 * Social text split once into typed tokens, shared by every analyser (language, sentiment,
 * intent, topics, custom classifiers) so a post is tokenized a single time per analysis.
 */
export type TokenKind = 'word' | 'number' | 'hashtag' | 'mention' | 'url' | 'emoji' | 'emoticon' | 'punct';

export type Token = {
  kind: TokenKind;
  /** As written. */
  raw: string;
  /**
   * Lower case, accents kept, curly apostrophes straightened, letters repeated three or more
   * times cut to two ("sooooo" → "soo"); hashtags and mentions without their sigil; URLs as
   * their host; emoji as written.
   */
  norm: string;
  /** The word had a letter repeated three or more times ("sooo", "noooo"). */
  elongated: boolean;
  /** Written in capitals, at least two letters ("WORST"). */
  shouted: boolean;
};

// Order matters: URLs before words, emoticons before punctuation.
const PATTERN = new RegExp(
  [
    String.raw`(?<url>https?:\/\/[^\s<>"]+|www\.[^\s<>"]+)`,
    String.raw`(?<mention>@[\p{L}\p{N}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|@[\p{L}\p{N}_])`,
    String.raw`(?<hashtag>#[\p{L}\p{N}_]+)`,
    // Western emoticons (":)", ";-P", ":'(", "XD", "<3", "</3") and a few eastern ones.
    String.raw`(?<emoticon></?3|[:;=8xX][\-o*']?[)\](\[dDpP/\\|}{@3*]|[)\](\[dDpP/\\|}{@][\-o*']?[:;=]|\^_*\^|[Tt]_[Tt]|-_-|o_O|O_o)`,
    String.raw`(?<emoji>\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic}|\p{EMod})*|\p{Regional_Indicator}{2})`,
    String.raw`(?<number>\p{N}+(?:[.,:]\p{N}+)*%?)`,
    String.raw`(?<word>[\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*)`,
    String.raw`(?<punct>[!?]+|\.{2,}|…|[.,;:()"\-])`,
  ].join('|'),
  'gu',
);

const ELONGATION = /(\p{L})\1{2,}/gu;
const HAS_LOWER = /\p{Ll}/u;
const HAS_TWO_UPPER = /\p{Lu}.*\p{Lu}/u;

function hostOf(url: string): string {
  const m = /^(?:https?:\/\/)?([^/?#:]+)/i.exec(url);
  return (m?.[1] ?? url).toLowerCase().replace(/^www\./, '');
}

/** Splits a post into tokens in order. Never throws; unknown symbols are skipped. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  PATTERN.lastIndex = 0;
  for (let m = PATTERN.exec(text); m !== null; m = PATTERN.exec(text)) {
    const g = m.groups ?? {};
    const raw = m[0];
    if (g.word !== undefined) {
      const lower = raw.toLowerCase().replace('’', "'");
      const norm = lower.replace(ELONGATION, '$1$1');
      tokens.push({
        kind: 'word',
        raw,
        norm,
        elongated: norm !== lower,
        shouted: !HAS_LOWER.test(raw) && HAS_TWO_UPPER.test(raw),
      });
    } else if (g.url !== undefined) {
      tokens.push({ kind: 'url', raw, norm: hostOf(raw), elongated: false, shouted: false });
    } else if (g.mention !== undefined) {
      tokens.push({ kind: 'mention', raw, norm: raw.slice(1).toLowerCase(), elongated: false, shouted: false });
    } else if (g.hashtag !== undefined) {
      tokens.push({ kind: 'hashtag', raw, norm: raw.slice(1).toLowerCase(), elongated: false, shouted: false });
    } else if (g.emoticon !== undefined) {
      tokens.push({ kind: 'emoticon', raw, norm: raw, elongated: false, shouted: false });
    } else if (g.emoji !== undefined) {
      tokens.push({ kind: 'emoji', raw, norm: raw, elongated: false, shouted: false });
    } else if (g.number !== undefined) {
      tokens.push({ kind: 'number', raw, norm: raw, elongated: false, shouted: false });
    } else {
      tokens.push({ kind: 'punct', raw, norm: raw, elongated: false, shouted: false });
    }
  }
  return tokens;
}

/** The words of a text (lower case, elongation cut), for models that only want words. */
export function words(tokens: Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) if (t.kind === 'word') out.push(t.norm);
  return out;
}
