// `npm run train [-- name…]`: retrains the shipped analysis models by running every
// scripts/train-<name>.ts in turn (or the named ones). Each script reads ../shared/datasets and
// skips with a message when it is absent, leaving the shipped model as it is.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const here = import.meta.dirname;
const all = readdirSync(here)
  .filter((f) => /^train-[a-z0-9-]+\.ts$/.test(f))
  .map((f) => f.slice('train-'.length, -'.ts'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown model(s): ${unknown.join(', ')}. Known: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== training ${name} ===`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `train-${name}.ts`)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) {
    failed++;
    console.error(`train-${name}: FAILED (exit ${run.status})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
