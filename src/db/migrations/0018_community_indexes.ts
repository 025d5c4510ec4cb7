import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The unread counts (reading.ts) count a member's new posts thread by thread: posts above the
  // read position, or written after the member joined, that are neither deleted nor hidden.
  // Through the (thread_id, number) key every candidate post cost a lookup of its row (the
  // bodies make rows wide); this partial index holds everything the count reads, so it is
  // answered from the index alone (bench `communities`: unread counts about twice as fast at
  // 200k posts; docs/benchmarks.md). Deleted and hidden posts are few and never counted.
  await db.schema
    .createIndex('community_posts_live_idx')
    .on('community_posts')
    .columns(['thread_id', 'number', 'created_at'])
    .where(sql<boolean>`deleted_at is null and hidden_at is null`)
    .execute();
}
