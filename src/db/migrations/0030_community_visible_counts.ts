import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.ts';

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was, not as it is now
export async function up(db: Kysely<any>, _d: Dialect): Promise<void> {
  // Threads' and spaces' counts and last activity count only what visitors can read
  // (src/modules/communities/counters.ts, docs/communities.md): posts neither deleted nor hidden,
  // in threads neither deleted nor hidden. Before, hidden posts and threads were counted and a
  // deletion did not move the last activity back; recount what was written then. Threads first:
  // a space sums its visible threads' counts.
  await db
    .updateTable('community_threads')
    .set((eb) => {
      // The opening post counts while its thread does (hiding it hides the whole thread).
      const live = () =>
        eb
          .selectFrom('community_posts as p')
          .whereRef('p.thread_id', '=', 'community_threads.id')
          .where('p.deleted_at', 'is', null)
          .where((w) => w.or([w('p.hidden_at', 'is', null), w('p.number', '=', 1)]));
      return {
        post_count: live().select((s) => s.fn.countAll().as('n')),
        last_post_at: eb.fn.coalesce(
          live().select((s) => s.fn.max('p.created_at').as('m')),
          eb.ref('community_threads.last_post_at'),
        ),
      };
    })
    .execute();
  await db
    .updateTable('community_spaces')
    .set((eb) => {
      const visible = () =>
        eb
          .selectFrom('community_threads as t')
          .whereRef('t.space_id', '=', 'community_spaces.id')
          .where('t.deleted_at', 'is', null)
          .where('t.hidden_at', 'is', null);
      return {
        thread_count: visible().select((s) => s.fn.countAll().as('n')),
        post_count: eb.fn.coalesce(
          visible().select((s) => s.fn.sum('t.post_count').as('n')),
          eb.lit(0),
        ),
        last_post_at: visible().select((s) => s.fn.max('t.last_post_at').as('m')),
      };
    })
    .execute();
}
