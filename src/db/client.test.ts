import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../test/db.ts';
import { type Database, isoFromTimestamptz, openSqlite } from './client.ts';

describe('SQLite planner statistics', () => {
  it('gathers statistics on opening, so a workspace-wide index no longer wins over a selective one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-stats-'));
    const file = path.join(dir, 'test.sqlite');
    try {
      // The shape that went wrong: (workspace, …) indexes against one on the column asked for.
      let database = openSqlite(file);
      await sql`create table links (id integer primary key, ws text not null, author integer, customer text)`.execute(
        database.db,
      );
      await sql`create index links_ws_author on links (ws, author, customer)`.execute(database.db);
      await sql`create index links_customer on links (customer)`.execute(database.db);
      await sql`insert into links (ws, author, customer)
        with recursive n(v) as (select 1 union all select v + 1 from n where v < 20000)
        select 'w1', v, 'c' || (v % 5000) from n`.execute(database.db);
      const plan = async () =>
        (
          await sql<{ detail: string }>`explain query plan
            select * from links where ws = 'w1' and customer in ('c1', 'c2')`.execute(database.db)
        ).rows
          .map((r) => r.detail)
          .join('; ');
      expect(await plan()).toContain('links_ws_author');
      await database.close();

      database = openSqlite(file);
      expect(await plan()).toContain('links_customer');
      const stats = await sql<{ idx: string }>`select idx from sqlite_stat1 where tbl = 'links'`.execute(
        database.db,
      );
      expect(stats.rows.map((r) => r.idx).sort()).toEqual(['links_customer', 'links_ws_author']);
      // The hourly refresh runs through the query builder and leaves the statistics in place.
      await database.optimize();
      expect(await plan()).toContain('links_customer');
      await database.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The statement cache lives in the SQLite client only; PostgreSQL sends each query as it is.
describe('SQLite statement cache', () => {
  let dir: string;
  let database: Database;
  const open = async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rapport-client-'));
    database = openSqlite(path.join(dir, 'test.sqlite'));
    await sql`create table notes (id integer primary key, body text not null)`.execute(database.db);
    return database.db as unknown as import('kysely').Kysely<{ notes: { id: number; body: string } }>;
  };
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a reused statement with new parameters and sees rows written since', async () => {
    const db = await open();
    const bodies = () => db.selectFrom('notes').select('body').where('id', '>', 0).orderBy('id').execute();
    expect(await bodies()).toEqual([]);
    await db.insertInto('notes').values({ id: 1, body: 'first' }).execute();
    await db.insertInto('notes').values({ id: 2, body: 'second' }).execute();
    expect((await bodies()).map((r) => r.body)).toEqual(['first', 'second']);
    const after = await db.selectFrom('notes').select('body').where('id', '>', 1).execute();
    expect(after.map((r) => r.body)).toEqual(['second']);
  });

  it('runs a query again after a stream of it was left part-way', async () => {
    const db = await open();
    await db
      .insertInto('notes')
      .values([1, 2, 3].map((id) => ({ id, body: `note ${id}` })))
      .execute();
    const query = () => db.selectFrom('notes').select('body').where('id', '>', 0).orderBy('id');
    for await (const row of query().stream()) {
      expect(row.body).toBe('note 1');
      break;
    }
    expect((await query().execute()).map((r) => r.body)).toEqual(['note 1', 'note 2', 'note 3']);
  });

  it('gives each row its columns as named in the query, whatever the names', async () => {
    const db = await open();
    await db.insertInto('notes').values({ id: 7, body: 'seven' }).execute();
    const { rows } = await sql<Record<string, unknown>>`
      select id as "note id", body as "body.copy", body as "__proto__", id + 1 as next, count(*) as n,
        'first' as dup, 'second' as dup
      from notes`.execute(db);
    expect(rows).toEqual([
      { 'note id': 7, 'body.copy': 'seven', ['__proto__']: 'seven', next: 8, n: 1, dup: 'second' },
    ]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(Object.hasOwn(rows[0] ?? {}, '__proto__')).toBe(true);
    const streamed = [];
    for await (const row of db.selectFrom('notes').select(['id as n', 'body']).stream()) streamed.push(row);
    expect(streamed).toEqual([{ n: 7, body: 'seven' }]);
  });

  it('names the columns of select * as the table has them after another process renames one', async () => {
    const db = await open();
    await db.insertInto('notes').values({ id: 1, body: 'first' }).execute();
    const everything = () => db.selectFrom('notes').selectAll().execute();
    const streamed = async () => {
      const rows = [];
      for await (const row of db.selectFrom('notes').selectAll().stream()) rows.push(row);
      return rows;
    };
    expect(await everything()).toEqual([{ id: 1, body: 'first' }]);
    expect(await streamed()).toEqual([{ id: 1, body: 'first' }]);
    const other = new SQLite(path.join(dir, 'test.sqlite'));
    other.exec('alter table notes rename column body to text');
    other.close();
    expect(await everything()).toEqual([{ id: 1, text: 'first' }]);
    expect(await streamed()).toEqual([{ id: 1, text: 'first' }]);
  });

  it('picks up a column added after the statement was first prepared', async () => {
    const db = await open();
    await db.insertInto('notes').values({ id: 1, body: 'first' }).execute();
    const everything = () => db.selectFrom('notes').selectAll().execute();
    expect(Object.keys((await everything())[0] ?? {})).toEqual(['id', 'body']);
    await sql`alter table notes add column tag text`.execute(db);
    expect(Object.keys((await everything())[0] ?? {})).toEqual(['id', 'body', 'tag']);
  });
});

