/**
 * Sentiment for social text: VADER-style lexicon scoring with social-text and customer-care rules
 * (negation, boosters, "but", capitals, elongation, emoji, complaint patterns) produces a few dense
 * features; hashed word unigrams and bigrams (negation-marked) add the rest; a multinomial logistic
 * regression trained by `scripts/train-sentiment.ts` turns them into negative / neutral / positive.
 *
 * The hot path allocates almost nothing: features go into module-level typed arrays, lexicon and
 * emoji look-ups are Map reads, and hashing walks the characters of each token once.
 */

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { analyzeForeignSentiment, hasForeignSentiment } from './sentiment-foreign.ts';
import {
  BOOSTERS,
  complaintWords,
  EMOJI,
  HASHTAGS,
  isNegator,
  NEUTRALIZED,
  POLITE,
} from './sentiment-lexicon.ts';
import {
  ALTERNATIVES,
  CANNED,
  CHARGED_HOW,
  COMPARED,
  COUNT_WORDS,
  GAVE_OUT,
  GAVE_UP_THEN,
  JOB_WORDS,
  KEEP,
  KEEP_SUBJECTS,
  LONE_COMPANY,
  LOVE_FRAMES,
  LOVE_SUBJECTS,
  NEVER_FOLLOWERS,
  NO_OBJECTS,
  NOBODY_VERBS,
  NOT_WORKING,
  ORDINALS,
  QUICK_BEFORE,
  REPEATED_THINGS,
  REPEATS,
  REPLY_WORDS,
  SARCASM_WORDS,
  STILL_FOLLOWERS,
  SUPPORT_AFTER,
  SUPPORT_BEFORE,
  TIME_UNITS,
  UNABLE,
  UNABLE_VERBS,
  WHERE,
  WHY_FOLLOWERS,
} from './sentiment-phrases.ts';
import type { Token } from './tokenize.ts';
import type { SentimentLabel, SentimentResult } from './types.ts';

export const sentimentClasses = ['negative', 'neutral', 'positive'] as const;
export type SentimentClass = (typeof sentimentClasses)[number];

/** Hashed feature space: 2^18 buckets. */
export const HASH_BITS = 18;
const HASH_MASK = (1 << HASH_BITS) - 1;

export const denseFeatureNames = [
  'compound',
  'positive_sum',
  'negative_sum',
  'positive_emoji',
  'negative_emoji',
  'question',
  'exclamations',
  'no_sentiment_words',
  'length',
  'has_url',
] as const;
export const DENSE = denseFeatureNames.length;

/** Word → valence on VADER's -4..+4 scale. */
export type Lexicon = Map<string, number>;

/** Builds the lexicon the model uses: VADER's entries with our overrides and complaint words. */
export function buildLexicon(vader: Iterable<readonly [string, number]>): Lexicon {
  const lexicon: Lexicon = new Map(vader);
  for (const [w, v] of NEUTRALIZED) lexicon.set(w, v);
  for (const [w, v] of complaintWords) lexicon.set(w, v);
  return lexicon;
}

// ---------------------------------------------------------------------------------------------
// Feature extraction into reusable buffers

/** What produced a valence, for the human-readable reasons. */
const Cue = { Word: 0, Negated: 1, Complaint: 2, Emoji: 3, Hashtag: 4, Phrase: 5 } as const;
type Cue = (typeof Cue)[keyof typeof Cue];

export type FeatureBuffer = {
  dense: Float64Array;
  /** Hashed bucket indices (with repeats); `count` are in use. */
  idx: Int32Array;
  count: number;
  /** Candidate reasons: kind, first and last token index, signed contribution. */
  cueKind: Int8Array;
  cueStart: Int32Array;
  cueEnd: Int32Array;
  cueValue: Float64Array;
  /** Phrase cues carry a label index into `phraseLabels`. */
  cueLabel: Int8Array;
  cues: number;
  /** Index of the contrast word ("but"), or -1. */
  contrastAt: number;
  /** Summed strength of customer-care complaint cues (0..4), see `complaintLogit`. */
  complaintStrength: number;
};

const MAX_IDX = 1024;
const MAX_CUES = 128;

export function createFeatureBuffer(): FeatureBuffer {
  return {
    dense: new Float64Array(DENSE),
    idx: new Int32Array(MAX_IDX),
    count: 0,
    cueKind: new Int8Array(MAX_CUES),
    cueStart: new Int32Array(MAX_CUES),
    cueEnd: new Int32Array(MAX_CUES),
    cueValue: new Float64Array(MAX_CUES),
    cueLabel: new Int8Array(MAX_CUES),
    cues: 0,
    contrastAt: -1,
    complaintStrength: 0,
  };
}

const phraseLabels = [
  'unresolved complaint',
  'waiting on hold',
  'complaint question',
  'waiting time',
  'not working',
  'cannot get it done',
  'sarcasm',
  'repeated problem',
  'complaint',
  'eagerness',
  'will not come back',
] as const;
const P_UNRESOLVED = 0;
const P_HOLD = 1;
const P_QUESTION = 2;
const P_WAIT = 3;
const P_NOT_WORKING = 4;
const P_UNABLE = 5;
const P_SARCASM = 6;
const P_AGAIN = 7;
const P_COMPLAINT = 8;
const P_EAGER = 9;
const P_CHURN = 10;

