import type { ColumnDefinitionBuilder, Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  const ws = (c: ColumnDefinitionBuilder) => c.notNull().references('workspaces.id').onDelete('cascade');

  // ---------------------------------------------------------------- newsletters
  // A space's digest: cadence set by staff; no row (or `off`) means the space sends none.
  await db.schema
    .createTable('community_newsletters')
    .addColumn('space_id', 'text', (c) =>
      c.primaryKey().references('community_spaces.id').onDelete('cascade'),
    )
    .addColumn('workspace_id', 'text', ws)
    .addColumn('cadence', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('community_newsletter_subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('space_id', 'text', (c) => c.notNull().references('community_spaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('unsubscribed_at', d.timestampType)
    .addUniqueConstraint('community_newsletter_subscriptions_key', ['space_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('community_newsletter_subscriptions_member_idx')
    .on('community_newsletter_subscriptions')
    .columns(['member_id'])
    .execute();
  // One digest per space, cadence and period: the unique key is what makes two passes build one.
  await db.schema
    .createTable('community_newsletter_digests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('space_id', 'text', (c) => c.notNull().references('community_spaces.id').onDelete('cascade'))
    .addColumn('cadence', 'text', (c) => c.notNull())
    .addColumn('period_start', d.timestampType, (c) => c.notNull())
    .addColumn('period_end', d.timestampType, (c) => c.notNull())
    .addColumn('items', d.jsonType, (c) => c.notNull())
    .addColumn('item_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('community_newsletter_digests_period_key', ['space_id', 'cadence', 'period_start'])
    .execute();
  // One email per digest and member: exactly once per subscriber per period.
  await db.schema
    .createTable('community_newsletter_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('digest_id', 'text', (c) =>
      c.notNull().references('community_newsletter_digests.id').onDelete('cascade'),
    )
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('sent_at', d.timestampType)
    .addUniqueConstraint('community_newsletter_deliveries_key', ['digest_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('community_newsletter_deliveries_due_idx')
    .on('community_newsletter_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();

  // ---------------------------------------------------------------- challenges
  await db.schema
    .createTable('community_challenges')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('space_id', 'text', (c) => c.notNull().references('community_spaces.id').onDelete('cascade'))
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('reward', 'text', (c) => c.notNull())
    .addColumn('opens_at', d.timestampType, (c) => c.notNull())
    .addColumn('closes_at', d.timestampType, (c) => c.notNull())
    .addColumn('winner_thread_id', 'text')
    .addColumn('decided_at', d.timestampType)
    .addColumn('decided_by', 'text')
    .addColumn('decision_note', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_challenges_space_idx')
    .on('community_challenges')
    .columns(['workspace_id', 'space_id', 'id'])
    .execute();
  // An idea enters at most one challenge (the thread is the key).
  await db.schema
    .createTable('community_challenge_entries')
    .addColumn('thread_id', 'text', (c) =>
      c.primaryKey().references('community_threads.id').onDelete('cascade'),
    )
    .addColumn('challenge_id', 'text', (c) =>
      c.notNull().references('community_challenges.id').onDelete('cascade'),
    )
    .addColumn('workspace_id', 'text', ws)
    .addColumn('member_id', 'text')
    .addColumn('vote_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_challenge_entries_rank_idx')
    .on('community_challenge_entries')
    .columns(['challenge_id', 'vote_count', 'thread_id'])
    .execute();
  // Challenge votes are apart from the idea's own votes: they count only while the challenge is open.
  await db.schema
    .createTable('community_challenge_votes')
    .addColumn('thread_id', 'text', (c) =>
      c.notNull().references('community_challenge_entries.thread_id').onDelete('cascade'),
    )
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('challenge_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_challenge_votes_pkey', ['thread_id', 'member_id'])
    .execute();
  await d
    .addSerialId(db.schema.createTable('community_challenge_notifications'))
    .addColumn('workspace_id', 'text', ws)
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('challenge_id', 'text', (c) =>
      c.notNull().references('community_challenges.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('read_at', d.timestampType)
    .addUniqueConstraint('community_challenge_notifications_key', ['challenge_id', 'member_id', 'kind'])
    .execute();
  await db.schema
    .createIndex('community_challenge_notifications_member_idx')
    .on('community_challenge_notifications')
    .columns(['member_id', 'id'])
    .execute();

  // ---------------------------------------------------------------- lists
  await db.schema
    .createTable('community_lists')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('visibility', 'text', (c) => c.notNull())
    .addColumn('owner_user_id', 'text')
    .addColumn('owner_member_id', 'text', (c) => c.references('community_members.id').onDelete('cascade'))
    .addColumn('entry_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('follower_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_lists_workspace_idx')
    .on('community_lists')
    .columns(['workspace_id', 'id'])
    .execute();
  // `entry_key` is `member:<id>` or `customer:<id>`: one row per person and list.
  await db.schema
    .createTable('community_list_entries')
    .addColumn('list_id', 'text', (c) => c.notNull().references('community_lists.id').onDelete('cascade'))
    .addColumn('entry_key', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('member_id', 'text', (c) => c.references('community_members.id').onDelete('cascade'))
    .addColumn('customer_id', 'text')
    .addColumn('added_by', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_list_entries_pkey', ['list_id', 'entry_key'])
    .execute();
  // `follower_key` is `member:<id>` or `user:<id>`.
  await db.schema
    .createTable('community_list_follows')
    .addColumn('list_id', 'text', (c) => c.notNull().references('community_lists.id').onDelete('cascade'))
    .addColumn('follower_key', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', ws)
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_list_follows_pkey', ['list_id', 'follower_key'])
    .execute();
  await db.schema
    .createIndex('community_list_follows_follower_idx')
    .on('community_list_follows')
    .columns(['workspace_id', 'follower_key'])
    .execute();
}
