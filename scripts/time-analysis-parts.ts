// Times language detection, intent detection and urgency per text (one core, tokens precomputed)
// on the posts of src/modules/analysis/language-corpus.ts: `npx tsx scripts/time-analysis-parts.ts`.
import { detectIntents } from '../src/modules/analysis/intent.ts';
import { detectLanguage } from '../src/modules/analysis/language.ts';
import { languageCorpus, languageHoldout } from '../src/modules/analysis/language-corpus.ts';
import { tokenize } from '../src/modules/analysis/tokenize.ts';
import type { SentimentResult } from '../src/modules/analysis/types.ts';
import { scoreUrgency } from '../src/modules/analysis/urgency.ts';

const posts = [...languageCorpus, ...languageHoldout].map((s) => ({
  text: s.text,
  tokens: tokenize(s.text),
}));
const sentiment: SentimentResult = { label: 'negative', score: -0.5, reasons: [] };
const languages = posts.map((p) => detectLanguage(p.text, p.tokens, null).code);
const intents = posts.map((p, i) => detectIntents(p.tokens, p.text, languages[i] ?? 'und'));

function time(name: string, fn: (i: number) => unknown): Record<string, number> {
  for (let r = 0; r < 5; r++) for (let i = 0; i < posts.length; i++) fn(i);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) < 4e8) {
      for (let i = 0; i < posts.length; i++) fn(i);
      n += posts.length;
    }
    runs.push(Number(process.hrtime.bigint() - t0) / 1e3 / n);
  }
  runs.sort((a, b) => a - b);
  const us = runs[2] as number; // median of five
  return {
    [`${name}_us_per_text`]: Math.round(us * 100) / 100,
    [`${name}_texts_per_sec`]: Math.round(1e6 / us),
  };
}

const metrics = {
  ...time('tokenize', (i) => tokenize(posts[i]?.text ?? '')),
  ...time('language', (i) => detectLanguage(posts[i]?.text ?? '', posts[i]?.tokens ?? [], null)),
  ...time('intent', (i) =>
    detectIntents(posts[i]?.tokens ?? [], posts[i]?.text ?? '', languages[i] ?? 'und'),
  ),
  ...time('urgency', (i) =>
    scoreUrgency({
      intents: intents[i] ?? [],
      sentiment,
      tokens: posts[i]?.tokens ?? [],
      text: posts[i]?.text ?? '',
      authorFollowers: 12_000,
      priorContacts: 1,
    }),
  ),
};
console.log(JSON.stringify({ n: posts.length, node: process.version, metrics }));
