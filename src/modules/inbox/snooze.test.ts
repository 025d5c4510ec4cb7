import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { listNotifications, recordFeed } from '../collaboration/feed.ts';
import { getCase, listCases } from './case-lists.ts';
import { createCase, updateCase } from './cases.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';
import { saveSlaPolicy } from './sla.ts';
import { wakeSnoozedCases } from './snooze.ts';

const t = setupTestDatabase();
const MIN = 60_000;

async function setup() {
  t.clock.set('2026-11-23T09:00:00.000Z');
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  return { ws, manager, agent };
}

const listed = async (actor: Parameters<typeof listCases>[1], snoozed: 'true' | 'false') =>
  (await listCases(t.ctx, actor, { view: 'all', status: 'active', snoozed, limit: 50 })).items.map(
    (c) => c.subject,
  );

describe('snoozing a case', () => {
  it('takes a case out of the working views until its moment, then opens it again and tells its assignee', async () => {
    const { manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, { name: 'All', businessHours: false, targets: { resolution: 600 } });
    const c = await createCase(t.ctx, agent, { subject: 'Refund check', assigneeUserId: agent.userId });
    await createCase(t.ctx, agent, { subject: 'Other' });
    await updateCase(t.ctx, agent, c.id, { status: 'pending_customer' });
    const snoozed = await updateCase(t.ctx, agent, c.id, { snoozedUntil: '2026-11-23T11:00:00+01:00' });
    expect(snoozed.snoozedUntil).toBe('2026-11-23T10:00:00.000Z');
    expect(await listed(agent, 'false')).toEqual(['Other']);
    expect(await listed(agent, 'true')).toEqual(['Refund check']);

    // Not yet: nothing wakes.
    t.clock.advance(59 * MIN);
    expect(await wakeSnoozedCases(t.ctx)).toBe(0);
    t.clock.advance(MIN);
    expect(await wakeSnoozedCases(t.ctx)).toBe(1);
    expect(await wakeSnoozedCases(t.ctx)).toBe(0);
    const back = await getCase(t.ctx, agent, c.id);
    expect(back).toMatchObject({ status: 'open', snoozedUntil: null });
    // Pending the customer paused the resolution clock; open again, it runs.
    expect(back.sla.find((s) => s.metric === 'resolution')?.status).toBe('running');
    expect(await listed(agent, 'false')).toEqual(['Other', 'Refund check']);
    const feed = await recordFeed(t.ctx, agent, 'case', c.id, { limit: 10 });
    expect(feed.items.slice(0, 3).map((e) => [e.kind, e.data])).toEqual([
      [
        'status_changed',
        { field: 'status', from: 'pending_customer', to: 'open', reason: 'back from snooze' },
      ],
      ['snooze_ended', { snoozedUntil: '2026-11-23T10:00:00.000Z', reason: 'time' }],
      ['updated', { field: 'snoozedUntil', from: null, to: '2026-11-23T10:00:00.000Z' }],
    ]);
    expect((await listNotifications(t.ctx, agent, { limit: 10 })).items.map((n) => n.summary)).toContain(
      `Case ${c.number} is back from snooze`,
    );
  });

  it('ends the snooze when the customer writes first, or when the case is solved or unsnoozed', async () => {
    const { ws, manager, agent } = await setup();
    await saveRule(t.ctx, manager, { name: 'Every post', actions: [{ type: 'create_case' }] });
    const post = (id: string, replyTo?: string) =>
      storePosts(t.ctx, ws.id, [
        {
          channel: 'bluesky',
          externalId: id,
          text: 'Still no refund for my cancelled flight',
          createdAt: t.clock.now().toISOString(),
          replyTo: replyTo ?? null,
          author: { externalId: 'did:plc:ann', handle: 'ann.example', displayName: 'Ann' },
        },
      ]);
    await post('ann-1');
    await routeNewMentions(t.ctx);
    const [made] = (await listCases(t.ctx, agent, { view: 'all', limit: 5 })).items;
    const id = made?.id ?? '';
    await updateCase(t.ctx, agent, id, { snoozedUntil: '2026-11-25T09:00:00.000Z' });
    t.clock.advance(10 * MIN);
    await post('ann-2', 'ann-1');
    await routeNewMentions(t.ctx);
    expect((await getCase(t.ctx, agent, id)).snoozedUntil).toBeNull();
    const feed = await recordFeed(t.ctx, agent, 'case', id, { limit: 10 });
    expect(feed.items.find((e) => e.kind === 'snooze_ended')?.data).toEqual({
      snoozedUntil: '2026-11-25T09:00:00.000Z',
      reason: 'customer_message',
    });

    await updateCase(t.ctx, agent, id, { snoozedUntil: '2026-11-25T09:00:00.000Z' });
    expect((await updateCase(t.ctx, agent, id, { snoozedUntil: null })).snoozedUntil).toBeNull();
    await updateCase(t.ctx, agent, id, { snoozedUntil: '2026-11-25T09:00:00.000Z' });
    expect((await updateCase(t.ctx, agent, id, { status: 'solved' })).snoozedUntil).toBeNull();
  });

  it('refuses a moment past or more than a year away, and snoozing a case that is done', async () => {
    const { agent } = await setup();
    const c = await createCase(t.ctx, agent, { subject: 'Bags' });
    for (const snoozedUntil of ['2026-11-23T08:59:00.000Z', '2027-12-01T00:00:00.000Z'])
      await expect(updateCase(t.ctx, agent, c.id, { snoozedUntil })).rejects.toMatchObject({
        code: 'validation_failed',
        details: { fields: [{ path: 'snoozedUntil' }] },
      });
    await expect(
      updateCase(t.ctx, agent, c.id, { status: 'solved', snoozedUntil: '2026-11-24T09:00:00.000Z' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    expect((await getCase(t.ctx, agent, c.id)).status).toBe('new');
  });
});
