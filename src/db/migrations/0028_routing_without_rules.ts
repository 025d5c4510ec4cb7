import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, d: Dialect): Promise<void> {
  // Replies join their case's thread whether or not the workspace has rules on posts
  // (docs/inbox.md): a workspace that has cases but never had such a rule starts routing from
  // its newest post, as saving its first rule would have.
  const missing = await db
    .selectFrom('cases')
    .select('workspace_id')
    .distinct()
    .where('workspace_id', 'not in', db.selectFrom('routing_state').select('workspace_id'))
    .execute();
  const now = new Date().toISOString();
  for (const { workspace_id } of missing) {
    const newest = await db
      .selectFrom('mentions')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('workspace_id', '=', workspace_id)
      .executeTakeFirst();
    await db
      .insertInto('routing_state')
      .values({
        workspace_id,
        last_mention_id: Number(newest?.id ?? 0),
        round_robin: d.toJson({}),
        updated_at: now,
      })
      .execute();
  }
}
