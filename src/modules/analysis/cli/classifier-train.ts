import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { type CommandSpec, parseFlags } from '../../../cli/args.ts';
import { AppError } from '../../../errors.ts';
import { type LabelledExample, trainClassifier } from '../classifier.ts';
import type { CliCommand } from '../commands.ts';

const spec: CommandSpec<z.ZodType> = {
  usage: 'rapport classifier train --file train.jsonl --out model.json [--name N] [--seed S]',
  description: [
    'Trains a custom classifier from a JSON Lines file, one {"text","label"} a line. Lines labelled',
    '"oos" or "none" are out-of-scope examples: texts that belong to no label, so the model learns to',
    'answer "none" for them. Malformed lines are reported with their line number and skipped. Prints',
    'the label counts and figures measured on held-out examples, then writes the model (JSON).',
  ].join('\n'),
  options: {
    help: { type: 'boolean', short: 'h' },
    file: { type: 'string' },
    out: { type: 'string' },
    name: { type: 'string' },
    seed: { type: 'string' },
  },
  schema: z.object({
    help: z.boolean().optional(),
    file: z.string({ error: 'give the labelled training file' }).min(1),
    out: z.string({ error: 'give the path to write the model to' }).min(1),
    name: z.string().min(1).optional(),
    seed: z.coerce.number().int().min(0).max(0xffffffff).default(1),
  }),
};

type Flags = { file: string; out: string; name?: string; seed: number };

const lineSchema = z.object({ text: z.string().trim().min(1), label: z.string().trim().min(1) });

export type LabelledFile = { examples: LabelledExample[]; problems: string[] };

/** Reads `{"text","label"}` JSON Lines; malformed lines are listed (with line numbers) and skipped. */
export function readLabelledFile(path: string): LabelledFile {
  if (!existsSync(path)) throw new AppError('validation_failed', `No such file: ${path}`);
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const examples: LabelledExample[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problems.push(`line ${i + 1}: not valid JSON, skipped`);
      continue;
    }
    const parsed = lineSchema.safeParse(value);
    if (!parsed.success) {
      const what = parsed.error.issues.map((issue) => issue.path.join('.') || 'line').join(', ');
      problems.push(
        `line ${i + 1}: expected {"text","label"} with non-empty strings (bad: ${what}), skipped`,
      );
      continue;
    }
    examples.push({ text: parsed.data.text, label: parsed.data.label });
  }
  return { examples, problems };
}

/** Prints at most `limit` problems so a broken file does not flood the terminal. */
export function reportProblems(problems: string[], limit = 20): void {
  for (const p of problems.slice(0, limit)) console.error(p);
  if (problems.length > limit) console.error(`… and ${problems.length - limit} more malformed lines`);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

async function run(args: string[]): Promise<number> {
  const flags = parseFlags(spec, args) as Flags;
  const { examples, problems } = readLabelledFile(flags.file);
  reportProblems(problems);
  if (examples.length === 0)
    throw new AppError('validation_failed', `No valid {"text","label"} lines in ${flags.file}`);
  console.log(
    `Read ${examples.length} examples from ${flags.file}${problems.length ? ` (${problems.length} skipped)` : ''}`,
  );
  const started = Date.now();
  const model = trainClassifier(examples, {
    ...(flags.name ? { name: flags.name } : {}),
    seed: flags.seed,
    onProgress: (p) => {
      // One line per stage, not per epoch, except the last epoch of each fit.
      if (p.message.startsWith('epoch ') && !/epoch (\d+)\/\1$/.test(p.message)) return;
      const secs = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
      console.log(`[${secs}s] ${p.stage}: ${p.message}`);
    },
  });
  const seconds = (Date.now() - started) / 1000;
  const counts = Object.entries(model.training.labelCounts).sort(
    (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
  );
  console.log(
    `\nLabels (${model.labels.length}${model.classes.length > model.labels.length ? ' + out of scope' : ''}):`,
  );
  // Several labels a line, so 150 labels fit on a screen.
  const cells = counts.map(([label, count]) => `${label === 'none' ? 'none (oos)' : label} ${count}`);
  const width = Math.min(48, Math.max(...cells.map((c) => c.length)) + 3);
  const perLine = Math.max(1, Math.floor(100 / width));
  for (let i = 0; i < cells.length; i += perLine) {
    console.log(
      `  ${cells
        .slice(i, i + perLine)
        .map((c) => c.padEnd(width))
        .join('')
        .trimEnd()}`,
    );
  }
  const h = model.calibration.heldOut;
  const how =
    h.method === 'holdout' ? `${h.n} held-out examples` : `${h.folds}-fold cross-validation, ${h.n} examples`;
  console.log(`\nHeld-out figures (${how}, after the threshold):`);
  console.log(`  accuracy           ${pct(h.accuracy)}`);
  console.log(`  macro-F1           ${pct(h.macroF1)}`);
  console.log(`  in-scope accuracy  ${pct(h.inScopeAccuracy)}`);
  if (h.oosRecall !== null) console.log(`  oos recall         ${pct(h.oosRecall)} (of ${h.oosN})`);
  console.log(`  threshold          ${model.calibration.threshold.toFixed(3)}`);
  const json = `${JSON.stringify(model)}\n`;
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, json);
  console.log(
    `\nWrote ${flags.out} (${(json.length / 1024).toFixed(0)} KiB) in ${seconds.toFixed(1)}s of training.`,
  );
  return 0;
}

export const classifierTrainCommand: CliCommand = { spec, run };
