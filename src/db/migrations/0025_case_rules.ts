import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // What a rule runs on: a stored post (the rules so far), a case created or updated, or time
  // passing on a case (src/modules/inbox/case-rules.ts).
  await db.schema
    .alterTable('routing_rules')
    .addColumn('event', 'text', (c) => c.notNull().defaultTo('mention_stored'))
    .execute();
  // When the customer last wrote and an agent last answered: what "hours since" rules measure.
  await db.schema.alterTable('cases').addColumn('last_customer_message_at', d.timestampType).execute();
  await db.schema.alterTable('cases').addColumn('last_agent_reply_at', d.timestampType).execute();
  // How far each workspace's case rules have read the record feed.
  await db.schema
    .createTable('case_rule_state')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('last_event_id', 'bigint', (c) => c.notNull())
    // Pool key → the user assigned last, for case rules' round robin (posts' rules keep their own).
    .addColumn('round_robin', d.jsonType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  // A time rule fires once per case and moment it measures from (`anchor`, a copy of the case's
  // column, so the two compare exactly in SQL): a case solved again later can be closed again,
  // but the same solve is not acted on twice.
  await db.schema
    .createTable('case_rule_firings')
    .addColumn('rule_id', 'text', (c) => c.notNull().references('routing_rules.id').onDelete('cascade'))
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('anchor', d.timestampType, (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('fired_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_rule_firings_pkey', ['rule_id', 'case_id', 'anchor'])
    .execute();
  await db.schema
    .createIndex('case_rule_firings_case_idx')
    .on('case_rule_firings')
    .column('case_id')
    .execute();
}
