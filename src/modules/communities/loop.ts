import { z } from '@hono/zod-openapi';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import { sendEmail } from '../../connectors/email/smtp.ts';
import type { AppContext } from '../../context.ts';
import { settledIdHorizon } from '../../db/id-horizon.ts';
import type {
  CommunityIdeaLinksTable,
  CommunityIdeaStatusChangesTable,
  CommunityLoopDeliveriesTable,
  DB,
  IdeaLinkStatus,
  IdeaStatus,
  MemberNotificationReason,
} from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, can, requirePermission } from '../auth/roles.ts';
import { queueReply } from '../inbox/replies.ts';
import { threadRow } from './access.ts';
import { isMember, type MemberActor } from './actors.ts';
import { communityMailer, deliverDue, SkipDelivery, staleReason } from './outbox.ts';
import { pageQueryOf } from './post-pages.ts';

/**
 * Closing the loop on ideas (issue #7, item 8): ideas are linked to the mentions and cases that
 * asked for the same thing (suggested by text similarity, decided by an agent), and every status
 * change of an idea is told, once, to the people who voted, wrote, replied or were linked.
 */

type Db = Kysely<DB> | Transaction<DB>;
type LinkRow = Selectable<CommunityIdeaLinksTable>;
type ChangeRow = Selectable<CommunityIdeaStatusChangesTable>;
type DeliveryRow = Selectable<CommunityLoopDeliveriesTable>;

/**
 * The public address of a thread, or of one post in it (on the page that holds it), on the community site
 * mounted at `/community/<workspace slug>/…` (`/t/<threadId>` for a thread).
 */
export function communityThreadUrl(
  ctx: AppContext,
  workspaceSlug: string,
  threadId: string,
  postNumber?: number,
): string {
  const base = `${ctx.config.publicUrl}/community/${encodeURIComponent(workspaceSlug)}/t/${encodeURIComponent(threadId)}`;
  return postNumber === undefined || postNumber <= 1
    ? base
    : `${base}${pageQueryOf(postNumber)}#p${postNumber}`;
}

// ------------------------------------------------------------------ text similarity

const STOPWORDS = new Set(
  `a about above after again all also am an and any are as at be because been before being both but by
  can could did do does doing don down during each few for from further had has have having he her here
  hers him his how i if in into is it its itself just let me more most my no nor not now of off on once
  only or other our ours out over own please same she should so some such than that the their theirs them
  then there these they this those through to too under until up very was we were what when where which
  while who whom why will with would you your yours yes hi hello thanks thank really still get got like
  would make want need one two new use using way able anyone someone something thing things much many`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lower-case words without stop words, plural `s` folded so "themes" meets "theme". */
export function termsOf(text: string): string[] {
  const words =
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? [];
  return words
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w))
    .map((w) => (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

function frequencies(terms: string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

/**
 * Cosine similarity of two texts over term frequencies, with the shared terms that made it
 * (largest contribution first): the explanation an agent reads before confirming a link.
 */
export function textSimilarity(a: string, b: string): { score: number; sharedTerms: string[] } {
  const x = frequencies(termsOf(a));
  const y = frequencies(termsOf(b));
  let dot = 0;
  const shared: [string, number][] = [];
  for (const [t, n] of x) {
    const m = y.get(t);
    if (m !== undefined) {
      dot += n * m;
      shared.push([t, n * m]);
    }
  }
  const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, n) => s + n * n, 0));
  const denominator = norm(x) * norm(y);
  return {
    score: denominator === 0 ? 0 : dot / denominator,
    sharedTerms: shared.sort((p, q) => q[1] - p[1] || p[0].localeCompare(q[0])).map(([t]) => t),
  };
}

/** A suggestion needs this many shared terms and this similarity: one common word is not a request. */
const MIN_SHARED_TERMS = 2;
const MIN_SCORE = 0.2;
/** Terms of the idea searched in the mention index, and candidates kept per term. */
const SEARCH_TERMS = 8;
const PER_TERM = 100;
const MAX_SUGGESTIONS = 25;

// ------------------------------------------------------------------ links

export const ideaLinkStatuses = ['suggested', 'confirmed', 'rejected'] as const;

