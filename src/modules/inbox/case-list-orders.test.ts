import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import type { Actor } from '../auth/roles.ts';
import { getCase, listCases } from './case-lists.ts';
import { createCase, updateCase } from './cases.ts';
import { disposeMention } from './dispositions.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';
import type { CaseFilters } from './schema.ts';
import { createView } from './views.ts';
import { casePriorities, caseStatuses } from './vocabulary.ts';

const t = setupTestDatabase();
const MIN = 60_000;

async function setup() {
  t.clock.set('2026-11-23T09:00:00.000Z');
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  return { ws, manager, agent };
}

/** Every case `filters` list in `sort`, read page by page with the cursors the list gives. */
async function walk(
  actor: Actor,
  filters: Omit<CaseFilters, 'view'> & { view?: CaseFilters['view'] },
  limit = 4,
) {
  const numbers: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listCases(t.ctx, actor, {
      view: 'all',
      ...filters,
      limit,
      ...(cursor ? { cursor } : {}),
    });
    numbers.push(...page.items.map((c) => c.number));
    if (!page.nextCursor) return numbers;
    cursor = page.nextCursor;
  }
  throw new Error('the cursors never ended');
}

describe('orders of the case list', () => {
  it('lists the cases whose customer waits longest first, and moves a case as replies and posts come', async () => {
    const { ws, manager, agent } = await setup();
    await saveRule(t.ctx, manager, { name: 'Every post', actions: [{ type: 'create_case' }] });
    const post = (id: string, who: string, replyTo?: string) =>
      storePosts(t.ctx, ws.id, [
        {
          channel: 'bluesky',
          externalId: id,
          text: `${who} here: my refund has not arrived`,
          createdAt: t.clock.now().toISOString(),
          replyTo: replyTo ?? null,
          author: { externalId: `did:plc:${who}`, handle: `${who}.example`, displayName: who },
        },
      ]);
    for (const who of ['ann', 'bob', 'cid']) {
      await post(`${who}-1`, who);
      await routeNewMentions(t.ctx);
      t.clock.advance(10 * MIN);
    }
    const cases = (await listCases(t.ctx, agent, { view: 'all', sort: 'oldest', limit: 10 })).items;
    expect(cases.map((c) => c.subject.slice(0, 3).toLowerCase())).toEqual(['ann', 'bob', 'cid']);
    const [ann, bob, cid] = cases.map((c) => c.number) as [number, number, number];
    expect(cases[0]?.waitingSince).toBe('2026-11-23T09:00:00.000Z');
    expect(await walk(agent, { sort: 'waiting' })).toEqual([ann, bob, cid]);

    // An agent answers Bob: his case goes to the part where nobody waits.
    const bobCase = cases[1]?.id ?? '';
    const bobPost = (await getCase(t.ctx, agent, bobCase)).conversations[0]?.messages[0]?.id ?? 0;
    await disposeMention(t.ctx, agent, bobPost, { action: 'answered' });
    expect((await getCase(t.ctx, agent, bobCase)).waitingSince).toBeNull();
    expect(await walk(agent, { sort: 'waiting' })).toEqual([ann, cid, bob]);

    // Bob writes again: he waits from that post, behind Cid, who has waited longer.
    t.clock.advance(5 * MIN);
    await post('bob-2', 'bob', 'bob-1');
    await routeNewMentions(t.ctx);
    expect((await getCase(t.ctx, agent, bobCase)).waitingSince).toBe('2026-11-23T09:35:00.000Z');
    expect(await walk(agent, { sort: 'waiting' }, 1)).toEqual([ann, cid, bob]);

    // A solved case waits for nobody, whoever wrote last.
    await updateCase(t.ctx, agent, cases[0]?.id ?? '', { status: 'solved' });
    const page = await listCases(t.ctx, agent, { view: 'all', sort: 'waiting', limit: 10 });
    expect(page.items.map((c) => [c.number, c.waitingSince])).toEqual([
      [cid, '2026-11-23T09:20:00.000Z'],
      [bob, '2026-11-23T09:35:00.000Z'],
      [ann, null],
    ]);
  });

  it('gives every order the same cases as a plain sort of them, page after page, under any filter', async () => {
    const { ws, manager, agent } = await setup();
    const other = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n);
    };
    const times = ['2026-11-20T08:00:00.000Z', '2026-11-21T08:00:00.000Z', '2026-11-22T08:00:00.000Z'];
    for (let i = 0; i < 45; i++) {
      const made = await createCase(t.ctx, manager, {
        subject: `Case ${i}`,
        priority: casePriorities[rnd(4)],
        ...(rnd(3) === 0
          ? { assigneeUserId: agent.userId }
          : rnd(2) === 0
            ? { assigneeUserId: other.userId }
            : {}),
      });
      const status = caseStatuses[rnd(caseStatuses.length)] ?? 'new';
      if (status === 'closed') await updateCase(t.ctx, manager, made.id, { status: 'solved' });
      if (status !== 'new') await updateCase(t.ctx, manager, made.id, { status });
      // The times a customer wrote and an agent replied, as the pipeline and the outbox write
      // them (tested with them in the first test): several cases share a time, so ties are ordered.
      const wrote = rnd(4) === 0 ? null : (times[rnd(times.length)] ?? null);
      const replied = rnd(3) === 0 ? null : (times[rnd(times.length)] ?? null);
      await t.ctx.db
        .updateTable('cases')
        .set({ last_customer_message_at: wrote, last_agent_reply_at: replied })
        .where('id', '=', made.id)
        .execute();
    }
    const rows = await t.ctx.db.selectFrom('cases').selectAll().where('workspace_id', '=', ws.id).execute();
    const waitingOf = (r: (typeof rows)[number]) =>
      r.status !== 'solved' &&
      r.status !== 'closed' &&
      r.last_customer_message_at !== null &&
      (r.last_agent_reply_at === null || r.last_agent_reply_at < r.last_customer_message_at)
        ? r.last_customer_message_at
        : null;
    const reference: Record<
      'newest' | 'oldest' | 'priority' | 'waiting',
      (a: (typeof rows)[0], b: (typeof rows)[0]) => number
    > = {
      newest: (a, b) => b.number - a.number,
      oldest: (a, b) => a.number - b.number,
      priority: (a, b) =>
        casePriorities.indexOf(a.priority) - casePriorities.indexOf(b.priority) || a.number - b.number,
      waiting: (a, b) => {
        const [x, y] = [waitingOf(a), waitingOf(b)];
        if (x !== null && y !== null) return x.localeCompare(y) || a.number - b.number;
        if (x !== null || y !== null) return x !== null ? -1 : 1;
        return b.number - a.number;
      },
    };
    const active = ['new', 'open', 'pending_customer', 'on_hold'];
    const filterSets: {
      filters: Omit<CaseFilters, 'view'> & { view?: CaseFilters['view'] };
      keep: (r: (typeof rows)[0]) => boolean;
    }[] = [
      { filters: {}, keep: () => true },
      { filters: { status: 'active' }, keep: (r) => active.includes(r.status) },
      { filters: { priority: 'high' }, keep: (r) => r.priority === 'high' },
      {
        filters: { view: 'mine', status: 'active' },
        keep: (r) => r.assignee_user_id === agent.userId && active.includes(r.status),
      },
      { filters: { needsReply: 'true' }, keep: (r) => waitingOf(r) !== null },
      {
        filters: { status: 'active', needsReply: 'false' },
        keep: (r) => active.includes(r.status) && waitingOf(r) === null,
      },
    ];
    // The generated cases must give every part of every order something to order.
    expect(rows.filter((r) => waitingOf(r) !== null).length).toBeGreaterThan(5);
    expect(new Set(rows.map((r) => r.priority)).size).toBe(4);
    for (const sort of ['newest', 'oldest', 'priority', 'waiting'] as const)
      for (const { filters, keep } of filterSets) {
        const expected = rows
          .filter(keep)
          .sort(reference[sort])
          .map((r) => r.number);
        expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(2);
        expect(await walk(agent, { ...filters, sort }), `${sort} ${JSON.stringify(filters)}`).toEqual(
          expected,
        );
      }
  });

  it('refuses the due order without the due-soon filter, and cursors of another order', async () => {
    const { manager, agent } = await setup();
    for (let i = 0; i < 3; i++) await createCase(t.ctx, manager, { subject: `Case ${i}` });
    await expect(listCases(t.ctx, agent, { view: 'all', sort: 'due', limit: 5 })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'sort' }] },
    });
    const byPriority = await listCases(t.ctx, agent, { view: 'all', sort: 'priority', limit: 1 });
    expect(byPriority.nextCursor).not.toBeNull();
    for (const sort of ['waiting', 'newest', 'oldest'] as const)
      await expect(
        listCases(t.ctx, agent, { view: 'all', sort, limit: 1, cursor: byPriority.nextCursor ?? '' }),
      ).rejects.toMatchObject({ code: 'validation_failed', details: { fields: [{ path: 'cursor' }] } });
    // A view may keep an order; the due order only with its filter.
    const view = await createView(t.ctx, agent, {
      name: 'Oldest first',
      filters: { status: 'active', sort: 'oldest' },
    });
    expect(view.filters).toMatchObject({ sort: 'oldest' });
    await expect(createView(t.ctx, agent, { name: 'Due', filters: { sort: 'due' } })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });
});
