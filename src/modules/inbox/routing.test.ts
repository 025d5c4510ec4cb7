import { describe, expect, it } from 'vitest';
import { setupTestDatabase, testEngine } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { normalize } from '../../pipeline/formats.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { analyzeText } from '../analysis/service.ts';
import { followRecord, listNotifications, recordFeed } from '../collaboration/feed.ts';
import { addSegmentMembers, createSegment } from '../customers/segments.ts';
import { type StorablePost, storeEvents } from '../listening/store.ts';
import { saveCanned } from './canned.ts';
import { getCase, listCases } from './case-lists.ts';
import { testRule } from './case-rules.ts';
import { createCase, updateCase } from './cases.ts';
import { routeNewMentions } from './routing.ts';
import { evaluateCondition, evaluateRule, type Facts } from './routing-facts.ts';
import { listRules, saveRule } from './routing-rules.ts';
import type { RoutingRuleInput } from './routing-schema.ts';
import { saveTeam } from './teams.ts';

const t = setupTestDatabase();
let sequence = 0;

const complaint = 'My bag is lost and nobody answers, worst airline ever';
const spam = 'Win free followers now!!! click http://free-followers.example/win';
const upgrade = 'How much is a business class upgrade to Lisbon?';

async function ingest(workspaceId: string, posts: { text: string; author: string; followers?: number }[]) {
  await appendToLog(
    t.ctx,
    posts.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `routing-${++sequence}`,
        text: p.text,
        createdAt: t.clock.now().toISOString(),
        author: {
          externalId: `did:plc:${p.author}`,
          handle: p.author,
          displayName: p.author,
          followers: p.followers ?? 10,
        },
      }),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const ana = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const ben = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const team = await saveTeam(t.ctx, manager, { name: 'Care', memberIds: [ana.userId, ben.userId] });
  return { ws, manager, ana, ben, team };
}

const facts = (over: Partial<Facts['mention']> = {}, customer: Facts['customer'] = null): Facts => ({
  mention: {
    id: 1,
    channel: 'bluesky',
    text: 'Refund please, my flight was cancelled',
    language: 'en',
    sentiment: 'negative',
    intents: new Set(['complaint']),
    topics: new Set(),
    queryIds: new Set(['q1']),
    urgency: 55,
    ...over,
  },
  customer,
  case: null,
});

