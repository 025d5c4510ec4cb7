import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // The inbox ordered by "waiting longest" walks the cases whose customer wrote last, from the
  // longest wait, in this index's order. Partial, so that it holds only those cases (a small share
  // of a workspace's cases) and the list's query names the same condition (casesAwaitingReply in
  // src/modules/inbox/case-lists.ts; both engines use a partial index only when the query's
  // conditions include the index's).
  await db.schema
    .createIndex('cases_waiting_idx')
    .on('cases')
    .columns(['workspace_id', 'last_customer_message_at', 'number'])
    .where(
      sql<boolean>`status not in ('solved', 'closed') and last_customer_message_at is not null and (last_agent_reply_at is null or last_agent_reply_at < last_customer_message_at)`,
    )
    .execute();
}
