import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // What a person is good at, for skill-based assignment by routing rules: space-separated
  // lower-case names, like cases.tags. A team's pool is a few dozen people at most, read whole,
  // so no index: the narrowing by skill happens in memory.
  await db.schema
    .alterTable('users')
    .addColumn('skills', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
}
