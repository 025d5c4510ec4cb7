import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // In-network influence per author, rewritten as a whole for a workspace by each recompute
  // (src/modules/customers/influence.ts; docs/influence.md).
  await db.schema
    .createTable('author_influence')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('author_id', 'bigint', (c) => c.notNull().references('authors.id').onDelete('cascade'))
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('pagerank', 'double precision', (c) => c.notNull())
    .addColumn('in_degree', 'integer', (c) => c.notNull())
    .addColumn('out_degree', 'integer', (c) => c.notNull())
    .addColumn('followers', 'integer')
    .addColumn('positive', 'integer', (c) => c.notNull())
    .addColumn('negative', 'integer', (c) => c.notNull())
    .addColumn('mentions', 'integer', (c) => c.notNull())
    .addColumn('reasons', d.jsonType, (c) => c.notNull())
    .addColumn('computed_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('author_influence_pk', ['workspace_id', 'author_id'])
    .execute();
  await db.schema
    .createIndex('author_influence_rank_idx')
    .on('author_influence')
    .columns(['workspace_id', 'score desc'])
    .execute();
}
