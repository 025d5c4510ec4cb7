import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { listNotifications, recordFeed } from '../collaboration/feed.ts';
import { getCase, listCases } from './case-lists.ts';
import { createCase, updateCase } from './cases.ts';
import { disposeMention } from './dispositions.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';
import {
  checkSlaClocks,
  getBusinessHours,
  recordAgentResponse,
  saveSlaPolicy,
  setBusinessHours,
  slaReport,
} from './sla.ts';

const t = setupTestDatabase();
const MIN = 60_000;
const HOUR = 60 * MIN;
let sequence = 0;

const week = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [['09:00', '17:00']],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
  sat: [],
  sun: [],
} as { mon: [string, string][] } & Record<string, [string, string][]>;

async function setup() {
  // The test clock starts on Monday 23 November 2026 at 09:00 UTC.
  t.clock.set('2026-11-23T09:00:00.000Z');
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  await setBusinessHours(t.ctx, manager, {
    week: week as Parameters<typeof setBusinessHours>[2]['week'],
    holidays: ['2026-11-26'],
  });
  return { ws, manager, agent };
}

const clock = async (actor: Parameters<typeof getCase>[1], caseId: string, metric: string) =>
  (await getCase(t.ctx, actor, caseId)).sla.find((s) => s.metric === metric);

async function ingest(workspaceId: string, post: { id: string; text: string; replyTo?: string }) {
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `${post.id}-${++sequence}`,
        text: post.text,
        createdAt: t.clock.now().toISOString(),
        replyTo: post.replyTo ?? null,
        author: { externalId: `did:plc:sla-${workspaceId}`, handle: 'customer', displayName: 'Customer' },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const row = await t.ctx.db
    .selectFrom('mentions')
    .select(['id', 'external_id'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), externalId: row.external_id };
}

