import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  await db.schema
    .createTable('connectors')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config', d.jsonType, (c) => c.notNull())
    .addColumn('secret_encrypted', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('cursor', 'text')
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('idle'))
    .addColumn('last_item_at', d.timestampType)
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', d.timestampType)
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('items_total', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expected_interval_seconds', 'integer')
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('connectors_workspace_idx')
    .on('connectors')
    .columns(['workspace_id', 'id'])
    .execute();

  // The source of truth for what arrived: append-only; everything after it is replayable.
  await d
    .addSerialId(db.schema.createTable('ingest_log'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('connector_id', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('cursor', 'text')
    .addColumn('received_at', d.timestampType, (c) => c.notNull())
    .addColumn('processed_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('ingest_log_pending_idx')
    .on('ingest_log')
    .column('id')
    .where(sql.ref('processed_at'), 'is', null)
    .execute();

  await d
    .addSerialId(db.schema.createTable('authors'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('handle', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('followers', 'integer')
    .addColumn('profile_url', 'text')
    .addColumn('avatar_url', 'text')
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .addUniqueConstraint('authors_key', ['workspace_id', 'channel', 'external_id'])
    .execute();

  await d
    .addSerialId(db.schema.createTable('mentions'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('author_id', 'bigint', (c) => c.references('authors.id'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('received_at', d.timestampType, (c) => c.notNull())
    .addColumn('version_at', d.timestampType, (c) => c.notNull())
    .addColumn('reply_to', 'text')
    .addColumn('thread_root', 'text')
    .addColumn('engagement', d.jsonType, (c) => c.notNull())
    .addColumn('analysis', d.jsonType, (c) => c.notNull())
    .addColumn('sentiment', 'text')
    .addColumn('intents', 'text')
    .addColumn('disposition', 'text')
    .addColumn('deleted_at', d.timestampType)
    .addColumn('edited_at', d.timestampType)
    .addUniqueConstraint('mentions_key', ['workspace_id', 'channel', 'external_id'])
    .execute();
  await db.schema.createIndex('mentions_stream_idx').on('mentions').columns(['workspace_id', 'id']).execute();
  await db.schema
    .createIndex('mentions_thread_idx')
    .on('mentions')
    .columns(['workspace_id', 'channel', 'thread_root'])
    .execute();
  await db.schema.createIndex('mentions_author_idx').on('mentions').columns(['author_id', 'id']).execute();
  await d.createFullTextIndex(db, 'mentions', 'text');

  await db.schema
    .createTable('listening_queries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('updated_at', d.timestampType, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('listening_queries_workspace_idx')
    .on('listening_queries')
    .columns(['workspace_id', 'id'])
    .execute();

  await db.schema
    .createTable('mention_queries')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('query_id', 'text', (c) => c.notNull().references('listening_queries.id').onDelete('cascade'))
    .addColumn('mention_id', 'bigint', (c) => c.notNull().references('mentions.id').onDelete('cascade'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addPrimaryKeyConstraint('mention_queries_pk', ['query_id', 'mention_id'])
    .execute();
  await db.schema
    .createIndex('mention_queries_stream_idx')
    .on('mention_queries')
    .columns(['workspace_id', 'query_id', 'mention_id'])
    .execute();

  await d
    .addSerialId(db.schema.createTable('quarantine'))
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('log_id', 'bigint')
    .addColumn('connector_id', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('stage', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open'))
    .addColumn('created_at', d.timestampType, (c) => c.notNull())
    .addColumn('resolved_at', d.timestampType)
    .execute();
  await db.schema
    .createIndex('quarantine_open_idx')
    .on('quarantine')
    .columns(['workspace_id', 'status', 'id'])
    .execute();
}
