import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // A snoozed case leaves the working views until this moment (or until the customer writes).
  await db.schema.alterTable('cases').addColumn('snoozed_until', d.timestampType).execute();
  // The scheduler's wake-up pass reads the snoozed cases due, across workspaces; partial, so it
  // holds only the few snoozed ones.
  await db.schema
    .createIndex('cases_snoozed_idx')
    .on('cases')
    .column('snoozed_until')
    .where('snoozed_until', 'is not', null)
    .execute();
}
