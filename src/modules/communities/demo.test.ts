import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { seedDemoWorkspace } from '../../demo/seed.ts';
import { getCustomer } from '../customers/service.ts';
import { listChallenges } from './challenges.ts';
import { reviewQueue } from './flags.ts';
import { requestedInCounts } from './idea-links.ts';
import { listLists } from './lists.ts';
import { getNewsletterSettings } from './newsletters.ts';
import { unreadCounts } from './reading.ts';
import { rankFor } from './reputation.ts';
import { listSpaces } from './spaces.ts';
import { listThreads } from './threads.ts';

const t = setupTestDatabase();

describe('demo community', () => {
  it('seeds every space kind, several trust levels, answers, idea statuses and a moderation queue', async () => {
    t.clock.set('2026-11-25T15:00:00.000Z');
    const ws = await buildWorkspace(t.ctx);
    const { actor: owner } = await buildUser(t.ctx, ws, { role: 'owner' });
    await seedDemoWorkspace(t.ctx, owner);

    const spaces = (await listSpaces(t.ctx, owner, { limit: 50 })).items;
    expect(new Set(spaces.map((s) => s.kind))).toEqual(
      new Set(['forum', 'qa', 'ideas', 'kb', 'announcements']),
    );
    expect(spaces.every((s) => s.threadCount > 0)).toBe(true);
    const summer = spaces.find((s) => s.slug === 'summer-schedule-2027');
    expect(summer?.purpose).toBe('task');
    expect(summer?.readOnly).toBeNull();
    expect(spaces.find((s) => s.slug === 'winter-timetable-2026')?.readOnly).toBe('archived');

    const members = await t.ctx.db
      .selectFrom('community_members')
      .select(['username', 'trust_level', 'points', 'rank', 'likes_received', 'customer_id'])
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(members.length).toBeGreaterThanOrEqual(12);
    expect(members.length).toBeLessThanOrEqual(20);
    const levels = new Set(members.map((m) => Number(m.trust_level)));
    expect([...levels].sort()).toEqual([0, 1, 2, 3, 4]);
    // Points are the ledger's sum and the rank follows them.
    for (const m of members) expect(m.rank).toBe(rankFor(Number(m.points)));
    const ledger = await t.ctx.db
      .selectFrom('community_points_ledger')
      .select((eb) => eb.fn.sum<number>('points').as('n'))
      .where('workspace_id', '=', ws.id)
      .executeTakeFirst();
    expect(Number(ledger?.n)).toBe(members.reduce((n, m) => n + Number(m.points), 0));
    expect(members.some((m) => Number(m.points) >= 50)).toBe(true);

    // Questions: answered (accepted) and unanswered; one answer became an article.
    const qa = spaces.find((s) => s.kind === 'qa');
    const questions = (await listThreads(t.ctx, owner, qa?.id ?? '', { limit: 50 })).items;
    expect(questions.some((q) => q.acceptedPostId !== null)).toBe(true);
    expect(questions.some((q) => q.acceptedPostId === null)).toBe(true);
    const kb = spaces.find((s) => s.kind === 'kb');
    const articles = (await listThreads(t.ctx, owner, kb?.id ?? '', { limit: 50 })).items;
    expect(articles.some((a) => a.sourcePostId !== null)).toBe(true);

    // Ideas: every status, one duplicate merged, and one requested in two conversations.
    const ideasSpace = spaces.find((s) => s.kind === 'ideas');
    const ideas = (await listThreads(t.ctx, owner, ideasSpace?.id ?? '', { limit: 50 })).items;
    expect(new Set(ideas.map((i) => i.ideaStatus))).toEqual(
      new Set(['open', 'under_review', 'planned', 'in_progress', 'done', 'declined', 'duplicate']),
    );
    const merged = ideas.find((i) => i.ideaStatus === 'duplicate');
    expect(merged?.duplicateOfThreadId).toBeTruthy();
    expect(merged?.voteCount).toBe(0);
    const requested = await requestedInCounts(
      t.ctx,
      ws.id,
      ideas.map((i) => i.id),
    );
    expect(requested.get(merged?.duplicateOfThreadId ?? '')).toBe(2);

    // A decided challenge and an open one with entries; a weekly digest with subscribers; a list.
    const challenges = (await listChallenges(t.ctx, owner, { limit: 10 })).items;
    expect(challenges.map((c) => c.state).sort()).toEqual(['decided', 'open']);
    expect(challenges.every((c) => c.entryCount >= 2)).toBe(true);
    const qaSpace = spaces.find((s) => s.kind === 'qa');
    const digest = await getNewsletterSettings(t.ctx, owner, qaSpace?.id ?? '');
    expect(digest).toMatchObject({ cadence: 'weekly' });
    expect(digest.subscribers).toBeGreaterThanOrEqual(4);
    const lists = (await listLists(t.ctx, owner, { limit: 10 })).items;
    expect(lists.find((l) => l.name === 'Community helpers')?.entryCount).toBe(3);

    // The moderation queue has a flagged post.
    const queue = await reviewQueue(t.ctx, owner, { limit: 50 });
    expect(queue.items.length).toBeGreaterThan(0);

    // A demo stream person's community membership joined their customer profile.
    const ana = await t.ctx.db
      .selectFrom('community_members')
      .select(['id', 'customer_id', 'trust_level'])
      .where('workspace_id', '=', ws.id)
      .where('username', '=', 'ana.souza')
      .executeTakeFirstOrThrow();
    const profile = await getCustomer(t.ctx, owner, ana.customer_id ?? '');
    expect(profile.identities.map((i) => i.channel).sort()).toEqual(['bluesky', 'community', 'email']);

    // Read state: a member who read some threads has unread posts elsewhere, not everywhere.
    const counts = await unreadCounts(t.ctx, {
      kind: 'member',
      memberId: ana.id,
      workspaceId: ws.id,
      trustLevel: Number(ana.trust_level),
    });
    const reads = await t.ctx.db
      .selectFrom('community_read_state')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('member_id', '=', ana.id)
      .executeTakeFirst();
    expect(Number(reads?.n)).toBeGreaterThan(0);
    expect(counts.length).toBeGreaterThan(0);

    // The seeded history of idea statuses is told in the app; none of it waits to be mailed
    // to members once an email connector is added.
    const queuedMail = await t.ctx.db
      .selectFrom('community_loop_deliveries')
      .select(['kind', 'subject'])
      .where('workspace_id', '=', ws.id)
      .where('kind', '=', 'email')
      .where('status', '=', 'queued')
      .execute();
    expect(queuedMail).toEqual([]);
  });
});
