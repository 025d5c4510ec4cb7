/**
 * Weak rule: a post that claims another account (or an email address) as its author's own
 * suggests merging the author's customer with the customer holding that account. Runs in the
 * pipeline's batch transaction, after the authors are attached; set-based (the detector in memory,
 * then one query for the posts that claim something, one for the accounts they name, one for the
 * suggestions of those pairs). Never merges by itself.
 */
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { CHUNK, chunks } from '../../db/chunks.ts';
import type { DB, PendingCrossReferencesTable } from '../../db/schema.ts';
import { newId } from '../../ids.ts';
import {
  type CrossReference,
  crossReferenceEvidence,
  detectCrossReferences,
  evidenceMentionId,
} from './cross-references.ts';
import { channelName, confidence, handleKey } from './rules.ts';

/** What the detector needs of a stored post (a `NormalizedPost` fits). */
export type CrossReferencingPost = {
  channel: string;
  externalId: string;
  url: string | null;
  text: string;
  author: { handle: string };
};

type Pair = {
  a: string;
  b: string;
  evidence: { mentionId: number; text: string }[];
  /** The customers whose posts made a claim about the other. */
  claimants: Set<string>;
};

/**
 * Suggests merges from the cross-references in `posts`, counting only the posts the batch stored
 * (`storedIds`: a replayed or outdated post is not stored again, so it suggests nothing again). An
 * open suggestion of the pair gets the post as further evidence (one line per post); a rejected
 * or accepted pair is left alone. A referenced account no customer holds yet is skipped.
 */