describe('SQLite transactions beside another process', () => {
  it('take the write lock when they begin, so another writer waits instead of failing on a stale snapshot', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-begin-'));
    const file = path.join(dir, 'test.sqlite');
    const database = openSqlite(file);
    // Another process's connection (the CLI beside a server), not waiting at all for the lock.
    const other = new SQLite(file);
    other.pragma('busy_timeout = 0');
    try {
      await sql`create table notes (id integer primary key, body text not null)`.execute(database.db);
      const db = database.db as unknown as Kysely<{ notes: { id: number; body: string } }>;
      const othersWrite = () =>
        other.prepare("insert into notes (body) values ('from the other process')").run();
      await db.transaction().execute(async (trx) => {
        // Only a read so far: a deferred transaction would hold no lock yet, and a write by the
        // other process now would make this transaction's own write fail with SQLITE_BUSY_SNAPSHOT.
        await trx.selectFrom('notes').select('id').execute();
        expect(othersWrite).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
        await trx.insertInto('notes').values({ id: 1, body: 'ours' }).execute();
      });
      othersWrite();
      const bodies = await db.selectFrom('notes').select('body').orderBy('id').execute();
      expect(bodies.map((r) => r.body)).toEqual(['ours', 'from the other process']);
    } finally {
      other.close();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// On SQLite these go through the statement cache; PostgreSQL must answer them the same way.
describe(`repeated queries on the test engine (${testEngine})`, () => {
  const t = setupTestDatabase();
  const scratch = () =>
    t.ctx.db as unknown as import('kysely').Kysely<{ scratch_notes: { id: number; body: string } }>;

  it('answers a repeated query with each call’s own parameters', async () => {
    await sql`create table scratch_notes (id integer primary key, body text not null)`.execute(t.ctx.db);
    const db = scratch();
    await db
      .insertInto('scratch_notes')
      .values([1, 2, 3, 4].map((id) => ({ id, body: `note ${id}` })))
      .execute();
    for (let round = 0; round < 3; round++)
      for (const id of [1, 2, 3, 4]) {
        const row = await db
          .selectFrom('scratch_notes')
          .select('body')
          .where('id', '=', id)
          .executeTakeFirst();
        expect(row?.body).toBe(`note ${id}`);
      }
  });

  it('answers select * with a column added since the query last ran', async () => {
    const db = scratch();
    const everything = () =>
      db.selectFrom('scratch_notes').selectAll().where('id', '>', 0).orderBy('id').execute();
    for (let i = 0; i < 20; i++) await Promise.all([everything(), everything(), everything()]);
    await sql`alter table scratch_notes add column tag text`.execute(t.ctx.db);
    for (let i = 0; i < 20; i++) {
      const rows = await Promise.all([everything(), everything(), everything()]);
      for (const r of rows) expect(Object.keys(r[0] ?? {}).sort()).toEqual(['body', 'id', 'tag']);
    }
  });
});

// Named statements are for reads outside transactions only: a batch transaction keeps plans made
// for its own values (docs/architecture.md).
describe.skipIf(testEngine !== 'postgres')('PostgreSQL named statements', () => {
  const t = setupTestDatabase();
  const named = (text: string) =>
    sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements where statement = ${text}`;

  it('prepares a query repeated outside a transaction once per connection, and none inside one', async () => {
    const outside = 'select $1::int + 1 as v';
    const inside = 'select $1::int + 2 as v';
    await t.ctx.db.connection().execute(async (conn) => {
      for (let i = 0; i < 3; i++) {
        const { rows } = await sql<{ v: number }>`select ${i}::int + 1 as v`.execute(conn);
        expect(rows[0]?.v).toBe(i + 1);
      }
      expect((await named(outside).execute(conn)).rows[0]?.n).toBe(1);
    });
    await t.ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 3; i++) {
        const { rows } = await sql<{ v: number }>`select ${i}::int + 2 as v`.execute(trx);
        expect(rows[0]?.v).toBe(i + 2);
      }
      expect((await named(inside).execute(trx)).rows[0]?.n).toBe(0);
    });
  });
});

describe('timestamptz text to ISO-8601', () => {
  it('gives what Date gives for the forms a UTC session prints', () => {
    for (const value of [
      '2026-12-02 10:00:00+00',
      '2026-12-02 10:00:00.5+00',
      '2026-12-02 10:00:00.05+00',
      '2026-12-02 10:00:00.123+00',
      '2026-12-02 23:59:59.999999+00',
      '1999-01-01 00:00:00.000001+00',
    ])
      expect(isoFromTimestamptz(value)).toBe(new Date(value).toISOString());
    expect(isoFromTimestamptz('2026-12-02 10:00:00.5+00')).toBe('2026-12-02T10:00:00.500Z');
  });

  it('reads other session time zones through Date', () => {
    expect(isoFromTimestamptz('2026-12-02 11:30:00.25+01:30')).toBe('2026-12-02T10:00:00.250Z');
  });
});
