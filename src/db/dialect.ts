import {
  type ColumnDataType,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  type RawBuilder,
  type SelectQueryBuilder,
  sql,
  type Transaction,
} from 'kysely';
import type { DB } from './schema.ts';

/**
 * Everything that SQLite and PostgreSQL do differently lives here and nowhere else:
 * column types for timestamps and JSON, JSON values, auto-increment keys, full-text search,
 * claiming work, and date bucketing. Change notifications join it with the multi-process
 * deployment (see docs/architecture.md).
 */
export type DialectName = 'sqlite' | 'postgres';

/** A row of `fullTextScores`: a matching row's id and how well it matches. */
export type FullTextScore = { id: number; score: number };

export type Dialect = Readonly<{
  name: DialectName;
  /** DDL type for an instant in time (ISO text on SQLite, timestamptz on PostgreSQL). */
  timestampType: ColumnDataType;
  /** DDL type for a JSON document. */
  jsonType: ColumnDataType;
  /** Adds an auto-incrementing 64-bit primary key column named `id`. */
  // biome-ignore lint/suspicious/noExplicitAny: the builder is generic over any table being created
  addSerialId<T extends string>(table: CreateTableBuilder<T, any>): CreateTableBuilder<T, any>;
  /** Value to bind for a JSON column. */
  toJson(value: unknown): unknown;
  /** Reads a JSON column back into a value. */
  parseJson<T = unknown>(value: unknown): T;
  /**
   * Creates the full-text index of `table.column` (FTS5 external-content table kept in sync by
   * triggers on SQLite; a GIN expression index on PostgreSQL). The table needs an integer `id`,
   * or `rowKey: 'rowid'` for a table with a text key (SQLite keys the index by its rowid then).
   */
  // biome-ignore lint/suspicious/noExplicitAny: runs inside migrations, against any table
  createFullTextIndex(db: Kysely<any>, table: string, column: string, rowKey?: 'id' | 'rowid'): Promise<void>;
  /**
   * A condition: every word of `text` occurs in `table.column` (words, not syntax, so user input
   * is safe). `rowKey` as the index was created with.
   */
  fullTextMatch(table: string, column: string, text: string, rowKey?: 'id' | 'rowid'): RawBuilder<boolean>;
  /**
   * The rows of `table` whose `column` has every word of `text`, with how well they match
   * (`score`, higher is better: FTS5's bm25 negated on SQLite, ts_rank on PostgreSQL), as a
   * derived table `(id, score)` to join on the table's integer `id` and order by. With `best`,
   * only that many of the best matches: a common word matches a large part of a table, and
   * joining every match to rank them all costs far more than ranking inside the index.
   */
  fullTextScores(table: string, column: string, text: string, best?: number): RawBuilder<FullTextScore>;
  /**
   * Creates a substring (trigram) index over text columns of a table, for search boxes that match
   * any part of a name, handle or address: FTS5's trigram tokenizer on SQLite (kept in sync by
   * triggers, on the table's rowid), pg_trgm GIN indexes on lower(column) on PostgreSQL.
   */
  // biome-ignore lint/suspicious/noExplicitAny: runs inside migrations, against any table
  createSubstringIndex(db: Kysely<any>, table: string, columns: string[]): Promise<void>;
  /**
   * A condition: `text` occurs (case-insensitively) in one of the columns, through the substring
   * index when the text is long enough for trigrams (3 characters), else by scanning.
   */
  substringMatch(table: string, columns: string[], text: string): RawBuilder<boolean>;
  /** Locks claimed rows so concurrent workers skip them (PostgreSQL); SQLite has one writer. */
  // biome-ignore lint/suspicious/noExplicitAny: generic over any select
  lockForClaim<Q extends SelectQueryBuilder<any, any, any>>(query: Q): Q;
  /**
   * Runs `read`, a batch of rows after a cursor in id order (the ingest log's pending entries,
   * the posts routing has not seen), so that it walks an index in id order and stops at its
   * limit. On PostgreSQL, statistics taken before a backlog arrived (autovacuum analyses a
   * minute later at best) estimate a few rows after the cursor, and the planner then read every
   * one of them and sorted them all, for each batch of a backlog.
   */
  inIndexOrder<T>(trx: Transaction<DB>, read: () => Promise<T>): Promise<T>;
  /**
   * Marks the transaction as a writer of rows that readers walk by id after a cursor (a
   * workspace's mentions), until it ends. On PostgreSQL ids are taken from a sequence when a row
   * is inserted but become visible when its transaction commits, so without this a reader could
   * pass over a lower id committed late. SQLite has one writer: ids become visible in order.
   */
  guardWrites(trx: Transaction<DB>, key: string): Promise<void>;
  /**
   * Runs `read` once every transaction that guarded writes under `key` has ended (writers that
   * start meanwhile wait until it is done), so an id it reads is a horizon: no lower id appears
   * later. On SQLite it just reads.
   */
  afterWriters<T>(
    db: Kysely<DB>,
    key: string,
    read: (db: Kysely<DB> | Transaction<DB>) => Promise<T>,
  ): Promise<T>;
  /** Locks the selected rows until the transaction ends (PostgreSQL); SQLite's writer lock already serialises. */
  // biome-ignore lint/suspicious/noExplicitAny: generic over any select
  lockForUpdate<Q extends SelectQueryBuilder<any, any, any>>(query: Q, of?: string[]): Q;
  /** Truncates a timestamp column to the start of its UTC hour or day, as ISO text. */
  dateBucket(column: Expression<string> | RawBuilder<string>, unit: 'hour' | 'day'): RawBuilder<string>;
  /**
   * The value of `key` in the JSON object `column`, or null when absent or of another JSON type:
   * text as text, number as a double, boolean as 1/0 (segments compare attributes with it).
   */
  jsonValue(column: string, key: string, type: 'text' | 'number' | 'boolean'): RawBuilder<unknown>;
}>;

