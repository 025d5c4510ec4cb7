/**
 * Privacy export: everything held about a person, as one JSON document. Erasure is in
 * erasure.ts; what is exported, erased and kept and why: docs/customers.md, "Privacy".
 */
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import { chunks } from '../../db/chunks.ts';
import type { DB } from '../../db/schema.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { postColumns } from '../communities/access.ts';
import { challengeState } from '../communities/challenges.ts';
import { communityThreadUrl } from '../communities/loop.ts';
import { consentHistory, currentConsents } from './consents.ts';
import { authorIdsOf, identitiesOf, personRows } from './privacy-rows.ts';
import { getCustomer } from './service.ts';

/** Community tables whose rows are addressed to one member (`member_id`), exported as they are. */
type AddressedTable =
  | 'community_member_notifications'
  | 'community_post_deliveries'
  | 'community_loop_deliveries'
  | 'community_newsletter_subscriptions'
  | 'community_challenge_notifications';

export type CustomerExport = {
  format: 'rapport.customer-export';
  version: 1;
  exportedAt: string;
  customerId: string;
  profile: Awaited<ReturnType<typeof getCustomer>>;
  /** The stored rows: the customer and the customers merged into it. */
  customers: Record<string, unknown>[];
  identities: Record<string, unknown>[];
  /** The social accounts as last seen at their source. */
  authors: Record<string, unknown>[];
  /** Every mention written by their accounts: text, URL, dates, analysis. */
  mentions: Record<string, unknown>[];
  merges: Record<string, unknown>[];
  suggestions: Record<string, unknown>[];
  consents: { current: unknown[]; history: unknown[] };
  transactions: Record<string, unknown>[];
  events: Record<string, unknown>[];
  /** Service history: their cases, each with its conversations, the replies sent and the internal notes about them. */
  cases: Record<string, unknown>[];
  /** Leads about them, each with its opportunities. */
  leads: Record<string, unknown>[];
  /**
   * Their community members (without password hashes), the threads they opened and their posts;
   * the notifications addressed to them (replies, answers, mentions, accepted answers, idea status
   * changes: title, text, kind, reasons, when, read or not) and the community emails queued for
   * them (about answers, `table: community_post_deliveries`, or about ideas they follow,
   * `table: community_loop_deliveries`: address, subject, text, status, when sent); their
   * newsletter subscriptions and the newsletter digest emails queued or sent to them (address,
   * space, period, status, when sent); the challenge wins they were told of (title, text, link);
   * their challenge entries (challenge, idea title, text, link, votes, status, when) and their
   * votes on entries (challenge, entry, when).
   */
  community: {
    members: Record<string, unknown>[];
    threads: Record<string, unknown>[];
    posts: Record<string, unknown>[];
    notifications: Record<string, unknown>[];
    emails: Record<string, unknown>[];
    newsletterSubscriptions: Record<string, unknown>[];
    newsletterEmails: Record<string, unknown>[];
    challengeNotifications: Record<string, unknown>[];
    challengeEntries: Record<string, unknown>[];
    challengeVotes: Record<string, unknown>[];
  };
  /** Satisfaction surveys made for them (each with its status), with their scores and comments. */
  surveys: Record<string, unknown>[];
  erasures: Record<string, unknown>[];
};

