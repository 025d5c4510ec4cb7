import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { updateUser } from '../auth/service.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { listCases } from './case-lists.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';
import { routingAction } from './routing-schema.ts';
import { saveTeam } from './teams.ts';

const t = setupTestDatabase();
let sequence = 0;

const complaint = 'My bag is lost and nobody answers, worst airline ever';

async function ingest(workspaceId: string, authors: string[]) {
  await appendToLog(
    t.ctx,
    authors.map((author) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `skills-${++sequence}`,
        text: complaint,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:${author}`, handle: author, displayName: author, followers: 10 },
      }),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

/** A care team of four: Ana (billing), Ben (billing, spanish), Cat (spanish), Dan (no skills). */
async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const person = async (skills: string[]) => {
    const { actor } = await buildUser(t.ctx, ws, { role: 'agent' });
    if (skills.length) await updateUser(t.ctx, admin, actor.userId, { skills });
    return actor.userId;
  };
  const ana = await person(['billing']);
  const ben = await person(['billing', 'spanish']);
  const cat = await person(['spanish']);
  const dan = await person([]);
  const team = await saveTeam(t.ctx, manager, { name: 'Care', memberIds: [ana, ben, cat, dan] });
  return { ws, manager, team, ana, ben, cat, dan };
}

async function casesOf(manager: Actor) {
  return (await listCases(t.ctx, manager, { view: 'all', limit: 50 })).items;
}

/** What the rule's `assign` action (its second action) said it did on the case. */
async function assignOutcome(manager: Actor, caseId: string) {
  const feed = await recordFeed(t.ctx, manager, 'case', caseId, { limit: 50 });
  const fired = feed.items.find((e) => e.kind === 'rules_fired');
  return (fired?.data.rules as { actions: string[] }[] | undefined)?.[0]?.actions[1];
}

const countBy = (ids: (string | null)[]) => {
  const n = new Map<string | null, number>();
  for (const id of ids) n.set(id, (n.get(id) ?? 0) + 1);
  return n;
};

describe('assigning by skill', () => {
  it('takes turns only among the team members who have every skill asked for', async () => {
    const { ws, manager, team, ana, ben } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Billing desk',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'round_robin', teamId: team.id, skills: ['billing'] },
      ],
    });
    await ingest(ws.id, ['rr1', 'rr2', 'rr3', 'rr4']);
    await routeNewMentions(t.ctx);
    const cases = await casesOf(manager);
    expect(cases).toHaveLength(4);
    const load = countBy(cases.map((c) => c.assigneeUserId));
    // Ana and Ben, two each: the turn goes round the narrowed pool, never to Cat or Dan.
    expect(load).toEqual(
      new Map([
        [ana, 2],
        [ben, 2],
      ]),
    );
    expect(await assignOutcome(manager, cases[0]?.id ?? '')).toMatch(/^assignee set to /);

    // Every skill must be held: only Ben has both.
    await saveRule(t.ctx, manager, {
      name: 'Spanish billing',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'round_robin', teamId: team.id, skills: ['Spanish', 'billing'] },
      ],
    });
    await ingest(ws.id, ['rr5', 'rr6']);
    await routeNewMentions(t.ctx);
    const later = (await casesOf(manager)).filter((c) => !cases.some((x) => x.id === c.id));
    expect(later.map((c) => c.assigneeUserId)).toEqual([ben, ben]);
  });

  it('gives the case to whoever has the skill and the fewest open cases', async () => {
    const { ws, manager, team, ben, cat } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Spanish speakers, least busy first',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'least_open', teamId: team.id, skills: ['spanish'] },
      ],
    });
    await ingest(ws.id, ['lo1', 'lo2', 'lo3']);
    await routeNewMentions(t.ctx);
    const cases = await casesOf(manager);
    const load = countBy(cases.map((c) => c.assigneeUserId));
    // Ana and Dan had no cases at all, yet neither speaks Spanish.
    expect([...load.keys()].every((id) => id === ben || id === cat)).toBe(true);
    expect([load.get(ben) ?? 0, load.get(cat) ?? 0].sort()).toEqual([1, 2]);
  });

  it('assigns from the whole pool, and says so, when nobody has the skills', async () => {
    const { ws, manager, team, ana, ben, cat, dan } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'French, or anyone',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'round_robin', teamId: team.id, skills: ['french', 'german'] },
      ],
    });
    await ingest(ws.id, ['fp1', 'fp2']);
    await routeNewMentions(t.ctx);
    const cases = await casesOf(manager);
    expect(cases).toHaveLength(2);
    const assignees = cases.map((c) => c.assigneeUserId);
    expect(assignees.every((id) => id !== null && [ana, ben, cat, dan].includes(id))).toBe(true);
    expect(new Set(assignees).size).toBe(2);
    for (const c of cases)
      expect(await assignOutcome(manager, c.id)).toBe(
        `assignee set to ${c.assigneeUserId} (assigned from the whole pool: nobody has skills french, german)`,
      );
  });

  it('leaves the case unassigned, with the reason, when nobody has the skills and the rule says so', async () => {
    const { ws, manager, team } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'French only',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'least_open', teamId: team.id, skills: ['french'], fallback: 'none' },
      ],
    });
    await ingest(ws.id, ['fn1']);
    await routeNewMentions(t.ctx);
    const [made] = await casesOf(manager);
    expect(made).toMatchObject({ assigneeUserId: null });
    expect(await assignOutcome(manager, made?.id ?? '')).toBe(
      'assign: nobody has skills french, left unassigned',
    );
  });

  it('passes over a deactivated person who has the skill', async () => {
    const { ws, manager, team, ana, ben } = await setup();
    await t.ctx.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', ana).execute();
    await saveRule(t.ctx, manager, {
      name: 'Billing desk',
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'round_robin', teamId: team.id, skills: ['billing'] },
      ],
    });
    await ingest(ws.id, ['d1', 'd2']);
    await routeNewMentions(t.ctx);
    expect((await casesOf(manager)).map((c) => c.assigneeUserId)).toEqual([ben, ben]);
  });

  it('accepts 1 to 10 skills of the case tags token rule, and defaults the fallback to the pool', async () => {
    const assign = (skills: unknown) =>
      routingAction.safeParse({ type: 'assign', strategy: 'round_robin', skills });
    expect(assign(['Billing', 'refund_2'])).toMatchObject({
      success: true,
      data: { skills: ['billing', 'refund_2'], fallback: 'pool' },
    });
    expect(assign([]).success).toBe(false);
    expect(assign(['two words']).success).toBe(false);
    expect(assign(['-leading']).success).toBe(false);
    expect(assign(Array.from({ length: 11 }, (_, i) => `s${i}`)).success).toBe(false);
    const { manager } = await setup();
    await expect(
      saveRule(t.ctx, manager, {
        name: 'Bad skill',
        actions: [
          { type: 'create_case' },
          { type: 'assign', strategy: 'round_robin', skills: ['no spaces'] },
        ],
      }),
    ).rejects.toThrow(/a skill is 1–40 letters/);
  });
});
