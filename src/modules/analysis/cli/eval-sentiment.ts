import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CommandSpec, parseFlags } from '../../../cli/args.ts';
import { AppError } from '../../../errors.ts';
import type { CliCommand } from '../commands.ts';
import { evaluate, formatEvaluation } from '../metrics.ts';
import { analyzeSentiment, sentimentClasses, sentimentModel } from '../sentiment.ts';
import { tokenize } from '../tokenize.ts';

/** Default band around 0 (on VADER's -4..+4 rating scale) inside which a numeric score counts as neutral. */
export const defaultNeutralBand = 0.5;

const spec: CommandSpec<z.ZodType> = {
  usage: 'rapport eval sentiment --file F.jsonl [--json] [--neutral-band X]',
  description: [
    'Scores the sentiment model on a labelled JSON Lines file. Each line is {"text","label"} with',
    'label negative, neutral or positive, or {"text","score"} with a numeric rating: a score within',
    `±band of 0 is neutral (default band ${defaultNeutralBand}, meant for -4..+4 ratings such as VADER's).`,
    'Malformed lines are reported with their line number and skipped. Texts are scored as English.',
  ].join('\n'),
  options: {
    help: { type: 'boolean', short: 'h' },
    file: { type: 'string' },
    json: { type: 'boolean' },
    'neutral-band': { type: 'string' },
  },
  schema: z.object({
    help: z.boolean().optional(),
    file: z.string({ error: 'give the labelled file' }).min(1),
    json: z.boolean().default(false),
    'neutral-band': z.coerce.number().finite().min(0).default(defaultNeutralBand),
  }),
};

const lineSchema = z.union([
  z.object({ text: z.string(), label: z.enum(sentimentClasses) }),
  z.object({ text: z.string(), score: z.number().finite() }),
]);

type Flags = { file: string; json: boolean; 'neutral-band': number };

/** The gold class of a line: its label, or its score mapped through the neutral band. */
export function goldLabel(line: z.infer<typeof lineSchema>, band: number): string {
  if ('label' in line) return line.label;
  return line.score > band ? 'positive' : line.score < -band ? 'negative' : 'neutral';
}

async function run(args: string[]): Promise<number> {
  const flags = parseFlags(spec, args) as Flags;
  if (!existsSync(flags.file)) throw new AppError('validation_failed', `No such file: ${flags.file}`);
  const lines = readFileSync(flags.file, 'utf8').split(/\r?\n/);
  const texts: string[] = [];
  const gold: string[] = [];
  let skipped = 0;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      console.error(`line ${i + 1}: not valid JSON, skipped`);
      skipped++;
      continue;
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      console.error(
        `line ${i + 1}: expected {"text","label"} (negative|neutral|positive) or {"text","score"} (a number), skipped`,
      );
      skipped++;
      continue;
    }
    texts.push(parsed.data.text);
    gold.push(goldLabel(parsed.data, flags['neutral-band']));
  }
  sentimentModel(); // load outside the timed loop
  const predicted: string[] = new Array(texts.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < texts.length; i++) {
    // The file is taken as English, as the targets are; `und` would only appear for other languages.
    predicted[i] = analyzeSentiment(tokenize(texts[i] as string), 'en').label;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const textsPerSec = seconds > 0 ? Math.round(texts.length / seconds) : 0;
  const e = evaluate(gold, predicted, [...sentimentClasses]);
  if (flags.json) {
    console.log(
      JSON.stringify({
        accuracy: e.accuracy,
        macroF1: e.macroF1,
        perClass: e.perClass,
        confusion: e.confusion,
        n: e.n,
        textsPerSec,
      }),
    );
  } else {
    console.log(formatEvaluation(e, { 'texts/s': textsPerSec, ...(skipped > 0 ? { skipped } : {}) }));
  }
  return 0;
}

export const evalSentimentCommand: CliCommand = { spec, run };
