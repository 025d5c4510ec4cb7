import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // A lead is one customer's buying interest on its way through the lifecycle stages. `number`
  // is the per-workspace reference people say aloud ("lead 12"), given like case numbers. The
  // score is stored so the board and lists sort by it; its explanation is kept beside it.
  await db.schema
    .createTable('leads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('disqualify_reason', 'text')
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('source_mention_id', 'bigint')
    .addColumn('source_rule_id', 'text')
    .addColumn('case_id', 'text', (c) => c.references('cases.id'))
    .addColumn('fit_score', 'integer', (c) => c.notNull())
    .addColumn('engagement_score', 'integer', (c) => c.notNull())
    .addColumn('score', 'integer', (c) => c.notNull())
    .addColumn('score_explanation', d.jsonType, (c) => c.notNull())
    .addColumn('scored_at', d.timestampType)
    .addColumn('handoff_status', 'text', (c) => c.notNull())
    .addColumn('handoff_from_user_id', 'text')
    .addColumn('handoff_to_user_id', 'text')
    .addColumn('handoff_note', 'text')
    .addColumn('handoff_at', d.timestampType)
    .addColumn('handoff_decided_at', d.timestampType)
    .addColumn('handoff_reason', 'text')
    .addColumn('first_contact_at', d.timestampType)
    .addColumn('closed_at', d.timestampType)
    .addColumn('created_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('leads_number_key', ['workspace_id', 'number'])
    .execute();
  // A customer's open lead, which a second buying signal joins. Not unique: merging two customers
  // that each have an open lead keeps both (an unmerge must give each its own back), and routing
  // already runs one worker at a time per workspace (the routing_state row lock).
  await db.schema
    .createIndex('leads_open_customer_idx')
    .on('leads')
    .columns(['workspace_id', 'customer_id'])
    .where(sql.ref('status'), '=', 'open')
    .execute();
  // The board's columns (best score first within a stage) and the list sorted by score.
  await db.schema
    .createIndex('leads_stage_idx')
    .on('leads')
    .columns(['workspace_id', 'status', 'stage', 'score', 'number'])
    .execute();
  await db.schema
    .createIndex('leads_score_idx')
    .on('leads')
    .columns(['workspace_id', 'status', 'score', 'number'])
    .execute();
  await db.schema
    .createIndex('leads_owner_idx')
    .on('leads')
    .columns(['workspace_id', 'owner_user_id', 'number'])
    .execute();
  await db.schema
    .createIndex('leads_handoff_idx')
    .on('leads')
    .columns(['workspace_id', 'handoff_status', 'handoff_to_user_id'])
    .execute();
  await db.schema.createIndex('leads_customer_idx').on('leads').columns(['customer_id']).execute();

  // The posts that made or joined a lead (a lead keeps them even when they belong to a case).
  await db.schema
    .createTable('lead_mentions')
    .addColumn('lead_id', 'text', (c) => c.notNull().references('leads.id').onDelete('cascade'))
    .addColumn('mention_id', 'bigint', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('added_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('lead_mentions_pkey', ['lead_id', 'mention_id'])
    .execute();
  await db.schema.createIndex('lead_mentions_mention_idx').on('lead_mentions').column('mention_id').execute();

  await db.schema
    .createTable('opportunities')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('lead_id', 'text', (c) => c.notNull().references('leads.id'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    // A calendar date (YYYY-MM-DD), not an instant: text on both engines.
    .addColumn('expected_close_on', 'text')
    .addColumn('owner_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('lost_reason', 'text')
    .addColumn('closed_at', d.timestampType)
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('opportunities_stage_idx')
    .on('opportunities')
    .columns(['workspace_id', 'stage', 'id'])
    .execute();
  await db.schema.createIndex('opportunities_lead_idx').on('opportunities').column('lead_id').execute();

  // The workspace's scoring rules (src/modules/sales/scoring.ts); absent = the defaults.
  await db.schema
    .createTable('lead_scoring_config')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('config', d.jsonType, (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
}
