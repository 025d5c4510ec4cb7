import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { LeadCard, LeadDetail, LeadView, OpportunityView, Pipeline } from './schema.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const marketer = await buildUser(t.ctx, ws, { role: 'agent' });
  const rep = await buildUser(t.ctx, ws, { role: 'agent' });
  const tokens = {
    manager: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' })),
    marketer: await buildToken(t.ctx, marketer),
    rep: await buildToken(t.ctx, rep),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
  await appendToLog(t.ctx, [
    {
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `${ws.id}-post`,
        text: 'How much is a business class upgrade to Lisbon?',
        createdAt: t.clock.now().toISOString(),
        author: {
          channel: 'bluesky',
          externalId: `did:plc:${ws.id}`,
          handle: 'ana.bsky.social',
          displayName: 'Ana',
        },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
  const mention = await t.ctx.db
    .selectFrom('mentions')
    .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
    .select(['mentions.id', 'identities.customer_id'])
    .where('mentions.workspace_id', '=', ws.id)
    .executeTakeFirstOrThrow();
  return {
    ws,
    repId: rep.user.id,
    mentionId: Number(mention.id),
    customerId: mention.customer_id,
    ...tokens,
  };
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

describe('sales API', () => {
  it('creates a lead from a post and shows the detail a lead page needs', async () => {
    const w = await workspace();
    const created = await json<LeadView>(
      await call(
        app(),
        'POST',
        '/api/v1/sales/leads',
        { customerId: w.customerId, title: 'Upgrade to Lisbon', mentionIds: [w.mentionId] },
        { bearer: w.marketer },
      ),
      201,
    );
    expect(created).toMatchObject({ number: 1, stage: 'lead', status: 'open', source: 'agent' });
    expect(created.engagementScore).toBeGreaterThan(0);
    const again = await call(
      app(),
      'POST',
      '/api/v1/sales/leads',
      { customerId: w.customerId, title: 'Again' },
      { bearer: w.marketer },
    );
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({
      error: { code: 'conflict', details: { leadId: created.id } },
    });

    const detail = await json<LeadDetail>(
      await call(app(), 'GET', `/api/v1/sales/leads/${created.id}`, undefined, { bearer: w.rep }),
    );
    expect(detail.customer?.identities.map((i) => i.handle)).toContain('ana.bsky.social');
    expect(detail.mentions.map((m) => m.id)).toEqual([w.mentionId]);
    expect(detail.mentions[0]?.disposition?.disposition).toBe('lead');
    expect(detail.explanation.contributions[0]).toMatchObject({
      kind: 'purchase_intent',
      group: 'engagement',
    });
    expect(detail).toMatchObject({
      opportunities: [],
      segments: [],
      following: false,
      handoff: { status: 'none' },
    });

    const feed = await json<{ items: { kind: string }[] }>(
      await call(app(), 'GET', `/api/v1/records/lead/${created.id}/feed`, undefined, { bearer: w.rep }),
    );
    expect(feed.items.map((e) => e.kind)).toContain('created');
  });

  it('answers 401, 403, 404 and 400 where it should', async () => {
    const w = await workspace();
    const other = await workspace();
    const lead = await json<LeadView>(
      await call(
        app(),
        'POST',
        '/api/v1/sales/leads',
        { customerId: w.customerId, title: 'X' },
        { bearer: w.rep },
      ),
      201,
    );
    expect((await call(app(), 'GET', '/api/v1/sales/leads')).status).toBe(401);
    expect((await call(app(), 'GET', '/api/v1/sales/leads', undefined, { bearer: w.moderator })).status).toBe(
      403,
    );
    expect(
      (await call(app(), 'GET', `/api/v1/sales/leads/${lead.id}`, undefined, { bearer: other.rep })).status,
    ).toBe(404);
    expect(
      (
        await call(
          app(),
          'PATCH',
          `/api/v1/sales/leads/${lead.id}`,
          { stage: 'customer' },
          { bearer: other.manager },
        )
      ).status,
    ).toBe(404);
    const noReason = await call(
      app(),
      'PATCH',
      `/api/v1/sales/leads/${lead.id}`,
      { status: 'disqualified' },
      { bearer: w.rep },
    );
    expect(noReason.status).toBe(400);
    expect(await noReason.json()).toMatchObject({ error: { code: 'validation_failed' } });
    // The field errors are what the forms show, so they say what to do in words.
    const emptyNote = await call(
      app(),
      'POST',
      `/api/v1/sales/leads/${lead.id}/handoff`,
      { toUserId: w.repId, note: '  ' },
      { bearer: w.marketer },
    );
    expect(emptyNote.status).toBe(400);
    expect(await emptyNote.json()).toMatchObject({
      error: { details: { fields: [{ path: 'note', message: 'Write a note for the person taking over' }] } },
    });
    const emptyReason = await call(
      app(),
      'PATCH',
      `/api/v1/sales/leads/${lead.id}`,
      { status: 'disqualified', disqualifyReason: '' },
      { bearer: w.rep },
    );
    expect(await emptyReason.json()).toMatchObject({
      error: { details: { fields: [{ path: 'disqualifyReason', message: 'Give a reason' }] } },
    });
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/sales/opportunities',
          { leadId: lead.id, name: 'Deal', amountMinor: 100, currency: 'EURO' },
          { bearer: w.rep },
        )
      ).status,
    ).toBe(400);
    expect(
      (await call(app(), 'GET', '/api/v1/sales/leads?stage=nowhere', undefined, { bearer: w.rep })).status,
    ).toBe(400);
    expect((await call(app(), 'PUT', '/api/v1/sales/scoring', {}, { bearer: w.rep })).status).toBe(403);
    expect(
      (await call(app(), 'PUT', '/api/v1/sales/scoring', { halfLifeDays: -1 }, { bearer: w.manager })).status,
    ).toBe(400);
    // Another workspace's customer does not exist here.
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/sales/leads',
          { customerId: other.customerId, title: 'Theirs' },
          { bearer: w.rep },
        )
      ).status,
    ).toBe(404);
  });

  it('runs a handoff, an opportunity and the board through the API', async () => {
    const w = await workspace();
    const lead = await json<LeadView>(
      await call(
        app(),
        'POST',
        '/api/v1/sales/leads',
        { customerId: w.customerId, title: 'Group booking' },
        { bearer: w.marketer },
      ),
      201,
    );
    const pending = await json<LeadView>(
      await call(
        app(),
        'POST',
        `/api/v1/sales/leads/${lead.id}/handoff`,
        { toUserId: w.repId, note: 'Ready for a quote' },
        { bearer: w.marketer },
      ),
    );
    expect(pending.handoff.status).toBe('pending');
    const mine = await json<{ items: LeadCard[] }>(
      await call(app(), 'GET', '/api/v1/sales/leads?handoff=pending_for_me', undefined, { bearer: w.rep }),
    );
    expect(mine.items.map((l) => l.id)).toEqual([lead.id]);
    expect(mine.items[0]?.customer.handle).toBe('ana.bsky.social');
    expect(
      (await call(app(), 'POST', `/api/v1/sales/leads/${lead.id}/accept`, undefined, { bearer: w.marketer }))
        .status,
    ).toBe(403);
    const accepted = await json<LeadView>(
      await call(app(), 'POST', `/api/v1/sales/leads/${lead.id}/accept`, undefined, { bearer: w.rep }),
    );
    expect(accepted).toMatchObject({ ownerUserId: w.repId, stage: 'sales_qualified' });
    t.clock.advance(45 * 60_000);
    const contacted = await json<LeadView>(
      await call(
        app(),
        'POST',
        `/api/v1/sales/leads/${lead.id}/contact`,
        { channel: 'email' },
        { bearer: w.rep },
      ),
    );
    expect(contacted.handoff.handoffToFirstContactMs).toBe(45 * 60_000);

    const opp = await json<OpportunityView>(
      await call(
        app(),
        'POST',
        '/api/v1/sales/opportunities',
        {
          leadId: lead.id,
          name: 'Group fares',
          amountMinor: 99_900,
          currency: 'EUR',
          expectedCloseOn: '2026-12-20',
        },
        { bearer: w.rep },
      ),
      201,
    );
    expect(opp).toMatchObject({ stage: 'qualification', expectedCloseOn: '2026-12-20' });
    await json<OpportunityView>(
      await call(
        app(),
        'PATCH',
        `/api/v1/sales/opportunities/${opp.id}`,
        { stage: 'proposal' },
        { bearer: w.rep },
      ),
    );
    const board = await json<Pipeline>(
      await call(app(), 'GET', '/api/v1/sales/pipeline?top=3', undefined, { bearer: w.rep }),
    );
    expect(board.stages.find((s) => s.stage === 'opportunity')?.leads.map((l) => l.id)).toEqual([lead.id]);
    expect(board.opportunities.find((o) => o.stage === 'proposal')).toMatchObject({
      count: 1,
      amounts: [{ currency: 'EUR', amountMinor: 99_900 }],
    });
    expect(board.handoffs.handoffToFirstContactMs).toMatchObject({ count: 1, median: 45 * 60_000 });
    const opps = await json<{ items: OpportunityView[] }>(
      await call(app(), 'GET', `/api/v1/sales/opportunities?leadId=${lead.id}`, undefined, { bearer: w.rep }),
    );
    expect(opps.items.map((o) => o.id)).toEqual([opp.id]);
    const one = await json<OpportunityView>(
      await call(app(), 'GET', `/api/v1/sales/opportunities/${opp.id}`, undefined, { bearer: w.rep }),
    );
    expect(one).toMatchObject({ id: opp.id, name: 'Group fares', stage: 'proposal', amountMinor: 99_900 });
    expect(
      (await call(app(), 'GET', '/api/v1/sales/opportunities/nope', undefined, { bearer: w.rep })).status,
    ).toBe(404);
    const rescored = await json<LeadView>(
      await call(app(), 'POST', `/api/v1/sales/leads/${lead.id}/rescore`, undefined, { bearer: w.rep }),
    );
    expect(rescored.scoredAt).toBe(t.clock.now().toISOString());
    const scoring = await json<{ halfLifeDays: number }>(
      await call(app(), 'PUT', '/api/v1/sales/scoring', { halfLifeDays: 30 }, { bearer: w.manager }),
    );
    expect(scoring.halfLifeDays).toBe(30);
    expect(
      (
        await json<{ halfLifeDays: number }>(
          await call(app(), 'GET', '/api/v1/sales/scoring', undefined, { bearer: w.rep }),
        )
      ).halfLifeDays,
    ).toBe(30);
    const owners = await json<{ items: { id: string }[] }>(
      await call(app(), 'GET', '/api/v1/sales/owners', undefined, { bearer: w.rep }),
    );
    expect(owners.items.map((o) => o.id)).toContain(w.repId);
  });

  it('imports a leads CSV upload, reports bad lines, refuses moderators and a bad mapping', async () => {
    const { manager, moderator } = await workspace();
    const upload = (token: string, csv: string, query = '') =>
      app().request(`/api/v1/sales/leads/import${query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
        body: csv,
      });
    const csv = 'Email,Deal,stage\nkim@lee.example,Fleet renewal,MQL\nola@berg.example,Summer pass,hot\n';
    const summary = await json<{
      read: number;
      created: number;
      rejected: { line: number; reason: string }[];
    }>(await upload(manager, csv, '?map=email%3DEmail%2Ctitle%3DDeal'));
    expect(summary).toMatchObject({ read: 2, created: 1 });
    expect(summary.rejected).toEqual([
      { line: 3, reason: expect.stringContaining('stage: "hot" is not a stage') },
    ]);
    const leads = await json<{ items: LeadCard[] }>(
      await call(app(), 'GET', '/api/v1/sales/leads?status=open', undefined, { bearer: manager }),
    );
    expect(leads.items.filter((l) => l.source === 'import').map((l) => [l.title, l.stage])).toEqual([
      ['Fleet renewal', 'marketing_qualified'],
    ]);
    expect((await upload(moderator, csv)).status).toBe(403);
    const unmapped = await upload(manager, csv);
    expect(unmapped.status).toBe(400);
    expect(await unmapped.text()).toContain('no column \\"email\\"');
    expect((await upload(manager, csv, '?map=amount%3DTotal')).status).toBe(400);
  });

  it('downloads leads as CSV or JSON for managers; agents are refused', async () => {
    const { manager, marketer, customerId } = await workspace();
    await json<LeadView>(
      await call(
        app(),
        'POST',
        '/api/v1/sales/leads',
        { customerId, title: 'Upgrade to business' },
        { bearer: manager },
      ),
      201,
    );
    const csv = await call(app(), 'GET', '/api/v1/sales/leads/export', undefined, { bearer: manager });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(
      /^attachment; filename="leads-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const [header, ...lines] = (await csv.text()).trimEnd().split('\n');
    expect(header?.startsWith('number,title,stage,status,')).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Upgrade to business');
    const asJson = await json<{ title: string; customer_name: string }[]>(
      await call(app(), 'GET', '/api/v1/sales/leads/export?format=json&stage=lead', undefined, {
        bearer: manager,
      }),
    );
    expect(asJson.map((l) => [l.title, l.customer_name])).toEqual([['Upgrade to business', 'Ana']]);
    expect(
      (await call(app(), 'GET', '/api/v1/sales/leads/export', undefined, { bearer: marketer })).status,
    ).toBe(403);
    expect(
      (await call(app(), 'GET', '/api/v1/sales/leads/export?format=xlsx', undefined, { bearer: manager }))
        .status,
    ).toBe(400);
  });

  it('describes every sales route in the OpenAPI document', async () => {
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/sales/leads',
        '/api/v1/sales/leads/{id}',
        '/api/v1/sales/leads/import',
        '/api/v1/sales/leads/export',
        '/api/v1/sales/leads/{id}/handoff',
        '/api/v1/sales/leads/{id}/accept',
        '/api/v1/sales/leads/{id}/reject',
        '/api/v1/sales/leads/{id}/contact',
        '/api/v1/sales/leads/{id}/rescore',
        '/api/v1/sales/opportunities',
        '/api/v1/sales/opportunities/{id}',
        '/api/v1/sales/pipeline',
        '/api/v1/sales/scoring',
      ]),
    );
  });
});
