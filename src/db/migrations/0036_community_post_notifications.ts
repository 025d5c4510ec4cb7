import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Members are now told about posts too (a reply in their thread, an answer to their question,
  // an @mention, an accepted answer), so a notification has a post instead of an idea status
  // change. One notification per post, member and kind (`post` or `answer_accepted`) is what
  // keeps a retried write from doubling it.
  if (d.name === 'postgres') {
    await sql`alter table community_member_notifications alter column change_id drop not null`.execute(db);
    await db.schema
      .alterTable('community_member_notifications')
      .addColumn('post_id', 'bigint', (c) => c.references('community_posts.id').onDelete('cascade'))
      .execute();
    await db.schema
      .alterTable('community_member_notifications')
      .addUniqueConstraint('community_member_notifications_post_key', ['post_id', 'member_id', 'kind'])
      .execute();
  } else {
    // SQLite cannot change a column's nullability: the table is rebuilt and its rows copied, ids kept.
    await d
      .addSerialId(db.schema.createTable('community_member_notifications_0036'))
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
      .addColumn('member_id', 'text', (c) =>
        c.notNull().references('community_members.id').onDelete('cascade'),
      )
      .addColumn('change_id', 'bigint', (c) =>
        c.references('community_idea_status_changes.id').onDelete('cascade'),
      )
      .addColumn('thread_id', 'text', (c) =>
        c.notNull().references('community_threads.id').onDelete('cascade'),
      )
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('reasons', d.jsonType, (c) => c.notNull())
      .addColumn('created_at', d.timestampType, (c) => c.notNull())
      .addColumn('read_at', d.timestampType)
      .addColumn('post_id', 'bigint', (c) => c.references('community_posts.id').onDelete('cascade'))
      .addUniqueConstraint('community_member_notifications_change_key', ['change_id', 'member_id'])
      .addUniqueConstraint('community_member_notifications_post_key', ['post_id', 'member_id', 'kind'])
      .execute();
    await sql`insert into community_member_notifications_0036
      (id, workspace_id, member_id, change_id, thread_id, kind, title, body, url, reasons, created_at, read_at, post_id)
      select id, workspace_id, member_id, change_id, thread_id, kind, title, body, url, reasons, created_at, read_at, null
      from community_member_notifications`.execute(db);
    await db.schema.dropTable('community_member_notifications').execute();
    await sql`alter table community_member_notifications_0036 rename to community_member_notifications`.execute(
      db,
    );
    await db.schema
      .createIndex('community_member_notifications_member_idx')
      .on('community_member_notifications')
      .columns(['member_id', 'id'])
      .execute();
  }

  // Whether the member wants email about answers to their questions; on unless they say otherwise.
  await db.schema
    .alterTable('community_members')
    .addColumn('email_replies', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  // Emails about a post (a question's first answer, an accepted answer), written with the
  // notification and delivered by the worker like the loop's deliveries. `target_key` names what
  // the email is about (`post:<id>`), so a retried write queues it once.
  await db.schema
    .createTable('community_post_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('community_posts.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('target_key', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('external_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('sent_at', d.timestampType)
    .addUniqueConstraint('community_post_deliveries_target_key', ['kind', 'target_key', 'member_id'])
    .execute();
  await db.schema
    .createIndex('community_post_deliveries_due_idx')
    .on('community_post_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
}
