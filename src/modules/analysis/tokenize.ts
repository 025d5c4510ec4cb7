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

// Order matters: URLs before words, emoticons before punctuation. Groups are numbered (1 url,
// 2 mention, 3 hashtag, 4 emoticon, 5 emoji, 6 number, 7 word, 8 punct): named groups cost an
// object per match on this hot path.
const PATTERN = new RegExp(
  [
    String.raw`(https?:\/\/[^\s<>"]+|www\.[^\s<>"]+)`,
    String.raw`(@[\p{L}\p{N}_][\p{L}\p{N}_.-]*[\p{L}\p{N}_]|@[\p{L}\p{N}_])`,
    String.raw`(#[\p{L}\p{N}_]+)`,
    // Western emoticons (":)", ";-P", ":'(", "XD", "<3", "</3") and a few eastern ones.
    String.raw`(</?3|[:;=8xX][\-o*']?[)\](\[dDpP/\\|}{@3*]|[)\](\[dDpP/\\|}{@][\-o*']?[:;=]|\^_*\^|[Tt]_[Tt]|-_-|o_O|O_o)`,
    String.raw`(\p{Extended_Pictographic}(?:\uFE0F|\u200D\p{Extended_Pictographic}|\p{EMod})*|\p{Regional_Indicator}{2})`,
    String.raw`(\p{N}+(?:[.,:]\p{N}+)*%?)`,
    String.raw`([\p{L}\p{M}]+(?:['’][\p{L}\p{M}]+)*)`,
    String.raw`([!?]+|\.{2,}|…|[.,;:()"\-])`,
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
    const raw = m[0];
    if (m[7] !== undefined) {
      const lower = raw.toLowerCase().replace('’', "'");
      const norm = lower.length > 2 ? lower.replace(ELONGATION, '$1$1') : lower;
      tokens.push({
        kind: 'word',
        raw,
        norm,
        elongated: norm !== lower,
        shouted: raw !== lower && !HAS_LOWER.test(raw) && HAS_TWO_UPPER.test(raw),
      });
    } else if (m[1] !== undefined) {
      tokens.push({ kind: 'url', raw, norm: hostOf(raw), elongated: false, shouted: false });
    } else if (m[2] !== undefined || m[3] !== undefined) {
      tokens.push({
        kind: m[2] !== undefined ? 'mention' : 'hashtag',
        raw,
        norm: raw.slice(1).toLowerCase(),
        elongated: false,
        shouted: false,
      });
    } else {
      const kind: TokenKind =
        m[4] !== undefined
          ? 'emoticon'
          : m[5] !== undefined
            ? 'emoji'
            : m[6] !== undefined
              ? 'number'
              : 'punct';
      tokens.push({ kind, raw, norm: raw, elongated: false, shouted: false });
    }
  }
  return tokens;
}
