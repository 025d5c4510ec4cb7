import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The thread index began with the same (workspace, channel) as the mentions' unique key, so a
  // PostgreSQL table without statistics yet (a new install's first minutes, before autovacuum's
  // first analyse) could answer a lookup by key through it, walking every post of the channel
  // (4 ms a lookup with 5,000 posts in the channel). Led by the thread root, it no longer competes.
  await db.schema.dropIndex('mentions_thread_idx').execute();
  await db.schema
    .createIndex('mentions_thread_idx')
    .on('mentions')
    .columns(['workspace_id', 'thread_root', 'channel'])
    .execute();
  // A batch's matched queries by post (routing), and the cascade when a post is deleted: the key
  // (query_id, mention_id) served neither, so each was a scan of every post-query link.
  await db.schema
    .createIndex('mention_queries_mention_idx')
    .on('mention_queries')
    .column('mention_id')
    .execute();
}
