/**
 * The customers module: one customer per person, their identities (social accounts, emails,
 * phones), identity resolution with evidence (automatic links only on strong evidence, weaker
 * evidence as suggestions), lossless merge and unmerge, custom attributes, profile and timeline.
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CustomersTable, DB, IdentitiesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { mentionsByIds } from '../listening/service.ts';
import {
  activityTimelineRows,
  carryActivity,
  eventsBin,
  formatAmount,
  returnActivity,
  transactionsBin,
} from './activity-queries.ts';
import { consentsTo, customerConsents, mayShowBehaviour } from './consents.ts';
import { refreshCustomerStats } from './customer-stats.ts';
import {
  type AuthorInfluence,
  influenceByAuthor,
  type RankedAuthor,
  type RankKind,
  rankAuthors,
} from './influence.ts';
import {
  type AttributeDefinition,
  applyAttributes,
  channelName,
  confidence,
  customDomainOf,
  domainProvesEmail,
  emailCandidatesFor,
  handleKey,
  handlesProvenBy,
  isDistinctiveName,
  normalizeEmail,
  normalizePhone,
  websiteDomainOf,
} from './rules.ts';
import type {
  AttributeDefinitionView,
  AttributeValue,
  CustomerPatch,
  CustomerProfile,
  CustomerSummary,
  IdentityView,
  MergeView,
  SuggestionView,
  TimelineItem,
} from './schema.ts';
import { segmentMemberFilter } from './segments.ts';

/** Weak rule: a post claiming another customer's account as its author's own suggests a merge. */
export { suggestFromCrossReferences } from './cross-reference-suggestions.ts';

type Db = Kysely<DB> | Transaction<DB>;
type CustomerRow = Selectable<CustomersTable>;
type IdentityRow = Selectable<IdentitiesTable>;

