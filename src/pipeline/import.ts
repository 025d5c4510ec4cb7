import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AppContext } from '../context.ts';
import { AppError } from '../errors.ts';
import { arrivedAsHistory } from '../modules/inbox/history.ts';
import { csvHeader, csvRecords, type ImportProgress } from './csv.ts';
import { NormalizeError, normalize } from './formats.ts';
import { appendToLog } from './ingest-log.ts';
import { processBatch } from './worker.ts';

/**
 * `rapport import`: reads a CSV or JSON Lines file, maps each record to a generic post, appends
 * everything to the ingest log in chunks and runs the pipeline over it. Bad records are not
 * skipped: they go through the log and end in the quarantine with their reason.
 */
export type ImportOptions = {
  file: string;
  format: 'csv' | 'jsonl';
  workspaceId: string;
  /** Target field → source column, e.g. "externalId=tweet_id,createdAt=created_at:date". */
  map?: string | undefined;
  /** Channel for every record that does not map one. */
  channel: string;
};

export type { ImportProgress };
export type ImportSummary = {
  read: number;
  imported: number;
  /** Of the imported, how many were written long before now: stored, but not routed (history.ts). */
  history: number;
  duplicates: number;
  quarantined: number;
  elapsedMs: number;
};

type Mapping = { target: string; source: string; transform: 'text' | 'int' | 'date' }[];

const targets = [
  'channel',
  'externalId',
  'url',
  'text',
  'createdAt',
  'updatedAt',
  'language',
  'replyTo',
  'threadRoot',
  'author.externalId',
  'author.handle',
  'author.displayName',
  'author.followers',
  'author.profileUrl',
];

export function parseMapping(spec: string): Mapping {
  return spec.split(',').map((pair) => {
    const [target, rest] = pair.split('=').map((s) => s.trim());
    const [source, transform = 'text'] = (rest ?? '').split(':');
    if (!target || !targets.includes(target)) {
      throw new AppError(
        'validation_failed',
        `--map: unknown field "${target}" (fields: ${targets.join(', ')})`,
      );
    }
    if (!source) throw new AppError('validation_failed', `--map: "${pair}" names no source column`);
    if (transform !== 'text' && transform !== 'int' && transform !== 'date') {
      throw new AppError('validation_failed', `--map: unknown transform ":${transform}" (text, int, date)`);
    }
    return { target, source, transform };
  });
}

function get(record: Record<string, unknown>, path: string): unknown {
  // A column whose name has a dot in it is read as it is named.
  if (Object.hasOwn(record, path)) return record[path];
  return path
    .split('.')
    .reduce<unknown>(
      (v, key) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined),
      record,
    );
}

function convert(value: unknown, transform: Mapping[number]['transform'], target: string): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (transform === 'int') {
    const n = Number(value);
    return Number.isFinite(n)
      ? target === 'author.followers'
        ? Math.trunc(n)
        : String(Math.trunc(n))
      : value;
  }
  if (transform === 'date') {
    const t = Date.parse(String(value));
    return Number.isNaN(t) ? value : new Date(t).toISOString();
  }
  return target === 'author.followers' ? Number(value) : String(value);
}

/** Applies the mapping to one record; without a mapping the record is taken as a generic post. */
export function mapRecord(
  record: Record<string, unknown>,
  mapping: Mapping | null,
  channel: string,
): Record<string, unknown> {
  if (!mapping) return { channel, ...record };
  const post: Record<string, unknown> = { channel };
  for (const m of mapping) {
    const value = convert(get(record, m.source), m.transform, m.target);
    if (value === undefined) continue;
    const [head, tail] = m.target.split('.');
    if (tail && head) post[head] = { ...((post[head] as object) ?? {}), [tail]: value };
    else if (head) post[head] = value;
  }
  const author = post.author as Record<string, unknown> | undefined;
  if (author && author.externalId === undefined && author.handle !== undefined)
    author.externalId = author.handle;
  return post;
}

async function* records(
  file: string,
  format: 'csv' | 'jsonl',
): AsyncGenerator<Record<string, unknown> | string> {
  if (format === 'csv') {
    for await (const { record } of csvRecords(file)) yield record;
    return;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      yield value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : line;
    } catch {
      // Not JSON: still appended (raw), so the pipeline quarantines it with the parse error.
      yield line;
    }
  }
}

const listed = (names: string[]) => names.filter((n) => n !== '').join(', ') || '(none)';

/** Refuses a mapping that names columns the CSV's header does not have, before anything is read in. */
async function checkCsvColumns(file: string, mapping: Mapping): Promise<void> {
  const columns = await csvHeader(file);
  const missing = mapping.filter((m) => !columns.includes(m.source));
  if (missing.length > 0)
    throw new AppError(
      'validation_failed',
      missing
        .map(
          (m) =>
            `--map ${m.target}=${m.source}: no column "${m.source}"; the file's columns are: ${listed(columns)}`,
        )
        .join('\n'),
    );
}

