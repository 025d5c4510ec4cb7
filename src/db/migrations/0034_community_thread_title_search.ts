import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Community search finds a question by its title ("lactose" → "Is there a lactose-free meal
  // option?"), not only by the words of its posts. Thread ids are text, so SQLite keys by rowid.
  await d.createFullTextIndex(db, 'community_threads', 'title', 'rowid');
}