function fnv(s: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ (b >>> 15), 0x2c1b3c6d) ^ b;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

const SALT_WORD = 1;
const SALT_NEG = 2;
const SALT_EMOJI = 3;
const SALT_TAG = 4;
const SALT_EMOTICON = 5;
const SALT_BOS = 6;

// Scratch arrays for one text: the sentiment-bearing items (words, hashtags, emoji, emoticons).
const MAX_ITEMS = 256;
const itemTok = new Int32Array(MAX_ITEMS);
const itemVal = new Float64Array(MAX_ITEMS);
const itemClause = new Int32Array(MAX_ITEMS);

function lookupWord(lexicon: Lexicon, t: Token): number {
  const v = lexicon.get(t.norm);
  if (v !== undefined) return v;
  if (t.elongated) {
    // "loove" (from "looooove") → "love"; tried only for the rare elongated word.
    const single = t.norm.replace(/(\p{L})\1/gu, '$1');
    return lexicon.get(single) ?? 0;
  }
  return 0;
}

function hashtagValence(lexicon: Lexicon, tag: string): number {
  const v = HASHTAGS.get(tag) ?? lexicon.get(tag);
  if (v !== undefined) return v;
  if (tag.length > 5 && (tag.endsWith('fail') || tag.endsWith('fails'))) return -2.5;
  if (tag.length > 5 && tag.startsWith('worst')) return -2.8;
  if (tag.length > 5 && tag.startsWith('love')) return 2.5;
  return 0;
}

function addCue(
  buf: FeatureBuffer,
  kind: Cue,
  start: number,
  end: number,
  value: number,
  label: number,
): void {
  if (buf.cues >= MAX_CUES) return;
  const k = buf.cues++;
  buf.cueKind[k] = kind;
  buf.cueStart[k] = start;
  buf.cueEnd[k] = end;
  buf.cueValue[k] = value;
  buf.cueLabel[k] = label;
}

function pushIdx(buf: FeatureBuffer, h: number): void {
  if (buf.count < MAX_IDX) buf.idx[buf.count++] = h & HASH_MASK;
}

/**
 * Fills `buf` with the features of one English text. Used by the model at run time and by the
 * training script, so both see exactly the same features.
 */
