import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { projectRoot } from '../src/project.ts';
import { type BenchArgs, type BenchResult, machine, percentile, round } from './lib.ts';

const entry = path.join(projectRoot, 'dist', 'src', 'main.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Launches the built server and returns the ms from spawn to the first 200 from /readyz. */
async function startToReady(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [entry, 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      if (performance.now() - started > 60_000) throw new Error('server not ready after 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

export async function run(args: BenchArgs): Promise<BenchResult> {
  if (!existsSync(entry))
    throw new Error('Build first: npm run build (the benchmark starts dist/src/main.js as npm start does)');
  const fresh: number[] = [];
  const existing: number[] = [];
  for (let i = 0; i < args.runs; i++) {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-bench-startup-'));
    let env: Record<string, string> = { DATA_DIR: dataDir, DATABASE_URL: '' };
    let drop = async () => {};
    if (args.engine === 'postgres') {
      const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
      const name = `rapport_bench_startup_${process.pid}_${i}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`drop database if exists ${name}`);
      await admin.query(`create database ${name}`);
      await admin.end();
      const target = new URL(url);
      target.pathname = `/${name}`;
      env = { ...env, DATABASE_URL: target.toString() };
      drop = async () => {
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      };
    }
    fresh.push(await startToReady(env));
    existing.push(await startToReady(env));
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    bench: 'startup',
    engine: args.engine,
    params: { runs: args.runs, statistic: 'median' },
    machine: machine(),
    metrics: {
      start_to_ready_ms_existing: round(percentile(existing, 50)),
      start_to_ready_ms_fresh: round(percentile(fresh, 50)),
      start_to_ready_ms_existing_max: round(Math.max(...existing)),
      start_to_ready_ms_fresh_max: round(Math.max(...fresh)),
    },
  };
}
