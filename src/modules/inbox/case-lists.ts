/** Reading cases: the inbox's filtered lists in their orders, counts, and a case's detail. */
import type { ExpressionBuilder, Selectable } from 'kysely';
import { sql } from 'kysely';
import type { AppContext } from '../../context.ts';
import { likeAny } from '../../db/dialect.ts';
import type { CasesTable, DB } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { decodeCursor, decodeKeyCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { caseHistoryOf } from '../customers/case-history.ts';
import { segmentBadges } from '../customers/segments.ts';
import { customerSearch, customerSummaries } from '../customers/service.ts';
import { mentionsOfCase } from '../listening/service.ts';
import { casesWithClocks, caseWithClocks, clockColumns, toCaseView, toConversationView } from './cases.ts';
import { caseNotes, caseReplies } from './replies.ts';
import type { CaseCard, CaseDetail, CaseFilters } from './schema.ts';
import { type Clock, slaViews } from './sla.ts';
import { casePriorities } from './vocabulary.ts';

type CaseRow = Selectable<CasesTable>;

function statusFilter(status: string | undefined): string[] | undefined {
  if (!status) return undefined;
  if (status === 'active') return ['new', 'open', 'pending_customer', 'on_hold'];
  return status.split(',').map((s) => s.trim());
}

/**
 * Refuses what the list cannot read, before anything is read (a download checks before its first
 * byte): unknown statuses, and the due order without the due-soon filter it lists.
 */
export function checkCaseFilters(filters: Pick<CaseFilters, 'status' | 'sort' | 'dueWithinMinutes'>): void {
  const known = new Set<string>(['new', 'open', 'pending_customer', 'on_hold', 'solved', 'closed']);
  const bad = (statusFilter(filters.status) ?? []).filter((s) => !known.has(s));
  if (bad.length > 0)
    throw new AppError('validation_failed', `Unknown status ${bad.join(', ')}`, {
      fields: [{ path: 'status', message: `unknown: ${bad.join(', ')}` }],
    });
  if (filters.sort === 'due' && filters.dueWithinMinutes === undefined)
    throw new AppError('validation_failed', 'The due order needs dueWithinMinutes', {
      fields: [{ path: 'sort', message: '`due` lists the cases of dueWithinMinutes; name it too' }],
    });
}

/**
 * The cases whose customer wrote last and got no reply yet, on a case still being worked: what
 * `waitingSince` of a case says, and the condition of the partial index `cases_waiting_idx`
 * (migration 0041), written the same way so that both engines see the index applies.
 */
const casesAwaitingReply = sql<boolean>`status not in ('solved', 'closed') and last_customer_message_at is not null and (last_agent_reply_at is null or last_agent_reply_at < last_customer_message_at)`;

/**
 * The cases `filters` select as `actor` sees them (`view: mine` is theirs), merged cases left
 * out: the one meaning of the filters, read by the list and by the saved views' counts.
 */
function matchingCases(ctx: AppContext, actor: Actor, filters: CaseFilters) {
  let q = ctx.db
    .selectFrom('cases')
    .where('workspace_id', '=', actor.workspaceId)
    .where('merged_into', 'is', null);
  checkCaseFilters(filters);
  const statuses = statusFilter(filters.status);
  if (statuses) q = q.where('status', 'in', statuses as CaseRow['status'][]);
  if (filters.view === 'mine') q = q.where('assignee_user_id', '=', actor.userId);
  if (filters.view === 'unassigned') q = q.where('assignee_user_id', 'is', null);
  if (filters.assigneeUserId) q = q.where('assignee_user_id', '=', filters.assigneeUserId);
  if (filters.priority) q = q.where('priority', '=', filters.priority);
  if (filters.type) q = q.where('type', '=', filters.type);
  if (filters.teamId) q = q.where('team_id', '=', filters.teamId);
  if (filters.customerId) q = q.where('customer_id', '=', filters.customerId);
  if (filters.channel) q = q.where('channel', '=', filters.channel);
  if (filters.dueWithinMinutes !== undefined) {
    const by = new Date(ctx.now().getTime() + filters.dueWithinMinutes * 60_000).toISOString();
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('case_sla')
          .select('case_sla.case_id')
          .whereRef('case_sla.case_id', '=', 'cases.id')
          .where('case_sla.status', '=', 'running')
          .where('case_sla.due_at', '<=', by),
      ),
    );
  }
  if (filters.tag) {
    const t = filters.tag.toLowerCase();
    q = q.where(
      sql<boolean>`' ' || ${sql.ref('tags')} || ' ' like ${`% ${t.replace(/[\\%_]/g, (c) => `\\${c}`)} %`} escape '\\'`,
    );
  }
  if (filters.snoozed === 'true') q = q.where('snoozed_until', 'is not', null);
  if (filters.snoozed === 'false') q = q.where('snoozed_until', 'is', null);
  if (filters.needsReply === 'true') q = q.where(casesAwaitingReply);
  if (filters.needsReply === 'false') q = q.where(sql<boolean>`not (${casesAwaitingReply})`);
  if (filters.number) q = q.where('number', '=', filters.number);
  if (filters.since) q = q.where('created_at', '>=', filters.since);
  if (filters.until) q = q.where('created_at', '<', filters.until);
  const byNumber = /^#(\d+)$/.exec(filters.search?.trim() ?? '');
  if (byNumber) q = q.where('number', '=', Number(byNumber[1]));
  else if (filters.search?.trim()) q = q.where(caseSearch(ctx, actor.workspaceId, filters.search.trim()));
  return q;
}

