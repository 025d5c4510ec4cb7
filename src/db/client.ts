import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
  sql,
} from 'kysely';
import pg from 'pg';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import { type Dialect, dialectFor } from './dialect.ts';
import type { DB } from './schema.ts';

export type Database = Readonly<{
  db: Kysely<DB>;
  dialect: Dialect;
  /** Path of the SQLite file; undefined on PostgreSQL. */
  sqlitePath: string | undefined;
  /**
   * Refreshes the planner's statistics where they have gone stale (SQLite's `PRAGMA optimize`;
   * PostgreSQL's autovacuum does this itself). The scheduler calls it hourly.
   */
  optimize(): Promise<void>;
  close(): Promise<void>;
}>;

const PG_INT8 = 20;
const PG_TIMESTAMPTZ = 1184;

const UTC_TIMESTAMPTZ = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;

/**
 * A `timestamptz` as PostgreSQL prints it in a UTC session (`2026-12-02 10:00:00.123456+00`) to
 * ISO-8601 with milliseconds, by rearranging the text: parsing it with `Date` was about 5 % of the
 * API's CPU on PostgreSQL. Any other form (another session time zone, infinity) goes through `Date`.
 */
export function isoFromTimestamptz(value: string): string {
  const m = UTC_TIMESTAMPTZ.exec(value);
  if (!m) return new Date(value).toISOString();
  return `${m[1]}T${m[2]}.${`${m[3] ?? ''}000`.slice(0, 3)}Z`;
}

/** Opens the embedded SQLite database under `DATA_DIR`, or PostgreSQL when `DATABASE_URL` is set. */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Database {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl)
    : openSqlite(path.join(config.dataDir, 'rapport.sqlite'));
}

export function openSqlite(file: string): Database {
  mkdirSync(path.dirname(file), { recursive: true });
  const connection = new SQLite(file);
  // WAL lets readers (including the heavy-read worker) run beside the writer; FULL makes a
  // committed transaction survive a power loss, not only a process crash.
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = FULL');
  connection.pragma('foreign_keys = ON');
  connection.pragma('busy_timeout = 5000');
  // A pipeline batch writes a few MB (posts, their full-text index, the log): with the default
  // 1,000-page threshold nearly every commit also checkpointed. 10,000 pages (40 MB) measured
  // about 10 % faster ingestion (docs/benchmarks.md); the size limit keeps the file from staying that big.
  connection.pragma('wal_autocheckpoint = 10000');
  connection.pragma('journal_size_limit = 67108864');
  // Without statistics SQLite takes any index that begins with workspace_id as selective, and
  // answered "this workspace's identities of these customers" by reading every identity of the
  // workspace. SQLite's advice for long-lived connections: optimize with 0x10002 on opening (it
  // checks every table and bounds the work), then plain `optimize` from time to time.
  connection.pragma('optimize = 0x10002');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(connection) }) });
  return Object.freeze({
    db,
    dialect: dialectFor('sqlite'),
    sqlitePath: file,
    // Through Kysely, so it waits its turn behind an open transaction on the one connection.
    optimize: async () => {
      await sql`pragma optimize`.execute(db);
    },
    close: () => db.destroy(),
  });
}

const STATEMENT_CACHE_SIZE = 200;

/**
 * Kysely prepares every query anew; SQLite then parses and plans it each time, about a tenth of
 * the CPU of a busy API process. The same SQL text reuses its prepared statement (least recently
 * used ones are let go). A statement still being iterated by a stream cannot run again, so that
 * case gets a fresh one.
 */
function withStatementCache(connection: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, Prepared>();
  const schemaVersion = connection.prepare('pragma schema_version').pluck();
  const version = () => schemaVersion.get() as number;
  return {
    close: () => connection.close(),
    prepare(sqlText: string) {
      // Transactions take the write lock when they begin. A deferred `begin` reads a snapshot
      // first, and when another process (the CLI beside a running server) commits before this
      // transaction's first write, that write fails at once with "database is locked"
      // (SQLITE_BUSY_SNAPSHOT), without waiting for busy_timeout. With `begin immediate`, the
      // second writer waits its turn.
      const text = sqlText === 'begin' ? 'begin immediate' : sqlText;
      const cached = cache.get(text);
      if (cached && !cached.statement.busy) {
        cache.delete(text);
        cache.set(text, cached);
        return cached.forKysely;
      }
      const prepared = prepare(connection, text, version);
      if (cached) return prepared.forKysely;
      cache.set(text, prepared);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return prepared.forKysely;
    },
  };
}

type Prepared = { statement: SQLite.Statement; forKysely: SqliteStatement };
type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * better-sqlite3 builds each row object in C++, one property at a time, and V8 keeps such objects
 * in its slow dictionary form: reading 60 cases of 45 columns took twice as long as reading them
 * as arrays and building the objects in JavaScript, and copying or serialising the rows afterwards
 * was 1.5 to 5 times slower (docs/benchmarks.md). So reads run in raw mode and each row is made
 * by one object literal for the statement's columns.
 */
