import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Which process reads a connector's source (docs/operations.md, Splitting services): each
  // process running the connectors service holds a lease per connector it runs and renews it;
  // another process takes a connector over once its lease has expired (its holder died) or was
  // given back (its holder stopped).
  await db.schema
    .createTable('connector_leases')
    .addColumn('connector_id', 'text', (c) => c.primaryKey().references('connectors.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', d.timestampType, (c) => c.notNull())
    .execute();
}