/** The first key of the advisory locks behind guardWrites, apart from any other use of them. */
const WRITE_GUARD_CLASS = 7_301;

const sqlite: Dialect = Object.freeze({
  name: 'sqlite',
  timestampType: 'text',
  jsonType: 'text',
  addSerialId: (table) => table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
  toJson: (value: unknown) => JSON.stringify(value),
  parseJson: <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  createFullTextIndex: async (db, table, column, rowKey = 'id') => {
    const fts = sql.raw(`${table}_fts`);
    const t = sql.raw(table);
    const c = sql.raw(column);
    const k = sql.raw(rowKey);
    await sql`create virtual table ${fts} using fts5(${c}, content=${sql.lit(table)}, content_rowid=${sql.lit(rowKey)}, tokenize='unicode61 remove_diacritics 2')`.execute(
      db,
    );
    await sql`create trigger ${sql.raw(`${table}_fts_ai`)} after insert on ${t} begin
      insert into ${fts}(rowid, ${c}) values (new.${k}, new.${c}); end`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_fts_ad`)} after delete on ${t} begin
      insert into ${fts}(${fts}, rowid, ${c}) values ('delete', old.${k}, old.${c}); end`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_fts_au`)} after update of ${c} on ${t} begin
      insert into ${fts}(${fts}, rowid, ${c}) values ('delete', old.${k}, old.${c});
      insert into ${fts}(rowid, ${c}) values (new.${k}, new.${c}); end`.execute(db);
    // Rows that exist already (none when the table is new).
    await sql`insert into ${fts}(${fts}) values ('rebuild')`.execute(db);
  },
  fullTextMatch: (table, _column, text, rowKey = 'id') => {
    if (words(text).length === 0) return sql<boolean>`1 = 0`;
    const phrase = words(text)
      .map((w) => `"${w.replaceAll('"', '""')}"`)
      .join(' ');
    return sql<boolean>`${sql.ref(`${table}.${rowKey}`)} in (select rowid from ${sql.raw(`${table}_fts`)} where ${sql.raw(`${table}_fts`)} match ${phrase})`;
  },
  fullTextScores: (table, _column, text, best) => {
    const fts = sql.raw(`${table}_fts`);
    if (words(text).length === 0) return sql<FullTextScore>`(select 0 as id, 0.0 as score where 1 = 0)`;
    // bm25 exists only inside a MATCH query on the FTS table: compute it there, once per match
    // (FTS5's `rank` is that bm25, so ordering by it ranks without a second call).
    const top = best === undefined ? sql`` : sql` order by rank limit ${best}`;
    return sql<FullTextScore>`(select rowid as id, -bm25(${fts}) as score from ${fts} where ${fts} match ${ftsPhrase(text)}${top})`;
  },
  createSubstringIndex: async (db, table, columns) => {
    const index = sql.raw(`${table}_trgm`);
    const t = sql.raw(table);
    const cols = sql.raw(columns.join(', '));
    const newCols = sql.raw(columns.map((c) => `new.${c}`).join(', '));
    const oldCols = sql.raw(columns.map((c) => `old.${c}`).join(', '));
    await sql`create virtual table ${index} using fts5(${cols}, content=${sql.lit(table)}, content_rowid='rowid', tokenize='trigram')`.execute(
      db,
    );
    await sql`create trigger ${sql.raw(`${table}_trgm_ai`)} after insert on ${t} begin
      insert into ${index}(rowid, ${cols}) values (new.rowid, ${newCols}); end`.execute(db);
    await sql`create trigger ${sql.raw(`${table}_trgm_ad`)} after delete on ${t} begin
      insert into ${index}(${index}, rowid, ${cols}) values ('delete', old.rowid, ${oldCols}); end`.execute(
      db,
    );
    await sql`create trigger ${sql.raw(`${table}_trgm_au`)} after update of ${cols} on ${t} begin
      insert into ${index}(${index}, rowid, ${cols}) values ('delete', old.rowid, ${oldCols});
      insert into ${index}(rowid, ${cols}) values (new.rowid, ${newCols}); end`.execute(db);
    // Rows that exist already.
    await sql`insert into ${index}(${index}) values ('rebuild')`.execute(db);
  },
  substringMatch: (table, columns, text) => {
    const needle = text.toLowerCase();
    if ([...needle].length < 3) return likeAny(table, columns, needle);
    const index = sql.raw(`${table}_trgm`);
    // One quoted phrase: the tokenizer finds it as a substring; quotes inside are doubled.
    return sql<boolean>`${sql.ref(`${table}.rowid`)} in (select rowid from ${index} where ${index} match ${`"${needle.replaceAll('"', '""')}"`})`;
  },
  lockForClaim: (query) => query,
  inIndexOrder: (_trx, read) => read(),
  jsonValue: (column, key, type) => {
    const c = sql.ref(column);
    const path = `$."${key.replaceAll('"', '')}"`;
    if (type === 'text')
      return sql`(case when json_type(${c}, ${path}) = 'text' then json_extract(${c}, ${path}) end)`;
    if (type === 'number')
      return sql`(case when json_type(${c}, ${path}) in ('integer', 'real') then cast(json_extract(${c}, ${path}) as real) end)`;
    return sql`(case json_type(${c}, ${path}) when 'true' then 1 when 'false' then 0 end)`;
  },
  guardWrites: async () => {},
  afterWriters: (db, _key, read) => read(db),
  lockForUpdate: (query) => query,
  dateBucket: (column, unit) =>
    unit === 'hour'
      ? sql<string>`strftime('%Y-%m-%dT%H:00:00.000Z', ${column})`
      : sql<string>`strftime('%Y-%m-%dT00:00:00.000Z', ${column})`,
});

