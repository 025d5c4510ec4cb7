import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // The public site sends no script, so reading time is the gap between a member's consecutive
  // page views in one session (trust.ts, recordSitePageView); this is the previous view.
  await db.schema
    .alterTable('community_member_sessions')
    .addColumn('last_page_view_at', d.timestampType)
    .execute();
}