export async function suggestFromCrossReferences(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  posts: CrossReferencingPost[],
  storedIds: number[],
): Promise<{ suggested: number }> {
  if (storedIds.length === 0) return { suggested: 0 };
  const claiming = posts.flatMap((post) => {
    const refs = detectCrossReferences(post.text, {
      channel: post.channel,
      authorHandle: post.author.handle,
    });
    return refs.length > 0 ? [{ post, refs }] : [];
  });
  if (claiming.length === 0) return { suggested: 0 };

  // The stored posts that claim something, with their author's customer (one query per channel).
  const stored = new Set(storedIds);
  const byChannel = new Map<string, string[]>();
  for (const { post } of claiming)
    byChannel.set(post.channel, [...(byChannel.get(post.channel) ?? []), post.externalId]);
  const mentionOf = new Map<string, { id: number; customerId: string; handle: string | null }>();
  for (const [channel, externalIds] of byChannel)
    for (const part of chunks(externalIds)) {
      const rows = await trx
        .selectFrom('mentions as m')
        .innerJoin('identities as i', 'i.author_id', 'm.author_id')
        .select(['m.id', 'm.external_id', 'i.customer_id', 'i.handle'])
        .where('m.workspace_id', '=', workspaceId)
        .where('m.channel', '=', channel)
        .where('m.external_id', 'in', part)
        .where('i.kind', '=', 'social')
        .execute();
      for (const r of rows)
        if (stored.has(Number(r.id)))
          mentionOf.set(`${channel} ${r.external_id}`, {
            id: Number(r.id),
            customerId: r.customer_id,
            handle: r.handle,
          });
    }

  // Who holds the referenced accounts and addresses: one query on the handle-key and identity indexes.
  const refs = claiming.flatMap((c) =>
    mentionOf.has(`${c.post.channel} ${c.post.externalId}`) ? c.refs : [],
  );
  const keys = [
    ...new Set(
      refs.flatMap((r) => (r.kind === 'account' ? [handleKey(r.channel, r.handle) ?? []].flat() : [])),
    ),
  ];
  const emails = [...new Set(refs.flatMap((r) => (r.kind === 'email' ? [r.address] : [])))];
  const holders: {
    customer_id: string;
    kind: string;
    channel: string;
    handle: string | null;
    external_id: string;
  }[] = [];
  // A union of two indexed lookups (handle_key; the identities key): an OR would scan the workspace.
  for (let i = 0; i < Math.max(keys.length, emails.length); i += CHUNK) {
    const keyPart = keys.slice(i, i + CHUNK);
    const emailPart = emails.slice(i, i + CHUNK);
    const bySocial = trx
      .selectFrom('identities')
      .select(['customer_id', 'kind', 'channel', 'handle', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      // Only social identities have a handle key; no `kind` here, or SQLite prefers the unique key's prefix.
      .where('handle_key', 'in', keyPart.length > 0 ? keyPart : ['']);
    const byEmail = trx
      .selectFrom('identities')
      .select(['customer_id', 'kind', 'channel', 'handle', 'external_id'])
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', 'email')
      .where('channel', '=', 'email')
      .where('external_id', 'in', emailPart.length > 0 ? emailPart : ['']);
    holders.push(
      ...(await (keyPart.length === 0
        ? byEmail
        : emailPart.length === 0
          ? bySocial
          : bySocial.unionAll(byEmail)
      ).execute()),
    );
  }
  /** The one customer holding what `ref` names; `unheld` when nobody does yet, null when several do. */
  const holderOf = (ref: CrossReference): { customerId: string; named: string } | 'unheld' | null => {
    const matches = holders.filter((h) =>
      ref.kind === 'email'
        ? h.kind === 'email' && h.external_id === ref.address
        : h.kind === 'social' &&
          h.channel === ref.channel &&
          h.handle !== null &&
          (ref.exact
            ? h.handle.toLowerCase().replace(/^@/u, '') === ref.handle
            : h.handle.toLowerCase().replace(/^@/u, '').split('@')[0] === ref.handle),
    );
    const customers = [...new Set(matches.map((h) => h.customer_id))];
    // A server-less Mastodon name held by several customers names none of them.
    const [only] = matches;
    if (!only) return 'unheld';
    if (customers.length !== 1) return null;
    return {
      customerId: only.customer_id,
      named:
        ref.kind === 'email' ? `email ${ref.address}` : `${channelName(ref.channel)} account ${only.handle}`,
    };
  };

  const pairs = new Map<string, Pair>();
  const pending: PendingCrossReferencesTable[] = [];
  const now = ctx.now().toISOString();
  for (const { post, refs: postRefs } of claiming) {
    const mention = mentionOf.get(`${post.channel} ${post.externalId}`);
    if (!mention) continue;
    for (const ref of postRefs) {
      const holder = holderOf(ref);
      if (holder === 'unheld') {
        const target = pendingTarget(ref);
        if (target)
          pending.push({ mention_id: mention.id, workspace_id: workspaceId, ...target, created_at: now });
        continue;
      }
      if (!holder || holder.customerId === mention.customerId) continue;
      const [a, b] =
        mention.customerId < holder.customerId
          ? [mention.customerId, holder.customerId]
          : [holder.customerId, mention.customerId];
      const pair = pairs.get(`${a} ${b}`) ?? { a, b, evidence: [], claimants: new Set<string>() };
      pairs.set(`${a} ${b}`, pair);
      pair.claimants.add(mention.customerId);
      if (pair.evidence.some((e) => e.mentionId === mention.id)) continue;
      pair.evidence.push({
        mentionId: mention.id,
        text: crossReferenceEvidence({
          mentionId: mention.id,
          channelLabel: channelName(post.channel),
          authorHandle: mention.handle ?? post.author.handle,
          url: post.url,
          referenced: holder.named,
          phrase: ref.phrase,
        }),
      });
    }
  }
  // Kept until the account or address first appears (`suggestFromPendingCrossReferences`).
  for (const part of chunks(pending))
    await trx
      .insertInto('pending_cross_references')
      .values(part)
      .onConflict((oc) => oc.columns(['mention_id', 'target_channel', 'target_key']).doNothing())
      .execute();
  if (pairs.size === 0) return { suggested: 0 };

  const existing = new Map<string, { id: string; status: string; confidence: number; evidence: string[] }>();
  for (const part of chunks([...new Set([...pairs.values()].map((p) => p.a))])) {
    const rows = await trx
      .selectFrom('identity_suggestions')
      .select(['id', 'customer_id', 'other_customer_id', 'status', 'confidence', 'evidence'])
      .where('workspace_id', '=', workspaceId)
      .where('customer_id', 'in', part)
      .execute();
    for (const r of rows)
      if (pairs.has(`${r.customer_id} ${r.other_customer_id}`))
        existing.set(`${r.customer_id} ${r.other_customer_id}`, {
          id: r.id,
          status: r.status,
          confidence: Number(r.confidence),
          evidence: ctx.dialect.parseJson<string[]>(r.evidence),
        });
  }

  // Claims made by earlier posts of open suggestions: whose posts were they (one query)?
  const earlier = new Map<number, string>();
  const earlierIds = [...existing.values()].flatMap((s) =>
    s.status === 'open' ? s.evidence.flatMap((e) => [evidenceMentionId(e) ?? []].flat()) : [],
  );
  for (const part of chunks([...new Set(earlierIds)])) {
    const rows = await trx
      .selectFrom('mentions as m')
      .innerJoin('identities as i', 'i.author_id', 'm.author_id')
      .select(['m.id', 'i.customer_id'])
      .where('m.workspace_id', '=', workspaceId)
      .where('m.id', 'in', part)
      .execute();
    for (const r of rows) earlier.set(Number(r.id), r.customer_id);
  }

  let suggested = 0;
  const fresh: Pair[] = [];
  for (const [key, pair] of pairs) {
    const row = existing.get(key);
    if (!row) {
      fresh.push(pair);
      continue;
    }
    // Rejected stays rejected; accepted pairs are one customer (or were unmerged, hence rejected).
    if (row.status !== 'open') continue;
    const known = new Set(row.evidence.flatMap((e) => [evidenceMentionId(e) ?? []].flat()));
    const added = pair.evidence.filter((e) => !known.has(e.mentionId)).map((e) => e.text);
    for (const id of known) {
      const claimant = earlier.get(id);
      if (claimant) pair.claimants.add(claimant);
    }
    const conf = Math.max(
      row.confidence,
      pair.claimants.size > 1 ? confidence.crossReferenceBothWays : confidence.crossReference,
    );
    if (added.length === 0 && conf === row.confidence) continue;
    await trx
      .updateTable('identity_suggestions')
      .set({ confidence: conf, evidence: ctx.dialect.toJson([...row.evidence, ...added]) })
      .where('id', '=', row.id)
      .where('status', '=', 'open')
      .execute();
    suggested++;
  }
  for (const part of chunks(fresh)) {
    const result = await trx
      .insertInto('identity_suggestions')
      .values(
        part.map((p) => ({
          id: newId(ctx.now()),
          workspace_id: workspaceId,
          customer_id: p.a,
          other_customer_id: p.b,
          confidence: p.claimants.size > 1 ? confidence.crossReferenceBothWays : confidence.crossReference,
          evidence: ctx.dialect.toJson(p.evidence.map((e) => e.text)),
          status: 'open' as const,
          created_at: now,
          decided_at: null,
          decided_by: null,
        })),
      )
      .onConflict((oc) => oc.columns(['workspace_id', 'customer_id', 'other_customer_id']).doNothing())
      .executeTakeFirst();
    suggested += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return { suggested };
}

/** Where a reference nobody holds yet is looked for when identities appear: its channel and key. */
function pendingTarget(ref: CrossReference): { target_channel: string; target_key: string } | null {
  if (ref.kind === 'email') return { target_channel: 'email', target_key: ref.address };
  const key = handleKey(ref.channel, ref.handle);
  return key ? { target_channel: ref.channel, target_key: key } : null;
}

/**
 * The other side of the rule: accounts (by handle key) and email addresses that have just become
 * some customer's identities are looked up among the references kept while nobody held them, and
 * the posts that made those references are judged again as if just stored (so an open suggestion
 * gains evidence, a rejected pair stays rejected, and a reference still unheld, a near miss on
 * the handle key, stays kept). A deleted post claims nothing any more.
 */
export async function suggestFromPendingCrossReferences(
  ctx: AppContext,
  trx: Transaction<DB>,
  workspaceId: string,
  appeared: { handleKeys?: string[]; emails?: string[] },
): Promise<{ suggested: number }> {
  const handleKeys = [...new Set(appeared.handleKeys ?? [])];
  const emails = [...new Set(appeared.emails ?? [])];
  if (handleKeys.length === 0 && emails.length === 0) return { suggested: 0 };
  // Most workspaces keep none: one indexed probe spares the pipeline's batches the lookups below.
  const any = await trx
    .selectFrom('pending_cross_references')
    .select('mention_id')
    .where('workspace_id', '=', workspaceId)
    .limit(1)
    .executeTakeFirst();
  if (!any) return { suggested: 0 };

  const mentionIds = new Set<number>();
  for (const [keys, email] of [
    [handleKeys, false],
    [emails, true],
  ] as const)
    for (const part of chunks(keys)) {
      const rows = await trx
        .selectFrom('pending_cross_references')
        .select('mention_id')
        .where('workspace_id', '=', workspaceId)
        .where('target_key', 'in', part)
        .where('target_channel', email ? '=' : '<>', 'email')
        .execute();
      for (const r of rows) mentionIds.add(Number(r.mention_id));
    }
  if (mentionIds.size === 0) return { suggested: 0 };

  const posts: CrossReferencingPost[] = [];
  const ids = [...mentionIds];
  for (const part of chunks(ids)) {
    await trx.deleteFrom('pending_cross_references').where('mention_id', 'in', part).execute();
    const rows = await trx
      .selectFrom('mentions as m')
      .innerJoin('authors as a', 'a.id', 'm.author_id')
      .select(['m.channel', 'm.external_id', 'm.url', 'm.text', 'a.handle'])
      .where('m.workspace_id', '=', workspaceId)
      .where('m.id', 'in', part)
      .where('m.deleted_at', 'is', null)
      .execute();
    for (const r of rows)
      posts.push({
        channel: r.channel,
        externalId: r.external_id,
        url: r.url,
        text: r.text,
        author: { handle: r.handle },
      });
  }
  return suggestFromCrossReferences(ctx, trx, workspaceId, posts, ids);
}
