/**
 * Identity resolution: every mention author becomes a social identity attached to exactly one
 * customer; strong evidence (proven domains, verified profile links, contacts files) links
 * customers at once, weaker evidence is stored as suggestions.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { DB } from '../../db/schema.ts';
import { newId } from '../../ids.ts';
import { suggestFromPendingCrossReferences } from './cross-reference-suggestions.ts';
import { mergeInTransaction } from './merges.ts';
import {
  channelName,
  confidence,
  customDomainOf,
  domainProvesEmail,
  emailCandidatesFor,
  handleKey,
  isDistinctiveName,
} from './rules.ts';
import type { AttributeValue } from './schema.ts';

// ---------------------------------------------------------------------------------------------
// The pipeline: every mention author is a social identity attached to exactly one customer

/** An author the pipeline has just written (see `StoreResult.authors` in listening/store.ts). */
export type AttachableAuthor = {
  id: number;
  channel: string;
  externalId: string;
  handle: string;
  displayName: string | null;
  avatarUrl: string | null;
  /**
   * Links the source verified as this account's (Mastodon `rel="me"` profile fields); null or
   * absent when the source did not send the profile's links this time (what is stored stands).
   */
  verifiedLinks?: string[] | null;
};

type FreshIdentity = {
  identityId: string;
  customerId: string;
  channel: string;
  handle: string | null;
  handleKey: string | null;
  displayName: string;
  avatarUrl: string | null;
  verifiedLinks: string[];
};

/**
 * Gives every author of `authors` that has no identity yet a social identity and a customer of
 * its own, then resolves the new identities (strong evidence links, weak evidence suggests).
 * Set-based: one select of existing identities per 400 authors, bulk inserts. The pipeline calls
 * it inside the batch transaction with the authors it wrote; cached, unchanged authors are not
 * passed, so a known author costs nothing.
 */
export async function attachAuthors(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  authors: AttachableAuthor[],
): Promise<{ created: number }> {
  if (authors.length === 0) return { created: 0 };
  const customerOf = new Map<number, string>();
  for (const part of chunks(authors)) {
    // Author ids are unique across workspaces (the authors table's serial key).
    const rows = await trx
      .selectFrom('identities')
      .select(['author_id', 'customer_id'])
      .where(
        'author_id',
        'in',
        part.map((a) => a.id),
      )
      .execute();
    for (const r of rows) if (r.author_id !== null) customerOf.set(Number(r.author_id), r.customer_id);
  }
  const newlyNamed = await recordVerifiedLinks(trx, workspaceId, authors);
  const fresh = authors.filter((a) => !customerOf.has(a.id));
  const created = fresh.length === 0 ? 0 : await attachFresh(ctx, trx, workspaceId, fresh);
  // A known account whose profile now has a verified link it did not have: the same strong rule.
  for (const a of authors) {
    const targets = newlyNamed.get(a.id);
    const customerId = customerOf.get(a.id);
    if (!targets || customerId === undefined) continue;
    await linkNewlyVerified(ctx, trx, workspaceId, a, await currentCustomerId(trx, customerId), targets);
  }
  return { created };
}

