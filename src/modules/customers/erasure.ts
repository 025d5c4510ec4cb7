/**
 * Erasure: a person's text, names, handles and addresses are removed everywhere; anonymous aggregates stay.
 * The export is in privacy.ts. What is erased, what is kept and why: docs/customers.md, "Privacy".
 */
import { randomBytes } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { Dialect } from '../../db/dialect.ts';
import type { DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId, sha256 } from '../../ids.ts';
import { normalize } from '../../pipeline/formats.ts';
import type { Analysis } from '../analysis/types.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { retitleThreadsInDigests } from '../communities/newsletter-digests.ts';
import { forgetCachedAuthors } from '../listening/store.ts';
import { refreshCustomerStats } from './customer-stats.ts';
import { authorIdsOf, identitiesOf, personRows } from './privacy-rows.ts';

const ERASED_NAME = 'Erased customer';

/**
 * The person's cases keep their numbers, statuses, times and SLA figures (the anonymous
 * aggregates) but lose every text that came from or was written about them: subjects (made from
 * their posts), conversation previews, replies, internal notes, custom fields, feed details and
 * the notifications that quoted them. Returns how many cases were touched.
 */
async function eraseServiceHistory(
  ctx: AppContext,
  trx: Transaction<DB>,
  ws: string,
  customerIds: string[],
  mentions: { external_id: string; channel: string }[],
): Promise<{ cases: number; leads: number }> {
  const caseIds = (
    await trx
      .selectFrom('cases')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', customerIds)
      .execute()
  ).map((c) => c.id);
  const threadKeys = mentions.map((m) => m.external_id);
  for (const part of chunks(threadKeys))
    await trx
      .updateTable('conversations')
      .set({ preview: '' })
      .where('workspace_id', '=', ws)
      .where('thread_key', 'in', part)
      .execute();
  await trx
    .updateTable('conversations')
    .set({ preview: '' })
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', customerIds)
    .execute();
  for (const part of chunks(caseIds)) {
    await trx
      .updateTable('cases')
      .set({ subject: 'Case of an erased customer', custom_fields: ctx.dialect.toJson({}) })
      .where('id', 'in', part)
      .execute();
    await trx
      .updateTable('outbox_replies')
      .set({ body: '', recipient: null })
      .where('case_id', 'in', part)
      .execute();
    await trx
      .updateTable('case_notes')
      .set({ body: '[erased with the customer]' })
      .where('case_id', 'in', part)
      .execute();
  }
  // Leads and opportunities keep their stages, scores, amounts and times; their text goes.
  const leadIds = (
    await trx
      .selectFrom('leads')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', customerIds)
      .execute()
  ).map((l) => l.id);
  for (const part of chunks(leadIds)) {
    await trx
      .updateTable('leads')
      .set({
        title: 'Lead of an erased customer',
        handoff_note: null,
        handoff_reason: null,
        disqualify_reason: null,
        score_explanation: ctx.dialect.toJson([]),
      })
      .where('id', 'in', part)
      .execute();
    await trx
      .updateTable('opportunities')
      .set({ name: 'Opportunity of an erased customer', lost_reason: null })
      .where('lead_id', 'in', part)
      .execute();
  }
  const records: [string, string[]][] = [
    ['case', caseIds],
    ['lead', leadIds],
    ['customer', customerIds],
  ];
  for (const [type, ids] of records)
    for (const part of chunks(ids)) {
      // The copies sent (or still to send) to webhook receivers: the log keeps type and status.
      await trx
        .updateTable('webhook_deliveries')
        .set({ payload: JSON.stringify({ scrubbed: true }), last_response: null })
        .where('workspace_id', '=', ws)
        .where('event_id', 'in', (eb) =>
          eb
            .selectFrom('record_events')
            .select('id')
            .where('workspace_id', '=', ws)
            .where('record_type', '=', type as 'case')
            .where('record_id', 'in', part),
        )
        .execute();
      await trx
        .updateTable('record_events')
        .set({ data: ctx.dialect.toJson({ scrubbed: true }) })
        .where('workspace_id', '=', ws)
        .where('record_type', '=', type as 'case')
        .where('record_id', 'in', part)
        .execute();
      await trx
        .updateTable('notifications')
        .set({ summary: `A ${type} of an erased customer changed` })
        .where('workspace_id', '=', ws)
        .where('record_type', '=', type as 'case')
        .where('record_id', 'in', part)
        .execute();
    }
  return { cases: caseIds.length, leads: leadIds.length };
}

