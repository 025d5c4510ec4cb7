import { createReadStream } from 'node:fs';
import { parse as parseCsv } from 'csv-parse';

/** One CSV record keyed by header, with the file line it ends on (for error reports). */
export type CsvRecord = { record: Record<string, string>; line: number };

/**
 * Streams a CSV file with a header row: records keyed by column name, a missing or extra
 * trailing column tolerated, a BOM ignored. Shared by every file import.
 */
export async function* csvRecords(file: string): AsyncGenerator<CsvRecord> {
  const parser = createReadStream(file).pipe(
    parseCsv({ columns: true, relax_column_count: true, bom: true, info: true }),
  );
  for await (const row of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>)
    yield { record: row.record, line: row.info.lines };
}

/** How far a file import is: `read` of `total` records after `elapsedMs`. */
export type ImportProgress = { read: number; total: number; elapsedMs: number };

/** Counts the records of a CSV file (the first pass that makes a progress bar possible). */
export async function countCsvRecords(file: string): Promise<number> {
  let total = 0;
  for await (const _ of csvRecords(file)) total++;
  return total;
}
