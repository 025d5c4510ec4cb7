import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { forgetCachedAuthors } from '../listening/store.ts';
import { eraseCustomer } from './erasure.ts';
import { addIdentity, createCustomer, getCustomer, listCustomers, unmergeCustomers } from './service.ts';

// Strong rule (c) of docs/customers.md in the orders the pipeline meets its two sides: the
// profile with the verified link first and the account it names later, and a link verified
// after the account was first seen.

const t = setupTestDatabase();
let sequence = 0;

type Field = { name: string; value: string; verified_at: string | null };
const verified = '2026-01-01T00:00:00Z';
const link = (href: string) => `<a href="${href}" rel="nofollow noopener me" target="_blank">${href}</a>`;
const bskyField = (handle: string, at: string | null = verified): Field => ({
  name: 'Bluesky',
  value: link(`https://bsky.app/profile/${handle}`),
  verified_at: at,
});

async function drain() {
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

/** A Mastodon status by `acct` on social.example whose profile has `fields`. */
async function tootBy(workspaceId: string, acct: string, fields: Field[]) {
  sequence++;
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'mastodon',
      payload: JSON.stringify({
        instance: 'social.example',
        status: {
          id: `${sequence}`,
          uri: `https://social.example/users/${acct}/statuses/${sequence}`,
          created_at: t.clock.now().toISOString(),
          content: `<p>Flight update ${sequence}</p>`,
          account: { id: `acc-${acct}`, acct, display_name: acct.toUpperCase(), fields },
        },
      }),
    },
  ]);
  await drain();
}

/** A Bluesky post by `handle` (generic format). */
async function skeetBy(workspaceId: string, handle: string) {
  sequence++;
  await appendToLog(t.ctx, [
    {
      workspaceId,
      connectorId: null,
      format: 'generic',
      payload: JSON.stringify({
        channel: 'bluesky',
        externalId: `skeet-${sequence}`,
        text: `Where is my bag, post ${sequence}`,
        createdAt: t.clock.now().toISOString(),
        author: { externalId: `did:plc:${handle}`, handle, displayName: handle.split('.')[0] },
      }),
    },
  ]);
  await drain();
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
  return { ws, agent, admin };
}

/** Each customer as the sorted `channel:handle` of its social accounts. */
async function people(actor: Actor): Promise<string[][]> {
  const { items } = await listCustomers(t.ctx, actor, { limit: 100 });
  return items
    .map((c) =>
      c.identities
        .filter((i) => i.kind === 'social')
        .map((i) => `${i.channel}:${i.handle}`)
        .sort(),
    )
    .sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}

async function customerWith(actor: Actor, handle: string) {
  const { items } = await listCustomers(t.ctx, actor, { limit: 100, search: handle });
  const [only, ...more] = items;
  expect(more).toEqual([]);
  if (!only) throw new Error(`no customer with ${handle}`);
  return getCustomer(t.ctx, actor, only.id);
}