const ERASED_POST = 'This post was removed at its author’s request.';
const ERASED_THREAD_TITLE = 'A thread by an erased member';

/**
 * The person's community members keep their ids (threads, votes and points stay consistent) but
 * lose everything that identifies them: name, username, email, login and sessions, and the text
 * of what they wrote (posts, their earlier revisions, the titles of threads they opened).
 */
async function eraseCommunityLife(
  trx: Transaction<DB>,
  dialect: Dialect,
  ws: string,
  customerIds: string[],
): Promise<number> {
  const memberIds: string[] = [];
  for (const part of chunks(customerIds))
    memberIds.push(
      ...(
        await trx
          .selectFrom('community_members')
          .select('id')
          .where('workspace_id', '=', ws)
          .where('customer_id', 'in', part)
          .execute()
      ).map((m) => m.id),
    );
  for (const part of chunks(memberIds)) {
    const posts = (
      await trx.selectFrom('community_posts').select('id').where('author_member_id', 'in', part).execute()
    ).map((p) => p.id);
    for (const postPart of chunks(posts)) {
      await trx
        .updateTable('community_posts')
        .set({ body_markdown: ERASED_POST, body_html: `<p>${ERASED_POST}</p>` })
        .where('id', 'in', postPart)
        .execute();
      await trx.deleteFrom('community_post_revisions').where('post_id', 'in', postPart).execute();
      // What other members were told about these posts quotes them and names their author.
      await trx.deleteFrom('community_member_notifications').where('post_id', 'in', postPart).execute();
      await trx.deleteFrom('community_post_deliveries').where('post_id', 'in', postPart).execute();
    }
    const threadRows = await trx
      .selectFrom('community_threads')
      .select(['id', 'space_id'])
      .where('author_member_id', 'in', part)
      .execute();
    const threads = threadRows.map((th) => th.id);
    // Notifications and emails about posts in their threads quote the thread's title.
    for (const threadPart of chunks(threads)) {
      await trx
        .deleteFrom('community_member_notifications')
        .where('thread_id', 'in', threadPart)
        .where('post_id', 'is not', null)
        .execute();
      await trx.deleteFrom('community_post_deliveries').where('thread_id', 'in', threadPart).execute();
    }
    // Emails to them hold their address and name; what they were told is about them too.
    await trx.deleteFrom('community_post_deliveries').where('member_id', 'in', part).execute();
    await trx.deleteFrom('community_loop_deliveries').where('member_id', 'in', part).execute();
    await trx.deleteFrom('community_member_notifications').where('member_id', 'in', part).execute();
    // Newsletter emails hold their address; a challenge win told to them may name them in the
    // decision note. Their subscriptions stay (no address in them, and nothing is mailed to an
    // erased member, who has none), like their votes.
    await trx.deleteFrom('community_newsletter_deliveries').where('member_id', 'in', part).execute();
    await trx.deleteFrom('community_challenge_notifications').where('member_id', 'in', part).execute();
    await trx
      .updateTable('community_threads')
      .set({ title: ERASED_THREAD_TITLE })
      .where('author_member_id', 'in', part)
      .execute();
    // Digests already built keep a copy of each listed thread's title: it goes the same way.
    await retitleThreadsInDigests(trx, dialect, ws, threadRows, ERASED_THREAD_TITLE);
    await trx.deleteFrom('community_member_sessions').where('member_id', 'in', part).execute();
    await trx.deleteFrom('community_email_verifications').where('member_id', 'in', part).execute();
    for (const id of part)
      await trx
        .updateTable('community_members')
        .set({
          username: `erased-${id.slice(-8).toLowerCase()}`,
          display_name: 'Erased member',
          email: null,
          email_verified_at: null,
          password_hash: null,
          bio: null,
          suspended_until: null,
        })
        .where('id', '=', id)
        .execute();
  }
  return memberIds.length;
}

