import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The links a post carries beside its text (Bluesky link facets and cards, Mastodon anchors
  // whose address the text shortens), as a JSON array; null when the text writes them all out.
  // Without them the listening preview and the app could not see what `url:` matched on.
  await db.schema.alterTable('mentions').addColumn('links', 'text').execute();
}