function prepare(connection: SQLite.Database, text: string, schemaVersion: () => number): Prepared {
  const statement = connection.prepare(text);
  if (!statement.reader) return { statement, forKysely: statement };
  // `*` (`select *`, `"t".*`, `returning *`; not `count(*)`) names the columns the table has
  // when the statement runs, which a migration (in another process too) may change under a
  // cached statement: SQLite then prepares it again, and the names are read again here.
  const starred = /\*(?!\))/.test(text);
  const builderNow = () => rowBuilder(statement.columns().map((c) => c.name));
  let version = starred ? schemaVersion() : 0;
  let row = builderNow();
  const current = () => {
    const now = starred ? schemaVersion() : version;
    if (now !== version) {
      version = now;
      row = builderNow();
    }
    return row;
  };
  statement.raw(true);
  return {
    statement,
    forKysely: {
      reader: true,
      all(parameters) {
        const values = statement.all(parameters) as unknown[][];
        return values.map(current());
      },
      run: (parameters) => statement.run(parameters),
      *iterate(parameters) {
        let build: RowBuilder | undefined;
        for (const values of statement.iterate(parameters)) {
          build ??= current();
          yield build(values as unknown[]);
        }
      },
    },
  };
}

const rowBuilders = new Map<string, RowBuilder>();

/** A function that makes a row object of the given columns from their values, in one literal. */
export function rowBuilder(names: string[]): RowBuilder {
  const key = names.join('\0');
  let build = rowBuilders.get(key);
  if (!build) {
    // One literal gives every row the same fast shape. A later duplicate name wins, as in
    // better-sqlite3's objects. Names are written as JSON strings, so they are never code; a
    // column named `__proto__` is a computed key, which makes a property, not the prototype.
    const fields = names.map((name, i) =>
      name === '__proto__' ? `["__proto__"]: v[${i}]` : `${JSON.stringify(name)}: v[${i}]`,
    );
    build = new Function('v', `return { ${fields.join(', ')} };`) as RowBuilder;
    // Column lists are as many as the queries the code writes; the bound is only a safeguard.
    if (rowBuilders.size >= 2000) rowBuilders.clear();
    rowBuilders.set(key, build);
  }
  return build;
}

export function openPostgres(connectionString: string): Database {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // One representation of time across engines: ISO-8601 UTC strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === PG_TIMESTAMPTZ) return isoFromTimestamptz;
        if (oid === PG_INT8) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool: withNamedStatements(pool) }),
  });
  return Object.freeze({
    db,
    dialect: dialectFor('postgres'),
    sqlitePath: undefined,
    optimize: async () => {},
    close: () => db.destroy(),
  });
}

/** Throws `database_unavailable` unless the database answers a trivial query. */
export async function pingDatabase(database: Database): Promise<void> {
  try {
    await sql`select 1`.execute(database.db);
  } catch (cause) {
    throw new AppError('database_unavailable', `Database did not answer: ${(cause as Error).message}`);
  }
}

/** How many distinct queries get a server-side prepared statement; the rest are sent as they are. */
const NAMED_STATEMENTS = 500;

/**
 * PostgreSQL parses and plans every unnamed query anew, about half of its CPU on the inbox's short
 * reads. A parameterised query run outside a transaction and seen a second time gets a name, so
 * each connection prepares it once and then only binds and executes it.
 *
 * Only queries outside transactions: after five runs PostgreSQL may keep a generic plan for a
 * named statement, and for the pipeline's batch lookups (`display_name in (…)`, `handle_key in
 * (…)`, the recent-contacts count, all inside its batch transaction) the generic plan was twenty
 * times slower (docs/architecture.md). Requests' reads run outside transactions; batch work and
 * writes run inside them and keep plans made for their values.
 *
 * Should a migration change the columns of a table a prepared `select *` reads, PostgreSQL refuses
 * the old plan ("cached plan must not change result type"): that text is then sent unnamed on
 * that connection.
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const seen = new Set<string>();
  const nameOf = (text: string): string | undefined => {
    const known = names.get(text);
    if (known || names.size >= NAMED_STATEMENTS) return known;
    if (!seen.has(text)) {
      if (seen.size < 10 * NAMED_STATEMENTS) seen.add(text);
      return undefined;
    }
    const name = `rapport_${names.size + 1}`;
    names.set(text, name);
    return name;
  };
  const clients = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    const unnamed = new Set<string>();
    let inTransaction = false;
    const query = async (text: string, values?: readonly unknown[]) => {
      if (typeof text !== 'string') return client.query(text);
      const verb = text.trimStart().slice(0, 8).toLowerCase();
      if (verb.startsWith('begin') || verb.startsWith('start')) inTransaction = true;
      else if (verb.startsWith('commit') || verb.startsWith('rollback')) inTransaction = false;
      const name =
        !inTransaction && values && values.length > 0 && !unnamed.has(text) ? nameOf(text) : undefined;
      if (!name) return client.query(text, values as unknown[]);
      try {
        return await client.query({ name, text, values: values as unknown[] });
      } catch (error) {
        if ((error as { code?: string }).code !== '0A000') throw error;
        unnamed.add(text);
        return client.query(text, values as unknown[]);
      }
    };
    return { query, release: () => client.release() } as unknown as PostgresPoolClient;
  };
  return {
    end: () => pool.end(),
    async connect() {
      const client = await pool.connect();
      let wrapped = clients.get(client);
      if (!wrapped) {
        wrapped = wrap(client);
        clients.set(client, wrapped);
      }
      return wrapped;
    },
  };
}
