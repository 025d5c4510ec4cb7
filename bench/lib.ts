import os from 'node:os';

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
