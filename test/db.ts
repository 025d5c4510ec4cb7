import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { type Config, loadConfig } from '../src/config.ts';
import { type AppContext, createContext } from '../src/context.ts';
import { type Database, openPostgres, openSqlite } from '../src/db/client.ts';
import { createHeavyReader } from '../src/db/heavy-read.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createLogger } from '../src/log.ts';

/** Which engine the service and HTTP suites run on: `RAPPORT_TEST_ENGINE=postgres` needs TEST_DATABASE_URL. */
export const testEngine: 'sqlite' | 'postgres' =
  process.env.RAPPORT_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** A clock the test moves by hand. */
export type TestClock = { now: () => Date; set(iso: string): void; advance(ms: number): void };

export function createTestClock(start = '2026-11-23T09:00:00.000Z'): TestClock {
  let current = Date.parse(start);
  return {
    now: () => new Date(current),
    set: (iso) => {
      current = Date.parse(iso);
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

export type TestDatabase = {
  ctx: AppContext;
  clock: TestClock;
  /** How another process reaches the same database: a PostgreSQL URL or a SQLite file path. */
  location: { databaseUrl?: string; sqlitePath?: string };
  close(): Promise<void>;
};

/** A fresh, migrated database on the test engine: a new SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'rapport-test-'));
  const config: Config = {
    ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }),
    secretKey: 'test-secret-key-test-secret-key-0123456789',
  };
  let database: Database;
  let dropDatabase = async () => {};
  let location: TestDatabase['location'];
  if (testEngine === 'postgres') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('RAPPORT_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
    const name = `rapport_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    database = openPostgres(target.toString());
    location = { databaseUrl: target.toString() };
    dropDatabase = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  } else {
    database = openSqlite(path.join(dir, 'rapport.sqlite'));
    location = { sqlitePath: path.join(dir, 'rapport.sqlite') };
  }
  await migrateToLatest(database);
  const clock = createTestClock();
  const heavy = createHeavyReader(database);
  const ctx = createContext(database, heavy, config, createLogger({ logLevel: 'silent' }), clock.now);
  return {
    ctx,
    clock,
    location,
    close: async () => {
      await heavy.close();
      await database.close();
      await dropDatabase();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One fresh database for the whole test file, opened before its tests and removed after. */
export function setupTestDatabase(): TestDatabase {
  let opened: TestDatabase | undefined;
  beforeAll(async () => {
    opened = await createTestDatabase();
  });
  afterAll(async () => {
    await opened?.close();
  });
  const get = () => {
    if (!opened) throw new Error('The test database is opened in beforeAll');
    return opened;
  };
  return {
    get ctx() {
      return get().ctx;
    },
    get clock() {
      return get().clock;
    },
    get location() {
      return get().location;
    },
    close: () => get().close(),
  };
}
