import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Saved views of the inbox (src/modules/inbox/views.ts): a person's own filters, or shared
  // with the workspace. `filters` holds the vocabulary of GET /cases; `position` orders a
  // person's own views among themselves, and the shared views among themselves.
  await db.schema
    .createTable('inbox_views')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('owner_user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('filters', d.jsonType, (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    // Names are unique per owner; the key also serves a person's own views and their count.
    .addUniqueConstraint('inbox_views_owner_name_key', ['workspace_id', 'owner_user_id', 'name'])
    .execute();
  // The shared views of a workspace, in their order. Partial, so that a person's own views (at
  // most 50) are found through the owner key above rather than among every personal view of the
  // workspace, which a (workspace, shared) index would offer the planner.
  await db.schema
    .createIndex('inbox_views_shared_idx')
    .on('inbox_views')
    .columns(['workspace_id', 'position'])
    .where(sql.ref('shared'), '=', 1)
    .execute();
}
