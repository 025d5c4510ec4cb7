import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  await db.schema
    .createTable('teams')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('teams_name_key', ['workspace_id', 'name'])
    .execute();
  await db.schema
    .createTable('team_members')
    .addColumn('team_id', 'text', (c) => c.notNull().references('teams.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('team_members_pkey', ['team_id', 'user_id'])
    .execute();
  await db.schema.createIndex('team_members_user_idx').on('team_members').column('user_id').execute();

  // A case groups the conversations about one need. `number` is the short, per-workspace
  // reference people say aloud ("case 42"); `tags` is space-separated for filtering, like
  // mentions.intents.
  await db.schema
    .createTable('cases')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('priority', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('assignee_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('team_id', 'text', (c) => c.references('teams.id').onDelete('set null'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('channel', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('custom_fields', d.jsonType, (c) => c.notNull())
    .addColumn('merged_into', 'text', (c) => c.references('cases.id'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addColumn('first_response_at', d.timestampType)
    .addColumn('solved_at', d.timestampType)
    .addColumn('closed_at', d.timestampType)
    .addUniqueConstraint('cases_number_key', ['workspace_id', 'number'])
    .execute();
  await db.schema.createIndex('cases_page_idx').on('cases').columns(['workspace_id', 'id']).execute();
  await db.schema
    .createIndex('cases_status_idx')
    .on('cases')
    .columns(['workspace_id', 'status', 'number'])
    .execute();
  await db.schema
    .createIndex('cases_assignee_idx')
    .on('cases')
    .columns(['workspace_id', 'assignee_user_id', 'number'])
    .execute();
  // The list filtered by priority ("urgent, newest first") walks this instead of every active case.
  await db.schema
    .createIndex('cases_priority_idx')
    .on('cases')
    .columns(['workspace_id', 'priority', 'number'])
    .execute();
  await db.schema
    .createIndex('cases_customer_idx')
    .on('cases')
    .columns(['workspace_id', 'customer_id', 'number'])
    .execute();

  // A conversation is one thread on one channel: a post and its replies (keyed by the thread's
  // root external id), an email thread, a community thread.
  await db.schema
    .createTable('conversations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('thread_key', 'text', (c) => c.notNull())
    .addColumn('case_id', 'text', (c) => c.references('cases.id'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('preview', 'text', (c) => c.notNull())
    .addColumn('last_activity_at', d.timestampType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('conversations_thread_key', ['workspace_id', 'channel', 'thread_key'])
    .execute();
  await db.schema.createIndex('conversations_case_idx').on('conversations').column('case_id').execute();

  // What became of a mention: turned into or attached to a case, answered, or dismissed with a
  // reason ("heard versus listened" is measured from these).
  await db.schema.alterTable('mentions').addColumn('disposition_reason', 'text').execute();
  await db.schema.alterTable('mentions').addColumn('disposition_at', d.timestampType).execute();
  await db.schema.alterTable('mentions').addColumn('disposition_by', 'text').execute();
  await db.schema.alterTable('mentions').addColumn('case_id', 'text').execute();
  await db.schema.createIndex('mentions_case_idx').on('mentions').column('case_id').execute();
  // Every case card and case carries its customer's summary, whose mention count and latest
  // mention (`customerSummaries`) this answers from the index alone: without it, each of a page's
  // customers costs a heap visit per mention (mentions rows are wide), most of a list's time at 1M mentions.
  await db.schema
    .createIndex('mentions_author_live_idx')
    .on('mentions')
    .columns(['author_id', 'created_at'])
    .where(sql.ref('deleted_at'), 'is', null)
    .execute();

  // Record feeds (cases now; leads and customers use the same tables), who follows a record, and
  // the in-app notifications that following produces.
  await d
    .addSerialId(db.schema.createTable('record_events'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_user_id', 'text')
    .addColumn('data', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('record_events_record_idx')
    .on('record_events')
    .columns(['workspace_id', 'record_type', 'record_id', 'id'])
    .execute();
  await db.schema
    .createTable('record_follows')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('record_follows_pkey', ['record_type', 'record_id', 'user_id'])
    .execute();
  await db.schema.createIndex('record_follows_user_idx').on('record_follows').column('user_id').execute();
  await d
    .addSerialId(db.schema.createTable('notifications'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('record_type', 'text', (c) => c.notNull())
    .addColumn('record_id', 'text', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('read_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'id'])
    .execute();

  // Routing rules, evaluated in `position` order for every stored mention; a later rule sees the
  // case earlier rules created or changed.
  await db.schema
    .createTable('routing_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('match', 'text', (c) => c.notNull())
    .addColumn('conditions', d.jsonType, (c) => c.notNull())
    .addColumn('actions', d.jsonType, (c) => c.notNull())
    .addColumn('fired_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_fired_at', d.timestampType)
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('routing_rules_order_idx')
    .on('routing_rules')
    .columns(['workspace_id', 'position'])
    .execute();
  // How far routing has read the mentions of each workspace, and whose turn round robin is.
  await db.schema
    .createTable('routing_state')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('last_mention_id', 'bigint', (c) => c.notNull())
    .addColumn('round_robin', d.jsonType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();

  // Who is looking at or answering a case right now: short-lived rows renewed by the browser, in
  // the database so every API process sees the same (no sticky sessions needed).
  await db.schema
    .createTable('case_presence')
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('case_presence_pkey', ['case_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('case_presence_workspace_idx')
    .on('case_presence')
    .columns(['workspace_id', 'expires_at'])
    .execute();

  // Service levels: the workspace's opening hours and holidays (in its time zone), ordered SLA
  // policies, and one clock per case and metric.
  await db.schema
    .createTable('business_hours')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('week', d.jsonType, (c) => c.notNull())
    .addColumn('holidays', d.jsonType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sla_policies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('conditions', d.jsonType, (c) => c.notNull())
    .addColumn('targets', d.jsonType, (c) => c.notNull())
    .addColumn('business_hours', 'integer', (c) => c.notNull())
    .addColumn('warn_before_minutes', 'integer', (c) => c.notNull())
    .addColumn('breach_actions', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sla_policies_order_idx')
    .on('sla_policies')
    .columns(['workspace_id', 'position'])
    .execute();
  await db.schema
    .createTable('case_sla')
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id').onDelete('cascade'))
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('target_ms', 'bigint', (c) => c.notNull())
    .addColumn('elapsed_ms', 'bigint', (c) => c.notNull())
    .addColumn('running_since', d.timestampType)
    .addColumn('due_at', d.timestampType)
    .addColumn('warned_at', d.timestampType)
    .addColumn('breached_at', d.timestampType)
    .addColumn('achieved_at', d.timestampType)
    .addPrimaryKeyConstraint('case_sla_pkey', ['case_id', 'metric'])
    .execute();
  await db.schema.createIndex('case_sla_due_idx').on('case_sla').columns(['status', 'due_at']).execute();

  // Replies go out through a durable outbox: queued in the transaction that records them,
  // delivered by the worker through the channel's connector, retried with backoff.
  await db.schema
    .createTable('outbox_replies')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('mention_id', 'bigint')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('external_id', 'text')
    .addColumn('external_url', 'text')
    .addColumn('author_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('sent_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('outbox_replies_due_idx')
    .on('outbox_replies')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('outbox_replies_case_idx')
    .on('outbox_replies')
    .columns(['case_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('case_notes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('case_id', 'text', (c) => c.notNull().references('cases.id'))
    .addColumn('author_user_id', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('mentioned_user_ids', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('case_notes_case_idx')
    .on('case_notes')
    .columns(['case_id', 'created_at'])
    .execute();
  await db.schema
    .createTable('canned_responses')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('shared', 'integer', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('canned_responses_workspace_idx')
    .on('canned_responses')
    .columns(['workspace_id', 'name'])
    .execute();
}
