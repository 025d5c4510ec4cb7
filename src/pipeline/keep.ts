import type { Transaction } from 'kysely';
import { effectiveConfig } from '../connectors/registry.ts';
import type { AppContext } from '../context.ts';
import type { DB } from '../db/schema.ts';
import type { NormalizedEvent, NormalizedPost } from './formats.ts';

/**
 * The connectors among `ids` that keep only what concerns the brand (`keep: "matching"`, the
 * default for the Bluesky firehose), each with the brand's own handle as posts name it
 * (`@handle`, from the account it replies with), or null. A stored configuration that no longer
 * parses keeps everything: when in doubt, nothing is passed over.
 */
export async function matchingOnlyConnectors(
  ctx: AppContext,
  trx: Transaction<DB>,
  ids: (string | null)[],
): Promise<Map<string, { brandHandle: string | null }>> {
  const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
  const matchingOnly = new Map<string, { brandHandle: string | null }>();
  if (wanted.length === 0) return matchingOnly;
  const rows = await trx
    .selectFrom('connectors')
    .select(['id', 'kind', 'config'])
    .where('id', 'in', wanted)
    .execute();
  for (const r of rows) {
    const config = effectiveConfig(r.kind, ctx.dialect.parseJson(r.config));
    if (config.keep !== 'matching') continue;
    const identifier = (config.account as { identifier?: string } | null | undefined)?.identifier;
    const handle = identifier && !identifier.startsWith('did:') ? identifier.replace(/^@/, '') : null;
    matchingOnly.set(r.id, { brandHandle: handle ? `@${handle.toLowerCase()}` : null });
  }
  return matchingOnly;
}

const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

/**
 * What a batch stores of one workspace's events, some of which come from connectors that keep
 * only what concerns the brand (`filtered` gives their rule). Of those, a post that matched no
 * listening query is kept when it names the brand's own account (`@handle`) or continues
 * something stored: an edit of a stored post, or a reply into a stored thread or to a post kept
 * earlier in the batch (a customer answering in their case's thread rarely names the brand). A
 * delete is applied only to a stored post, so the firehose's deletes of posts never stored leave
 * no tombstones. The rest stays in the ingest log.
 */
export async function keptEvents(
  trx: Transaction<DB>,
  workspaceId: string,
  events: NormalizedEvent[],
  filtered: (e: NormalizedEvent) => { brandHandle: string | null } | undefined,
  matched: (p: NormalizedPost) => boolean,
): Promise<NormalizedEvent[]> {
  const doubtful = new Set(
    events.filter((e) => {
      const rule = filtered(e);
      if (!rule) return false;
      if (e.kind === 'delete') return true;
      return !matched(e) && !(rule.brandHandle && e.text.toLowerCase().includes(rule.brandHandle));
    }),
  );
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