export function extractFeatures(tokens: Token[], lexicon: Lexicon, buf: FeatureBuffer): void {
  buf.count = 0;
  buf.cues = 0;
  buf.contrastAt = -1;
  let items = 0;
  let words = 0;
  let clause = 0;
  let question = 0;
  let exclamations = 0;
  let hasUrl = 0;
  let posEmoji = 0;
  let negEmoji = 0;
  let complaints = 0;
  let allCaps = true;
  let anyLetters = false;
  let contrastItem = -1;
  let negUntilClause = -1; // negation scope for the hashed features runs to the end of the clause
  let prevWordHash = fnv('<s>', SALT_BOS);

  // Pass 1: items with their base valences, hashed features, punctuation.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    switch (t.kind) {
      case 'word': {
        words++;
        anyLetters = true;
        if (!t.shouted) allCaps = false;
        const w = t.norm;
        const negated = negUntilClause === clause;
        const hw = fnv(w, SALT_WORD);
        pushIdx(buf, negated ? fnv(w, SALT_NEG) : hw);
        pushIdx(buf, mix(prevWordHash, hw));
        prevWordHash = hw;
        if (isNegator(w)) negUntilClause = clause;
        if ((w === 'but' || w === 'however') && items > 0) {
          contrastItem = items;
          buf.contrastAt = i;
        }
        if (items < MAX_ITEMS) {
          itemTok[items] = i;
          itemVal[items] = lookupWord(lexicon, t);
          itemClause[items] = clause;
          items++;
        }
        break;
      }
      case 'hashtag': {
        pushIdx(buf, fnv(t.norm, SALT_TAG));
        pushIdx(buf, fnv(t.norm, SALT_WORD));
        if (items < MAX_ITEMS) {
          itemTok[items] = i;
          itemVal[items] = hashtagValence(lexicon, t.norm);
          itemClause[items] = clause;
          items++;
        }
        break;
      }
      case 'emoji': {
        const cp = t.raw.codePointAt(0) ?? 0;
        pushIdx(buf, mix(cp, SALT_EMOJI));
        const v = EMOJI.get(cp) ?? 0;
        if (v > 0) posEmoji++;
        else if (v < 0) negEmoji++;
        if (items < MAX_ITEMS) {
          itemTok[items] = i;
          itemVal[items] = v;
          itemClause[items] = clause;
          items++;
        }
        break;
      }
      case 'emoticon': {
        pushIdx(buf, fnv(t.raw, SALT_EMOTICON));
        const v = lexicon.get(t.raw) ?? lexicon.get(t.raw.toLowerCase()) ?? 0;
        if (v > 0) posEmoji++;
        else if (v < 0) negEmoji++;
        if (items < MAX_ITEMS) {
          itemTok[items] = i;
          itemVal[items] = v;
          itemClause[items] = clause;
          items++;
        }
        break;
      }
      case 'punct': {
        const c = t.raw.charCodeAt(0);
        if (c === 63 /* ? */) question = 1;
        for (let k = 0; k < t.raw.length; k++) if (t.raw.charCodeAt(k) === 33) exclamations++;
        if (c === 46 || c === 63 || c === 33 || c === 44 || c === 59 || c === 8230 || c === 58) clause++;
        prevWordHash = fnv('<s>', SALT_BOS);
        break;
      }
      case 'url':
        hasUrl = 1;
        break;
      default:
        // @handles and numbers carry no sentiment; numbers matter to complaint phrases below.
        break;
    }
  }

  // Pass 2: VADER-style modifiers on each item's valence.
  const capsDiffer = anyLetters && !allCaps;
  for (let k = 0; k < items; k++) {
    let v = itemVal[k] as number;
    if (v === 0) continue;
    const t = tokens[itemTok[k] as number] as Token;
    if (t.kind !== 'word') continue;
    // "kind of", "customer care", "the support team": not the sentiment words they look like.
    if (
      (t.norm === 'kind' && wordAt(tokens, nextWord(tokens, (itemTok[k] as number) + 1)) === 'of') ||
      ((t.norm === 'care' || t.norm === 'support') &&
        (SUPPORT_BEFORE.has(wordAt(tokens, prevWord(tokens, (itemTok[k] as number) - 1))) ||
          SUPPORT_AFTER.has(wordAt(tokens, nextWord(tokens, (itemTok[k] as number) + 1)))))
    ) {
      itemVal[k] = 0;
      continue;
    }
    // "pretty bad", "super slow": a booster that also has a valence of its own only boosts.
    if (
      BOOSTERS.has(t.norm) &&
      k + 1 < items &&
      (itemVal[k + 1] as number) !== 0 &&
      itemClause[k + 1] === itemClause[k]
    ) {
      itemVal[k] = 0;
      continue;
    }
    if (t.shouted && capsDiffer) v += v > 0 ? 0.733 : -0.733;
    if (t.elongated) v += v > 0 ? 0.4 : -0.4;
    let negated = false;
    for (let d = 1; d <= 3 && k - d >= 0; d++) {
      if ((itemClause[k - d] as number) !== (itemClause[k] as number)) break;
      const prev = tokens[itemTok[k - d] as number] as Token;
      if (prev.kind !== 'word') continue;
      const boost = BOOSTERS.get(prev.norm);
      if (boost !== undefined) {
        let b = v > 0 ? boost : -boost;
        if (prev.shouted && capsDiffer) b += v > 0 ? 0.733 : -0.733;
        v += b * (d === 1 ? 1 : d === 2 ? 0.95 : 0.9);
      }
      if (isNegator(prev.norm) && !(d > 1 && prev.norm === 'no')) negated = true;
    }
    if (negated) {
      const complaint = complaintWords.has(t.norm);
      v *= complaint ? -0.3 : -0.74;
      addCue(buf, Cue.Negated, itemTok[k] as number, itemTok[k] as number, v, 0);
      itemVal[k] = v;
      continue;
    }
    itemVal[k] = v;
  }

  // Pass 3: complaint phrases over the word sequence.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'word' && t.kind !== 'number') continue;
    const w = t.norm;
    const n1 = nextWord(tokens, i + 1);
    const w1 = n1 >= 0 ? (tokens[n1] as Token).norm : '';
    if (w === 'on' && w1 === 'hold') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -2.0, P_HOLD);
    } else if (w === 'still' && STILL_FOLLOWERS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.8, P_UNRESOLVED);
    } else if (w === 'no' && NO_OBJECTS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.6, P_UNRESOLVED);
    } else if (WHERE.has(w) && n1 >= 0) {
      const n2 = nextWord(tokens, n1 + 1);
      const w2 = n2 >= 0 ? (tokens[n2] as Token).norm : '';
      if (
        w1 === 'my' ||
        w1 === 'our' ||
        ((w1 === 'is' || w1 === 'are' || w1 === 's') && (w2 === 'my' || w2 === 'our'))
      ) {
        complaints++;
        addCue(buf, Cue.Phrase, i, w1 === 'my' || w1 === 'our' ? n1 : n2, -1.5, P_QUESTION);
      }
    } else if (
      (t.kind === 'number' || COUNT_WORDS.has(w)) &&
      TIME_UNITS.has(w1) &&
      !isQuickDuration(tokens, i)
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -0.8, P_WAIT);
    } else if (
      (w === 'not' || w === 'never' || (w.endsWith("n't") && !UNABLE.has(w))) &&
      NOT_WORKING.has(w1)
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.5, P_NOT_WORKING);
    } else if (UNABLE.has(w)) {
      if (w1 === 'wait') addCue(buf, Cue.Phrase, i, n1, 2.2, P_EAGER);
      else if (UNABLE_VERBS.has(w1) || (w === 'unable' && w1 === 'to')) {
        complaints++;
        addCue(buf, Cue.Phrase, i, n1, -1.3, P_UNABLE);
      }
    } else if ((w === 'thanks' || w === 'thank') && n1 >= 0) {
      const n2 = nextWord(tokens, n1 + 1);
      const w2 = n2 >= 0 ? (tokens[n2] as Token).norm : '';
      const w3 = n2 >= 0 ? wordAt(tokens, nextWord(tokens, n2 + 1)) : '';
      if ((w1 === 'for' && w2 === 'nothing') || (w1 === 'you' && w2 === 'for' && w3 === 'nothing')) {
        complaints++;
        addCue(buf, Cue.Phrase, i, w1 === 'for' ? n2 : nextWord(tokens, n2 + 1), -3.5, P_SARCASM);
      }
    } else if ((w === 'waiting' || w === 'waited' || w === 'wait') && n1 >= 0 && waitedFor(tokens, n1) >= 0) {
      complaints++;
      addCue(buf, Cue.Phrase, i, waitedFor(tokens, n1), -1.8, P_UNRESOLVED);
    } else if ((w === 'charged' && CHARGED_HOW.has(w1)) || (w === 'double' && w1 === 'charged')) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.8, P_COMPLAINT);
    } else if (w === 'how' && w1 === 'long') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -0.8, P_WAIT);
    } else if (w === 'yet' && w1 === 'another') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.2, P_AGAIN);
    } else if (w === 'hung' && w1 === 'up') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.8, P_COMPLAINT);
    } else if (w === 'why' && WHY_FOLLOWERS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.0, P_QUESTION);
    } else if (
      (w === "what's" || w === 'whats' || w === 'what') &&
      (w1 === 'going' || w1 === 'up' || (w1 === 'is' && wordAt(tokens, nextWord(tokens, n1 + 1)) === 'going'))
    ) {
      const n2 = nextWord(tokens, n1 + 1);
      const w2 = wordAt(tokens, n2);
      const n3 = n2 >= 0 ? nextWord(tokens, n2 + 1) : -1;
      if (
        (w1 === 'going' && w2 === 'on') ||
        (w1 === 'up' && w2 === 'with') ||
        (w1 === 'is' && wordAt(tokens, n3) === 'on')
      ) {
        complaints++;
        addCue(buf, Cue.Phrase, i, w1 === 'is' ? n3 : n2, -1.2, P_QUESTION);
      }
    } else if (w === 'never' && NEVER_FOLLOWERS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -2.0, P_CHURN);
    } else if (
      (w === 'another' || w === 'other' || w === 'different') &&
      ALTERNATIVES.has(w1) &&
      !COMPARED.has(wordAt(tokens, prevWord(tokens, i - 1)))
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.2, P_CHURN);
    } else if ((w === 'switching' || w === 'switch') && w1 === 'to') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.2, P_CHURN);
    } else if (
      (w === 'been' || w === 'keep' || w === 'kept' || w === 'still') &&
      (w1 === 'trying' || w1 === 'calling')
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.3, P_UNABLE);
    } else if (
      KEEP.has(w) &&
      w1.length > 4 &&
      w1.endsWith('ing') &&
      KEEP_SUBJECTS.has(wordAt(tokens, prevWord(tokens, i - 1)))
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.4, P_AGAIN);
    } else if (
      (w === 'gave' || w === 'give' || w === 'giving') &&
      w1 === 'up' &&
      !isNegator(wordAt(tokens, prevWord(tokens, i - 1))) &&
      (nextWord(tokens, n1 + 1) < 0 || GAVE_UP_THEN.has(wordAt(tokens, nextWord(tokens, n1 + 1))))
    ) {
      // "I gave up.", "giving up and trying another airline", not "gave up sugar".
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.3, P_COMPLAINT);
    } else if ((w === 'hang' || w === 'hanging' || w === 'hangs') && w1 === 'up') {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.8, P_COMPLAINT);
    } else if ((w === 'nobody' || w === 'noone') && NOBODY_VERBS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, i, -1.0, P_UNRESOLVED);
    } else if ((w === 'miss' || w === 'missing') && (w1 === 'my' || w1 === 'our')) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.4, P_COMPLAINT);
    } else if (ORDINALS.has(w) && REPEATED_THINGS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.0, P_AGAIN);
    } else if (CANNED.has(w) && REPLY_WORDS.has(w1)) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -1.6, P_COMPLAINT);
    } else if (
      (w === 'an' && (w1 === 'hour' || w1 === 'hr') && !isQuickDuration(tokens, i)) ||
      (w === 'for' && (w1 === 'hours' || w1 === 'days' || w1 === 'weeks' || w1 === 'ages')) ||
      ((w === 'wait' || w === 'hold') && w1 === 'time')
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, n1, -0.8, P_WAIT);
    } else if (
      w === 'good' &&
      w1 === 'luck' &&
      wordAt(tokens, nextWord(tokens, n1 + 1)) === 'with' &&
      wordAt(tokens, nextWord(tokens, nextWord(tokens, n1 + 1) + 1)) === 'that'
    ) {
      // "Good luck with that!": dismissive, not a wish.
      complaints++;
      silenceItems(i, n1, items);
      addCue(buf, Cue.Phrase, i, nextWord(tokens, n1 + 1), -1.8, P_SARCASM);
    } else if (
      w === 'no' &&
      w1 === 'longer' &&
      NEVER_FOLLOWERS.has(wordAt(tokens, nextWord(tokens, n1 + 1)))
    ) {
      complaints++;
      addCue(buf, Cue.Phrase, i, nextWord(tokens, n1 + 1), -2.0, P_CHURN);
    } else if (w === 'supposed' && w1 === 'to') {
      const p = wordAt(tokens, prevWord(tokens, i - 1));
      if (p === 'was' || p === 'were') {
        complaints++;
        addCue(buf, Cue.Phrase, i, n1, -1.0, P_COMPLAINT);
      }
    } else if (w === 'again' && complaints + countComplaintWords(tokens, i) > 0) {
      complaints++;
      addCue(buf, Cue.Phrase, i, i, -0.8, P_AGAIN);
    }
  }

  // In a complaint, "thanks" and "please" are politeness, not praise: they count only when
  // nothing in the text is negative.
  let anyNegative = complaints > 0;
  for (let k = 0; k < items && !anyNegative; k++) if ((itemVal[k] as number) < 0) anyNegative = true;

  // Praise inside a complaint that reads as sarcasm turns into a complaint cue of its own.
  if (anyNegative) {
    let negativeMass = 0;
    for (let c = 0; c < buf.cues; c++) {
      const v = buf.cueValue[c] as number;
      if (v < 0 && buf.cueKind[c] === Cue.Phrase) negativeMass -= v;
    }
    for (let k = 0; k < items; k++) {
      const v = itemVal[k] as number;
      if (v < 0 && !isNegatedCue(buf, itemTok[k] as number)) negativeMass -= v;
    }
    for (let k = 0; k < items; k++) {
      const v = itemVal[k] as number;
      const ti = itemTok[k] as number;
      if (
        v <= 0 ||
        (tokens[ti] as Token).kind !== 'word' ||
        !isSarcastic(tokens, buf, ti, items, negativeMass)
      )
        continue;
      itemVal[k] = 0;
      complaints++;
      addCue(buf, Cue.Phrase, ti, ti, -Math.max(v, 2.0), P_SARCASM);
    }
  }

  // Words, hashtags and emoji become cues; "but" weighs the clause after it more.
  let pos = 0;
  let neg = 0;
  for (let k = 0; k < items; k++) {
    let v = itemVal[k] as number;
    if (v === 0) continue;
    if (anyNegative && v > 0 && POLITE.has((tokens[itemTok[k] as number] as Token).norm)) continue;
    if (contrastItem >= 0) v *= k < contrastItem ? 0.5 : 1.5;
    const ti = itemTok[k] as number;
    const t = tokens[ti] as Token;
    if (t.kind === 'word') {
      if (!isNegatedCue(buf, ti)) {
        const complaint = v < 0 && complaintWords.has(t.norm);
        if (complaint) complaints++;
        addCue(buf, complaint ? Cue.Complaint : Cue.Word, ti, ti, v, 0);
      } else {
        setCueValue(buf, ti, v);
      }
    } else {
      addCue(buf, t.kind === 'hashtag' ? Cue.Hashtag : Cue.Emoji, ti, ti, v, 0);
    }
    if (v > 0) pos += v;
    else neg -= v;
  }
  for (let c = 0; c < buf.cues; c++) {
    if (buf.cueKind[c] !== Cue.Phrase) continue;
    let v = buf.cueValue[c] as number;
    if (contrastItem >= 0 && buf.contrastAt >= 0)
      v *= (buf.cueStart[c] as number) < buf.contrastAt ? 0.5 : 1.5;
    buf.cueValue[c] = v;
    if (v > 0) pos += v;
    else neg -= v;
  }

  let strength = 0;
  for (let c = 0; c < buf.cues; c++) {
    const kind = buf.cueKind[c];
    const v = buf.cueValue[c] as number;
    if (v < 0 && (kind === Cue.Phrase || kind === Cue.Complaint)) strength -= v;
  }
  buf.complaintStrength = Math.min(strength, 4);

  // Exclamation marks amplify whichever way the text leans (VADER adds 0.292 each, up to 4).
  const sum = pos - neg;
  const amp = Math.min(exclamations, 4) * 0.292;
  const total = sum > 0 ? sum + amp : sum < 0 ? sum - amp : 0;
  const d = buf.dense;
  // Complaint cues are not a learned feature: the general training data (news, reviews, replies)
  // does not carry their customer-care meaning, so they act through `complaintStrength` instead.
  d[0] = total / Math.sqrt(total * total + 15);
  d[1] = Math.log1p(pos);
  d[2] = Math.log1p(neg);
  d[3] = Math.min(posEmoji, 3);
  d[4] = Math.min(negEmoji, 3);
  d[5] = question;
  d[6] = Math.min(exclamations, 3);
  d[7] = pos === 0 && neg === 0 ? 1 : 0;
  d[8] = Math.log1p(words) / 3;
  d[9] = hasUrl;
}