export const ideaLinkSchema = z
  .object({
    id: z.string(),
    threadId: z.string(),
    targetType: z.enum(['mention', 'case']),
    mentionId: z.number().int().nullable(),
    caseId: z.string().nullable(),
    status: z.enum(ideaLinkStatuses),
    score: z.number(),
    sharedTerms: z.array(z.string()),
    target: z.object({
      text: z.string(),
      channel: z.string().nullable(),
      customerId: z.string().nullable(),
      caseNumber: z.number().int().nullable(),
      url: z.string().nullable(),
    }),
    confirmedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('CommunityIdeaLink');
export type IdeaLinkView = z.infer<typeof ideaLinkSchema>;

export const ideaLinksSchema = z
  .object({
    threadId: z.string(),
    /** Distinct conversations (cases, or social threads without a case) of the confirmed links. */
    requestedIn: z.number().int(),
    items: z.array(ideaLinkSchema),
  })
  .openapi('CommunityIdeaLinks');
export type IdeaLinksView = z.infer<typeof ideaLinksSchema>;

export const ideaLinkInput = z
  .object({
    mentionId: z.number().int().positive().optional(),
    caseId: z.string().min(1).max(64).optional(),
  })
  .refine((v) => (v.mentionId === undefined) !== (v.caseId === undefined), 'name a mention or a case')
  .openapi('CommunityIdeaLinkInput');
export type IdeaLinkInput = z.infer<typeof ideaLinkInput>;

async function ideaRow(db: Db, workspaceId: string, threadId: string) {
  const thread = await threadRow(db, workspaceId, threadId);
  if (thread.kind !== 'idea' || thread.deleted_at !== null)
    throw new AppError('not_found', `No idea ${threadId}`);
  return thread;
}

/** The idea's text for matching: its title and opening post. */
async function ideaText(db: Db, workspaceId: string, threadId: string, title: string): Promise<string> {
  const first = await db
    .selectFrom('community_posts')
    .select('body_markdown')
    .where('workspace_id', '=', workspaceId)
    .where('thread_id', '=', threadId)
    .where('number', '=', 1)
    .executeTakeFirst();
  return `${title}\n${first?.body_markdown ?? ''}`;
}

/** Search terms: the idea's most frequent terms, longer first on ties (more distinctive). */
function searchTerms(text: string): string[] {
  return [...frequencies(termsOf(text))]
    .sort((a, b) => b[1] - a[1] || b[0].length - a[0].length || a[0].localeCompare(b[0]))
    .slice(0, SEARCH_TERMS)
    .map(([t]) => t);
}

type Candidate = { key: string; mentionId: number | null; caseId: string | null; text: string };

/** Mentions and cases sharing at least two of the idea's terms, found through the full-text index. */
async function candidatesFor(ctx: AppContext, workspaceId: string, terms: string[]): Promise<Candidate[]> {
  const hits = new Map<number, number>();
  for (const term of terms) {
    const rows = await ctx.db
      .selectFrom('mentions')
      .innerJoin(ctx.dialect.fullTextScores('mentions', 'text', term).as('fts'), 'fts.id', 'mentions.id')
      .select('mentions.id')
      .where('mentions.workspace_id', '=', workspaceId)
      .where('mentions.deleted_at', 'is', null)
      .orderBy('fts.score', 'desc')
      .limit(PER_TERM)
      .execute();
    for (const r of rows) hits.set(Number(r.id), (hits.get(Number(r.id)) ?? 0) + 1);
  }
  const mentionIds = [...hits].filter(([, n]) => n >= MIN_SHARED_TERMS).map(([id]) => id);
  // Cases by subject too: a case opened by an agent may have no post.
  const caseRows = await ctx.db
    .selectFrom('cases')
    .select(['id', 'subject'])
    .where('workspace_id', '=', workspaceId)
    .where('merged_into', 'is', null)
    .where((eb) =>
      eb.or(
        terms
          .slice(0, 3)
          .map((t) => eb(sql<string>`lower(subject)`, 'like', `%${t.replace(/[\\%_]/g, '')}%`)),
      ),
    )
    .limit(200)
    .execute();
  const mentions =
    mentionIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('mentions')
          .select(['id', 'text', 'case_id'])
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', mentionIds)
          .execute();
  const caseTexts = new Map<string, string[]>();
  for (const c of caseRows) caseTexts.set(c.id, [c.subject]);
  const out: Candidate[] = [];
  for (const m of mentions) {
    if (m.case_id === null) {
      out.push({ key: `mention:${m.id}`, mentionId: Number(m.id), caseId: null, text: m.text });
      continue;
    }
    const texts = caseTexts.get(m.case_id) ?? [];
    texts.push(m.text);
    caseTexts.set(m.case_id, texts);
  }
  // A case found only through a post needs its subject too.
  const missing = [...caseTexts].filter(([id]) => !caseRows.some((c) => c.id === id)).map(([id]) => id);
  if (missing.length > 0)
    for (const c of await ctx.db
      .selectFrom('cases')
      .select(['id', 'subject', 'merged_into'])
      .where('workspace_id', '=', workspaceId)
      .where('id', 'in', missing)
      .execute()) {
      if (c.merged_into !== null) caseTexts.delete(c.id);
      else caseTexts.get(c.id)?.unshift(c.subject);
    }
  for (const [id, texts] of caseTexts)
    out.push({ key: `case:${id}`, mentionId: null, caseId: id, text: texts.join('\n') });
  return out;
}

/**
 * Finds mentions and cases that ask for what the idea describes and records them as suggested
 * links (staff who read the inbox). Pairs an agent already decided keep their decision.
 */
export async function suggestIdeaLinks(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
): Promise<IdeaLinksView> {
  requirePermission(actor, 'inbox:read');
  const idea = await ideaRow(ctx.db, actor.workspaceId, threadId);
  const text = await ideaText(ctx.db, actor.workspaceId, idea.id, idea.title);
  const candidates = await candidatesFor(ctx, actor.workspaceId, searchTerms(text));
  const scored = candidates
    .map((c) => ({ c, ...textSimilarity(text, c.text) }))
    .filter((s) => s.sharedTerms.length >= MIN_SHARED_TERMS && s.score >= MIN_SCORE)
    .sort((a, b) => b.score - a.score)
    .slice(0, MAX_SUGGESTIONS);
  const now = ctx.now().toISOString();
  for (const s of scored) {
    const evidence = ctx.dialect.toJson({ sharedTerms: s.sharedTerms.slice(0, 12) });
    await ctx.db
      .insertInto('community_idea_links')
      .values({
        id: newId(ctx.now()),
        workspace_id: actor.workspaceId,
        thread_id: idea.id,
        target_type: s.c.caseId ? 'case' : 'mention',
        target_key: s.c.key,
        mention_id: s.c.mentionId,
        case_id: s.c.caseId,
        status: 'suggested',
        score: s.score,
        evidence,
        confirmed_by: null,
        decided_at: null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .columns(['thread_id', 'target_key'])
          .doUpdateSet({ score: s.score, evidence, updated_at: now })
          .where('community_idea_links.status', '=', 'suggested'),
      )
      .execute();
  }
  return listIdeaLinks(ctx, actor, threadId);
}

async function linkViews(ctx: AppContext, workspaceId: string, rows: LinkRow[]): Promise<IdeaLinkView[]> {
  const mentionIds = rows.flatMap((r) => (r.mention_id === null ? [] : [Number(r.mention_id)]));
  const caseIds = rows.flatMap((r) => (r.case_id === null ? [] : [r.case_id]));
  const mentions = new Map(
    (mentionIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('mentions')
          .leftJoin('identities', (j) =>
            j
              .onRef('identities.author_id', '=', 'mentions.author_id')
              .onRef('identities.workspace_id', '=', 'mentions.workspace_id'),
          )
          .select([
            'mentions.id',
            'mentions.text',
            'mentions.channel',
            'mentions.url',
            'identities.customer_id',
          ])
          .where('mentions.workspace_id', '=', workspaceId)
          .where('mentions.id', 'in', mentionIds)
          .execute()
    ).map((m) => [Number(m.id), m]),
  );
  const cases = new Map(
    (caseIds.length === 0
      ? []
      : await ctx.db
          .selectFrom('cases')
          .select(['id', 'number', 'subject', 'channel', 'customer_id'])
          .where('workspace_id', '=', workspaceId)
          .where('id', 'in', caseIds)
          .execute()
    ).map((c) => [c.id, c]),
  );
  return rows.map((r) => {
    const m = r.mention_id === null ? undefined : mentions.get(Number(r.mention_id));
    const c = r.case_id === null ? undefined : cases.get(r.case_id);
    return {
      id: r.id,
      threadId: r.thread_id,
      targetType: r.target_type,
      mentionId: r.mention_id === null ? null : Number(r.mention_id),
      caseId: r.case_id,
      status: r.status,
      score: Math.round(Number(r.score) * 1000) / 1000,
      sharedTerms: ctx.dialect.parseJson<{ sharedTerms: string[] }>(r.evidence).sharedTerms ?? [],
      target: {
        text: (m?.text ?? c?.subject ?? '').slice(0, 500),
        channel: m?.channel ?? c?.channel ?? null,
        customerId: m?.customer_id ?? c?.customer_id ?? null,
        caseNumber: c ? Number(c.number) : null,
        url: m?.url ?? null,
      },
      confirmedBy: r.confirmed_by,
      decidedAt: r.decided_at,
      createdAt: r.created_at,
    };
  });
}

/** An idea's links, best first, with its "requested in N conversations" count. */
export async function listIdeaLinks(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
  status?: IdeaLinkStatus,
): Promise<IdeaLinksView> {
  requirePermission(actor, 'inbox:read');
  const idea = await ideaRow(ctx.db, actor.workspaceId, threadId);
  let q = ctx.db
    .selectFrom('community_idea_links')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('thread_id', '=', idea.id);
  if (status) q = q.where('status', '=', status);
  const rows = await q.orderBy('score', 'desc').orderBy('id').limit(200).execute();
  const counts = await requestedInCounts(ctx, actor.workspaceId, [idea.id]);
  return {
    threadId: idea.id,
    requestedIn: counts.get(idea.id) ?? 0,
    items: await linkViews(ctx, actor.workspaceId, rows),
  };
}

/** Confirms or rejects a suggested link (agents: `inbox:work`); deciding again changes the decision. */
export async function decideIdeaLink(
  ctx: AppContext,
  actor: Actor,
  linkId: string,
  decision: 'confirmed' | 'rejected',
): Promise<IdeaLinkView> {
  requirePermission(actor, 'inbox:work');
  const row = await ctx.db
    .selectFrom('community_idea_links')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', linkId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No idea link ${linkId}`);
  const now = ctx.now().toISOString();
  const updated = { ...row, status: decision, confirmed_by: actor.userId, decided_at: now, updated_at: now };
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('community_idea_links')
      .set({ status: decision, confirmed_by: actor.userId, decided_at: now, updated_at: now })
      .where('id', '=', linkId)
      .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: `community.idea_link_${decision}`,
      targetType: 'community_thread',
      targetId: row.thread_id,
      details: { linkId, target: row.target_key },
    });
  });
  const [view] = await linkViews(ctx, actor.workspaceId, [updated]);
  if (!view) throw new AppError('not_found', `No idea link ${linkId}`);
  return view;
}