/** Everything held about a person, as one JSON document (owner, admin); audited. */
export async function exportCustomer(ctx: AppContext, actor: Actor, id: string): Promise<CustomerExport> {
  requirePermission(actor, 'customers:privacy');
  const ws = actor.workspaceId;
  const json = (v: unknown) => ctx.dialect.parseJson(v);
  const rows = await personRows(ctx.db, ws, id);
  const ids = rows.map((r) => r.id);
  const identities = await identitiesOf(ctx.db, ws, ids);
  const authorIds = authorIdsOf(identities);
  const authors = [];
  const mentions = [];
  for (const part of chunks(authorIds)) {
    authors.push(
      ...(await ctx.db
        .selectFrom('authors')
        .selectAll()
        .where('workspace_id', '=', ws)
        .where('id', 'in', part)
        .orderBy('id')
        .execute()),
    );
    // A prolific author's posts are a heavy read: off the event loop on SQLite.
    const ms = await ctx.heavy.all(
      ctx.db
        .selectFrom('mentions')
        .selectAll()
        .where('workspace_id', '=', ws)
        .where('author_id', 'in', part)
        .orderBy('id'),
    );
    mentions.push(...ms.map((m) => ({ ...m, engagement: json(m.engagement), analysis: json(m.analysis) })));
  }
  const merges = await ctx.db
    .selectFrom('customer_merges')
    .select([
      'id',
      'into_customer_id',
      'from_customer_id',
      'evidence',
      'actor_user_id',
      'created_at',
      'undone_at',
    ])
    .where('workspace_id', '=', ws)
    .where((eb) => eb.or([eb('into_customer_id', 'in', ids), eb('from_customer_id', 'in', ids)]))
    .orderBy('created_at')
    .execute();
  const suggestions = await ctx.db
    .selectFrom('identity_suggestions')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where((eb) => eb.or([eb('customer_id', 'in', ids), eb('other_customer_id', 'in', ids)]))
    .orderBy('created_at')
    .execute();
  const history = await consentHistory(ctx.db, ws, id);
  const transactions = await ctx.db
    .selectFrom('customer_transactions')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .orderBy('occurred_at')
    .execute();
  const events = await ctx.db
    .selectFrom('customer_events')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .orderBy('occurred_at')
    .execute();
  const surveys = await ctx.db
    .selectFrom('survey_requests')
    .innerJoin('surveys', 'surveys.id', 'survey_requests.survey_id')
    .select([
      'survey_requests.id',
      'survey_requests.customer_id',
      'survey_requests.case_id',
      'surveys.name as survey',
      'surveys.kind',
      'surveys.question',
      // withdrawn: held after a solve and taken back before it was sent (docs/surveys.md).
      'survey_requests.status',
      'survey_requests.score',
      'survey_requests.comment',
      'survey_requests.answered_at',
      'survey_requests.created_at',
    ])
    .where('survey_requests.workspace_id', '=', ws)
    .where('survey_requests.customer_id', 'in', ids)
    .orderBy('survey_requests.created_at')
    .execute();
  const erasures = await ctx.db
    .selectFrom('customer_erasures')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .execute();
  const cases = await ctx.db
    .selectFrom('cases')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .orderBy('number')
    .execute();
  const caseIds = cases.map((c) => c.id);
  const [conversations, replies, notes] =
    caseIds.length === 0
      ? [[], [], []]
      : await Promise.all([
          ctx.db
            .selectFrom('conversations')
            .selectAll()
            .where('case_id', 'in', caseIds)
            .orderBy('created_at')
            .execute(),
          ctx.db
            .selectFrom('outbox_replies')
            .selectAll()
            .where('case_id', 'in', caseIds)
            .orderBy('created_at')
            .execute(),
          ctx.db
            .selectFrom('case_notes')
            .selectAll()
            .where('case_id', 'in', caseIds)
            .orderBy('created_at')
            .execute(),
        ]);
  const leads = await ctx.db
    .selectFrom('leads')
    .selectAll()
    .where('workspace_id', '=', ws)
    .where('customer_id', 'in', ids)
    .orderBy('number')
    .execute();
  const opportunities =
    leads.length === 0
      ? []
      : await ctx.db
          .selectFrom('opportunities')
          .selectAll()
          .where(
            'lead_id',
            'in',
            leads.map((l) => l.id),
          )
          .orderBy('created_at')
          .execute();
  // Their community members, without the password hash (a secret of the system, not their data).
  const members = (
    await ctx.db
      .selectFrom('community_members')
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('customer_id', 'in', ids)
      .execute()
  ).map(({ password_hash: _, ...m }) => m);
  const memberIds = members.map((m) => m.id);
  /** The rows of a community table addressed to the person's members, oldest first. */
  // Kysely types a union of tables as the union's common columns; the cast gives back the named table's row.
  const addressedTo = <T extends AddressedTable>(table: T) =>
    ctx.db
      .selectFrom(table as AddressedTable)
      .selectAll()
      .where('workspace_id', '=', ws)
      .where('member_id', 'in', memberIds)
      .orderBy('created_at')
      .orderBy('id')
      .execute() as Promise<Selectable<DB[T]>[]>;
  const [
    posts,
    threads,
    notifications,
    postEmails,
    ideaEmails,
    newsletterSubscriptions,
    newsletterEmails,
    challengeNotifications,
    entries,
    challengeVotes,
  ] =
    memberIds.length === 0
      ? [[], [], [], [], [], [], [], [], [], []]
      : await Promise.all([
          ctx.db
            .selectFrom('community_posts')
            .select(postColumns)
            .where('author_member_id', 'in', memberIds)
            .orderBy('created_at')
            .execute(),
          ctx.db
            .selectFrom('community_threads')
            .select(['id', 'space_id', 'title', 'author_member_id', 'kind', 'created_at'])
            .where('author_member_id', 'in', memberIds)
            .orderBy('created_at')
            .execute(),
          addressedTo('community_member_notifications'),
          addressedTo('community_post_deliveries'),
          addressedTo('community_loop_deliveries'),
          addressedTo('community_newsletter_subscriptions'),
          // The digest's space and period say which email it was; its items are the space's news
          // for everyone, not data about the person.
          ctx.db
            .selectFrom('community_newsletter_deliveries as d')
            .innerJoin('community_newsletter_digests as g', 'g.id', 'd.digest_id')
            .selectAll('d')
            .select(['g.space_id', 'g.cadence', 'g.period_start', 'g.period_end'])
            .where('d.workspace_id', '=', ws)
            .where('d.member_id', 'in', memberIds)
            .orderBy('d.created_at')
            .orderBy('d.id')
            .execute(),
          addressedTo('community_challenge_notifications'),
          // An entry is an idea thread: its title and opening post are what they entered.
          ctx.db
            .selectFrom('community_challenge_entries as e')
            .innerJoin('community_challenges as c', 'c.id', 'e.challenge_id')
            .innerJoin('community_threads as t', 't.id', 'e.thread_id')
            .leftJoin('community_posts as p', (j) =>
              j.onRef('p.thread_id', '=', 't.id').on('p.number', '=', 1),
            )
            .select([
              'e.thread_id',
              'e.challenge_id',
              'e.member_id',
              'c.question as challenge',
              't.title',
              'p.body_markdown',
              'e.vote_count',
              'c.opens_at',
              'c.closes_at',
              'c.winner_thread_id',
              'e.created_at',
            ])
            .where('e.workspace_id', '=', ws)
            .where('e.member_id', 'in', memberIds)
            .orderBy('e.created_at')
            .orderBy('e.thread_id')
            .execute(),
          ctx.db
            .selectFrom('community_challenge_votes as v')
            .innerJoin('community_challenges as c', 'c.id', 'v.challenge_id')
            .innerJoin('community_threads as t', 't.id', 'v.thread_id')
            .select([
              'v.thread_id',
              'v.challenge_id',
              'v.member_id',
              'c.question as challenge',
              't.title',
              'v.created_at',
            ])
            .where('v.workspace_id', '=', ws)
            .where('v.member_id', 'in', memberIds)
            .orderBy('v.created_at')
            .orderBy('v.thread_id')
            .execute(),
        ]);
  const slug =
    entries.length === 0
      ? ''
      : (await ctx.db.selectFrom('workspaces').select('slug').where('id', '=', ws).executeTakeFirstOrThrow())
          .slug;
  // Won, not chosen (another entry won), or the challenge's state while undecided.
  const challengeEntries = entries.map(({ opens_at, closes_at, winner_thread_id, ...e }) => {
    const state = challengeState({ opens_at, closes_at, winner_thread_id }, ctx.now());
    return {
      ...e,
      vote_count: Number(e.vote_count),
      url: communityThreadUrl(ctx, slug, e.thread_id),
      status: winner_thread_id === e.thread_id ? 'won' : state === 'decided' ? 'not_chosen' : state,
    };
  });
  const emails = [
    ...postEmails.map((e) => ({ table: 'community_post_deliveries', ...e })),
    ...ideaEmails.map((e) => ({ table: 'community_loop_deliveries', ...e })),
  ].sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  const result: CustomerExport = {
    format: 'rapport.customer-export',
    version: 1,
    exportedAt: ctx.now().toISOString(),
    customerId: id,
    profile: await getCustomer(ctx, actor, id),
    customers: rows.map((r) => ({ ...r, attributes: json(r.attributes) })),
    identities,
    authors: authors.map((a) => ({ ...a, links: a.links === null ? null : json(a.links) })),
    mentions,
    merges: merges.map((m) => ({ ...m, evidence: json(m.evidence) })),
    suggestions: suggestions.map((s) => ({ ...s, evidence: json(s.evidence) })),
    consents: { current: currentConsents(history), history },
    transactions: transactions.map((t) => ({ ...t, properties: json(t.properties) })),
    events: events.map((e) => ({ ...e, properties: json(e.properties) })),
    cases: cases.map((c) => ({
      ...c,
      custom_fields: json(c.custom_fields),
      conversations: conversations.filter((x) => x.case_id === c.id),
      replies: replies.filter((r) => r.case_id === c.id),
      notes: notes
        .filter((n) => n.case_id === c.id)
        .map((n) => ({ ...n, mentioned_user_ids: json(n.mentioned_user_ids) })),
    })),
    leads: leads.map((l) => ({
      ...l,
      score_explanation: json(l.score_explanation),
      opportunities: opportunities.filter((o) => o.lead_id === l.id),
    })),
    community: {
      members,
      threads,
      posts,
      notifications: notifications.map((n) => ({ ...n, reasons: json(n.reasons) })),
      emails,
      newsletterSubscriptions,
      newsletterEmails,
      challengeNotifications,
      challengeEntries,
      challengeVotes,
    },
    surveys,
    erasures: erasures.map((e) => ({ ...e, counts: json(e.counts) })),
  };
  await recordAudit(ctx, ctx.db, {
    workspaceId: ws,
    actorUserId: actor.userId,
    action: 'customer.export',
    targetType: 'customer',
    targetId: id,
    details: { mentions: mentions.length, identities: identities.length },
  });
  return result;
}
