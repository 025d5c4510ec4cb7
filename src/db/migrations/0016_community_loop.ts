import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // An idea linked to a mention or a case that asked for the same thing: suggested by text
  // similarity, then confirmed or rejected by an agent. `target_key` (`mention:<id>` or
  // `case:<id>`) makes a pair unique whichever kind it is, so a suggestion never comes back after
  // a decision.
  await db.schema
    .createTable('community_idea_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('mention_id', 'bigint')
    .addColumn('case_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('evidence', d.jsonType, (c) => c.notNull())
    .addColumn('confirmed_by', 'text')
    .addColumn('decided_at', d.timestampType)
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('community_idea_links_pair_key', ['thread_id', 'target_key'])
    .execute();
  await db.schema
    .createIndex('community_idea_links_thread_idx')
    .on('community_idea_links')
    .columns(['workspace_id', 'thread_id', 'status'])
    .execute();
  await db.schema
    .createIndex('community_idea_links_case_idx')
    .on('community_idea_links')
    .columns(['workspace_id', 'case_id'])
    .execute();

  // Named cursors of the loop's scheduled passes. The fan-out locks its row for the length of a
  // pass, so two schedulers never tell the same change twice.
  await db.schema
    .createTable('community_loop_cursors')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('last_id', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  // Changes made before this migration were never promised a notification: start after them.
  const max = await sql<{
    n: number | string | null;
  }>`select max(id) as n from community_idea_status_changes`.execute(db);
  await db
    .insertInto('community_loop_cursors')
    .values({
      name: 'idea_status_changes',
      last_id: Number(max.rows[0]?.n ?? 0),
      updated_at: new Date().toISOString(),
    })
    .execute();

  // In-app notifications of members: one per member and status change (the unique key is what
  // makes "exactly once" hold when a pass is retried).
  await d
    .addSerialId(db.schema.createTable('community_member_notifications'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('change_id', 'bigint', (c) =>
      c.notNull().references('community_idea_status_changes.id').onDelete('cascade'),
    )
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('reasons', d.jsonType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('read_at', d.timestampType)
    .addUniqueConstraint('community_member_notifications_change_key', ['change_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('community_member_notifications_member_idx')
    .on('community_member_notifications')
    .columns(['member_id', 'id'])
    .execute();

  // What a status change sends outside the app: an email to a member, or a reply on a linked
  // case through the inbox outbox. Written in the fan-out's transaction, delivered by the worker.
  await db.schema
    .createTable('community_loop_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('change_id', 'bigint', (c) =>
      c.notNull().references('community_idea_status_changes.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text')
    .addColumn('case_id', 'text')
    .addColumn('recipient', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('sent_at', d.timestampType)
    .addUniqueConstraint('community_loop_deliveries_target_key', ['change_id', 'kind', 'target_key'])
    .execute();
  await db.schema
    .createIndex('community_loop_deliveries_due_idx')
    .on('community_loop_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  // Per workspace: after how many hours an unanswered community question becomes a case.
  await db.schema
    .createTable('community_unanswered_policy')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('hours', 'integer', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();

  // A question that became a case: the primary key is what makes it happen once per question.
  await db.schema
    .createTable('community_question_cases')
    .addColumn('thread_id', 'text', (c) =>
      c.primaryKey().references('community_threads.id').onDelete('cascade'),
    )
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('case_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_question_cases_case_idx')
    .on('community_question_cases')
    .columns(['workspace_id', 'case_id'])
    .execute();

  // A thread shared to the workspace's Bluesky or Mastodon account, delivered by the worker.
  await db.schema
    .createTable('community_shares')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('external_id', 'text')
    .addColumn('external_url', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('sent_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('community_shares_thread_idx')
    .on('community_shares')
    .columns(['workspace_id', 'thread_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('community_shares_due_idx')
    .on('community_shares')
    .columns(['status', 'next_attempt_at'])
    .execute();
}
