import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The JetStream message an entry was relayed from (docs/operations.md, Scaling out): a message
  // redelivered after its entry was written (the worker died before acknowledging it) is
  // recognised by its id and written once. Entries appended locally leave it null, and the
  // partial index costs them nothing.
  await db.schema.alterTable('ingest_log').addColumn('transport_id', 'text').execute();
  await db.schema
    .createIndex('ingest_log_transport_id_idx')
    .on('ingest_log')
    .column('transport_id')
    .unique()
    .where(sql.ref('transport_id'), 'is not', null)
    .execute();
}
