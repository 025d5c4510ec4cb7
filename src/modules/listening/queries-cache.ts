import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import type { MatchableItem } from './boolean-query/prepare.ts';
import { createQuerySet } from './boolean-query/query-set.ts';

type Matcher = { match(item: MatchableItem): string[] };
type Cached = { signature: string; set: Matcher };

const cache = new Map<string, Cached>();

/**
 * The compiled set of a workspace's enabled listening queries. Recompiled only when the
 * queries change (count and latest update), checked with one small query per batch, so several
 * processes sharing a database all see edits.
 */
export async function querySetFor(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
): Promise<Matcher> {
  const stamp = await db
    .selectFrom('listening_queries')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .executeTakeFirstOrThrow();
  const signature = `${Number(stamp.n)}|${stamp.latest ?? ''}`;
  const hit = cache.get(workspaceId);
  if (hit && hit.signature === signature) return hit.set;
  const rows = await db
    .selectFrom('listening_queries')
    .select(['id', 'query'])
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .execute();
  const set = createQuerySet(rows.map((r) => ({ id: r.id, source: r.query })));
  cache.set(workspaceId, { signature, set });
  ctx.log.debug({ workspaceId, queries: rows.length }, 'listening queries compiled');
  return set;
}
