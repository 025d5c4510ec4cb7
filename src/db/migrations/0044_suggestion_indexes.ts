import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The suggestions page walks the workspace's suggestions of a status highest confidence first
  // (keyset on confidence and id) in this index's order, instead of sorting all of them; it
  // replaces (workspace_id, status, id), which no query orders by.
  await db.schema
    .createIndex('identity_suggestions_rank_idx')
    .on('identity_suggestions')
    .columns(['workspace_id', 'status', 'confidence', 'id'])
    .execute();
  await db.schema.dropIndex('identity_suggestions_status_idx').execute();
  // A customer's suggestions are those naming them on either side: the pair's unique index
  // starts with the first (customer_id), this one serves the other.
  await db.schema
    .createIndex('identity_suggestions_other_idx')
    .on('identity_suggestions')
    .columns(['workspace_id', 'other_customer_id'])
    .execute();
}
