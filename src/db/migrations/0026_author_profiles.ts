import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // What an account says about itself on its network: its bio (plain text) and the links of its
  // profile, `[{label, url, verified}]`. Both null until the source sends them (a post that does
  // not carry the profile keeps what an earlier one brought, like the other author columns).
  await db.schema.alterTable('authors').addColumn('bio', 'text').execute();
  await db.schema.alterTable('authors').addColumn('links', d.jsonType).execute();
}
