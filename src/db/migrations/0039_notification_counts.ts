import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // News about a record someone follows and has not read yet is one unread line that grows
  // ("and 12 more"), not a line per event: how many events the line stands for, and the lookup
  // of a person's unread line about a record.
  await db.schema
    .alterTable('notifications')
    .addColumn('event_count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  // 1 for what was addressed to the person (an @mention, a handoff, a rule's notify): its own
  // line, never merged with the news of records they follow.
  await db.schema
    .alterTable('notifications')
    .addColumn('direct', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('notifications_user_record_idx')
    .on('notifications')
    .columns(['user_id', 'record_id'])
    .execute();
}