const CHUNK = 400;

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

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
  /** Links the source verified as this account's (Mastodon `rel="me"` profile fields). */
  verifiedLinks?: string[];
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
  const attached = new Set<number>();
  for (const part of chunks(authors)) {
    // Author ids are unique across workspaces (the authors table's serial key).
    const rows = await trx
      .selectFrom('identities')
      .select('author_id')
      .where(
        'author_id',
        'in',
        part.map((a) => a.id),
      )
      .execute();
    for (const r of rows) if (r.author_id !== null) attached.add(Number(r.author_id));
  }
  const fresh = authors.filter((a) => !attached.has(a.id));
  if (fresh.length === 0) return { created: 0 };

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
  return { created: made.length };
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
  for (const id of await linkVerifiedProfiles(
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
    const rows = await trx
      .selectFrom('identities')
      .select(['customer_id', 'channel', 'handle', 'handle_key'])
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', 'social')
      .where('handle_key', 'in', part)
      .execute();
    for (const r of rows) {
      if (!r.handle_key) continue;
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

/** Strong rule (b) from the identity side; returns the customers merged away. */
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
      const target = linkTarget(link);
      if (!target) continue;
      let owner: [string, string] | undefined;
      if (target.kind === 'account') {
        const rows = await trx
          .selectFrom('identities')
          .select(['customer_id', 'handle'])
          .where('workspace_id', '=', workspaceId)
          .where('kind', '=', 'social')
          .where('channel', '=', target.channel)
          .where((eb) => eb.fn('lower', ['handle']), '=', target.handle)
          .where('customer_id', '!=', f.customerId)
          .execute();
        const customers = [...new Set(rows.map((r) => r.customer_id))];
        if (customers.length === 1 && customers[0])
          owner = [
            customers[0],
            `${channelName(target.channel)} account ${rows[0]?.handle ?? target.handle}`,
          ];
      } else {
        const owners = await domainOwners(ctx, trx, workspaceId, target.domain);
        owners.delete(f.customerId);
        const [only] = owners.size === 1 ? [...owners] : [];
        if (only) owner = [only[0], `${target.domain}, a domain the customer owns (${only[1]})`];
      }
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

// ---------------------------------------------------------------------------------------------
// Merge and unmerge

/** What unmerge needs: the `from` row as it was, and what the merge changed on `into`. */
type MergeSnapshot = {
  from: Omit<CustomerRow, 'attributes'> & { attributes: Record<string, AttributeValue> };
  into: {
    primary_email: string | null;
    avatar_url: string | null;
    bio: string | null;
    attributes: Record<string, AttributeValue>;
    updated_at: string;
  };
  /** What the merge wrote on `into` (and `website_domain`, derived from the attributes). */
  applied: {
    primary_email: string | null;
    avatar_url: string | null;
    bio: string | null;
    attributes: Record<string, AttributeValue>;
    updated_at: string;
  };
  /** Attributes both had with different values: `into` kept its own. */
  attributeConflicts: Record<string, { into: AttributeValue; from: AttributeValue }>;
  /** The identities moved from `from` to `into` (and with them their mentions). */
  identityIds: string[];
  /** Open suggestions of this pair that the merge closed. */
  suggestionIds: string[];
  /** Transactions, events, cases and conversations moved from `from` (absent in merges made before they existed). */
  transactionIds?: string[];
  eventIds?: string[];
  caseIds?: string[];
  conversationIds?: string[];
};

function toMergeView(
  ctx: AppContext,
  r: {
    id: string;
    into_customer_id: string;
    from_customer_id: string;
    evidence: unknown;
    snapshot: unknown;
    actor_user_id: string | null;
    created_at: string;
    undone_at: string | null;
  },
): MergeView {
  return {
    id: r.id,
    intoId: r.into_customer_id,
    fromId: r.from_customer_id,
    fromName: ctx.dialect.parseJson<MergeSnapshot>(r.snapshot).from.display_name,
    evidence: ctx.dialect.parseJson<string[]>(r.evidence),
    actorUserId: r.actor_user_id,
    createdAt: r.created_at,
    undoneAt: r.undone_at,
  };
}

const attrsOf = (ctx: AppContext, row: CustomerRow) =>
  ctx.dialect.parseJson<Record<string, AttributeValue>>(row.attributes);

async function customerRow(db: Db, workspaceId: string, id: string): Promise<CustomerRow> {
  const row = await db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No customer ${id}`);
  return row;
}

/**
 * Merges `from` into `into`: moves every identity (so every mention), fills `into`'s empty
 * fields and missing attributes from `from` (`into` wins conflicts, both kept in the snapshot),
 * keeps `from` as a hidden row pointing at `into`, and records the merge with its evidence.
 */
export async function mergeInTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  actorUserId: string | null,
  input: { intoId: string; fromId: string; evidence: string[] },
): Promise<MergeView> {
  if (input.intoId === input.fromId)
    throw new AppError('conflict', 'A customer cannot be merged into itself');
  const into = await customerRow(trx, workspaceId, input.intoId);
  const from = await customerRow(trx, workspaceId, input.fromId);
  for (const c of [into, from]) {
    if (c.merged_into !== null)
      throw new AppError('conflict', `${c.display_name} was already merged into another customer`, {
        customerId: c.id,
        mergedInto: c.merged_into,
      });
    if (c.erased_at !== null)
      throw new AppError('conflict', 'An erased customer cannot be merged', { customerId: c.id });
  }
  const now = ctx.now().toISOString();
  const identityIds = (
    await trx.selectFrom('identities').select('id').where('customer_id', '=', from.id).orderBy('id').execute()
  ).map((r) => r.id);
  const intoAttrs = attrsOf(ctx, into);
  const fromAttrs = attrsOf(ctx, from);
  const attributeConflicts: MergeSnapshot['attributeConflicts'] = {};
  for (const [key, value] of Object.entries(fromAttrs))
    if (key in intoAttrs && intoAttrs[key] !== value)
      attributeConflicts[key] = { into: intoAttrs[key] ?? null, from: value };
  const applied = {
    primary_email: into.primary_email ?? from.primary_email,
    avatar_url: into.avatar_url ?? from.avatar_url,
    bio: into.bio ?? from.bio,
    attributes: { ...fromAttrs, ...intoAttrs },
    updated_at: now,
  };
  const [a, b] = into.id < from.id ? [into.id, from.id] : [from.id, into.id];
  const suggestionIds = (
    await trx
      .selectFrom('identity_suggestions')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', a)
      .where('other_customer_id', '=', b)
      .where('status', '=', 'open')
      .execute()
  ).map((r) => r.id);
  const snapshot: MergeSnapshot = {
    from: { ...from, attributes: fromAttrs },
    into: {
      primary_email: into.primary_email,
      avatar_url: into.avatar_url,
      bio: into.bio,
      attributes: intoAttrs,
      updated_at: into.updated_at,
    },
    applied,
    attributeConflicts,
    identityIds,
    suggestionIds,
  };

  await trx
    .updateTable('identities')
    .set({ customer_id: into.id })
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', from.id)
    .execute();
  Object.assign(snapshot, await carryActivity(trx, workspaceId, from.id, into.id));
  // Guarded on `merged_into is null`: of two concurrent merges of the same customer, one fails.
  for (const [id, values] of [
    [
      into.id,
      {
        ...applied,
        attributes: ctx.dialect.toJson(applied.attributes),
        website_domain: websiteDomainOf(applied.attributes),
      },
    ],
    [from.id, { merged_into: into.id }],
  ] as const) {
    const result = await trx
      .updateTable('customers')
      .set(values)
      .where('id', '=', id)
      .where('merged_into', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new AppError('conflict', 'One of the customers was merged meanwhile; try again');
  }
  if (suggestionIds.length > 0)
    await trx
      .updateTable('identity_suggestions')
      .set({ status: 'accepted', decided_at: now, decided_by: actorUserId })
      .where('id', 'in', suggestionIds)
      .execute();
  const row = {
    id: newId(ctx.now()),
    workspace_id: workspaceId,
    into_customer_id: into.id,
    from_customer_id: from.id,
    evidence: ctx.dialect.toJson(input.evidence),
    snapshot: ctx.dialect.toJson(snapshot),
    actor_user_id: actorUserId,
    created_at: now,
    undone_at: null,
  };
  await trx.insertInto('customer_merges').values(row).execute();
  // The mentions moved with the identities: segments see the merged counts at once.
  await refreshCustomerStats(trx, workspaceId, [into.id, from.id], ctx.now());
  await recordAudit(ctx, trx, {
    workspaceId,
    actorUserId,
    action: 'customer.merged',
    targetType: 'customer',
    targetId: into.id,
    details: { mergeId: row.id, from: from.id, evidence: input.evidence, identities: identityIds.length },
  });
  return toMergeView(ctx, row);
}

/** Merges `fromId` into `intoId` by hand (POST /customers/{id}/merge). */
export async function mergeCustomers(
  ctx: AppContext,
  actor: Actor,
  input: { intoId: string; fromId: string; evidence?: string | undefined },
): Promise<MergeView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute((trx) =>
    mergeInTransaction(ctx, trx, actor.workspaceId, actor.userId, {
      intoId: input.intoId,
      fromId: input.fromId,
      evidence: [input.evidence ?? 'Merged by hand'],
    }),
  );
}

/**
 * Undoes a merge: the identities it moved go back (those still on `into`; identities added to
 * `into` since stay), the `from` customer gets its row back exactly, and what the merge wrote on
 * `into` is taken back unless someone changed it since. Later merges into the same customer are
 * untouched. When `into` was itself merged away afterwards, that later merge must be undone first.
 *
 * Records that hang off identities (mentions; community posts when they reference an identity)
 * follow the identities with no extra work here. Records that reference a customer directly
 * (transactions, events, cases, conversations; leads later) are listed in the snapshot at merge
 * time and moved back here (activity-queries.ts).
 */
export async function unmergeCustomers(
  ctx: AppContext,
  actor: Actor,
  mergeId: string,
): Promise<{ into: CustomerSummary; restored: CustomerSummary }> {
  requirePermission(actor, 'customers:manage');
  const workspaceId = actor.workspaceId;
  const { intoId, fromId } = await ctx.db.transaction().execute(async (trx) => {
    const merge = await trx
      .selectFrom('customer_merges')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', mergeId)
      .executeTakeFirst();
    if (!merge) throw new AppError('not_found', `No merge ${mergeId}`);
    if (merge.undone_at !== null) throw new AppError('conflict', `Merge ${mergeId} was already undone`);
    const into = await customerRow(trx, workspaceId, merge.into_customer_id);
    if (into.merged_into !== null)
      throw new AppError(
        'conflict',
        `${into.display_name} was merged into another customer afterwards: unmerge that first`,
        { mergedInto: into.merged_into },
      );
    if (into.erased_at !== null)
      throw new AppError('conflict', 'This merge involves an erased customer: it cannot be undone');
    const snap = ctx.dialect.parseJson<MergeSnapshot>(merge.snapshot);
    const now = ctx.now().toISOString();

    for (const part of chunks(snap.identityIds))
      await trx
        .updateTable('identities')
        .set({ customer_id: merge.from_customer_id })
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', into.id)
        .where('id', 'in', part)
        .execute();
    await returnActivity(trx, workspaceId, into.id, merge.from_customer_id, snap);

    const { attributes: fromAttrs, id: _id, workspace_id: _ws, ...fromRow } = snap.from;
    await trx
      .updateTable('customers')
      .set({ ...fromRow, attributes: ctx.dialect.toJson(fromAttrs), merged_into: null })
      .where('id', '=', merge.from_customer_id)
      .execute();

    // Take back on `into` only what the merge wrote and nobody has changed since.
    const current = attrsOf(ctx, into);
    for (const [key, value] of Object.entries(snap.applied.attributes))
      if (!(key in snap.into.attributes) && current[key] === value) delete current[key];
    const restore = (field: 'primary_email' | 'avatar_url' | 'bio') =>
      into[field] === snap.applied[field] ? snap.into[field] : into[field];
    await trx
      .updateTable('customers')
      .set({
        primary_email: restore('primary_email'),
        avatar_url: restore('avatar_url'),
        bio: restore('bio'),
        attributes: ctx.dialect.toJson(current),
        website_domain: websiteDomainOf(current),
        updated_at: into.updated_at === snap.applied.updated_at ? snap.into.updated_at : now,
      })
      .where('id', '=', into.id)
      .execute();

    await trx.updateTable('customer_merges').set({ undone_at: now }).where('id', '=', merge.id).execute();
    await refreshCustomerStats(trx, workspaceId, [into.id, merge.from_customer_id], ctx.now());
    // Unmerging says these two are different people: do not suggest them again.
    if (snap.suggestionIds.length > 0)
      await trx
        .updateTable('identity_suggestions')
        .set({ status: 'rejected', decided_at: now, decided_by: actor.userId })
        .where('id', 'in', snap.suggestionIds)
        .execute();
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: 'customer.unmerged',
      targetType: 'customer',
      targetId: into.id,
      details: { mergeId, from: merge.from_customer_id },
    });
    return { intoId: into.id, fromId: merge.from_customer_id };
  });
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [intoId, fromId])
    .execute();
  const summaries = await summarize(ctx, workspaceId, rows);
  const byId = new Map(summaries.map((s) => [s.id, s]));
  const into = byId.get(intoId);
  const restored = byId.get(fromId);
  if (!into || !restored) throw new AppError('internal', 'Unmerged customers vanished');
  return { into, restored };
}

// ---------------------------------------------------------------------------------------------
// Suggestions

export async function listSuggestions(
  ctx: AppContext,
  actor: Actor,
  status: 'open' | 'accepted' | 'rejected' = 'open',
): Promise<SuggestionView[]> {
  requirePermission(actor, 'customers:read');
  let q = ctx.db
    .selectFrom('identity_suggestions as s')
    .innerJoin('customers as a', 'a.id', 's.customer_id')
    .innerJoin('customers as b', 'b.id', 's.other_customer_id')
    .selectAll('s')
    .where('s.workspace_id', '=', actor.workspaceId)
    .where('s.status', '=', status);
  // An open suggestion about a customer merged since is moot until that merge is undone.
  if (status === 'open') q = q.where('a.merged_into', 'is', null).where('b.merged_into', 'is', null);
  const rows = await q.orderBy('s.confidence', 'desc').orderBy('s.id', 'desc').limit(200).execute();
  const ids = [...new Set(rows.flatMap((r) => [r.customer_id, r.other_customer_id]))];
  const customers =
    ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('customers')
          .selectAll()
          .where('workspace_id', '=', actor.workspaceId)
          .where('id', 'in', ids)
          .execute();
  const byId = new Map((await summarize(ctx, actor.workspaceId, customers)).map((s) => [s.id, s]));
  return rows.flatMap((r) => {
    const customer = byId.get(r.customer_id);
    const other = byId.get(r.other_customer_id);
    return customer && other ? [toSuggestionView(ctx, r, customer, other)] : [];
  });
}

function toSuggestionView(
  ctx: AppContext,
  r: {
    id: string;
    confidence: number;
    evidence: unknown;
    status: SuggestionView['status'];
    created_at: string;
  },
  customer: CustomerSummary,
  other: CustomerSummary,
): SuggestionView {
  return {
    id: r.id,
    customer,
    other,
    confidence: Number(r.confidence),
    evidence: ctx.dialect.parseJson<string[]>(r.evidence),
    status: r.status,
    createdAt: r.created_at,
  };
}

async function openSuggestion(db: Db, workspaceId: string, id: string) {
  const row = await db
    .selectFrom('identity_suggestions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No suggestion ${id}`);
  if (row.status !== 'open') throw new AppError('conflict', `Suggestion ${id} is already ${row.status}`);
  return row;
}

/** Accepts a suggestion: the newer customer of the pair is merged into the older, with its evidence. */
export async function acceptSuggestion(ctx: AppContext, actor: Actor, id: string): Promise<MergeView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const s = await openSuggestion(trx, actor.workspaceId, id);
    return mergeInTransaction(ctx, trx, actor.workspaceId, actor.userId, {
      intoId: s.customer_id,
      fromId: s.other_customer_id,
      evidence: ctx.dialect.parseJson<string[]>(s.evidence),
    });
  });
}