function nextWord(tokens: Token[], from: number): number {
  for (let j = from; j < tokens.length; j++) {
    const k = (tokens[j] as Token).kind;
    if (k === 'word' || k === 'number') return j;
    if (k === 'punct') return -1;
  }
  return -1;
}

/** "waiting for a response", "waited on my refund": the awaited thing within four words, or -1. */
function waitedFor(tokens: Token[], from: number): number {
  let j = from;
  for (let steps = 0; steps < 4 && j >= 0; steps++) {
    if (NO_OBJECTS.has((tokens[j] as Token).norm)) return j;
    j = nextWord(tokens, j + 1);
  }
  return -1;
}

/**
 * The duration starting at token `i` says how fast something was done ("in 5 minutes", "within an
 * hour", "in less than a day"), not how long the customer waited, so it is no waiting cue. Unless
 * its clause says something did not happen in that time ("nobody picked up in two days", "was to
 * leave in 5 minutes and hasn't boarded"), that a thing gave out that soon ("lasted less than six
 * months", "quit in 10 days"), or counts repeats ("the third time in 2 weeks"): those are complaints.
 */
function isQuickDuration(tokens: Token[], i: number): boolean {
  const p = prevWord(tokens, i - 1);
  const before = wordAt(tokens, p);
  const p2 = prevWord(tokens, p - 1);
  const less = before === 'than' ? wordAt(tokens, p2) : '';
  if (!QUICK_BEFORE.has(before) && less !== 'less' && less !== 'fewer') return false;
  if (REPEATS.has(wordAt(tokens, before === 'than' ? prevWord(tokens, p2 - 1) : p2))) return false;
  return !clauseHas(tokens, i, (w) => isNegator(w) || GAVE_OUT.has(w));
}

