import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
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
  close(): Promise<void>;
}>;

const PG_INT8 = 20;
const PG_TIMESTAMPTZ = 1184;

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
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: connection }) });
  return Object.freeze({
    db,
    dialect: dialectFor('sqlite'),
    sqlitePath: file,
    close: () => db.destroy(),
  });
}

export function openPostgres(connectionString: string): Database {
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    // One representation of time across engines: ISO-8601 UTC strings.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
        if (oid === PG_TIMESTAMPTZ) return (v: string) => new Date(v).toISOString();
        if (oid === PG_INT8) return (v: string) => Number(v);
        return pg.types.getTypeParser(oid, format);
      }) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return Object.freeze({
    db,
    dialect: dialectFor('postgres'),
    sqlitePath: undefined,
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
