import { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { CommunityChallengesTable } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { newId } from '../../ids.ts';
import { decodeCursor, type Page, type PageQuery, toPage } from '../../pagination.ts';
import { recordAudit } from '../audit/service.ts';
import { type Actor, requirePermission } from '../auth/roles.ts';
import {
  assertWritable,
  authorsOf,
  checkViewer,
  seesEverything,
  spaceRow,
  threadRow,
  type Viewer,
  visibleSpace,
} from './access.ts';
import { isMember, type MemberActor } from './actors.ts';
import { communityThreadUrl } from './loop.ts';
import { authorSchema } from './schema.ts';
import { createThread } from './threads.ts';

/**
 * Idea challenges (issue #7, item 9): a time-boxed question in an ideas space with a reward.
 * Members enter ideas (idea threads tagged to the challenge) and vote on entries while it is open;
 * after it closes staff choose a winner, who is notified. The state comes from the clock
 * (`ctx.now()`), never from a job: upcoming → open → closed → decided.
 */

type ChallengeRow = Selectable<CommunityChallengesTable>;
export const challengeStates = ['upcoming', 'open', 'closed', 'decided'] as const;
export type ChallengeState = (typeof challengeStates)[number];

export const challengeInput = z
  .object({
    spaceId: z.string().min(1).max(64),
    question: z.string().trim().min(3).max(300),
    description: z.string().trim().max(10_000).default(''),
    reward: z.string().trim().max(500).default(''),
    opensAt: z.iso.datetime({ offset: true }),
    closesAt: z.iso.datetime({ offset: true }),
  })
  .refine((v) => Date.parse(v.closesAt) > Date.parse(v.opensAt), {
    message: 'closesAt must be after opensAt',
    path: ['closesAt'],
  })
  .openapi('CommunityChallengeInput');
export type ChallengeInput = z.input<typeof challengeInput>;

export const entryInput = z
  .object({
    threadId: z.string().min(1).max(64).optional(),
    title: z.string().trim().min(3).max(300).optional(),
    body: z.string().trim().min(1).max(50_000).optional(),
  })
  .refine((v) => (v.threadId !== undefined) !== (v.title !== undefined && v.body !== undefined), {
    message: 'enter an idea you wrote (threadId) or a new one (title and body)',
  })
  .openapi('CommunityChallengeEntryInput');
export type EntryInput = z.input<typeof entryInput>;

export const decideInput = z
  .object({ threadId: z.string().min(1).max(64), note: z.string().trim().max(2000).default('') })
  .openapi('CommunityChallengeDecision');

export const challengeSchema = z
  .object({
    id: z.string(),
    spaceId: z.string(),
    question: z.string(),
    description: z.string(),
    reward: z.string(),
    opensAt: z.string(),
    closesAt: z.string(),
    state: z.enum(challengeStates),
    entryCount: z.number().int(),
    winnerThreadId: z.string().nullable(),
    decidedAt: z.string().nullable(),
    decisionNote: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('CommunityChallenge');
export type ChallengeView = z.infer<typeof challengeSchema>;

export const entrySchema = z
  .object({
    threadId: z.string(),
    title: z.string(),
    author: authorSchema.nullable(),
    votes: z.number().int(),
    /** Whether the signed-in member voted for it (null for staff and visitors). */
    voted: z.boolean().nullable(),
    winner: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('CommunityChallengeEntry');
export type EntryView = z.infer<typeof entrySchema>;

export const challengeNotificationSchema = z
  .object({
    id: z.number().int(),
    challengeId: z.string(),
    kind: z.literal('challenge_won'),
    title: z.string(),
    body: z.string(),
    url: z.string(),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .openapi('CommunityChallengeNotification');

export function challengeState(
  row: Pick<ChallengeRow, 'winner_thread_id' | 'opens_at' | 'closes_at'>,
  now: Date,
): ChallengeState {
  if (row.winner_thread_id !== null) return 'decided';
  if (now.getTime() < Date.parse(row.opens_at)) return 'upcoming';
  if (now.getTime() < Date.parse(row.closes_at)) return 'open';
  return 'closed';
}

async function toViews(ctx: AppContext, rows: ChallengeRow[]): Promise<ChallengeView[]> {
  const ids = rows.map((r) => r.id);
  const counts = new Map(
    (ids.length === 0
      ? []
      : await ctx.db
          .selectFrom('community_challenge_entries as e')
          .innerJoin('community_threads as t', 't.id', 'e.thread_id')
          .select(['e.challenge_id', (eb) => eb.fn.countAll<number>().as('n')])
          .where('e.challenge_id', 'in', ids)
          .where('t.deleted_at', 'is', null)
          .where('t.hidden_at', 'is', null)
          .groupBy('e.challenge_id')
          .execute()
    ).map((c) => [c.challenge_id, Number(c.n)]),
  );
  return rows.map((r) => ({
    id: r.id,
    spaceId: r.space_id,
    question: r.question,
    description: r.description,
    reward: r.reward,
    opensAt: r.opens_at,
    closesAt: r.closes_at,
    state: challengeState(r, ctx.now()),
    entryCount: counts.get(r.id) ?? 0,
    winnerThreadId: r.winner_thread_id,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
    createdAt: r.created_at,
  }));
}

async function toView(ctx: AppContext, row: ChallengeRow): Promise<ChallengeView> {
  const [view] = await toViews(ctx, [row]);
  if (!view) throw new AppError('not_found', `No challenge ${row.id}`);
  return view;
}

/** A challenge the viewer may see: its space must be visible to them (closed spaces: staff only). */
async function visibleChallenge(ctx: AppContext, viewer: Viewer, id: string): Promise<ChallengeRow> {
  checkViewer(viewer);
  const row = await ctx.db
    .selectFrom('community_challenges')
    .selectAll()
    .where('workspace_id', '=', viewer.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No challenge ${id}`);
  await visibleSpace(ctx.db, viewer, row.space_id);
  return row;
}

/** Opens a challenge in an ideas space (staff with `communities:moderate`, audited). */
export async function createChallenge(
  ctx: AppContext,
  actor: Actor,
  input: ChallengeInput,
): Promise<ChallengeView> {
  requirePermission(actor, 'communities:moderate');
  const valid = challengeInput.parse(input);
  const space = await spaceRow(ctx.db, actor.workspaceId, valid.spaceId);
  if (space.kind !== 'ideas')
    throw new AppError('validation_failed', 'Challenges belong to an ideas space', {
      fields: [{ path: 'spaceId', message: 'not an ideas space' }],
    });
  const now = ctx.now().toISOString();
  const row: ChallengeRow = {
    id: newId(ctx.now()),
    workspace_id: actor.workspaceId,
    space_id: space.id,
    question: valid.question,
    description: valid.description,
    reward: valid.reward,
    opens_at: new Date(valid.opensAt).toISOString(),
    closes_at: new Date(valid.closesAt).toISOString(),
    winner_thread_id: null,
    decided_at: null,
    decided_by: null,
    decision_note: null,
    created_by: actor.userId,
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('community_challenges').values(row).execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.challenge_created',
      targetType: 'community_challenge',
      targetId: row.id,
      details: { spaceId: space.id, opensAt: row.opens_at, closesAt: row.closes_at },
    });
  });
  return toView(ctx, row);
}

/** Challenges, newest first, optionally of one space and in one state. */
export async function listChallenges(
  ctx: AppContext,
  viewer: Viewer,
  query: PageQuery & { spaceId?: string; state?: ChallengeState },
): Promise<Page<ChallengeView>> {
  checkViewer(viewer);
  let q = ctx.db
    .selectFrom('community_challenges as c')
    .innerJoin('community_spaces as s', 's.id', 'c.space_id')
    .selectAll('c')
    .where('c.workspace_id', '=', viewer.workspaceId);
  if (!seesEverything(viewer)) q = q.where('s.closed_at', 'is', null);
  if (query.spaceId)
    q = q.where((eb) =>
      eb.or([eb('s.id', '=', query.spaceId ?? ''), eb('s.slug', '=', query.spaceId ?? '')]),
    );
  const now = ctx.now().toISOString();
  if (query.state === 'decided') q = q.where('c.winner_thread_id', 'is not', null);
  else if (query.state) {
    q = q.where('c.winner_thread_id', 'is', null);
    if (query.state === 'upcoming') q = q.where('c.opens_at', '>', now);
    if (query.state === 'open') q = q.where('c.opens_at', '<=', now).where('c.closes_at', '>', now);
    if (query.state === 'closed') q = q.where('c.closes_at', '<=', now);
  }
  if (query.cursor) q = q.where('c.id', '<', String(decodeCursor(query.cursor)));
  const rows = await q
    .orderBy('c.id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = toPage(
    rows,
    query.limit,
    (r) => r.id,
    (r) => r,
  );
  return { items: await toViews(ctx, page.items), nextCursor: page.nextCursor };
}

export async function getChallenge(ctx: AppContext, viewer: Viewer, id: string): Promise<ChallengeView> {
  return toView(ctx, await visibleChallenge(ctx, viewer, id));
}

/**
 * A challenge's entries, most votes first (keyset on votes and thread id). Deleted and hidden
 * ideas are listed for staff only.
 */
export async function listEntries(
  ctx: AppContext,
  viewer: Viewer,
  challengeId: string,
  page: PageQuery,
): Promise<Page<EntryView>> {
  const challenge = await visibleChallenge(ctx, viewer, challengeId);
  let q = ctx.db
    .selectFrom('community_challenge_entries as e')
    .innerJoin('community_threads as t', 't.id', 'e.thread_id')
    .select([
      'e.thread_id',
      'e.vote_count',
      'e.created_at',
      't.title',
      't.author_member_id',
      't.author_user_id',
    ])
    .where('e.challenge_id', '=', challenge.id);
  if (!seesEverything(viewer)) q = q.where('t.deleted_at', 'is', null).where('t.hidden_at', 'is', null);
  if (page.cursor) {
    const [votes, id] = String(decodeCursor(page.cursor)).split('|');
    const v = Number(votes);
    if (!Number.isInteger(v) || !id) throw new AppError('validation_failed', 'Invalid cursor');
    q = q.where((eb) =>
      eb.or([eb('e.vote_count', '<', v), eb.and([eb('e.vote_count', '=', v), eb('e.thread_id', '>', id)])]),
    );
  }
  const rows = await q
    .orderBy('e.vote_count', 'desc')
    .orderBy('e.thread_id')
    .limit(page.limit + 1)
    .execute();
  const authors = await authorsOf(ctx.db, viewer.workspaceId, rows);
  const voted = new Set<string>();
  if (isMember(viewer) && rows.length > 0)
    for (const v of await ctx.db
      .selectFrom('community_challenge_votes')
      .select('thread_id')
      .where('member_id', '=', viewer.memberId)
      .where(
        'thread_id',
        'in',
        rows.map((r) => r.thread_id),
      )
      .execute())
      voted.add(v.thread_id);
  return toPage(
    rows,
    page.limit,
    (r) => `${Number(r.vote_count)}|${r.thread_id}`,
    (r) => ({
      threadId: r.thread_id,
      title: r.title,
      author:
        authors.get(r.author_member_id ? `m:${r.author_member_id}` : `u:${r.author_user_id ?? ''}`) ?? null,
      votes: Number(r.vote_count),
      voted: isMember(viewer) ? voted.has(r.thread_id) : null,
      winner: challenge.winner_thread_id === r.thread_id,
      createdAt: r.created_at,
    }),
  );
}

function requireOpen(ctx: AppContext, row: ChallengeRow, what: string): void {
  const state = challengeState(row, ctx.now());
  if (state !== 'open')
    throw new AppError('conflict', `${what} only while the challenge is open (it is ${state})`, {
      reason: 'challenge_not_open',
      state,
      opensAt: row.opens_at,
      closesAt: row.closes_at,
    });
}

/**
 * Enters an idea in an open challenge (members): a new idea in the challenge's space, or one the
 * member wrote there and has not entered elsewhere.
 */
export async function submitEntry(
  ctx: AppContext,
  member: MemberActor,
  challengeId: string,
  input: EntryInput,
): Promise<EntryView> {
  if (!isMember(member)) throw new AppError('forbidden', 'Entries are submitted by community members');
  const valid = entryInput.parse(input);
  const challenge = await visibleChallenge(ctx, member, challengeId);
  requireOpen(ctx, challenge, 'Entries are taken');
  // A closed or archived space takes no entries and no votes, whatever the challenge's dates.
  assertWritable(ctx, await spaceRow(ctx.db, member.workspaceId, challenge.space_id));
  let threadId: string;
  if (valid.threadId !== undefined) {
    const thread = await threadRow(ctx.db, member.workspaceId, valid.threadId);
    if (thread.deleted_at !== null || thread.hidden_at !== null)
      throw new AppError('not_found', `No thread ${valid.threadId}`);
    if (thread.space_id !== challenge.space_id || thread.kind !== 'idea')
      throw new AppError('validation_failed', "An entry is an idea in the challenge's space", {
        fields: [{ path: 'threadId', message: 'not an idea of this space' }],
      });
    if (thread.author_member_id !== member.memberId)
      throw new AppError('forbidden', 'Only the author of an idea may enter it');
    threadId = thread.id;
  } else {
    const written = await createThread(ctx, member, {
      spaceId: challenge.space_id,
      title: valid.title ?? '',
      body: valid.body ?? '',
    });
    threadId = written.thread.id;
  }
  const inserted = await ctx.db
    .insertInto('community_challenge_entries')
    .values({
      thread_id: threadId,
      challenge_id: challenge.id,
      workspace_id: member.workspaceId,
      member_id: member.memberId,
      vote_count: 0,
      created_at: ctx.now().toISOString(),
    })
    .onConflict((oc) => oc.column('thread_id').doNothing())
    .returning('challenge_id')
    .executeTakeFirst();
  if (!inserted) {
    const existing = await ctx.db
      .selectFrom('community_challenge_entries')
      .select('challenge_id')
      .where('thread_id', '=', threadId)
      .executeTakeFirstOrThrow();
    if (existing.challenge_id !== challenge.id)
      throw new AppError('conflict', 'This idea is already an entry of another challenge', {
        reason: 'already_entered',
      });
  }
  return entryView(ctx, member, challenge, threadId);
}

async function entryView(
  ctx: AppContext,
  viewer: Viewer,
  challenge: ChallengeRow,
  threadId: string,
): Promise<EntryView> {
  const row = await ctx.db
    .selectFrom('community_challenge_entries as e')
    .innerJoin('community_threads as t', 't.id', 'e.thread_id')
    .select([
      'e.thread_id',
      'e.vote_count',
      'e.created_at',
      't.title',
      't.author_member_id',
      't.author_user_id',
    ])
    .where('e.thread_id', '=', threadId)
    .where('e.challenge_id', '=', challenge.id)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No entry ${threadId} in this challenge`);
  const authors = await authorsOf(ctx.db, viewer.workspaceId, [row]);
  const voted = isMember(viewer)
    ? (await ctx.db
        .selectFrom('community_challenge_votes')
        .select('thread_id')
        .where('thread_id', '=', threadId)
        .where('member_id', '=', viewer.memberId)
        .executeTakeFirst()) !== undefined
    : null;
  return {
    threadId: row.thread_id,
    title: row.title,
    author:
      authors.get(row.author_member_id ? `m:${row.author_member_id}` : `u:${row.author_user_id ?? ''}`) ??
      null,
    votes: Number(row.vote_count),
    voted,
    winner: challenge.winner_thread_id === threadId,
    createdAt: row.created_at,
  };
}

async function entryOf(ctx: AppContext, challenge: ChallengeRow, threadId: string) {
  const row = await ctx.db
    .selectFrom('community_challenge_entries as e')
    .innerJoin('community_threads as t', 't.id', 'e.thread_id')
    .select(['e.thread_id', 't.author_member_id', 't.deleted_at', 't.hidden_at'])
    .where('e.challenge_id', '=', challenge.id)
    .where('e.thread_id', '=', threadId)
    .executeTakeFirst();
  if (!row || row.deleted_at !== null || row.hidden_at !== null)
    throw new AppError('not_found', `No entry ${threadId} in this challenge`);
  return row;
}

/**
 * Votes for an entry, or takes the vote back, while the challenge is open (idempotent). A member
 * does not vote for their own entry. The count is recounted from the votes in the same
 * transaction, never drifted arithmetic.
 */
export async function voteEntry(
  ctx: AppContext,
  member: MemberActor,
  challengeId: string,
  threadId: string,
  vote: boolean,
): Promise<EntryView> {
  if (!isMember(member)) throw new AppError('forbidden', 'Community members vote on entries');
  const challenge = await visibleChallenge(ctx, member, challengeId);
  requireOpen(ctx, challenge, 'Votes are taken');
  // A closed or archived space takes no entries and no votes, whatever the challenge's dates.
  assertWritable(ctx, await spaceRow(ctx.db, member.workspaceId, challenge.space_id));
  const entry = await entryOf(ctx, challenge, threadId);
  if (vote && entry.author_member_id === member.memberId)
    throw new AppError('forbidden', 'You cannot vote for your own entry');
  await ctx.db.transaction().execute(async (trx) => {
    if (vote)
      await trx
        .insertInto('community_challenge_votes')
        .values({
          thread_id: threadId,
          member_id: member.memberId,
          challenge_id: challenge.id,
          workspace_id: member.workspaceId,
          created_at: ctx.now().toISOString(),
        })
        .onConflict((oc) => oc.columns(['thread_id', 'member_id']).doNothing())
        .execute();
    else
      await trx
        .deleteFrom('community_challenge_votes')
        .where('thread_id', '=', threadId)
        .where('member_id', '=', member.memberId)
        .execute();
    await trx
      .updateTable('community_challenge_entries')
      .set((eb) => ({
        vote_count: eb
          .selectFrom('community_challenge_votes')
          .select(eb.fn.countAll<number>().as('n'))
          .where('community_challenge_votes.thread_id', '=', threadId),
      }))
      .where('thread_id', '=', threadId)
      .execute();
  });
  return entryView(ctx, member, challenge, threadId);
}

/**
 * Chooses the winner of a closed challenge (staff with `communities:moderate`, once, audited) and
 * tells the winning member in the same transaction (one notification row per challenge).
 */
export async function decideChallenge(
  ctx: AppContext,
  actor: Actor,
  challengeId: string,
  input: z.input<typeof decideInput>,
): Promise<ChallengeView> {
  requirePermission(actor, 'communities:moderate');
  const valid = decideInput.parse(input);
  const challenge = await visibleChallenge(ctx, actor, challengeId);
  const state = challengeState(challenge, ctx.now());
  if (state !== 'closed')
    throw new AppError(
      'conflict',
      state === 'decided'
        ? 'This challenge already has a winner'
        : `A winner is chosen after the challenge closes (it is ${state})`,
      {
        reason: state === 'decided' ? 'already_decided' : 'challenge_not_closed',
        state,
        closesAt: challenge.closes_at,
      },
    );
  const entry = await entryOf(ctx, challenge, valid.threadId);
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select('slug')
    .where('id', '=', actor.workspaceId)
    .executeTakeFirstOrThrow();
  const now = ctx.now().toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('community_challenges')
      .set({
        winner_thread_id: entry.thread_id,
        decided_at: now,
        decided_by: actor.userId,
        decision_note: valid.note,
        updated_at: now,
      })
      .where('id', '=', challenge.id)
      .where('winner_thread_id', 'is', null)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0)
      throw new AppError('conflict', 'This challenge already has a winner', { reason: 'already_decided' });
    if (entry.author_member_id)
      await trx
        .insertInto('community_challenge_notifications')
        .values({
          workspace_id: actor.workspaceId,
          member_id: entry.author_member_id,
          challenge_id: challenge.id,
          kind: 'challenge_won',
          title: `Your idea won the challenge “${challenge.question}”`,
          body: [challenge.reward ? `Reward: ${challenge.reward}` : '', valid.note]
            .filter(Boolean)
            .join('\n\n'),
          url: communityThreadUrl(ctx, ws.slug, entry.thread_id),
          created_at: now,
          read_at: null,
        })
        .onConflict((oc) => oc.columns(['challenge_id', 'member_id', 'kind']).doNothing())
        .execute();
    await recordAudit(ctx, trx, {
      workspaceId: actor.workspaceId,
      actorUserId: actor.userId,
      action: 'community.challenge_decided',
      targetType: 'community_challenge',
      targetId: challenge.id,
      details: { winnerThreadId: entry.thread_id },
    });
  });
  return getChallenge(ctx, actor, challenge.id);
}

/** The member's challenge notifications (a win), newest first. */
export async function listChallengeNotifications(
  ctx: AppContext,
  member: MemberActor,
  page: PageQuery,
): Promise<Page<z.infer<typeof challengeNotificationSchema>>> {
  if (!isMember(member)) throw new AppError('forbidden', 'Only community members have these notifications');
  let q = ctx.db
    .selectFrom('community_challenge_notifications')
    .selectAll()
    .where('workspace_id', '=', member.workspaceId)
    .where('member_id', '=', member.memberId);
  if (page.cursor) q = q.where('id', '<', Number(decodeCursor(page.cursor)));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(page.limit + 1)
    .execute();
  return toPage(
    rows,
    page.limit,
    (r) => Number(r.id),
    (r) => ({
      id: Number(r.id),
      challengeId: r.challenge_id,
      kind: r.kind,
      title: r.title,
      body: r.body,
      url: r.url,
      createdAt: r.created_at,
      readAt: r.read_at,
    }),
  );
}