describe('evaluating rules', () => {
  it('fires on all or any of its conditions and says which held', () => {
    const rule: Pick<RoutingRuleInput, 'match'> & {
      conditions: Parameters<typeof evaluateRule>[0]['conditions'];
    } = {
      match: 'all',
      conditions: [
        { field: 'intent', op: 'in', value: ['complaint', 'churn_risk'] },
        { field: 'urgency', op: 'gte', value: 50 },
        { field: 'keywords', op: 'contains_any', value: ['refund', 'chargeback'] },
      ],
    };
    expect(evaluateRule({ match: 'all', conditions: rule.conditions }, facts())).toEqual({
      fired: true,
      reasons: ['intent is complaint', 'urgency 55 ≥ 50', 'mentions “refund”'],
    });
    expect(evaluateRule({ match: 'all', conditions: rule.conditions }, facts({ urgency: 20 })).fired).toBe(
      false,
    );
    expect(evaluateRule({ match: 'any', conditions: rule.conditions }, facts({ urgency: 20 }))).toEqual({
      fired: true,
      reasons: ['intent is complaint', 'mentions “refund”'],
    });
    // Keywords match whole words, not parts of words.
    expect(
      evaluateRule(
        { match: 'all', conditions: [{ field: 'keywords', op: 'contains_any', value: ['fund'] }] },
        facts(),
      ).fired,
    ).toBe(false);
    expect(
      evaluateRule(
        { match: 'all', conditions: [{ field: 'channel', op: 'not_in', value: ['mastodon'] }] },
        facts(),
      ),
    ).toEqual({ fired: true, reasons: ['channel is not mastodon'] });
    expect(
      evaluateRule({ match: 'all', conditions: [{ field: 'influence', op: 'gte', value: 10 }] }, facts())
        .fired,
    ).toBe(false); // no customer: unknown influence never passes a threshold
    expect(
      evaluateRule(
        { match: 'all', conditions: [{ field: 'influence', op: 'gte', value: 10 }] },
        facts(
          {},
          {
            id: 'c',
            influence: 42,
            followers: 100,
            openCaseId: null,
            openCaseOfKind: { lead: null, service: null },
            lifecycleStage: null,
            segmentIds: new Set(),
          },
        ),
      ),
    ).toEqual({ fired: true, reasons: ['influence 42 ≥ 10'] });
    const vip = {
      id: 'c',
      influence: 5,
      followers: 100,
      openCaseId: null,
      openCaseOfKind: { lead: null, service: null },
      lifecycleStage: 'customer',
      segmentIds: new Set(['seg-vip']),
    };
    expect(
      evaluateRule(
        {
          match: 'all',
          conditions: [
            { field: 'segment', op: 'in', value: ['seg-vip', 'seg-other'] },
            { field: 'lifecycle_stage', op: 'in', value: ['customer', 'evangelist'] },
          ],
        },
        facts({}, vip),
      ),
    ).toEqual({ fired: true, reasons: ['customer segment is seg-vip', 'lifecycle stage is customer'] });
    expect(
      evaluateRule(
        { match: 'all', conditions: [{ field: 'segment', op: 'not_in', value: ['seg-vip'] }] },
        facts({}, vip),
      ).fired,
    ).toBe(false);
  });
});

describe('every condition', () => {
  const customer = {
    id: 'c1',
    influence: 40,
    followers: 5000,
    openCaseId: 'case-9',
    openCaseOfKind: { lead: null, service: 'case-9' },
    lifecycleStage: 'lead',
    segmentIds: new Set(['s1']),
  };
  const f: Facts = {
    ...facts(
      { sentiment: 'negative', topics: new Set(['t-bags']), queryIds: new Set(['q-brand']), language: 'es' },
      customer,
    ),
    case: { id: 'case-1', number: 1, priority: 'high', type: 'complaint' },
  };
  const cases: [Parameters<typeof evaluateCondition>[0], boolean, boolean][] = [
    // [condition, holds on f, holds once negated or on the other side]
    [{ field: 'channel', op: 'in', value: ['bluesky'] }, true, false],
    [{ field: 'query', op: 'in', value: ['q-brand'] }, true, false],
    [{ field: 'intent', op: 'in', value: ['complaint'] }, true, false],
    [{ field: 'sentiment', op: 'in', value: ['negative'] }, true, false],
    [{ field: 'topic', op: 'in', value: ['t-bags'] }, true, false],
    [{ field: 'language', op: 'in', value: ['es'] }, true, false],
    [{ field: 'segment', op: 'in', value: ['s1'] }, true, false],
    [{ field: 'lifecycle_stage', op: 'in', value: ['lead'] }, true, false],
    [{ field: 'case_priority', op: 'in', value: ['high'] }, true, false],
    [{ field: 'case_type', op: 'in', value: ['complaint'] }, true, false],
  ];
  it.each(cases)('%o: in holds, not_in does not', (condition, holds) => {
    expect(evaluateCondition(condition, f).ok).toBe(holds);
    expect(evaluateCondition({ ...condition, op: 'not_in' } as typeof condition, f).ok).toBe(!holds);
    // A value the facts do not have.
    expect(evaluateCondition({ ...condition, value: ['zzz'] } as typeof condition, f).ok).toBe(false);
  });
  it('compares numbers both ways and treats a missing value as not holding', () => {
    for (const [field, value] of [
      ['urgency', 55],
      ['influence', 40],
      ['followers', 5000],
    ] as const) {
      expect(evaluateCondition({ field, op: 'gte', value }, f).ok).toBe(true);
      expect(evaluateCondition({ field, op: 'gte', value: value + 1 }, f).ok).toBe(false);
      expect(evaluateCondition({ field, op: 'lte', value }, f).ok).toBe(true);
      expect(evaluateCondition({ field, op: 'lte', value: value - 1 }, f).ok).toBe(false);
    }
    expect(evaluateCondition({ field: 'urgency', op: 'lte', value: 100 }, facts({ urgency: null })).ok).toBe(
      false,
    );
  });
  it('knows whether the customer has an open case and whether a case exists yet', () => {
    expect(evaluateCondition({ field: 'customer_has_open_case', op: 'is_true' }, f).ok).toBe(true);
    expect(evaluateCondition({ field: 'customer_has_open_case', op: 'is_false' }, f).ok).toBe(false);
    expect(evaluateCondition({ field: 'case_exists', op: 'is_true' }, f).ok).toBe(true);
    expect(evaluateCondition({ field: 'case_exists', op: 'is_false' }, facts()).ok).toBe(true);
    const afterHours = facts({ inBusinessHours: false });
    expect(evaluateCondition({ field: 'business_hours', op: 'is_false' }, afterHours)).toEqual({
      ok: true,
      reason: 'posted outside business hours',
    });
    expect(evaluateCondition({ field: 'business_hours', op: 'is_true' }, afterHours).ok).toBe(false);
    expect(
      evaluateCondition({ field: 'business_hours', op: 'is_true' }, facts({ inBusinessHours: true })).ok,
    ).toBe(true);
    expect(evaluateCondition({ field: 'keywords', op: 'contains_none', value: ['upgrade'] }, f).ok).toBe(
      true,
    );
    expect(evaluateCondition({ field: 'keywords', op: 'contains_none', value: ['refund'] }, f).ok).toBe(
      false,
    );
  });
});

