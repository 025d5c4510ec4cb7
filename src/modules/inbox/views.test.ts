import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { AppError } from '../../errors.ts';
import { countCases, listCases } from './case-lists.ts';
import { createCase, updateCase } from './cases.ts';
import type { CaseInput } from './schema.ts';
import { saveTeam } from './teams.ts';
import { createView, deleteView, listViews, reorderViews, updateView } from './views.ts';
import type { ViewFilters } from './views-schema.ts';

const t = setupTestDatabase();

/** A workspace with a manager, two agents, a moderator, a team and a few cases in different states. */
async function workspace() {
  const ctx = t.ctx;
  const ws = await buildWorkspace(ctx);
  const manager = await buildUser(ctx, ws, { role: 'manager' });
  const agent = await buildUser(ctx, ws, { role: 'agent' });
  const colleague = await buildUser(ctx, ws, { role: 'agent' });
  const moderator = await buildUser(ctx, ws, { role: 'moderator' });
  const team = await saveTeam(ctx, manager.actor, { name: 'Billing', memberIds: [agent.user.id] });
  const mk = (subject: string, extra: Omit<CaseInput, 'subject'>) =>
    createCase(ctx, manager.actor, { subject, ...extra });
  await mk('Card declined twice', { priority: 'urgent', assigneeUserId: agent.user.id, tags: ['billing'] });
  await mk('Refund is late', { priority: 'urgent', teamId: team.id, tags: ['billing', 'refund'] });
  await mk('Where is my parcel', { priority: 'normal', assigneeUserId: colleague.user.id });
  await mk('Love the new app', { priority: 'low', type: 'feedback' });
  const solved = await mk('Password reset', { priority: 'high', assigneeUserId: agent.user.id });
  await updateCase(ctx, manager.actor, solved.id, { status: 'solved' });
  return { ws, manager, agent, colleague, moderator, team };
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function auditActions(workspaceId: string): Promise<string[]> {
  const rows = await t.ctx.db
    .selectFrom('audit_log')
    .select('action')
    .where('workspace_id', '=', workspaceId)
    .where('target_type', 'in', ['inbox_view', 'workspace'])
    .where('action', 'like', 'inbox_view.%')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action);
}

