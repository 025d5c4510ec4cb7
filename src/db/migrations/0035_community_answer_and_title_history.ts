import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // A hidden accepted answer answers nothing: the thread's accepted post is set aside here while
  // the post is hidden, and put back if a moderator restores it (flags.ts, setHidden).
  await db.schema.alterTable('community_threads').addColumn('withheld_accepted_post_id', 'bigint').execute();
  // The opening post's revisions also keep the thread's title as of each edit, so a title change
  // shows in the edit history; null on revisions written before this and on replies.
  await db.schema.alterTable('community_post_revisions').addColumn('title', 'text').execute();
}
