import { type ColumnDataType, type CreateTableBuilder, type Expression, type RawBuilder, sql } from 'kysely';

/**
 * Everything that SQLite and PostgreSQL do differently lives here and nowhere else:
 * column types for timestamps and JSON, JSON values, date bucketing, auto-increment keys.
 * Full-text search, job claiming and change notifications join this module as the features
 * that need them land (see docs/architecture.md).
 */
export type DialectName = 'sqlite' | 'postgres';

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
  /** Truncates a timestamp column to the start of its UTC hour or day, as ISO text. */
  dateBucket(column: Expression<string> | RawBuilder<string>, unit: 'hour' | 'day'): RawBuilder<string>;
}>;

const sqlite: Dialect = Object.freeze({
  name: 'sqlite',
  timestampType: 'text',
  jsonType: 'text',
  addSerialId: (table) => table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement()),
  toJson: (value: unknown) => JSON.stringify(value),
  parseJson: <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  dateBucket: (column, unit) =>
    unit === 'hour'
      ? sql<string>`strftime('%Y-%m-%dT%H:00:00.000Z', ${column})`
      : sql<string>`strftime('%Y-%m-%dT00:00:00.000Z', ${column})`,
});

const postgres: Dialect = Object.freeze({
  name: 'postgres',
  timestampType: 'timestamptz',
  jsonType: 'jsonb',
  addSerialId: (table) => table.addColumn('id', 'bigserial', (c) => c.primaryKey()),
  toJson: (value: unknown) => JSON.stringify(value),
  parseJson: <T>(value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as T,
  dateBucket: (column, unit) =>
    sql<string>`to_char(date_trunc(${sql.lit(unit)}, ${column}, 'UTC') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
});

export function dialectFor(name: DialectName): Dialect {
  return name === 'sqlite' ? sqlite : postgres;
}
