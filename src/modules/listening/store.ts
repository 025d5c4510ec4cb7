import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { Dialect } from '../../db/dialect.ts';
import type { DB } from '../../db/schema.ts';
import {
  type AuthorLink,
  linksBeyondText,
  type NormalizedEvent,
  type NormalizedPost,
} from '../../pipeline/formats.ts';
import type { Analysis } from '../analysis/service.ts';

export type StorablePost = { post: NormalizedPost; analysis: Analysis; queryIds: string[] };
export type StorableDelete = { channel: string; externalId: string; versionAt: string };

/** A post's links beyond its text as stored: a JSON array, or null (most posts write theirs out). */
function linksJson(p: NormalizedPost): string | null {
  const links = linksBeyondText(p);
  return links.length === 0 ? null : JSON.stringify(links);
}

const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;
const cacheKeyOf = (workspaceId: string, channel: string, externalId: string) =>
  `${workspaceId}\u0000${keyOf(channel, externalId)}`;

/**
 * Reduces a batch to one final event per (channel, external id), in log order: a delete wins
 * over everything (a deleted post is never resurrected), and of two versions the newer stays.
 */
export function collapseEvents(events: NormalizedEvent[]): NormalizedEvent[] {
  const byKey = new Map<string, NormalizedEvent>();
  for (const e of events) {
    const key = keyOf(e.channel, e.externalId);
    const seen = byKey.get(key);
    if (seen?.kind === 'delete') continue;
    if (!seen || e.kind === 'delete' || e.versionAt >= seen.versionAt) byKey.set(key, e);
  }
  return [...byKey.values()];
}

type AuthorFields = Pick<
  NormalizedPost['author'],
  'handle' | 'displayName' | 'followers' | 'profileUrl' | 'avatarUrl' | 'bio'
>;
/** An author as stored, its links kept as `linksKey` (compared, never read back). */
type CachedAuthor = AuthorFields & { id: number; linksKey: string | null };

/** The links of a profile as one comparable string (jsonb reorders keys, so not the stored JSON). */
const linksKey = (links: AuthorLink[]): string =>
  JSON.stringify(links.map((l) => [l.label, l.url, l.verified]));

/**
 * Authors as this process last wrote them, per database, so that the many posts of an author
 * whose profile has not changed cost no write. Bounded; entries are added only after the
 * transaction that wrote them commits (see `StoreResult.afterCommit`).
 */
const authorCaches = new WeakMap<object, Map<string, CachedAuthor>>();
const AUTHOR_CACHE_LIMIT = 100_000;

function authorCache(trxOwner: object): Map<string, CachedAuthor> {
  let cache = authorCaches.get(trxOwner);
  if (!cache) {
    cache = new Map();
    authorCaches.set(trxOwner, cache);
  }
  return cache;
}

/** Forgets cached authors (after an erasure or a merge changes author rows behind the cache). */
export function forgetCachedAuthors(db: object): void {
  authorCaches.delete(db);
}

/** What an upsert would leave: incoming nulls keep the stored value (see the conflict clause). */
function unchanged(cached: CachedAuthor, a: NormalizedPost['author']): boolean {
  return (
    cached.handle === a.handle &&
    (a.displayName === null || a.displayName === cached.displayName) &&
    (a.followers === null || a.followers === cached.followers) &&
    (a.profileUrl === null || a.profileUrl === cached.profileUrl) &&
    (a.avatarUrl === null || a.avatarUrl === cached.avatarUrl) &&
    (a.bio === null || a.bio === cached.bio) &&
    (a.links === null || linksKey(a.links) === cached.linksKey)
  );
}

/** An author's profile after `earlier` then `later`: a field `later` did not carry (null) keeps `earlier`'s. */
function laterProfile(
  earlier: NormalizedPost['author'],
  later: NormalizedPost['author'],
): NormalizedPost['author'] {
  return {
    externalId: later.externalId,
    handle: later.handle,
    displayName: later.displayName ?? earlier.displayName,
    followers: later.followers ?? earlier.followers,
    profileUrl: later.profileUrl ?? earlier.profileUrl,
    avatarUrl: later.avatarUrl ?? earlier.avatarUrl,
    bio: later.bio ?? earlier.bio,
    links: later.links ?? earlier.links,
    // Verified links come with the profile's links (Mastodon fields): they go together.
    verifiedLinks: later.links === null ? earlier.verifiedLinks : later.verifiedLinks,
  };
}