/** Gives each of `fresh` (authors without an identity) a customer and an identity, then resolves them. */
async function attachFresh(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  fresh: AttachableAuthor[],
): Promise<number> {
  const now = ctx.now().toISOString();
  const made = fresh.map((a) => {
    const displayName = a.displayName?.trim() || a.handle;
    const customer = {
      id: newId(ctx.now()),
      workspace_id: workspaceId,
      display_name: displayName,
      primary_email: null,
      avatar_url: a.avatarUrl,
      bio: null,
      attributes: ctx.dialect.toJson({}),
      merged_into: null,
      website_domain: null,
      created_at: now,
      updated_at: now,
    };
    const identity = {
      id: newId(ctx.now()),
      workspace_id: workspaceId,
      customer_id: customer.id,
      kind: 'social' as const,
      channel: a.channel,
      external_id: a.externalId,
      handle: a.handle,
      handle_key: handleKey(a.channel, a.handle),
      author_id: a.id,
      verified: 0,
      source: 'pipeline' as const,
      created_at: now,
    };
    return { customer, identity, verifiedLinks: a.verifiedLinks ?? [] };
  });
  for (const part of chunks(made)) {
    await trx
      .insertInto('customers')
      .values(part.map((m) => m.customer))
      .execute();
    await trx
      .insertInto('identities')
      .values(part.map((m) => m.identity))
      .execute();
  }
  await resolveNewIdentities(
    ctx,
    trx,
    workspaceId,
    made.map(({ customer, identity, verifiedLinks }) => ({
      identityId: identity.id,
      customerId: customer.id,
      channel: identity.channel,
      handle: identity.handle,
      handleKey: identity.handle_key,
      displayName: customer.display_name,
      avatarUrl: customer.avatar_url,
      verifiedLinks,
    })),
  );
  await applyContactLinks(
    ctx,
    trx,
    workspaceId,
    made.map(({ identity }) => ({ id: identity.id, channel: identity.channel, handle: identity.handle })),
  );
  // Posts that called one of these accounts their author's own before it was seen.
  await suggestFromPendingCrossReferences(ctx, trx, workspaceId, {
    handleKeys: made.flatMap(({ identity }) => (identity.handle_key ? [identity.handle_key] : [])),
  });
  return made.length;
}

/** How contacts files and identities spell a handle for matching: lower case, no leading @. */
export const contactHandle = (handle: string) => handle.trim().toLowerCase().replace(/^@/, '');

/**
 * Strong rule (d): an account an imported contacts file listed for a customer joins that
 * customer when the pipeline first meets it (the file's row is the evidence).
 */
async function applyContactLinks(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  identities: { id: string; channel: string; handle: string | null }[],
): Promise<void> {
  const handles = [...new Set(identities.flatMap((i) => (i.handle ? [contactHandle(i.handle)] : [])))];
  if (handles.length === 0) return;
  const links = await trx
    .selectFrom('contact_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('applied_at', 'is', null)
    .where('handle', 'in', handles)
    .execute();
  for (const link of links) {
    const identity = identities.find(
      (i) => i.channel === link.channel && i.handle !== null && contactHandle(i.handle) === link.handle,
    );
    if (!identity) continue;
    // Either side may have been merged since (by stronger evidence in this same batch).
    const current = await trx
      .selectFrom('identities')
      .select('customer_id')
      .where('id', '=', identity.id)
      .executeTakeFirstOrThrow();
    const from = await currentCustomerId(trx, current.customer_id);
    const into = await currentCustomerId(trx, link.customer_id);
    if (from !== into)
      await mergeInTransaction(ctx, trx, workspaceId, null, {
        intoId: into,
        fromId: from,
        evidence: [`${link.source} lists ${link.channel} account ${link.handle} for this customer`],
      });
    await trx
      .updateTable('contact_links')
      .set({ applied_at: ctx.now().toISOString() })
      .where('id', '=', link.id)
      .execute();
  }
}

/** The customer a (possibly merged-away) customer id now lives in. */
export async function currentCustomerId(db: Transaction<DB> | AppContext['db'], id: string): Promise<string> {
  let at = id;
  for (let hops = 0; hops < 50; hops++) {
    const row = await db
      .selectFrom('customers')
      .select('merged_into')
      .where('id', '=', at)
      .executeTakeFirst();
    if (!row?.merged_into) return at;
    at = row.merged_into;
  }
  return at;
}

/**
 * Links authors that have no identity yet (written before this module existed, or by an older
 * version): run at worker start-up, so an upgraded install gets its customers without a
 * separate command. Returns how many identities it created.
 */
export async function attachUnattachedAuthors(ctx: AppContext, batch = 2000): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await ctx.db
      .selectFrom('authors')
      .leftJoin('identities', 'identities.author_id', 'authors.id')
      .select([
        'authors.id',
        'authors.workspace_id',
        'authors.channel',
        'authors.external_id',
        'authors.handle',
        'authors.display_name',
        'authors.avatar_url',
      ])
      .where('identities.id', 'is', null)
      // Erased authors keep their row (for aggregates) without an identity: never re-attach them.
      .where('authors.external_id', 'not like', 'erased:%')
      .orderBy('authors.id')
      .limit(batch)
      .execute();
    if (rows.length === 0) return total;
    const byWorkspace = new Map<string, AttachableAuthor[]>();
    for (const r of rows) {
      const list = byWorkspace.get(r.workspace_id) ?? [];
      list.push({
        id: Number(r.id),
        channel: r.channel,
        externalId: r.external_id,
        handle: r.handle,
        displayName: r.display_name,
        avatarUrl: r.avatar_url,
      });
      byWorkspace.set(r.workspace_id, list);
    }
    await ctx.db.transaction().execute(async (trx) => {
      for (const [workspaceId, authors] of byWorkspace)
        total += (await attachAuthors(ctx, trx, workspaceId, authors)).created;
    });
    if (rows.length < batch) return total;
  }
}