/**
 * Counts the records and follows reply links within the file to their first post, so that a
 * conversation imported from a flat export keeps one thread root.
 */
async function firstPass(
  options: ImportOptions,
  mapping: Mapping | null,
): Promise<{ roots: Map<string, string>; total: number }> {
  const parent = new Map<string, string>();
  let total = 0;
  // JSON Lines have no header: a mapped field is checked against every line of this first pass.
  const unseen = new Set(mapping?.map((m) => m.source));
  let firstFields: string[] | null = null;
  for await (const record of records(options.file, options.format)) {
    total++;
    if (typeof record === 'string') continue;
    firstFields ??= Object.keys(record);
    for (const source of unseen) if (get(record, source) !== undefined) unseen.delete(source);
    const post = mapRecord(record, mapping, options.channel);
    if (typeof post.externalId === 'string' && typeof post.replyTo === 'string')
      parent.set(post.externalId, post.replyTo);
  }
  const roots = new Map<string, string>();
  for (const id of parent.keys()) {
    let current = id;
    const seen = new Set<string>();
    while (parent.has(current) && !seen.has(current)) {
      seen.add(current);
      current = parent.get(current) as string;
    }
    roots.set(id, current);
  }
  // Only a field no line has stops the import: exporters often leave out empty optional fields
  // (a reply-to on a first post), so a field missing from the first lines may still come later.
  const missing = (mapping ?? []).filter((m) => unseen.has(m.source));
  if (options.format === 'jsonl' && firstFields !== null && missing.length > 0)
    throw new AppError(
      'validation_failed',
      missing
        .map(
          (m) =>
            `--map ${m.target}=${m.source}: no line of the file has "${m.source}"; the first line's fields are: ${listed(firstFields ?? [])}`,
        )
        .join('\n'),
    );
  return { roots, total };
}

const CHUNK = 1000;

export async function importFile(
  ctx: AppContext,
  options: ImportOptions,
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<ImportSummary> {
  const started = performance.now();
  const mapping = options.map ? parseMapping(options.map) : null;
  if (mapping && options.format === 'csv') await checkCsvColumns(options.file, mapping);
  const { roots, total } = await firstPass(options, mapping);
  const seenKeys = new Set<string>();
  const summary = { read: 0, imported: 0, history: 0, duplicates: 0, quarantined: 0 };
  let chunk: { payload: string; key: string | null; valid: boolean; history: boolean }[] = [];

  const flush = async () => {
    if (chunk.length === 0) return;
    const keys = chunk.flatMap((c) => (c.valid && c.key ? [c.key] : []));
    const existing = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const rows = await ctx.db
        .selectFrom('mentions')
        .select(['channel', 'external_id'])
        .where('workspace_id', '=', options.workspaceId)
        .where((eb) =>
          eb.or(
            part.map((k) => {
              const [channel = '', externalId = ''] = k.split('\u0000');
              return eb.and([eb('channel', '=', channel), eb('external_id', '=', externalId)]);
            }),
          ),
        )
        .execute();
      for (const r of rows) existing.add(`${r.channel}\u0000${r.external_id}`);
    }
    for (const c of chunk) {
      if (!c.valid) summary.quarantined++;
      else if (c.key && (existing.has(c.key) || seenKeys.has(c.key))) summary.duplicates++;
      else {
        summary.imported++;
        if (c.history) summary.history++;
      }
      if (c.key) seenKeys.add(c.key);
    }
    await appendToLog(
      ctx,
      chunk.map((c) => ({
        workspaceId: options.workspaceId,
        connectorId: null,
        format: 'generic' as const,
        payload: c.payload,
      })),
    );
    while ((await processBatch(ctx, 1000)).claimed > 0) {
      // drain what was just appended (and anything else pending) before reading on
    }
    chunk = [];
    onProgress({ read: summary.read, total, elapsedMs: performance.now() - started });
  };

  const now = ctx.now().toISOString();
  for await (const record of records(options.file, options.format)) {
    summary.read++;
    let payload: string;
    let key: string | null = null;
    if (typeof record === 'string') {
      payload = record;
    } else {
      const post = mapRecord(record, mapping, options.channel);
      if (typeof post.externalId === 'string' && post.threadRoot === undefined) {
        const root = roots.get(post.externalId);
        if (root) post.threadRoot = root;
      }
      payload = JSON.stringify(post);
      if (typeof post.channel === 'string' && typeof post.externalId === 'string')
        key = `${post.channel}\u0000${post.externalId}`;
    }
    let valid = true;
    let history = false;
    try {
      const event = normalize('generic', payload, now);
      history = event.kind === 'upsert' && arrivedAsHistory(event.createdAt, now);
    } catch (err) {
      if (!(err instanceof NormalizeError)) throw err;
      valid = false;
    }
    chunk.push({ payload, key, valid, history });
    if (chunk.length >= CHUNK) await flush();
  }
  await flush();
  return { ...summary, elapsedMs: Math.round(performance.now() - started) };
}