/**
 * Upserts the authors of the posts whose profile changed (or who are new) and returns every
 * author's id by channel and external id, with the cache entries to record once committed.
 */
async function upsertAuthors(
  trx: Transaction<DB>,
  dialect: Dialect,
  cache: Map<string, CachedAuthor>,
  workspaceId: string,
  posts: NormalizedPost[],
  now: string,
): Promise<{ ids: Map<string, number>; written: WrittenAuthor[] }> {
  const ids = new Map<string, number>();
  const toWrite = new Map<string, NormalizedPost['author'] & { channel: string }>();
  for (const p of posts) {
    const key = keyOf(p.channel, p.author.externalId);
    const pending = toWrite.get(key);
    // An earlier post of the batch already changes this author: the later one adds to it, and
    // what it does not carry (null) keeps what the earlier one brought, as the upsert does.
    if (pending) toWrite.set(key, { ...laterProfile(pending, p.author), channel: p.channel });
    else {
      const cached = cache.get(cacheKeyOf(workspaceId, p.channel, p.author.externalId));
      if (cached && unchanged(cached, p.author)) ids.set(key, cached.id);
      else toWrite.set(key, { ...p.author, channel: p.channel });
    }
  }
  const written: WrittenAuthor[] = [];
  for (const part of chunks([...toWrite.values()])) {
    const rows = await trx
      .insertInto('authors')
      .values(
        part.map((a) => ({
          workspace_id: workspaceId,
          channel: a.channel,
          external_id: a.externalId,
          handle: a.handle,
          display_name: a.displayName,
          followers: a.followers,
          profile_url: a.profileUrl,
          avatar_url: a.avatarUrl,
          bio: a.bio,
          links: a.links === null ? null : dialect.toJson(a.links),
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'channel', 'external_id']).doUpdateSet((eb) => ({
          handle: eb.ref('excluded.handle'),
          display_name: eb.fn.coalesce('excluded.display_name', 'authors.display_name'),
          followers: eb.fn.coalesce('excluded.followers', 'authors.followers'),
          profile_url: eb.fn.coalesce('excluded.profile_url', 'authors.profile_url'),
          avatar_url: eb.fn.coalesce('excluded.avatar_url', 'authors.avatar_url'),
          bio: eb.fn.coalesce('excluded.bio', 'authors.bio'),
          links: eb.fn.coalesce('excluded.links', 'authors.links'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .returning([
        'id',
        'channel',
        'external_id',
        'handle',
        'display_name',
        'followers',
        'profile_url',
        'avatar_url',
        'bio',
        'links',
      ])
      .execute();
    for (const r of rows) {
      const key = keyOf(r.channel, r.external_id);
      ids.set(key, Number(r.id));
      const sent = toWrite.get(key);
      written.push({
        verifiedLinks: sent && sent.links !== null ? sent.verifiedLinks : null,
        id: Number(r.id),
        channel: r.channel,
        externalId: r.external_id,
        handle: r.handle,
        displayName: r.display_name,
        followers: r.followers,
        profileUrl: r.profile_url,
        avatarUrl: r.avatar_url,
        bio: r.bio,
        linksKey: r.links === null ? null : linksKey(dialect.parseJson<AuthorLink[]>(r.links)),
      });
    }
  }
  return { ids, written };
}

/**
 * An author row this batch inserted or updated (new, or its profile changed), with the links its
 * source verified: null when the batch's posts did not carry the profile's links (kept as stored).
 */
export type WrittenAuthor = CachedAuthor & {
  channel: string;
  externalId: string;
  verifiedLinks: string[] | null;
};

export type StoreResult = {
  /** Ids of the mentions that changed. */
  changed: number[];
  /** Authors written by this batch; cached, unchanged authors are not among them. */
  authors: WrittenAuthor[];
  /** The authors of the posts this batch deleted (their customers' counts change). */
  deletedAuthorIds: number[];
  /** Call once the transaction has committed: records what it wrote in the author cache. */
  afterCommit(): void;
};

/**
 * How often each author of a batch wrote recently: their stored mentions since `since`, plus
 * their earlier posts in the batch. `next(post)` returns the count before that post, in order.
 */
export async function recentContactCounts(
  trx: Transaction<DB>,
  workspaceId: string,
  posts: NormalizedPost[],
  since: string,
): Promise<{ next(post: NormalizedPost): number }> {
  const stored = new Map<string, number>();
  const byChannel = new Map<string, Set<string>>();
  for (const p of posts) {
    const ids = byChannel.get(p.channel) ?? new Set<string>();
    ids.add(p.author.externalId);
    byChannel.set(p.channel, ids);
  }
  // Per channel, so the lookup uses the whole (workspace, channel, external id) key.
  for (const [channel, ids] of byChannel) {
    for (const part of chunks([...ids])) {
      const rows = await trx
        .selectFrom('authors')
        .innerJoin('mentions', 'mentions.author_id', 'authors.id')
        .select(['authors.external_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('authors.workspace_id', '=', workspaceId)
        .where('authors.channel', '=', channel)
        .where('authors.external_id', 'in', part)
        .where('mentions.created_at', '>=', since)
        .where('mentions.deleted_at', 'is', null)
        .groupBy('authors.external_id')
        .execute();
      for (const r of rows) stored.set(keyOf(channel, r.external_id), Number(r.n));
    }
  }
  const seen = new Map<string, number>();
  return {
    next(post) {
      const key = keyOf(post.channel, post.author.externalId);
      const earlier = seen.get(key) ?? 0;
      seen.set(key, earlier + 1);
      return (stored.get(key) ?? 0) + earlier;
    },
  };
}

const mentionWrites = (workspaceId: string) => `mentions:${workspaceId}`;

/**
 * The highest mention id of the workspace below which every mention is committed: what a reader
 * that walks mentions after a cursor (routing, customer statistics) may advance to. On PostgreSQL
 * it waits for the transactions storing mentions at that moment (see `Dialect.guardWrites`).
 */
export async function committedMentionId(ctx: AppContext, workspaceId: string): Promise<number> {
  return ctx.dialect.afterWriters(ctx.db, mentionWrites(workspaceId), async (db) => {
    const row = await db
      .selectFrom('mentions')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  });
}

/**
 * Writes one workspace's collapsed events: authors, mentions (guarded so that an older version
 * or a replay of a deleted post changes nothing), tombstones for deletes, and query links.
 * Returns the ids of the mentions that changed.
 */
export async function storeEvents(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  upserts: StorablePost[],
  deletes: StorableDelete[],
): Promise<StoreResult> {
  const now = ctx.now().toISOString();
  const changed: number[] = [];
  const deletedAuthorIds: number[] = [];
  if (upserts.length + deletes.length > 0) await ctx.dialect.guardWrites(trx, mentionWrites(workspaceId));
  const cache = authorCache(ctx.db);
  const { ids: authorIds, written } = await upsertAuthors(
    trx,
    ctx.dialect,
    cache,
    workspaceId,
    upserts.map((u) => u.post),
    now,
  );

  for (const part of chunks(upserts)) {
    const rows = await trx
      .insertInto('mentions')
      .values(
        part.map(({ post: p, analysis }) => ({
          workspace_id: workspaceId,
          channel: p.channel,
          external_id: p.externalId,
          url: p.url,
          author_id: authorIds.get(keyOf(p.channel, p.author.externalId)) ?? null,
          text: p.text,
          language: analysis.language,
          created_at: p.createdAt,
          received_at: now,
          version_at: p.versionAt,
          reply_to: p.replyTo,
          thread_root: p.threadRoot,
          engagement: ctx.dialect.toJson(p.engagement),
          analysis: ctx.dialect.toJson(analysis),
          sentiment: analysis.sentiment.label,
          intents: analysis.intents.map((i) => i.label).join(' ') || null,
          urgency: analysis.urgency.score,
          topics: analysis.topics.map((t) => t.id).join(' ') || null,
          classes: analysis.classifiers.map((c) => `${c.classifierId}:${c.label}`).join(' ') || null,
          links: linksJson(p),
          disposition: null,
          deleted_at: null,
          edited_at: p.edited ? p.versionAt : null,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'channel', 'external_id'])
          .doUpdateSet((eb) => ({
            url: eb.ref('excluded.url'),
            author_id: eb.ref('excluded.author_id'),
            text: eb.ref('excluded.text'),
            language: eb.ref('excluded.language'),
            version_at: eb.ref('excluded.version_at'),
            reply_to: eb.ref('excluded.reply_to'),
            thread_root: eb.ref('excluded.thread_root'),
            engagement: eb.ref('excluded.engagement'),
            analysis: eb.ref('excluded.analysis'),
            sentiment: eb.ref('excluded.sentiment'),
            intents: eb.ref('excluded.intents'),
            urgency: eb.ref('excluded.urgency'),
            topics: eb.ref('excluded.topics'),
            classes: eb.ref('excluded.classes'),
            links: eb.ref('excluded.links'),
            edited_at: eb.ref('excluded.edited_at'),
          }))
          .where('mentions.deleted_at', 'is', null)
          .whereRef('mentions.version_at', '<', 'excluded.version_at'),
      )
      .returning(['id', 'channel', 'external_id'])
      .execute();
    const idByKey = new Map(rows.map((r) => [keyOf(r.channel, r.external_id), Number(r.id)]));
    const links = part.flatMap(({ post, queryIds }) => {
      const mentionId = idByKey.get(keyOf(post.channel, post.externalId));
      return mentionId === undefined
        ? []
        : queryIds.map((queryId) => ({
            workspace_id: workspaceId,
            query_id: queryId,
            mention_id: mentionId,
            created_at: now,
          }));
    });
    for (const linkPart of chunks(links)) {
      await trx
        .insertInto('mention_queries')
        .values(linkPart)
        .onConflict((oc) => oc.columns(['query_id', 'mention_id']).doNothing())
        .execute();
    }
    changed.push(...idByKey.values());
  }

  for (const part of chunks(deletes)) {
    const rows = await trx
      .insertInto('mentions')
      .values(
        part.map((d) => ({
          workspace_id: workspaceId,
          channel: d.channel,
          external_id: d.externalId,
          url: null,
          author_id: null,
          text: '',
          language: 'und',
          created_at: d.versionAt,
          received_at: now,
          version_at: d.versionAt,
          reply_to: null,
          thread_root: null,
          engagement: ctx.dialect.toJson({}),
          analysis: ctx.dialect.toJson({}),
          sentiment: null,
          intents: null,
          urgency: null,
          topics: null,
          classes: null,
          disposition: null,
          deleted_at: now,
          edited_at: null,
        })),
      )
      // Removes the text wherever the post was, and keeps the row as a tombstone so that a
      // replay or a late redelivery of the create does not bring it back.
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'channel', 'external_id'])
          .doUpdateSet({
            text: '',
            url: null,
            links: null,
            deleted_at: now,
            analysis: ctx.dialect.toJson({}),
            sentiment: null,
            intents: null,
            urgency: null,
            topics: null,
            classes: null,
          })
          .where('mentions.deleted_at', 'is', null),
      )
      .returning(['id', 'author_id'])
      .execute();
    // What the post claimed goes with its text (the cross-references kept until an account appears).
    if (rows.length > 0)
      await trx
        .deleteFrom('pending_cross_references')
        .where(
          'mention_id',
          'in',
          rows.map((r) => Number(r.id)),
        )
        .execute();
    changed.push(...rows.map((r) => Number(r.id)));
    for (const r of rows) if (r.author_id !== null) deletedAuthorIds.push(Number(r.author_id));
  }
  return {
    changed,
    authors: written,
    deletedAuthorIds,
    afterCommit: () => {
      if (cache.size + written.length > AUTHOR_CACHE_LIMIT) cache.clear();
      for (const a of written) cache.set(cacheKeyOf(workspaceId, a.channel, a.externalId), a);
    },
  };
}