describe('SLA policies and clocks', () => {
  it('starts the clocks of the first matching policy, counting open hours only', async () => {
    const { manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Urgent',
      conditions: { priorities: ['urgent'] },
      targets: { firstResponse: 30, resolution: 4 * 60 },
      businessHours: false,
    });
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Everything else',
      targets: { firstResponse: 10 * 60, resolution: 3 * 8 * 60 },
    });
    t.clock.set('2026-11-23T15:00:00.000Z'); // Monday 15:00
    const normal = await createCase(t.ctx, agent, { subject: 'Normal' });
    // 10 open hours from Monday 15:00: 2 on Monday, 8 on Tuesday → Tuesday 17:00.
    expect(normal.sla.map((s) => [s.metric, s.status, s.dueAt])).toEqual([
      ['first_response', 'running', '2026-11-24T17:00:00.000Z'],
      // 24 open hours: Mon 2 + Tue 8 + Wed 8 + (Thursday is a holiday) + Fri 6 → Friday 15:00.
      ['resolution', 'running', '2026-11-27T15:00:00.000Z'],
    ]);
    const urgent = await createCase(t.ctx, agent, { subject: 'Urgent', priority: 'urgent' });
    expect(urgent.sla.find((s) => s.metric === 'first_response')?.dueAt).toBe('2026-11-23T15:30:00.000Z');
    // Lowering the priority moves the case to the other policy, keeping when it started.
    const lowered = await updateCase(t.ctx, agent, urgent.id, { priority: 'normal' });
    expect(lowered.sla.find((s) => s.metric === 'first_response')?.dueAt).toBe('2026-11-24T17:00:00.000Z');
    expect((await getBusinessHours(t.ctx, agent)).openNow).toBe(true);

    // A new holiday on Tuesday re-times the running clocks at once: Monday 2 + Wednesday 8 open hours.
    await setBusinessHours(t.ctx, manager, {
      week: week as Parameters<typeof setBusinessHours>[2]['week'],
      holidays: ['2026-11-24', '2026-11-26'],
    });
    expect((await clock(agent, normal.id, 'first_response'))?.dueAt).toBe('2026-11-25T17:00:00.000Z');
  });

  it('pauses while the case waits for the customer and resumes with the time left', async () => {
    const { manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, { name: 'Default', targets: { resolution: 8 * 60 } });
    const c = await createCase(t.ctx, agent, { subject: 'Refund' }); // Monday 09:00, due Monday 17:00
    // The case and clocks an update answers with are the ones stored (it does not read them back).
    const update = async (patch: Parameters<typeof updateCase>[3]) => {
      const view = await updateCase(t.ctx, agent, c.id, patch);
      expect(await getCase(t.ctx, agent, c.id)).toMatchObject(view);
      return view;
    };
    expect((await clock(agent, c.id, 'resolution'))?.dueAt).toBe('2026-11-23T17:00:00.000Z');
    t.clock.advance(2 * HOUR); // 11:00: 2 h spent
    await update({ status: 'pending_customer' });
    expect(await clock(agent, c.id, 'resolution')).toMatchObject({ status: 'paused', dueAt: null });
    t.clock.set('2026-11-24T10:00:00.000Z'); // Tuesday 10:00
    await update({ status: 'open' });
    // 6 open hours left from Tuesday 10:00 → Tuesday 16:00.
    expect(await clock(agent, c.id, 'resolution')).toMatchObject({
      status: 'running',
      dueAt: '2026-11-24T16:00:00.000Z',
    });
    t.clock.advance(HOUR);
    await update({ status: 'solved' });
    expect(await clock(agent, c.id, 'resolution')).toMatchObject({
      status: 'achieved',
      achievedAt: '2026-11-24T11:00:00.000Z',
    });
    // Reopened: the clock runs again with the 3 h already spent → 5 h left from Tuesday 12:00.
    t.clock.advance(HOUR);
    await update({ status: 'open' });
    expect(await clock(agent, c.id, 'resolution')).toMatchObject({
      status: 'running',
      dueAt: '2026-11-24T17:00:00.000Z',
      achievedAt: null,
    });
    await update({ status: 'closed' });
    expect((await clock(agent, c.id, 'resolution'))?.status).toBe('stopped');
  });

  it('meets the first response when an agent answers, and starts the next-response clock when the customer writes again', async () => {
    const { ws, manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Social',
      targets: { firstResponse: 60, nextResponse: 120, resolution: 480 },
    });
    await saveRule(t.ctx, manager, { name: 'All', actions: [{ type: 'create_case' }] });
    const first = await ingest(ws.id, { id: 'sla-root', text: 'My refund never came' });
    await routeNewMentions(t.ctx);
    const caseId =
      (
        await t.ctx.db
          .selectFrom('mentions')
          .select('case_id')
          .where('id', '=', first.id)
          .executeTakeFirstOrThrow()
      ).case_id ?? '';
    t.clock.advance(20 * MIN);
    await disposeMention(t.ctx, agent, first.id, { action: 'answered' });
    expect(await clock(agent, caseId, 'first_response')).toMatchObject({
      status: 'achieved',
      achievedAt: '2026-11-23T09:20:00.000Z',
    });
    expect((await getCase(t.ctx, agent, caseId)).firstResponseAt).toBe('2026-11-23T09:20:00.000Z');
    await updateCase(t.ctx, agent, caseId, { status: 'solved' });
    t.clock.advance(10 * MIN);
    await ingest(ws.id, { id: 'sla-reply', text: 'Still nothing on my card', replyTo: first.externalId });
    await routeNewMentions(t.ctx);
    const after = await getCase(t.ctx, agent, caseId);
    expect(after.status).toBe('open'); // the customer wrote again
    expect(after.conversations[0]?.messages).toHaveLength(2);
    expect(after.sla.find((s) => s.metric === 'next_response')).toMatchObject({
      status: 'running',
      dueAt: '2026-11-23T11:30:00.000Z',
    });
    const feed = await recordFeed(t.ctx, agent, 'case', caseId, { limit: 20 });
    expect(
      feed.items.some((e) => e.kind === 'status_changed' && e.data.reason === 'the customer wrote again'),
    ).toBe(true);
  });

  it('warns once before the deadline, then breaches, escalates and notifies; the report counts attainment', async () => {
    const { ws, manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Tight',
      targets: { firstResponse: 60 },
      businessHours: false,
      warnBeforeMinutes: 15,
      breachActions: [{ type: 'escalate_priority' }, { type: 'notify', userIds: [manager.userId] }],
    });
    const late = await createCase(t.ctx, agent, { subject: 'Late', assigneeUserId: agent.userId });
    const onTime = await createCase(t.ctx, agent, { subject: 'On time' });
    t.clock.advance(50 * MIN);
    expect(await checkSlaClocks(t.ctx)).toEqual({ warned: 2, breached: 0 });
    expect(await checkSlaClocks(t.ctx)).toEqual({ warned: 0, breached: 0 });
    // An agent answers one case in time (replies call this; here directly).
    await t.ctx.db
      .transaction()
      .execute((trx) => recordAgentResponse(t.ctx, trx, ws.id, onTime.id, t.clock.now()));
    t.clock.advance(15 * MIN);
    expect(await checkSlaClocks(t.ctx)).toEqual({ warned: 0, breached: 1 });
    const breached = await getCase(t.ctx, agent, late.id);
    expect(breached.priority).toBe('high');
    expect(breached.sla[0]).toMatchObject({ status: 'breached', breachedAt: '2026-11-23T10:00:00.000Z' });
    const feed = await recordFeed(t.ctx, agent, 'case', late.id, { limit: 10 });
    expect(feed.items[0]).toMatchObject({ kind: 'sla_breached', data: { policy: 'Tight' } });
    expect(feed.items.some((e) => e.kind === 'sla_warning')).toBe(true);
    const managerNotes = await listNotifications(t.ctx, manager, { limit: 10 });
    expect(managerNotes.items.map((n) => n.summary)).toContain(
      `Case ${late.number}: first response target breached`,
    );
    const report = await slaReport(t.ctx, manager, 30);
    expect(report.metrics.find((m) => m.metric === 'first_response')).toMatchObject({
      achieved: 1,
      breached: 1,
      attainment: 0.5,
    });
  });

  it('rejects overlapping opening windows and policies without a target', async () => {
    const { manager, agent } = await setup();
    await expect(
      setBusinessHours(t.ctx, manager, {
        week: {
          ...week,
          mon: [
            ['09:00', '13:00'],
            ['12:00', '17:00'],
          ],
        } as Parameters<typeof setBusinessHours>[2]['week'],
        holidays: [],
      }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'week.mon', message: 'opening windows overlap on Monday' }] },
    });
    await expect(saveSlaPolicy(t.ctx, manager, { name: 'Empty', targets: {} })).rejects.toThrow();
    await expect(
      saveSlaPolicy(t.ctx, agent, { name: 'Agent', targets: { resolution: 10 } }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});