/** A word of the clause holding token `i` (other than `i`) passes `test`. */
function clauseHas(tokens: Token[], i: number, test: (w: string) => boolean): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    if (t.kind === 'punct' && isClauseEnd(t)) break;
    if (t.kind === 'word' && test(t.norm)) return true;
  }
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'punct' && isClauseEnd(t)) break;
    if (t.kind === 'word' && test(t.norm)) return true;
  }
  return false;
}

/** Drops the valence of the words in tokens `from..to`, which a phrase has reinterpreted. */
function silenceItems(from: number, to: number, items: number): void {
  for (let k = 0; k < items; k++) {
    const ti = itemTok[k] as number;
    if (ti >= from && ti <= to) itemVal[k] = 0;
  }
}

/** The word or number just before `from` in the same clause, or -1. */
function prevWord(tokens: Token[], from: number): number {
  for (let j = from; j >= 0; j--) {
    const k = (tokens[j] as Token).kind;
    if (k === 'word' || k === 'number') return j;
    if (k === 'punct') return -1;
  }
  return -1;
}

/** Token `i` stands alone in its clause, but for handles, emoji and a word like "just" or "so". */
function isLoneWord(tokens: Token[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    if (t.kind === 'punct' && isClauseEnd(t)) break;
    if ((t.kind === 'word' || t.kind === 'number') && !LONE_COMPANY.has(t.norm)) return false;
  }
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'punct' && isClauseEnd(t)) break;
    if ((t.kind === 'word' || t.kind === 'number') && !LONE_COMPANY.has(t.norm)) return false;
  }
  return true;
}

