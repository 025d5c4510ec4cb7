import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createConnector } from '../../connectors/service.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { exportCustomer } from '../customers/privacy.ts';
import { runTimeRules } from '../inbox/case-rules.ts';
import { createCase, updateCase } from '../inbox/cases.ts';
import { caseReplies, deliverDueReplies } from '../inbox/replies.ts';
import { routeNewMentions } from '../inbox/routing.ts';
import { saveRule } from '../inbox/routing-rules.ts';
import { caseSurveys, createSurvey, SOLVE_SURVEY_GRACE_MS, sendCaseSurvey } from './service.ts';

const t = setupTestDatabase();
let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  // Demo posts are answered through the demo connector: the outbox sends without a network.
  await createConnector(t.ctx, owner.actor, { kind: 'demo', name: 'Demo stream', config: {} });
  await createSurvey(t.ctx, owner.actor, { name: 'CSAT', kind: 'csat', question: 'How did we do?' });
  return { ws, owner, agent };
}

/** A stored post by a new author, and a case on it (whose customer is the author's). */
async function caseFromPost(ws: { id: string }, agent: Awaited<ReturnType<typeof setup>>['agent']) {
  sequence++;
  await post(ws.id, sequence, `demo:held:${sequence}`, null);
  const m = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('external_id', '=', `demo:held:${sequence}`)
    .executeTakeFirstOrThrow();
  return createCase(t.ctx, agent.actor, { subject: 'Lost parcel', mentionIds: [Number(m.id)] });
}

