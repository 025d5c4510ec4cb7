import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import type { ExportFormat } from '../../export-format.ts';
import type { Actor } from '../auth/roles.ts';
import { createCase, updateCase } from './cases.ts';
import { type CaseExportFilters, exportCases } from './cases-export.ts';
import { deliverDueReplies, queueReply } from './replies.ts';
import { saveSlaPolicy } from './sla.ts';
import { saveTeam } from './teams.ts';

const t = setupTestDatabase();

/**
 * A team, an SLA policy for high priority, a case from a post (answered after 30 minutes, solved
 * after 2 hours), and one made by hand two days later.
 */
async function setup() {
  t.clock.set('2026-11-23T09:00:00.000Z');
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent', name: 'Ana Agent' })).actor;
  const team = await saveTeam(t.ctx, manager, { name: 'Care', memberIds: [agent.userId] });
  await saveSlaPolicy(t.ctx, manager, {
    name: 'Standard',
    targets: { firstResponse: 60, resolution: 1440 },
    businessHours: false,
    conditions: { priorities: ['high'] },
  });
  await createConnector(t.ctx, owner, { kind: 'demo', name: 'Demo stream', config: {} });
  await storePosts(t.ctx, ws.id, [
    {
      channel: 'bluesky',
      externalId: 'demo:1:1',
      text: 'My bag never arrived in Oslo',
      createdAt: t.clock.now().toISOString(),
      author: { externalId: 'demo:maya', handle: 'maya.bsky.social', displayName: 'Maya Lind' },
    },
  ]);
  const mention = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', ws.id)
    .executeTakeFirstOrThrow();
  const bag = await createCase(t.ctx, manager, {
    subject: 'Lost bag, "urgent", please',
    priority: 'high',
    type: 'complaint',
    teamId: team.id,
    assigneeUserId: agent.userId,
    tags: ['baggage', 'oslo'],
    mentionIds: [Number(mention.id)],
  });
  t.clock.advance(30 * 60_000);
  await queueReply(t.ctx, agent, bag.id, { body: 'We are tracing it now.' });
  // The demo connector sends at once: the reply is the first response.
  expect(await deliverDueReplies(t.ctx)).toBe(1);
  t.clock.advance(90 * 60_000);
  await updateCase(t.ctx, agent, bag.id, { status: 'solved' });
  t.clock.set('2026-11-25T10:00:00.000Z');
  const lounge = await createCase(t.ctx, manager, {
    subject: 'Lounge praise',
    type: 'feedback',
    priority: 'low',
  });
  return { ws, manager, agent, bag, lounge };
}

async function exported(actor: Actor, filters: CaseExportFilters, format: ExportFormat, pageSize?: number) {
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
  };
  const summary = await exportCases(t.ctx, actor, filters, format, write, pageSize);
  return { text, summary };
}

describe('exporting cases', () => {
  it('writes each case with its customer, assignee, team, tags, response times and SLA outcomes, page by page', async () => {
    const { manager, bag, lounge } = await setup();
    const { text, summary } = await exported(manager, { view: 'all' }, 'csv', 1);
    expect(summary.cases).toBe(2);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.number)).toEqual([String(lounge.number), String(bag.number)]);
    expect(rows[1]).toMatchObject({
      subject: 'Lost bag, "urgent", please',
      status: 'solved',
      priority: 'high',
      type: 'complaint',
      channel: 'bluesky',
      customer_name: 'Maya Lind',
      assignee_name: 'Ana Agent',
      team: 'Care',
      tags: 'baggage; oslo',
      created_at: '2026-11-23T09:00:00.000Z',
      first_response_at: '2026-11-23T09:30:00.000Z',
      first_response_minutes: '30',
      solved_at: '2026-11-23T11:00:00.000Z',
      resolution_minutes: '120',
      sla_first_response: 'achieved',
      sla_resolution: 'achieved',
    });
    expect(rows[0]).toMatchObject({
      subject: 'Lounge praise',
      customer_name: '',
      assignee_name: '',
      first_response_minutes: '',
      sla_first_response: '',
    });
  });

  it('keeps to the filters and the window on when cases were opened, and writes JSON with numbers and lists', async () => {
    const { manager, bag } = await setup();
    const solved = await exported(manager, { view: 'all', status: 'solved' }, 'json');
    const items = JSON.parse(solved.text) as {
      number: number;
      tags: string[];
      first_response_minutes: number;
    }[];
    expect(items).toEqual([
      expect.objectContaining({ number: bag.number, tags: ['baggage', 'oslo'], first_response_minutes: 30 }),
    ]);
    const window = await exported(
      manager,
      { view: 'all', since: '2026-11-24T00:00:00.000Z', until: '2026-11-26T00:00:00.000Z' },
      'jsonl',
    );
    expect(
      window.text
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { subject: string }).subject),
    ).toEqual(['Lounge praise']);
    expect(JSON.parse((await exported(manager, { view: 'all', tag: 'nothing' }, 'json')).text)).toEqual([]);
  });

  it('is refused to agents before anything is written, and each export is audited', async () => {
    const { ws, manager, agent } = await setup();
    let written = '';
    await expect(
      exportCases(t.ctx, agent, { view: 'all' }, 'csv', (chunk) => {
        written += chunk;
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(written).toBe('');
    await exported(manager, { view: 'all', priority: 'high' }, 'csv');
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id'])
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'cases.export')
      .execute();
    expect(audit).toEqual([{ action: 'cases.export', actor_user_id: manager.userId }]);
  });
});
