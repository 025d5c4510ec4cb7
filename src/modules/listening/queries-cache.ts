import type { Kysely, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import type { MatchableItem } from './boolean-query/prepare.ts';
import { createQuerySet } from './boolean-query/query-set.ts';

export type Matcher = { match(item: MatchableItem): string[] };
/** What a workspace's query set is compiled from; `signature` changes when the queries do. */
export type QuerySources = { signature: string; queries: { id: string; source: string }[] };
type Cached = { sources: QuerySources; set: Matcher };

const cache = new Map<string, Cached>();

/**
 * The compiled set of a workspace's enabled listening queries, with what it was compiled from
 * (the pipeline's content thread compiles the same). Recompiled only when the
 * queries change (count and latest update), checked with one small query per batch, so several
 * processes sharing a database all see edits.
 */
export async function workspaceQuerySet(
  ctx: AppContext,
  db: Kysely<DB> | Transaction<DB>,
  workspaceId: string,
): Promise<Cached> {
  const stamp = await db
    .selectFrom('listening_queries')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('latest')])
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .executeTakeFirstOrThrow();
  const signature = `${Number(stamp.n)}|${stamp.latest ?? ''}`;
  const hit = cache.get(workspaceId);
  if (hit && hit.sources.signature === signature) return hit;
  const rows = await db
    .selectFrom('listening_queries')
    .select(['id', 'query'])
    .where('workspace_id', '=', workspaceId)
    .where('enabled', '=', 1)
    .execute();
  const sources = { signature, queries: rows.map((r) => ({ id: r.id, source: r.query })) };
  const compiled = { sources, set: compileQuerySet(sources) };
  cache.set(workspaceId, compiled);
  ctx.log.debug({ workspaceId, queries: rows.length }, 'listening queries compiled');
  return compiled;
}

/** Compiles query sources (also on the pipeline's content thread). */
export function compileQuerySet(sources: QuerySources): Matcher {
  return createQuerySet(sources.queries);
}
