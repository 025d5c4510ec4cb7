// Full analysis (language, sentiment, intent, topics, urgency) of a realistic mix of social posts,
// single-threaded, plus what loading the models costs in time and memory. Needs no database; the
// engine argument is only echoed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { demoPost } from '../src/connectors/demo/demo-stream.ts';
import { type BenchArgs, type BenchResult, machine, round } from './lib.ts';

const datasets = path.resolve(import.meta.dirname, '..', '..', 'shared', 'datasets');

/**
 * Real customer-care tweets (the Customer Support on Twitter sample, when ../shared/datasets is
 * present) interleaved with the demo stream's multilingual chatter.
 */
function realisticMix(size: number): { texts: string[]; realShare: number } {
  const real: string[] = [];
  const csv = path.join(datasets, 'conversations', 'twcs-sample.csv');
  if (existsSync(csv)) {
    const rows = parse(readFileSync(csv, 'utf8'), { columns: true, skip_empty_lines: true }) as {
      text: string;
    }[];
    for (const r of rows) if (r.text) real.push(r.text);
  }
  const demo = Array.from(
    { length: 2000 },
    (_, i) => demoPost(11, i, new Date(Date.UTC(2026, 10, 1) + i * 60_000)).text ?? '',
  );
  const texts: string[] = [];
  for (let i = 0; texts.length < size; i++) {
    const fromReal = real.length > 0 && i % 3 !== 2;
    texts.push(fromReal ? (real[i % real.length] as string) : (demo[i % demo.length] as string));
  }
  return { texts, realShare: real.length > 0 ? 2 / 3 : 0 };
}

const benchTopics = [
  ['Baggage', ['baggage', 'luggage', 'bag*', 'suitcase'], ['my suitcase never arrived at the carousel']],
  ['Refunds', ['refund*', 'money back', 'chargeback'], ['still waiting for my money after the cancellation']],
  ['Delays', ['delay*', 'late', 'on hold'], ['the flight was two hours late and nobody told us why']],
  ['Billing', ['bill*', 'charged', 'invoice', 'overcharged'], ['you charged my card twice this month']],
  ['Network', ['signal', 'outage', 'no service', 'coverage'], ['no signal at home since yesterday']],
  ['Delivery', ['delivery', 'parcel', 'package', 'courier'], ['the package says delivered but nothing came']],
  ['App', ['app', 'login', 'password', 'update'], ['the app keeps crashing after the last update']],
  ['Loyalty', ['miles', 'points', 'status', 'lounge'], ['my miles from last trip never showed up']],
  ['Price', ['price*', 'how much', 'cost', 'plan'], ['how much is the family plan per month']],
  ['Staff', ['crew', 'staff', 'agent', 'rude'], ['the agent at the desk was very rude to us']],
] as const;

export async function run(args: BenchArgs): Promise<BenchResult> {
  const size = args.size ?? 50_000;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const loadStart = performance.now();
  const { analyzeText } = await import('../src/modules/analysis/service.ts');
  const { compileTopics } = await import('../src/modules/analysis/topics.ts');
  // The first call reads the model files (loaded lazily).
  analyzeText({ text: 'warming up: where is my bag?', declaredLanguage: null, authorFollowers: null });
  const modelLoadMs = performance.now() - loadStart;
  global.gc?.();
  const modelsRssMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;

  const { texts, realShare } = realisticMix(size);
  const topics = compileTopics(
    benchTopics.map(([name, keywords, examples], i) => ({
      id: `t${i}`,
      name,
      keywords: [...keywords],
      examples: [...examples],
    })),
  );
  const analyzers = { topics, classifiers: [] };
  const rates: number[] = [];
  let checksum = 0;
  for (let r = 0; r < Math.max(3, args.runs); r++) {
    const started = performance.now();
    for (let i = 0; i < texts.length; i++) {
      const a = analyzeText(
        { text: texts[i] as string, declaredLanguage: null, authorFollowers: (i * 37) % 50_000 },
        analyzers,
      );
      checksum += a.urgency.score + a.intents.length + a.topics.length;
    }
    rates.push(texts.length / ((performance.now() - started) / 1000));
  }
  rates.sort((a, b) => a - b);
  return {
    bench: 'analysis',
    engine: args.engine,
    params: {
      texts: texts.length,
      real_text_share: round(realShare, 2),
      topics: benchTopics.length,
      runs: rates.length,
      gc_exposed: typeof global.gc === 'function',
      checksum,
    },
    machine: machine(),
    metrics: {
      texts_per_sec_per_core: Math.round(rates[Math.floor(rates.length / 2)] as number),
      texts_per_sec_per_core_max: Math.round(rates[rates.length - 1] as number),
      model_load_ms: round(modelLoadMs),
      models_rss_mb: round(modelsRssMb),
    },
  };
}
