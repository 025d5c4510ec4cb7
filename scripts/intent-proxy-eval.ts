// A proxy check of the intent rules on real tweets, since no data is labelled with this taxonomy:
// the airline tweets (../shared/datasets/sentiment/airline-dev.jsonl, evaluation only, never used
// to write or tune the rules) carry a sentiment label and, for negative ones, a complaint reason.
// Reports, per sentiment class, the share of tweets given each intent and the mean urgency (with
// neutral sentiment passed in, so only the intents, words and reach count). `npx tsx scripts/intent-proxy-eval.ts [--file F.jsonl] [--json]`
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { detectIntents } from '../src/modules/analysis/intent.ts';
import { detectLanguage } from '../src/modules/analysis/language.ts';
import { tokenize } from '../src/modules/analysis/tokenize.ts';
import { intentLabels, type SentimentResult } from '../src/modules/analysis/types.ts';
import { scoreUrgency } from '../src/modules/analysis/urgency.ts';

const { values } = parseArgs({
  options: {
    file: { type: 'string', default: '../shared/datasets/sentiment/airline-dev.jsonl' },
    json: { type: 'boolean', default: false },
  },
});
const file = values.file ?? '';
if (!existsSync(file)) {
  console.error(`skipped: ${file} not found (the shared datasets are not on this machine)`);
  process.exit(0);
}
type Row = { text: string; label: string; topic?: string | null };
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Row);

const neutral: SentimentResult = { label: 'neutral', score: 0, reasons: [] };
const share: Record<string, Record<string, number>> = {};
const count: Record<string, number> = {};
const urgencySum: Record<string, number> = {};
const attention = new Set(['complaint', 'support_question', 'churn_risk']);
let negativeNeedingAttention = 0;
for (const r of rows) {
  const tokens = tokenize(r.text);
  const language = detectLanguage(r.text, tokens, null).code;
  const intents = detectIntents(tokens, r.text, language);
  const u = scoreUrgency({ intents, sentiment: neutral, tokens, text: r.text, authorFollowers: null });
  const bucket = share[r.label] ?? {};
  share[r.label] = bucket;
  count[r.label] = (count[r.label] ?? 0) + 1;
  urgencySum[r.label] = (urgencySum[r.label] ?? 0) + u.score;
  for (const i of intents) bucket[i.label] = (bucket[i.label] ?? 0) + 1;
  if (r.label === 'negative' && intents.some((i) => attention.has(i.label))) negativeNeedingAttention++;
}

const result = {
  n: rows.length,
  byLabel: Object.fromEntries(
    Object.entries(share).map(([label, b]) => [
      label,
      {
        n: count[label],
        meanUrgency: Math.round(((urgencySum[label] ?? 0) / (count[label] ?? 1)) * 10) / 10,
        ...Object.fromEntries(
          intentLabels.map((l) => [l, Math.round(((b[l] ?? 0) / (count[label] ?? 1)) * 1000) / 1000]),
        ),
      },
    ]),
  ),
  negativeWithComplaintSupportOrChurn:
    Math.round((negativeNeedingAttention / (count.negative ?? 1)) * 1000) / 1000,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`n = ${result.n}`);
  console.log(`| gold sentiment | n | mean urgency | ${intentLabels.join(' | ')} |`);
  console.log(`|---|---|---|${intentLabels.map(() => '---').join('|')}|`);
  for (const [label, b] of Object.entries(result.byLabel)) {
    const row = b as Record<string, number>;
    console.log(
      `| ${label} | ${row.n} | ${row.meanUrgency} | ${intentLabels.map((l) => `${((row[l] ?? 0) * 100).toFixed(1)}%`).join(' | ')} |`,
    );
  }
  console.log(
    `negative tweets given complaint, support_question or churn_risk: ${(result.negativeWithComplaintSupportOrChurn * 100).toFixed(1)}%`,
  );
}
