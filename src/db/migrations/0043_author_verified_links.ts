import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // What each account's verified profile links name (another network's account, or a domain), so
  // that an account seen later can be matched to the profile that already named it.
  await db.schema
    .createTable('author_verified_links')
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('authors.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('target_channel', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('author_verified_links_pk', ['author_id', 'target_channel', 'target'])
    .execute();
  await db.schema
    .createIndex('author_verified_links_target_idx')
    .on('author_verified_links')
    .columns(['workspace_id', 'target_channel', 'target'])
    .execute();
}