export async function rejectSuggestion(ctx: AppContext, actor: Actor, id: string): Promise<SuggestionView> {
  requirePermission(actor, 'customers:manage');
  const s = await openSuggestion(ctx.db, actor.workspaceId, id);
  const now = ctx.now().toISOString();
  await ctx.db
    .updateTable('identity_suggestions')
    .set({ status: 'rejected', decided_at: now, decided_by: actor.userId })
    .where('id', '=', id)
    .execute();
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', 'in', [s.customer_id, s.other_customer_id])
    .execute();
  const byId = new Map((await summarize(ctx, actor.workspaceId, rows)).map((c) => [c.id, c]));
  const customer = byId.get(s.customer_id);
  const other = byId.get(s.other_customer_id);
  if (!customer || !other) throw new AppError('internal', 'Suggested customers vanished');
  return toSuggestionView(ctx, { ...s, status: 'rejected' }, customer, other);
}

// ---------------------------------------------------------------------------------------------
// Customers: list, profile, changes, identities

/** Summaries of customer rows: identities, reach, mention count and last activity. */
async function summarize(
  ctx: AppContext,
  workspaceId: string,
  rows: CustomerRow[],
): Promise<CustomerSummary[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const identities = await ctx.db
    .selectFrom('identities')
    .leftJoin('authors', 'authors.id', 'identities.author_id')
    .select([
      'identities.customer_id',
      'identities.kind',
      'identities.channel',
      'identities.handle',
      'authors.followers',
    ])
    .where('identities.workspace_id', '=', workspaceId)
    .where('identities.customer_id', 'in', ids)
    .orderBy('identities.id')
    .execute();
  const stats = await ctx.db
    .selectFrom('identities')
    .innerJoin('mentions', 'mentions.author_id', 'identities.author_id')
    .select((eb) => [
      'identities.customer_id',
      eb.fn.countAll<number>().as('n'),
      eb.fn.max('mentions.created_at').as('last'),
    ])
    .where('identities.workspace_id', '=', workspaceId)
    .where('identities.customer_id', 'in', ids)
    .where('mentions.deleted_at', 'is', null)
    .groupBy('identities.customer_id')
    .execute();
  const statsById = new Map(stats.map((s) => [s.customer_id, s]));
  // A person's influence is that of their most influential account.
  const influence = await ctx.db
    .selectFrom('identities')
    .innerJoin('author_influence', (join) =>
      join
        .onRef('author_influence.author_id', '=', 'identities.author_id')
        .onRef('author_influence.workspace_id', '=', 'identities.workspace_id'),
    )
    .select((eb) => ['identities.customer_id', eb.fn.max('author_influence.score').as('score')])
    .where('identities.workspace_id', '=', workspaceId)
    .where('identities.customer_id', 'in', ids)
    .groupBy('identities.customer_id')
    .execute();
  const influenceById = new Map(influence.map((i) => [i.customer_id, Number(i.score)]));
  return rows.map((r) => {
    const own = identities.filter((i) => i.customer_id === r.id);
    const followers = own.flatMap((i) => (i.followers === null ? [] : [Number(i.followers)]));
    const s = statsById.get(r.id);
    return {
      id: r.id,
      displayName: r.display_name,
      avatarUrl: r.avatar_url,
      primaryEmail: r.primary_email,
      identities: own.map((i) => ({ kind: i.kind, channel: i.channel, handle: i.handle })),
      followers: followers.length > 0 ? Math.max(...followers) : null,
      mentionCount: Number(s?.n ?? 0),
      lastSeenAt: (s?.last as string | null | undefined) ?? null,
      influence: influenceById.get(r.id) ?? null,
      lifecycleStage: r.lifecycle_stage,
    };
  });
}

