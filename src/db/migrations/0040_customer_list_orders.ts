import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The customer list in the order of a statistic (latest post, influence, reach, mentions) walks
  // one of these from its highest value instead of sorting every customer of the workspace for
  // each page: 136 ms a page at 100k customers on SQLite without them.
  for (const column of ['last_mention_at', 'influence', 'followers', 'mentions'])
    await db.schema
      .createIndex(`customer_stats_${column}_idx`)
      .on('customer_stats')
      .columns(['workspace_id', column, 'customer_id'])
      .execute();
}
