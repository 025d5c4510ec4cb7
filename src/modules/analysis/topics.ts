import type { Token } from './tokenize.ts';
import { tokenize } from './tokenize.ts';
import type { TopicMatch } from './types.ts';

/** A workspace topic: matched by any of its keywords, or by being close to one of its examples. */
export type TopicDefinition = { id: string; name: string; keywords: string[]; examples: string[] };

export type TopicSet = { size: number; match(tokens: Token[]): TopicMatch[] };

/**
 * Share of content words an item must have in common with an example (cosine over sets of
 * content words) to count as the same topic; with at least two words shared, so that one common
 * word never decides.
 */
export const EXAMPLE_SIMILARITY_THRESHOLD = 0.45;
const MIN_SHARED_WORDS = 2;

const STOPWORDS = new Set(
  (
    'a an the and or but if then so of to in on at by for with from as is are was were be been being am ' +
    'i me my we our you your he she it its they them their this that these those there here what which who ' +
    'whom when where why how all any both each few more most other some such no nor not only own same than ' +
    'too very can will just do does did doing have has had having would should could may might must shall ' +
    "im i'm it's don't can't won't isn't aren't wasn't didn't doesn't haven't hasn't about into over after " +
    'again out up down off once also still get got really now today one'
  ).split(' '),
);

/** A crude plural fold so that "refunds" meets "refund"; enough for matching keywords and examples. */
function fold(word: string): string {
  return word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word;
}

function termsOf(tokens: Token[]): string[] {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'word' || t.kind === 'number') out.push(fold(t.norm));
    else if (t.kind === 'hashtag') out.push(fold(t.norm));
  }
  return out;
}

function contentWords(tokens: Token[]): Set<string> {
  const set = new Set<string>();
  for (const t of tokens) {
    if ((t.kind === 'word' || t.kind === 'hashtag') && t.norm.length > 1 && !STOPWORDS.has(t.norm)) {
      set.add(fold(t.norm));
    }
  }
  return set;
}

type Keyword = { topic: number; source: string; words: string[]; prefix: boolean };
type Example = { topic: number; text: string; size: number };

/** Compiles a workspace's topics once; matching an item then costs one pass over its words. */
export function compileTopics(definitions: TopicDefinition[]): TopicSet {
  const single = new Map<string, Keyword[]>();
  const prefixes: Keyword[] = [];
  const phrases = new Map<string, Keyword[]>();
  for (const [topic, def] of definitions.entries()) {
    for (const source of def.keywords) {
      const trimmed = source.trim();
      if (trimmed === '') continue;
      const prefix = trimmed.endsWith('*');
      const words = termsOf(tokenize(prefix ? trimmed.slice(0, -1) : trimmed));
      const [first] = words;
      if (first === undefined) continue;
      const keyword = { topic, source: trimmed, words, prefix };
      if (prefix && words.length === 1) prefixes.push(keyword);
      else {
        const index = words.length === 1 ? single : phrases;
        index.set(first, [...(index.get(first) ?? []), keyword]);
      }
    }
  }

  const examples: Example[] = [];
  const postings = new Map<string, number[]>();
  for (const [topic, def] of definitions.entries()) {
    for (const text of def.examples) {
      const words = contentWords(tokenize(text));
      if (words.size < MIN_SHARED_WORDS) continue;
      const id = examples.push({ topic, text, size: words.size }) - 1;
      for (const w of words) postings.set(w, [...(postings.get(w) ?? []), id]);
    }
  }

  return {
    size: definitions.length,
    match(tokens) {
      if (definitions.length === 0) return [];
      const found = new Map<number, TopicMatch>();
      const hit = (topic: number, score: number, reason: string) => {
        const def = definitions[topic] as TopicDefinition;
        const seen = found.get(topic);
        if (!seen) found.set(topic, { id: def.id, name: def.name, score, reasons: [reason] });
        else {
          seen.score = Math.max(seen.score, score);
          if (seen.reasons.length < 3 && !seen.reasons.includes(reason)) seen.reasons.push(reason);
        }
      };

      const terms = termsOf(tokens);
      for (let i = 0; i < terms.length; i++) {
        const term = terms[i] as string;
        for (const k of single.get(term) ?? []) hit(k.topic, 1, `keyword "${k.source}"`);
        for (const k of phrases.get(term) ?? []) {
          let j = 1;
          while (j < k.words.length && terms[i + j] === k.words[j]) j++;
          const lastOk =
            j === k.words.length ||
            (k.prefix && j === k.words.length - 1 && (terms[i + j] ?? '').startsWith(k.words[j] as string));
          if (lastOk) hit(k.topic, 1, `keyword "${k.source}"`);
        }
        for (const k of prefixes) {
          if (term.startsWith(k.words[0] as string)) hit(k.topic, 1, `keyword "${k.source}"`);
        }
      }

      if (examples.length > 0) {
        const words = contentWords(tokens);
        const shared = new Map<number, number>();
        for (const w of words)
          for (const id of postings.get(w) ?? []) shared.set(id, (shared.get(id) ?? 0) + 1);
        for (const [id, common] of shared) {
          if (common < MIN_SHARED_WORDS) continue;
          const example = examples[id] as Example;
          const similarity = common / Math.sqrt(example.size * words.size);
          if (similarity >= EXAMPLE_SIMILARITY_THRESHOLD) {
            const quoted = example.text.length > 60 ? `${example.text.slice(0, 57)}…` : example.text;
            hit(example.topic, Math.round(similarity * 100) / 100, `like example "${quoted}"`);
          }
        }
      }
      return [...found.values()].sort((a, b) => b.score - a.score);
    },
  };
}