function isClauseEnd(t: Token): boolean {
  const c = t.raw.charCodeAt(0);
  return c === 46 || c === 63 || c === 33 || c === 44 || c === 59 || c === 8230 || c === 58;
}

/** A clearly negative cue or word in the clause after token `from` ("thanks for the canned reply"). */
function negativeInClauseAfter(tokens: Token[], buf: FeatureBuffer, from: number, items: number): boolean {
  let end = tokens.length;
  for (let j = from + 1; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'punct' && isClauseEnd(t)) {
      end = j;
      break;
    }
  }
  for (let c = 0; c < buf.cues; c++) {
    const st = buf.cueStart[c] as number;
    if (st > from && st < end && (buf.cueValue[c] as number) <= -1) return true;
  }
  for (let k = 0; k < items; k++) {
    const ti = itemTok[k] as number;
    if (ti > from && ti < end && (itemVal[k] as number) <= -1) return true;
  }
  return false;
}

/**
 * Praise that is sarcasm: in a text that also complains, "love how…", "gotta love", "great job",
 * "way to go", "so glad", "thanks for <a complaint>", or a praise word standing alone as its own
 * clause ("Awesome.", "Super.", "Great."). Not after a contrast ("delayed, but great crew").
 */
function isSarcastic(
  tokens: Token[],
  buf: FeatureBuffer,
  ti: number,
  items: number,
  negativeMass: number,
): boolean {
  const t = tokens[ti] as Token;
  const w = t.norm;
  if (!SARCASM_WORDS.has(w)) return false;
  if (buf.contrastAt >= 0 && ti > buf.contrastAt) return false;
  const n1 = nextWord(tokens, ti + 1);
  const w1 = wordAt(tokens, n1);
  const p1 = wordAt(tokens, prevWord(tokens, ti - 1));
  if (w === 'thanks' || w === 'thank') {
    const f =
      w1 === 'for' ? n1 : w1 === 'you' && wordAt(tokens, nextWord(tokens, n1 + 1)) === 'for' ? n1 + 1 : -1;
    return f >= 0 && negativeInClauseAfter(tokens, buf, f, items);
  }
  // A frame needs the complaint in the same clause ("love how you lost my bag").
  const loveFrame =
    LOVE_FRAMES.has(w1) && LOVE_SUBJECTS.has(wordAt(tokens, n1 >= 0 ? nextWord(tokens, n1 + 1) : -1));
  if (
    ((w === 'love' || w === 'loving') && (loveFrame || p1 === 'gotta' || p1 === 'got')) ||
    ((w === 'great' || w === 'good' || w === 'nice' || w === 'excellent' || w === 'awesome') &&
      JOB_WORDS.has(w1)) ||
    (w === 'glad' && p1 === 'so')
  ) {
    return negativeInClauseAfter(tokens, buf, ti, items);
  }
  if (w === 'good' || w === 'love' || w === 'loving' || w === 'glad') return false;
  // A lone "Awesome." needs a clear complaint elsewhere in the text.
  return negativeMass >= 1.5 && isLoneWord(tokens, ti);
}
function wordAt(tokens: Token[], i: number): string {
  return i >= 0 ? (tokens[i] as Token).norm : '';
}

