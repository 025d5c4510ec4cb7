// Compares language detectors on the hand-written social posts of src/modules/analysis/language-corpus.ts:
// accuracy (overall, per language, `und`; and on a held-out set written after the rules were settled) and speed (texts/s on one core, tokens precomputed since the
// tokenizer is shared by every analyser). Candidates that are not installed are skipped, so the
// libraries we did not choose can be measured from a scratch folder:
//   mkdir /tmp/langbench && cd /tmp/langbench && npm init -y && npm install eld@2.1.0 tinyld@1.3.4 franc-min@6.2.0
//   npx tsx scripts/compare-language-detectors.ts --modules /tmp/langbench/node_modules [--json]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createLanguageDetector, type LanguageFallback } from '../src/modules/analysis/language.ts';
import { languageCorpus, languageHoldout } from '../src/modules/analysis/language-corpus.ts';
import { type Token, tokenize } from '../src/modules/analysis/tokenize.ts';

const { values } = parseArgs({
  options: {
    modules: { type: 'string', default: 'node_modules' },
    json: { type: 'boolean', default: false },
  },
});
const modules = resolve(values.modules ?? 'node_modules');

type Detect = (text: string, tokens: Token[]) => string;
type Candidate = { name: string; entry: string | null; make: (mod: Record<string, unknown>) => Detect };

const ISO3: Record<string, string> = {
  eng: 'en',
  spa: 'es',
  fra: 'fr',
  deu: 'de',
  por: 'pt',
  ita: 'it',
  nld: 'nl',
  jpn: 'ja',
  cat: 'ca',
  swe: 'sv',
  rus: 'ru',
};

// Every library gets the same preparation as ours: words only (no URLs, handles, hashtags, emoji)
// and `und` below four letters, so the comparison is of the models, not of the cleaning.
function wordsOnly(tokens: Token[]): string {
  return tokens
    .filter((t) => t.kind === 'word')
    .map((t) => t.raw)
    .join(' ');
}
function tooShort(s: string): boolean {
  return (s.match(/\p{L}/gu) ?? []).length < 4;
}
type EldLike = { detect(text: string): { language: string } };
type TinyLike = {
  detect(text: string): string;
  detectAll(text: string): { lang: string; accuracy: number }[];
};
type FrancLike = { franc(text: string, options: { minLength: number }): string };

const eldDetect = (mod: Record<string, unknown>): Detect => {
  const eld = mod.eld as EldLike;
  return (_text, tokens) => {
    const s = wordsOnly(tokens);
    return tooShort(s) ? 'und' : eld.detect(s).language || 'und';
  };
};

const candidates: Candidate[] = [
  { name: 'eld 2.1.0 (large)', entry: 'eld/src/entries/static.large.js', make: eldDetect },
  { name: 'eld 2.1.0 (extrasmall)', entry: 'eld/src/entries/static.extrasmall.js', make: eldDetect },
  {
    name: 'tinyld 1.3.4 (light)',
    entry: 'tinyld/dist/tinyld.light.node.mjs',
    make: (mod) => {
      const t = mod as unknown as TinyLike;
      return (_text, tokens) => {
        const s = wordsOnly(tokens);
        return tooShort(s) ? 'und' : t.detect(s) || 'und';
      };
    },
  },
  {
    name: 'franc-min 6.2.0',
    entry: 'franc-min/index.js',
    make: (mod) => {
      const f = mod as unknown as FrancLike;
      return (_text, tokens) => {
        const s = wordsOnly(tokens);
        if (tooShort(s)) return 'und';
        const c = f.franc(s, { minLength: 3 });
        return ISO3[c] ?? c;
      };
    },
  },
  {
    name: 'rapport: local rules only',
    entry: null,
    make: () => {
      const d = createLanguageDetector({ fallback: null });
      return (text, tokens) => d(text, tokens, null).code;
    },
  },
  {
    name: 'rapport: local rules + tinyld light fallback (shipped)',
    entry: 'tinyld/dist/tinyld.light.node.mjs',
    make: (mod) => {
      const t = mod as unknown as TinyLike;
      const fallback: LanguageFallback = (s) => {
        const top = t.detectAll(s)[0];
        return top ? { code: top.lang, confidence: top.accuracy } : null;
      };
      const d = createLanguageDetector({ fallback });
      return (text, tokens) => d(text, tokens, null).code;
    },
  },
  {
    name: 'rapport: local rules + eld extrasmall fallback',
    entry: 'eld/src/entries/static.extrasmall.js',
    make: (mod) => {
      const eld = mod.eld as EldLike;
      const d = createLanguageDetector({
        fallback: (s) => {
          const code = eld.detect(s).language;
          return code ? { code, confidence: 0.5 } : null;
        },
      });
      return (text, tokens) => d(text, tokens, null).code;
    },
  },
];

