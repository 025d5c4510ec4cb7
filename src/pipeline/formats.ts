import { z } from 'zod';
import { hrefs, htmlToText } from './html.ts';

/**
 * What the pipeline stores for one post, whatever its source. Connectors append raw payloads in
 * one of three formats; `normalize` turns each into these events or says why it cannot.
 */
export type NormalizedPost = {
  kind: 'upsert';
  channel: string;
  externalId: string;
  url: string | null;
  text: string;
  createdAt: string;
  /** When this version was made at the source; an older version never overwrites a newer one. */
  versionAt: string;
  edited: boolean;
  language: string | null;
  replyTo: string | null;
  threadRoot: string | null;
  urls: string[];
  author: {
    externalId: string;
    handle: string;
    displayName: string | null;
    followers: number | null;
    profileUrl: string | null;
    avatarUrl: string | null;
    /**
     * The account's bio as plain text, or null when the source did not send one: an author's
     * stored bio changes only when a post brings one ('' clears it), like the fields above.
     */
    bio: string | null;
    /** The links of the account's profile (web addresses only), or null when the source did not send them. */
    links: AuthorLink[] | null;
    /** Links the source itself verified as the author's (Mastodon profile fields with `verified_at`). */
    verifiedLinks: string[];
  };
  engagement: { likes: number; reposts: number; replies: number; quotes: number };
};

/** A link of an author's profile: its label there, the address, and whether the network verified it. */
export type AuthorLink = { label: string | null; url: string; verified: boolean };

/** The most of a bio that is kept, in characters. */
export const BIO_MAX = 2000;
/** The most links of a profile that are kept. */
export const LINKS_MAX = 10;
const LABEL_MAX = 200;

export type NormalizedDelete = { kind: 'delete'; channel: string; externalId: string; versionAt: string };
export type NormalizedEvent = NormalizedPost | NormalizedDelete;

export const formats = ['generic', 'jetstream', 'mastodon'] as const;
export type Format = (typeof formats)[number];

export class NormalizeError extends Error {}