function countComplaintWords(tokens: Token[], before: number): number {
  let n = 0;
  for (let j = 0; j < before; j++) {
    const t = tokens[j] as Token;
    if (t.kind === 'word' && complaintWords.has(t.norm)) n++;
  }
  return n;
}

function isNegatedCue(buf: FeatureBuffer, ti: number): boolean {
  for (let c = 0; c < buf.cues; c++)
    if (buf.cueKind[c] === Cue.Negated && buf.cueStart[c] === ti) return true;
  return false;
}

function setCueValue(buf: FeatureBuffer, ti: number, v: number): void {
  for (let c = 0; c < buf.cues; c++)
    if (buf.cueKind[c] === Cue.Negated && buf.cueStart[c] === ti) buf.cueValue[c] = v;
}

// ---------------------------------------------------------------------------------------------
// The model

/** The JSON written by `scripts/train-sentiment.ts`. */
export type SentimentModelFile = {
  format: 'rapport-sentiment-v1';
  classes: string[];
  hashBits: number;
  dense: string[];
  bias: number[];
  /** denseWeights[feature * 3 + class] */
  denseWeights: number[];
  /** Sparse hashed weights: buckets[i] holds weights[i*3 .. i*3+2]. */
  buckets: number[];
  weights: number[];
  /**
   * Fixed (not learned) weight of complaint strength on the negative logit. The training data has
   * few customer-care complaints, so this prior comes from domain knowledge, not from fitting.
   */
  complaintLogit: number;
  /** Compact VADER lexicon (MIT, see models/VADER-LICENSE.txt): word → valence. */
  lexicon: Record<string, number>;
  training: Record<string, unknown>;
};

export type SentimentModel = {
  lexicon: Lexicon;
  bias: Float64Array;
  dense: Float64Array;
  hashed: Float32Array;
  complaintLogit: number;
};

/** Turns a model file into its in-memory form (dense weight table over the hashed space). */
export function compileModel(file: SentimentModelFile): SentimentModel {
  if (file.format !== 'rapport-sentiment-v1' || file.hashBits !== HASH_BITS || file.dense.length !== DENSE) {
    throw new Error('sentiment model file does not match this version of the code; run npm run train');
  }
  const hashed = new Float32Array((1 << HASH_BITS) * 3);
  for (let i = 0; i < file.buckets.length; i++) {
    const b = file.buckets[i] as number;
    for (let c = 0; c < 3; c++) hashed[b * 3 + c] = file.weights[i * 3 + c] as number;
  }
  return {
    lexicon: buildLexicon(Object.entries(file.lexicon)),
    bias: Float64Array.from(file.bias),
    dense: Float64Array.from(file.denseWeights),
    hashed,
    complaintLogit: file.complaintLogit,
  };
}

/** Where the shipped model lives, from the sources or from the build (`dist/`). */
export function modelPath(): string {
  const here = new URL('./models/sentiment.json', import.meta.url);
  const fromSource = fileURLToPath(here);
  if (existsSync(fromSource)) return fromSource;
  return fileURLToPath(new URL('../../../../src/modules/analysis/models/sentiment.json', import.meta.url));
}

let loaded: SentimentModel | undefined;

/** The shipped model, read once on first use. */
export function sentimentModel(): SentimentModel {
  if (!loaded) loaded = compileModel(JSON.parse(readFileSync(modelPath(), 'utf8')) as SentimentModelFile);
  return loaded;
}

const scratch = createFeatureBuffer();
const logits = new Float64Array(3);
const probs = new Float64Array(3);

