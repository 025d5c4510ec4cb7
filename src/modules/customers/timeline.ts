/**
 * A customer's timeline: mentions, merges, unmerges, identities, transactions, events, cases,
 * leads, replies, community posts and survey answers in one keyset-paginated feed, newest first.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, encodeCursor, type Page, type PageQuery } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { mentionsByIds } from '../listening/service.ts';
import { scaleOf } from '../surveys/schema.ts';
import { answeredSurveysOf } from '../surveys/service.ts';
import { activityTimelineRows, formatAmount } from './activity-queries.ts';
import { mayShowBehaviour } from './consents.ts';
import { liveCustomer } from './customer-rows.ts';
import { toMergeView } from './merges.ts';
import { channelName } from './rules.ts';
import type { TimelineItem } from './schema.ts';

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
          : [
              'merge',
              'unmerge',
              'identity',
              'transaction',
              'event',
              'case',
              'reply',
              'lead',
              'survey_answer',
            ].includes(kind) && typeof key === 'string');
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
  const leadsOfCustomer = ctx.db
    .selectFrom('leads')
    .select(['id', 'number', 'title', 'stage', 'status', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('customer_id', '=', customerId)
    .where(bound('lead', 'leads.created_at', 'leads.id'))
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
  const surveyAnswers = answeredSurveysOf(ctx.db, workspaceId, customerId)
    .where(bound('survey_answer', 'survey_requests.answered_at', 'survey_requests.id'))
    .orderBy('survey_requests.answered_at', 'desc')
    .orderBy('survey_requests.id', 'desc')
    .limit(n)
    .execute();
  const [
    mentionRows,
    identityRows,
    mergeRows,
    unmergeRows,
    activity,
    caseRows,
    replyRows,
    communityRows,
    leadRows,
    surveyRows,
  ] = await Promise.all([
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
    leadsOfCustomer,
    surveyAnswers,
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
    ...leadRows.map((l) => ({
      at: l.created_at,
      kind: 'lead' as const,
      key: l.id,
      build: (): Built => ({
        id: `lead:${l.id}`,
        kind: 'lead',
        at: l.created_at,
        summary: `Lead ${l.number} opened: ${l.title} (now ${l.stage.replaceAll('_', ' ')}, ${l.status})`,
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
    ...surveyRows.map((r) => {
      const scaleMax = scaleOf[r.kind].max;
      const survey = {
        surveyId: r.survey_id,
        name: r.name,
        kind: r.kind,
        score: Number(r.score),
        scaleMax,
        comment: r.comment,
        caseId: r.case_id,
        caseNumber: r.case_number === null ? null : Number(r.case_number),
      };
      return {
        at: r.at,
        kind: 'survey_answer' as const,
        key: r.id,
        build: (): Built => ({
          id: `survey_answer:${r.id}`,
          kind: 'survey_answer',
          at: r.at,
          summary: `Answered "${r.name}": ${survey.score} / ${scaleMax}${survey.caseNumber === null ? '' : ` (case ${survey.caseNumber})`}${r.comment ? `: ${r.comment.slice(0, 140)}` : ''}`,
          survey,
        }),
      };
    }),
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
