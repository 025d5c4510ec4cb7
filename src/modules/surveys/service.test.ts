import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createConnector } from '../../connectors/service.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { recordConsent } from '../customers/consents.ts';
import { eraseCustomer } from '../customers/erasure.ts';
import { exportCustomer } from '../customers/privacy.ts';
import { createCustomer, customerTimeline, mergeCustomers, unmergeCustomers } from '../customers/service.ts';
import { getCase } from '../inbox/case-lists.ts';
import { runCaseTriggers, runTimeRules } from '../inbox/case-rules.ts';
import { createCase, updateCase } from '../inbox/cases.ts';
import { caseReplies } from '../inbox/replies.ts';
import { saveRule } from '../inbox/routing-rules.ts';
import { fanOutEvents } from '../webhooks/delivery.ts';
import { createEndpoint } from '../webhooks/endpoints.ts';
import {
  createSurvey,
  SOLVE_SURVEY_GRACE_MS,
  sendCaseSurvey,
  surveyAnswers,
  surveyResults,
  updateSurvey,
} from './service.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);
let sequence = 0;

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  // Demo posts are answered through the demo connector: the outbox accepts replies without a network.
  await createConnector(t.ctx, owner.actor, { kind: 'demo', name: 'Demo stream', config: {} });
  return { ws, owner, agent };
}