/**
 * Full-text columns whose tsvector PostgreSQL stores beside the text (a generated column, with
 * the GIN index on it), so ranking reads it instead of parsing the text of every match. The
 * others are searched through a GIN index on the expression.
 */
const storedVectors: Readonly<Record<string, string>> = {
  'community_posts.body_markdown': 'body_markdown_tsv', // migration 0021
};

const postgres: Dialect = Object.freeze({
  name: 'postgres',
  timestampType: 'timestamptz',
  jsonType: 'jsonb',
  addSerialId: (table) => table.addColumn('id', 'bigserial', (c) => c.primaryKey()),
  toJson: (value: unknown) => JSON.stringify(value),
  parseJson: <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  createFullTextIndex: async (db, table, column) => {
    await sql`create index ${sql.raw(`${table}_${column}_fts_idx`)} on ${sql.raw(table)} using gin (to_tsvector('simple', ${sql.raw(column)}))`.execute(
      db,
    );
  },
  fullTextMatch: (table, column, text) => {
    if (words(text).length === 0) return sql<boolean>`1 = 0`;
    const stored = storedVectors[`${table}.${column}`];
    const vector = stored
      ? sql.ref(`${table}.${stored}`)
      : sql`to_tsvector('simple', ${sql.ref(`${table}.${column}`)})`;
    return sql<boolean>`${vector} @@ plainto_tsquery('simple', ${words(text).join(' ')})`;
  },
  fullTextScores: (table, column, text, best) => {
    if (words(text).length === 0)
      return sql<FullTextScore>`(select 0::bigint as id, 0::real as score where false)`;
    const query = sql`plainto_tsquery('simple', ${words(text).join(' ')})`;
    const stored = storedVectors[`${table}.${column}`];
    const vector = stored ? sql.ref(stored) : sql`to_tsvector('simple', ${sql.ref(column)})`;
    const top = best === undefined ? sql`` : sql` order by 2 desc limit ${best}`;
    return sql<FullTextScore>`(select id, ts_rank(${vector}, ${query}) as score from ${sql.raw(table)} where ${vector} @@ ${query}${top})`;
  },
  createSubstringIndex: async (db, table, columns) => {
    // pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    await sql`create extension if not exists pg_trgm`.execute(db);
    for (const c of columns)
      await sql`create index ${sql.raw(`${table}_${c}_trgm_idx`)} on ${sql.raw(table)} using gin (lower(${sql.raw(c)}) gin_trgm_ops)`.execute(
        db,
      );
  },
  substringMatch: (table, columns, text) => likeAny(table, columns, text.toLowerCase()),
  lockForClaim: (query) => query.forUpdate().skipLocked() as typeof query,
  inIndexOrder: async (trx, read) => {
    await sql`set local enable_bitmapscan = off`.execute(trx);
    try {
      return await read();
    } finally {
      await sql`set local enable_bitmapscan to default`.execute(trx);
    }
  },
  jsonValue: (column, key, type) => {
    const c = sql.ref(column);
    if (type === 'text')
      return sql`(case when jsonb_typeof(${c} -> ${key}::text) = 'string' then ${c} ->> ${key}::text end)`;
    if (type === 'number')
      return sql`(case when jsonb_typeof(${c} -> ${key}::text) = 'number' then (${c} ->> ${key}::text)::double precision end)`;
    return sql`(case when jsonb_typeof(${c} -> ${key}::text) = 'boolean' then (case when (${c} ->> ${key}::text) = 'true' then 1 else 0 end) end)`;
  },
  guardWrites: async (trx, key) => {
    await sql`select pg_advisory_xact_lock_shared(${WRITE_GUARD_CLASS}, hashtext(${key}))`.execute(trx);
  },
  afterWriters: (db, key, read) =>
    db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${WRITE_GUARD_CLASS}, hashtext(${key}))`.execute(trx);
      return read(trx);
    }),
  // `of` names the tables whose rows are locked, for a read with an outer join (PostgreSQL
  // refuses to lock the nullable side).
  lockForUpdate: (query, of) => query.forUpdate(of) as typeof query,
  dateBucket: (column, unit) =>
    sql<string>`to_char(date_trunc(${sql.lit(unit)}, ${column}, 'UTC') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
});

/**
 * `lower(column) like '%needle%'` over any of the columns (`needle` already lower case), with
 * LIKE's wildcards escaped; the same on both engines. `substringMatch` is the indexed form.
 */
export function likeAny(table: string, columns: string[], needle: string): RawBuilder<boolean> {
  const pattern = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`(${sql.join(
    columns.map((c) => sql`lower(${sql.ref(`${table}.${c}`)}) like ${pattern} escape '\\'`),
    sql` or `,
  )})`;
}

/** The words of `text` as an FTS5 query of quoted terms, all required. */
function ftsPhrase(text: string): string {
  return words(text)
    .map((w) => `"${w.replaceAll('"', '""')}"`)
    .join(' ');
}

/** The words of a search box input, without any query syntax. */
function words(text: string): string[] {
  return text.normalize('NFKC').match(/[\p{L}\p{N}]+/gu) ?? [];
}

export function dialectFor(name: DialectName): Dialect {
  return name === 'sqlite' ? sqlite : postgres;
}