/** Stores a post by customer `who`, as the pipeline does. */
async function post(workspaceId: string, who: number, externalId: string, replyTo: string | null) {
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId,
        text: replyTo ? 'It is still not here' : 'My parcel is lost',
        createdAt: t.clock.now().toISOString(),
        replyTo,
        author: { externalId: `demo:holder${who}`, handle: `holder${who}.example` },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

const requestsOf = (caseId: string) =>
  t.ctx.db
    .selectFrom('survey_requests')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

describe('the survey a solve queues is held for a grace period', () => {
  it('holds the survey for 30 s: the outbox does not send it before, and does after', async () => {
    const { ws, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    const solvedAt = t.clock.now();
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    expect(SOLVE_SURVEY_GRACE_MS).toBe(30_000);
    const [reply] = await caseReplies(t.ctx, ws.id, c.id);
    expect(reply).toMatchObject({
      status: 'queued',
      nextAttemptAt: new Date(solvedAt.getTime() + 30_000).toISOString(),
    });
    const [view] = await caseSurveys(t.ctx, agent.actor, c.id);
    expect(view).toMatchObject({ status: 'queued', heldUntil: reply?.nextAttemptAt });

    t.clock.advance(29_000);
    expect(await deliverDueReplies(t.ctx)).toBe(0);
    expect((await caseReplies(t.ctx, ws.id, c.id))[0]?.status).toBe('queued');
    t.clock.advance(1_000);
    expect(await deliverDueReplies(t.ctx)).toBe(1);
    expect((await caseReplies(t.ctx, ws.id, c.id))[0]?.status).toBe('sent');
    expect((await caseSurveys(t.ctx, agent.actor, c.id))[0]).toMatchObject({
      status: 'sent',
      heldUntil: null,
    });
  });

  it('withdraws the held survey when the case is reopened within the period, and surveys it when solved again', async () => {
    const { ws, owner, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    t.clock.advance(10_000);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'pending_customer' });

    const [withdrawn, ...none] = await requestsOf(c.id);
    expect(none).toEqual([]);
    expect(withdrawn?.status).toBe('withdrawn');
    const [cancelled] = await caseReplies(t.ctx, ws.id, c.id);
    expect(cancelled).toMatchObject({ id: withdrawn?.reply_id, status: 'cancelled', nextAttemptAt: null });
    expect((await caseSurveys(t.ctx, agent.actor, c.id))[0]?.status).toBe('withdrawn');
    const feed = await recordFeed(t.ctx, agent.actor, 'case', c.id, { limit: 50 });
    expect(feed.items.map((e) => e.kind)).toEqual(
      expect.arrayContaining(['reply_cancelled', 'survey_withdrawn']),
    );
    // The link was never sent: it does not open.
    const page = await createApp(t.ctx).request(`/survey/${withdrawn?.token}`);
    expect(page.status).toBe(404);
    // The cancelled reply is never sent, however long the outbox waits.
    t.clock.advance(60_000);
    expect(await deliverDueReplies(t.ctx)).toBe(0);

    // Solved for real later: the withdrawn request counts neither for the case nor for the cooldown.
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const requests = await requestsOf(c.id);
    expect(requests.map((r) => r.status)).toEqual(['withdrawn', 'queued']);
    // The person's data export tells the withdrawn request from the one on its way.
    const exported = await exportCustomer(t.ctx, owner.actor, c.customerId as string);
    expect(exported.surveys.map((r) => r.status)).toEqual(['withdrawn', 'queued']);
    t.clock.advance(SOLVE_SURVEY_GRACE_MS);
    expect(await deliverDueReplies(t.ctx)).toBe(1);
    const replies = await caseReplies(t.ctx, ws.id, c.id);
    expect(replies.map((r) => r.status)).toEqual(['cancelled', 'sent']);
    expect(replies[1]?.id).toBe(requests[1]?.reply_id);
  });

  it('withdraws the held survey when the customer writes again within the period and the case reopens', async () => {
    const { ws, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    t.clock.advance(5_000);
    await post(ws.id, sequence, `demo:held:${sequence}:again`, `demo:held:${sequence}`);
    await routeNewMentions(t.ctx);
    const [request] = await requestsOf(c.id);
    expect(request?.status).toBe('withdrawn');
    expect((await caseReplies(t.ctx, ws.id, c.id)).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('leaves a survey the worker already sent alone when the case is reopened', async () => {
    const { ws, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    t.clock.advance(SOLVE_SURVEY_GRACE_MS);
    expect(await deliverDueReplies(t.ctx)).toBe(1);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'open' });
    const [request] = await requestsOf(c.id);
    expect(request?.status).toBe('queued');
    expect((await caseReplies(t.ctx, ws.id, c.id)).map((r) => r.status)).toEqual(['sent']);
    expect((await caseSurveys(t.ctx, agent.actor, c.id))[0]?.status).toBe('sent');
    // Solved again: the case was surveyed already.
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    expect(await requestsOf(c.id)).toHaveLength(1);
  });

  it('does not withdraw the survey when a solved case is closed', async () => {
    const { ws, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    await updateCase(t.ctx, agent.actor, c.id, { status: 'closed' });
    expect((await requestsOf(c.id))[0]?.status).toBe('queued');
    t.clock.advance(SOLVE_SURVEY_GRACE_MS);
    expect(await deliverDueReplies(t.ctx)).toBe(1);
  });

  it('holds the survey of a case a rule solves the same way, and a reopen within the period withdraws it', async () => {
    const { ws, agent } = await setup();
    const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
    await saveRule(t.ctx, manager, {
      name: 'Solve after a week without an answer',
      event: 'time_elapsed',
      conditions: [
        { field: 'case_status', op: 'in', value: ['pending_customer'] },
        { field: 'hours_since', since: 'updated', op: 'gte', value: 168 },
      ],
      actions: [{ type: 'set_status', value: 'solved' }],
    });
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'pending_customer' });
    t.clock.advance(169 * 3600 * 1000);
    expect(await runTimeRules(t.ctx)).toBe(1);
    const solvedAt = t.clock.now();
    const [reply] = await caseReplies(t.ctx, ws.id, c.id);
    expect(reply).toMatchObject({
      status: 'queued',
      nextAttemptAt: new Date(solvedAt.getTime() + SOLVE_SURVEY_GRACE_MS).toISOString(),
    });
    expect(await deliverDueReplies(t.ctx)).toBe(0);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'open' });
    expect((await requestsOf(c.id))[0]?.status).toBe('withdrawn');
    expect((await caseReplies(t.ctx, ws.id, c.id))[0]?.status).toBe('cancelled');
  });

  it('does not hold a survey an agent sends on purpose, and shows the hold through the API', async () => {
    const { ws, agent } = await setup();
    const c = await caseFromPost(ws, agent);
    const sent = await sendCaseSurvey(t.ctx, agent.actor, c.id, {});
    expect(sent).toMatchObject({ status: 'queued', heldUntil: null });
    const [reply] = await caseReplies(t.ctx, ws.id, c.id);
    expect(reply?.nextAttemptAt).toBe(t.clock.now().toISOString());
    expect(await deliverDueReplies(t.ctx)).toBe(1);

    const other = await caseFromPost(ws, agent);
    const token = await buildToken(t.ctx, agent);
    const patched = await call(
      createApp(t.ctx),
      'PATCH',
      `/api/v1/cases/${other.id}`,
      { status: 'solved' },
      { bearer: token },
    );
    expect(patched.status).toBe(200);
    const solvedAt = t.clock.now().getTime();
    t.clock.advance(12_000);
    const res = await call(createApp(t.ctx), 'GET', `/api/v1/cases/${other.id}/surveys`, undefined, {
      bearer: token,
    });
    expect(res.status).toBe(200);
    const { items, now } = (await res.json()) as {
      items: { status: string; heldUntil: string | null }[];
      now: string;
    };
    // The server's clock comes with the list, so a client can count the hold down without trusting its own.
    expect(now).toBe(t.clock.now().toISOString());
    expect(items[0]).toMatchObject({
      status: 'queued',
      heldUntil: new Date(solvedAt + SOLVE_SURVEY_GRACE_MS).toISOString(),
    });
    await call(createApp(t.ctx), 'PATCH', `/api/v1/cases/${other.id}`, { status: 'open' }, { bearer: token });
    const after = await call(createApp(t.ctx), 'GET', `/api/v1/cases/${other.id}/surveys`, undefined, {
      bearer: token,
    });
    const afterBody = (await after.json()) as { items: { status: string; heldUntil: string | null }[] };
    expect(afterBody.items[0]).toMatchObject({ status: 'withdrawn', heldUntil: null });
  });
});