export type ErasureCounts = {
  customers: number;
  identities: number;
  authors: number;
  mentions: number;
  ingestLog: number;
  quarantine: number;
  merges: number;
  suggestions: number;
  transactions: number;
  events: number;
  auditEntries: number;
  /** Cases about the person: their text (subject, previews, replies, notes, feed details) is gone. */
  cases: number;
  /** Leads about the person: their titles, notes and opportunity names are gone. */
  leads: number;
  /** Community members of theirs: profile, login, sessions, and the text of their posts are gone. */
  communityMembers: number;
  /** Survey answers of theirs: the scores stay (anonymous results), the comments are gone. */
  surveyAnswers: number;
};

export type ErasureView = {
  id: string;
  customerId: string;
  reason: string;
  counts: ErasureCounts;
  createdAt: string;
};

/** The analysis without anything quoted from the text: labels and scores stay, so counts stay. */
function strippedAnalysis(a: Partial<Analysis>): unknown {
  return {
    language: a.language,
    languageConfidence: a.languageConfidence,
    sentiment: a.sentiment ? { label: a.sentiment.label, score: a.sentiment.score, reasons: [] } : undefined,
    intents: (a.intents ?? []).map((i) => ({ label: i.label, score: i.score, reasons: [] })),
    topics: (a.topics ?? []).map((t) => ({ id: t.id, name: t.name, score: t.score, reasons: [] })),
    classifiers: a.classifiers ?? [],
    urgency: a.urgency ? { score: a.urgency.score, reasons: [] } : undefined,
  };
}

/** Audit detail keys whose string values are ids or labels, not free text. */
const AUDIT_KEYS_KEPT = new Set(['mergeId', 'from', 'kind', 'purpose', 'channel', 'status', 'erasureId']);

const keyOf = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

/**
 * Log and quarantine items that the person wrote: candidates are found by a substring match on
 * their accounts' and posts' external ids (cheap, a superset), then each is normalized as the
 * pipeline would and kept only if its author or its key is theirs. An item that no longer
 * normalizes but names their account is taken too (erring towards removal).
 */
async function theirLogItems(
  trx: Transaction<DB>,
  table: 'ingest_log' | 'quarantine',
  workspaceId: string,
  needles: string[],
  authorKeys: Set<string>,
  mentionKeys: Set<string>,
): Promise<number[]> {
  const ids = new Set<number>();
  // `_` matches any one character in LIKE: escaping `%` that way keeps the match a superset.
  const patterns = needles.filter((n) => n.length >= 3).map((n) => `%${n.replaceAll('%', '_')}%`);
  for (const part of chunks(patterns, 50)) {
    const rows = await trx
      .selectFrom(table)
      .select(['id', 'format', 'payload'])
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or(part.map((p) => eb('payload', 'like', p))))
      .execute();
    for (const r of rows) {
      try {
        const e = normalize(r.format, r.payload, new Date(0).toISOString());
        if (
          e.kind === 'upsert' &&
          (authorKeys.has(keyOf(e.channel, e.author.externalId)) ||
            mentionKeys.has(keyOf(e.channel, e.externalId)))
        )
          ids.add(Number(r.id));
      } catch {
        ids.add(Number(r.id));
      }
    }
  }
  return [...ids];
}

/**
 * Erases a person (owner, admin): their text, names, handles, addresses and attributes
 * everywhere, keeping anonymous aggregates (mention rows with their labels, counts, amounts)
 * and a `customer_erasures` record. Audited. Irreversible.
 */
