import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { listNotifications, recordFeed } from '../collaboration/feed.ts';
import { getCase, listCases } from './case-lists.ts';
import { runCaseTriggers, runTimeRules, testRule } from './case-rules.ts';
import { createCase, updateCase } from './cases.ts';
import { addNote } from './replies.ts';
import { routeNewMentions } from './routing.ts';
import { listRules, saveRule } from './routing-rules.ts';
import { saveTeam } from './teams.ts';

const t = setupTestDatabase();
const HOUR = 3600_000;
let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const ana = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const team = await saveTeam(t.ctx, manager, { name: 'Escalations', memberIds: [ana.userId] });
  return { ws, manager, ana, team };
}

async function ingest(workspaceId: string, text: string, author: string) {
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `case-rules-${++sequence}`,
        text,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:${author}`, handle: author, displayName: author, followers: 10 },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

describe(`rules on case events (${testEngine})`, () => {
  it('runs a case_created rule on a case an agent opens, with the reasons in the case feed', async () => {
    const { manager, ana, team } = await setup();
    const rule = await saveRule(t.ctx, manager, {
      name: 'Urgent new cases go to escalations',
      event: 'case_created',
      conditions: [
        { field: 'case_priority', op: 'in', value: ['urgent'] },
        { field: 'case_assigned', op: 'is_false' },
      ],
      actions: [
        { type: 'assign_team', teamId: team.id },
        { type: 'notify', userIds: [ana.userId] },
      ],
    });
    const urgent = await createCase(t.ctx, manager, {
      subject: 'Engine fire on the tarmac',
      priority: 'urgent',
    });
    const calm = await createCase(t.ctx, manager, { subject: 'Seat question' });
    expect(await runCaseTriggers(t.ctx)).toBe(1);
    expect((await getCase(t.ctx, manager, urgent.id)).teamId).toBe(team.id);
    expect((await getCase(t.ctx, manager, calm.id)).teamId).toBeNull();
    const feed = await recordFeed(t.ctx, manager, 'case', urgent.id, { limit: 20 });
    const fired = feed.items.find((e) => e.kind === 'rules_fired');
    expect(fired?.data).toMatchObject({
      event: 'case_created',
      rules: [
        {
          id: rule.id,
          reasons: ['case priority is urgent', 'case is unassigned'],
          actions: [`team set to ${team.id}`, 'notified 1'],
        },
      ],
    });
    const notes = await listNotifications(t.ctx, ana, { limit: 10 });
    expect(notes.items.some((n) => n.recordId === urgent.id)).toBe(true);
    // Nothing new: nothing fires again, and the rule's own changes did not start another round.
    expect(await runCaseTriggers(t.ctx)).toBe(0);
    expect((await listRules(t.ctx, manager)).find((r) => r.id === rule.id)?.firedCount).toBe(1);
  });

  it('runs a case_updated rule on what the update changed, and not on its own changes', async () => {
    const { manager, ana } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Escalated to urgent: tag and hand to Ana',
      event: 'case_updated',
      conditions: [
        { field: 'changed', op: 'in', value: ['priority'] },
        { field: 'case_priority', op: 'in', value: ['urgent'] },
      ],
      actions: [
        { type: 'add_tags', value: ['escalated'] },
        { type: 'assign_agent', userId: ana.userId },
      ],
    });
    // Fires on any change to an urgent case, its own included if rules reacted to rules.
    await saveRule(t.ctx, manager, {
      name: 'Watch urgent cases',
      event: 'case_updated',
      conditions: [{ field: 'case_priority', op: 'in', value: ['urgent'] }],
      actions: [{ type: 'add_tags', value: ['watched'] }],
    });
    // Priority raised to urgent on one rule, only to high on the other; a note on a third.
    const raised = await createCase(t.ctx, manager, { subject: 'Refund still missing' });
    const high = await createCase(t.ctx, manager, { subject: 'Lost bag' });
    const noted = await createCase(t.ctx, manager, { subject: 'Wheelchair', priority: 'urgent' });
    await runCaseTriggers(t.ctx); // their creation is not an update
    await updateCase(t.ctx, manager, raised.id, { priority: 'urgent' });
    await updateCase(t.ctx, manager, high.id, { priority: 'high' });
    await addNote(t.ctx, manager, noted.id, { body: 'Called the airport' });
    // Both rules on the raised case; the watch rule on the noted one.
    expect(await runCaseTriggers(t.ctx)).toBe(3);
    const after = await getCase(t.ctx, manager, raised.id);
    expect(after.tags).toEqual(['escalated', 'watched']);
    expect(after.assigneeUserId).toBe(ana.userId);
    expect((await getCase(t.ctx, manager, high.id)).tags).toEqual([]);
    const watched = await getCase(t.ctx, manager, noted.id);
    expect([watched.tags, watched.assigneeUserId]).toEqual([['watched'], null]);
    // The rules' tags and assignment are changes of the case too, yet no rule reacts to rules' changes.
    expect(await runCaseTriggers(t.ctx)).toBe(0);
    // A person's next change is seen again.
    await updateCase(t.ctx, manager, raised.id, { priority: 'normal' });
    await updateCase(t.ctx, manager, raised.id, { priority: 'urgent' });
    expect(await runCaseTriggers(t.ctx)).toBe(2);
  });

  it('reacts to the customer writing again on a case that waits for them', async () => {
    const { ws, manager } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Complaints become cases',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case' }],
    });
    const created = await saveRule(t.ctx, manager, {
      name: 'Negative posts: high priority',
      event: 'case_created',
      // Analysis conditions read the case's latest post from the customer.
      conditions: [{ field: 'sentiment', op: 'in', value: ['negative'] }],
      actions: [{ type: 'set_priority', value: 'high' }],
    });
    await saveRule(t.ctx, manager, {
      name: 'Customer wrote while we wait for them: reopen',
      event: 'case_updated',
      conditions: [
        { field: 'changed', op: 'in', value: ['customer_message'] },
        { field: 'case_status', op: 'in', value: ['pending_customer'] },
      ],
      actions: [{ type: 'set_status', value: 'open' }],
    });
    await ingest(ws.id, 'My bag is lost and nobody answers, worst airline ever', 'vera');
    await routeNewMentions(t.ctx);
    await runCaseTriggers(t.ctx);
    const [made] = (await listCases(t.ctx, manager, { view: 'all', limit: 5 })).items;
    expect(made?.priority).toBe('high');
    expect((await listRules(t.ctx, manager)).find((r) => r.id === created.id)?.firedCount).toBe(1);
    await updateCase(t.ctx, manager, made?.id ?? '', { status: 'pending_customer' });
    await runCaseTriggers(t.ctx);
    expect((await getCase(t.ctx, manager, made?.id ?? '')).status).toBe('pending_customer');
    // The customer writes again in another post; a post rule attaches it to the open case.
    await ingest(ws.id, 'Still no bag, this is a disgrace', 'vera');
    await routeNewMentions(t.ctx);
    await runCaseTriggers(t.ctx);
    expect((await getCase(t.ctx, manager, made?.id ?? '')).status).toBe('open');
  });

  it('starts from the moment the first case rule is saved: earlier changes are not replayed', async () => {
    const { manager } = await setup();
    const before = await createCase(t.ctx, manager, { subject: 'Before any rule', priority: 'urgent' });
    await saveRule(t.ctx, manager, {
      name: 'Tag urgent cases',
      event: 'case_created',
      conditions: [{ field: 'case_priority', op: 'in', value: ['urgent'] }],
      actions: [{ type: 'add_tags', value: ['hot'] }],
    });
    const afterwards = await createCase(t.ctx, manager, { subject: 'After the rule', priority: 'urgent' });
    await runCaseTriggers(t.ctx);
    expect((await getCase(t.ctx, manager, before.id)).tags).toEqual([]);
    expect((await getCase(t.ctx, manager, afterwards.id)).tags).toEqual(['hot']);
  });
});

describe(`rules on time passing (${testEngine})`, () => {
  it('closes a case solved three days ago, once per solve, stamping it as a person would', async () => {
    const { manager } = await setup();
    const rule = await saveRule(t.ctx, manager, {
      name: 'Close three days after solving',
      event: 'time_elapsed',
      conditions: [
        { field: 'case_status', op: 'in', value: ['solved'] },
        { field: 'hours_since', since: 'solved', op: 'gte', value: 72 },
      ],
      actions: [{ type: 'set_status', value: 'closed' }],
    });
    const solved = await createCase(t.ctx, manager, { subject: 'Refund done' });
    const open = await createCase(t.ctx, manager, { subject: 'Still waiting' });
    await updateCase(t.ctx, manager, solved.id, { status: 'solved' });
    t.clock.advance(71 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(0);
    t.clock.advance(2 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(1);
    const closed = await getCase(t.ctx, manager, solved.id);
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).toBe(t.clock.now().toISOString());
    expect((await getCase(t.ctx, manager, open.id)).status).toBe('new');
    expect(await runTimeRules(t.ctx)).toBe(0);
    const feed = await recordFeed(t.ctx, manager, 'case', solved.id, { limit: 20 });
    expect(feed.items.find((e) => e.kind === 'status_changed' && e.data.to === 'closed')?.data).toMatchObject(
      {
        from: 'solved',
        rule: { id: rule.id, event: 'time_elapsed' },
      },
    );
  });

  it('fires once per case and moment: a case put back is not acted on again until the moment moves', async () => {
    const { manager, ana } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Unassigned for two hours: raise and hand to Ana',
      event: 'time_elapsed',
      conditions: [
        { field: 'hours_since', since: 'created', op: 'gte', value: 2 },
        { field: 'case_assigned', op: 'is_false' },
      ],
      actions: [
        { type: 'set_priority', value: 'high' },
        { type: 'assign_agent', userId: ana.userId },
      ],
    });
    const waiting = await createCase(t.ctx, manager, { subject: 'Nobody picked this up' });
    const taken = await createCase(t.ctx, manager, { subject: 'Taken', assigneeUserId: ana.userId });
    t.clock.advance(3 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(1);
    const raised = await getCase(t.ctx, manager, waiting.id);
    expect([raised.priority, raised.assigneeUserId]).toEqual(['high', ana.userId]);
    expect((await getCase(t.ctx, manager, taken.id)).priority).toBe('normal');
    // Unassigned again by a person: the case was created at the same moment, so the rule is done with it.
    await updateCase(t.ctx, manager, waiting.id, { assigneeUserId: null, priority: 'normal' });
    t.clock.advance(3 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(0);
    expect((await getCase(t.ctx, manager, waiting.id)).assigneeUserId).toBeNull();
  });

  it('measures from the customer’s last message, which moves when they write again', async () => {
    const { ws, manager } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Complaints become cases',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case' }],
    });
    await saveRule(t.ctx, manager, {
      name: 'Customer waiting a day: urgent',
      event: 'time_elapsed',
      conditions: [{ field: 'hours_since', since: 'customer_message', op: 'gte', value: 24 }],
      actions: [{ type: 'set_priority', value: 'urgent' }],
    });
    await ingest(ws.id, 'My bag is lost and nobody answers, worst airline ever', 'omar');
    await routeNewMentions(t.ctx);
    t.clock.advance(23 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(0);
    t.clock.advance(2 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(1);
    const [c] = (await listCases(t.ctx, manager, { view: 'all', limit: 5 })).items;
    expect(c?.priority).toBe('urgent');
    // Calmed down by an agent; the customer writes again (a new post joins their open case).
    await updateCase(t.ctx, manager, c?.id ?? '', { priority: 'normal' });
    await ingest(ws.id, 'Still no bag and still no answer, terrible service', 'omar');
    await routeNewMentions(t.ctx);
    expect((await listCases(t.ctx, manager, { view: 'all', limit: 5 })).items).toHaveLength(1);
    t.clock.advance(23 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(0);
    t.clock.advance(2 * HOUR);
    expect(await runTimeRules(t.ctx)).toBe(1);
    expect((await getCase(t.ctx, manager, c?.id ?? '')).priority).toBe('urgent');
  });
});

describe('rule definitions on case events', () => {
  it('refuses conditions and actions that do not fit the event, with the path', async () => {
    const { manager } = await setup();
    const refused = async (input: Parameters<typeof saveRule>[2]) => {
      const err = await saveRule(t.ctx, manager, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ZodError);
      return (err as ZodError).issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    };
    expect(await refused({ name: 'x', event: 'case_updated', actions: [{ type: 'create_case' }] })).toEqual([
      {
        path: 'actions.0.type',
        message: 'create_case acts on a new post: use it in a rule on mention_stored',
      },
    ]);
    expect(
      await refused({
        name: 'x',
        conditions: [{ field: 'changed', op: 'in', value: ['status'] }],
        actions: [{ type: 'set_status', value: 'open' }],
      }),
    ).toEqual([
      {
        path: 'conditions.0.field',
        message: 'the changed condition cannot be used by a rule on mention_stored',
      },
      { path: 'actions.0.type', message: 'set_status is for rules on case events' },
    ]);
    expect(
      await refused({
        name: 'x',
        event: 'time_elapsed',
        conditions: [{ field: 'hours_since', since: 'created', op: 'lte', value: 5 }],
        actions: [{ type: 'set_priority', value: 'high' }],
      }),
    ).toEqual([{ path: 'conditions', message: 'a time rule needs an "hours_since … at least" condition' }]);
  });

  it('tries a rule on case events against the latest open cases without acting', async () => {
    const { manager } = await setup();
    const urgent = await createCase(t.ctx, manager, { subject: 'Engine fire', priority: 'urgent' });
    await createCase(t.ctx, manager, { subject: 'Seat question' });
    const result = await testRule(
      t.ctx,
      manager,
      {
        name: 'try',
        event: 'case_created',
        conditions: [{ field: 'case_priority', op: 'in', value: ['urgent'] }],
        actions: [{ type: 'set_status', value: 'solved' }],
      },
      50,
    );
    expect(result).toMatchObject({
      evaluated: 2,
      matched: 1,
      samples: [{ caseNumber: urgent.number, text: 'Engine fire', reasons: ['case priority is urgent'] }],
    });
    expect((await getCase(t.ctx, manager, urgent.id)).status).toBe('new');
  });
});
