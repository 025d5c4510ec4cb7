import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { csvFromText } from '../../pipeline/csv.ts';
import { recordFeed } from '../collaboration/feed.ts';
import { createCustomer, listCustomers } from '../customers/service.ts';
import { saveTeam } from '../inbox/teams.ts';
import { listLeads } from './lead-lists.ts';
import { createLead, updateLead } from './leads.ts';
import { importLeads, parseLeadStage } from './leads-import.ts';

const t = setupTestDatabase();

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const manager = await buildUser(t.ctx, ws, { role: 'manager', email: `boss-${ws.slug}@example.test` });
  const rep = await buildUser(t.ctx, ws, {
    role: 'agent',
    email: `sam-${ws.slug}@example.test`,
    name: 'Sam',
  });
  const moderator = await buildUser(t.ctx, ws, { role: 'moderator', email: `mod-${ws.slug}@example.test` });
  const team = await saveTeam(t.ctx, manager.actor, { name: 'Enterprise', memberIds: [rep.user.id] });
  return { ws, manager, rep, moderator, team };
}

const csv = (text: string) => ({ source: csvFromText(text, 'leads.csv') });

describe('parseLeadStage', () => {
  it('reads the stages as people write them and refuses the rest', () => {
    expect(parseLeadStage('Marketing qualified')).toBe('marketing_qualified');
    expect(parseLeadStage('sales-qualified')).toBe('sales_qualified');
    expect(parseLeadStage(' MQL ')).toBe('marketing_qualified');
    expect(parseLeadStage('SQL')).toBe('sales_qualified');
    expect(parseLeadStage('Advocate')).toBe('evangelist');
    expect(parseLeadStage('opportunity')).toBe('opportunity');
    expect(parseLeadStage('hot')).toBeNull();
    expect(parseLeadStage('')).toBeNull();
  });
});

