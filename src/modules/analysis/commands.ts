import type { z } from 'zod';
import type { CommandSpec } from '../../cli/args.ts';
import { analyzeCommand } from './cli/analyze.ts';
import { classifierTrainCommand } from './cli/classifier-train.ts';
import { evalClassifierCommand } from './cli/eval-classifier.ts';
import { evalSentimentCommand } from './cli/eval-sentiment.ts';

/**
 * A CLI command that needs no database (evaluation, training, one-off analysis). Each lives in
 * its own file under `cli/` and is registered here; `src/main.ts` dispatches to it.
 */
export type CliCommand = {
  spec: CommandSpec<z.ZodType>;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
};

export const analysisCommands: Record<string, CliCommand> = {
  analyze: analyzeCommand,
  'eval sentiment': evalSentimentCommand,
  'classifier train': classifierTrainCommand,
  'eval classifier': evalClassifierCommand,
};
