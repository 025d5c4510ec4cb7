import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // A connector's health counts its items of the last five minutes. Without an index that read
  // every row of the log (payloads included) on each poll of the health page, and the log keeps
  // INGEST_LOG_RETENTION_DAYS of items. Appends pay one small index entry each.
  await db.schema
    .createIndex('ingest_log_connector_received_idx')
    .on('ingest_log')
    .columns(['connector_id', 'received_at'])
    .execute();
}
