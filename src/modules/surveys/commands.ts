import { z } from 'zod';
import { helpText, parseFlags } from '../../cli/args.ts';
import { operatorOf, withContext } from '../../cli/operator.ts';
import { AppError } from '../../errors.ts';
import type { CliCommand } from '../analysis/commands.ts';
import { listSurveys, surveyResults } from './service.ts';

const help = { help: { type: 'boolean', short: 'h' } } as const;

const listSpec = {
  usage: 'rapport surveys list [--workspace slug] [--json]',
  description:
    'Lists the satisfaction surveys: id, name, kind, trigger, delivery, enabled. See docs/surveys.md.',
  options: { ...help, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({ workspace: z.string().min(1).optional(), json: z.boolean().default(false) }),
} as const;

const resultsSpec = {
  usage: 'rapport surveys results <survey-id> [--days N] [--workspace slug] [--json]',
  description:
    'Prints a survey’s results over the last N days (default 30): sent, answered, response rate, average, CSAT or NPS, and the distribution of scores.',
  options: { ...help, days: { type: 'string' }, workspace: { type: 'string' }, json: { type: 'boolean' } },
  schema: z.object({
    days: z.coerce.number().int().min(1).max(365).default(30),
    workspace: z.string().min(1).optional(),
    json: z.boolean().default(false),
  }),
} as const;

const percent = (x: number | null) => (x === null ? '-' : `${Math.round(x * 100)} %`);

/** Database-backed commands of the surveys module; `src/main.ts` dispatches to them. */
export const surveysCommands: Record<string, CliCommand> = {
  'surveys list': {
    spec: listSpec,
    async run(args) {
      const flags = parseFlags(listSpec, args);
      const surveys = await withContext(async (ctx) =>
        listSurveys(ctx, await operatorOf(ctx, flags.workspace)),
      );
      if (flags.json) {
        console.log(JSON.stringify(surveys, null, 2));
        return 0;
      }
      if (surveys.length === 0) console.log('No surveys.');
      for (const s of surveys)
        console.log(
          [s.id, s.name, s.kind, s.trigger, s.delivery, s.enabled ? 'enabled' : 'disabled'].join('\t'),
        );
      return 0;
    },
  },
  'surveys results': {
    spec: resultsSpec,
    async run(args) {
      const raw = args[0] && !args[0].startsWith('-') ? args[0] : undefined;
      const flags = parseFlags(resultsSpec, raw ? args.slice(1) : args);
      if (!raw) throw new AppError('validation_failed', `Give the survey id.\n\n${helpText(resultsSpec)}`);
      const r = await withContext(async (ctx) =>
        surveyResults(ctx, await operatorOf(ctx, flags.workspace), raw, flags.days),
      );
      if (flags.json) {
        console.log(JSON.stringify(r, null, 2));
        return 0;
      }
      const widest = Math.max(1, ...r.distribution.map((d) => d.count));
      console.log(
        [
          `Last ${r.days} days: ${r.sent} sent, ${r.answered} answered (response rate ${percent(r.responseRate)})`,
          `Average ${r.average === null ? '-' : r.average.toFixed(2)}; ${
            r.kind === 'csat' ? `CSAT ${percent(r.csat)}` : `NPS ${r.nps ?? '-'}`
          }`,
          ...r.distribution.map(
            (d) =>
              `${String(d.score).padStart(3)} ${'#'.repeat(Math.round((20 * d.count) / widest))} ${d.count}`,
          ),
        ].join('\n'),
      );
      return 0;
    },
  },
};