/**
 * How many of the newest posts with the searched words a search looks at: a common word is in a
 * large share of a busy workspace's posts, and reading every one of them (to order the cases
 * they belong to) cost 130–190 ms a search at 1M posts; the newest 1,000 cost 13–21 ms.
 */
const POSTS_SEARCHED = 1000;

/**
 * A condition on `cases`: the subject holds `search` (case-insensitive), or the case's customer
 * does in their name, email, a handle or an address (`customerSearch`), or one of the case's
 * posts has every word of it (the posts' full-text index; of those, the newest POSTS_SEARCHED).
 * Deleted posts are not searched.
 */
function caseSearch(ctx: AppContext, workspaceId: string, search: string) {
  return (eb: ExpressionBuilder<DB, 'cases'>) =>
    eb.or([
      likeAny('cases', ['subject'], search.toLowerCase()),
      eb(
        'cases.customer_id',
        'in',
        eb
          .selectFrom('customers')
          .select('customers.id')
          .where('customers.workspace_id', '=', workspaceId)
          .where(customerSearch(ctx, workspaceId, search)),
      ),
      eb(
        'cases.id',
        'in',
        eb
          .selectFrom(
            eb
              .selectFrom('mentions')
              .select('mentions.case_id')
              .where('mentions.workspace_id', '=', workspaceId)
              .where('mentions.case_id', 'is not', null)
              .where('mentions.deleted_at', 'is', null)
              .where(ctx.dialect.fullTextMatch('mentions', 'text', search))
              .orderBy('mentions.id', 'desc')
              .limit(POSTS_SEARCHED)
              .as('matching'),
          )
          .select('matching.case_id'),
      ),
    ]);
}

/**
 * How many cases `filters` select, exactly as GET /cases lists them for `actor`, counting no
 * further than `cap`: `capped` says there are more. The count reads at most `cap + 1` matching
 * rows (a LIMIT inside the count), so it costs no more than reading that many cases of the list,
 * however large the workspace.
 */
export async function countCases(
  ctx: AppContext,
  actor: Actor,
  filters: CaseFilters,
  cap: number,
): Promise<{ count: number; capped: boolean }> {
  requirePermission(actor, 'inbox:read');
  const row = await ctx.db
    .selectFrom(
      matchingCases(ctx, actor, filters)
        .select('cases.id')
        .limit(cap + 1)
        .as('matching'),
    )
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  const n = Number(row?.n ?? 0);
  return { count: Math.min(n, cap), capped: n > cap };
}

/**
 * The workspace's cases, filtered and in the order `sort` names (newest first unless the filters
 * ask for cases due soon, which list most urgent first); cases merged away are left out.
 */