export async function eraseCustomer(
  ctx: AppContext,
  actor: Actor,
  id: string,
  input: { reason: string },
): Promise<ErasureView> {
  requirePermission(actor, 'customers:privacy');
  const ws = actor.workspaceId;
  const now = ctx.now().toISOString();
  const view = await ctx.db.transaction().execute(async (trx) => {
    const rows = await personRows(trx, ws, id);
    if (rows[0]?.erased_at) throw new AppError('conflict', `Customer ${id} was already erased`);
    const ids = rows.map((r) => r.id);
    const identities = await identitiesOf(trx, ws, ids);
    const authorIds = authorIdsOf(identities);
    const counts: ErasureCounts = {
      customers: ids.length,
      identities: identities.length,
      authors: 0,
      mentions: 0,
      ingestLog: 0,
      quarantine: 0,
      merges: 0,
      suggestions: 0,
      transactions: 0,
      events: 0,
      auditEntries: 0,
      cases: 0,
      leads: 0,
      communityMembers: 0,
      surveyAnswers: 0,
    };

    // Their accounts and posts, as the source knows them (before the authors are blanked).
    const authors = [];
    const mentions = [];
    for (const part of chunks(authorIds)) {
      authors.push(
        ...(await trx
          .selectFrom('authors')
          .select(['id', 'channel', 'external_id'])
          .where('workspace_id', '=', ws)
          .where('id', 'in', part)
          .execute()),
      );
      mentions.push(
        ...(await trx
          .selectFrom('mentions')
          .select(['id', 'channel', 'external_id', 'analysis'])
          .where('workspace_id', '=', ws)
          .where('author_id', 'in', part)
          .execute()),
      );
    }
    const authorKeys = new Set(authors.map((a) => keyOf(a.channel, a.external_id)));
    const mentionKeys = new Set(mentions.map((m) => keyOf(m.channel, m.external_id)));
    const needles = [
      ...new Set([...authors.map((a) => a.external_id), ...mentions.map((m) => m.external_id)]),
    ];

    // Mentions: blanked tombstones (the listening store never overwrites a deleted mention, so a
    // replay or redelivery of the post does not bring the text back); labels stay for the counts.
    for (const m of mentions) {
      await trx
        .updateTable('mentions')
        .set({
          text: '',
          url: null,
          links: null,
          analysis: ctx.dialect.toJson(
            strippedAnalysis(ctx.dialect.parseJson<Partial<Analysis>>(m.analysis)),
          ),
          deleted_at: (eb) => eb.fn.coalesce('deleted_at', eb.val(now)),
        })
        .where('id', '=', m.id)
        .execute();
    }
    for (const part of chunks(mentions.map((m) => m.id)))
      await trx.deleteFrom('pending_cross_references').where('mention_id', 'in', part).execute();
    counts.mentions = mentions.length;

    // Authors: an opaque placeholder, external id included, so the source account's next post
    // makes a new author (and a new customer) rather than re-attaching to this row.
    for (const a of authors) {
      const opaque = sha256(`${ws}:${a.id}:${randomBytes(16).toString('hex')}`).slice(0, 20);
      await trx
        .updateTable('authors')
        .set({
          external_id: `erased:${opaque}`,
          handle: `erased-${opaque}`,
          display_name: null,
          followers: null,
          profile_url: null,
          avatar_url: null,
          bio: null,
          links: null,
          updated_at: now,
        })
        .where('id', '=', a.id)
        .execute();
      await trx
        .updateTable('author_influence')
        .set({ followers: null })
        .where('author_id', '=', a.id)
        .execute();
      await trx.deleteFrom('author_verified_links').where('author_id', '=', a.id).execute();
    }
    counts.authors = authors.length;

    // The log and the quarantine: their items are removed (the log is replayable, so a kept
    // payload would be the text again).
    const logIds = await theirLogItems(trx, 'ingest_log', ws, needles, authorKeys, mentionKeys);
    for (const part of chunks(logIds)) {
      const q = await trx
        .deleteFrom('quarantine')
        .where('workspace_id', '=', ws)
        .where('log_id', 'in', part)
        .executeTakeFirst();
      counts.quarantine += Number(q.numDeletedRows);
      await trx.deleteFrom('ingest_log').where('workspace_id', '=', ws).where('id', 'in', part).execute();
    }
    counts.ingestLog = logIds.length;
    // Quarantined items whose log row is gone already (or that came from elsewhere).
    const quarantineIds = await theirLogItems(trx, 'quarantine', ws, needles, authorKeys, mentionKeys);
    for (const part of chunks(quarantineIds))
      await trx.deleteFrom('quarantine').where('workspace_id', '=', ws).where('id', 'in', part).execute();
    counts.quarantine += quarantineIds.length;

    await trx
      .deleteFrom('identities')
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .execute();

    const merges = await trx
      .updateTable('customer_merges')
      .set({
        evidence: ctx.dialect.toJson([]),
        snapshot: ctx.dialect.toJson({ erased: true, from: { display_name: ERASED_NAME } }),
      })
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('into_customer_id', 'in', ids), eb('from_customer_id', 'in', ids)]))
      .executeTakeFirst();
    counts.merges = Number(merges.numUpdatedRows);
    const suggestions = await trx
      .deleteFrom('identity_suggestions')
      .where('workspace_id', '=', ws)
      .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('other_customer_id', 'in', ids)]))
      .executeTakeFirst();
    counts.suggestions = Number(suggestions.numDeletedRows);

    // Activity: amounts, kinds, names and times stay for aggregates; free text and the address
    // the sender used do not.
    const transactions = await trx
      .updateTable('customer_transactions')
      .set({ description: null, properties: ctx.dialect.toJson({}) })
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .executeTakeFirst();
    counts.transactions = Number(transactions.numUpdatedRows);
    const events = await trx
      .updateTable('customer_events')
      .set({ properties: ctx.dialect.toJson({}), identity_value: 'erased' })
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .executeTakeFirst();
    counts.events = Number(events.numUpdatedRows);

    // Audit entries about them keep what happened, not the free-text evidence they carried.
    const audits = await trx
      .selectFrom('audit_log')
      .select(['id', 'details'])
      .where('workspace_id', '=', ws)
      .where('target_type', '=', 'customer')
      .where('target_id', 'in', ids)
      .execute();
    for (const a of audits) {
      const details = ctx.dialect.parseJson<Record<string, unknown> | null>(a.details) ?? {};
      const kept = Object.fromEntries(
        Object.entries(details).filter(
          ([k, v]) => k !== 'evidence' && (typeof v !== 'string' || AUDIT_KEYS_KEPT.has(k)),
        ),
      );
      await trx
        .updateTable('audit_log')
        .set({ details: ctx.dialect.toJson({ ...kept, scrubbed: true }) })
        .where('id', '=', a.id)
        .execute();
    }
    counts.auditEntries = audits.length;

    const service = await eraseServiceHistory(ctx, trx, ws, ids, mentions);
    counts.cases = service.cases;
    counts.leads = service.leads;
    counts.communityMembers = await eraseCommunityLife(trx, ctx.dialect, ws, ids);
    const answered = await trx
      .updateTable('survey_requests')
      .set({ comment: null })
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .where('answered_at', 'is not', null)
      .executeTakeFirst();
    counts.surveyAnswers = Number(answered.numUpdatedRows);
    // Their survey links close: an answer after the erasure would bring personal data back.
    await trx
      .updateTable('survey_requests')
      .set({ expires_at: now })
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .where('expires_at', '>', now)
      .execute();

    await trx
      .updateTable('customers')
      .set({
        display_name: ERASED_NAME,
        primary_email: null,
        avatar_url: null,
        bio: null,
        attributes: ctx.dialect.toJson({}),
        website_domain: null,
        erased_at: now,
        updated_at: now,
      })
      .where('workspace_id', '=', ws)
      .where('id', 'in', ids)
      .execute();

    const erasure = {
      id: newId(ctx.now()),
      workspace_id: ws,
      customer_id: id,
      requested_by: actor.userId,
      reason: input.reason,
      counts: ctx.dialect.toJson(counts),
      created_at: now,
    };
    await trx.insertInto('customer_erasures').values(erasure).execute();
    // Segments: the erased person leaves every list, and their counts go with their mentions.
    await trx
      .deleteFrom('segment_members')
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .execute();
    await refreshCustomerStats(trx, ws, ids, ctx.now());
    await recordAudit(ctx, trx, {
      workspaceId: ws,
      actorUserId: actor.userId,
      action: 'customer.erase',
      targetType: 'customer',
      targetId: id,
      details: { erasureId: erasure.id, counts },
    });
    return {
      id: erasure.id,
      customerId: id,
      reason: input.reason,
      counts,
      createdAt: now,
    } satisfies ErasureView;
  });
  // The pipeline caches authors as it last wrote them: the rows changed behind it.
  forgetCachedAuthors(ctx.db);
  return view;
}
