import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // A space is a forum, Q&A board, idea board, knowledge base or announcements blog. Task spaces
  // become read-only archives after `ends_at` (checked against the clock on every write, no
  // job); moderators close a space by setting `closed_at`. Counters are kept by the writes so a
  // list of spaces needs no aggregate.
  await db.schema
    .createTable('community_spaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('ends_at', d.timestampType)
    .addColumn('closed_at', d.timestampType)
    .addColumn('closed_reason', 'text')
    .addColumn('closed_by', 'text')
    .addColumn('created_by_member_id', 'text')
    .addColumn('created_by_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addColumn('thread_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_post_at', d.timestampType)
    .addUniqueConstraint('community_spaces_slug_key', ['workspace_id', 'slug'])
    .execute();

  // Minimal on purpose: the member accounts (credentials, verification, sessions) add their own
  // columns in a later migration.
  await db.schema
    .createTable('community_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text', (c) => c.notNull())
    .addColumn('trust_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('community_members_username_key', ['workspace_id', 'username'])
    .execute();

  await db.schema
    .createTable('community_threads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('space_id', 'text', (c) => c.notNull().references('community_spaces.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('author_member_id', 'text', (c) => c.references('community_members.id'))
    .addColumn('author_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('idea_status', 'text')
    .addColumn('duplicate_of_thread_id', 'text')
    .addColumn('vote_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('accepted_post_id', 'bigint')
    // A knowledge-base article made from an accepted answer points at the answer it came from.
    .addColumn('source_post_id', 'bigint')
    .addColumn('post_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_post_number', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_post_at', d.timestampType, (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addColumn('deleted_at', d.timestampType)
    .addColumn('hidden_at', d.timestampType)
    .execute();
  // A space's threads by last activity (the default list, and the unread counts' scan).
  await db.schema
    .createIndex('community_threads_activity_idx')
    .on('community_threads')
    .columns(['space_id', 'last_post_at', 'id'])
    .execute();
  // A member's unread counts and "mark all read" across every space of the workspace.
  await db.schema
    .createIndex('community_threads_workspace_idx')
    .on('community_threads')
    .columns(['workspace_id', 'last_post_at'])
    .execute();
  // An idea board sorted by votes.
  await db.schema
    .createIndex('community_threads_votes_idx')
    .on('community_threads')
    .columns(['space_id', 'vote_count', 'id'])
    .execute();

  // Integer ids: posts are the bulk of a community and the full-text index keys on them.
  await d
    .addSerialId(db.schema.createTable('community_posts'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('author_member_id', 'text', (c) => c.references('community_members.id'))
    .addColumn('author_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('body_markdown', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('reply_to_number', 'integer')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('edited_at', d.timestampType)
    .addColumn('deleted_at', d.timestampType)
    .addColumn('hidden_at', d.timestampType)
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('community_posts_number_key', ['thread_id', 'number'])
    .execute();
  await d.createFullTextIndex(db, 'community_posts', 'body_markdown');

  await db.schema
    .createTable('community_post_revisions')
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('community_posts.id').onDelete('cascade'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('body_markdown', 'text', (c) => c.notNull())
    .addColumn('edited_by_member_id', 'text')
    .addColumn('edited_by_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_post_revisions_pkey', ['post_id', 'revision'])
    .execute();

  await db.schema
    .createTable('community_read_state')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('last_read_number', 'integer', (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_read_state_pkey', ['member_id', 'thread_id'])
    .execute();

  await db.schema
    .createTable('community_idea_votes')
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_idea_votes_pkey', ['thread_id', 'member_id'])
    .execute();

  // Every status change of an idea, in order: the notification fan-out reads these after a cursor,
  // so each change is told once.
  await d
    .addSerialId(db.schema.createTable('community_idea_status_changes'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('thread_id', 'text', (c) => c.notNull().references('community_threads.id').onDelete('cascade'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('duplicate_of_thread_id', 'text')
    .addColumn('changed_by_user_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_idea_status_changes_thread_idx')
    .on('community_idea_status_changes')
    .columns(['thread_id', 'id'])
    .execute();
  await db.schema
    .createIndex('community_members_customer_idx')
    .on('community_members')
    .column('customer_id')
    .execute();
}
