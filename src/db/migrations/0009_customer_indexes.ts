import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // "Customers with an identity on channel X" (the segment field `channel`): an index-only range
  // of the channel's identities instead of a scan of all identities (SQLite) or a heap probe per
  // customer (PostgreSQL). docs/benchmarks.md, customers.
  await db.schema
    .createIndex('identities_channel_idx')
    .on('identities')
    .columns(['workspace_id', 'channel', 'customer_id'])
    .execute();

  // The customer list's search box matches any part of a name, email, handle or address: a
  // substring (trigram) index instead of a scan of every customer and identity at 100k customers.
  await d.createSubstringIndex(db, 'customers', ['display_name', 'primary_email']);
  await d.createSubstringIndex(db, 'identities', ['handle', 'external_id']);
}