export async function listCases(
  ctx: AppContext,
  actor: Actor,
  filters: CaseFilters & PageQuery,
): Promise<Page<CaseCard>> {
  requirePermission(actor, 'inbox:read');
  const sort = filters.sort ?? (filters.dueWithinMinutes === undefined ? 'newest' : 'due');
  const want = filters.limit + 1;
  let rows: Listed[];
  if (sort === 'newest' || sort === 'oldest') rows = await byNumber(ctx, actor, filters, sort, want);
  else if (sort === 'priority') rows = await byPriority(ctx, actor, filters, want);
  else if (sort === 'waiting') rows = await waitingLongest(ctx, actor, filters, want);
  else {
    checkCaseFilters({ sort, dueWithinMinutes: filters.dueWithinMinutes });
    rows = await dueFirst(ctx, actor, filters);
  }
  const page = rows.slice(0, filters.limit).map((r) => r.row);
  const ids = page.map((r) => r.id);
  // The cards' parts are independent reads: on PostgreSQL they go out together.
  const customerIds = [...new Set(page.flatMap((r) => (r.customer_id ? [r.customer_id] : [])))];
  const [summaries, firstMessages, badges] = await Promise.all([
    customerSummaries(ctx, actor.workspaceId, customerIds, 'stats'),
    firstMessagesOf(ctx, actor.workspaceId, ids),
    segmentBadges(ctx, actor.workspaceId, customerIds),
  ]);
  const customers = new Map(summaries.map((c) => [c.id, c]));
  return toPage(
    rows,
    filters.limit,
    (r) => r.key,
    ({ row: r, clocks }) => ({
      ...toCaseView(ctx, r, slaViews(clocks)),
      customer: (r.customer_id && customers.get(r.customer_id)) || null,
      segments: (r.customer_id && badges.get(r.customer_id)) || [],
      firstMessage: firstMessages.get(r.id) ?? null,
    }),
  );
}

/** A listed case with its clocks and the key its page's cursor is made of. */
type Listed = { row: CaseRow; clocks: Clock[]; key: number | string | readonly (string | number)[] };
type Matching = ReturnType<typeof matchingCases>;

/**
 * One ordered, limited read of cases (`page`) with their SLA clocks, in one statement: the page
 * is a subquery and its clocks are left-joined to it, in the same order.
 */
async function withClocks(
  ctx: AppContext,
  page: Matching,
  order: readonly (readonly [string, 'asc' | 'desc'])[],
) {
  let q = ctx.db
    .selectFrom(page.selectAll().as('c'))
    .leftJoin('case_sla', 'case_sla.case_id', 'c.id')
    .selectAll('c')
    .select(clockColumns);
  for (const [column, direction] of order) q = q.orderBy(sql.ref(`c.${column}`), direction);
  return casesWithClocks(await q.execute());
}

/** Newest or oldest first by number (keyset): numbers are given in creation order, ids only to the millisecond. */
async function byNumber(
  ctx: AppContext,
  actor: Actor,
  filters: CaseFilters & PageQuery,
  sort: 'newest' | 'oldest',
  want: number,
): Promise<Listed[]> {
  const direction = sort === 'newest' ? 'desc' : 'asc';
  let q = matchingCases(ctx, actor, filters);
  if (filters.cursor !== undefined) {
    const after = Number(decodeCursor(filters.cursor));
    if (!Number.isInteger(after))
      throw new AppError('validation_failed', 'Invalid cursor', {
        fields: [{ path: 'cursor', message: 'not a cursor of this order' }],
      });
    q = q.where('number', sort === 'newest' ? '<' : '>', after);
  }
  const rows = await withClocks(ctx, q.orderBy('number', direction).limit(want), [['number', direction]]);
  return rows.map((r) => ({ ...r, key: Number(r.row.number) }));
}

const isPriorityKey = (k: unknown[]): k is [number, number] =>
  k.length === 2 &&
  Number.isInteger(k[0]) &&
  (k[0] as number) >= 0 &&
  (k[0] as number) < casePriorities.length &&
  Number.isInteger(k[1]);

/**
 * Urgent first, then high, normal, low; the oldest first within each, so a team answers in the
 * order people asked. One read per priority in the (workspace, priority, number) index's order,
 * until the page is full; the cursor is `[priority rank, number]`.
 */
