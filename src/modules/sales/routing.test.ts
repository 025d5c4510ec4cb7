import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { listCases } from '../inbox/case-lists.ts';
import { dispositionStats } from '../inbox/dispositions.ts';
import { routeNewMentions } from '../inbox/routing.ts';
import { saveRule } from '../inbox/routing-rules.ts';
import { saveTeam } from '../inbox/teams.ts';
import { createQuery } from '../listening/service.ts';
import { getLead, listLeads } from './lead-lists.ts';

const t = setupTestDatabase();
let sequence = 0;

const upgrade = 'How much is a business class upgrade to Lisbon?';
const again = 'Still keen on that business class upgrade, how much for two?';

async function ingest(workspaceId: string, posts: { text: string; author: string }[]) {
  await appendToLog(
    t.ctx,
    posts.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `sales-routing-${++sequence}`,
        text: p.text,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:${p.author}`, handle: p.author, displayName: p.author, followers: 10 },
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
  const team = await saveTeam(t.ctx, manager, { name: 'Sales', memberIds: [ana.userId, ben.userId] });
  return { ws, manager, ana, ben, team };
}

describe('the create_lead routing action', () => {
  it('turns purchase-intent posts into leads owned round robin, and a second post joins the open lead', async () => {
    const { ws, manager, ana, ben, team } = await setup();
    await createQuery(t.ctx, manager, { name: 'Upgrades', query: 'upgrade', enabled: true });
    await saveRule(t.ctx, manager, {
      name: 'Buying signals become leads',
      conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
      actions: [{ type: 'create_lead', teamId: team.id }],
    });
    await ingest(ws.id, [
      { text: upgrade, author: 'buyer-one' },
      { text: upgrade, author: 'buyer-two' },
    ]);
    await routeNewMentions(t.ctx);
    const leads = (await listLeads(t.ctx, manager, {})).items;
    expect(leads).toHaveLength(2);
    expect(new Set(leads.map((l) => l.ownerUserId))).toEqual(new Set([ana.userId, ben.userId]));
    expect(leads.every((l) => l.source === 'rule' && l.stage === 'lead' && l.teamId === team.id)).toBe(true);
    const first = leads.find((l) => l.customer.handle === 'buyer-one');
    expect(first).toBeDefined();
    const before = await getLead(t.ctx, manager, first?.id ?? '');
    expect(before.mentions.map((m) => m.text)).toEqual([upgrade]);
    expect(before.engagementScore).toBeGreaterThan(0);
    expect(before.explanation.contributions.some((c) => c.kind === 'purchase_intent')).toBe(true);
    const created = (await recordFeed(t.ctx, manager, 'lead', before.id, { limit: 5 })).items.find(
      (e) => e.kind === 'created',
    );
    expect(created?.data.rule).toMatchObject({ name: 'Buying signals become leads' });

    await ingest(ws.id, [{ text: again, author: 'buyer-one' }]);
    await routeNewMentions(t.ctx);
    expect((await listLeads(t.ctx, manager, {})).items).toHaveLength(2);
    const after = await getLead(t.ctx, manager, before.id);
    expect(after.mentions.map((m) => m.text)).toEqual([upgrade, again]);
    expect(after.engagementScore).toBeGreaterThan(before.engagementScore);
    expect(after.ownerUserId).toBe(before.ownerUserId);
    expect(after.mentions.every((m) => m.disposition?.disposition === 'lead')).toBe(true);
    expect(after.mentions[1]?.disposition?.by).toMatch(/^rule:/);

    // Heard versus listened counts the posts that became leads.
    const stats = await dispositionStats(t.ctx, manager, 7);
    expect(stats).toMatchObject({ matched: 3, disposed: 3, byDisposition: { case: 0, lead: 3 } });
    const rows = await t.ctx.db
      .selectFrom('mentions')
      .select('disposition')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(rows.map((r) => r.disposition)).toEqual(['lead', 'lead', 'lead']);
  });

  it('links the lead to the case an earlier action made, keeping the post a case, and gives it the named owner', async () => {
    const { ws, manager, ben } = await setup();
    await saveRule(t.ctx, manager, {
      name: 'Buying signals',
      conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
      actions: [
        { type: 'create_case', caseType: 'lead' },
        { type: 'create_lead', stage: 'marketing_qualified', ownerUserId: ben.userId },
      ],
    });
    await ingest(ws.id, [{ text: upgrade, author: 'with-case' }]);
    await routeNewMentions(t.ctx);
    const [c] = (await listCases(t.ctx, manager, { view: 'all', limit: 5 })).items;
    const [lead] = (await listLeads(t.ctx, manager, {})).items;
    expect(lead).toMatchObject({ caseId: c?.id, ownerUserId: ben.userId, stage: 'marketing_qualified' });
    const detail = await getLead(t.ctx, manager, lead?.id ?? '');
    expect(detail.mentions[0]?.disposition?.disposition).toBe('case');
    expect(detail.customer?.lifecycleStage).toBe('marketing_qualified');
  });

  it('refuses a rule whose lead owner cannot work leads or whose team does not exist, on the field', async () => {
    const { ws, manager } = await setup();
    const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
    const rule = (action: Record<string, string>) =>
      saveRule(t.ctx, manager, {
        name: 'Leads',
        conditions: [{ field: 'intent', op: 'in', value: ['purchase_intent'] }],
        actions: [{ type: 'create_lead', ...action }],
      });
    await expect(rule({ ownerUserId: moderator.userId })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'actions.0.ownerUserId' }] },
    });
    await expect(rule({ ownerUserId: 'no-such-user' })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'actions.0.ownerUserId' }] },
    });
    await expect(rule({ teamId: 'no-such-team' })).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'actions.0.teamId' }] },
    });
    await expect(rule({ ownerUserId: manager.userId })).resolves.toMatchObject({ name: 'Leads' });
  });
});
