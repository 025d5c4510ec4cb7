import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Members sign in with their own accounts (never staff `users`), and carry the running totals
  // that trust levels are computed from, so a recompute reads one row plus a few counts.
  const counters = [
    'days_visited',
    'posts_read',
    'likes_given',
    'likes_received',
    'flags_agreed',
    'flags_disagreed',
    'points',
  ];
  await db.schema.alterTable('community_members').addColumn('email', 'text').execute();
  await db.schema.alterTable('community_members').addColumn('email_verified_at', d.timestampType).execute();
  await db.schema.alterTable('community_members').addColumn('password_hash', 'text').execute();
  await db.schema.alterTable('community_members').addColumn('bio', 'text').execute();
  await db.schema.alterTable('community_members').addColumn('last_seen_at', d.timestampType).execute();
  for (const column of counters)
    await db.schema
      .alterTable('community_members')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  await db.schema
    .alterTable('community_members')
    .addColumn('time_reading_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('community_members')
    .addColumn('rank', 'text', (c) => c.notNull().defaultTo('Newcomer'))
    .execute();
  await db.schema
    .alterTable('community_members')
    .addColumn('trust_level_changed_at', d.timestampType)
    .execute();
  await db.schema.alterTable('community_members').addColumn('suspended_until', d.timestampType).execute();
  // Members created without a login (the demo) have no email; both engines allow many nulls.
  await db.schema
    .createIndex('community_members_email_key')
    .on('community_members')
    .columns(['workspace_id', 'email'])
    .unique()
    .execute();

  // A member's posts: the trust level's "replied to N topics" and the posting rate limit.
  await db.schema
    .createIndex('community_posts_author_member_idx')
    .on('community_posts')
    .columns(['author_member_id', 'created_at'])
    .execute();

  await db.schema
    .createTable('community_member_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('last_seen_at', d.timestampType, (c) => c.notNull())
    .addColumn('expires_at', d.timestampType, (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('community_member_sessions_member_idx')
    .on('community_member_sessions')
    .column('member_id')
    .execute();
  await db.schema
    .createIndex('community_member_sessions_expiry_idx')
    .on('community_member_sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('community_email_verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('expires_at', d.timestampType, (c) => c.notNull())
    .addColumn('used_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('community_email_verifications_member_idx')
    .on('community_email_verifications')
    .column('member_id')
    .execute();

  await db.schema
    .createTable('community_trust_config')
    .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id').onDelete('cascade'))
    .addColumn('config', d.jsonType, (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('community_flags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('community_posts.id').onDelete('cascade'))
    .addColumn('flagger_key', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.references('community_members.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('weight', 'double precision', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('resolved_at', d.timestampType)
    .addColumn('resolution', 'text')
    .addColumn('resolved_by_user_id', 'text')
    .addColumn('resolved_by_member_id', 'text')
    .addUniqueConstraint('community_flags_flagger_key', ['post_id', 'flagger_key'])
    .execute();
  // The review queue reads open flags of a workspace; trust recompute reads a member's record.
  await db.schema
    .createIndex('community_flags_open_idx')
    .on('community_flags')
    .columns(['workspace_id', 'resolved_at', 'post_id'])
    .execute();
  await db.schema
    .createIndex('community_flags_member_idx')
    .on('community_flags')
    .columns(['member_id', 'resolution'])
    .execute();

  await d
    .addSerialId(db.schema.createTable('community_points_ledger'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('points', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('community_points_ledger_member_idx')
    .on('community_points_ledger')
    .columns(['member_id', 'id'])
    .execute();
  await db.schema
    .createIndex('community_points_ledger_ref_idx')
    .on('community_points_ledger')
    .columns(['workspace_id', 'ref'])
    .execute();

  await db.schema
    .createTable('community_space_moderators')
    .addColumn('space_id', 'text', (c) => c.notNull().references('community_spaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('created_by', 'text')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_space_moderators_pkey', ['space_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('community_space_moderators_member_idx')
    .on('community_space_moderators')
    .column('member_id')
    .execute();

  await db.schema
    .createTable('community_post_likes')
    .addColumn('post_id', 'bigint', (c) => c.notNull().references('community_posts.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('community_post_likes_pkey', ['post_id', 'member_id'])
    .execute();

  await db.schema
    .createTable('community_member_days')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('community_members.id').onDelete('cascade'))
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('visited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('posts_read', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('time_reading_ms', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('likes_given', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('likes_received', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('community_member_days_pkey', ['member_id', 'day'])
    .execute();
}
