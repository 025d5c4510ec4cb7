import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { listAuditLog } from '../audit/service.ts';
import { deleteRule, listRules, reorderRules, saveRule } from './routing-rules.ts';
import { saveTeam } from './teams.ts';

const t = setupTestDatabase();

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const ana = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const team = await saveTeam(t.ctx, manager, { name: 'Care', memberIds: [ana.userId] });
  return { ws, manager, ana, team };
}

describe('managing routing rules', () => {
  it('adds rules at the end, keeps the order given, edits and deletes them, each in the audit log', async () => {
    const { manager, ana } = await setup();
    const a = await saveRule(t.ctx, manager, { name: 'A', actions: [{ type: 'add_tags', value: ['a'] }] });
    const b = await saveRule(t.ctx, manager, { name: 'B', actions: [{ type: 'add_tags', value: ['b'] }] });
    expect([a.position, b.position]).toEqual([1, 2]);
    const reordered = await reorderRules(t.ctx, manager, [b.id, a.id]);
    expect(reordered.map((r) => r.name)).toEqual(['B', 'A']);
    await expect(reorderRules(t.ctx, manager, [b.id])).rejects.toMatchObject({ code: 'validation_failed' });

    const edited = await saveRule(
      t.ctx,
      manager,
      { name: 'A, off', enabled: false, actions: [{ type: 'add_tags', value: ['a2'] }] },
      a.id,
    );
    expect(edited).toMatchObject({ id: a.id, name: 'A, off', enabled: false, position: 2 });
    await deleteRule(t.ctx, manager, b.id);
    expect((await listRules(t.ctx, ana)).map((r) => [r.name, r.actions])).toEqual([
      ['A, off', [{ type: 'add_tags', value: ['a2'] }]],
    ]);
    await expect(deleteRule(t.ctx, manager, b.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(deleteRule(t.ctx, ana, a.id)).rejects.toMatchObject({ code: 'forbidden' });

    const audit = await listAuditLog(t.ctx, { ...manager, role: 'owner' }, { limit: 10 });
    expect(
      audit.items.filter((e) => e.action.startsWith('routing_rule.')).map((e) => [e.action, e.targetId]),
    ).toEqual([
      ['routing_rule.delete', b.id],
      ['routing_rule.update', a.id],
      ['routing_rule.reorder', manager.workspaceId],
      ['routing_rule.create', b.id],
      ['routing_rule.create', a.id],
    ]);
  });

  it('rejects rules that name teams or people of another workspace', async () => {
    const { manager, ana } = await setup();
    const other = await setup();
    await expect(
      saveRule(t.ctx, manager, {
        name: 'Bad team',
        actions: [{ type: 'assign', strategy: 'round_robin', teamId: other.team.id }],
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      saveRule(t.ctx, manager, {
        name: 'Bad assignee',
        actions: [{ type: 'assign_agent', userId: other.ana.userId }],
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'actions.0.userId' }] },
    });
    await expect(
      saveRule(t.ctx, manager, {
        name: 'Bad people',
        actions: [{ type: 'notify', userIds: [other.ana.userId] }],
      }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(
      saveRule(t.ctx, ana, { name: 'Agent', actions: [{ type: 'add_tags', value: ['x'] }] }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