/**
 * Resolution of identities just created, each on a customer of its own. Strong evidence (a
 * Bluesky custom-domain handle proven by a verified email of exactly one other customer) merges
 * at once, audited and reversible; weaker evidence is stored as a suggestion per customer pair.
 */
async function resolveNewIdentities(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  fresh: FreshIdentity[],
): Promise<void> {
  const linked = await linkProvenDomains(ctx, trx, workspaceId, fresh);
  for (const rule of [linkVerifiedProfiles, linkNamedByVerifiedLinks])
    for (const id of await rule(
      ctx,
      trx,
      workspaceId,
      fresh.filter((f) => !linked.has(f.customerId)),
    ))
      linked.add(id);
  const open = fresh.filter((f) => !linked.has(f.customerId));
  if (open.length === 0) return;

  // Ordered pair → (confidence, evidence).
  const pairs = new Map<string, { a: string; b: string; confidence: number; evidence: string[] }>();
  const propose = (x: string, y: string, conf: number, evidence: string) => {
    if (x === y) return;
    const [a, b] = x < y ? [x, y] : [y, x];
    const key = `${a} ${b}`;
    const seen = pairs.get(key);
    if (!seen) pairs.set(key, { a, b, confidence: conf, evidence: [evidence] });
    else {
      seen.confidence = Math.max(seen.confidence, conf);
      if (!seen.evidence.includes(evidence)) seen.evidence.push(evidence);
    }
  };

  // Same display name (and avatar).
  const names = [...new Set(open.map((f) => f.displayName))];
  const sameName = new Map<string, { id: string; avatar_url: string | null }[]>();
  for (const part of chunks(names)) {
    const rows = await trx
      .selectFrom('customers')
      .select(['id', 'display_name', 'avatar_url'])
      .where('workspace_id', '=', workspaceId)
      .where('merged_into', 'is', null)
      .where('display_name', 'in', part)
      .execute();
    for (const r of rows) {
      const list = sameName.get(r.display_name) ?? [];
      list.push(r);
      sameName.set(r.display_name, list);
    }
  }
  for (const f of open) {
    const others = (sameName.get(f.displayName) ?? []).filter((o) => o.id !== f.customerId);
    // A name shared by many customers says nothing about any one of them.
    if (others.length > 20) continue;
    for (const o of others) {
      if (f.avatarUrl && o.avatar_url === f.avatarUrl)
        propose(
          f.customerId,
          o.id,
          confidence.nameAndAvatar,
          `Same display name "${f.displayName}" and the same avatar`,
        );
      else if (isDistinctiveName(f.displayName))
        propose(f.customerId, o.id, confidence.nameOnly, `Same display name "${f.displayName}"`);
    }
  }

  // Same handle on two networks.
  const keys = [...new Set(open.flatMap((f) => (f.handleKey ? [f.handleKey] : [])))];
  const sameKey = new Map<string, { customer_id: string; channel: string; handle: string | null }[]>();
  for (const part of chunks(keys)) {
    // Social identities only, checked here: with `kind` in the query, SQLite without statistics
    // read every social identity of the workspace instead of looking the handles up.
    const rows = await trx
      .selectFrom('identities')
      .select(['customer_id', 'channel', 'handle', 'handle_key', 'kind'])
      .where('workspace_id', '=', workspaceId)
      .where('handle_key', 'in', part)
      .execute();
    for (const r of rows) {
      if (!r.handle_key || r.kind !== 'social') continue;
      const list = sameKey.get(r.handle_key) ?? [];
      list.push(r);
      sameKey.set(r.handle_key, list);
    }
  }
  for (const f of open) {
    if (!f.handleKey) continue;
    const others = (sameKey.get(f.handleKey) ?? []).filter(
      (o) => o.channel !== f.channel && o.customer_id !== f.customerId,
    );
    if (others.length > 20) continue;
    for (const o of others) {
      // Worded the same whichever side was found first, so the pair lists it once.
      const [x, y] = [
        `${channelName(f.channel)} (${f.handle})`,
        `${channelName(o.channel)} (${o.handle})`,
      ].sort();
      propose(
        f.customerId,
        o.customer_id,
        confidence.handleOnTwoNetworks,
        `Same handle "${f.handleKey}" on ${x} and ${y}`,
      );
    }
  }

  if (pairs.size === 0) return;
  const now = ctx.now().toISOString();
  for (const part of chunks([...pairs.values()])) {
    await trx
      .insertInto('identity_suggestions')
      .values(
        part.map((p) => ({
          id: newId(ctx.now()),
          workspace_id: workspaceId,
          customer_id: p.a,
          other_customer_id: p.b,
          confidence: p.confidence,
          evidence: ctx.dialect.toJson(p.evidence),
          status: 'open' as const,
          created_at: now,
          decided_at: null,
          decided_by: null,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'other_customer_id']).doNothing())
      .execute();
  }
}

/**
 * The customers that own a domain, with the proof for each: a verified email the domain proves
 * (see `domainProvesEmail`) or a `website` attribute on that domain.
 */
async function domainOwners(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  domain: string,
): Promise<Map<string, string>> {
  const { exact, hosts } = emailCandidatesFor(domain);
  const emails = await trx
    .selectFrom('identities')
    .select(['customer_id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'email')
    .where('verified', '=', 1)
    .where((eb) =>
      eb.or([
        ...(exact.length > 0 ? [eb('external_id', 'in', exact)] : []),
        // Custom-domain handles are [a-z0-9.-] only (customDomainOf), so no LIKE wildcard slips in.
        ...hosts.map((h) => eb('external_id', 'like', `%@${h}`)),
      ]),
    )
    .execute();
  const websites = await trx
    .selectFrom('customers')
    .select(['id', 'attributes'])
    .where('workspace_id', '=', workspaceId)
    .where('website_domain', '=', domain)
    .where('merged_into', 'is', null)
    .execute();
  const owners = new Map<string, string>();
  for (const e of emails)
    if (domainProvesEmail(domain, e.external_id) && !owners.has(e.customer_id))
      owners.set(e.customer_id, `verified email ${e.external_id}`);
  for (const w of websites)
    if (!owners.has(w.id))
      owners.set(
        w.id,
        `website ${String(ctx.dialect.parseJson<Record<string, AttributeValue>>(w.attributes).website)}`,
      );
  return owners;
}

/**
 * Strong rule (b) from the identity side: a new Bluesky custom-domain handle owned by exactly
 * one other customer joins it. Returns the customers merged away.
 */
async function linkProvenDomains(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  fresh: FreshIdentity[],
): Promise<Set<string>> {
  const merged = new Set<string>();
  for (const f of fresh) {
    const domain = customDomainOf(f.channel, f.handle);
    if (!domain) continue;
    const owners = await domainOwners(ctx, trx, workspaceId, domain);
    owners.delete(f.customerId);
    // Two customers at the same domain: the handle proves nothing about which one.
    const [owner] = owners.size === 1 ? [...owners] : [];
    if (!owner) continue;
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: owner[0],
      fromId: f.customerId,
      evidence: [`Bluesky handle ${f.handle} is a domain the customer owns (${owner[1]})`],
    });
    merged.add(f.customerId);
  }
  return merged;
}

/**
 * What a verified profile link names: another social account (a Bluesky profile, a Mastodon
 * profile) or a web domain. Null for links that name nothing we can match.
 */
export function linkTarget(
  url: string,
): { kind: 'account'; channel: string; handle: string } | { kind: 'domain'; domain: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  const bsky = /^\/profile\/([^/]+)\/?$/.exec(u.pathname);
  if (host === 'bsky.app' && bsky?.[1])
    return { kind: 'account', channel: 'bluesky', handle: bsky[1].toLowerCase() };
  const masto = /^\/@([A-Za-z0-9_]+)\/?$/.exec(u.pathname);
  if (masto?.[1])
    return { kind: 'account', channel: 'mastodon', handle: `${masto[1]}@${host}`.toLowerCase() };
  if (u.pathname === '/' || u.pathname === '') return { kind: 'domain', domain: host };
  return null;
}

/** What a verified link names, as `author_verified_links` keeps it: an account, or a domain (`web`). */
type VerifiedTarget = { channel: string; target: string; url: string };

function verifiedTarget(url: string): VerifiedTarget | null {
  const t = linkTarget(url);
  if (!t) return null;
  return t.kind === 'account'
    ? { channel: t.channel, target: t.handle, url }
    : { channel: 'web', target: t.domain, url };
}

/**
 * Keeps what each profile's verified links name (for the authors whose links the source sent),
 * so that an account seen later can be matched to it; returns, per author, what its profile names
 * now that it did not name before.
 */
async function recordVerifiedLinks(
  trx: Transaction<DB>,
  workspaceId: string,
  authors: AttachableAuthor[],
): Promise<Map<number, VerifiedTarget[]>> {
  const added = new Map<number, VerifiedTarget[]>();
  const sent = authors.filter((a) => a.verifiedLinks != null);
  if (sent.length === 0) return added;
  const key = (channel: string, target: string) => `${channel} ${target}`;
  const stored = new Map<number, Set<string>>();
  for (const part of chunks(sent)) {
    const rows = await trx
      .selectFrom('author_verified_links')
      .select(['author_id', 'target_channel', 'target'])
      .where(
        'author_id',
        'in',
        part.map((a) => a.id),
      )
      .execute();
    for (const r of rows) {
      const set = stored.get(Number(r.author_id)) ?? new Set<string>();
      set.add(key(r.target_channel, r.target));
      stored.set(Number(r.author_id), set);
    }
  }
  const inserts: {
    author_id: number;
    workspace_id: string;
    target_channel: string;
    target: string;
    url: string;
  }[] = [];
  for (const a of sent) {
    const now = new Map<string, VerifiedTarget>();
    for (const url of a.verifiedLinks ?? []) {
      const t = verifiedTarget(url);
      if (t) now.set(key(t.channel, t.target), t);
    }
    const before = stored.get(a.id) ?? new Set<string>();
    for (const [k, t] of now) {
      if (before.has(k)) continue;
      inserts.push({
        author_id: a.id,
        workspace_id: workspaceId,
        target_channel: t.channel,
        target: t.target,
        url: t.url,
      });
      added.set(a.id, [...(added.get(a.id) ?? []), t]);
    }
    // A link the profile no longer has, or no longer verified, names nothing from now on.
    for (const k of before) {
      if (now.has(k)) continue;
      const [channel = '', ...rest] = k.split(' ');
      await trx
        .deleteFrom('author_verified_links')
        .where('author_id', '=', a.id)
        .where('target_channel', '=', channel)
        .where('target', '=', rest.join(' '))
        .execute();
    }
  }
  // Another worker may record the same profile at the same moment: the rows are the same.
  for (const part of chunks(inserts))
    await trx
      .insertInto('author_verified_links')
      .values(part)
      .onConflict((oc) => oc.columns(['author_id', 'target_channel', 'target']).doNothing())
      .execute();
  return added;
}

/**
 * The one customer other than `customerId` that a verified link's target belongs to: the holder
 * of that account, or the only owner of that domain; with the words for the evidence.
 */
async function verifiedTargetOwner(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  customerId: string,
  t: VerifiedTarget,
): Promise<[string, string] | undefined> {
  if (t.channel === 'web') {
    const owners = await domainOwners(ctx, trx, workspaceId, t.target);
    owners.delete(customerId);
    const [only] = owners.size === 1 ? [...owners] : [];
    return only ? [only[0], `${t.target}, a domain the customer owns (${only[1]})`] : undefined;
  }
  const rows = await trx
    .selectFrom('identities')
    .select(['customer_id', 'handle'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'social')
    .where('channel', '=', t.channel)
    .where((eb) => eb.fn('lower', ['handle']), '=', t.target)
    .where('customer_id', '!=', customerId)
    .execute();
  const customers = [...new Set(rows.map((r) => r.customer_id))];
  return customers.length === 1 && customers[0]
    ? [customers[0], `${channelName(t.channel)} account ${rows[0]?.handle ?? t.target}`]
    : undefined;
}

/**
 * Strong rule (c): a new account whose source verified a link to another known account of one
 * customer, or to a domain exactly one customer owns, joins that customer. Returns the
 * customers merged away.
 */
async function linkVerifiedProfiles(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  fresh: FreshIdentity[],
): Promise<Set<string>> {
  const merged = new Set<string>();
  for (const f of fresh) {
    for (const link of f.verifiedLinks) {
      const target = verifiedTarget(link);
      const owner = target && (await verifiedTargetOwner(ctx, trx, workspaceId, f.customerId, target));
      if (!owner) continue;
      await mergeInTransaction(ctx, trx, workspaceId, null, {
        intoId: owner[0],
        fromId: f.customerId,
        evidence: [
          `${channelName(f.channel)} profile ${f.handle} has a link verified by its server to ${owner[1]}`,
        ],
      });
      merged.add(f.customerId);
      break;
    }
  }
  return merged;
}

/**
 * Strong rule (c) from the other side: a new account that a known profile's verified link names
 * (the profile seen first) joins that profile's customer, when exactly one customer's profiles
 * name it. Returns the customers merged away.
 */
async function linkNamedByVerifiedLinks(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  fresh: FreshIdentity[],
): Promise<Set<string>> {
  const merged = new Set<string>();
  const named = fresh.filter((f) => f.handle && (f.channel === 'bluesky' || f.channel === 'mastodon'));
  const naming: {
    target_channel: string;
    target: string;
    customer_id: string;
    channel: string;
    handle: string | null;
  }[] = [];
  for (const part of chunks([...new Set(named.map((f) => (f.handle ?? '').toLowerCase()))])) {
    naming.push(
      ...(await trx
        .selectFrom('author_verified_links as v')
        .innerJoin('identities as i', 'i.author_id', 'v.author_id')
        .select(['v.target_channel', 'v.target', 'i.customer_id', 'i.channel', 'i.handle'])
        .where('v.workspace_id', '=', workspaceId)
        .where('v.target_channel', 'in', ['bluesky', 'mastodon'])
        .where('v.target', 'in', part)
        .execute()),
    );
  }
  if (naming.length === 0) return merged;
  for (const f of named) {
    const target = (f.handle ?? '').toLowerCase();
    const by = naming.filter(
      (n) => n.target_channel === f.channel && n.target === target && n.customer_id !== f.customerId,
    );
    const customers = [...new Set(by.map((n) => n.customer_id))];
    const [first] = by;
    if (customers.length !== 1 || !first) continue;
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: first.customer_id,
      fromId: f.customerId,
      evidence: [
        `${channelName(first.channel)} profile ${first.handle} has a link verified by its server to ${channelName(f.channel)} account ${f.handle}`,
      ],
    });
    merged.add(f.customerId);
  }
  return merged;
}

