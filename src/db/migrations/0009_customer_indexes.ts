import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>): Promise<void> {
  // "Customers with an identity on channel X" (the segment field `channel`): an index-only range
  // of the channel's identities instead of a scan of all identities (SQLite) or a heap probe per
  // customer (PostgreSQL). docs/benchmarks.md, customers.
  await db.schema
    .createIndex('identities_channel_idx')
    .on('identities')
    .columns(['workspace_id', 'channel', 'customer_id'])
    .execute();
}