/** Links a mention or case an agent found themselves, confirmed at once. */
export async function linkIdea(
  ctx: AppContext,
  actor: Actor,
  threadId: string,
  input: IdeaLinkInput,
): Promise<IdeaLinkView> {
  requirePermission(actor, 'inbox:work');
  const parsed = ideaLinkInput.parse(input);
  const idea = await ideaRow(ctx.db, actor.workspaceId, threadId);
  const text = await ideaText(ctx.db, actor.workspaceId, idea.id, idea.title);
  let targetText: string;
  let caseId: string | undefined;
  if (parsed.mentionId !== undefined) {
    const m = await ctx.db
      .selectFrom('mentions')
      .select(['text'])
      .where('workspace_id', '=', actor.workspaceId)
      .where('id', '=', parsed.mentionId)
      .executeTakeFirst();
    if (!m) throw new AppError('not_found', `No mention ${parsed.mentionId}`);
    targetText = m.text;
  } else {
    // Agents know a case by its number (#20, as the inbox shows it); ids (26 characters) still work.
    const named = (parsed.caseId ?? '').trim();
    const number = /^#?\d{1,9}$/.test(named) ? Number(named.replace('#', '')) : undefined;
    const c = await ctx.db
      .selectFrom('cases')
      .select(['id', 'subject'])
      .where('workspace_id', '=', actor.workspaceId)
      .where((eb) => (number === undefined ? eb('id', '=', named) : eb('number', '=', number)))
      .executeTakeFirst();
    if (!c) throw new AppError('not_found', number === undefined ? `No case ${named}` : `No case #${number}`);
    targetText = c.subject;
    caseId = c.id;
  }
  const similarity = textSimilarity(text, targetText);
  const key = parsed.mentionId !== undefined ? `mention:${parsed.mentionId}` : `case:${caseId}`;
  const now = ctx.now().toISOString();
  await ctx.db
    .insertInto('community_idea_links')
    .values({
      id: newId(ctx.now()),
      workspace_id: actor.workspaceId,
      thread_id: idea.id,
      target_type: parsed.mentionId !== undefined ? 'mention' : 'case',
      target_key: key,
      mention_id: parsed.mentionId ?? null,
      case_id: caseId ?? null,
      status: 'confirmed',
      score: similarity.score,
      evidence: ctx.dialect.toJson({ sharedTerms: similarity.sharedTerms.slice(0, 12) }),
      confirmed_by: actor.userId,
      decided_at: now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc
        .columns(['thread_id', 'target_key'])
        .doUpdateSet({ status: 'confirmed', confirmed_by: actor.userId, decided_at: now, updated_at: now }),
    )
    .execute();
  const row = await ctx.db
    .selectFrom('community_idea_links')
    .selectAll()
    .where('thread_id', '=', idea.id)
    .where('target_key', '=', key)
    .executeTakeFirstOrThrow();
  const [view] = await linkViews(ctx, actor.workspaceId, [row]);
  if (!view) throw new AppError('not_found', 'The link vanished');
  return view;
}

/**
 * "Requested in N conversations" for each idea: its confirmed links counted by conversation: a
 * case once however many of its posts are linked; a post without a case by its social thread.
 * Any caller (staff API, public site) may show it: it reveals a count, never who asked.
 */
export async function requestedInCounts(
  ctx: AppContext,
  workspaceId: string,
  threadIds: string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>(threadIds.map((id) => [id, 0]));
  if (threadIds.length === 0) return out;
  const rows = await ctx.db
    .selectFrom('community_idea_links as l')
    .leftJoin('mentions as m', 'm.id', 'l.mention_id')
    .leftJoin('cases as c', 'c.id', 'l.case_id')
    .select([
      'l.thread_id',
      'l.case_id',
      'c.merged_into',
      'm.case_id as mention_case_id',
      'm.channel',
      'm.thread_root',
      'm.external_id',
    ])
    .where('l.workspace_id', '=', workspaceId)
    .where('l.thread_id', 'in', threadIds)
    .where('l.status', '=', 'confirmed')
    .execute();
  const keys = new Map<string, Set<string>>();
  for (const r of rows) {
    const key =
      r.case_id !== null
        ? `case:${r.merged_into ?? r.case_id}`
        : r.mention_case_id !== null
          ? `case:${r.mention_case_id}`
          : `thread:${r.channel}:${r.thread_root ?? r.external_id}`;
    const set = keys.get(r.thread_id) ?? new Set<string>();
    set.add(key);
    keys.set(r.thread_id, set);
  }
  for (const [id, set] of keys) out.set(id, set.size);
  return out;
}

export const requestedInSchema = z
  .array(z.object({ threadId: z.string(), requestedIn: z.number().int() }))
  .openapi('CommunityRequestedIn');

/**
 * "Requested in N conversations" for the ideas among `threadIds` that the public can see (the
 * public site and the member app show it on idea lists); other ids are left out.
 */
export async function publicRequestedIn(
  ctx: AppContext,
  workspaceId: string,
  threadIds: string[],
): Promise<z.infer<typeof requestedInSchema>> {
  if (threadIds.length === 0) return [];
  const visible = await ctx.db
    .selectFrom('community_threads as t')
    .innerJoin('community_spaces as s', 's.id', 't.space_id')
    .select('t.id')
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', 'in', threadIds)
    .where('t.kind', '=', 'idea')
    .where('t.deleted_at', 'is', null)
    .where('t.hidden_at', 'is', null)
    .where('s.closed_at', 'is', null)
    .execute();
  const ids = visible.map((r) => r.id);
  const counts = await requestedInCounts(ctx, workspaceId, ids);
  return threadIds
    .filter((id) => counts.has(id))
    .map((id) => ({ threadId: id, requestedIn: counts.get(id) ?? 0 }));
}

// ------------------------------------------------------------------ status-change fan-out

const CURSOR = 'idea_status_changes';
const FANOUT_BATCH = 100;

export const statusLabels: Record<IdeaStatus, string> = {
  open: 'open',
  under_review: 'under review',
  planned: 'planned',
  in_progress: 'in progress',
  done: 'done',
  declined: 'declined',
  duplicate: 'merged into another idea',
};

type Reason = 'voted' | 'author' | 'replied' | 'linked';

/** How far the fan-out may read: on PostgreSQL a gap in ids may be a change still committing. */
async function horizonAfter(ctx: AppContext, trx: Transaction<DB>, after: number): Promise<number> {
  const rows = await trx
    .selectFrom('community_idea_status_changes')
    .select(['id', 'created_at'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(FANOUT_BATCH)
    .execute();
  return settledIdHorizon(ctx, rows, after);
}

/** The members to tell about a change of this idea, with why. */
async function memberRecipients(trx: Db, change: ChangeRow): Promise<Map<string, Set<Reason>>> {
  const who = new Map<string, Set<Reason>>();
  const add = (id: string | null, reason: Reason) => {
    if (id === null) return;
    const set = who.get(id) ?? new Set<Reason>();
    set.add(reason);
    who.set(id, set);
  };
  const thread = await trx
    .selectFrom('community_threads')
    .select('author_member_id')
    .where('id', '=', change.thread_id)
    .executeTakeFirst();
  add(thread?.author_member_id ?? null, 'author');
  for (const v of await trx
    .selectFrom('community_idea_votes')
    .select('member_id')
    .where('thread_id', '=', change.thread_id)
    .execute())
    add(v.member_id, 'voted');
  for (const p of await trx
    .selectFrom('community_posts')
    .select('author_member_id')
    .distinct()
    .where('thread_id', '=', change.thread_id)
    .where('number', '>', 1)
    .where('deleted_at', 'is', null)
    .where('author_member_id', 'is not', null)
    .execute())
    add(p.author_member_id, 'replied');
  // Customers of confirmed links who are members of the community.
  const customers = await linkedCustomerIds(trx, change);
  if (customers.length > 0)
    for (const m of await trx
      .selectFrom('community_members')
      .select('id')
      .where('workspace_id', '=', change.workspace_id)
      .where('customer_id', 'in', customers)
      .execute())
      add(m.id, 'linked');
  return who;
}

async function confirmedLinks(trx: Db, change: ChangeRow) {
  return trx
    .selectFrom('community_idea_links as l')
    .leftJoin('mentions as m', 'm.id', 'l.mention_id')
    .leftJoin('identities as i', (j) =>
      j.onRef('i.author_id', '=', 'm.author_id').onRef('i.workspace_id', '=', 'm.workspace_id'),
    )
    .leftJoin('cases as c', 'c.id', 'l.case_id')
    .select([
      'l.case_id',
      'm.case_id as mention_case_id',
      'i.customer_id as mention_customer',
      'c.customer_id',
    ])
    .where('l.workspace_id', '=', change.workspace_id)
    .where('l.thread_id', '=', change.thread_id)
    .where('l.status', '=', 'confirmed')
    .execute();
}

async function linkedCustomerIds(trx: Db, change: ChangeRow): Promise<string[]> {
  const ids = new Set<string>();
  for (const l of await confirmedLinks(trx, change)) {
    if (l.customer_id) ids.add(l.customer_id);
    if (l.mention_customer) ids.add(l.mention_customer);
  }
  return [...ids];
}

/** The open cases of confirmed links, a merged case replaced by the one it joined. */
async function linkedCases(trx: Db, change: ChangeRow): Promise<string[]> {
  const ids = new Set<string>();
  for (const l of await confirmedLinks(trx, change)) {
    const id = l.case_id ?? l.mention_case_id;
    if (id) ids.add(id);
  }
  if (ids.size === 0) return [];
  const rows = await trx
    .selectFrom('cases')
    .select(['id', 'merged_into'])
    .where('workspace_id', '=', change.workspace_id)
    .where('id', 'in', [...ids])
    .execute();
  return [...new Set(rows.map((r) => r.merged_into ?? r.id))].sort();
}

function truncate(text: string, max: number): string {
  return [...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`;
}

/**
 * Tells each new idea status change to everyone concerned, exactly once: voters, the author,
 * members who replied and linked customers who are members get an in-app notification and, with
 * a verified email, an email; each open case linked to the idea gets a reply in its customer's
 * channel. Everything is written in the transaction that moves the durable cursor (locked, so
 * concurrent passes wait and then find nothing), and the unique keys make a repeat a no-op.
 * Returns how many changes were told.
 */
export async function notifyIdeaStatusChanges(ctx: AppContext): Promise<number> {
  let told = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const cursor = await ctx.dialect
        .lockForUpdate(trx.selectFrom('community_loop_cursors').selectAll().where('name', '=', CURSOR))
        .executeTakeFirst();
      const after = Number(cursor?.last_id ?? 0);
      if (!cursor)
        await trx
          .insertInto('community_loop_cursors')
          .values({ name: CURSOR, last_id: 0, updated_at: ctx.now().toISOString() })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      const horizon = await horizonAfter(ctx, trx, after);
      if (horizon <= after) return 0;
      const changes = await trx
        .selectFrom('community_idea_status_changes')
        .selectAll()
        .where('id', '>', after)
        .where('id', '<=', horizon)
        .orderBy('id')
        .execute();
      for (const change of changes) await fanOut(ctx, trx, change);
      await trx
        .updateTable('community_loop_cursors')
        .set({ last_id: horizon, updated_at: ctx.now().toISOString() })
        .where('name', '=', CURSOR)
        .execute();
      return changes.length;
    });
    told += n;
    if (n < FANOUT_BATCH) return told;
  }
}

async function fanOut(ctx: AppContext, trx: Transaction<DB>, change: ChangeRow): Promise<void> {
  const thread = await trx
    .selectFrom('community_threads')
    .innerJoin('workspaces', 'workspaces.id', 'community_threads.workspace_id')
    .select(['community_threads.title', 'workspaces.slug', 'workspaces.name'])
    .where('community_threads.id', '=', change.thread_id)
    .executeTakeFirst();
  if (!thread) return;
  const url = communityThreadUrl(ctx, thread.slug, change.thread_id);
  const label = statusLabels[change.to_status];
  const title = `“${truncate(thread.title, 120)}” is now ${label}`;
  const note = change.note.trim();
  const changeId = Number(change.id);
  const now = ctx.now().toISOString();
  const members = await memberRecipients(trx, change);
  const memberIds = [...members.keys()];
  const rows =
    memberIds.length === 0
      ? []
      : await trx
          .selectFrom('community_members')
          .select(['id', 'email', 'email_verified_at', 'display_name'])
          .where('workspace_id', '=', change.workspace_id)
          .where('id', 'in', memberIds)
          .execute();
  for (const m of rows) {
    const reasons = [...(members.get(m.id) ?? [])].sort();
    await trx
      .insertInto('community_member_notifications')
      .values({
        workspace_id: change.workspace_id,
        member_id: m.id,
        change_id: changeId,
        thread_id: change.thread_id,
        kind: 'idea_status',
        title,
        body: note,
        url,
        reasons: ctx.dialect.toJson(reasons),
        created_at: now,
        read_at: null,
      })
      .onConflict((oc) => oc.columns(['change_id', 'member_id']).doNothing())
      .execute();
    if (m.email && m.email_verified_at)
      await insertDelivery(ctx, trx, change, {
        kind: 'email',
        target_key: m.id,
        member_id: m.id,
        case_id: null,
        recipient: m.email,
        subject: `${title} (${thread.name} community)`,
        body: [
          `Hello ${m.display_name},`,
          '',
          `The idea “${thread.title}” is now ${label}.`,
          ...(note ? ['', note] : []),
          '',
          url,
          '',
          `You are told because you ${reasons.map((r) => reasonText[r]).join(', ')}.`,
          '',
        ].join('\n'),
      });
  }
  for (const caseId of await linkedCases(trx, change))
    await insertDelivery(ctx, trx, change, {
      kind: 'case_reply',
      target_key: caseId,
      member_id: null,
      case_id: caseId,
      recipient: null,
      subject: title,
      body: `Update on what you asked for: “${truncate(thread.title, 100)}” is now ${label}. ${url}`,
    });
}

const reasonText: Record<Reason, string> = {
  voted: 'voted for it',
  author: 'suggested it',
  replied: 'replied to it',
  linked: 'asked for it',
};

async function insertDelivery(
  ctx: AppContext,
  trx: Transaction<DB>,
  change: ChangeRow,
  d: Pick<DeliveryRow, 'kind' | 'target_key' | 'member_id' | 'case_id' | 'recipient' | 'subject' | 'body'>,
): Promise<void> {
  const now = ctx.now().toISOString();
  // A change told long after it happened (the demo's seeded history) is in the app, not in mail.
  const stale = staleReason(change.created_at, ctx.now(), 'the status change');
  await trx
    .insertInto('community_loop_deliveries')
    .values({
      id: newId(ctx.now()),
      workspace_id: change.workspace_id,
      change_id: Number(change.id),
      ...d,
      status: stale ? 'skipped' : 'queued',
      attempts: 0,
      next_attempt_at: stale ? null : now,
      last_error: stale,
      external_id: null,
      created_at: now,
      sent_at: null,
    })
    .onConflict((oc) => oc.columns(['change_id', 'kind', 'target_key']).doNothing())
    .execute();
}

/**
 * Who queues the reply on a case: the staff user who changed the status when they may work
 * cases, else the case's assignee; a reply is always authored by a person of the workspace.
 */
async function replyAuthor(ctx: AppContext, d: DeliveryRow): Promise<Actor | null> {
  const change = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select('changed_by_user_id')
    .where('id', '=', Number(d.change_id))
    .executeTakeFirst();
  const c = await ctx.db
    .selectFrom('cases')
    .select('assignee_user_id')
    .where('id', '=', d.case_id ?? '')
    .executeTakeFirst();
  for (const userId of [change?.changed_by_user_id ?? null, c?.assignee_user_id ?? null]) {
    if (userId === null) continue;
    const user = await ctx.db
      .selectFrom('users')
      .select(['id', 'role', 'status'])
      .where('workspace_id', '=', d.workspace_id)
      .where('id', '=', userId)
      .executeTakeFirst();
    if (user?.status === 'active' && can(user, 'inbox:work'))
      return { userId: user.id, workspaceId: d.workspace_id, role: user.role, via: 'token' };
  }
  return null;
}

/**
 * Why a queued delivery is no longer worth sending: its change was followed by another status of
 * the idea (told in its own right), or it is too old. Null when it is still news.
 */
async function outdated(ctx: AppContext, d: DeliveryRow): Promise<string | null> {
  const change = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select(['thread_id', 'created_at'])
    .where('id', '=', Number(d.change_id))
    .executeTakeFirst();
  if (!change) return 'The status change is gone';
  const latest = await ctx.db
    .selectFrom('community_idea_status_changes')
    .select('to_status')
    .where('thread_id', '=', change.thread_id)
    .where('id', '>', Number(d.change_id))
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (latest) return `Superseded: the idea is now ${statusLabels[latest.to_status]}`;
  return staleReason(change.created_at, ctx.now(), 'the status change');
}

async function deliverOne(ctx: AppContext, d: DeliveryRow): Promise<string> {
  if (d.kind === 'email') {
    const why = await outdated(ctx, d);
    if (why) throw new SkipDelivery(why);
    const mailer = await communityMailer(ctx, d.workspace_id);
    if (!mailer) throw new SkipDelivery('No email connector (SMTP) to send community mail');
    if (!d.recipient) throw new SkipDelivery('No address');
    const domain = mailer.config.fromAddress.split('@')[1] ?? 'rapport.local';
    // A fixed Message-ID: a retry after a crash is the same message to the reader's mail client.
    const sent = await sendEmail(mailer.config, mailer.secret, {
      messageId: `<loop-${d.id}@${domain}>`,
      to: d.recipient,
      subject: d.subject,
      text: d.body,
    });
    return sent.messageId;
  }
  // A reply queued by an earlier attempt that died before recording it: that reply is this one.
  const earlier = await ctx.db
    .selectFrom('outbox_replies')
    .select(['id', 'body'])
    .where('workspace_id', '=', d.workspace_id)
    .where('case_id', '=', d.case_id ?? '')
    .where('created_at', '>=', d.created_at)
    .execute();
  for (const r of earlier.filter((r) => r.body.endsWith(d.body))) {
    const taken = await ctx.db
      .selectFrom('community_loop_deliveries')
      .select('id')
      .where('external_id', '=', r.id)
      .executeTakeFirst();
    if (!taken) return r.id;
  }
  const why = await outdated(ctx, d);
  if (why) throw new SkipDelivery(why);
  const author = await replyAuthor(ctx, d);
  if (!author) throw new SkipDelivery('Nobody who may work cases changed the status or owns the case');
  const c = await ctx.db
    .selectFrom('cases')
    .select('channel')
    .where('id', '=', d.case_id ?? '')
    .executeTakeFirst();
  // Social posts are answered in their thread; other channels privately (the customer's email).
  const visibility = c?.channel === 'bluesky' || c?.channel === 'mastodon' ? 'public' : 'private';
  try {
    const [reply] = await queueReply(ctx, author, d.case_id ?? '', { body: d.body, visibility });
    if (!reply) throw new SkipDelivery('No reply was queued');
    return reply.id;
  } catch (err) {
    // The inbox refused (closed case, no account to send from): retrying will not change that.
    if (err instanceof AppError) throw new SkipDelivery(err.message);
    throw err;
  }
}

/**
 * The worker's pass over the loop's emails and case replies: claims due ones (and ones left
 * "sending" by a process that died), sends each, and records sent, a retry with backoff, failed
 * or skipped (with why). Returns how many were attempted.
 */
export async function deliverLoopDeliveries(ctx: AppContext, limit = 20): Promise<number> {
  return deliverDue(ctx, 'community_loop_deliveries', limit, async (d) => ({
    external_id: await deliverOne(ctx, d),
  }));
}

// ------------------------------------------------------------------ member notifications

export const memberNotificationKinds = ['idea_status', 'post', 'answer_accepted'] as const;
export const memberNotificationReasons = [
  'voted',
  'author',
  'replied',
  'linked',
  'started',
  'asked',
  'mentioned',
  'answered',
] as const;

export const memberNotificationSchema = z
  .object({
    id: z.number().int(),
    kind: z.enum(memberNotificationKinds).openapi({
      description:
        'idea_status: an idea you follow changed status; post: a reply in your thread, an answer to your question or an @mention of you; answer_accepted: an answer in your question, or your answer, was accepted',
    }),
    threadId: z.string(),
    postId: z.number().int().nullable(),
    title: z.string(),
    body: z.string(),
    url: z.string(),
    reasons: z.array(z.enum(memberNotificationReasons)),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('CommunityMemberNotification');
export type MemberNotificationView = z.infer<typeof memberNotificationSchema>;

export const markReadInput = z
  .object({ ids: z.array(z.number().int().positive()).max(500).optional() })
  .openapi('CommunityNotificationsRead');

function requireMember(member: MemberActor): void {
  if (!isMember(member)) throw new AppError('forbidden', 'Only community members have these notifications');
}

/**
 * The member's notifications that still show: a post's notification goes while its post or
 * thread is hidden or deleted, or its space closed (members cannot read closed spaces), and comes
 * back if a moderator restores it. Idea status notifications always show.
 */
function visibleNotifications(db: Db, member: MemberActor) {
  return db
    .selectFrom('community_member_notifications as n')
    .leftJoin('community_posts as p', 'p.id', 'n.post_id')
    .leftJoin('community_threads as t', 't.id', 'n.thread_id')
    .leftJoin('community_spaces as s', 's.id', 't.space_id')
    .where('n.workspace_id', '=', member.workspaceId)
    .where('n.member_id', '=', member.memberId)
    .where((eb) =>
      eb.or([
        eb('n.post_id', 'is', null),
        eb.and([
          eb('p.hidden_at', 'is', null),
          eb('p.deleted_at', 'is', null),
          eb('t.hidden_at', 'is', null),
          eb('t.deleted_at', 'is', null),
          eb('s.closed_at', 'is', null),
        ]),
      ]),
    );
}

/** The member's notifications, newest first, with how many are unread. */
export async function listMemberNotifications(
  ctx: AppContext,
  member: MemberActor,
  page: PageQuery & { unread?: boolean },
): Promise<Page<MemberNotificationView> & { unread: number }> {
  requireMember(member);
  let q = visibleNotifications(ctx.db, member).selectAll('n');
  if (page.unread) q = q.where('n.read_at', 'is', null);
  if (page.cursor) q = q.where('n.id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('n.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const unread = await visibleNotifications(ctx.db, member)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('n.read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return {
    ...toPage(
      rows,
      page.limit,
      (r) => Number(r.id),
      (r) => ({
        id: Number(r.id),
        kind: r.kind,
        threadId: r.thread_id,
        postId: r.post_id === null ? null : Number(r.post_id),
        title: r.title,
        body: r.body,
        url: r.url,
        reasons: ctx.dialect.parseJson<MemberNotificationReason[]>(r.reasons),
        createdAt: r.created_at,
        readAt: r.read_at,
      }),
    ),
    unread: Number(unread.n),
  };
}

/** Marks the named notifications (or all) read; returns how many changed. */
export async function markMemberNotificationsRead(
  ctx: AppContext,
  member: MemberActor,
  ids?: number[],
): Promise<{ marked: number }> {
  requireMember(member);
  let q = ctx.db
    .updateTable('community_member_notifications')
    .set({ read_at: ctx.now().toISOString() })
    .where('workspace_id', '=', member.workspaceId)
    .where('member_id', '=', member.memberId)
    .where('read_at', 'is', null);
  if (ids !== undefined) {
    if (ids.length === 0) return { marked: 0 };
    q = q.where('id', 'in', ids);
  }
  const result = await q.executeTakeFirst();
  return { marked: Number(result.numUpdatedRows) };
}