/** Load time and resident memory of one entry, measured in a fresh process. */
function loadCost(entryPath: string): { loadMs: number; rssMb: number } {
  const code = `const r0 = process.memoryUsage().rss; const t0 = performance.now();
    await import(${JSON.stringify(pathToFileURL(entryPath).href)});
    const ms = performance.now() - t0; globalThis.gc?.();
    console.log(JSON.stringify({ loadMs: ms, rssMb: (process.memoryUsage().rss - r0) / 1e6 }));`;
  const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', code], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as { loadMs: number; rssMb: number };
}

const samples = languageCorpus.map((s) => ({ ...s, tokens: tokenize(s.text) }));
const heldOut = languageHoldout.map((s) => ({ ...s, tokens: tokenize(s.text) }));
const langs = [...new Set(samples.map((s) => s.lang))];
const rows: Record<string, unknown>[] = [];

for (const c of candidates) {
  const entryPath = c.entry ? join(modules, c.entry) : null;
  if (entryPath && !existsSync(entryPath)) {
    console.error(`skip ${c.name}: ${entryPath} not installed`);
    continue;
  }
  const mod = entryPath ? ((await import(pathToFileURL(entryPath).href)) as Record<string, unknown>) : {};
  const detect = c.make(mod);
  let correct = 0;
  const perLang: Record<string, { n: number; correct: number }> = {};
  const errors: string[] = [];
  for (const s of samples) {
    const got = detect(s.text, s.tokens);
    const row = perLang[s.lang] ?? { n: 0, correct: 0 };
    perLang[s.lang] = row;
    row.n++;
    if (got === s.lang) {
      correct++;
      row.correct++;
    } else errors.push(`${s.lang} → ${got}: ${s.text}`);
  }
  let heldOutCorrect = 0;
  for (const s of heldOut) {
    const got = detect(s.text, s.tokens);
    if (got === s.lang) heldOutCorrect++;
    else errors.push(`held-out ${s.lang} → ${got}: ${s.text}`);
  }
  // Speed: warm up, then time full passes over the corpus (typical tweets, a fifth of them trivial).
  for (let i = 0; i < 3; i++) for (const s of samples) detect(s.text, s.tokens);
  let n = 0;
  const t0 = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - t0) < 1.5e9) {
    for (const s of samples) detect(s.text, s.tokens);
    n += samples.length;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cost = entryPath ? loadCost(entryPath) : { loadMs: 0, rssMb: 0 };
  rows.push({
    candidate: c.name,
    accuracy: correct / samples.length,
    heldOutAccuracy: heldOutCorrect / heldOut.length,
    perLanguage: Object.fromEntries(langs.map((l) => [l, (perLang[l]?.correct ?? 0) / (perLang[l]?.n ?? 1)])),
    textsPerSec: Math.round(n / seconds),
    usPerText: (seconds / n) * 1e6,
    loadMs: Math.round(cost.loadMs),
    rssMb: Math.round(cost.rssMb),
    errors,
  });
}

if (values.json) {
  console.log(JSON.stringify({ n: samples.length, heldOutN: heldOut.length, rows }));
} else {
  const pct = (x: unknown) => `${((x as number) * 100).toFixed(1)}%`;
  console.log(
    `dev set: ${samples.length} posts (${langs.join(', ')}); held-out: ${heldOut.length} posts; node ${process.version}`,
  );
  console.log(
    `| candidate | dev accuracy | held-out accuracy | ${langs.join(' | ')} | texts/s | µs/text | load ms | RSS MB |`,
  );
  console.log(`|---|---|---|${langs.map(() => '---').join('|')}|---|---|---|---|`);
  for (const r of rows) {
    const per = r.perLanguage as Record<string, number>;
    console.log(
      `| ${r.candidate} | ${pct(r.accuracy)} | ${pct(r.heldOutAccuracy)} | ${langs.map((l) => pct(per[l])).join(' | ')} | ${r.textsPerSec} | ${(r.usPerText as number).toFixed(1)} | ${r.loadMs} | ${r.rssMb} |`,
    );
  }
  for (const r of rows) {
    console.log(`\n${r.candidate}: ${(r.errors as string[]).length} errors`);
    for (const e of r.errors as string[]) console.log(`  ${e}`);
  }
}
