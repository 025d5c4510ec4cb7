import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import type { ExportFormat } from '../../export-format.ts';
import type { Actor } from '../auth/roles.ts';
import { createCustomer } from '../customers/service.ts';
import { saveTeam } from '../inbox/teams.ts';
import { createLead, updateLead } from './leads.ts';
import { exportLeads, type LeadExportSummary } from './leads-export.ts';
import { createOpportunity } from './opportunities.ts';
import type { LeadFilters } from './schema.ts';

const t = setupTestDatabase();

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = await buildUser(t.ctx, ws, { role: 'manager' });
  const rep = await buildUser(t.ctx, ws, {
    role: 'agent',
    name: 'Sam Sales',
    email: `sam-${ws.slug}@example.test`,
  });
  const team = await saveTeam(t.ctx, manager.actor, { name: 'Enterprise', memberIds: [rep.user.id] });
  const lead = async (name: string, email: string, input: Record<string, unknown>) => {
    const c = await createCustomer(t.ctx, manager.actor, { displayName: name, email, verified: true });
    return createLead(t.ctx, manager.actor, { customerId: c.id, title: `${name}'s deal`, ...input });
  };
  const kim = await lead('Kim Lee', 'kim@lee.example', {
    stage: 'sales_qualified',
    ownerUserId: rep.user.id,
    teamId: team.id,
  });
  const ola = await lead('Ola Berg', 'ola@berg.example', { stage: 'lead' });
  const formula = await lead('=HYPERLINK("x")', 'eve@evil.example', { stage: 'lead' });
  await createOpportunity(t.ctx, manager.actor, {
    leadId: kim.id,
    name: 'Fleet',
    amountMinor: 120_000,
    currency: 'EUR',
  });
  await updateLead(t.ctx, manager.actor, ola.id, { status: 'disqualified', disqualifyReason: 'No budget' });
  return { ws, manager, rep, kim, ola, formula };
}

/** The export's text and summary. */
async function exported(
  actor: Actor,
  filters: LeadFilters,
  format: ExportFormat,
  pageSize?: number,
): Promise<{ text: string; summary: LeadExportSummary }> {
  let text = '';
  const write = (chunk: string) => {
    text += chunk;
  };
  const summary = await exportLeads(t.ctx, actor, filters, format, write, pageSize);
  return { text, summary };
}

describe('exporting leads', () => {
  it('writes each lead with its customer, owner, team and opportunities as CSV, in the list order, page by page', async () => {
    const { manager, rep, kim, formula } = await setup();
    const { text, summary } = await exported(manager.actor, { status: 'all' }, 'csv', 1);
    expect(summary.leads).toBe(3);
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(text.split('\n')[0]).toBe(
      'number,title,stage,status,disqualify_reason,score,fit_score,engagement_score,customer_id,customer_name,customer_email,customer_handle,owner_name,owner_email,team,source,handoff_status,first_contact_at,opportunities,created_at,closed_at',
    );
    // Newest first, as the list.
    expect(rows.map((r) => r.number)).toEqual(['3', '2', '1']);
    expect(rows[2]).toMatchObject({
      number: String(kim.number),
      title: "Kim Lee's deal",
      // A new opportunity moves the lead on to at least "opportunity".
      stage: 'opportunity',
      status: 'open',
      customer_name: 'Kim Lee',
      customer_email: 'kim@lee.example',
      owner_name: 'Sam Sales',
      owner_email: rep.user.email,
      team: 'Enterprise',
      source: 'agent',
      handoff_status: 'none',
      opportunities: '1',
    });
    expect(rows[1]).toMatchObject({ status: 'disqualified', disqualify_reason: 'No budget', owner_name: '' });
    // A name a spreadsheet would run as a formula is written as text.
    expect(rows[0]).toMatchObject({ number: String(formula.number), customer_name: `'=HYPERLINK("x")` });
  });

  it('keeps to the filters, writes JSON and JSON Lines with numbers as numbers, and records the export', async () => {
    const { ws, manager } = await setup();
    const open = await exported(manager.actor, {}, 'jsonl');
    const lines = open.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.title).sort()).toEqual(['=HYPERLINK("x")\'s deal', "Kim Lee's deal"]);
    expect(lines.find((l) => l.title === "Kim Lee's deal")).toMatchObject({
      score: expect.any(Number),
      opportunities: 1,
    });

    const disqualified = await exported(manager.actor, { status: 'disqualified' }, 'json');
    expect((JSON.parse(disqualified.text) as { title: string }[]).map((l) => l.title)).toEqual([
      "Ola Berg's deal",
    ]);
    const none = await exported(manager.actor, { stage: 'evangelist' }, 'json');
    expect(JSON.parse(none.text)).toEqual([]);

    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'leads.export')
      .execute();
    expect(audit).toHaveLength(3);
  });

  it('is refused to roles that do not configure sales, before anything is written', async () => {
    const { rep } = await setup();
    let written = '';
    await expect(
      exportLeads(t.ctx, rep.actor, {}, 'csv', (chunk) => {
        written += chunk;
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(written).toBe('');
  });
});
