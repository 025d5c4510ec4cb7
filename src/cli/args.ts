import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { z } from 'zod';
import { AppError } from '../errors.ts';

export type CommandSpec<S extends z.ZodType> = {
  usage: string;
  description: string;
  options: NonNullable<ParseArgsConfig['options']>;
  schema: S;
};

/** Parses flags strictly (unknown flags fail) and validates them with zod; errors name the flag. */
export function parseFlags<S extends z.ZodType>(spec: CommandSpec<S>, argv: string[]): z.infer<S> {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: argv, options: spec.options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new AppError('validation_failed', `${(err as Error).message}\n\n${helpText(spec)}`);
  }
  const parsed = spec.schema.safeParse(values);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n  ');
    throw new AppError('validation_failed', `Invalid flags:\n  ${problems}\n\n${helpText(spec)}`);
  }
  return parsed.data;
}

export function helpText(spec: CommandSpec<z.ZodType>): string {
  const flags = Object.entries(spec.options)
    .filter(([name]) => name !== 'help')
    .map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}`);
  return [
    `Usage: ${spec.usage}`,
    '',
    spec.description,
    ...(flags.length ? ['', 'Options:', ...flags] : []),
  ].join('\n');
}