describe('cases breaching soon', () => {
  it('lists the cases with a running clock due within the minutes asked, overdue ones included, paused ones not', async () => {
    const { manager, agent } = await setup();
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Fast',
      targets: { firstResponse: 30 },
      businessHours: false,
    });
    await createCase(t.ctx, agent, { subject: 'First' }); // due 09:30
    t.clock.advance(20 * 60_000);
    await createCase(t.ctx, agent, { subject: 'Second' }); // due 09:50
    const waiting = await createCase(t.ctx, agent, { subject: 'Waiting' }); // due 09:50, then paused
    await updateCase(t.ctx, agent, waiting.id, { status: 'pending_customer' });
    const due = async (minutes: number) =>
      (
        await listCases(t.ctx, agent, { view: 'all', status: 'active', dueWithinMinutes: minutes, limit: 10 })
      ).items
        .map((c) => c.subject)
        .sort();
    // 09:20: the first is due in 10 minutes, the second in 30.
    expect(await due(15)).toEqual(['First']);
    expect(await due(60)).toEqual(['First', 'Second']);
    t.clock.advance(20 * 60_000); // 09:40: the first is overdue, still running
    expect(await due(5)).toEqual(['First']);
  });

  it('lists them most urgent first (by number when due together), page by page', async () => {
    const { manager, agent } = await setup();
    // Policies match in order: urgent cases get 10 minutes, the rest 30.
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Urgent',
      conditions: { priorities: ['urgent'] },
      targets: { firstResponse: 10 },
      businessHours: false,
    });
    await saveSlaPolicy(t.ctx, manager, {
      name: 'Rest',
      targets: { firstResponse: 30 },
      businessHours: false,
    });
    await createCase(t.ctx, agent, { subject: 'Normal one', priority: 'normal' }); // due 09:30
    await createCase(t.ctx, agent, { subject: 'Urgent', priority: 'urgent' }); // due 09:10
    await createCase(t.ctx, agent, { subject: 'Normal two', priority: 'normal' }); // due 09:30
    await createCase(t.ctx, agent, { subject: 'Later', priority: 'low' }); // due 09:30
    const query = { view: 'all' as const, status: 'active', dueWithinMinutes: 60, limit: 2 };
    const first = await listCases(t.ctx, agent, query);
    expect(first.items.map((c) => c.subject)).toEqual(['Urgent', 'Normal one']);
    const second = await listCases(t.ctx, agent, { ...query, cursor: first.nextCursor ?? undefined });
    expect(second.items.map((c) => c.subject)).toEqual(['Normal two', 'Later']);
    const all = await listCases(t.ctx, agent, { ...query, limit: 10 });
    expect(all.items.map((c) => c.subject)).toEqual(['Urgent', 'Normal one', 'Normal two', 'Later']);
    expect(all.nextCursor).toBeNull();
    // Without the due filter the list stays newest first.
    const newest = await listCases(t.ctx, agent, { view: 'all', status: 'active', limit: 10 });
    expect(newest.items.map((c) => c.subject)).toEqual(['Later', 'Normal two', 'Urgent', 'Normal one']);
  });
});