async function byPriority(
  ctx: AppContext,
  actor: Actor,
  filters: CaseFilters & PageQuery,
  want: number,
): Promise<Listed[]> {
  const after = filters.cursor === undefined ? undefined : decodeKeyCursor(filters.cursor, isPriorityKey);
  const out: Listed[] = [];
  for (let rank = after?.[0] ?? 0; rank < casePriorities.length && out.length < want; rank++) {
    const priority = casePriorities[rank] as CaseRow['priority'];
    if (filters.priority !== undefined && filters.priority !== priority) continue;
    let q = matchingCases(ctx, actor, filters).where('priority', '=', priority);
    if (after !== undefined && rank === after[0]) q = q.where('number', '>', after[1]);
    const rows = await withClocks(ctx, q.orderBy('number', 'asc').limit(want - out.length), [
      ['number', 'asc'],
    ]);
    out.push(...rows.map((r) => ({ ...r, key: [rank, Number(r.row.number)] as const })));
  }
  return out;
}

type WaitingKey = ['w', string, number] | ['r', number];
const isWaitingKey = (k: unknown[]): k is WaitingKey =>
  (k.length === 3 && k[0] === 'w' && typeof k[1] === 'string' && Number.isInteger(k[2])) ||
  (k.length === 2 && k[0] === 'r' && Number.isInteger(k[1]));

/**
 * Waiting longest first: the cases awaiting a reply, by when the customer wrote (oldest first, then
 * number), walking `cases_waiting_idx`; once those run out, the rest, newest first. The cursor is
 * `['w', customer's post time, number]` in the first part and `['r', number]` in the second.
 */
async function waitingLongest(
  ctx: AppContext,
  actor: Actor,
  filters: CaseFilters & PageQuery,
  want: number,
): Promise<Listed[]> {
  const after = filters.cursor === undefined ? undefined : decodeKeyCursor(filters.cursor, isWaitingKey);
  const out: Listed[] = [];
  // A list filtered on needsReply has only one of the two parts: the other is not read.
  if ((after === undefined || after[0] === 'w') && filters.needsReply !== 'false') {
    let q = matchingCases(ctx, actor, filters).where(casesAwaitingReply);
    if (after !== undefined) {
      const [, at, number] = after;
      q = q.where((eb) =>
        eb.or([
          eb('last_customer_message_at', '>', at),
          eb.and([eb('last_customer_message_at', '=', at), eb('number', '>', number)]),
        ]),
      );
    }
    const rows = await withClocks(
      ctx,
      q.orderBy('last_customer_message_at', 'asc').orderBy('number', 'asc').limit(want),
      [
        ['last_customer_message_at', 'asc'],
        ['number', 'asc'],
      ],
    );
    out.push(
      ...rows.map((r) => ({
        ...r,
        key: ['w', String(r.row.last_customer_message_at), Number(r.row.number)] as const,
      })),
    );
  }
  if (out.length < want && filters.needsReply !== 'true') {
    let q = matchingCases(ctx, actor, filters).where(sql<boolean>`not (${casesAwaitingReply})`);
    if (after !== undefined && after[0] === 'r') q = q.where('number', '<', after[1]);
    const rows = await withClocks(ctx, q.orderBy('number', 'desc').limit(want - out.length), [
      ['number', 'desc'],
    ]);
    out.push(...rows.map((r) => ({ ...r, key: ['r', Number(r.row.number)] as const })));
  }
  return out;
}

/**
 * Cases with a clock due soon, most urgent first: by the earliest due time of their running SLA
 * clocks, then by number (keyset on both, the cursor `due|number`).
 */
