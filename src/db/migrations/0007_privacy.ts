import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Consent by purpose and channel. Append-only: every change is a new row, so the history is the
  // table and the current state is the latest row per (customer, purpose, channel). The serial id
  // orders changes recorded within the same millisecond.
  await d
    .addSerialId(db.schema.createTable('customer_consents'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source', 'text')
    .addColumn('recorded_by', 'text')
    .addColumn('recorded_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('customer_consents_customer_idx')
    .on('customer_consents')
    .columns(['workspace_id', 'customer_id', 'id'])
    .execute();

  // The record that an erasure happened: who asked, why, and how much was removed. No personal
  // data: the customer id is an opaque key that now points at a blanked row.
  await db.schema
    .createTable('customer_erasures')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('counts', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('customer_erasures_customer_idx')
    .on('customer_erasures')
    .columns(['workspace_id', 'customer_id'])
    .execute();

  await db.schema.alterTable('customers').addColumn('erased_at', d.timestampType).execute();
}
