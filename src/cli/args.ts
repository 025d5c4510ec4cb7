import { type ParseArgsConfig, parseArgs } from 'node:util';
import { z } from 'zod';
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

/** A `--since`/`--until` flag: a day (`2026-12-01`, midnight UTC) or a moment with its offset. */
export const momentFlag = z
  .string()
  .transform((v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v))
  .pipe(z.iso.datetime({ offset: true, error: 'give a day (2026-12-01) or a moment (2026-12-01T09:00:00Z)' }))
  .optional();