/**
 * Strong rule (c) for a known account whose profile gained a verified link: it joins the target's
 * customer, unless people separated the two customers before (an undone merge between them is an
 * agent's decision that the evidence does not overrule).
 */
async function linkNewlyVerified(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  author: AttachableAuthor,
  customerId: string,
  targets: VerifiedTarget[],
): Promise<void> {
  for (const t of targets) {
    const owner = await verifiedTargetOwner(ctx, trx, workspaceId, customerId, t);
    if (!owner) continue;
    const separated = await trx
      .selectFrom('customer_merges')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('undone_at', 'is not', null)
      .where((eb) =>
        eb.or([
          eb.and([eb('into_customer_id', '=', owner[0]), eb('from_customer_id', '=', customerId)]),
          eb.and([eb('into_customer_id', '=', customerId), eb('from_customer_id', '=', owner[0])]),
        ]),
      )
      .executeTakeFirst();
    if (separated) continue;
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: owner[0],
      fromId: customerId,
      evidence: [
        `${channelName(author.channel)} profile ${author.handle} has a link verified by its server to ${owner[1]}`,
      ],
    });
    return;
  }
}

/**
 * Strong rules (b) and (c) from the customer side, for `domains` just proven to be
 * `customerId`'s (by a verified email or the website given to it): Bluesky custom-domain handles
 * that are one of them, and accounts whose profile has a verified link to one of them, join it,
 * unless another customer owns the same domain.
 */
