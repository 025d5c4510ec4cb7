import { type Kysely, sql } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The distinct channels of a workspace's rows in `table`, in order. A loose index scan: one seek
 * per channel in the index that starts (workspace_id, channel) (`mentions_key`,
 * `identities_channel_idx`), not a read of every row; a workspace has a handful of channels and
 * may have millions of posts. Both engines run the same recursive query.
 */
export async function workspaceChannels(
  db: Kysely<DB>,
  table: 'mentions' | 'identities',
  workspaceId: string,
): Promise<string[]> {
  const t = sql.table(table);
  const { rows } = await sql<{ channel: string | null }>`
    with recursive found(channel) as (
      select min(channel) from ${t} where workspace_id = ${workspaceId}
      union all
      select (select min(channel) from ${t} where workspace_id = ${workspaceId} and channel > found.channel)
      from found where found.channel is not null
    )
    select channel from found where channel is not null`.execute(db);
  return rows.flatMap((r) => (r.channel === null ? [] : [r.channel]));
}
