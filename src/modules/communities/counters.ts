import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';

/**
 * The counts and last activity a thread and a space show count only what visitors can read:
 * posts neither deleted nor hidden, in threads neither deleted nor hidden. Writing a post adds
 * to them in place (a new post is visible); hiding, restoring and deleting recount them here,
 * from the rows, so they never drift. Migration 0030 applies the same rules to existing data.
 */

type Db = Kysely<DB>;

/**
 * Recounts a thread (its visible posts and the time of the last one) and then its space. Call it
 * in the transaction that hid, restored or deleted something in the thread.
 */
export async function recountThreadAndSpace(ctx: AppContext, db: Db, threadId: string): Promise<void> {
  // Locked first so a reply committing meanwhile is either counted here or adds itself after.
  const thread = await ctx.dialect
    .lockForUpdate(
      db.selectFrom('community_threads').select(['space_id', 'last_post_at']).where('id', '=', threadId),
    )
    .executeTakeFirstOrThrow();
  // The opening post counts while its thread does: hiding it hides the thread, which leaves the
  // space's counts as a whole, and staff still see the thread with its replies counted.
  const posts = await db
    .selectFrom('community_posts')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('last')])
    .where('thread_id', '=', threadId)
    .where('deleted_at', 'is', null)
    .where((eb) => eb.or([eb('hidden_at', 'is', null), eb('number', '=', 1)]))
    .executeTakeFirstOrThrow();
  await db
    .updateTable('community_threads')
    .set({ post_count: Number(posts.n), last_post_at: posts.last ?? thread.last_post_at })
    .where('id', '=', threadId)
    .execute();
  await recountSpace(ctx, db, thread.space_id);
}

/** Recounts a space from its visible threads' counters (no post is read). */
export async function recountSpace(ctx: AppContext, db: Db, spaceId: string): Promise<void> {
  await ctx.dialect
    .lockForUpdate(db.selectFrom('community_spaces').select('id').where('id', '=', spaceId))
    .executeTakeFirstOrThrow();
  const visible = await db
    .selectFrom('community_threads')
    .select((eb) => [
      eb.fn.countAll<number>().as('threads'),
      eb.fn.sum<number>('post_count').as('posts'),
      eb.fn.max('last_post_at').as('last'),
    ])
    .where('space_id', '=', spaceId)
    .where('deleted_at', 'is', null)
    .where('hidden_at', 'is', null)
    .executeTakeFirstOrThrow();
  await db
    .updateTable('community_spaces')
    .set({
      thread_count: Number(visible.threads),
      post_count: Number(visible.posts ?? 0),
      last_post_at: visible.last ?? null,
    })
    .where('id', '=', spaceId)
    .execute();
}
