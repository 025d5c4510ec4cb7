import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // How many of a connector's items the pipeline passed over (`keep: matching`,
  // docs/connectors.md#what-is-kept), beside `items_total`, how many it read.
  await db.schema
    .alterTable('connectors')
    .addColumn('items_passed_over', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
}
