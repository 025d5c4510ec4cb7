import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { csvFromText } from '../../pipeline/csv.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { importContacts } from './contacts-import.ts';
import { createAttributeDefinition, getCustomer, listCustomers, unmergeCustomers } from './service.ts';

const t = setupTestDatabase();
let sequence = 0;

/** Posts by a social account, through the real pipeline (which gives each new author a customer). */
async function post(workspaceId: string, channel: 'bluesky' | 'mastodon', handle: string) {
  sequence++;
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel,
        externalId: `contact-post-${sequence}`,
        text: `Hello from ${handle}`,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `${channel}:${handle}`, handle, displayName: handle },
      }),
    },
  ]);
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

async function customerWith(actor: Parameters<typeof listCustomers>[1], search: string) {
  const found = (await listCustomers(t.ctx, actor, { limit: 10, search })).items;
  expect(found).toHaveLength(1);
  return getCustomer(t.ctx, actor, found[0]?.id ?? '');
}

const identitiesOf = (p: Awaited<ReturnType<typeof getCustomer>>) =>
  p.identities.map((i) => `${i.channel}:${i.handle ?? i.externalId}`).sort();

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  await createAttributeDefinition(t.ctx, owner, {
    key: 'plan',
    label: 'Plan',
    type: 'choice',
    choices: ['basic', 'gold'],
  });
  await createAttributeDefinition(t.ctx, owner, { key: 'seats', label: 'Seats', type: 'number' });
  return { ws, owner };
}

describe('contacts import', () => {
  it('links the identities on one line: merges customers that held them, with the line as evidence, undoably', async () => {
    const { ws, owner } = await setup();
    await post(ws.id, 'bluesky', 'maya.bsky.social');
    await post(ws.id, 'mastodon', 'maya@mastodon.example');
    const csv = [
      'name,email,bluesky,mastodon,attr.plan,attr.seats',
      'Maya Lind,maya@example.com,maya.bsky.social,@Maya@mastodon.example,gold,12',
    ].join('\n');
    const summary = await importContacts(t.ctx, owner, csvFromText(csv, 'crm.csv'));
    // The customer the pipeline made for the Bluesky account takes the rest.
    expect(summary).toMatchObject({
      read: 1,
      created: 0,
      updated: 1,
      merged: 1,
      pendingLinks: 0,
      rejected: [],
    });

    const maya = await customerWith(owner, 'maya@example.com');
    expect(maya.displayName).toBe('Maya Lind');
    expect(identitiesOf(maya)).toEqual([
      'bluesky:maya.bsky.social',
      'email:maya@example.com',
      'mastodon:maya@mastodon.example',
    ]);
    expect(maya.attributes).toEqual({ plan: 'gold', seats: 12 });
    expect(maya.mentionCount).toBe(2);
    expect(maya.merges.map((m) => m.evidence)).toEqual([
      [
        'contacts file "crm.csv", line 2 lists email maya@example.com, Bluesky maya.bsky.social, Mastodon maya@mastodon.example as one person',
      ],
    ]);

    // Undoing the merge gives the Mastodon account its own customer back, with its post.
    const undone = await unmergeCustomers(t.ctx, owner, maya.merges[0]?.id ?? '');
    const restored = await getCustomer(t.ctx, owner, undone.restored.id);
    expect(identitiesOf(restored)).toEqual(['mastodon:maya@mastodon.example']);
    expect(restored.mentionCount).toBe(1);
    expect(identitiesOf(await getCustomer(t.ctx, owner, maya.id))).toHaveLength(2);
  });

  it('keeps a handle not seen yet as a link that joins the customer when the account first posts', async () => {
    const { ws, owner } = await setup();
    const csv = 'name,email,bluesky\nTom Kay,tom@example.com,tomk.bsky.social\n';
    expect(await importContacts(t.ctx, owner, csvFromText(csv, 'leads.csv'))).toMatchObject({
      created: 1,
      pendingLinks: 1,
    });
    const before = await customerWith(owner, 'tom@example.com');
    expect(identitiesOf(before)).toEqual(['email:tom@example.com']);

    await post(ws.id, 'bluesky', 'tomk.bsky.social');
    const after = await getCustomer(t.ctx, owner, before.id);
    expect(identitiesOf(after)).toEqual(['bluesky:tomk.bsky.social', 'email:tom@example.com']);
    expect(after.mentionCount).toBe(1);
    expect(after.merges[0]?.evidence).toEqual([
      'contacts file "leads.csv", line 2 lists bluesky account tomk.bsky.social for this customer',
    ]);
    // One customer for Tom, not two.
    expect((await listCustomers(t.ctx, owner, { limit: 10, search: 'tomk' })).items).toHaveLength(1);
  });

  it('changes nothing when the same file is imported again', async () => {
    const { ws, owner } = await setup();
    await post(ws.id, 'bluesky', 'ana.bsky.social');
    const csv =
      'name,email,phone,bluesky,mastodon\nAna,ana@example.com,+351 912 345 678,ana.bsky.social,ana@social.example\n';
    const first = await importContacts(t.ctx, owner, csvFromText(csv, 'a.csv'));
    expect(first).toMatchObject({ created: 0, updated: 1, merged: 0, pendingLinks: 1 });
    const second = await importContacts(t.ctx, owner, csvFromText(csv, 'a.csv'));
    expect(second).toMatchObject({
      read: 1,
      created: 0,
      updated: 0,
      unchanged: 1,
      merged: 0,
      pendingLinks: 0,
    });
    const ana = await customerWith(owner, 'ana@example.com');
    expect(identitiesOf(ana)).toEqual([
      'bluesky:ana.bsky.social',
      'email:ana@example.com',
      'phone:+351912345678',
    ]);
  });

  it('reports each bad line by number and reason, and imports the others whole', async () => {
    const { owner } = await setup();
    const csv = [
      'name,email,bluesky,attr.plan,attr.seats',
      'Good One,good@example.com,,basic,3',
      'No Identity,,,,',
      'Bad Email,not-an-email,,,',
      'Bad Handle,,not a handle,,',
      'Bad Plan,plan@example.com,,platinum,',
      'Bad Seats,seats@example.com,,,many',
    ].join('\n');
    const summary = await importContacts(t.ctx, owner, csvFromText(csv, 'bad.csv'));
    expect(summary.created).toBe(1);
    expect(summary.rejected).toEqual([
      { line: 3, reason: 'names no identity: give an email, phone, bluesky or mastodon column' },
      { line: 4, reason: 'email: not an email address' },
      { line: 5, reason: 'bluesky: not a Bluesky handle (name.bsky.social)' },
      { line: 6, reason: expect.stringContaining('plan') },
      { line: 7, reason: expect.stringContaining('seats') },
    ]);
    // A rejected line wrote nothing: no customer for the bad plan's email.
    expect((await listCustomers(t.ctx, owner, { limit: 10, search: 'plan@example.com' })).items).toHaveLength(
      0,
    );
  });

  it('refuses a role that cannot manage customers', async () => {
    const { ws } = await setup();
    const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
    await expect(
      importContacts(t.ctx, moderator, csvFromText('email\nx@example.com\n', 'x.csv')),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});