describe('saved inbox views', () => {
  it('keeps personal views to their owner and shows shared views to the whole workspace, shared first', async () => {
    const { manager, agent, colleague } = await workspace();
    const mineUrgent = await createView(t.ctx, agent.actor, {
      name: 'My urgent',
      filters: { view: 'mine', priority: 'urgent', status: 'active' },
    });
    expect(mineUrgent).toMatchObject({
      shared: false,
      editable: true,
      ownerUserId: agent.user.id,
      position: 1,
    });
    await createView(t.ctx, agent.actor, { name: 'Billing tag', filters: { tag: 'billing' } });
    const teamView = await createView(t.ctx, manager.actor, {
      name: 'Unassigned urgent',
      filters: { view: 'unassigned', priority: 'urgent' },
      shared: true,
    });
    await createView(t.ctx, manager.actor, { name: 'Manager only', filters: {} });

    const seen = await listViews(t.ctx, agent.actor);
    expect(seen.map((v) => [v.name, v.shared, v.editable])).toEqual([
      ['Unassigned urgent', true, false],
      ['My urgent', false, true],
      ['Billing tag', false, true],
    ]);
    expect((await listViews(t.ctx, colleague.actor)).map((v) => v.name)).toEqual(['Unassigned urgent']);
    expect((await listViews(t.ctx, manager.actor)).map((v) => [v.name, v.editable])).toEqual([
      ['Unassigned urgent', true],
      ['Manager only', true],
    ]);
    // Another person's personal view is not there for them, whatever they try.
    expect(
      (await failure(updateView(t.ctx, colleague.actor, mineUrgent.id, { name: 'Mine now' }))).code,
    ).toBe('not_found');
    expect((await failure(deleteView(t.ctx, colleague.actor, mineUrgent.id))).code).toBe('not_found');
    expect((await failure(deleteView(t.ctx, manager.actor, mineUrgent.id))).code).toBe('not_found');
    expect(teamView.filters).toEqual({ view: 'unassigned', priority: 'urgent' });
  });

  it('lets only people who configure the inbox share, change or delete shared views', async () => {
    const { manager, agent, moderator, ws } = await workspace();
    expect(
      (await failure(createView(t.ctx, agent.actor, { name: 'For all', filters: {}, shared: true }))).code,
    ).toBe('forbidden');
    const own = await createView(t.ctx, agent.actor, { name: 'Mine', filters: { view: 'mine' } });
    expect((await failure(updateView(t.ctx, agent.actor, own.id, { shared: true }))).code).toBe('forbidden');
    const renamed = await updateView(t.ctx, agent.actor, own.id, {
      name: 'Mine, active',
      filters: { view: 'mine', status: 'active' },
    });
    expect(renamed).toMatchObject({ name: 'Mine, active', filters: { view: 'mine', status: 'active' } });

    const shared = await createView(t.ctx, manager.actor, {
      name: 'Urgent',
      filters: { priority: 'urgent' },
      shared: true,
    });
    expect((await failure(updateView(t.ctx, agent.actor, shared.id, { name: 'Mine' }))).code).toBe(
      'forbidden',
    );
    expect((await failure(deleteView(t.ctx, agent.actor, shared.id))).code).toBe('forbidden');
    expect((await failure(listViews(t.ctx, moderator.actor))).code).toBe('forbidden');
    expect((await failure(createView(t.ctx, moderator.actor, { name: 'x', filters: {} }))).code).toBe(
      'forbidden',
    );

    // Another manager may change and remove a shared view they did not make.
    const other = await buildUser(t.ctx, ws, { role: 'admin' });
    const changed = await updateView(t.ctx, other.actor, shared.id, { filters: { priority: 'high' } });
    expect(changed).toMatchObject({ ownerUserId: manager.user.id, filters: { priority: 'high' } });
    // Unsharing hands the view back to its owner alone.
    await updateView(t.ctx, other.actor, shared.id, { shared: false });
    expect((await listViews(t.ctx, agent.actor)).map((v) => v.name)).toEqual(['Mine, active']);
    expect((await listViews(t.ctx, manager.actor)).map((v) => [v.name, v.shared])).toEqual([
      ['Urgent', false],
    ]);
    await updateView(t.ctx, manager.actor, shared.id, { shared: true });
    await deleteView(t.ctx, other.actor, shared.id);
    await deleteView(t.ctx, agent.actor, own.id);
    expect(await listViews(t.ctx, agent.actor)).toEqual([]);
    // Shared views leave a trail; personal ones are nobody else's business.
    expect(await auditActions(ws.id)).toEqual([
      'inbox_view.create',
      'inbox_view.update',
      'inbox_view.update',
      'inbox_view.update',
      'inbox_view.delete',
    ]);
  });

  it('keeps every view to its workspace', async () => {
    const { manager, agent } = await workspace();
    const stranger = await workspace();
    const shared = await createView(t.ctx, manager.actor, { name: 'Team', filters: {}, shared: true });
    const own = await createView(t.ctx, agent.actor, { name: 'Own', filters: {} });
    expect(await listViews(t.ctx, stranger.manager.actor)).toEqual([]);
    for (const id of [shared.id, own.id]) {
      expect((await failure(updateView(t.ctx, stranger.manager.actor, id, { name: 'Taken' }))).code).toBe(
        'not_found',
      );
      expect((await failure(deleteView(t.ctx, stranger.manager.actor, id))).code).toBe('not_found');
    }
    expect(
      (await failure(reorderViews(t.ctx, stranger.manager.actor, { scope: 'shared', ids: [shared.id] })))
        .code,
    ).toBe('validation_failed');
    // The same name is free in another workspace, and for another person.
    await createView(t.ctx, stranger.manager.actor, { name: 'Team', filters: {}, shared: true });
    await createView(t.ctx, manager.actor, { name: 'Own', filters: {} });
    expect((await listViews(t.ctx, manager.actor)).map((v) => v.name)).toEqual(['Team', 'Own']);
  });

  it('refuses filters outside the case list vocabulary, a name used twice and a view beyond fifty', async () => {
    const { agent } = await workspace();
    const bad = await failure(
      createView(t.ctx, agent.actor, { name: 'Bad', filters: { status: 'lost,open' } as ViewFilters }),
    );
    expect(bad.code).toBe('validation_failed');
    expect(bad.details?.fields).toEqual([
      { path: 'filters.status', message: expect.stringContaining('active') },
    ]);
    const unknown = await failure(
      createView(t.ctx, agent.actor, {
        name: 'Bad',
        filters: { priorty: 'urgent' } as unknown as ViewFilters,
      }),
    );
    expect(unknown.code).toBe('validation_failed');
    expect(JSON.stringify(unknown.details?.fields)).toContain('priorty');
    const priority = await failure(
      createView(t.ctx, agent.actor, {
        name: 'Bad',
        filters: { priority: 'asap' } as unknown as ViewFilters,
      }),
    );
    expect(priority.details?.fields).toEqual([{ path: 'filters.priority', message: expect.any(String) }]);
    expect((await failure(createView(t.ctx, agent.actor, { name: '  ', filters: {} }))).code).toBe(
      'validation_failed',
    );

    const first = await createView(t.ctx, agent.actor, { name: 'Urgent', filters: { priority: 'urgent' } });
    const twice = await failure(createView(t.ctx, agent.actor, { name: 'Urgent', filters: {} }));
    expect(twice.code).toBe('conflict');
    expect(twice.details?.fields).toEqual([{ path: 'name', message: expect.any(String) }]);
    const second = await createView(t.ctx, agent.actor, { name: 'Low', filters: { priority: 'low' } });
    expect((await failure(updateView(t.ctx, agent.actor, second.id, { name: 'Urgent' }))).code).toBe(
      'conflict',
    );
    expect((await updateView(t.ctx, agent.actor, first.id, { name: 'Urgent' })).name).toBe('Urgent');

    for (let i = 3; i <= 50; i++) await createView(t.ctx, agent.actor, { name: `View ${i}`, filters: {} });
    const tooMany = await failure(createView(t.ctx, agent.actor, { name: 'View 51', filters: {} }));
    expect(tooMany.code).toBe('conflict');
    expect(tooMany.message).toContain('50');
    expect(await listViews(t.ctx, agent.actor)).toHaveLength(50);
  });

  it("refuses a team, person or customer that is not this workspace's, on saving and on changing filters", async () => {
    const { agent, team } = await workspace();
    const stranger = await workspace();
    const foreign = await failure(
      createView(t.ctx, agent.actor, {
        name: 'Theirs',
        filters: { teamId: stranger.team.id, assigneeUserId: stranger.agent.user.id, customerId: 'nobody' },
      }),
    );
    expect(foreign.code).toBe('validation_failed');
    expect(foreign.details?.fields).toEqual([
      { path: 'filters.teamId', message: expect.stringContaining(stranger.team.id) },
      { path: 'filters.assigneeUserId', message: expect.stringContaining(stranger.agent.user.id) },
      { path: 'filters.customerId', message: expect.stringContaining('nobody') },
    ]);
    const ours = await createView(t.ctx, agent.actor, {
      name: 'Billing',
      filters: { teamId: team.id, assigneeUserId: agent.user.id },
    });
    expect(ours.count).toBe(0);
    const changed = await failure(
      updateView(t.ctx, agent.actor, ours.id, { filters: { teamId: stranger.team.id } }),
    );
    expect(changed.details?.fields).toEqual([{ path: 'filters.teamId', message: expect.any(String) }]);
    expect((await listViews(t.ctx, agent.actor)).find((v) => v.id === ours.id)?.filters).toMatchObject({
      teamId: team.id,
      assigneeUserId: agent.user.id,
    });
  });

  it('counts the cases of each view exactly as the case list lists them for the viewer', async () => {
    const { manager, agent, colleague, team } = await workspace();
    const filterSets: ViewFilters[] = [
      { view: 'all' },
      { view: 'all', status: 'active' },
      { view: 'mine', status: 'active' },
      { view: 'mine' },
      { view: 'unassigned' },
      { view: 'all', priority: 'urgent' },
      { view: 'all', tag: 'billing' },
      { view: 'all', teamId: team.id },
      { view: 'all', status: 'solved,closed' },
      { view: 'all', search: 'refund' },
      { view: 'all', type: 'feedback', status: 'active' },
      { view: 'all', dueWithinMinutes: 60 },
    ];
    for (const [i, filters] of filterSets.entries())
      await createView(t.ctx, manager.actor, { name: `View ${i}`, filters, shared: true });
    for (const viewer of [manager, agent, colleague]) {
      const views = await listViews(t.ctx, viewer.actor);
      expect(views).toHaveLength(filterSets.length);
      for (const v of views) {
        const listed = await listCases(t.ctx, viewer.actor, { ...v.filters, limit: 200 });
        expect([v.name, v.count, v.countCapped]).toEqual([v.name, listed.items.length, false]);
      }
    }
    // `mine` is the viewer's own cases: the same shared view counts differently for each person.
    const mine = (await listViews(t.ctx, agent.actor)).find((v) => v.name === 'View 3');
    expect(mine?.count).toBe(2);
    expect((await listViews(t.ctx, colleague.actor)).find((v) => v.name === 'View 3')?.count).toBe(1);
    // Past the cap the count stops and says so.
    expect(await countCases(t.ctx, agent.actor, { view: 'all' }, 3)).toEqual({ count: 3, capped: true });
    expect(await countCases(t.ctx, agent.actor, { view: 'all' }, 5)).toEqual({ count: 5, capped: false });
  });

  it('orders your own views and the shared views separately', async () => {
    const { manager, agent, ws } = await workspace();
    const a = await createView(t.ctx, agent.actor, { name: 'A', filters: {} });
    const b = await createView(t.ctx, agent.actor, { name: 'B', filters: {} });
    const c = await createView(t.ctx, agent.actor, { name: 'C', filters: {} });
    const s1 = await createView(t.ctx, manager.actor, { name: 'S1', filters: {}, shared: true });
    const s2 = await createView(t.ctx, manager.actor, { name: 'S2', filters: {}, shared: true });
    const reordered = await reorderViews(t.ctx, agent.actor, { scope: 'personal', ids: [c.id, a.id, b.id] });
    expect(reordered.map((v) => v.name)).toEqual(['S1', 'S2', 'C', 'A', 'B']);
    expect(
      (await failure(reorderViews(t.ctx, agent.actor, { scope: 'personal', ids: [c.id, a.id] }))).code,
    ).toBe('validation_failed');
    expect(
      (await failure(reorderViews(t.ctx, agent.actor, { scope: 'personal', ids: [c.id, a.id, s1.id] }))).code,
    ).toBe('validation_failed');
    expect(
      (await failure(reorderViews(t.ctx, agent.actor, { scope: 'shared', ids: [s2.id, s1.id] }))).code,
    ).toBe('forbidden');
    await reorderViews(t.ctx, manager.actor, { scope: 'shared', ids: [s2.id, s1.id] });
    expect((await listViews(t.ctx, agent.actor)).map((v) => v.name)).toEqual(['S2', 'S1', 'C', 'A', 'B']);
    // A view shared later goes to the end of the shared list.
    await updateView(
      t.ctx,
      manager.actor,
      (await createView(t.ctx, manager.actor, { name: 'S0', filters: {} })).id,
      {
        shared: true,
      },
    );
    expect((await listViews(t.ctx, agent.actor)).map((v) => v.name).slice(0, 3)).toEqual(['S2', 'S1', 'S0']);
    expect(await auditActions(ws.id)).toEqual([
      'inbox_view.create',
      'inbox_view.create',
      'inbox_view.reorder',
      'inbox_view.update',
    ]);
  });
});
