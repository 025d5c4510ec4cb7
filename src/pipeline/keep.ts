import type { Transaction } from 'kysely';
import { effectiveConfig } from '../connectors/registry.ts';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { NormalizedEvent, NormalizedPost } from './formats.ts';

/**
 * The connectors among `ids` that keep only what concerns the brand (`keep: "matching"`, the
 * default for the Bluesky firehose). A stored configuration that no longer parses keeps
 * everything: when in doubt, nothing is passed over.
 */
export async function matchingOnlyConnectors(
  ctx: AppContext,
  trx: Transaction<DB>,
  ids: (string | null)[],
): Promise<Set<string>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  if (wanted.length === 0) return new Set();
  const rows = await trx
    .selectFrom('connectors')
    .select(['id', 'kind', 'config'])
    .where('id', 'in', wanted)
    .execute();
  const matchingOnly = new Set<string>();
  for (const r of rows)
    if (effectiveConfig(r.kind, ctx.dialect.parseJson(r.config)).keep === 'matching') matchingOnly.add(r.id);
  return matchingOnly;
}

const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

/**
 * What a batch stores of one workspace's events, some of which come from connectors that keep
 * only what concerns the brand (`filtered`). Of those, a post that matched no listening query is
 * kept only when it continues something stored: an edit of a stored post, or a reply into a
 * stored thread or to a post kept earlier in the batch (a customer answering in their case's
 * thread rarely names the brand). A delete is applied only to a stored post, so the firehose's
 * deletes of posts never stored leave no tombstones. The rest stays in the ingest log.
 */
export async function keptEvents(
  trx: Transaction<DB>,
  workspaceId: string,
  events: NormalizedEvent[],
  filtered: (e: NormalizedEvent) => boolean,
  matched: (p: NormalizedPost) => boolean,
): Promise<NormalizedEvent[]> {
  const doubtful = new Set(events.filter((e) => filtered(e) && (e.kind === 'delete' || !matched(e))));
  if (doubtful.size === 0) return events;
  const channels = new Set<string>();
  const ids = new Set<string>();
  for (const e of doubtful) {
    channels.add(e.channel);
    ids.add(e.externalId);
    if (e.kind === 'upsert') {
      if (e.replyTo) ids.add(e.replyTo);
      if (e.threadRoot) ids.add(e.threadRoot);
    }
  }
  const stored = new Set(
    (
      await trx
        .selectFrom('mentions')
        .select(['channel', 'external_id'])
        .where('workspace_id', '=', workspaceId)
        .where('channel', 'in', [...channels])
        .where('external_id', 'in', [...ids])
        .execute()
    ).map((m) => keyOf(m.channel, m.external_id)),
  );
  const kept: NormalizedEvent[] = [];
  for (const e of events) {
    const known = (id: string | null) => id !== null && stored.has(keyOf(e.channel, id));
    const keep =
      !doubtful.has(e) ||
      known(e.externalId) ||
      (e.kind === 'upsert' && (known(e.replyTo) || known(e.threadRoot)));
    if (!keep) continue;
    kept.push(e);
    if (e.kind === 'upsert') stored.add(keyOf(e.channel, e.externalId));
  }
  return kept;
}
