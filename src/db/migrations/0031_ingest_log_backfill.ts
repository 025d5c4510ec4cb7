import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // 1 for history a connector fetched on purpose (the demo's first-run week, a feed's first read,
  // Mastodon's gap fill after a reconnect) rather than items it received as they were posted: a
  // connector's items per minute counts the live ones only (docs/connectors.md, Health). A column
  // with a constant default is added without rewriting the table on both engines.
  await db.schema
    .alterTable('ingest_log')
    .addColumn('backfill', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