/** A stored post by a new author, and a case on it (whose customer is the author's). */
async function caseFromPost(
  ws: { id: string },
  agent: Awaited<ReturnType<typeof setup>>['agent'],
  author?: string,
) {
  sequence++;
  const who = author ?? `demo:customer${sequence}`;
  await appendToLog(t.ctx, [
    {
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `demo:post:${sequence}`,
        text: 'My bag never arrived',
        createdAt: t.clock.now().toISOString(),
        author: { externalId: who, handle: `${who.replace(/\W/g, '')}.example` },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const m = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('external_id', '=', `demo:post:${sequence}`)
    .executeTakeFirstOrThrow();
  return createCase(t.ctx, agent.actor, { subject: 'Lost bag', mentionIds: [Number(m.id)] });
}

const requestsOf = (caseId: string) =>
  t.ctx.db.selectFrom('survey_requests').selectAll().where('case_id', '=', caseId).execute();

/** Answers through the public page as a customer's browser posts its form. */
function answer(token: string, fields: Record<string, string>) {
  return app().request(
    `/survey/${token}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    },
    { incoming: { socket: { remoteAddress: '127.0.0.1' } } },
  );
}

describe('satisfaction surveys', () => {
  it('sends the survey in the thread when a case is solved, once per case and once per cooldown per customer', async () => {
    const { ws, owner, agent } = await setup();
    const survey = await createSurvey(t.ctx, owner.actor, {
      name: 'Support CSAT',
      kind: 'csat',
      question: 'How did we do?',
      commentPrompt: 'Anything to add?',
    });
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const [request, ...more] = await requestsOf(c.id);
    expect(more).toEqual([]);
    expect(request).toMatchObject({ survey_id: survey.id, customer_id: c.customerId, status: 'queued' });
    const replies = await caseReplies(t.ctx, ws.id, c.id);
    expect(replies.map((r) => r.body)).toEqual([
      `How did we do? ${t.ctx.config.publicUrl}/survey/${request?.token}`,
    ]);
    expect(replies[0]?.visibility).toBe('public');

    // Reopened after the grace period (the survey is no longer held) and solved again: still one survey for the case.
    t.clock.advance(SOLVE_SURVEY_GRACE_MS);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'open' });
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    expect(await requestsOf(c.id)).toHaveLength(1);

    // Another case of the same customer within the 7-day cooldown: not asked again; after it, asked.
    const author = (
      await t.ctx.db
        .selectFrom('identities')
        .select('external_id')
        .where('customer_id', '=', c.customerId as string)
        .executeTakeFirstOrThrow()
    ).external_id;
    const second = await caseFromPost(ws, agent, author);
    expect(second.customerId).toBe(c.customerId);
    await updateCase(t.ctx, agent.actor, second.id, { status: 'solved' });
    expect(await requestsOf(second.id)).toEqual([]);
    t.clock.advance(8 * 24 * 3600 * 1000);
    const third = await caseFromPost(ws, agent, author);
    await updateCase(t.ctx, agent.actor, third.id, { status: 'solved' });
    expect(await requestsOf(third.id)).toHaveLength(1);
  });

  it('sends the survey when a time rule solves a case left pending the customer', async () => {
    const { ws, owner, agent } = await setup();
    await createSurvey(t.ctx, owner.actor, { name: 'CSAT', kind: 'csat', question: 'How did we do?' });
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
    const [request] = await requestsOf(c.id);
    expect(request).toMatchObject({ status: 'queued', customer_id: c.customerId });
    const feed = await recordFeed(t.ctx, agent.actor, 'case', c.id, { limit: 50 });
    expect(feed.items.find((e) => e.kind === 'survey_sent')?.actorUserId).toBeNull();
  });

  it('lets a rule on case updates reopen and raise a case whose customer answered unhappy', async () => {
    const { ws, owner, agent } = await setup();
    await createSurvey(t.ctx, owner.actor, {
      name: 'NPS',
      kind: 'nps',
      question: 'Recommend us?',
      cooldownDays: 0,
    });
    const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
    await saveRule(t.ctx, manager, {
      name: 'Detractors get a call back',
      event: 'case_updated',
      conditions: [
        { field: 'changed', op: 'in', value: ['survey_answer'] },
        { field: 'survey_rating', op: 'in', value: ['unhappy'] },
      ],
      actions: [
        { type: 'set_status', value: 'open' },
        { type: 'set_priority', value: 'high' },
      ],
    });
    const cases: string[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await caseFromPost(ws, agent);
      await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
      cases.push(c.id);
    }
    // The cases' creation and solving pass first (events of one case in a pass are one occurrence).
    expect(await runCaseTriggers(t.ctx)).toBe(0);
    for (const [i, score] of ['3', '9'].entries()) {
      const [request] = await requestsOf(cases[i] as string);
      expect((await answer(request?.token as string, { score })).status).toBe(200);
    }
    expect(await runCaseTriggers(t.ctx)).toBe(1);
    const [detractor, promoter] = await Promise.all(cases.map((id) => getCase(t.ctx, agent.actor, id)));
    expect(detractor).toMatchObject({ status: 'open', priority: 'high' });
    expect(promoter).toMatchObject({ status: 'solved', priority: 'normal' });
    const feed = await recordFeed(t.ctx, agent.actor, 'case', detractor?.id ?? '', { limit: 50 });
    const reopened = feed.items.find((e) => e.kind === 'status_changed' && e.data.to === 'open');
    expect(reopened?.data).toMatchObject({ from: 'solved', rule: { event: 'case_updated' } });
  });

  it('takes the answer on the public page, puts it on the case feed and the customer timeline, and counts it', async () => {
    const { ws, owner, agent } = await setup();
    const survey = await createSurvey(t.ctx, owner.actor, {
      name: 'CSAT',
      kind: 'csat',
      question: 'How satisfied are you?',
      commentPrompt: 'Tell us more',
    });
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const [request] = await requestsOf(c.id);
    const token = request?.token as string;

    const page = await app().request(`/survey/${token}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const form = await page.text();
    expect(form).toContain('How satisfied are you?');
    expect(form.match(/type="radio" name="score"/g)).toHaveLength(5);

    const refused = await answer(token, { score: '9' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Choose a score from 1 to 5');
    expect((await requestsOf(c.id))[0]?.answered_at).toBeNull();

    const done = await answer(token, { score: '2', comment: 'Took <b>five</b> days' });
    expect(done.status).toBe(200);
    const thanks = await done.text();
    expect(thanks).toContain('Thank you');
    // The comment is shown back escaped, never as markup.
    expect(thanks).toContain('Took &lt;b&gt;five&lt;/b&gt; days');

    const feed = await recordFeed(t.ctx, agent.actor, 'case', c.id, { limit: 50 });
    const answered = feed.items.find((e) => e.kind === 'survey_answered');
    expect(answered?.data).toMatchObject({ requestId: request?.id, score: 2, scaleMax: 5, low: true });

    const timeline = await customerTimeline(t.ctx, agent.actor, c.customerId as string, { limit: 50 });
    const item = timeline.items.find((i) => i.kind === 'survey_answer');
    expect(item?.survey).toMatchObject({
      surveyId: survey.id,
      score: 2,
      scaleMax: 5,
      comment: 'Took <b>five</b> days',
    });
    expect(item?.survey?.caseNumber).toBe(c.number);

    // Changed until the link expires; the latest answer counts.
    expect((await answer(token, { score: '4' })).status).toBe(200);
    const results = await surveyResults(t.ctx, agent.actor, survey.id, 30);
    expect(results).toMatchObject({ sent: 1, answered: 1, responseRate: 1, average: 4, csat: 1, nps: null });
    expect(results.distribution).toEqual(
      [1, 2, 3, 4, 5].map((score) => ({ score, count: score === 4 ? 1 : 0 })),
    );
    const answers = await surveyAnswers(t.ctx, agent.actor, survey.id, { limit: 10 });
    expect(answers.items).toMatchObject([{ caseId: c.id, score: 4, comment: null }]);

    // Webhook receivers subscribed to survey answers get them (score, not the comment).
    await createEndpoint(
      { ...t.ctx, config: { ...t.ctx.config, webhooksAllowPrivateTargets: true } },
      owner.actor,
      {
        url: 'http://127.0.0.1:9/hooks',
        eventTypes: ['case.survey_answered'],
      },
    );
    expect((await answer(token, { score: '5', comment: 'Better now' })).status).toBe(200);
    await fanOutEvents(t.ctx);
    const deliveries = await t.ctx.db.selectFrom('webhook_deliveries').select(['type', 'payload']).execute();
    expect(deliveries.map((d) => d.type)).toEqual(['case.survey_answered']);
    expect(JSON.parse(String(deliveries[0]?.payload)).data).toMatchObject({
      score: 5,
      scaleMax: 5,
      low: false,
    });
    expect(String(deliveries[0]?.payload)).not.toContain('Better now');

    t.clock.advance(15 * 24 * 3600 * 1000);
    const late = await answer(token, { score: '5' });
    expect(late.status).toBe(409);
    expect(await late.text()).toContain('the link has expired');
    expect((await app().request('/survey/not-a-token')).status).toBe(404);
    expect((await app().request(`/survey/${'x'.repeat(32)}`)).status).toBe(404);
  });

  it('computes NPS from promoters and detractors', async () => {
    const { ws, owner, agent } = await setup();
    const survey = await createSurvey(t.ctx, owner.actor, {
      name: 'NPS',
      kind: 'nps',
      question: 'How likely are you to recommend us?',
      cooldownDays: 0,
    });
    const scores = [10, 9, 8, 3];
    for (const score of scores) {
      const c = await caseFromPost(ws, agent);
      await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
      const [request] = await requestsOf(c.id);
      expect((await answer(request?.token as string, { score: String(score) })).status).toBe(200);
    }
    // One more sent and not answered.
    const unanswered = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, unanswered.id, { status: 'solved' });
    const results = await surveyResults(t.ctx, agent.actor, survey.id, 30);
    // Promoters 2/4, detractors 1/4: 50 − 25.
    expect(results).toMatchObject({
      sent: 5,
      answered: 4,
      responseRate: 0.8,
      nps: 25,
      csat: null,
      average: 7.5,
    });
    expect(results.distribution).toHaveLength(11);
    // Answers page by answer time with a keyset cursor: no gap, no repeat.
    const first = await surveyAnswers(t.ctx, agent.actor, survey.id, { limit: 3 });
    const rest = await surveyAnswers(t.ctx, agent.actor, survey.id, {
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    const paged = [...first.items, ...rest.items];
    expect(first.items).toHaveLength(3);
    expect(new Set(paged.map((a) => a.requestId)).size).toBe(4);
    expect(paged.map((a) => a.score).sort((a, b) => a - b)).toEqual([3, 8, 9, 10]);
    expect(rest.nextCursor).toBeNull();
  });

  it('does not survey a customer who withdrew consent to research, and keeps link-only and failed deliveries answerable', async () => {
    const { ws, owner, agent } = await setup();
    const survey = await createSurvey(t.ctx, owner.actor, {
      name: 'CSAT',
      kind: 'csat',
      question: 'How did we do?',
    });
    const refusing = await caseFromPost(ws, agent);
    await recordConsent(t.ctx, owner.actor, refusing.customerId as string, {
      purpose: 'research',
      channel: 'bluesky',
      status: 'withdrawn',
      source: 'support request',
    });
    await updateCase(t.ctx, agent.actor, refusing.id, { status: 'solved' });
    expect(await requestsOf(refusing.id)).toEqual([]);
    await expect(sendCaseSurvey(t.ctx, agent.actor, refusing.id, {})).rejects.toThrow(
      'withdrew consent to research',
    );

    // A case with no post to reply to: the request is made, not sent, with the reason.
    const walkIn = await createCustomer(t.ctx, owner.actor, {
      displayName: 'Walk-in',
      email: 'walk-in@example.com',
      verified: false,
    });
    const c = await createCase(t.ctx, agent.actor, { subject: 'At the desk', customerId: walkIn.id });
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const [request] = await requestsOf(c.id);
    expect(request).toMatchObject({ status: 'not_sent', reply_id: null });
    expect(request?.delivery_error).toMatch(/no post to reply to; .*no email connector/i);
    expect(await caseReplies(t.ctx, ws.id, c.id)).toEqual([]);
    // Not sent is not "sent": the feed says so, and why.
    const walkInFeed = await recordFeed(t.ctx, agent.actor, 'case', c.id, { limit: 50 });
    expect(walkInFeed.items.map((e) => e.kind)).not.toContain('survey_sent');
    expect(walkInFeed.items.find((e) => e.kind === 'survey_not_sent')?.data.error).toMatch(
      /^Case \d+ has no post to reply to/,
    );

    // Link only, sent by hand: nothing goes out; the agent gets the link; not twice while it is open.
    await updateSurvey(t.ctx, owner.actor, survey.id, { delivery: 'link', trigger: 'manual' });
    const other = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, other.id, { status: 'solved' });
    expect(await requestsOf(other.id)).toEqual([]);
    const manual = await caseFromPost(ws, agent);
    const sent = await sendCaseSurvey(t.ctx, agent.actor, manual.id, {});
    expect(sent).toMatchObject({ status: 'not_sent', deliveryError: null, caseNumber: manual.number });
    expect(sent.link).toMatch(/\/survey\/[\w-]{32}$/);
    await expect(sendCaseSurvey(t.ctx, agent.actor, manual.id, {})).rejects.toMatchObject({
      code: 'conflict',
    });
    const [byHand] = await requestsOf(manual.id);
    expect((await answer(byHand?.token as string, { score: '5' })).status).toBe(200);
  });

  it('emails the survey of a solved case with no post to the customer, and records it as sent', async () => {
    const { ws, owner, agent } = await setup();
    await createSurvey(t.ctx, owner.actor, { name: 'CSAT', kind: 'csat', question: 'How did we do?' });
    // A local relay (no login): enough to send mail from.
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Relay',
      config: { host: '127.0.0.1', port: 2525, fromAddress: 'care@airline.example' },
    });
    const asker = await createCustomer(t.ctx, owner.actor, {
      displayName: 'Community asker',
      email: 'asker@example.com',
      verified: true,
    });
    const c = await createCase(t.ctx, agent.actor, {
      subject: 'Question in the community',
      customerId: asker.id,
    });
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const [request] = await requestsOf(c.id);
    expect(request).toMatchObject({ status: 'queued', delivery_error: null });
    const replies = await caseReplies(t.ctx, ws.id, c.id);
    expect(replies.map((r) => [r.channel, r.visibility, r.recipient, r.id])).toEqual([
      ['email', 'private', 'asker@example.com', request?.reply_id],
    ]);
    const feed = await recordFeed(t.ctx, agent.actor, 'case', c.id, { limit: 50 });
    expect(feed.items.map((e) => e.kind)).toContain('survey_sent');
    expect(feed.items.map((e) => e.kind)).not.toContain('survey_not_sent');
  });

  it('moves survey answers with a merge and back with the unmerge, exports them, and erases their comments', async () => {
    const { ws, owner, agent } = await setup();
    await createSurvey(t.ctx, owner.actor, {
      name: 'CSAT',
      kind: 'csat',
      question: 'How did we do?',
      commentPrompt: 'Why?',
    });
    const c = await caseFromPost(ws, agent);
    await updateCase(t.ctx, agent.actor, c.id, { status: 'solved' });
    const [request] = await requestsOf(c.id);
    await answer(request?.token as string, { score: '1', comment: 'My bag is still in Lisbon' });
    const customerId = c.customerId as string;

    const other = await createCustomer(t.ctx, owner.actor, {
      displayName: 'Maya Chen',
      email: 'maya@example.com',
      verified: false,
    });
    const merge = await mergeCustomers(t.ctx, owner.actor, {
      intoId: other.id,
      fromId: customerId,
      evidence: 'same person',
    });
    expect((await requestsOf(c.id))[0]?.customer_id).toBe(other.id);
    await unmergeCustomers(t.ctx, owner.actor, merge.id);
    expect((await requestsOf(c.id))[0]?.customer_id).toBe(customerId);

    const exported = await exportCustomer(t.ctx, owner.actor, customerId);
    expect(exported.surveys).toMatchObject([
      { survey: 'CSAT', score: 1, comment: 'My bag is still in Lisbon' },
    ]);

    const erased = await eraseCustomer(t.ctx, owner.actor, customerId, { reason: 'request by email' });
    expect(erased.counts.surveyAnswers).toBe(1);
    const [after] = await requestsOf(c.id);
    expect(after).toMatchObject({ score: 1, comment: null });
    // No new survey for the erased person, and the old link is closed: nothing personal comes back.
    await expect(sendCaseSurvey(t.ctx, agent.actor, c.id, {})).rejects.toThrow('the customer was erased');
    const late = await answer(request?.token as string, { score: '2', comment: 'Still me' });
    expect(late.status).toBe(409);
    expect((await requestsOf(c.id))[0]?.comment).toBeNull();
  });
});

describe('surveys API', () => {
  it('lets managers define surveys, agents read them and send them, and refuses what cannot be sent', async () => {
    const { ws, owner, agent } = await setup();
    const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
    const agentToken = await buildToken(t.ctx, agent);
    const body = { name: 'CSAT', kind: 'csat', question: 'How did we do?', delivery: 'link' };
    expect((await call(app(), 'POST', '/api/v1/surveys', body, { bearer: agentToken })).status).toBe(403);
    const invalid = await call(
      app(),
      'POST',
      '/api/v1/surveys',
      { ...body, kind: 'stars' },
      { bearer: manager },
    );
    expect(invalid.status).toBe(400);
    const created = await call(app(), 'POST', '/api/v1/surveys', body, { bearer: manager });
    expect(created.status).toBe(201);
    const survey = (await created.json()) as { id: string; trigger: string; cooldownDays: number };
    expect(survey).toMatchObject({ trigger: 'case_solved', cooldownDays: 7 });
    expect((await call(app(), 'POST', '/api/v1/surveys', body, { bearer: manager })).status).toBe(409);

    const list = await call(app(), 'GET', '/api/v1/surveys', undefined, { bearer: agentToken });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);

    const noCustomer = await createCase(t.ctx, owner.actor, { subject: 'Walk-in question' });
    const refused = await call(
      app(),
      'POST',
      `/api/v1/cases/${noCustomer.id}/survey`,
      {},
      { bearer: agentToken },
    );
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/no customer/);

    const c = await caseFromPost(ws, agent);
    const sent = await call(app(), 'POST', `/api/v1/cases/${c.id}/survey`, {}, { bearer: agentToken });
    expect(sent.status).toBe(201);
    const listed = await call(app(), 'GET', `/api/v1/cases/${c.id}/surveys`, undefined, {
      bearer: agentToken,
    });
    const items = ((await listed.json()) as { items: { status: string; link: string }[] }).items;
    expect(items).toMatchObject([{ status: 'not_sent' }]);

    const results = await call(app(), 'GET', `/api/v1/surveys/${survey.id}/results?days=7`, undefined, {
      bearer: agentToken,
    });
    expect(await results.json()).toMatchObject({ sent: 1, answered: 0, responseRate: 0, average: null });
    const other = await buildWorkspace(t.ctx);
    const stranger = await buildToken(t.ctx, await buildUser(t.ctx, other, { role: 'manager' }));
    expect(
      (await call(app(), 'GET', `/api/v1/surveys/${survey.id}/results`, undefined, { bearer: stranger }))
        .status,
    ).toBe(404);
    expect(
      (await call(app(), 'GET', `/api/v1/cases/${c.id}/surveys`, undefined, { bearer: stranger })).status,
    ).toBe(404);
    expect((await call(app(), 'GET', '/api/v1/surveys')).status).toBe(401);
  });
});