/** Class probabilities for features already in `buf` (written into `out`). */
export function predictFeatures(model: SentimentModel, buf: FeatureBuffer, out: Float64Array): void {
  const d = buf.dense;
  for (let c = 0; c < 3; c++) {
    let z = model.bias[c] as number;
    for (let f = 0; f < DENSE; f++) z += (d[f] as number) * (model.dense[f * 3 + c] as number);
    logits[c] = z;
  }
  logits[0] = (logits[0] as number) + buf.complaintStrength * model.complaintLogit;
  const h = model.hashed;
  for (let k = 0; k < buf.count; k++) {
    const b = (buf.idx[k] as number) * 3;
    logits[0] = (logits[0] as number) + (h[b] as number);
    logits[1] = (logits[1] as number) + (h[b + 1] as number);
    logits[2] = (logits[2] as number) + (h[b + 2] as number);
  }
  const m = Math.max(logits[0] as number, logits[1] as number, logits[2] as number);
  let s = 0;
  for (let c = 0; c < 3; c++) {
    const e = Math.exp((logits[c] as number) - m);
    out[c] = e;
    s += e;
  }
  for (let c = 0; c < 3; c++) out[c] = (out[c] as number) / s;
}

function isMostlyAsciiLatin(tokens: Token[]): boolean {
  let ascii = 0;
  let other = 0;
  for (const t of tokens) {
    if (t.kind !== 'word') continue;
    const s = t.raw;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 128) ascii++;
      else other++;
    }
  }
  return other <= ascii * 0.1;
}

/**
 * Sentiment of one text. The learnt model reads English: `en`, or `und` with mostly ASCII Latin
 * words (or none, e.g. emoji only). Spanish, French, German and Portuguese are read with
 * hand-written lexicons (sentiment-foreign.ts); any other language gets `und`.
 */
export function analyzeSentiment(tokens: Token[], language: string): SentimentResult {
  if (hasForeignSentiment(language)) return analyzeForeignSentiment(tokens, language);
  if (language !== 'en' && !(language === 'und' && isMostlyAsciiLatin(tokens))) {
    return { label: 'und', score: 0, reasons: [] };
  }
  const model = sentimentModel();
  extractFeatures(tokens, model.lexicon, scratch);
  predictFeatures(model, scratch, probs);
  const pNeg = probs[0] as number;
  const pNeu = probs[1] as number;
  const pPos = probs[2] as number;
  const label: SentimentLabel =
    pNeg >= pNeu && pNeg >= pPos ? 'negative' : pPos >= pNeu ? 'positive' : 'neutral';
  const score = Math.round((pPos - pNeg) * 1000) / 1000;
  return { label, score, reasons: reasonsFor(tokens, scratch, label) };
}

const picked = new Int32Array(3);

/** Up to three cues that pushed towards the label, strongest first (for neutral: the strongest any way). */
function reasonsFor(tokens: Token[], buf: FeatureBuffer, label: SentimentLabel): string[] {
  const sign = label === 'negative' ? -1 : label === 'positive' ? 1 : 0;
  let n = 0;
  while (n < 3) {
    let best = -1;
    let bestValue = 0;
    for (let c = 0; c < buf.cues; c++) {
      const v = (buf.cueValue[c] as number) * (sign === 0 ? 1 : sign);
      const strength = sign === 0 ? Math.abs(v) : v;
      if (strength <= bestValue) continue;
      let seen = false;
      for (let j = 0; j < n; j++) if (picked[j] === c) seen = true;
      if (!seen) {
        best = c;
        bestValue = strength;
      }
    }
    if (best < 0) break;
    picked[n++] = best;
  }
  const reasons: string[] = [];
  for (let j = 0; j < n; j++) reasons.push(describeCue(tokens, buf, picked[j] as number));
  if (buf.contrastAt >= 0 && n > 0) {
    reasons.push(`contrast "${(tokens[buf.contrastAt] as Token).norm}" (the clause after it weighs more)`);
  }
  return reasons;
}

function describeCue(tokens: Token[], buf: FeatureBuffer, c: number): string {
  const start = buf.cueStart[c] as number;
  const end = buf.cueEnd[c] as number;
  const t = tokens[start] as Token;
  switch (buf.cueKind[c] as Cue) {
    case Cue.Negated:
      return `negated "${t.norm}"`;
    case Cue.Complaint:
      return `"${t.norm}" (complaint)`;
    case Cue.Emoji:
      return t.raw;
    case Cue.Hashtag:
      return t.raw;
    case Cue.Phrase: {
      let text = '';
      for (let i = start; i <= end; i++) {
        const k = (tokens[i] as Token).kind;
        if (k === 'word' || k === 'number')
          text += text ? ` ${(tokens[i] as Token).norm}` : (tokens[i] as Token).norm;
      }
      return `"${text}" (${phraseLabels[buf.cueLabel[c] as number] ?? 'complaint'})`;
    }
    default: {
      const mods = t.shouted ? ' (shouted)' : t.elongated ? ' (elongated)' : '';
      return `"${t.norm}"${mods}`;
    }
  }
}