export async function linkAccountsOnDomains(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  customerId: string,
  domains: string[],
): Promise<void> {
  if (domains.length === 0) return;
  const handles = await trx
    .selectFrom('identities')
    .select(['customer_id', 'handle'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'social')
    .where('channel', '=', 'bluesky')
    .where('handle', 'in', domains)
    .where('customer_id', '!=', customerId)
    .execute();
  const profiles = await trx
    .selectFrom('author_verified_links as v')
    .innerJoin('identities as i', 'i.author_id', 'v.author_id')
    .select(['i.customer_id', 'i.channel', 'i.handle', 'v.target'])
    .where('v.workspace_id', '=', workspaceId)
    .where('v.target_channel', '=', 'web')
    .where('v.target', 'in', domains)
    .where('i.customer_id', '!=', customerId)
    .execute();
  const candidates = [
    ...handles.flatMap((r) => {
      const domain = customDomainOf('bluesky', r.handle);
      return domain
        ? [{ customerId: r.customer_id, domain, says: `Bluesky handle ${r.handle} is a domain` }]
        : [];
    }),
    ...profiles.map((r) => ({
      customerId: r.customer_id,
      domain: r.target,
      says: `${channelName(r.channel)} profile ${r.handle} has a link verified by its server to ${r.target}, a domain`,
    })),
  ];
  const done = new Set<string>();
  for (const c of candidates) {
    if (done.has(c.customerId)) continue;
    const owners = await domainOwners(ctx, trx, workspaceId, c.domain);
    owners.delete(c.customerId);
    const proof = owners.get(customerId);
    if (owners.size !== 1 || !proof) continue;
    done.add(c.customerId);
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: customerId,
      fromId: c.customerId,
      evidence: [`${c.says} the customer owns (${proof})`],
    });
  }
}
