import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // A post that calls an account or address its author's own, when no customer holds that account
  // yet: kept so that the account's first appearance suggests the merge (the weak rule's other
  // side). The row names only the target's lookup key; the claim itself is read again from the post.
  await db.schema
    .createTable('pending_cross_references')
    .addColumn('mention_id', 'bigint', (c) => c.notNull().references('mentions.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('target_channel', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('pending_cross_references_pk', ['mention_id', 'target_channel', 'target_key'])
    .execute();
  await db.schema
    .createIndex('pending_cross_references_target_idx')
    .on('pending_cross_references')
    .columns(['workspace_id', 'target_key'])
    .execute();
}
