import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';

export type BenchArgs = {
  engine: 'sqlite' | 'postgres';
  size?: number | undefined;
  runs: number;
  queries?: number | undefined;
};

export type BenchResult = {
  bench: string;
  engine: string;
  params: Record<string, unknown>;
  machine: { cpus: string; node: string };
  metrics: Record<string, number>;
};

export function machine() {
  const cpus = os.cpus();
  return { cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown'}`, node: process.version };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A CPU profile of this process from now until `stop()`, written to `file` (open it in Chrome's
 * DevTools or any .cpuprofile viewer); without a file, nothing is recorded. For seeing where a
 * phase of a benchmark spends its time without profiling its data generation too.
 */
export async function startCpuProfile(file: string | undefined): Promise<{ stop(): Promise<void> }> {
  if (!file) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Milliseconds this process spent in garbage collection pauses from now until `stop()`. */
export function gcTime(): { stop(): number } {
  let ms = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) ms += entry.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop: () => {
      for (const entry of observer.takeRecords()) ms += entry.duration;
      observer.disconnect();
      return ms;
    },
  };
}
