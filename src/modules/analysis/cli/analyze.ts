import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { type CommandSpec, parseFlags } from '../../../cli/args.ts';
import { AppError } from '../../../errors.ts';
import { parseClassifierModel } from '../classifier.ts';
import type { CliCommand } from '../commands.ts';
import { analyzeText, noWorkspaceAnalyzers, type WorkspaceAnalyzers } from '../service.ts';
import type { Analysis } from '../types.ts';

const spec: CommandSpec<z.ZodType> = {
  usage:
    'rapport analyze "<text>" [--language xx] [--followers N] [--prior-contacts N] [--classifier model.json] [--json]',
  description: [
    'Prints everything the analysis says about one text, with its reasons: language, sentiment,',
    'intents, urgency and, with --classifier, the answer of a custom classifier trained with',
    '`rapport classifier train`. Needs no database.',
  ].join('\n'),
  options: {
    help: { type: 'boolean', short: 'h' },
    language: { type: 'string' },
    followers: { type: 'string' },
    'prior-contacts': { type: 'string' },
    classifier: { type: 'string' },
    json: { type: 'boolean' },
  },
  schema: z.object({
    help: z.boolean().optional(),
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'an ISO 639-1 code such as en')
      .optional(),
    followers: z.coerce.number().int().min(0).optional(),
    'prior-contacts': z.coerce.number().int().min(0).default(0),
    classifier: z.string().min(1).optional(),
    json: z.boolean().default(false),
  }),
};

type Flags = {
  language?: string;
  followers?: number;
  'prior-contacts': number;
  classifier?: string;
  json: boolean;
};

const pct = (x: number) => `${Math.round(x * 100)}%`;
const why = (reasons: string[]) => (reasons.length > 0 ? `  (${reasons.join('; ')})` : '');

/** The analysis as a person reads it: one line per finding, with its reasons. */
export function formatAnalysis(a: Analysis): string {
  const lines = [
    `language   ${a.language} (${pct(a.languageConfidence)})`,
    `sentiment  ${a.sentiment.label} ${a.sentiment.score >= 0 ? '+' : ''}${a.sentiment.score.toFixed(2)}${why(a.sentiment.reasons)}`,
    ...a.intents.map(
      (i, k) => `${k === 0 ? 'intents' : ''.padEnd(7)}    ${i.label} ${pct(i.score)}${why(i.reasons)}`,
    ),
    ...a.topics.map((t) => `topic      ${t.name} ${pct(t.score)}${why(t.reasons)}`),
    ...a.classifiers.map((c) => `classifier ${c.name}: ${c.label} ${pct(c.score)}`),
    `urgency    ${a.urgency.score}/100${why(a.urgency.reasons)}`,
  ];
  return lines.join('\n');
}

async function run(args: string[]): Promise<number> {
  // The text is every argument that is neither a flag nor a flag's value.
  const words: string[] = [];
  const flagArgs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) words.push(arg);
    else {
      flagArgs.push(arg);
      const name = arg.replace(/^--?/, '');
      if (!arg.includes('=') && spec.options[name]?.type === 'string' && i + 1 < args.length) {
        flagArgs.push(args[++i] as string);
      }
    }
  }
  const text = words.join(' ').trim();
  const flags = parseFlags(spec, flagArgs) as Flags;
  if (!text) throw new AppError('validation_failed', 'Give the text to analyse, in quotes.');
  let analyzers: WorkspaceAnalyzers = noWorkspaceAnalyzers;
  if (flags.classifier) {
    if (!existsSync(flags.classifier))
      throw new AppError('validation_failed', `No such file: ${flags.classifier}`);
    let model: ReturnType<typeof parseClassifierModel>;
    try {
      model = parseClassifierModel(JSON.parse(readFileSync(flags.classifier, 'utf8')));
    } catch (err) {
      throw new AppError('validation_failed', `--classifier: ${(err as Error).message}`);
    }
    analyzers = { ...noWorkspaceAnalyzers, classifiers: [{ id: 'cli', name: model.name, model }] };
  }
  const analysis = analyzeText(
    {
      text,
      declaredLanguage: flags.language ?? null,
      authorFollowers: flags.followers ?? null,
      priorContacts: flags['prior-contacts'],
    },
    analyzers,
  );
  console.log(flags.json ? JSON.stringify(analysis, null, 2) : formatAnalysis(analysis));
  return 0;
}

export const analyzeCommand: CliCommand = { spec, run };