describe('importing leads from a CSV file', () => {
  it('makes a lead per line on the customer of its email, with stage, owner and team, and nothing twice', async () => {
    const { manager, rep, team } = await setup();
    const known = await createCustomer(t.ctx, manager.actor, {
      displayName: 'Kim Lee',
      email: 'kim@lee.example',
      verified: true,
    });
    const file = [
      'email,name,title,stage,owner,team',
      `Kim@Lee.example,Kim L.,Fleet renewal,SQL,${rep.user.email},enterprise`,
      'ola@berg.example,Ola Berg,Summer pass,,,',
      'li@wu.example,,Group booking,Marketing qualified,,',
    ].join('\n');
    const summary = await importLeads(t.ctx, manager.actor, csv(file));
    expect(summary).toMatchObject({ read: 3, created: 3, existing: 0, customersCreated: 2, rejected: [] });

    const leads = (await listLeads(t.ctx, manager.actor, { status: 'open', limit: 10 })).items;
    const byTitle = new Map(leads.map((l) => [l.title, l]));
    expect(byTitle.get('Fleet renewal')).toMatchObject({
      stage: 'sales_qualified',
      source: 'import',
      customer: { id: known.id, displayName: 'Kim Lee' },
      owner: { id: rep.user.id },
      teamId: team.id,
    });
    expect(byTitle.get('Summer pass')).toMatchObject({
      stage: 'lead',
      owner: null,
      customer: { displayName: 'Ola Berg' },
    });
    // No name column value: the new customer goes by the address, as any customer made from an email.
    expect(byTitle.get('Group booking')).toMatchObject({
      stage: 'marketing_qualified',
      customer: { displayName: 'li@wu.example' },
    });
    // A known customer keeps their name; the lead's feed says who made it.
    const feed = await recordFeed(t.ctx, manager.actor, 'lead', byTitle.get('Fleet renewal')?.id ?? '', {
      limit: 20,
    });
    expect(feed.items.map((e) => e.kind)).toContain('created');

    // The same file again: every line is already there.
    const again = await importLeads(t.ctx, manager.actor, csv(file));
    expect(again).toMatchObject({ read: 3, created: 0, existing: 3, customersCreated: 0, rejected: [] });
    expect((await listLeads(t.ctx, manager.actor, { status: 'all', limit: 10 })).items).toHaveLength(3);

    // Closed since: the imported title is still that lead, not a new one; another title is new interest.
    await updateLead(t.ctx, manager.actor, byTitle.get('Summer pass')?.id ?? '', {
      status: 'disqualified',
      disqualifyReason: 'Bought elsewhere',
    });
    const later = await importLeads(
      t.ctx,
      manager.actor,
      csv('email,title\nola@berg.example,Summer pass\nola@berg.example,Winter pass'),
    );
    expect(later).toMatchObject({ created: 1, existing: 1 });
    const ola = (await listLeads(t.ctx, manager.actor, { status: 'all', limit: 10 })).items.filter(
      (l) => l.customer.displayName === 'Ola Berg',
    );
    expect(ola.map((l) => [l.title, l.status]).sort()).toEqual([
      ['Summer pass', 'disqualified'],
      ['Winter pass', 'open'],
    ]);
  });

  it('reports each bad line with its number and reason and imports the others', async () => {
    const { manager, moderator } = await setup();
    const file = [
      'E-mail,Deal,stage,owner,team',
      'a@a.example,First,,,',
      ',No email,,,',
      'b@b.example,,,,',
      'c@c.example,Bad stage,hot,,',
      `d@d.example,Unknown owner,,nobody@example.test,`,
      `e@e.example,Owner who cannot sell,,${moderator.user.email},`,
      'f@f.example,Unknown team,,,Nowhere',
      'not-an-address,Bad email,,,',
      'g@g.example,Last,lead,,',
    ].join('\n');
    const summary = await importLeads(t.ctx, manager.actor, {
      ...csv(file),
      map: 'email=E-mail,title=Deal',
    });
    expect(summary.created).toBe(2);
    expect(summary.read).toBe(9);
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'E-mail: missing' },
      { line: 4, reason: 'Deal: missing' },
      { line: 5, reason: expect.stringContaining('stage: "hot" is not a stage') },
      { line: 6, reason: 'owner: no user nobody@example.test in this workspace' },
      { line: 7, reason: `owner: ${moderator.user.email} cannot own leads` },
      { line: 8, reason: 'team: no team "Nowhere"' },
      { line: 9, reason: expect.stringMatching(/^E-mail: .*not-an-address/) },
    ]);
    // A rejected line made no customer either.
    const customers = (await listCustomers(t.ctx, manager.actor, { limit: 50 })).items;
    expect(customers.map((c) => c.primaryEmail).sort()).toEqual(['a@a.example', 'g@g.example']);
  });

  it('refuses a file without the columns it needs, and a role that may not work leads', async () => {
    const { manager, moderator } = await setup();
    await expect(importLeads(t.ctx, manager.actor, csv('mail,title\na@a.example,x'))).rejects.toThrow(
      /no column "email" \(email\); map it with --map email=<column>/,
    );
    await expect(
      importLeads(t.ctx, moderator.actor, csv('email,title\na@a.example,x')),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect((await listLeads(t.ctx, manager.actor, { status: 'all', limit: 10 })).items).toEqual([]);
  });

  it('counts a customer with an open lead made by hand as already there', async () => {
    const { manager } = await setup();
    const c = await createCustomer(t.ctx, manager.actor, {
      displayName: 'Ana',
      email: 'ana@example.com',
      verified: true,
    });
    await createLead(t.ctx, manager.actor, { customerId: c.id, title: 'By hand' });
    const summary = await importLeads(
      t.ctx,
      manager.actor,
      csv('email,title\nana@example.com,From the fair'),
    );
    expect(summary).toMatchObject({ created: 0, existing: 1, rejected: [] });
  });
});
