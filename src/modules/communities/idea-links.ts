/** Ideas linked to the mentions and cases that asked for the same thing: suggested by text similarity, decided by an agent. */
import { z } from '@hono/zod-openapi';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunityIdeaLinksTable, DB, IdeaLinkStatus } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import { threadRow } from './access.ts';

type Db = Kysely<DB> | Transaction<DB>;
type LinkRow = Selectable<CommunityIdeaLinksTable>;

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
