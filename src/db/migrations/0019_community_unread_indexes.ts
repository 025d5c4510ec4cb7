import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The unread counts (reading.ts) take a thread's new posts from its post numbers and subtract
  // the deleted or hidden posts above the read position: those few posts, by thread and number.
  await db.schema
    .createIndex('community_posts_gone_idx')
    .on('community_posts')
    .columns(['thread_id', 'number'])
    .where(sql<boolean>`(deleted_at is not null or hidden_at is not null)`)
    .execute();
  // Threads started in a space since a member joined (new to them until opened).
  await db.schema
    .createIndex('community_threads_started_idx')
    .on('community_threads')
    .columns(['space_id', 'created_at'])
    .execute();
}
