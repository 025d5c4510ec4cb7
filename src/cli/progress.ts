import type { ImportProgress } from '../pipeline/csv.ts';

/** A progress bar line for standard error: done of total, items per second, time left. */
export function progressLine(p: ImportProgress): string {
  const seconds = p.elapsedMs / 1000;
  const rate = seconds > 0 ? p.read / seconds : 0;
  const eta = rate > 0 ? Math.max(0, (p.total - p.read) / rate) : 0;
  const width = 24;
  const done = p.total > 0 ? Math.round((p.read / p.total) * width) : 0;
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${p.read}/${p.total}  ${Math.round(rate)} items/s  ETA ${Math.ceil(eta)}s`;
}
