import { describe, expect, it, vi } from 'vitest';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildWorkspace } from '../../../test/factories.ts';
import type { AppContext } from '../../context.ts';
import {
  buildHandleIndex,
  classifyAuthor,
  createGraphBuilder,
  edgesOf,
  formatCount,
  INFLUENTIAL_SCORE,
  influenceByAuthor,
  loadInteractionGraph,
  mentionedHandles,
  pagerankOf,
  rankAuthors,
  recomputeInfluence,
  scheduleInfluenceRecompute,
  scoreAuthors,
} from './influence.ts';

const t = setupTestDatabase();

let sequence = 0;

async function addAuthor(
  ctx: AppContext,
  workspaceId: string,
  handle: string,
  options: { channel?: string; followers?: number | null } = {},
): Promise<number> {
  const row = await ctx.db
    .insertInto('authors')
    .values({
      workspace_id: workspaceId,
      channel: options.channel ?? 'bluesky',
      external_id: `did:${handle}`,
      handle,
      display_name: null,
      followers: options.followers ?? null,
      profile_url: null,
      avatar_url: null,
      updated_at: '2026-11-01T00:00:00.000Z',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Stores a mention; returns its external id so others can reply to it. */
async function addMention(
  ctx: AppContext,
  workspaceId: string,
  authorId: number,
  text: string,
  options: { replyTo?: string; sentiment?: string; channel?: string; deleted?: boolean } = {},
): Promise<string> {
  const externalId = `post-${++sequence}`;
  await ctx.db
    .insertInto('mentions')
    .values({
      workspace_id: workspaceId,
      channel: options.channel ?? 'bluesky',
      external_id: externalId,
      url: null,
      author_id: authorId,
      text,
      language: 'en',
      created_at: '2026-11-01T00:00:00.000Z',
      received_at: '2026-11-01T00:00:00.000Z',
      version_at: '2026-11-01T00:00:00.000Z',
      reply_to: options.replyTo ?? null,
      thread_root: options.replyTo ?? null,
      engagement: ctx.dialect.toJson({}),
      analysis: ctx.dialect.toJson({}),
      sentiment: options.sentiment ?? 'neutral',
      intents: null,
      disposition: null,
      deleted_at: options.deleted ? '2026-11-02T00:00:00.000Z' : null,
      edited_at: null,
      urgency: null,
      topics: null,
      classes: null,
    })
    .execute();
  return externalId;
}

/** A hub everyone replies to, a spoke they reply to less, and the rest. */
async function buildStar(ctx: AppContext, workspaceId: string) {
  const hub = await addAuthor(ctx, workspaceId, 'hub.example', { followers: 48_200 });
  const second = await addAuthor(ctx, workspaceId, 'second.example', { followers: 120 });
  const fans: number[] = [];
  for (let i = 0; i < 5; i++) fans.push(await addAuthor(ctx, workspaceId, `fan${i}.example`));
  const hubPost = await addMention(ctx, workspaceId, hub, 'New timetable is out', { sentiment: 'positive' });
  await addMention(ctx, workspaceId, hub, 'Thanks all, love this community', { sentiment: 'positive' });
  await addMention(ctx, workspaceId, hub, 'Great week', { sentiment: 'positive' });
  const secondPost = await addMention(ctx, workspaceId, second, 'Delayed again, awful', {
    sentiment: 'negative',
  });
  await addMention(ctx, workspaceId, hub, 'Boarding now');
  for (const fan of fans) await addMention(ctx, workspaceId, fan, 'agreed!', { replyTo: hubPost });
  await addMention(ctx, workspaceId, fans[0] as number, 'me too', { replyTo: secondPost });
  return { hub, second, fans };
}

describe('influence: pure parts', () => {
  it('reads @handles with the shared tokenizer, offering Mastodon user@host joined first', () => {
    expect(mentionedHandles('hi @Alice.bsky.social and @bob@mastodon.example, also @carol')).toEqual([
      ['alice.bsky.social'],
      ['bob@mastodon.example', 'bob'],
      ['carol'],
    ]);
    expect(mentionedHandles('@one @two')).toEqual([['one'], ['two']]);
  });

  it('resolves a handle on the post’s channel when two networks share it, and nobody when still ambiguous', () => {
    const index = buildHandleIndex([
      { id: 1, channel: 'bluesky', handle: 'sam', followers: null },
      { id: 2, channel: 'mastodon', handle: 'sam', followers: null },
      { id: 3, channel: 'mastodon', handle: 'lena@mastodon.example', followers: null },
    ]);
    expect(index.resolve('sam', 'bluesky')).toBe(1);
    expect(index.resolve('sam', 'mastodon')).toBe(2);
    expect(index.resolve('sam', 'rss')).toBeUndefined();
    expect(index.resolve('lena', 'mastodon')).toBe(3);
    expect(index.resolve('lena@mastodon.example', 'bluesky')).toBe(3);
  });

  it('formats follower counts the way people say them', () => {
    expect([950, 1870, 48_200, 1_500_000].map(formatCount)).toEqual(['950', '1.9k', '48k', '1.5M']);
  });

  it('ranks the author everyone replies to first on a hand-built network', async () => {
    const authors = ['hub', 'a', 'b', 'c', 'd'].map((handle, i) => ({
      id: i + 1,
      channel: 'bluesky',
      handle,
      followers: null,
    }));
    const builder = createGraphBuilder(authors);
    const reply = (from: number, to: number) => ({
      authorId: from,
      channel: 'bluesky',
      parentAuthorId: to,
      text: null,
      sentiment: 'neutral',
    });
    builder.add([reply(2, 1), reply(3, 1), reply(4, 1), reply(5, 1), reply(2, 3), reply(1, 2)]);
    const g = builder.finish();
    const ranks = await pagerankOf(g);
    const order = g.ids.map((id, i) => [id, ranks[i] ?? 0] as const).sort((x, y) => y[1] - x[1]);
    expect(order[0]?.[0]).toBe(1);
    // Replied to by the hub itself, author 2 comes next.
    expect(order[1]?.[0]).toBe(2);
    expect([...g.inDegree]).toEqual([4, 1, 1, 0, 0]);
    const sum = ranks.reduce((s, v) => s + v, 0);
    expect(sum).toBeCloseTo(1, 6);
    const rows = scoreAuthors(g, ranks);
    const hub = rows.find((r) => r.authorId === 1);
    expect(hub?.score).toBe(70);
    expect(rows.find((r) => r.authorId === 5)?.score).toBe(0);
  });

  it('abandons a PageRank in progress when the recompute is stopped', async () => {
    const authors = Array.from({ length: 50 }, (_, i) => ({
      id: i + 1,
      channel: 'bluesky',
      handle: `a${i}`,
      followers: null,
    }));
    const builder = createGraphBuilder(authors);
    builder.add(
      authors.map((a, i) => ({
        authorId: a.id,
        channel: 'bluesky',
        parentAuthorId: ((i + 1) % 50) + 1,
        text: null,
        sentiment: null,
      })),
    );
    const stop = new AbortController();
    const running = pagerankOf(builder.finish(), stop.signal);
    stop.abort(new Error('stopping'));
    await expect(running).rejects.toThrow('stopping');
  });

  it('classifies influential authors with a positive or negative history, and no one on a single mention', () => {
    expect(classifyAuthor({ score: 82, positive: 5, negative: 0, mentions: 6 })).toEqual({
      kind: 'advocate',
      reason: 'influence 82, 5 of 6 mentions positive',
    });
    expect(classifyAuthor({ score: 60, positive: 3, negative: 2, mentions: 5 })).toEqual({
      kind: 'advocate',
      reason: 'influence 60, 3 of 5 mentions positive',
    });
    expect(classifyAuthor({ score: 75, positive: 1, negative: 2, mentions: 4 })).toEqual({
      kind: 'detractor',
      reason: 'influence 75, 2 of 4 mentions negative',
    });
    expect(classifyAuthor({ score: 90, positive: 1, negative: 0, mentions: 1 })).toBeNull();
    expect(
      classifyAuthor({ score: INFLUENTIAL_SCORE - 1, positive: 6, negative: 0, mentions: 6 }),
    ).toBeNull();
    expect(classifyAuthor({ score: 90, positive: 2, negative: 1, mentions: 4 })).toBeNull();
  });
});

describe(`influence on ${testEngine}`, () => {
  it('builds edges from replies and @mentions, once per post and target, ignoring self-loops and deleted posts', async () => {
    const ws = await buildWorkspace(t.ctx);
    const alice = await addAuthor(t.ctx, ws.id, 'alice.bsky.social');
    const bob = await addAuthor(t.ctx, ws.id, 'bob.bsky.social');
    const carol = await addAuthor(t.ctx, ws.id, 'carol.bsky.social');
    const dave = await addAuthor(t.ctx, ws.id, 'dave@mastodon.example', { channel: 'mastodon' });
    const post = await addMention(t.ctx, ws.id, alice, 'Anyone else stuck at the gate?');
    await addMention(t.ctx, ws.id, bob, 'yes, an hour now', { replyTo: post });
    // A reply that also names the parent's author counts once.
    await addMention(t.ctx, ws.id, bob, '@alice.bsky.social still here', { replyTo: post });
    await addMention(t.ctx, ws.id, carol, 'ask @Alice.bsky.social and @dave@mastodon.example');
    await addMention(t.ctx, ws.id, dave, 'thanks @carol.bsky.social', { channel: 'mastodon' });
    await addMention(t.ctx, ws.id, alice, 'note to self @alice.bsky.social', { replyTo: post });
    await addMention(t.ctx, ws.id, carol, 'who is @nobody.example?', { replyTo: 'not-stored' });
    await addMention(t.ctx, ws.id, dave, 'hi @bob.bsky.social', { channel: 'mastodon', deleted: true });

    const g = await loadInteractionGraph(t.ctx, ws.id);
    const name = new Map([
      [alice, 'alice'],
      [bob, 'bob'],
      [carol, 'carol'],
      [dave, 'dave'],
    ]);
    const edges = edgesOf(g)
      .map(([source, target, weight]) => [name.get(source), name.get(target), weight])
      .sort();
    expect(edges).toEqual([
      ['bob', 'alice', 2],
      ['carol', 'alice', 1],
      ['carol', 'dave', 1],
      ['dave', 'carol', 1],
    ]);
    expect(g.authors.get(bob)?.mentions).toBe(2);
    expect(g.authors.get(dave)?.mentions).toBe(1);
  });

  it('scores the author everyone replies to highest, with the reasons', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { hub, second, fans } = await buildStar(t.ctx, ws.id);
    const result = await recomputeInfluence(t.ctx, ws.id);
    expect(result).toMatchObject({ authors: 7, edges: 6 });

    const ranked = await rankAuthors(t.ctx, ws.id, 'influencers', 3);
    expect(ranked.map((r) => r.authorId)).toEqual([hub, second, fans[0]]);
    const top = ranked[0];
    expect(top?.score).toBeGreaterThanOrEqual(INFLUENTIAL_SCORE);
    expect(top?.reasons).toEqual([
      'replied to or mentioned by 5 people in your network',
      'PageRank top 15%',
      '48k followers on bluesky',
    ]);
    const byAuthor = await influenceByAuthor(t.ctx, ws.id, [hub, fans[4] as number, 999_999]);
    expect([...byAuthor.keys()].sort()).toEqual([hub, fans[4]].sort());
    expect(byAuthor.get(hub)).toEqual({ score: top?.score, pagerank: top?.pagerank, reasons: top?.reasons });
    expect(byAuthor.get(fans[4] as number)).toMatchObject({
      score: 0,
      reasons: ['no replies or mentions from your network yet'],
    });
  });

  it('lists advocates (influential, positive) and detractors (influential, negative) with the reason', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { hub, second, fans } = await buildStar(t.ctx, ws.id);
    // Make the negative author influential too: every fan replies to them.
    const complaint = await addMention(t.ctx, ws.id, second, 'Worst airline, lost my bag', {
      sentiment: 'negative',
    });
    for (const fan of fans) await addMention(t.ctx, ws.id, fan, 'same here', { replyTo: complaint });
    await recomputeInfluence(t.ctx, ws.id);

    const advocates = await rankAuthors(t.ctx, ws.id, 'advocates', 10);
    expect(advocates.map((a) => a.authorId)).toEqual([hub]);
    expect(advocates[0]?.reasons[0]).toBe(`influence ${advocates[0]?.score}, 3 of 4 mentions positive`);
    const detractors = await rankAuthors(t.ctx, ws.id, 'detractors', 10);
    expect(detractors.map((a) => a.authorId)).toEqual([second]);
    expect(detractors[0]?.reasons[0]).toBe(`influence ${detractors[0]?.score}, 2 of 2 mentions negative`);
    expect(detractors[0]?.reasons).toContain('replied to or mentioned by 5 people in your network');
  });

  it('replaces the previous rows of the workspace when recomputed', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { hub, fans } = await buildStar(t.ctx, ws.id);
    t.clock.set('2026-11-23T09:00:00.000Z');
    await recomputeInfluence(t.ctx, ws.id);
    expect((await influenceByAuthor(t.ctx, ws.id, [fans[4] as number])).get(fans[4] as number)?.score).toBe(
      0,
    );
    // A stale value left behind by anything else is overwritten.
    await t.ctx.db
      .updateTable('author_influence')
      .set({ score: 99 })
      .where('workspace_id', '=', ws.id)
      .where('author_id', '=', fans[3] as number)
      .execute();
    // The network moves: everyone now replies to fan 4.
    const post = await addMention(t.ctx, ws.id, fans[4] as number, 'look at this');
    for (const other of [hub, ...fans.slice(0, 4)]) {
      await addMention(t.ctx, ws.id, other, 'wow', { replyTo: post });
      await addMention(t.ctx, ws.id, other, 'really wow', { replyTo: post });
    }
    t.clock.set('2026-11-23T09:15:00.000Z');
    await recomputeInfluence(t.ctx, ws.id);

    const rows = await t.ctx.db
      .selectFrom('author_influence')
      .select(['author_id', 'score', 'computed_at'])
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.computed_at))).toEqual(new Set(['2026-11-23T09:15:00.000Z']));
    expect(rows.find((r) => Number(r.author_id) === fans[3])?.score).toBe(0);
    const now = (await influenceByAuthor(t.ctx, ws.id, [fans[4] as number])).get(fans[4] as number);
    expect(now?.score).toBeGreaterThanOrEqual(INFLUENTIAL_SCORE);
    expect(now?.reasons[0]).toBe('replied to or mentioned by 5 people in your network');
    expect(now?.pagerank).toBeGreaterThan(
      (await influenceByAuthor(t.ctx, ws.id, [hub])).get(hub)?.pagerank ?? 1,
    );
  });

  it('keeps workspaces apart: graphs, scores and lookups', async () => {
    const one = await buildWorkspace(t.ctx);
    const two = await buildWorkspace(t.ctx);
    const star = await buildStar(t.ctx, one.id);
    // The same handles in workspace two, where nobody interacts.
    const lone = await addAuthor(t.ctx, two.id, 'hub.example', { followers: 10 });
    const other = await addAuthor(t.ctx, two.id, 'fan0.example');
    await addMention(t.ctx, two.id, other, 'hello @hub.example');
    await recomputeInfluence(t.ctx, one.id);
    await recomputeInfluence(t.ctx, two.id);

    const inTwo = await rankAuthors(t.ctx, two.id, 'influencers', 10);
    expect(inTwo.map((r) => r.authorId)).toEqual([lone, other]);
    expect(inTwo[0]?.reasons[0]).toBe('replied to or mentioned by 1 person in your network');
    expect((await influenceByAuthor(t.ctx, two.id, [star.hub, ...star.fans])).size).toBe(0);
    expect((await rankAuthors(t.ctx, one.id, 'influencers', 100)).map((r) => r.authorId)).not.toContain(lone);
    expect((await influenceByAuthor(t.ctx, one.id, [star.hub])).get(star.hub)?.reasons).toContain(
      'replied to or mentioned by 5 people in your network',
    );
  });

  it('joins a recompute already running for the workspace instead of starting another', async () => {
    const ws = await buildWorkspace(t.ctx);
    await buildStar(t.ctx, ws.id);
    const first = recomputeInfluence(t.ctx, ws.id);
    const second = recomputeInfluence(t.ctx, ws.id);
    expect(second).toBe(first);
    await first;
    const third = recomputeInfluence(t.ctx, ws.id);
    expect(third).not.toBe(first);
    await third;
  });

  it('recomputes every workspace on the schedule, and stops cleanly', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { hub } = await buildStar(t.ctx, ws.id);
    const schedule = scheduleInfluenceRecompute(t.ctx, 60_000, 0);
    await vi.waitFor(async () => expect((await influenceByAuthor(t.ctx, ws.id, [hub])).has(hub)).toBe(true), {
      timeout: 10_000,
    });
    await schedule.stop();
  });
});