const iso = z.iso.datetime({ offset: true }).transform((v) => new Date(v).toISOString());
const count = z.number().int().min(0).default(0);
const URL_IN_TEXT = /https?:\/\/[^\s<>"')\]]+/g;

/**
 * The links written out (http or https) in a post's text. With the link fields a format carries,
 * these are what `url:` queries look at; a post's own address (its permalink) is not one of its
 * links. The query preview, which sees only stored mentions, uses this alone.
 */
export function linksInText(text: string): string[] {
  // A sentence may end right after a link: its full stop or comma is not part of the address.
  return (text.match(URL_IN_TEXT) ?? []).map((u) => u.replace(/[.,;:!?]+$/, ''));
}

/** At most this many links beyond the text are kept per post (a post links a handful at most). */
const MAX_LINKS_BEYOND_TEXT = 20;

/**
 * The links a post carries that its text does not write out in full (Bluesky link facets and
 * cards, Mastodon anchors): stored with the mention so that the app can show them and the query
 * preview sees what `url:` matched on. Web addresses only, as the app links them.
 */
export function linksBeyondText(post: { text: string; urls: string[] }): string[] {
  const inText = new Set(linksInText(post.text));
  return post.urls.filter((u) => !inText.has(u) && asWebAddress(u) !== null).slice(0, MAX_LINKS_BEYOND_TEXT);
}

// ---------------------------------------------------------------------------------------------
// generic: webhook, import, RSS, demo. Documented in docs/connectors.md.

/**
 * A post's or profile's address: the UI links it, so only a web address (http or https) is
 * taken; `javascript:`, `data:` and the like are refused.
 */
const webAddress = z.url({ protocol: /^https?$/, error: 'an http or https address' }).max(2000);
/** A web address, or null for anything else (from a network we do not control: the address is dropped, not the post). */
const asWebAddress = (u: string | null | undefined): string | null =>
  u && webAddress.safeParse(u).success ? u : null;
const webAddressOrNull = z.string().nullish().transform(asWebAddress);

/** The first `max` characters of `text`, without splitting a surrogate pair. */
function capped(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** A label as a profile shows it: trimmed, capped, null when empty. */
const labelOf = (label: string | null | undefined): string | null =>
  label?.trim() ? capped(label.trim(), LABEL_MAX) : null;

export const genericPostSchema = z.object({
  channel: z
    .string()
    .min(1)
    .max(40)
    .regex(/^[a-z0-9_-]+$/),
  externalId: z.string().min(1).max(500),
  deleted: z.boolean().optional(),
  url: webAddress.nullish(),
  text: z.string().max(100_000).default(''),
  createdAt: iso.optional(),
  updatedAt: iso.optional(),
  language: z.string().min(2).max(8).nullish(),
  replyTo: z.string().max(500).nullish(),
  threadRoot: z.string().max(500).nullish(),
  author: z
    .object({
      externalId: z.string().min(1).max(500),
      handle: z.string().min(1).max(300),
      displayName: z.string().max(300).nullish(),
      followers: z.number().int().min(0).nullish(),
      profileUrl: webAddress.nullish(),
      avatarUrl: z.url().max(2000).nullish(),
      /** Plain text; '' clears the stored bio, absent or null keeps it. */
      bio: z.string().max(BIO_MAX).nullish(),
      /**
       * The profile's links; [] clears the stored ones, absent or null keeps them. An address
       * that is not http(s) is dropped, not the post: profiles are written by their owners.
       */
      links: z
        .array(z.object({ label: z.string().max(LABEL_MAX).nullish(), url: z.string().max(2000) }))
        .max(LINKS_MAX)
        .nullish(),
    })
    .optional(),
  engagement: z.object({ likes: count, reposts: count, replies: count, quotes: count }).partial().optional(),
});

export type GenericPost = z.input<typeof genericPostSchema>;

function fromGeneric(raw: unknown, receivedAt: string): NormalizedEvent {
  const p = parse(genericPostSchema, raw);
  const versionAt = p.updatedAt ?? p.createdAt ?? receivedAt;
  if (p.deleted) return { kind: 'delete', channel: p.channel, externalId: p.externalId, versionAt };
  if (!p.author) throw new NormalizeError('author: required unless deleted is true');
  if (p.text.trim() === '') throw new NormalizeError('text: required unless deleted is true');
  return {
    kind: 'upsert',
    channel: p.channel,
    externalId: p.externalId,
    url: p.url ?? null,
    text: p.text,
    createdAt: p.createdAt ?? receivedAt,
    versionAt,
    edited: p.updatedAt !== undefined && p.updatedAt !== p.createdAt,
    language: p.language ?? null,
    replyTo: p.replyTo ?? null,
    threadRoot: p.threadRoot ?? p.replyTo ?? null,
    // Not `p.url`: that is the post's own address, not a link in it.
    urls: [...new Set(linksInText(p.text))],
    author: {
      externalId: p.author.externalId,
      handle: p.author.handle,
      displayName: p.author.displayName ?? null,
      followers: p.author.followers ?? null,
      profileUrl: p.author.profileUrl ?? null,
      avatarUrl: p.author.avatarUrl ?? null,
      bio: p.author.bio ?? null,
      links:
        p.author.links?.flatMap((l) => {
          const url = asWebAddress(l.url);
          return url ? [{ label: labelOf(l.label), url, verified: false }] : [];
        }) ?? null,
      verifiedLinks: [],
    },
    engagement: { likes: 0, reposts: 0, replies: 0, quotes: 0, ...p.engagement },
  };
}

// ---------------------------------------------------------------------------------------------
// jetstream: Bluesky Jetstream events for app.bsky.feed.post; the connector adds `handle`,
// `displayName`, `followers`, `avatar` and `description` (the bio) when it has resolved the
// author's profile (app.bsky.actor.getProfiles).

const strongRef = z.object({ uri: z.string(), cid: z.string().optional() });
const jetstreamSchema = z.object({
  did: z.string().startsWith('did:'),
  time_us: z.number().int().positive(),
  kind: z.literal('commit'),
  handle: z.string().optional(),
  displayName: z.string().max(300).optional(),
  followers: z.number().int().min(0).optional(),
  avatar: z.url().max(2000).optional(),
  // Capped rather than refused: Bluesky limits it to 256 graphemes already.
  description: z.string().optional(),
  commit: z.object({
    operation: z.enum(['create', 'update', 'delete']),
    collection: z.literal('app.bsky.feed.post'),
    rkey: z.string().min(1),
    cid: z.string().optional(),
    record: z
      .object({
        text: z.string().max(100_000),
        createdAt: z.string(),
        langs: z.array(z.string()).optional(),
        reply: z.object({ root: strongRef, parent: strongRef }).optional(),
        facets: z
          .array(
            z.object({ features: z.array(z.looseObject({ $type: z.string(), uri: z.string().optional() })) }),
          )
          .optional(),
        embed: z.looseObject({ external: z.object({ uri: z.string() }).optional() }).optional(),
      })
      .optional(),
  }),
});

function fromJetstream(raw: unknown): NormalizedEvent {
  const e = parse(jetstreamSchema, raw);
  const externalId = `at://${e.did}/app.bsky.feed.post/${e.commit.rkey}`;
  const versionAt = new Date(Math.floor(e.time_us / 1000)).toISOString();
  if (e.commit.operation === 'delete') return { kind: 'delete', channel: 'bluesky', externalId, versionAt };
  const r = e.commit.record;
  if (!r) throw new NormalizeError(`commit.record: required for ${e.commit.operation}`);
  const created = Date.parse(r.createdAt);
  const handle = e.handle ?? e.did;
  const facetLinks = (r.facets ?? []).flatMap((f) => f.features.flatMap((x) => (x.uri ? [x.uri] : [])));
  return {
    kind: 'upsert',
    channel: 'bluesky',
    externalId,
    url: `https://bsky.app/profile/${handle}/post/${e.commit.rkey}`,
    text: r.text,
    createdAt: Number.isNaN(created) ? versionAt : new Date(created).toISOString(),
    versionAt,
    edited: e.commit.operation === 'update',
    language: r.langs?.[0]?.slice(0, 2).toLowerCase() ?? null,
    replyTo: r.reply?.parent.uri ?? null,
    threadRoot: r.reply?.root.uri ?? null,
    urls: [
      ...new Set([
        ...facetLinks,
        ...(r.embed?.external ? [r.embed.external.uri] : []),
        ...linksInText(r.text),
      ]),
    ],
    author: {
      externalId: e.did,
      handle,
      displayName: e.displayName ?? null,
      followers: e.followers ?? null,
      profileUrl: `https://bsky.app/profile/${handle}`,
      avatarUrl: e.avatar ?? null,
      bio: e.description === undefined ? null : capped(e.description.trim(), BIO_MAX),
      // Bluesky profiles have no link fields (links live in the description's text).
      links: null,
      verifiedLinks: [],
    },
    engagement: { likes: 0, reposts: 0, replies: 0, quotes: 0 },
  };
}

// ---------------------------------------------------------------------------------------------
// mastodon: a status from the streaming API (`update`, `status.update`) or `{ deleted: id }`.

const mastodonStatusSchema = z.object({
  id: z.string().min(1),
  uri: z.string().min(1),
  url: webAddressOrNull,
  created_at: iso,
  edited_at: iso.nullish(),
  content: z.string().max(500_000),
  spoiler_text: z.string().optional(),
  language: z.string().nullish(),
  in_reply_to_id: z.string().nullish(),
  replies_count: count,
  reblogs_count: count,
  favourites_count: count,
  account: z.object({
    id: z.string().min(1),
    acct: z.string().min(1),
    display_name: z.string().optional(),
    followers_count: z.number().int().min(0).optional(),
    url: webAddressOrNull,
    avatar: z.string().optional(),
    /** The bio, as HTML. Capped, not refused: a long bio does not cost the post. */
    note: z.string().optional(),
    fields: z
      .array(
        z.object({
          name: z.string().max(500),
          value: z.string().max(5000),
          verified_at: z.string().nullish(),
        }),
      )
      .max(20)
      .optional(),
  }),
});
const mastodonSchema = z.union([
  z.object({ instance: z.string().min(1), status: mastodonStatusSchema }),
  z.object({ instance: z.string().min(1), deleted: z.string().min(1), at: iso.optional() }),
]);

function fromMastodon(raw: unknown, receivedAt: string): NormalizedEvent {
  const m = parse(mastodonSchema, raw);
  // Status ids are per instance; the key is the instance plus id so two servers never collide.
  const key = (id: string) => `${m.instance}/${id}`;
  if ('deleted' in m)
    return { kind: 'delete', channel: 'mastodon', externalId: key(m.deleted), versionAt: m.at ?? receivedAt };
  const s = m.status;
  const text = [s.spoiler_text, htmlToText(s.content)].filter(Boolean).join('\n');
  if (text === '') throw new NormalizeError('status.content: empty');
  const acct = s.account.acct.includes('@') ? s.account.acct : `${s.account.acct}@${m.instance}`;
  return {
    kind: 'upsert',
    channel: 'mastodon',
    externalId: key(s.id),
    url: s.url ?? asWebAddress(s.uri),
    text,
    createdAt: s.created_at,
    versionAt: s.edited_at ?? s.created_at,
    edited: Boolean(s.edited_at),
    language: s.language ?? null,
    replyTo: s.in_reply_to_id ? key(s.in_reply_to_id) : null,
    threadRoot: s.in_reply_to_id ? key(s.in_reply_to_id) : null,
    urls: [
      ...new Set([
        ...hrefs(s.content).filter((u) => !u.includes('/tags/') && !u.includes('/@')),
        ...linksInText(text),
      ]),
    ],
    author: {
      externalId: `${m.instance}/${s.account.id}`,
      handle: acct,
      displayName: s.account.display_name || null,
      followers: s.account.followers_count ?? null,
      profileUrl: s.account.url ?? null,
      avatarUrl: s.account.avatar ?? null,
      bio: s.account.note === undefined ? null : capped(htmlToText(s.account.note.slice(0, 50_000)), BIO_MAX),
      links: s.account.fields === undefined ? null : mastodonLinks(s.account.fields),
      // The instance checked these links point back to the profile (rel="me"): strong evidence.
      verifiedLinks: (s.account.fields ?? []).filter((f) => f.verified_at).flatMap((f) => hrefs(f.value)),
    },
    engagement: { likes: s.favourites_count, reposts: s.reblogs_count, replies: s.replies_count, quotes: 0 },
  };
}

/**
 * A Mastodon profile's fields as links: each field whose value links a web address (its first),
 * labelled by the field's name, verified when the instance checked it points back (rel="me").
 * Fields of plain text ("Pronouns: they/them") are not links.
 */
function mastodonLinks(fields: { name: string; value: string; verified_at?: string | null | undefined }[]) {
  return fields
    .flatMap((f) => {
      const url = asWebAddress(hrefs(f.value)[0]);
      return url ? [{ label: labelOf(f.name), url, verified: Boolean(f.verified_at) }] : [];
    })
    .slice(0, LINKS_MAX);
}

function parse<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new NormalizeError(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/** Turns one raw log payload into a stored event, or throws NormalizeError saying why not. */
export function normalize(format: string, payloadText: string, receivedAt: string): NormalizedEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(payloadText);
  } catch (err) {
    throw new NormalizeError(`payload is not JSON: ${(err as Error).message}`);
  }
  switch (format) {
    case 'generic':
      return fromGeneric(raw, receivedAt);
    case 'jetstream':
      return fromJetstream(raw);
    case 'mastodon':
      return fromMastodon(raw, receivedAt);
    default:
      throw new NormalizeError(`unknown format "${format}"`);
  }
}
