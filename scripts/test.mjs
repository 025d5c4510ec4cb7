#!/usr/bin/env node
// `npm test`: every suite this machine can run, on SQLite and (with TEST_DATABASE_URL) on
// PostgreSQL, with (TEST_NATS_URL) the JetStream transport's, then the browser test when Chromium
// is installed. It says what it skipped and why,
// ends with one "N passed, N failed, N skipped" line, and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, '.test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const skippedSuites = [];
let failedRuns = 0;

function vitest(label, args, env) {
  console.log(`\n=== ${label} ===`);
  const out = path.join(results, `${label.replace(/\W+/g, '-')}.json`);
  const run = spawnSync(
    'npx',
    ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...args],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } },
  );
  if (existsSync(out)) {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
    for (const file of report.testResults ?? []) {
      for (const test of file.assertionResults ?? []) {
        if (test.status === 'skipped' || test.status === 'pending') {
          skippedSuites.push(`${label}: "${test.title}" (${path.relative(root, file.name)})`);
        }
      }
    }
  }
  if (run.status !== 0) {
    failedRuns++;
    console.log(`${label}: FAILED (exit ${run.status})`);
  }
}

vitest('unit, service and http suites on SQLite', [], { RAPPORT_TEST_ENGINE: 'sqlite' });

if (process.env.TEST_DATABASE_URL) {
  // The CLI suite drives child processes on the embedded database; it ran above.
  vitest('service and http suites on PostgreSQL', ['--exclude', 'src/main.test.ts'], {
    RAPPORT_TEST_ENGINE: 'postgres',
  });
} else {
  skippedSuites.push(
    'PostgreSQL suites: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/postgres)',
  );
}

if (!process.env.TEST_NATS_URL) {
  skippedSuites.push(
    'NATS JetStream transport suites: TEST_NATS_URL is not set (e.g. nats://127.0.0.1:4222, a server started with -js)',
  );
}

const chromium = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p) => p && existsSync(p),
);
if (chromium) {
  console.log('\n=== building the app for the browser test ===');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status === 0) {
    vitest('browser test (Playwright + Chromium)', ['--config', 'e2e/vitest.config.ts'], {
      CHROMIUM_PATH: chromium,
    });
  } else {
    failedRuns++;
    console.log('build: FAILED');
  }
} else {
  skippedSuites.push('browser test: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)');
}

console.log('');
for (const s of skippedSuites) console.log(`SKIPPED ${s}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(failedRuns > 0 || totals.failed > 0 ? 1 : 0);
