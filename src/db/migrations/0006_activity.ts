import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // The transactional bin: orders, subscriptions, refunds posted by other systems or imported.
  // `external_id` (the other system's key) is unique per workspace when present, so a retried
  // post or a re-imported file does not count an order twice.
  await db.schema
    .createTable('customer_transactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('external_id', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('occurred_at', d.timestampType, (c) => c.notNull())
    .addColumn('properties', d.jsonType, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('customer_transactions_external_key', ['workspace_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('customer_transactions_customer_idx')
    .on('customer_transactions')
    .columns(['workspace_id', 'customer_id', 'occurred_at', 'id'])
    .execute();

  // The behaviour bin: clickstream-like events keyed by whichever identity the sender knew.
  await db.schema
    .createTable('customer_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('occurred_at', d.timestampType, (c) => c.notNull())
    .addColumn('properties', d.jsonType, (c) => c.notNull())
    .addColumn('identity_kind', 'text', (c) => c.notNull())
    .addColumn('identity_value', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('customer_events_customer_idx')
    .on('customer_events')
    // With `id` last, a keyset page (time, then id) reads the index in order, no sort.
    .columns(['workspace_id', 'customer_id', 'occurred_at', 'id'])
    .execute();
  await db.schema
    .createIndex('customer_events_name_idx')
    .on('customer_events')
    .columns(['workspace_id', 'name', 'occurred_at'])
    .execute();
}
