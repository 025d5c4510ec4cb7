import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CommandSpec, parseFlags } from '../../../cli/args.ts';
import { AppError } from '../../../errors.ts';
import {
  type ClassifierModel,
  classify,
  NONE_LABEL,
  OUT_OF_SCOPE_LABELS,
  parseClassifierModel,
} from '../classifier.ts';
import type { CliCommand } from '../commands.ts';
import { evaluate, formatEvaluation } from '../metrics.ts';
import { tokenize } from '../tokenize.ts';
import { readLabelledFile, reportProblems } from './classifier-train.ts';

const spec: CommandSpec<z.ZodType> = {
  usage: 'rapport eval classifier --model M --file F.jsonl [--json]',
  description: [
    'Scores a custom classifier (from `rapport classifier train`) on a labelled JSON Lines file, one',
    '{"text","label"} a line. Lines labelled "oos" or "none" are out of scope: predicting "none" is',
    'right for them, and the report adds in-scope accuracy and out-of-scope recall.',
    'Malformed lines are reported with their line number and skipped.',
  ].join('\n'),
  options: {
    help: { type: 'boolean', short: 'h' },
    model: { type: 'string' },
    file: { type: 'string' },
    json: { type: 'boolean' },
  },
  schema: z.object({
    help: z.boolean().optional(),
    model: z.string({ error: 'give the model file' }).min(1),
    file: z.string({ error: 'give the labelled file' }).min(1),
    json: z.boolean().default(false),
  }),
};

type Flags = { model: string; file: string; json: boolean };

/** Reads and validates a model file written by `rapport classifier train`. */
export function loadClassifierModel(path: string): ClassifierModel {
  if (!existsSync(path)) throw new AppError('validation_failed', `No such model file: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new AppError('validation_failed', `Not a Rapport classifier model: ${path} is not JSON`);
  }
  return parseClassifierModel(json);
}

async function run(args: string[]): Promise<number> {
  const flags = parseFlags(spec, args) as Flags;
  const model = loadClassifierModel(flags.model);
  const { examples, problems } = readLabelledFile(flags.file);
  reportProblems(problems);
  // Out-of-scope lines keep the file's own name for that class ("oos" in CLINC150).
  const oosName = examples.some((e) => e.label === 'oos') ? 'oos' : NONE_LABEL;
  const hasOos = examples.some((e) => OUT_OF_SCOPE_LABELS.has(e.label));
  const gold = examples.map((e) => (OUT_OF_SCOPE_LABELS.has(e.label) ? oosName : e.label));
  classify(model, 'warm up'); // builds the lookup tables outside the timed loop
  const predicted: string[] = new Array(examples.length);
  const started = process.hrtime.bigint();
  for (let i = 0; i < examples.length; i++) {
    const label = classify(model, tokenize((examples[i] as { text: string }).text)).label;
    predicted[i] = label === NONE_LABEL ? oosName : label;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const textsPerSec = seconds > 0 ? Math.round(examples.length / seconds) : 0;
  const e = evaluate(gold, predicted);
  const extra: Record<string, number> = {};
  if (hasOos) {
    let inScope = 0;
    let inScopeRight = 0;
    let oos = 0;
    let oosRight = 0;
    gold.forEach((g, i) => {
      if (g === oosName) {
        oos++;
        if (predicted[i] === oosName) oosRight++;
      } else {
        inScope++;
        if (predicted[i] === g) inScopeRight++;
      }
    });
    extra.inScopeAccuracy = inScope ? inScopeRight / inScope : 0;
    extra.oosRecall = oos ? oosRight / oos : 0;
  }
  if (flags.json) {
    console.log(
      JSON.stringify({
        accuracy: e.accuracy,
        macroF1: e.macroF1,
        perClass: e.perClass,
        confusion: e.confusion,
        n: e.n,
        textsPerSec,
        ...extra,
      }),
    );
  } else {
    const shown: Record<string, number> = { 'texts/s': textsPerSec };
    if (hasOos) {
      shown['in-scope acc'] = extra.inScopeAccuracy as number;
      shown['oos recall'] = extra.oosRecall as number;
    }
    if (problems.length) shown.skipped = problems.length;
    console.log(formatEvaluation(e, shown));
  }
  return 0;
}

export const evalClassifierCommand: CliCommand = { spec, run };