/**
 * Summaries of live customers by id, in the order given (unknown or merged ids are left out):
 * for other modules that rank customers, such as influence.
 */
export async function customerSummaries(
  ctx: AppContext,
  workspaceId: string,
  ids: string[],
): Promise<CustomerSummary[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .where('id', 'in', ids)
    .execute();
  const byId = new Map((await summarize(ctx, workspaceId, rows)).map((s) => [s.id, s]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * The workspace's customers (merged ones are hidden), newest first, keyset-paginated by id.
 * `search` matches a substring of the name, primary email, or any identity's handle or address.
 */
export async function listCustomers(
  ctx: AppContext,
  actor: Actor,
  query: PageQuery & { search?: string | undefined; segment?: string | undefined },
): Promise<Page<CustomerSummary>> {
  requirePermission(actor, 'customers:read');
  let q = ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('merged_into', 'is', null);
  if (query.segment !== undefined) q = q.where(await segmentMemberFilter(ctx, actor, query.segment));
  if (query.cursor !== undefined) q = q.where('id', '<', String(decodeCursor(query.cursor)));
  const search = query.search?.trim();
  if (search) {
    const { dialect } = ctx;
    q = q.where((eb) =>
      eb.or([
        dialect.substringMatch('customers', ['display_name', 'primary_email'], search),
        eb(
          'customers.id',
          'in',
          eb
            .selectFrom('identities')
            .select('identities.customer_id')
            .where('identities.workspace_id', '=', actor.workspaceId)
            .where(dialect.substringMatch('identities', ['handle', 'external_id'], search)),
        ),
      ]),
    );
  }
  const rows = await q
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  return {
    items: await summarize(ctx, actor.workspaceId, items),
    nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
  };
}

function toIdentityView(r: IdentityRow): IdentityView {
  return {
    id: r.id,
    kind: r.kind,
    channel: r.channel,
    externalId: r.external_id,
    handle: r.handle,
    verified: r.verified === 1,
    source: r.source,
    createdAt: r.created_at,
  };
}

async function liveCustomer(db: Db, workspaceId: string, id: string): Promise<CustomerRow> {
  const row = await customerRow(db, workspaceId, id);
  if (row.merged_into !== null)
    throw new AppError('not_found', `Customer ${id} was merged into ${row.merged_into}`, {
      mergedInto: row.merged_into,
    });
  return row;
}

/** A live customer that may still be changed: erased profiles keep no personal data to edit. */
async function changeableCustomer(db: Db, workspaceId: string, id: string): Promise<CustomerRow> {
  const row = await liveCustomer(db, workspaceId, id);
  if (row.erased_at !== null)
    throw new AppError('conflict', `Customer ${id} was erased and cannot be changed`, {
      erasedAt: row.erased_at,
    });
  return row;
}

/** One customer with every bin: identities, social activity, sentiment, intents, attributes, merges. */
export async function getCustomer(ctx: AppContext, actor: Actor, id: string): Promise<CustomerProfile> {
  requirePermission(actor, 'customers:read');
  const workspaceId = actor.workspaceId;
  const row = await liveCustomer(ctx.db, workspaceId, id);
  // The bins are independent reads: on PostgreSQL they go out together (the pool has several
  // connections), so a profile costs a few round trips rather than one per bin; on SQLite they
  // run one after the other as before.
  const socialBins = async () => {
    const identities = await ctx.db
      .selectFrom('identities')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .orderBy('id')
      .execute();
    const authorIds = identities.flatMap((i) => (i.author_id === null ? [] : [Number(i.author_id)]));
    if (authorIds.length === 0)
      return { identities, authors: [], perAuthor: [], sentiments: [], intentRows: [], influence: null };
    const [authors, perAuthor, sentiments, intentRows, influence] = await Promise.all([
      ctx.db
        .selectFrom('authors')
        .select(['id', 'channel', 'handle', 'display_name', 'followers', 'profile_url'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', authorIds)
        .execute(),
      mentionsOf(ctx, authorIds)
        .select((eb) => ['author_id', eb.fn.countAll<number>().as('n'), eb.fn.max('created_at').as('last')])
        .groupBy('author_id')
        .execute(),
      mentionsOf(ctx, authorIds)
        .select((eb) => ['sentiment', eb.fn.countAll<number>().as('n')])
        .groupBy('sentiment')
        .execute(),
      mentionsOf(ctx, authorIds)
        .select((eb) => ['intents', eb.fn.countAll<number>().as('n')])
        .where('intents', 'is not', null)
        .groupBy('intents')
        .execute(),
      bestInfluence(ctx, workspaceId, authorIds),
    ]);
    return { identities, authors, perAuthor, sentiments, intentRows, influence };
  };
  const [
    [summary],
    { identities, authors, perAuthor, sentiments, intentRows, influence },
    merges,
    transactions,
    events,
    consents,
    serviceCases,
  ] = await Promise.all([
    summarize(ctx, workspaceId, [row]),
    socialBins(),
    ctx.db
      .selectFrom('customer_merges')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('into_customer_id', '=', id)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(100)
      .execute(),
    transactionsBin(ctx, ctx.db, workspaceId, id),
    eventsBin(ctx.db, workspaceId, id),
    customerConsents(ctx, workspaceId, id),
    ctx.db
      .selectFrom('cases')
      .select(['id', 'number', 'subject', 'status', 'priority', 'type', 'updated_at'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', id)
      .where('merged_into', 'is', null)
      .orderBy('number', 'desc')
      .execute(),
  ]);
  if (!summary) throw new AppError('not_found', `No customer ${id}`);
  const sentiment = { negative: 0, neutral: 0, positive: 0 };
  for (const s of sentiments)
    if (s.sentiment === 'negative' || s.sentiment === 'neutral' || s.sentiment === 'positive')
      sentiment[s.sentiment] += Number(s.n);
  const intents: Record<string, number> = {};
  for (const r of intentRows)
    for (const label of (r.intents ?? '').split(' ').filter(Boolean))
      intents[label] = (intents[label] ?? 0) + Number(r.n);
  const countByAuthor = new Map(perAuthor.map((p) => [Number(p.author_id), p]));
  const authorById = new Map(authors.map((a) => [Number(a.id), a]));
  return {
    ...summary,
    bio: row.bio,
    attributes: attrsOf(ctx, row),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    identities: identities.map(toIdentityView),
    social: identities.flatMap((i) => {
      if (i.kind !== 'social') return [];
      const a = i.author_id === null ? undefined : authorById.get(Number(i.author_id));
      const c = i.author_id === null ? undefined : countByAuthor.get(Number(i.author_id));
      return [
        {
          channel: i.channel,
          handle: a?.handle ?? i.handle ?? i.external_id,
          displayName: a?.display_name ?? null,
          followers: a?.followers ?? null,
          profileUrl: a?.profile_url ?? null,
          mentions: Number(c?.n ?? 0),
          lastMentionAt: (c?.last as string | null | undefined) ?? null,
        },
      ];
    }),
    sentiment,
    intents,
    influence,
    merges: merges.map((m) => toMergeView(ctx, m)),
    erasedAt: row.erased_at,
    transactions,
    // What was collected about them (not published by them) needs their profiling consent.
    events: consentsTo(consents, 'profiling') ? events : { count: events.count, byName: [], withheld: true },
    consents,
    serviceHistory: {
      open: serviceCases.filter((c) => c.status !== 'solved' && c.status !== 'closed').length,
      total: serviceCases.length,
      recent: serviceCases.slice(0, 5).map((c) => ({
        id: c.id,
        number: Number(c.number),
        subject: c.subject,
        status: c.status,
        priority: c.priority,
        type: c.type,
        updatedAt: c.updated_at,
      })),
    },
  };
}

/** The influence of a person's most influential account, with that account's reasons. */
async function bestInfluence(
  ctx: AppContext,
  workspaceId: string,
  authorIds: number[],
): Promise<AuthorInfluence | null> {
  let best: AuthorInfluence | null = null;
  for (const influence of (await influenceByAuthor(ctx, workspaceId, authorIds)).values()) {
    if (!best || influence.score > best.score) best = influence;
  }
  return best;
}

/**
 * The workspace's most influential customers, or its advocates or detractors: the ranked
 * accounts (see influence.ts) mapped to the people they belong to, each person once.
 */
export async function rankCustomers(
  ctx: AppContext,
  actor: Actor,
  kind: RankKind,
  limit: number,
): Promise<{ customer: CustomerSummary; score: number; pagerank: number; reasons: string[] }[]> {
  requirePermission(actor, 'customers:read');
  // Several accounts of one person may rank: ask for more, keep each person's best.
  const ranked = await rankAuthors(ctx, actor.workspaceId, kind, limit * 3);
  if (ranked.length === 0) return [];
  const owners = await ctx.db
    .selectFrom('identities')
    .select(['author_id', 'customer_id'])
    .where('workspace_id', '=', actor.workspaceId)
    .where(
      'author_id',
      'in',
      ranked.map((r) => r.authorId),
    )
    .execute();
  const ownerOf = new Map(owners.map((o) => [Number(o.author_id), o.customer_id]));
  const best = new Map<string, RankedAuthor>();
  for (const r of ranked) {
    const customerId = ownerOf.get(r.authorId);
    if (customerId !== undefined && !best.has(customerId)) best.set(customerId, r);
  }
  const ids = [...best.keys()].slice(0, limit);
  const summaries = await customerSummaries(ctx, actor.workspaceId, ids);
  return summaries.map((customer) => {
    const r = best.get(customer.id) as RankedAuthor;
    return { customer, score: r.score, pagerank: r.pagerank, reasons: r.reasons };
  });
}

/** Live mentions of authors whose ids come from the workspace's identities (which scopes them). */
function mentionsOf(ctx: AppContext, authorIds: number[]) {
  return ctx.db.selectFrom('mentions').where('author_id', 'in', authorIds).where('deleted_at', 'is', null);
}

async function definitionsOf(db: Db, ctx: AppContext, workspaceId: string): Promise<AttributeDefinition[]> {
  const rows = await db
    .selectFrom('customer_attribute_definitions')
    .select(['key', 'type', 'choices'])
    .where('workspace_id', '=', workspaceId)
    .execute();
  return rows.map((r) => ({ key: r.key, type: r.type, choices: ctx.dialect.parseJson<string[]>(r.choices) }));
}

/** Changes core fields and attributes (checked against the workspace's definitions). */
export async function updateCustomer(
  ctx: AppContext,
  actor: Actor,
  id: string,
  patch: CustomerPatch,
): Promise<CustomerProfile> {
  requirePermission(actor, 'customers:manage');
  await ctx.db.transaction().execute(async (trx) => {
    const row = await changeableCustomer(trx, actor.workspaceId, id);
    const attributes =
      patch.attributes === undefined
        ? undefined
        : applyAttributes(
            await definitionsOf(trx, ctx, actor.workspaceId),
            attrsOf(ctx, row),
            patch.attributes,
          );
    await trx
      .updateTable('customers')
      .set({
        ...(patch.displayName !== undefined ? { display_name: patch.displayName } : {}),
        ...(patch.primaryEmail !== undefined
          ? { primary_email: patch.primaryEmail === null ? null : patch.primaryEmail.toLowerCase() }
          : {}),
        ...(patch.bio !== undefined ? { bio: patch.bio } : {}),
        ...(patch.lifecycleStage !== undefined ? { lifecycle_stage: patch.lifecycleStage } : {}),
        ...(attributes !== undefined
          ? { attributes: ctx.dialect.toJson(attributes), website_domain: websiteDomainOf(attributes) }
          : {}),
        updated_at: ctx.now().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    const website = attributes === undefined ? null : websiteDomainOf(attributes);
    if (website && website !== row.website_domain)
      await linkBlueskyHandles(ctx, trx, actor.workspaceId, id, [website]);
  });
  return getCustomer(ctx, actor, id);
}

/**
 * Adds an email or phone identity. An address already on another customer is a conflict (409),
 * except strong evidence: the same verified email on both merges the other customer into this
 * one. A verified email also links Bluesky identities whose custom-domain handle it proves.
 */
export async function addIdentity(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  input: { kind: 'email' | 'phone'; value: string; verified: boolean },
): Promise<IdentityView> {
  requirePermission(actor, 'customers:manage');
  return ctx.db.transaction().execute(async (trx) => {
    const identity = await addIdentityInTransaction(ctx, trx, actor, customerId, input);
    // Merges it caused refreshed their pair; this keeps the customer's own row current too.
    await refreshCustomerStats(trx, actor.workspaceId, [customerId], ctx.now());
    return identity;
  });
}

export async function addIdentityInTransaction(
  ctx: AppContext,
  trx: Transaction<DB>,
  actor: Actor,
  customerId: string,
  input: { kind: 'email' | 'phone'; value: string; verified: boolean },
): Promise<IdentityView> {
  const value = input.kind === 'email' ? normalizeEmail(input.value) : normalizePhone(input.value);
  const workspaceId = actor.workspaceId;
  await changeableCustomer(trx, workspaceId, customerId);
  const find = () =>
    trx
      .selectFrom('identities')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', input.kind)
      .where('channel', '=', input.kind)
      .where('external_id', '=', value)
      .executeTakeFirst();
  const existing = await find();
  if (existing && existing.customer_id !== customerId) {
    if (!(input.kind === 'email' && input.verified && existing.verified === 1))
      throw new AppError('conflict', `${value} belongs to another customer`, {
        customerId: existing.customer_id,
      });
    await mergeInTransaction(ctx, trx, workspaceId, actor.userId, {
      intoId: customerId,
      fromId: existing.customer_id,
      evidence: [`Same verified email ${value}`],
    });
  } else if (existing) {
    if (input.verified && existing.verified === 0)
      await trx.updateTable('identities').set({ verified: 1 }).where('id', '=', existing.id).execute();
  } else {
    await trx
      .insertInto('identities')
      .values({
        id: newId(ctx.now()),
        workspace_id: workspaceId,
        customer_id: customerId,
        kind: input.kind,
        channel: input.kind,
        external_id: value,
        // The address is how people recognise an email or phone identity in lists.
        handle: value,
        handle_key: null,
        author_id: null,
        verified: input.verified ? 1 : 0,
        source: 'agent',
        created_at: ctx.now().toISOString(),
      })
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: 'customer.identity_added',
      targetType: 'customer',
      targetId: customerId,
      details: { kind: input.kind, verified: input.verified },
    });
  }
  if (input.kind === 'email' && input.verified)
    await linkBlueskyHandles(ctx, trx, workspaceId, customerId, handlesProvenBy(value));
  const identity = await find();
  if (!identity) throw new AppError('internal', 'The identity vanished');
  return toIdentityView(identity);
}

/** Strong rule (b) from the email side: Bluesky custom-domain handles this verified email proves. */
/**
 * Strong rule (b) from the customer side: Bluesky custom-domain handles among `handles` (proven
 * by a verified email or the website just given to `customerId`) join it, unless another
 * customer owns the same domain.
 */
async function linkBlueskyHandles(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  customerId: string,
  handles: string[],
): Promise<void> {
  if (handles.length === 0) return;
  const rows = await trx
    .selectFrom('identities')
    .select(['customer_id', 'handle'])
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', 'social')
    .where('channel', '=', 'bluesky')
    .where('handle', 'in', handles)
    .where('customer_id', '!=', customerId)
    .execute();
  const done = new Set<string>();
  for (const r of rows) {
    const domain = customDomainOf('bluesky', r.handle);
    if (done.has(r.customer_id) || !domain) continue;
    const owners = await domainOwners(ctx, trx, workspaceId, domain);
    owners.delete(r.customer_id);
    const proof = owners.get(customerId);
    if (owners.size !== 1 || !proof) continue;
    done.add(r.customer_id);
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: customerId,
      fromId: r.customer_id,
      evidence: [`Bluesky handle ${r.handle} is a domain the customer owns (${proof})`],
    });
  }
}

/**
 * Creates a customer from an email (the CLI, imports, the demo). Not an HTTP route in this
 * slice: customers otherwise come from the pipeline.
 */
export async function createCustomer(
  ctx: AppContext,
  actor: Actor,
  input: {
    displayName: string;
    email: string;
    verified: boolean;
    attributes?: Record<string, AttributeValue>;
  },
): Promise<CustomerProfile> {
  requirePermission(actor, 'customers:manage');
  const email = normalizeEmail(input.email);
  const now = ctx.now().toISOString();
  const id = newId(ctx.now());
  await ctx.db.transaction().execute(async (trx) => {
    const attributes = applyAttributes(
      await definitionsOf(trx, ctx, actor.workspaceId),
      {},
      input.attributes ?? {},
    );
    await trx
      .insertInto('customers')
      .values({
        id,
        workspace_id: actor.workspaceId,
        display_name: input.displayName,
        primary_email: email,
        avatar_url: null,
        bio: null,
        attributes: ctx.dialect.toJson(attributes),
        merged_into: null,
        website_domain: websiteDomainOf(attributes),
        created_at: now,
        updated_at: now,
      })
      .execute();
    await addIdentityInTransaction(ctx, trx, actor, id, {
      kind: 'email',
      value: email,
      verified: input.verified,
    });
    const website = websiteDomainOf(attributes);
    if (website) await linkBlueskyHandles(ctx, trx, actor.workspaceId, id, [website]);
  });
  return getCustomer(ctx, actor, id);
}

/**
 * Makes a community member who just verified their email an identity of a customer (channel
 * `community`, keyed by member id). The member first gets a customer of their own; when a
 * customer already holds that email verified, that is strong evidence and the two merge (no
 * actor, with the evidence, undoable like every automatic link); when held unverified, a
 * suggestion is stored for an agent. Idempotent. Returns the customer the member belongs to.
 */
export async function attachCommunityMember(
  ctx: AppContext,
  trx: Transaction<DB>,
  input: { workspaceId: string; memberId: string; username: string; displayName: string; email: string },
): Promise<{ customerId: string }> {
  const { workspaceId } = input;
  const email = normalizeEmail(input.email);
  const identityOf = (kind: 'social' | 'email', channel: string, externalId: string) =>
    trx
      .selectFrom('identities')
      .select(['customer_id', 'verified'])
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', kind)
      .where('channel', '=', channel)
      .where('external_id', '=', externalId)
      .executeTakeFirst();
  const known = await identityOf('social', 'community', input.memberId);
  if (known) return { customerId: known.customer_id };
  const now = ctx.now().toISOString();
  const holder = await identityOf('email', 'email', email);
  const customerId = newId(ctx.now());
  await trx
    .insertInto('customers')
    .values({
      id: customerId,
      workspace_id: workspaceId,
      display_name: input.displayName,
      primary_email: holder ? null : email,
      avatar_url: null,
      bio: null,
      attributes: ctx.dialect.toJson({}),
      merged_into: null,
      website_domain: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const identity = (kind: 'social' | 'email', channel: string, externalId: string, handle: string) => ({
    id: newId(ctx.now()),
    workspace_id: workspaceId,
    customer_id: customerId,
    kind,
    channel,
    external_id: externalId,
    handle,
    handle_key: null,
    author_id: null,
    verified: 1,
    source: 'api' as const,
    created_at: now,
  });
  await trx
    .insertInto('identities')
    .values(identity('social', 'community', input.memberId, input.username))
    .execute();
  if (!holder) {
    await trx
      .insertInto('identities')
      .values(identity('email', 'email', email, email))
      .execute();
    await linkBlueskyHandles(ctx, trx, workspaceId, customerId, handlesProvenBy(email));
    await refreshCustomerStats(trx, workspaceId, [customerId], ctx.now());
    return { customerId };
  }
  if (holder.verified === 1) {
    await mergeInTransaction(ctx, trx, workspaceId, null, {
      intoId: holder.customer_id,
      fromId: customerId,
      evidence: [`Same verified email ${email}: community member @${input.username} confirmed it`],
    });
    return { customerId: holder.customer_id };
  }
  const [a, b] =
    customerId < holder.customer_id ? [customerId, holder.customer_id] : [holder.customer_id, customerId];
  await trx
    .insertInto('identity_suggestions')
    .values({
      id: newId(ctx.now()),
      workspace_id: workspaceId,
      customer_id: a,
      other_customer_id: b,
      confidence: 0.9,
      evidence: ctx.dialect.toJson([
        `Community member @${input.username} confirmed ${email}, an unverified email of the other customer`,
      ]),
      status: 'open',
      created_at: now,
      decided_at: null,
      decided_by: null,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'other_customer_id']).doNothing())
    .execute();
  await refreshCustomerStats(trx, workspaceId, [customerId], ctx.now());
  return { customerId };
}

// ---------------------------------------------------------------------------------------------
// Timeline

type TimelineKey = { at: string; kind: TimelineItem['kind']; key: string | number };

/** Newest first: time, then kind, then the source's own id, all descending. */
function after(a: TimelineKey, b: TimelineKey): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.kind !== b.kind) return a.kind < b.kind;
  return typeof a.key === 'number' && typeof b.key === 'number'
    ? a.key < b.key
    : String(a.key) < String(b.key);
}

/**
 * Everything about a customer in one feed, newest first: their mentions (through their social
 * identities), merges into and out of them, unmerges, identities added. Keyset-paginated with a
 * cursor of (time, kind, id): each source is read from the cursor on, limit + 1 rows, and merged.
 */
export async function customerTimeline(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  page: PageQuery,
): Promise<Page<TimelineItem>> {
  requirePermission(actor, 'customers:read');
  const workspaceId = actor.workspaceId;
  await liveCustomer(ctx.db, workspaceId, customerId);
  // The sources are independent reads: on PostgreSQL they go out together (see getCustomer).
  let cursor: TimelineKey | undefined;
  if (page.cursor !== undefined) {
    try {
      const [at, kind, key] = JSON.parse(String(decodeCursor(page.cursor))) as [
        string,
        TimelineItem['kind'],
        string | number,
      ];
      const valid =
        typeof at === 'string' &&
        !Number.isNaN(Date.parse(at)) &&
        (kind === 'mention' || kind === 'community_post'
          ? Number.isSafeInteger(key)
          : ['merge', 'unmerge', 'identity', 'transaction', 'event', 'case', 'reply'].includes(kind) &&
            typeof key === 'string');
      if (!valid) throw new Error('invalid cursor');
      cursor = { at, kind, key };
    } catch {
      throw new AppError('validation_failed', 'Invalid cursor', {
        fields: [{ path: 'cursor', message: 'Invalid cursor' }],
      });
    }
  }
  const n = page.limit + 1;
  /** Rows of the source of `kind` strictly after the cursor: `at` column and key column. */
  const bound = <K extends TimelineItem['kind']>(kind: K, atCol: string, keyCol: string) => {
    if (!cursor) return sql<boolean>`1 = 1`;
    const at = sql.ref(atCol);
    const key = sql.ref(keyCol);
    if (kind < cursor.kind) return sql<boolean>`${at} <= ${cursor.at}`;
    if (kind > cursor.kind) return sql<boolean>`${at} < ${cursor.at}`;
    return sql<boolean>`(${at} < ${cursor.at} or (${at} = ${cursor.at} and ${key} < ${cursor.key}))`;
  };

  const mentionsOfCustomer = async () => {
    const authorIds = (
      await ctx.db
        .selectFrom('identities')
        .select('author_id')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .where('author_id', 'is not', null)
        .execute()
    ).map((r) => Number(r.author_id));
    // The author ids come from the workspace's identities, so they scope the mentions; filtering
    // on mentions.workspace_id as well lures SQLite's planner onto the workspace-wide index.
    return authorIds.length === 0
      ? []
      : ctx.db
          .selectFrom('mentions')
          .select(['mentions.id', 'mentions.created_at'])
          .where('mentions.author_id', 'in', authorIds)
          .where('mentions.deleted_at', 'is', null)
          .where(bound('mention', 'mentions.created_at', 'mentions.id'))
          .orderBy('mentions.created_at', 'desc')
          .orderBy('mentions.id', 'desc')
          .limit(n)
          .execute();
  };
  const identitiesOfCustomer = ctx.db
    .selectFrom('identities')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where(bound('identity', 'identities.created_at', 'identities.id'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  const mergesOf = (column: 'created_at' | 'undone_at') =>
    ctx.db
      .selectFrom('customer_merges')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or([eb('into_customer_id', '=', customerId), eb('from_customer_id', '=', customerId)]),
      )
      .where(column, 'is not', null)
      .where(
        bound(
          column === 'created_at' ? 'merge' : 'unmerge',
          `customer_merges.${column}`,
          'customer_merges.id',
        ),
      )
      .orderBy(column, 'desc')
      .orderBy('id', 'desc')
      .limit(n)
      .execute();
  const showBehaviour = await mayShowBehaviour(ctx.db, workspaceId, customerId);
  const casesOfCustomer = ctx.db
    .selectFrom('cases')
    .select(['id', 'number', 'subject', 'status', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where(bound('case', 'cases.created_at', 'cases.id'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(n)
    .execute();
  const repliesToCustomer = ctx.db
    .selectFrom('outbox_replies')
    .innerJoin('cases', 'cases.id', 'outbox_replies.case_id')
    .select([
      'outbox_replies.id',
      'outbox_replies.channel',
      'outbox_replies.visibility',
      'outbox_replies.sent_at',
      'outbox_replies.body',
      'cases.number',
    ])
    .where('outbox_replies.workspace_id', '=', workspaceId)
    .where('cases.customer_id', '=', customerId)
    .where('outbox_replies.status', '=', 'sent')
    .where(bound('reply', 'outbox_replies.sent_at', 'outbox_replies.id'))
    .orderBy('outbox_replies.sent_at', 'desc')
    .orderBy('outbox_replies.id', 'desc')
    .limit(n)
    .execute();
  // Posts of the community members who are this customer (their `community` identities).
  const communityPostsOfCustomer = async () => {
    const memberIds = (
      await ctx.db
        .selectFrom('identities')
        .select('external_id')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .where('kind', '=', 'social')
        .where('channel', '=', 'community')
        .execute()
    ).map((r) => r.external_id);
    return memberIds.length === 0
      ? []
      : ctx.db
          .selectFrom('community_posts')
          .innerJoin('community_threads', 'community_threads.id', 'community_posts.thread_id')
          .select([
            'community_posts.id',
            'community_posts.created_at',
            'community_posts.number',
            'community_posts.body_markdown',
            'community_posts.hidden_at',
            'community_threads.title',
          ])
          .where('community_posts.author_member_id', 'in', memberIds)
          .where('community_posts.deleted_at', 'is', null)
          .where(bound('community_post', 'community_posts.created_at', 'community_posts.id'))
          .orderBy('community_posts.created_at', 'desc')
          .orderBy('community_posts.id', 'desc')
          .limit(n)
          .execute();
  };
  const [mentionRows, identityRows, mergeRows, unmergeRows, activity, caseRows, replyRows, communityRows] =
    await Promise.all([
      mentionsOfCustomer(),
      identitiesOfCustomer,
      mergesOf('created_at'),
      mergesOf('undone_at'),
      activityTimelineRows(
        ctx.db,
        workspaceId,
        customerId,
        {
          transaction: bound('transaction', 'customer_transactions.occurred_at', 'customer_transactions.id'),
          // Behaviour events only with the person's profiling consent (docs/customers.md, Privacy).
          event: showBehaviour
            ? bound('event', 'customer_events.occurred_at', 'customer_events.id')
            : sql<boolean>`1 = 0`,
        },
        n,
      ),
      casesOfCustomer,
      repliesToCustomer,
      communityPostsOfCustomer(),
    ]);

  // A merge out of this customer reads better with the name of who absorbed it.
  const absorbers = [
    ...new Set(mergeRows.filter((m) => m.from_customer_id === customerId).map((m) => m.into_customer_id)),
  ];
  const names = new Map(
    absorbers.length === 0
      ? []
      : (
          await ctx.db
            .selectFrom('customers')
            .select(['id', 'display_name'])
            .where('workspace_id', '=', workspaceId)
            .where('id', 'in', absorbers)
            .execute()
        ).map((r) => [r.id, r.display_name]),
  );
  type Built = Omit<TimelineItem, 'mention'> & { mentionId?: number };
  type Entry = TimelineKey & { build: () => Built };
  const entries: Entry[] = [
    ...mentionRows.map((m) => ({
      at: m.created_at,
      kind: 'mention' as const,
      key: Number(m.id),
      build: (): Built => ({
        id: `mention:${m.id}`,
        kind: 'mention',
        at: m.created_at,
        summary: 'Mention',
        mentionId: Number(m.id),
      }),
    })),
    ...identityRows.map((i) => ({
      at: i.created_at,
      kind: 'identity' as const,
      key: i.id,
      build: (): Built => ({
        id: `identity:${i.id}`,
        kind: 'identity',
        at: i.created_at,
        summary: `${i.kind === 'social' ? `${channelName(i.channel)} account` : i.kind} ${i.handle ?? i.external_id} added${i.verified ? ' (verified)' : ''}`,
      }),
    })),
    ...mergeRows.map((m) => ({
      at: m.created_at,
      kind: 'merge' as const,
      key: m.id,
      build: (): Built => {
        const view = toMergeView(ctx, m);
        const evidence = view.evidence.join('; ');
        return {
          id: `merge:${m.id}`,
          kind: 'merge',
          at: m.created_at,
          summary:
            m.from_customer_id === customerId
              ? `Merged into ${names.get(m.into_customer_id) ?? 'another customer'}: ${evidence}`
              : `${view.fromName} merged in${m.actor_user_id ? '' : ' automatically'}: ${evidence}`,
        };
      },
    })),
    ...unmergeRows.map((m) => ({
      at: m.undone_at ?? '',
      kind: 'unmerge' as const,
      key: m.id,
      build: (): Built => ({
        id: `unmerge:${m.id}`,
        kind: 'unmerge',
        at: m.undone_at ?? '',
        summary: `Merge of ${toMergeView(ctx, m).fromName} undone`,
      }),
    })),
    ...activity.transactions.map((t) => ({
      at: t.occurred_at,
      kind: 'transaction' as const,
      key: t.id,
      build: (): Built => ({
        id: `transaction:${t.id}`,
        kind: 'transaction',
        at: t.occurred_at,
        summary: `${t.kind[0]?.toUpperCase()}${t.kind.slice(1)} ${formatAmount(Number(t.amount_minor), t.currency)} (${t.status})${t.description ? `: ${t.description}` : ''}`,
      }),
    })),
    ...caseRows.map((c) => ({
      at: c.created_at,
      kind: 'case' as const,
      key: c.id,
      build: (): Built => ({
        id: `case:${c.id}`,
        kind: 'case',
        at: c.created_at,
        summary: `Case ${c.number} opened: ${c.subject} (now ${c.status.replace('_', ' ')})`,
      }),
    })),
    ...replyRows.map((r) => ({
      at: r.sent_at ?? '',
      kind: 'reply' as const,
      key: r.id,
      build: (): Built => ({
        id: `reply:${r.id}`,
        kind: 'reply',
        at: r.sent_at ?? '',
        summary: `${r.visibility === 'private' ? 'Private reply' : 'Reply'} sent on ${channelName(r.channel)} (case ${r.number}): ${r.body.slice(0, 140)}`,
      }),
    })),
    ...communityRows.map((p) => ({
      at: p.created_at,
      kind: 'community_post' as const,
      key: Number(p.id),
      build: (): Built => ({
        id: `community_post:${p.id}`,
        kind: 'community_post',
        at: p.created_at,
        summary: `Community ${Number(p.number) === 1 ? 'thread' : 'reply'} in "${p.title}"${p.hidden_at ? ' (hidden by moderation)' : ''}: ${p.body_markdown.slice(0, 140)}`,
      }),
    })),
    ...activity.events.map((e) => ({
      at: e.occurred_at,
      kind: 'event' as const,
      key: e.id,
      build: (): Built => ({
        id: `event:${e.id}`,
        kind: 'event',
        at: e.occurred_at,
        summary: `Event ${e.name}`,
      }),
    })),
  ];
  entries.sort((a, b) => (after(a, b) ? 1 : after(b, a) ? -1 : 0));
  const pageEntries = entries.slice(0, page.limit);
  const built = pageEntries.map((e) => e.build());
  const mentionIds = built.flatMap((b) => (b.mentionId === undefined ? [] : [b.mentionId]));
  const mentions = new Map((await mentionsByIds(ctx, workspaceId, mentionIds)).map((m) => [m.id, m]));
  const last = pageEntries[pageEntries.length - 1];
  return {
    items: built.map(({ mentionId, ...item }) => {
      const mention = mentionId === undefined ? null : (mentions.get(mentionId) ?? null);
      return mention
        ? {
            ...item,
            summary: `${channelName(mention.channel)} post${mention.author ? ` by ${mention.author.handle}` : ''}`,
            mention,
          }
        : { ...item, mention };
    }),
    nextCursor:
      entries.length > page.limit && last
        ? encodeCursor(JSON.stringify([last.at, last.kind, last.key]))
        : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Attribute definitions

function toDefinitionView(
  ctx: AppContext,
  r: {
    id: string;
    key: string;
    label: string;
    type: AttributeDefinitionView['type'];
    choices: unknown;
    created_at: string;
  },
): AttributeDefinitionView {
  return {
    id: r.id,
    key: r.key,
    label: r.label,
    type: r.type,
    choices: ctx.dialect.parseJson<string[]>(r.choices),
    createdAt: r.created_at,
  };
}

export async function listAttributeDefinitions(
  ctx: AppContext,
  actor: Actor,
): Promise<AttributeDefinitionView[]> {
  requirePermission(actor, 'customers:read');
  const rows = await ctx.db
    .selectFrom('customer_attribute_definitions')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('key')
    .execute();
  return rows.map((r) => toDefinitionView(ctx, r));
}

export async function createAttributeDefinition(
  ctx: AppContext,
  actor: Actor,
  input: {
    key: string;
    label: string;
    type: AttributeDefinitionView['type'];
    choices?: string[] | undefined;
  },
): Promise<AttributeDefinitionView> {
  requirePermission(actor, 'customers:configure');
  const choices = input.type === 'choice' ? [...new Set(input.choices ?? [])] : [];
  if (input.type === 'choice' && choices.length === 0)
    throw new AppError('validation_failed', 'A choice attribute needs choices', {
      fields: [{ path: 'choices', message: 'give at least one choice' }],
    });
  const taken = await ctx.db
    .selectFrom('customer_attribute_definitions')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('key', '=', input.key)
    .executeTakeFirst();
  if (taken) throw new AppError('conflict', `An attribute "${input.key}" already exists`);
  const row = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    key: input.key,
    label: input.label,
    type: input.type,
    choices: ctx.dialect.toJson(choices),
    created_at: ctx.now().toISOString(),
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('customer_attribute_definitions').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'customer_attribute.created',
      targetType: 'customer_attribute',
      targetId: row.id,
      details: { key: row.key, type: row.type },
    });
  });
  return toDefinitionView(ctx, row);
}

/** Removes a definition; values already stored on customers stay (nothing is lost silently). */
export async function deleteAttributeDefinition(ctx: AppContext, actor: Actor, id: string): Promise<void> {
  requirePermission(actor, 'customers:configure');
  await ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx
      .deleteFrom('customer_attribute_definitions')
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', id)
      .returning('key')
      .executeTakeFirst();
    if (!deleted) throw new AppError('not_found', `No attribute definition ${id}`);
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'customer_attribute.deleted',
      targetType: 'customer_attribute',
      targetId: id,
      details: { key: deleted.key },
    });
  });
}
