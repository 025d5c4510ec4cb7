import { createReadStream } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { parse as parseCsvText } from 'csv-parse/sync';
import { AppError } from '../errors.ts';

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

/** The column names of a CSV file's header row (empty when the file is). */
export async function csvHeader(file: string): Promise<string[]> {
  const input = createReadStream(file);
  try {
    const parser = input.pipe(parseCsv({ bom: true, relax_column_count: true, to: 1 }));
    for await (const row of parser as AsyncIterable<string[]>) return row;
    return [];
  } finally {
    // Only the first record is read: the rest of the file is not.
    input.destroy();
  }
}

/** One CSV field (RFC 4180). Text that a spreadsheet would run as a formula is prefixed with '. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** How far a file import is: `read` of `total` records after `elapsedMs`. */
export type ImportProgress = { read: number; total: number; elapsedMs: number };

/** Counts the records of a CSV file (the first pass that makes a progress bar possible). */
export async function countCsvRecords(file: string): Promise<number> {
  let total = 0;
  for await (const _ of csvRecords(file)) total++;
  return total;
}

/** A CSV to import: its records, how many (for progress), and its name (quoted in evidence). */
export type CsvSource = { records: AsyncIterable<CsvRecord>; total: number; name: string };

/** A CSV file (the CLI), read twice: once to count, once to import. */
export async function csvFromFile(file: string): Promise<CsvSource> {
  return { records: csvRecords(file), total: await countCsvRecords(file), name: path.basename(file) };
}

/** CSV text (an HTTP upload, bounded by the body limit): refused with a 400 when it does not parse. */
export function csvFromText(text: string, name: string): CsvSource {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parseCsvText(text, { columns: true, relax_column_count: true, bom: true, info: true });
  } catch (err) {
    throw new AppError('validation_failed', `Not a readable CSV file: ${(err as Error).message}`);
  }
  return {
    records: (async function* () {
      for (const r of rows) yield { record: r.record, line: r.info.lines };
    })(),
    total: rows.length,
    name,
  };
}

/**
 * How an import reads its fields (`--map field=column,…`): field → CSV column, a field not mapped
 * being read from the column of its own name. Unknown fields and empty columns are refused.
 */
export function columnMapping<F extends string>(
  fields: readonly F[],
  spec: string | undefined,
): Record<F, string> {
  const mapping = Object.fromEntries(fields.map((f): [F, string] => [f, f])) as Record<F, string>;
  for (const pair of (spec ?? '').split(',').filter((p) => p.trim() !== '')) {
    const [field, column] = pair.split('=').map((s) => s.trim());
    if (!field || !(fields as readonly string[]).includes(field))
      throw new AppError(
        'validation_failed',
        `--map: unknown field "${field}" (fields: ${fields.join(', ')})`,
      );
    if (!column) throw new AppError('validation_failed', `--map: "${pair}" names no column`);
    mapping[field as F] = column;
  }
  return mapping;
}

/** Refuses a file whose header (`record`, its first record) lacks a required field's column. */
export function requireColumns<F extends string>(
  mapping: Record<F, string>,
  required: readonly F[],
  record: Record<string, string>,
): void {
  const missing = required.filter((f) => !(mapping[f] in record));
  if (missing.length > 0)
    throw new AppError(
      'validation_failed',
      `The file has no column ${missing.map((f) => `"${mapping[f]}" (${f})`).join(', ')}; map it with --map ${missing[0]}=<column>`,
    );
}

/** A record's cells by field: trimmed, undefined when empty or absent. */
export function cellsOf<F extends string>(
  mapping: Record<F, string>,
  record: Record<string, string>,
): (field: F) => string | undefined {
  return (field) => {
    const v = record[mapping[field]]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
}