describe('a verified profile link whose two sides arrive at different times', () => {
  it('joins an account seen after the profile that verified a link to it', async () => {
    const { ws, agent } = await setup();
    await tootBy(ws.id, 'rui', [bskyField('rui.bsky.social')]);
    expect(await people(agent)).toEqual([['mastodon:rui@social.example']]);

    await skeetBy(ws.id, 'rui.bsky.social');
    expect(await people(agent)).toEqual([['bluesky:rui.bsky.social', 'mastodon:rui@social.example']]);
    const rui = await customerWith(agent, 'rui@social.example');
    expect(rui.merges.map((m) => m.evidence)).toEqual([
      [
        'Mastodon profile rui@social.example has a link verified by its server to Bluesky account rui.bsky.social',
      ],
    ]);
  });

  it('joins a known account whose profile gains a verified link later, and respects an agent who separated them', async () => {
    const { ws, agent } = await setup();
    await skeetBy(ws.id, 'ana.bsky.social');
    await tootBy(ws.id, 'ana', []);
    expect(await people(agent)).toHaveLength(2);

    // The link is claimed, then the instance verifies it: only the verified one counts.
    await tootBy(ws.id, 'ana', [bskyField('ana.bsky.social', null)]);
    expect(await people(agent)).toHaveLength(2);
    await tootBy(ws.id, 'ana', [bskyField('ana.bsky.social')]);
    expect(await people(agent)).toEqual([['bluesky:ana.bsky.social', 'mastodon:ana@social.example']]);
    const ana = await customerWith(agent, 'ana.bsky.social');
    expect(ana.merges[0]?.evidence).toEqual([
      'Mastodon profile ana@social.example has a link verified by its server to Bluesky account ana.bsky.social',
    ]);

    // An agent undoes it: the same profile seen again, even by a restarted worker, does not redo
    // it, nor does the link dropped and verified again.
    const merge = ana.merges[0];
    if (!merge) throw new Error('no merge');
    await unmergeCustomers(t.ctx, agent, merge.id);
    forgetCachedAuthors(t.ctx.db);
    await tootBy(ws.id, 'ana', [bskyField('ana.bsky.social')]);
    await tootBy(ws.id, 'ana', []);
    await tootBy(ws.id, 'ana', [bskyField('ana.bsky.social')]);
    expect(await people(agent)).toEqual([['bluesky:ana.bsky.social'], ['mastodon:ana@social.example']]);
  });

  it('forgets a link the profile no longer verifies, and links nothing when two people name the same account', async () => {
    const { ws, agent } = await setup();
    await tootBy(ws.id, 'eve', [bskyField('eve.bsky.social')]);
    await tootBy(ws.id, 'eve', [bskyField('eve.bsky.social', null)]);
    await skeetBy(ws.id, 'eve.bsky.social');
    expect(await people(agent)).toEqual([['bluesky:eve.bsky.social'], ['mastodon:eve@social.example']]);

    await tootBy(ws.id, 'kim', [bskyField('sam.bsky.social')]);
    await tootBy(ws.id, 'lou', [bskyField('sam.bsky.social')]);
    await skeetBy(ws.id, 'sam.bsky.social');
    expect((await people(agent)).filter((p) => p.length > 1)).toEqual([]);
  });

  it('joins a profile that verified a link to a domain once an agent proves whose domain it is', async () => {
    const { ws, agent } = await setup();
    await tootBy(ws.id, 'ivo', [
      { name: 'Web', value: link('https://www.ivo.example/'), verified_at: verified },
    ]);
    const ivo = await createCustomer(t.ctx, agent, {
      displayName: 'Ivo P',
      email: 'ivo@ivo.example',
      verified: false,
    });
    expect(await people(agent)).toEqual([[], ['mastodon:ivo@social.example']]);
    // An unverified address proves nothing; the verified one proves the domain.
    await addIdentity(t.ctx, agent, ivo.id, { kind: 'email', value: 'ivo@ivo.example', verified: true });
    const profile = await getCustomer(t.ctx, agent, ivo.id);
    expect(profile.identities.map((i) => `${i.kind}:${i.handle ?? i.externalId}`).sort()).toEqual([
      'email:ivo@ivo.example',
      'social:ivo@social.example',
    ]);
    expect(profile.merges[0]?.evidence).toEqual([
      'Mastodon profile ivo@social.example has a link verified by its server to ivo.example, a domain the customer owns (verified email ivo@ivo.example)',
    ]);
  });

  it("keeps no trace of an erased person's verified links", async () => {
    const { ws, agent, admin } = await setup();
    await tootBy(ws.id, 'zoe', [bskyField('zoe.bsky.social')]);
    const zoe = await customerWith(agent, 'zoe@social.example');
    const links = () =>
      t.ctx.db
        .selectFrom('author_verified_links')
        .select('target')
        .where('workspace_id', '=', ws.id)
        .execute();
    expect(await links()).toEqual([{ target: 'zoe.bsky.social' }]);
    await eraseCustomer(t.ctx, admin, zoe.id, { reason: 'asked to be forgotten' });
    expect(await links()).toEqual([]);
  });
});