async function dueFirst(ctx: AppContext, actor: Actor, filters: CaseFilters & PageQuery): Promise<Listed[]> {
  const due = sql<string>`(select min(s.due_at) from case_sla s where s.case_id = cases.id and s.status = 'running')`;
  let q = matchingCases(ctx, actor, filters).selectAll().select(due.as('due'));
  if (filters.cursor !== undefined) {
    const cursor = String(decodeCursor(filters.cursor));
    const cut = cursor.lastIndexOf('|');
    const [at, number] = [cursor.slice(0, cut), Number(cursor.slice(cut + 1))];
    if (cut < 0 || !Number.isInteger(number))
      throw new AppError('validation_failed', 'Bad cursor for a due-soon list', {
        fields: [{ path: 'cursor', message: 'not a cursor of this list' }],
      });
    q = q.where(sql<boolean>`(${due} > ${at} or (${due} = ${at} and ${sql.ref('number')} > ${number}))`);
  }
  const page = q
    .orderBy(due, 'asc')
    .orderBy('number', 'asc')
    .limit(filters.limit + 1);
  const rows = await ctx.db
    .selectFrom(page.as('c'))
    .leftJoin('case_sla', 'case_sla.case_id', 'c.id')
    .selectAll('c')
    .select(clockColumns)
    .orderBy('c.due', 'asc')
    .orderBy('c.number', 'asc')
    .execute();
  return casesWithClocks(rows).map(({ row: { due: at, ...row }, clocks }) => ({
    row,
    clocks,
    key: `${at}|${row.number}`,
  }));
}

/** The earliest stored post of each case, for the cards of the list. */
async function firstMessagesOf(
  ctx: AppContext,
  workspaceId: string,
  caseIds: string[],
): Promise<Map<string, CaseCard['firstMessage']>> {
  const out = new Map<string, CaseCard['firstMessage']>();
  if (caseIds.length === 0) return out;
  // The first post's id per case, read inside the same statement (one round trip per page).
  const rows = await ctx.db
    .selectFrom('mentions')
    .leftJoin('authors', 'authors.id', 'mentions.author_id')
    .select([
      'mentions.id',
      'mentions.case_id',
      'mentions.channel',
      'mentions.text',
      'mentions.sentiment',
      'mentions.intents',
      'mentions.urgency',
      'mentions.created_at',
      'authors.handle',
    ])
    .where('mentions.id', 'in', (eb) =>
      eb
        .selectFrom('mentions as f')
        .select((e) => e.fn.min('f.id').as('id'))
        .where('f.workspace_id', '=', workspaceId)
        .where('f.case_id', 'in', caseIds)
        .where('f.deleted_at', 'is', null)
        .groupBy('f.case_id'),
    )
    .execute();
  for (const m of rows)
    if (m.case_id)
      out.set(m.case_id, {
        mentionId: Number(m.id),
        channel: m.channel,
        text: m.text.slice(0, 280),
        authorHandle: m.handle,
        sentiment: m.sentiment,
        intents: m.intents ? m.intents.split(' ') : [],
        urgency: m.urgency === null ? null : Number(m.urgency),
        createdAt: m.created_at,
      });
  return out;
}

/** One case with its customer, conversations (each with its stored posts, oldest first) and follow state. */
export async function getCase(ctx: AppContext, actor: Actor, id: string): Promise<CaseDetail> {
  requirePermission(actor, 'inbox:read');
  const { row, clocks, following } = await caseWithClocks(ctx.db, actor.workspaceId, id, {
    followerId: actor.userId,
  });
  // Everything else depends only on the case: independent reads that go out together on PostgreSQL.
  const [conversations, messages, [customer], replies, notes, badges, otherCases] = await Promise.all([
    ctx.db
      .selectFrom('conversations')
      .selectAll()
      .where('workspace_id', '=', actor.workspaceId)
      .where('case_id', '=', id)
      .orderBy('created_at')
      .execute(),
    mentionsOfCase(ctx, actor.workspaceId, id, 1000),
    row.customer_id ? customerSummaries(ctx, actor.workspaceId, [row.customer_id]) : Promise.resolve([]),
    caseReplies(ctx, actor.workspaceId, id),
    caseNotes(ctx, actor.workspaceId, id),
    segmentBadges(ctx, actor.workspaceId, row.customer_id ? [row.customer_id] : []),
    row.customer_id ? caseHistoryOf(ctx, actor.workspaceId, row.customer_id, id) : Promise.resolve(null),
  ]);
  return {
    ...toCaseView(ctx, row, slaViews(clocks)),
    customer: customer ?? null,
    segments: (row.customer_id && badges.get(row.customer_id)) || [],
    conversations: conversations.map((c) => ({
      ...toConversationView(c),
      messages: messages.filter(
        (m) => m.channel === c.channel && (m.threadRoot ?? m.externalId) === c.thread_key,
      ),
    })),
    following,
    replies,
    notes,
    otherCases,
  };
}
