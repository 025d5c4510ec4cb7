// `npm run bench -- <name> [--engine sqlite|postgres] [--size N] [--runs N] [--queries N]`: runs one benchmark
// and prints its result as one JSON object on the last line (format: ../shared/GUIDE.md §5).
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { BenchArgs, BenchResult } from './lib.ts';

const benches: Record<string, () => Promise<{ run(args: BenchArgs): Promise<BenchResult> }>> = {
  startup: () => import('./startup.ts'),
  'heavy-read': () => import('./heavy-read.ts'),
  filter: () => import('./filter.ts'),
  ingest: () => import('./ingest.ts'),
  analysis: () => import('./analysis.ts'),
  customers: () => import('./customers.ts'),
  inbox: () => import('./inbox.ts'),
  routing: () => import('./routing.ts'),
  communities: () => import('./communities.ts'),
  transport: () => import('./transport.ts'),
};

const { positionals, values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  strict: true,
  options: {
    engine: { type: 'string' },
    size: { type: 'string' },
    runs: { type: 'string' },
    queries: { type: 'string' },
  },
});
const name = positionals[0];
const load = name ? benches[name] : undefined;
if (!load) {
  console.error(
    `Usage: npm run bench -- <${Object.keys(benches).join('|')}> [--engine sqlite|postgres] [--size N] [--runs N] [--queries N]`,
  );
  process.exit(2);
}
const args = z
  .object({
    engine: z.enum(['sqlite', 'postgres']).default('sqlite'),
    size: z.coerce.number().int().positive().optional(),
    runs: z.coerce.number().int().min(1).max(100).default(5),
    queries: z.coerce.number().int().min(0).max(10_000).optional(),
  })
  .parse(values);
const result = await (await load()).run(args);
console.log(JSON.stringify(result));
