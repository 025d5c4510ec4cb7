/**
 * The customers module: one customer per person, their identities (social accounts, emails,
 * phones), identity resolution with evidence (automatic links only on strong evidence, weaker
 * evidence as suggestions), lossless merge and unmerge, custom attributes, profile and timeline.
 *
 * This file holds customer CRUD, the profile, list and search, summaries, ranking and identities;
 * identity-resolution.ts, merges.ts, timeline.ts and attributes.ts hold the rest. Other modules
 * import all of it from here.
 */
import type { ExpressionBuilder, Selectable, Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB, IdentitiesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import {
  decodeCursor,
  decodeKeyCursor,
  encodeCursor,
  encodeKeyCursor,
  type Page,
  type PageQuery,
} from '../../pagination.ts';
import type { AuthorLink } from '../../pipeline/formats.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { isFollowing, recordEvent } from '../collaboration/feed.ts';
import { eventsBin, transactionsBin } from './activity-queries.ts';
import { definitionsOf } from './attributes.ts';
import { caseHistoryOf } from './case-history.ts';
import { consentsTo, customerConsents } from './consents.ts';
import { suggestFromPendingCrossReferences } from './cross-reference-suggestions.ts';
import {
  attrsOf,
  type CustomerRow,
  type Db,
  liveCustomer,
  type SummaryCounts,
  summarize,
} from './customer-rows.ts';
import { refreshCustomerStats } from './customer-stats.ts';
import { linkAccountsOnDomains } from './identity-resolution.ts';
import {
  type AuthorInfluence,
  influenceByAuthor,
  type RankedAuthor,
  type RankKind,
  rankAuthors,
} from './influence.ts';
import { mergeInTransaction, toMergeView } from './merges.ts';
import {
  applyAttributes,
  handlesProvenBy,
  normalizeEmail,
  normalizePhone,
  websiteDomainOf,
} from './rules.ts';
import type {
  AttributeValue,
  CustomerPatch,
  CustomerProfile,
  CustomerSummary,
  IdentityView,
} from './schema.ts';
import { segmentMemberFilter } from './segments.ts';

export {
  createAttributeDefinition,
  deleteAttributeDefinition,
  listAttributeDefinitions,
} from './attributes.ts';
export { withdrewConsent } from './consents.ts';
/** Weak rule: a post claiming another customer's account as its author's own suggests a merge. */
export { suggestFromCrossReferences } from './cross-reference-suggestions.ts';
export { refreshStatsOfAuthors } from './customer-stats.ts';
export {
  type AttachableAuthor,
  attachAuthors,
  attachUnattachedAuthors,
  contactHandle,
  currentCustomerId,
  linkTarget,
} from './identity-resolution.ts';
export {
  acceptSuggestion,
  listSuggestions,
  mergeCustomers,
  mergeInTransaction,
  rejectSuggestion,
  type SuggestionQuery,
  suggestionsPage,
  unmergeCustomers,
} from './merges.ts';
export { customerTimeline } from './timeline.ts';

type IdentityRow = Selectable<IdentitiesTable>;

// ---------------------------------------------------------------------------------------------
// Customers: list, profile, changes, identities

/**
 * Summaries of live customers by id, in the order given (unknown or merged ids are left out):
 * for other modules that rank customers, such as influence.
 */
export async function customerSummaries(
  ctx: AppContext,
  workspaceId: string,
  ids: string[],
  counts: SummaryCounts = 'exact',
): Promise<CustomerSummary[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('customers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .where('id', 'in', ids)
    .execute();
  const byId = new Map((await summarize(ctx, workspaceId, rows, counts)).map((s) => [s.id, s]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** The orders of the customer list: by creation, or by a figure of `customer_stats`. */
export const customerSorts = ['newest', 'recent', 'influence', 'followers', 'mentions'] as const;
export type CustomerSort = (typeof customerSorts)[number];
const statsColumnOf = {
  recent: 's.last_mention_at',
  influence: 's.influence',
  followers: 's.followers',
  mentions: 's.mentions',
} as const;

type SortKey = [number | string | null, string];
const isSortKey = (k: unknown[]): k is SortKey =>
  k.length === 2 &&
  (k[0] === null || typeof k[0] === 'string' || (typeof k[0] === 'number' && Number.isFinite(k[0]))) &&
  typeof k[1] === 'string';

/**
 * A condition on `customers`: the name or primary email holds `search` (case-insensitive), or one
 * of the person's identities does in its handle or address. A leading "@" is the handle's, as the
 * UI shows handles (they are stored without it). Substring (trigram) indexes, migration 0009.
 */
export function customerSearch(ctx: AppContext, workspaceId: string, search: string) {
  const { dialect } = ctx;
  const handle = search.length > 1 && search.startsWith('@') ? search.slice(1) : search;
  return (eb: ExpressionBuilder<DB, 'customers'>) =>
    eb.or([
      dialect.substringMatch('customers', ['display_name', 'primary_email'], search),
      eb(
        'customers.id',
        'in',
        eb
          .selectFrom('identities')
          .select('identities.customer_id')
          .where('identities.workspace_id', '=', workspaceId)
          .where(dialect.substringMatch('identities', ['handle', 'external_id'], handle)),
      ),
    ]);
}

/**
 * The workspace's customers (merged ones are hidden), keyset-paginated: newest first by id, or
 * by a figure of their statistics (latest post, influence, reach, mentions), highest first and
 * customers without one last. Statistics count new posts within 30 s (docs/segments.md), so a
 * first post moves its author up at the next count. `search` matches a substring of the name,
 * primary email, or any identity's handle or address (a leading "@" is the handle's, as the UI
 * shows it).
 */
export async function listCustomers(
  ctx: AppContext,
  actor: Actor,
  query: PageQuery & {
    search?: string | undefined;
    segment?: string | undefined;
    sort?: CustomerSort | undefined;
  },
): Promise<Page<CustomerSummary>> {
  requirePermission(actor, 'customers:read');
  const sort = query.sort ?? 'newest';
  let q = ctx.db
    .selectFrom('customers')
    .selectAll('customers')
    .where('customers.workspace_id', '=', actor.workspaceId)
    .where('customers.merged_into', 'is', null);
  if (query.segment !== undefined) q = q.where(await segmentMemberFilter(ctx, actor, query.segment));
  const search = query.search?.trim();
  if (search) q = q.where(customerSearch(ctx, actor.workspaceId, search));
  const want = query.limit + 1;
  let rows: (CustomerRow & { sort_value?: unknown })[];
  if (sort === 'newest') {
    if (query.cursor !== undefined) q = q.where('customers.id', '<', String(decodeCursor(query.cursor)));
    rows = await q.orderBy('customers.id', 'desc').limit(want).execute();
  } else {
    const column = statsColumnOf[sort];
    const after = query.cursor === undefined ? undefined : decodeKeyCursor(query.cursor, isSortKey);
    // Two reads, each in an index's order: the customers with the figure, highest first (walking
    // customer_stats' index on it), then, once those run out, the others, newest first. A cursor
    // with no figure is already among the others.
    const withStats = q.leftJoin('customer_stats as s', 's.customer_id', 'customers.id');
    let withFigure = withStats
      .select(`${column} as sort_value`)
      .where('s.workspace_id', '=', actor.workspaceId)
      .where(column, 'is not', null);
    if (after !== undefined && after[0] !== null) {
      const [value, id] = after;
      withFigure = withFigure.where((eb) =>
        eb.or([eb(column, '<', value), eb.and([eb(column, '=', value), eb('s.customer_id', '<', id)])]),
      );
    }
    rows =
      after === undefined || after[0] !== null
        ? await withFigure.orderBy(column, 'desc').orderBy('s.customer_id', 'desc').limit(want).execute()
        : [];
    if (rows.length < want) {
      let without = withStats
        .select(`${column} as sort_value`)
        .where((eb) => eb.or([eb('s.customer_id', 'is', null), eb(column, 'is', null)]));
      if (after !== undefined && after[0] === null) without = without.where('customers.id', '<', after[1]);
      rows.push(
        ...(await without
          .orderBy('customers.id', 'desc')
          .limit(want - rows.length)
          .execute()),
      );
    }
  }
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  // Numbers and times travel as the database gave them (a time as ISO text on both engines).
  const figureOf = (v: unknown) => (typeof v === 'number' || v == null ? (v ?? null) : String(v));
  return {
    items: await summarize(ctx, actor.workspaceId, items, 'stats'),
    nextCursor:
      rows.length > query.limit && last
        ? sort === 'newest'
          ? encodeCursor(last.id)
          : encodeKeyCursor([figureOf(last.sort_value), last.id])
        : null,
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
        .select(['id', 'channel', 'handle', 'display_name', 'followers', 'profile_url', 'bio', 'links'])
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
    serviceHistory,
    following,
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
    caseHistoryOf(ctx, workspaceId, id),
    isFollowing(ctx, actor, 'customer', id),
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
    following,
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
          // '' is a bio the source cleared: none to show.
          bio: a?.bio || null,
          links: a?.links == null ? [] : ctx.dialect.parseJson<AuthorLink[]>(a.links),
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
    serviceHistory,
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
  const summaries = await customerSummaries(ctx, actor.workspaceId, ids, 'stats');
  return summaries.map((customer) => {
    const r = best.get(customer.id) as RankedAuthor;
    return { customer, score: r.score, pagerank: r.pagerank, reasons: r.reasons };
  });
}

/** Live mentions of authors whose ids come from the workspace's identities (which scopes them). */
function mentionsOf(ctx: AppContext, authorIds: number[]) {
  return ctx.db.selectFrom('mentions').where('author_id', 'in', authorIds).where('deleted_at', 'is', null);
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
      await linkAccountsOnDomains(ctx, trx, actor.workspaceId, id, [website]);
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

/**
 * Removes an email address or phone number from a customer (a typo, an old address). Social
 * accounts stay with their customer: they carry the person's posts; move them with merge and
 * unmerge. A removed primary email is replaced by another address of the customer, if any.
 */
export async function removeIdentity(
  ctx: AppContext,
  actor: Actor,
  customerId: string,
  identityId: string,
): Promise<void> {
  requirePermission(actor, 'customers:manage');
  const workspaceId = actor.workspaceId;
  await ctx.db.transaction().execute(async (trx) => {
    const customer = await changeableCustomer(trx, workspaceId, customerId);
    const identity = await trx
      .selectFrom('identities')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', '=', customerId)
      .where('id', '=', identityId)
      .executeTakeFirst();
    if (!identity) throw new AppError('not_found', `No identity ${identityId} on customer ${customerId}`);
    if (identity.kind === 'social')
      throw new AppError(
        'conflict',
        'A social account stays with its customer (it carries their posts): merge or unmerge to move it',
      );
    await trx.deleteFrom('identities').where('id', '=', identity.id).execute();
    if (identity.kind === 'email' && customer.primary_email === identity.external_id) {
      const next = await trx
        .selectFrom('identities')
        .select('external_id')
        .where('workspace_id', '=', workspaceId)
        .where('customer_id', '=', customerId)
        .where('kind', '=', 'email')
        .orderBy('verified', 'desc')
        .orderBy('created_at')
        .executeTakeFirst();
      await trx
        .updateTable('customers')
        .set({ primary_email: next?.external_id ?? null, updated_at: ctx.now().toISOString() })
        .where('id', '=', customerId)
        .execute();
    }
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'customer',
      recordId: customerId,
      kind: 'identity_removed',
      actorUserId: actor.userId,
      data: { kind: identity.kind },
      summary: `${identity.kind === 'email' ? 'An email address' : 'A phone number'} was removed from the profile`,
    });
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: 'customer.identity_removed',
      targetType: 'customer',
      targetId: customerId,
      details: { kind: identity.kind, identityId: identity.id },
    });
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
    await recordEvent(ctx, trx, {
      workspaceId,
      recordType: 'customer',
      recordId: customerId,
      kind: 'identity_added',
      actorUserId: actor.userId,
      data: { kind: input.kind, verified: input.verified },
      summary: `${input.kind === 'email' ? 'An email address' : 'A phone number'} was added to the profile`,
    });
    await recordAudit(ctx, trx, {
      workspaceId,
      actorUserId: actor.userId,
      action: 'customer.identity_added',
      targetType: 'customer',
      targetId: customerId,
      details: { kind: input.kind, verified: input.verified },
    });
    if (input.kind === 'email')
      await suggestFromPendingCrossReferences(ctx, trx, workspaceId, { emails: [value] });
  }
  // A profile without a primary email takes its first one, unless another customer goes by it.
  if (input.kind === 'email')
    await trx
      .updateTable('customers')
      .set({ primary_email: value, updated_at: ctx.now().toISOString() })
      .where('id', '=', customerId)
      .where('primary_email', 'is', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('customers as other')
              .select('other.id')
              .where('other.workspace_id', '=', workspaceId)
              .where('other.primary_email', '=', value)
              .where('other.merged_into', 'is', null),
          ),
        ),
      )
      .execute();
  if (input.kind === 'email' && input.verified)
    await linkAccountsOnDomains(ctx, trx, workspaceId, customerId, handlesProvenBy(value));
  const identity = await find();
  if (!identity) throw new AppError('internal', 'The identity vanished');
  return toIdentityView(identity);
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
    if (website) await linkAccountsOnDomains(ctx, trx, actor.workspaceId, id, [website]);
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
    await linkAccountsOnDomains(ctx, trx, workspaceId, customerId, handlesProvenBy(email));
    await suggestFromPendingCrossReferences(ctx, trx, workspaceId, { emails: [email] });
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
