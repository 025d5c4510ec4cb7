import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  await db.schema.alterTable('customers').addColumn('lifecycle_stage', 'text').execute();

  // Per-customer mention statistics, precomputed so that segments count 100k customers without
  // scanning their mentions (src/modules/customers/customer-stats.ts; docs/segments.md).
  await db.schema
    .createTable('customer_stats')
    .addColumn('customer_id', 'text', (c) => c.primaryKey().references('customers.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('mentions', 'integer', (c) => c.notNull())
    .addColumn('positive', 'integer', (c) => c.notNull())
    .addColumn('negative', 'integer', (c) => c.notNull())
    .addColumn('neutral', 'integer', (c) => c.notNull())
    .addColumn('followers', 'bigint')
    .addColumn('influence', 'double precision')
    .addColumn('last_mention_at', d.timestampType)
    .addColumn('last_positive_at', d.timestampType)
    .addColumn('last_negative_at', d.timestampType)
    .addColumn('intent_purchase_intent', 'integer', (c) => c.notNull())
    .addColumn('intent_complaint', 'integer', (c) => c.notNull())
    .addColumn('intent_support_question', 'integer', (c) => c.notNull())
    .addColumn('intent_praise', 'integer', (c) => c.notNull())
    .addColumn('intent_idea', 'integer', (c) => c.notNull())
    .addColumn('intent_churn_risk', 'integer', (c) => c.notNull())
    .addColumn('intent_spam', 'integer', (c) => c.notNull())
    .addColumn('computed_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('customer_stats_workspace_idx')
    .on('customer_stats')
    .columns(['workspace_id', 'customer_id'])
    .execute();

  // How far the incremental refresh has read the mentions of a workspace.
  await db.schema
    .createTable('customer_stats_state')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('last_mention_id', 'bigint', (c) => c.notNull())
    .addColumn('rebuilt_at', d.timestampType)
    .execute();

  await db.schema
    .createTable('segments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('rule', d.jsonType)
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('segments_name_idx').on('segments').columns(['workspace_id', 'name']).execute();

  await db.schema
    .createTable('segment_members')
    .addColumn('segment_id', 'text', (c) => c.notNull().references('segments.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('added_by', 'text')
    .addColumn('added_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['segment_id', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('segment_members_customer_idx')
    .on('segment_members')
    .column('customer_id')
    .execute();
}