describe('routing stored mentions', () => {
  it('runs rules in order, a later rule seeing the case an earlier one made, and records why on the case', async () => {
    const { ws, manager, ana, ben, team } = await setup();
    await ingest(ws.id, [{ text: complaint, author: 'before-rules' }]);
    await saveRule(t.ctx, manager, {
      name: 'Complaints become cases',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [
        { type: 'create_case', priority: 'normal' },
        { type: 'add_tags', value: ['complaint'] },
        { type: 'assign', strategy: 'round_robin', teamId: team.id },
      ],
    });
    await saveRule(t.ctx, manager, {
      name: 'Big voices first',
      conditions: [
        { field: 'case_exists', op: 'is_true' },
        { field: 'followers', op: 'gte', value: 10_000 },
      ],
      actions: [{ type: 'set_priority', value: 'urgent' }],
    });
    await saveRule(t.ctx, manager, {
      name: 'Drop spam',
      conditions: [{ field: 'intent', op: 'in', value: ['spam'] }],
      actions: [{ type: 'dismiss', reason: 'spam' }],
    });
    await ingest(ws.id, [
      { text: complaint, author: 'small', followers: 12 },
      { text: complaint, author: 'famous', followers: 250_000 },
      { text: spam, author: 'bot' },
      { text: upgrade, author: 'buyer' },
    ]);
    expect(await routeNewMentions(t.ctx)).toBe(4);

    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases).toHaveLength(2); // the post from before the rules existed is not routed
    const [famous, small] = cases;
    // Numbered on from the workspace's highest, one after the other within the batch.
    expect([small?.number, famous?.number]).toEqual([1, 2]);
    expect(small?.priority).toBe('normal');
    expect(famous?.priority).toBe('urgent');
    expect(famous?.tags).toEqual(['complaint']);
    // Round robin across the team, in a stable order.
    expect(new Set([small?.assigneeUserId, famous?.assigneeUserId])).toEqual(
      new Set([ana.userId, ben.userId]),
    );
    const feed = await recordFeed(t.ctx, manager, 'case', famous?.id ?? '', { limit: 20 });
    // The case is written once its rules have run, yet its feed tells the story in order (newest first).
    expect(feed.items.map((e) => (e.data.field ? `${e.kind} ${e.data.field}` : e.kind))).toEqual([
      'rules_fired',
      'updated priority',
      'assigned assignee',
      'updated tags',
      'created',
    ]);
    const fired = feed.items.find((e) => e.kind === 'rules_fired');
    expect(fired?.data.rules).toMatchObject([
      { name: 'Complaints become cases', reasons: ['intent is complaint'] },
      { name: 'Big voices first', reasons: [`case ${famous?.number} exists`, 'followers 250000 ≥ 10000'] },
    ]);
    const dispositions = await t.ctx.db
      .selectFrom('mentions')
      .select(['text', 'disposition', 'disposition_reason', 'disposition_by'])
      .where('workspace_id', '=', ws.id)
      .orderBy('id')
      .execute();
    expect(dispositions.map((d) => [d.disposition, d.disposition_reason])).toEqual([
      [null, null],
      ['case', null],
      ['case', null],
      ['dismissed', 'spam'],
      [null, null],
    ]);
    expect(dispositions[3]?.disposition_by).toMatch(/^rule:/);

    expect(Object.fromEntries((await listRules(t.ctx, manager)).map((r) => [r.name, r.firedCount]))).toEqual({
      'Complaints become cases': 2,
      'Big voices first': 1,
      'Drop spam': 1,
    });
    // Routing again changes nothing: the cursor has moved past these mentions.
    expect(await routeNewMentions(t.ctx)).toBe(0);
    expect((await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items).toHaveLength(2);
  });

  it.runIf(testEngine === 'postgres')(
    'routes a post whose worker committed after a later post was stored (several workers)',
    async () => {
      const { ws, manager } = await setup();
      await saveRule(t.ctx, manager, {
        name: 'Complaints',
        conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
        actions: [{ type: 'create_case' }],
      });
      await routeNewMentions(t.ctx); // rules apply from here on
      const storable = (externalId: string): StorablePost => {
        const event = normalize(
          'generic',
          JSON.stringify({
            channel: 'bluesky',
            externalId,
            text: complaint,
            createdAt: t.clock.now().toISOString(),
            author: { externalId: `did:plc:${externalId}`, handle: externalId },
          }),
          t.clock.now().toISOString(),
        );
        if (event.kind !== 'upsert') throw new Error('expected a post');
        return {
          post: event,
          analysis: analyzeText({ text: event.text, declaredLanguage: null, authorFollowers: null }),
          queryIds: [],
        };
      };
      // One worker stores a post, taking the lower id, and has not committed yet…
      let release = () => {};
      let stored = () => {};
      const storedEarly = new Promise<void>((resolve) => {
        stored = resolve;
      });
      const early = t.ctx.db.transaction().execute(async (trx) => {
        await storeEvents(t.ctx, trx, ws.id, [storable('slow-worker')], []);
        stored();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await storedEarly;
      // …while another stores a later post and commits.
      await t.ctx.db
        .transaction()
        .execute((trx) => storeEvents(t.ctx, trx, ws.id, [storable('fast-worker')], []));
      const routing = routeNewMentions(t.ctx);
      // Time enough to route the committed post and move the cursor past the other, were routing
      // not to wait for the transaction still storing.
      await Promise.race([routing, new Promise((resolve) => setTimeout(resolve, 300))]);
      release();
      await early;
      await routing;
      await routeNewMentions(t.ctx);
      const rows = await t.ctx.db
        .selectFrom('mentions')
        .select(['external_id', 'disposition'])
        .where('workspace_id', '=', ws.id)
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { external_id: 'slow-worker', disposition: 'case' },
        { external_id: 'fast-worker', disposition: 'case' },
      ]);
    },
  );

  it("attaches a customer's next complaint to their open case instead of opening another", async () => {
    const { ws, manager } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Complaints',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case' }],
    });
    await ingest(ws.id, [{ text: complaint, author: 'repeat' }]);
    await routeNewMentions(t.ctx);
    const [first] = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    await followRecord(t.ctx, manager, 'case', first?.id ?? '');
    await ingest(ws.id, [{ text: `${complaint}, day two`, author: 'repeat' }]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases).toHaveLength(1);
    expect((await getCase(t.ctx, manager, cases[0]?.id ?? '')).conversations).toHaveLength(2);
    // The follower hears of the new conversation once; which rules fired is in the feed only.
    const bell = (await listNotifications(t.ctx, manager, { limit: 10 })).items.map((n) => n.summary);
    expect(bell).toHaveLength(1);
    expect(bell[0]).not.toMatch(/^Rules fired/);
    const feed = await recordFeed(t.ctx, manager, 'case', first?.id ?? '', { limit: 20 });
    expect(feed.items.filter((e) => e.kind === 'rules_fired')).toHaveLength(2);
    // Two complaints of one person routed in the same batch also make one case.
    await ingest(ws.id, [
      { text: complaint, author: 'twice' },
      { text: `${complaint} again`, author: 'twice' },
    ]);
    await routeNewMentions(t.ctx);
    const after = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(after).toHaveLength(2);
    expect((await getCase(t.ctx, manager, after[0]?.id ?? '')).conversations).toHaveLength(2);
  });

  it("keeps a customer's purchase question out of their open complaint: a lead case is another need", async () => {
    const { ws, manager } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Complaints',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case' }],
    });
    await saveRule(t.ctx, manager, {
      name: 'Buying signals',
      conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
      actions: [{ type: 'create_case', caseType: 'lead' }],
    });
    await ingest(ws.id, [{ text: complaint, author: 'both' }]);
    await routeNewMentions(t.ctx);
    // In one batch: a purchase question, another complaint, and a second purchase question.
    await ingest(ws.id, [
      { text: upgrade, author: 'both' },
      { text: `${complaint}, day two`, author: 'both' },
      { text: `${upgrade} Asking again`, author: 'both' },
    ]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    const conversations = async (id: string) => (await getCase(t.ctx, manager, id)).conversations.length;
    expect(await Promise.all(cases.map(async (c) => [c.type, await conversations(c.id)] as const))).toEqual([
      ['lead', 2],
      ['complaint', 2],
    ]);
  });

  it("routes by the customer's segment: a static list of VIPs gets urgent cases", async () => {
    const { ws, manager } = await setup();
    await ingest(ws.id, [{ text: 'hello there', author: 'vip-person' }]);
    const customer = await t.ctx.db
      .selectFrom('identities')
      .select('customer_id')
      .where('workspace_id', '=', ws.id)
      .where('handle', '=', 'vip-person')
      .executeTakeFirstOrThrow();
    const list = await createSegment(t.ctx, manager, { name: 'VIPs', kind: 'static', shared: true });
    await addSegmentMembers(t.ctx, manager, list.id, [customer.customer_id]);
    await saveRule(t.ctx, manager, {
      name: 'VIP complaints',
      conditions: [
        { field: 'segment', op: 'in', value: [list.id] },
        { field: 'intent', op: 'in', value: ['complaint'] },
      ],
      actions: [{ type: 'create_case', priority: 'urgent' }],
    });
    await ingest(ws.id, [
      { text: complaint, author: 'vip-person' },
      { text: complaint, author: 'someone-else' },
    ]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases.map((c) => [c.customerId, c.priority])).toEqual([[customer.customer_id, 'urgent']]);
  });

  it('puts a reply into the case a rule made for its thread earlier in the same batch, and reopens a solved case once', async () => {
    const { ws, manager } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Complaints become cases',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case', attachToOpenCase: false }],
    });
    await routeNewMentions(t.ctx);
    const post = (id: string, text: string, author: string, replyTo?: string) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: id,
        text,
        createdAt: t.clock.now().toISOString(),
        replyTo: replyTo ?? null,
        threadRoot: replyTo ? `${ws.id}-root` : null,
        author: { externalId: `did:plc:${author}`, handle: author, displayName: author },
      }),
    });
    await appendToLog(t.ctx, [
      post(`${ws.id}-root`, complaint, 'maya'),
      post(`${ws.id}-r1`, 'Following this thread', 'friend', `${ws.id}-root`),
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases).toHaveLength(1);
    const first = await getCase(t.ctx, manager, cases[0]?.id ?? '');
    expect(first.conversations.flatMap((c) => c.messages.map((m) => m.text)).sort()).toEqual(
      [complaint, 'Following this thread'].sort(),
    );

    await t.ctx.db.updateTable('cases').set({ status: 'solved' }).where('id', '=', first.id).execute();
    await appendToLog(t.ctx, [
      post(`${ws.id}-r2`, 'Still nothing here', 'maya', `${ws.id}-root`),
      post(`${ws.id}-r3`, 'Any news?', 'maya', `${ws.id}-r2`),
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await routeNewMentions(t.ctx);
    const again = await getCase(t.ctx, manager, first.id);
    expect(again.status).toBe('open');
    expect(again.conversations.flatMap((c) => c.messages).length).toBe(4);
    const feed = await recordFeed(t.ctx, manager, 'case', first.id, { limit: 50 });
    expect(feed.items.filter((e) => e.kind === 'status_changed')).toHaveLength(1);
    expect((await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items).toHaveLength(1);
  });

  it('puts a reply into the case an agent made in a workspace without any rule, and reopens it once solved', async () => {
    const { ws, ana } = await setup();
    const post = (id: string, text: string, replyTo?: string) =>
      storePosts(t.ctx, ws.id, [
        {
          channel: 'bluesky',
          externalId: `${ws.id}-${id}`,
          text,
          createdAt: t.clock.now().toISOString(),
          replyTo: replyTo ? `${ws.id}-${replyTo}` : null,
          threadRoot: replyTo ? `${ws.id}-root` : null,
          author: { externalId: 'did:plc:maya', handle: 'maya', displayName: 'maya' },
        },
      ]).then(() => routeNewMentions(t.ctx));
    await post('root', complaint);
    const root = await t.ctx.db
      .selectFrom('mentions')
      .select('id')
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    const made = await createCase(t.ctx, ana, { subject: 'Lost bag', mentionIds: [Number(root.id)] });
    await post('r1', 'Any news on my bag?', 'root');
    const texts = async () =>
      (await getCase(t.ctx, ana, made.id)).conversations.flatMap((c) => c.messages.map((m) => m.text));
    expect(await texts()).toEqual([complaint, 'Any news on my bag?']);

    await updateCase(t.ctx, ana, made.id, { status: 'solved' });
    await post('r2', 'It never arrived', 'r1');
    expect(await texts()).toEqual([complaint, 'Any news on my bag?', 'It never arrived']);
    expect((await getCase(t.ctx, ana, made.id)).status).toBe('open');
  });

  it('makes a case with every tag its rules add, even more than a person may set at once', async () => {
    const { ws, manager } = await setup();
    await ingest(ws.id, [{ text: 'before the rules', author: 'early' }]);
    const tagsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => `tag-${from + i}`);
    await saveRule(t.ctx, manager, {
      name: 'Complaints, tagged',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [{ type: 'create_case' }, { type: 'add_tags', value: tagsOf(1, 20) }],
    });
    await saveRule(t.ctx, manager, {
      name: 'More tags',
      conditions: [{ field: 'case_exists', op: 'is_true' }],
      actions: [{ type: 'add_tags', value: tagsOf(21, 5) }],
    });
    await ingest(ws.id, [{ text: complaint, author: 'tagged' }]);
    expect(await routeNewMentions(t.ctx)).toBe(1);
    const [made] = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(made?.tags).toEqual(tagsOf(1, 25));
  });

  it('sets the type, hands the case to a team and notifies people', async () => {
    const { ws, manager, ana, team } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Sales desk',
      conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
      actions: [
        { type: 'create_case' },
        { type: 'set_type', value: 'lead' },
        { type: 'assign_team', teamId: team.id },
        { type: 'notify', userIds: [ana.userId] },
      ],
    });
    await ingest(ws.id, [{ text: upgrade, author: 'shopper' }]);
    await routeNewMentions(t.ctx);
    const [c] = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(c).toMatchObject({ type: 'lead', teamId: team.id });
    const notes = await listNotifications(t.ctx, ana, { limit: 10 });
    expect(notes.items.map((n) => n.summary)).toContain(`Rule “Sales desk”: ${upgrade}`);
  });

  it('hands what is posted outside business hours to a named person, and passes over one who left', async () => {
    const { ws, manager, ana, ben } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'After hours to Ana',
      conditions: [
        { field: 'intent', op: 'in', value: ['complaint'] },
        { field: 'business_hours', op: 'is_false' },
      ],
      actions: [{ type: 'create_case' }, { type: 'assign_agent', userId: ana.userId }],
    });
    await saveRule(t.ctx, manager, {
      name: 'Office hours to Ben',
      conditions: [{ field: 'business_hours', op: 'is_true' }],
      actions: [{ type: 'assign_agent', userId: ben.userId }],
    });
    // Saturday noon, then Monday noon (UTC, the workspace's zone; open Monday to Friday, 9 to 5).
    t.clock.set('2026-11-28T12:00:00.000Z');
    await ingest(ws.id, [{ text: complaint, author: 'weekend' }]);
    t.clock.set('2026-11-30T12:00:00.000Z');
    await ingest(ws.id, [{ text: complaint, author: 'monday' }]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases).toHaveLength(1);
    expect(cases[0]?.assigneeUserId).toBe(ana.userId);
    const feed = await recordFeed(t.ctx, manager, 'case', cases[0]?.id ?? '', { limit: 20 });
    expect(feed.items.find((e) => e.kind === 'rules_fired')?.data.rules).toMatchObject([
      { name: 'After hours to Ana', reasons: ['intent is complaint', 'posted outside business hours'] },
    ]);

    // Ana has left: the rule no longer assigns, and the case is still made.
    await t.ctx.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', ana.userId).execute();
    t.clock.set('2026-11-29T12:00:00.000Z');
    await ingest(ws.id, [{ text: complaint, author: 'sunday' }]);
    await routeNewMentions(t.ctx);
    const sunday = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items.find(
      (c) => c.id !== cases[0]?.id,
    );
    expect(sunday).toMatchObject({ assigneeUserId: null });
  });

  it('answers in the thread with a shared canned response, once per case, and records why when it cannot', async () => {
    const { ws, manager, ana } = await setup();
    const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
    const ack = await saveCanned(t.ctx, manager, {
      name: 'Acknowledge',
      body: 'Hi {{customer.handle}}, sorry about this. {{agent.name}} has case {{case.number}}.',
      shared: true,
    });
    const own = await saveCanned(t.ctx, ana, { name: 'Mine', body: 'Hello', shared: false });
    await expect(
      saveRule(t.ctx, manager, { name: 'Private text', actions: [{ type: 'send_reply', cannedId: own.id }] }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'actions.0.cannedId' }] },
    });
    await saveRule(t.ctx, manager, {
      name: 'Acknowledge complaints',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [
        { type: 'create_case' },
        { type: 'assign_agent', userId: ana.userId },
        { type: 'send_reply', cannedId: ack.id },
      ],
    });
    const rulesFired = async (caseId: string) =>
      (await recordFeed(t.ctx, manager, 'case', caseId, { limit: 50 })).items
        .filter((e) => e.kind === 'rules_fired')
        .map((e) => (e.data.rules as { actions: string[] }[])[0]?.actions);

    // No Bluesky account to answer from yet: the case is made, the reply is passed over, with the reason.
    await ingest(ws.id, [{ text: complaint, author: 'early' }]);
    await routeNewMentions(t.ctx);
    const [early] = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect((await getCase(t.ctx, manager, early?.id ?? '')).replies).toEqual([]);
    expect((await rulesFired(early?.id ?? ''))[0]?.[2]).toMatch(
      /^reply: skipped, No Bluesky account to reply from/,
    );

    await createConnector(t.ctx, admin, {
      kind: 'bluesky',
      name: 'Brand on Bluesky',
      config: { account: { identifier: 'brand.example', service: 'http://127.0.0.1:9' } },
      secret: 'app-password',
    });
    await ingest(ws.id, [{ text: complaint, author: 'angry' }]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    const angry = cases.find((c) => c.id !== early?.id);
    const detail = await getCase(t.ctx, manager, angry?.id ?? '');
    const anaName = (
      await t.ctx.db.selectFrom('users').select('name').where('id', '=', ana.userId).executeTakeFirstOrThrow()
    ).name;
    const post = detail.conversations[0]?.messages[0];
    expect(detail.replies).toMatchObject([
      {
        channel: 'bluesky',
        visibility: 'public',
        status: 'queued',
        mentionId: post?.id,
        body: `Hi @angry, sorry about this. ${anaName} has case ${detail.number}.`,
        authorUserId: null,
      },
    ]);
    expect((await rulesFired(detail.id))[0]?.[2]).toBe('reply: queued');

    // The customer writes again into the same case: no second automatic reply.
    await ingest(ws.id, [{ text: `${complaint}, and still nothing`, author: 'angry' }]);
    await routeNewMentions(t.ctx);
    expect((await getCase(t.ctx, manager, detail.id)).replies).toHaveLength(1);
    expect((await rulesFired(detail.id))[0]?.[2]).toBe(
      'reply: skipped, the case already has an automatic reply',
    );
  });

  it('assigns to the team member with the fewest open cases', async () => {
    const { ws, manager, ana, ben, team } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Least busy',
      conditions: [{ field: 'intent', op: 'in', value: ['complaint'] }],
      actions: [
        { type: 'create_case', attachToOpenCase: false },
        { type: 'assign', strategy: 'least_open', teamId: team.id },
      ],
    });
    await ingest(ws.id, [
      { text: complaint, author: 'l1' },
      { text: complaint, author: 'l2' },
      { text: complaint, author: 'l3' },
    ]);
    await routeNewMentions(t.ctx);
    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    const load = (id: string) => cases.filter((c) => c.assigneeUserId === id).length;
    expect([load(ana.userId), load(ben.userId)].sort()).toEqual([1, 2]);
  });

  it('tries a rule on past mentions without acting', async () => {
    const { ws, manager } = await setup();
    await ingest(ws.id, [
      { text: complaint, author: 'p1' },
      { text: upgrade, author: 'p2' },
      { text: spam, author: 'p3' },
    ]);
    const result = await testRule(
      t.ctx,
      manager,
      {
        name: 'Sales',
        conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
        actions: [{ type: 'create_case', caseType: 'lead' }],
      },
      100,
    );
    expect(result).toMatchObject({ evaluated: 3, matched: 1 });
    expect(result.samples[0]).toMatchObject({ text: upgrade, reasons: ['intent is purchase_intent'] });
    expect((await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items).toHaveLength(0);
  });
});
