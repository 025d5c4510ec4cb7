import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { newId } from '../../ids.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { followRecord, listNotifications, markNotificationsRead, recordFeed } from '../collaboration/feed.ts';
import { listCases } from '../inbox/case-lists.ts';
import { createCase } from '../inbox/cases.ts';
import { forgetCachedAuthors } from '../listening/store.ts';
import { createLead } from '../sales/leads.ts';
import { listConsents, recordConsent } from './consents.ts';
import { refreshNewMentionStats } from './customer-stats.ts';
import { addSegmentMembers, createSegment, removeSegmentMember, segmentMembers } from './segments.ts';
import {
  acceptSuggestion,
  addIdentity,
  attachUnattachedAuthors,
  createAttributeDefinition,
  createCustomer,
  customerTimeline,
  getCustomer,
  listCustomers,
  listSuggestions,
  mergeCustomers,
  rejectSuggestion,
  removeIdentity,
  suggestionsPage,
  unmergeCustomers,
  updateCustomer,
} from './service.ts';

const t = setupTestDatabase();

type Author = { id: string; handle: string; name?: string; channel?: string; avatar?: string };
let sequence = 0;

/** Appends one generic post per (author, text) and runs the pipeline until the log is drained. */
async function ingest(workspaceId: string, posts: { author: Author; text?: string; at?: string }[]) {
  await appendToLog(
    t.ctx,
    posts.map(({ author, text, at }) => {
      sequence++;
      return {
        workspaceId,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: author.channel ?? 'bluesky',
          externalId: `post-${sequence}`,
          text: text ?? `Still waiting for my refund, post ${sequence}`,
          createdAt: at ?? t.clock.now().toISOString(),
          author: {
            externalId: `${author.channel ?? 'bluesky'}:${author.id}`,
            handle: author.handle,
            displayName: author.name ?? null,
            avatarUrl: author.avatar ?? null,
          },
        }),
      };
    }),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
  return { ws, agent, admin };
}

async function all(actor: Actor, search?: string) {
  return (await listCustomers(t.ctx, actor, { limit: 200, search })).items;
}

async function customerOfHandle(actor: Actor, handle: string) {
  const found = (await all(actor)).filter((c) => c.identities.some((i) => i.handle === handle));
  expect(found).toHaveLength(1);
  return found[0] as NonNullable<(typeof found)[0]>;
}

describe('every mention author is an identity of exactly one customer', () => {
  it('gives each new author one social identity and one customer, and a replay creates nothing new', async () => {
    const { ws, agent } = await setup();
    const maya = { id: 'maya', handle: 'maya.travels', name: 'Maya Lindqvist' };
    const tom = { id: 'tom', handle: 'tomk', name: 'Tom' };
    await ingest(ws.id, [{ author: maya }, { author: maya }, { author: tom }]);
    const customers = await all(agent);
    expect(customers.map((c) => [c.displayName, c.identities, c.mentionCount]).sort()).toEqual([
      ['Maya Lindqvist', [{ kind: 'social', channel: 'bluesky', handle: 'maya.travels' }], 2],
      ['Tom', [{ kind: 'social', channel: 'bluesky', handle: 'tomk' }], 1],
    ]);
    const count = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom('identities')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('workspace_id', '=', ws.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count()).toBe(2);

    // The same posts again, with a warm author cache and then a cold one (a restarted worker).
    const log = await t.ctx.db
      .selectFrom('ingest_log')
      .select(['workspace_id', 'format', 'payload'])
      .where('workspace_id', '=', ws.id)
      .execute();
    const replay = () =>
      appendToLog(
        t.ctx,
        log.map((l) => ({
          workspaceId: l.workspace_id,
          connectorId: null,
          format: 'generic',
          payload: l.payload,
        })),
      );
    await replay();
    while ((await processBatch(t.ctx)).claimed > 0) {}
    forgetCachedAuthors(t.ctx.db);
    await replay();
    while ((await processBatch(t.ctx)).claimed > 0) {}
    expect(await count()).toBe(2);
    expect((await all(agent)).map((c) => c.mentionCount).sort()).toEqual([1, 2]);
  });

  it('attaches authors that were stored without an identity (the start-up backfill)', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [{ author: { id: 'old', handle: 'old.timer', name: 'Old Timer' } }]);
    await t.ctx.db.deleteFrom('identities').where('workspace_id', '=', ws.id).execute();
    await t.ctx.db.deleteFrom('customers').where('workspace_id', '=', ws.id).execute();
    expect(await attachUnattachedAuthors(t.ctx)).toBe(1);
    expect(await attachUnattachedAuthors(t.ctx)).toBe(0);
    expect((await all(agent)).map((c) => c.displayName)).toEqual(['Old Timer']);
  });
});

describe('counts on lists and on the profile', () => {
  it('lists counts from the customer statistics once they exist (lagging until the next refresh); the profile counts now', async () => {
    const { ws, agent } = await setup();
    const maya = { id: 'maya', handle: 'maya.travels', name: 'Maya Lindqvist' };
    await ingest(ws.id, [{ author: maya }, { author: maya }]);
    // No statistics yet: the list counts exactly.
    const [listed] = await all(agent);
    expect(listed?.mentionCount).toBe(2);
    expect(await refreshNewMentionStats(t.ctx, ws.id)).toBe(1);

    await ingest(ws.id, [{ author: maya }]);
    const id = listed?.id as string;
    expect((await all(agent))[0]?.mentionCount).toBe(2);
    expect((await getCustomer(t.ctx, agent, id)).mentionCount).toBe(3);
    expect(await refreshNewMentionStats(t.ctx, ws.id)).toBe(1);
    const [after] = await all(agent);
    expect([after?.mentionCount, after?.lastSeenAt]).toEqual([
      3,
      (await getCustomer(t.ctx, agent, id)).lastSeenAt,
    ]);

    // A post deleted at its source leaves the listed count at once, not at the next rebuild.
    await appendToLog(t.ctx, [
      {
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic',
        payload: JSON.stringify({ channel: 'bluesky', externalId: `post-${sequence}`, deleted: true }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {}
    expect((await all(agent))[0]?.mentionCount).toBe(2);
  });
});

describe('search', () => {
  it('finds customers by any part of a name, email, handle or address, case-insensitively, literal input only', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { author: { id: 'sr1', handle: 'maya.travels.bsky.social', name: 'Maya Lindqvist' } },
      { author: { id: 'sr2', handle: 'tom_100%', name: 'Tom "Quotes" Kay' } },
      { author: { id: 'sr3', channel: 'mastodon', handle: 'li@piaille.example', name: 'Li' } },
    ]);
    const jo = await createCustomer(t.ctx, agent, {
      displayName: 'Jo Ölander',
      email: 'jo.olander@example.com',
      verified: false,
    });
    const names = async (q: string) => (await all(agent, q)).map((c) => c.displayName).sort();
    expect(await names('TRAVELS')).toEqual(['Maya Lindqvist']); // inside a handle, any case
    expect(await names('lindq')).toEqual(['Maya Lindqvist']); // inside a name
    expect(await names('olander@exa')).toEqual(['Jo Ölander']); // inside an email
    expect(await names('ölan')).toEqual(['Jo Ölander']);
    expect(await names('piaille')).toEqual(['Li']); // a Mastodon address
    expect(await names('@maya.travels')).toEqual(['Maya Lindqvist']); // a handle as the UI shows it
    expect(await names('@li@piaille')).toEqual(['Li']);
    expect(await names('Li')).toEqual(['Li', 'Maya Lindqvist']); // two letters: a plain scan
    expect(await names('"quotes"')).toEqual(['Tom "Quotes" Kay']); // quotes are text, not syntax
    expect(await names('_100%')).toEqual(['Tom "Quotes" Kay']); // so are LIKE's wildcards
    expect(await names('100%x')).toEqual([]);
    expect(await names('zzzz')).toEqual([]);
    expect(jo.id).toBeDefined();
  });
});

describe('identity resolution', () => {
  it('links a Bluesky custom-domain handle to the customer whose verified email proves the domain', async () => {
    const { ws, agent } = await setup();
    const owner = await createCustomer(t.ctx, agent, {
      displayName: 'Maya L.',
      email: 'maya@example.com',
      verified: true,
    });
    await ingest(ws.id, [{ author: { id: 'did:maya', handle: 'maya.example.com', name: 'Maya Lindqvist' } }]);
    const customers = await all(agent);
    expect(customers).toHaveLength(1);
    const profile = await getCustomer(t.ctx, agent, owner.id);
    expect(profile.identities.map((i) => [i.kind, i.handle ?? i.externalId]).sort()).toEqual([
      ['email', 'maya@example.com'],
      ['social', 'maya.example.com'],
    ]);
    expect(profile.mentionCount).toBe(1);
    expect(profile.merges).toEqual([
      expect.objectContaining({
        evidence: [
          'Bluesky handle maya.example.com is a domain the customer owns (verified email maya@example.com)',
        ],
        actorUserId: null,
        fromName: 'Maya Lindqvist',
      }),
    ]);
  });

  it('links from the email side too, but never on an unverified email or a *.bsky.social handle', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { author: { id: 'lea', handle: 'lea.example.org', name: 'Lea' } },
      { author: { id: 'bob', handle: 'bob.bsky.social', name: 'Bob' } },
    ]);
    const customer = await createCustomer(t.ctx, agent, {
      displayName: 'Lea B',
      email: 'x@other.example',
      verified: true,
    });
    await addIdentity(t.ctx, agent, customer.id, {
      kind: 'email',
      value: 'lea@example.org',
      verified: false,
    });
    expect((await getCustomer(t.ctx, agent, customer.id)).identities).toHaveLength(2);
    await addIdentity(t.ctx, agent, customer.id, { kind: 'email', value: 'Lea@Example.org', verified: true });
    const linked = await getCustomer(t.ctx, agent, customer.id);
    expect(linked.identities.map((i) => i.handle ?? i.externalId).sort()).toEqual([
      'lea.example.org',
      'lea@example.org',
      'x@other.example',
    ]);
    const bob = await createCustomer(t.ctx, agent, {
      displayName: 'Bob',
      email: 'bob@bsky.social',
      verified: true,
    });
    expect((await getCustomer(t.ctx, agent, bob.id)).identities).toHaveLength(1);
  });

  it('links a custom-domain handle to the customer whose website is on that domain, both ways', async () => {
    const { ws, agent, admin } = await setup();
    await createAttributeDefinition(t.ctx, admin, { key: 'website', label: 'Website', type: 'text' });
    const nora = await createCustomer(t.ctx, agent, {
      displayName: 'Nora K',
      email: 'nora@mail.example',
      verified: false,
      attributes: { website: 'https://www.nora.example/about' },
    });
    await ingest(ws.id, [{ author: { id: 'nora', handle: 'nora.example', name: 'Nora' } }]);
    expect((await getCustomer(t.ctx, agent, nora.id)).merges.map((m) => m.evidence)).toEqual([
      ['Bluesky handle nora.example is a domain the customer owns (website https://www.nora.example/about)'],
    ]);

    await ingest(ws.id, [{ author: { id: 'otto', handle: 'otto.example', name: 'Otto' } }]);
    const otto = await createCustomer(t.ctx, agent, {
      displayName: 'Otto G',
      email: 'otto@mail.example',
      verified: false,
    });
    await updateCustomer(t.ctx, agent, otto.id, { attributes: { website: 'otto.example' } });
    const linked = await getCustomer(t.ctx, agent, otto.id);
    expect(linked.identities.map((i) => i.handle ?? i.externalId).sort()).toEqual([
      'otto.example',
      'otto@mail.example',
    ]);
    expect(await all(agent)).toHaveLength(2);
  });

  it("links a Mastodon account whose verified profile link names a known account or a customer's domain; an unverified link proves nothing", async () => {
    const { ws, agent, admin } = await setup();
    await createAttributeDefinition(t.ctx, admin, { key: 'website', label: 'Website', type: 'text' });
    await ingest(ws.id, [{ author: { id: 'rui', handle: 'rui.bsky.social', name: 'Rui' } }]);
    const iris = await createCustomer(t.ctx, agent, {
      displayName: 'Iris B',
      email: 'iris@mail.example',
      verified: false,
      attributes: { website: 'https://iris.example' },
    });
    const status = (
      id: string,
      acct: string,
      fields: { name: string; value: string; verified_at: string | null }[],
    ) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'mastodon' as const,
      payload: JSON.stringify({
        instance: 'social.example',
        status: {
          id,
          uri: `https://social.example/users/${acct}/statuses/${id}`,
          created_at: t.clock.now().toISOString(),
          content: '<p>Hello from the fediverse</p>',
          account: { id: `acc-${acct}`, acct, display_name: acct.toUpperCase(), fields },
        },
      }),
    });
    const link = (href: string) => `<a href="${href}" rel="nofollow noopener me" target="_blank">${href}</a>`;
    await appendToLog(t.ctx, [
      status('1', 'rui', [
        {
          name: 'Bluesky',
          value: link('https://bsky.app/profile/rui.bsky.social'),
          verified_at: '2026-01-01T00:00:00Z',
        },
      ]),
      status('2', 'iris', [
        { name: 'Web', value: link('https://www.iris.example/'), verified_at: '2026-01-01T00:00:00Z' },
      ]),
      // The same claim without the server's verification proves nothing.
      status('3', 'mallory', [
        { name: 'Bluesky', value: link('https://bsky.app/profile/rui.bsky.social'), verified_at: null },
      ]),
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const rui = await customerOfHandle(agent, 'rui.bsky.social');
    expect(rui.identities.map((i) => `${i.channel}:${i.handle}`).sort()).toEqual([
      'bluesky:rui.bsky.social',
      'mastodon:rui@social.example',
    ]);
    expect((await getCustomer(t.ctx, agent, rui.id)).merges.map((m) => m.evidence)).toEqual([
      [
        'Mastodon profile rui@social.example has a link verified by its server to Bluesky account rui.bsky.social',
      ],
    ]);
    const irisProfile = await getCustomer(t.ctx, agent, iris.id);
    expect(irisProfile.identities.map((i) => i.handle ?? i.externalId).sort()).toEqual([
      'iris@mail.example',
      'iris@social.example',
    ]);
    expect(irisProfile.merges[0]?.evidence).toEqual([
      'Mastodon profile iris@social.example has a link verified by its server to iris.example, a domain the customer owns (website https://iris.example)',
    ]);
    const mallory = await customerOfHandle(agent, 'mallory@social.example');
    expect(mallory.identities).toHaveLength(1);
  });

  it("shows each social account's bio and links on the profile, as its network last sent them", async () => {
    const { ws, agent, admin } = await setup();
    const mastodon = (id: string, account: Record<string, unknown>) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'mastodon' as const,
      payload: JSON.stringify({
        instance: 'social.example',
        status: {
          id,
          uri: `https://social.example/users/nina/statuses/${id}`,
          created_at: t.clock.now().toISOString(),
          content: '<p>My flight was cancelled</p>',
          account: { id: 'acc-nina', acct: 'nina', display_name: 'Nina', ...account },
        },
      }),
    });
    await appendToLog(t.ctx, [
      mastodon('1', {
        note: '<p>Pilot&#39;s daughter. <a href="https://social.example/tags/avgeek">#avgeek</a></p>',
        fields: [
          {
            name: 'Home',
            value: '<a href="https://nina.example/" rel="me">nina.example</a>',
            verified_at: '2026-01-01T00:00:00Z',
          },
          { name: 'Pronouns', value: 'she/her', verified_at: null },
          { name: 'Photos', value: '<a href="https://photos.example/nina">photos</a>', verified_at: null },
        ],
      }),
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    await ingest(ws.id, [{ author: { id: 'plain', handle: 'plain.bsky.social', name: 'Plain' } }]);
    const nina = await customerOfHandle(agent, 'nina@social.example');
    const links = [
      { label: 'Home', url: 'https://nina.example/', verified: true },
      { label: 'Photos', url: 'https://photos.example/nina', verified: false },
    ];
    expect((await getCustomer(t.ctx, agent, nina.id)).social).toEqual([
      expect.objectContaining({ handle: 'nina@social.example', bio: "Pilot's daughter. #avgeek", links }),
    ]);
    // An account whose source sent no profile shows none.
    const plain = await customerOfHandle(agent, 'plain.bsky.social');
    expect((await getCustomer(t.ctx, agent, plain.id)).social).toEqual([
      expect.objectContaining({ bio: null, links: [] }),
    ]);
    // Merged, the person's profile shows each account with its own bio and links.
    await mergeCustomers(t.ctx, admin, { intoId: nina.id, fromId: plain.id, evidence: 'same person' });
    const merged = await getCustomer(t.ctx, agent, nina.id);
    const bins = merged.social.map((s) => [s.handle, s.bio, s.links.length]);
    expect(bins.sort((x, y) => String(x[0]).localeCompare(String(y[0])))).toEqual([
      ['nina@social.example', "Pilot's daughter. #avgeek", 2],
      ['plain.bsky.social', null, 0],
    ]);
  });

  it('merges two customers holding the same verified email, and refuses an address of another customer otherwise', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [{ author: { id: 'ana', handle: 'ana.souza', name: 'Ana Souza' } }]);
    const fromPipeline = await customerOfHandle(agent, 'ana.souza');
    const crm = await createCustomer(t.ctx, agent, {
      displayName: 'Ana S.',
      email: 'ana@mail.example',
      verified: true,
    });
    await expect(
      addIdentity(t.ctx, agent, fromPipeline.id, {
        kind: 'email',
        value: 'ana@mail.example',
        verified: false,
      }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await addIdentity(t.ctx, agent, fromPipeline.id, {
      kind: 'email',
      value: 'ana@mail.example',
      verified: true,
    });
    const merged = await getCustomer(t.ctx, agent, fromPipeline.id);
    expect(merged.identities.map((i) => i.kind).sort()).toEqual(['email', 'social']);
    expect(merged.merges[0]?.evidence).toEqual(['Same verified email ana@mail.example']);
    expect(merged.primaryEmail).toBe('ana@mail.example'); // the profile had none: it takes the address
    await expect(getCustomer(t.ctx, agent, crm.id)).rejects.toMatchObject({ code: 'not_found' });

    // A second address does not replace the first; a social-only profile gets its first one.
    await addIdentity(t.ctx, agent, fromPipeline.id, {
      kind: 'email',
      value: 'ana@work.example',
      verified: true,
    });
    expect((await getCustomer(t.ctx, agent, fromPipeline.id)).primaryEmail).toBe('ana@mail.example');
    await ingest(ws.id, [{ author: { id: 'bo', handle: 'bo.lin', name: 'Bo Lin' } }]);
    const bo = await customerOfHandle(agent, 'bo.lin');
    expect(bo.primaryEmail).toBeNull();
    await addIdentity(t.ctx, agent, bo.id, { kind: 'email', value: 'Bo@Lin.example', verified: false });
    expect((await getCustomer(t.ctx, agent, bo.id)).primaryEmail).toBe('bo@lin.example');
  });

  it('only suggests on weak evidence, with the confidence and the evidence, once per pair', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { author: { id: 'm1', handle: 'maya.travels', name: 'Maya Lindqvist' } },
      { author: { id: 'm2', channel: 'mastodon', handle: 'maya.travels@mastodon.example', name: 'M. L.' } },
      {
        author: { id: 'g1', handle: 'greta.v', name: 'Greta Vogel', avatar: 'https://img.example/greta.png' },
      },
      {
        author: {
          id: 'g2',
          channel: 'mastodon',
          handle: 'gv@social.example',
          name: 'Greta Vogel',
          avatar: 'https://img.example/greta.png',
        },
      },
      { author: { id: 'l1', handle: 'lena.f', name: 'Lena Fischer' } },
      { author: { id: 'l2', channel: 'mastodon', handle: 'lf@social.example', name: 'Lena Fischer' } },
      { author: { id: 's1', handle: 'sam1', name: 'Sam' } },
      { author: { id: 's2', channel: 'mastodon', handle: 'sam2@social.example', name: 'Sam' } },
    ]);
    // A second wave of the same people: nothing new is suggested.
    await ingest(ws.id, [
      { author: { id: 'l3', channel: 'rss', handle: 'lena-feed', name: 'Lena Fischer' } },
    ]);
    const suggestions = await listSuggestions(t.ctx, agent);
    const view = suggestions.map((s) => ({
      names: [s.customer.displayName, s.other.displayName].sort(),
      confidence: s.confidence,
      evidence: s.evidence,
    }));
    expect(view).toEqual(
      expect.arrayContaining([
        {
          names: ['Greta Vogel', 'Greta Vogel'],
          confidence: 0.8,
          evidence: ['Same display name "Greta Vogel" and the same avatar'],
        },
        {
          names: ['M. L.', 'Maya Lindqvist'],
          confidence: 0.6,
          evidence: [
            expect.stringMatching(
              /^Same handle "maya.travels" on (Mastodon|Bluesky) \(.+\) and (Bluesky|Mastodon) \(.+\)$/,
            ),
          ],
        },
        {
          names: ['Lena Fischer', 'Lena Fischer'],
          confidence: 0.3,
          evidence: ['Same display name "Lena Fischer"'],
        },
      ]),
    );
    // Three Lenas make three pairs; the one-word "Sam" makes none; no pair twice; nothing auto-merged.
    expect(view.filter((v) => v.names[0] === 'Lena Fischer')).toHaveLength(3);
    expect(view).toHaveLength(5);
    expect(view.some((v) => v.names.includes('Sam'))).toBe(false);
    const pairs = suggestions.map((s) => [s.customer.id, s.other.id].sort().join());
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(await all(agent)).toHaveLength(9);
    const merges = await t.ctx.db
      .selectFrom('customer_merges')
      .select('id')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(merges).toEqual([]);
  });

  it('accepting a suggestion merges with its evidence; rejecting closes it', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { author: { id: 'a', handle: 'carlos.r', name: 'Carlos Ruiz' } },
      { author: { id: 'b', channel: 'mastodon', handle: 'carlos.r@mastodon.example', name: 'Carlos Ruiz' } },
      { author: { id: 'c', handle: 'priya.n', name: 'Priya Nair' } },
      { author: { id: 'd', channel: 'mastodon', handle: 'pn@x.example', name: 'Priya Nair' } },
    ]);
    const suggestionFor = async (name: string) => {
      const s = (await listSuggestions(t.ctx, agent)).find((x) => x.customer.displayName === name);
      if (!s) throw new Error(`no suggestion for ${name}`);
      return s;
    };
    const c = await suggestionFor('Carlos Ruiz');
    const p = await suggestionFor('Priya Nair');
    const merge = await acceptSuggestion(t.ctx, agent, c.id);
    expect(merge).toMatchObject({
      intoId: c.customer.id,
      fromId: c.other.id,
      evidence: c.evidence,
      actorUserId: agent.userId,
    });
    expect((await getCustomer(t.ctx, agent, c.customer.id)).identities).toHaveLength(2);
    expect(await rejectSuggestion(t.ctx, agent, p.id)).toMatchObject({ status: 'rejected' });
    expect(await listSuggestions(t.ctx, agent)).toEqual([]);
    expect((await listSuggestions(t.ctx, agent, 'accepted')).map((s) => s.id)).toEqual([c.id]);
    await expect(acceptSuggestion(t.ctx, agent, p.id)).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('merge and unmerge', () => {
  async function snapshot(workspaceId: string) {
    const customers = await t.ctx.db
      .selectFrom('customers')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    const identities = await t.ctx.db
      .selectFrom('identities')
      .select(['id', 'customer_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    const mentions = await t.ctx.db
      .selectFrom('mentions')
      .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
      .select(['identities.customer_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('mentions.workspace_id', '=', workspaceId)
      .groupBy('identities.customer_id')
      .orderBy('identities.customer_id')
      .execute();
    const cases = await t.ctx.db
      .selectFrom('cases')
      .select(['id', 'customer_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    const conversations = await t.ctx.db
      .selectFrom('conversations')
      .select(['id', 'customer_id', 'case_id'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
    return {
      customers: customers.map((c) => ({ ...c, attributes: t.ctx.dialect.parseJson(c.attributes) })),
      identities,
      mentions: mentions.map((m) => [m.customer_id, Number(m.n)]),
      cases,
      conversations,
    };
  }

  it('restores both customers exactly: rows, attributes, identities, which mentions and cases are whose', async () => {
    const { ws, agent, admin } = await setup();
    await createAttributeDefinition(t.ctx, admin, {
      key: 'plan',
      label: 'Plan',
      type: 'choice',
      choices: ['free', 'pro'],
    });
    await createAttributeDefinition(t.ctx, admin, { key: 'vip', label: 'VIP', type: 'boolean' });
    await createAttributeDefinition(t.ctx, admin, { key: 'since', label: 'Customer since', type: 'date' });
    await ingest(ws.id, [
      { author: { id: 'x', handle: 'jules.b', name: 'Jules Bernard' } },
      { author: { id: 'x', handle: 'jules.b', name: 'Jules Bernard' } },
      { author: { id: 'y', channel: 'mastodon', handle: 'jules@piaille.example', name: 'Jules' } },
    ]);
    const into = await customerOfHandle(agent, 'jules.b');
    const from = await customerOfHandle(agent, 'jules@piaille.example');
    await updateCustomer(t.ctx, agent, into.id, { attributes: { plan: 'pro', vip: true } });
    t.clock.advance(1000);
    await updateCustomer(t.ctx, agent, from.id, {
      bio: 'Writes about trains',
      primaryEmail: 'jules@piaille.example',
      attributes: { plan: 'free', since: '2024-02-29' },
    });
    await addIdentity(t.ctx, agent, from.id, { kind: 'phone', value: '+33 6 12 34 56 78', verified: false });
    // Each has a case about their own post (service history).
    const mentionOf = async (customerId: string) =>
      Number(
        (
          await t.ctx.db
            .selectFrom('mentions')
            .innerJoin('identities', 'identities.author_id', 'mentions.author_id')
            .select('mentions.id')
            .where('identities.customer_id', '=', customerId)
            .executeTakeFirstOrThrow()
        ).id,
      );
    const intoCase = await createCase(t.ctx, agent, {
      subject: 'Refund',
      mentionIds: [await mentionOf(into.id)],
    });
    const fromCase = await createCase(t.ctx, agent, {
      subject: 'Seat',
      mentionIds: [await mentionOf(from.id)],
    });
    expect([intoCase.customerId, fromCase.customerId]).toEqual([into.id, from.id]);
    const before = await snapshot(ws.id);

    t.clock.advance(60_000);
    const merge = await mergeCustomers(t.ctx, agent, {
      intoId: into.id,
      fromId: from.id,
      evidence: 'Same person, told us by DM',
    });
    const merged = await getCustomer(t.ctx, agent, into.id);
    expect(merged.attributes).toEqual({ plan: 'pro', vip: true, since: '2024-02-29' });
    expect(merged.bio).toBe('Writes about trains');
    expect(merged.mentionCount).toBe(3);
    expect(merged.identities).toHaveLength(3);
    expect((await all(agent)).map((c) => c.id)).toEqual([into.id]);
    const casesOfInto = await listCases(t.ctx, agent, { view: 'all', customerId: into.id, limit: 10 });
    expect(casesOfInto.items.map((c) => c.id).sort()).toEqual([intoCase.id, fromCase.id].sort());
    const stored = await t.ctx.db
      .selectFrom('customer_merges')
      .select('snapshot')
      .where('id', '=', merge.id)
      .executeTakeFirstOrThrow();
    expect(
      t.ctx.dialect.parseJson<{ attributeConflicts: unknown }>(stored.snapshot).attributeConflicts,
    ).toEqual({
      plan: { into: 'pro', from: 'free' },
    });

    t.clock.advance(60_000);
    const { into: i, restored } = await unmergeCustomers(t.ctx, agent, merge.id);
    expect([i.mentionCount, restored.mentionCount]).toEqual([2, 1]);
    expect(await snapshot(ws.id)).toEqual(before);
    await expect(unmergeCustomers(t.ctx, agent, merge.id)).rejects.toMatchObject({ code: 'conflict' });
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', ws.id)
      .where('action', 'like', 'customer.%merged')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['customer.merged', 'customer.unmerged']);
  });

  it('unmerges an earlier merge after later merges into the same customer, keeping the later ones', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { author: { id: 'a', handle: 'a.one', name: 'A' } },
      { author: { id: 'b', handle: 'b.two', name: 'B' } },
      { author: { id: 'c', handle: 'c.three', name: 'C' } },
    ]);
    const [a, b, c] = await Promise.all(['a.one', 'b.two', 'c.three'].map((h) => customerOfHandle(agent, h)));
    if (!a || !b || !c) throw new Error('missing');
    const first = await mergeCustomers(t.ctx, agent, { intoId: a.id, fromId: b.id });
    const second = await mergeCustomers(t.ctx, agent, { intoId: a.id, fromId: c.id });
    await unmergeCustomers(t.ctx, agent, first.id);
    const handles = async (id: string) =>
      (await getCustomer(t.ctx, agent, id)).identities.map((i) => i.handle).sort();
    expect(await handles(a.id)).toEqual(['a.one', 'c.three']);
    expect(await handles(b.id)).toEqual(['b.two']);

    // When the absorbing customer was itself merged away since, that merge is undone first.
    const outer = await mergeCustomers(t.ctx, agent, { intoId: b.id, fromId: a.id });
    await expect(unmergeCustomers(t.ctx, agent, second.id)).rejects.toMatchObject({ code: 'conflict' });
    await unmergeCustomers(t.ctx, agent, outer.id);
    await unmergeCustomers(t.ctx, agent, second.id);
    expect([await handles(a.id), await handles(b.id), await handles(c.id)]).toEqual([
      ['a.one'],
      ['b.two'],
      ['c.three'],
    ]);
    await expect(mergeCustomers(t.ctx, agent, { intoId: a.id, fromId: a.id })).rejects.toMatchObject({
      code: 'conflict',
    });
  });
});

describe('merge and unmerge: consent and lists', () => {
  const consentRows = (workspaceId: string) =>
    t.ctx.db
      .selectFrom('customer_consents')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('id')
      .execute();
  const statuses = async (actor: Actor, id: string) =>
    Object.fromEntries(
      (await getCustomer(t.ctx, actor, id)).consents.map((c) => [`${c.purpose}/${c.channel}`, c.status]),
    );

  it('keeps a withdrawal from either side over a grant from the other, and unmerge restores both exactly', async () => {
    const { ws, agent } = await setup();
    const a = await createCustomer(t.ctx, agent, {
      displayName: 'Ada from the shop',
      email: 'ada@shop.example',
      verified: false,
    });
    const b = await createCustomer(t.ctx, agent, {
      displayName: 'Ada on Bluesky',
      email: 'ada@bsky.example',
      verified: false,
    });
    const record = async (
      id: string,
      purpose: 'marketing' | 'support' | 'research' | 'profiling',
      channel: string,
      status: 'granted' | 'withdrawn',
    ) => {
      t.clock.advance(1000);
      await recordConsent(t.ctx, agent, id, { purpose, channel, status, source: `${status} on ${id}` });
    };
    await record(a.id, 'marketing', 'email', 'withdrawn');
    await record(b.id, 'marketing', 'email', 'granted'); // newer grant on the absorbing side
    await record(b.id, 'marketing', 'bluesky', 'withdrawn');
    await record(a.id, 'marketing', 'bluesky', 'granted'); // newer grant on the absorbed side
    await record(a.id, 'research', 'any', 'granted'); // one side only
    await record(b.id, 'support', 'email', 'withdrawn');
    await record(a.id, 'profiling', 'any', 'granted'); // both grant
    await record(b.id, 'profiling', 'any', 'granted');
    const before = await consentRows(ws.id);
    const [beforeA, beforeB] = [await statuses(agent, a.id), await statuses(agent, b.id)];

    t.clock.advance(60_000);
    const merge = await mergeCustomers(t.ctx, agent, { intoId: b.id, fromId: a.id, evidence: 'same person' });
    expect(await statuses(agent, b.id)).toEqual({
      'marketing/bluesky': 'withdrawn',
      'marketing/email': 'withdrawn',
      'profiling/any': 'granted',
      'research/any': 'granted',
      'support/email': 'withdrawn',
    });
    // The person's history travels with them; the added withdrawals say where they come from.
    const history = (await listConsents(t.ctx, agent, b.id)).history;
    expect(history).toHaveLength(before.length + 2);
    expect(history.slice(-2).map((c) => [c.purpose, c.channel, c.status, c.source])).toEqual([
      ['marketing', 'bluesky', 'withdrawn', `withdrawal kept by a merge (withdrawn on ${b.id})`],
      ['marketing', 'email', 'withdrawn', `withdrawal kept by a merge (withdrawn on ${a.id})`],
    ]);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('details')
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'customer.merged')
      .executeTakeFirstOrThrow();
    expect(t.ctx.dialect.parseJson(audit.details)).toMatchObject({ consents: 4, consentWithdrawalsKept: 2 });

    t.clock.advance(60_000);
    await unmergeCustomers(t.ctx, agent, merge.id);
    expect(await consentRows(ws.id)).toEqual(before);
    expect([await statuses(agent, a.id), await statuses(agent, b.id)]).toEqual([beforeA, beforeB]);

    // A decision recorded on the merged profile is the person's own: it governs, and stays
    // with the profile it was recorded on when the merge is undone.
    const again = await mergeCustomers(t.ctx, agent, { intoId: b.id, fromId: a.id });
    await record(b.id, 'marketing', 'email', 'granted');
    expect((await statuses(agent, b.id))['marketing/email']).toBe('granted');
    await unmergeCustomers(t.ctx, agent, again.id);
    expect(await statuses(agent, a.id)).toEqual(beforeA);
    expect(await statuses(agent, b.id)).toEqual({ ...beforeB, 'marketing/email': 'granted' });
  });

  it("puts the merged person on the absorbed customer's static lists, and unmerge restores each list exactly", async () => {
    const { ws, agent } = await setup();
    const a = await createCustomer(t.ctx, agent, {
      displayName: 'Bo from the shop',
      email: 'bo@shop.example',
      verified: false,
    });
    const b = await createCustomer(t.ctx, agent, {
      displayName: 'Bo on Mastodon',
      email: 'bo@masto.example',
      verified: false,
    });
    const list = (name: string) => createSegment(t.ctx, agent, { name, kind: 'static', shared: true });
    const [onlyA, both, onlyB] = [await list('Only A'), await list('Both'), await list('Only B')];
    await addSegmentMembers(t.ctx, agent, onlyA.id, [a.id]);
    t.clock.advance(1000);
    await addSegmentMembers(t.ctx, agent, both.id, [a.id, b.id]);
    await addSegmentMembers(t.ctx, agent, onlyB.id, [b.id]);
    const memberRows = () =>
      t.ctx.db
        .selectFrom('segment_members')
        .selectAll()
        .where('workspace_id', '=', ws.id)
        .orderBy('segment_id')
        .orderBy('customer_id')
        .execute();
    const members = async (id: string) =>
      (await segmentMembers(t.ctx, agent, id, { limit: 10 })).items.map((c) => c.id);
    const before = await memberRows();

    const merge = await mergeCustomers(t.ctx, agent, { intoId: b.id, fromId: a.id });
    expect([await members(onlyA.id), await members(both.id), await members(onlyB.id)]).toEqual([
      [b.id],
      [b.id],
      [b.id],
    ]);
    await unmergeCustomers(t.ctx, agent, merge.id);
    expect(await memberRows()).toEqual(before);

    // Taken off a list while merged, the person stays off it after the unmerge, both profiles.
    const again = await mergeCustomers(t.ctx, agent, { intoId: b.id, fromId: a.id });
    await removeSegmentMember(t.ctx, agent, onlyA.id, b.id);
    await removeSegmentMember(t.ctx, agent, both.id, b.id);
    await unmergeCustomers(t.ctx, agent, again.id);
    expect([await members(onlyA.id), await members(both.id), await members(onlyB.id)]).toEqual([
      [],
      [],
      [b.id],
    ]);
  });
});

describe('profile, attributes and timeline', () => {
  it('shows social activity, sentiment and intents over the customer mentions', async () => {
    const { ws, agent } = await setup();
    const author = { id: 'p', handle: 'priya.n', name: 'Priya Nair' };
    await ingest(ws.id, [
      { author, text: 'Lost my bag again, this is terrible and I want a refund' },
      { author, text: 'Thanks, lovely crew today, great flight!' },
      { author, text: 'How much is the summer pass? Thinking of booking 4 tickets' },
    ]);
    const c = await customerOfHandle(agent, 'priya.n');
    const profile = await getCustomer(t.ctx, agent, c.id);
    expect(profile.social).toEqual([
      expect.objectContaining({
        channel: 'bluesky',
        handle: 'priya.n',
        displayName: 'Priya Nair',
        mentions: 3,
      }),
    ]);
    const s = profile.sentiment;
    expect(s.negative + s.neutral + s.positive).toBe(3);
    expect(s.positive).toBeGreaterThanOrEqual(1);
    expect(s.negative).toBeGreaterThanOrEqual(1);
    expect(Object.values(profile.intents).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(profile.influence).toBeNull();
  });

  it('validates attributes against their definitions and names the attribute that does not fit', async () => {
    const { ws, agent, admin } = await setup();
    await createAttributeDefinition(t.ctx, admin, { key: 'seats', label: 'Seats', type: 'number' });
    await createAttributeDefinition(t.ctx, admin, { key: 'renewal', label: 'Renewal', type: 'date' });
    await expect(
      createAttributeDefinition(t.ctx, agent, { key: 'x', label: 'X', type: 'text' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await ingest(ws.id, [{ author: { id: 'v', handle: 'v.v', name: 'V' } }]);
    const c = await customerOfHandle(agent, 'v.v');
    await expect(
      updateCustomer(t.ctx, agent, c.id, { attributes: { renewal: '2026-02-30' } }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ path: 'attributes.renewal' }] },
    });
    await expect(updateCustomer(t.ctx, agent, c.id, { attributes: { colour: 'red' } })).rejects.toThrow(
      /colour/,
    );
    const ok = await updateCustomer(t.ctx, agent, c.id, { attributes: { seats: 4, renewal: '2027-01-31' } });
    expect(ok.attributes).toEqual({ seats: 4, renewal: '2027-01-31' });
    expect((await updateCustomer(t.ctx, agent, c.id, { attributes: { seats: null } })).attributes).toEqual({
      renewal: '2027-01-31',
    });
    expect((await all(agent, 'V.V')).map((x) => x.id)).toEqual([c.id]);
    expect(await all(agent, '100%')).toEqual([]);
  });

  it('pages the timeline newest first with no gaps and no duplicates, even on equal timestamps', async () => {
    const { ws, agent } = await setup();
    const a = { id: 't1', handle: 'time.line', name: 'Tim Line' };
    const b = { id: 't2', channel: 'mastodon', handle: 'tim@social.example', name: 'Tim L' };
    const same = '2026-11-20T10:00:00.000Z';
    await ingest(ws.id, [
      ...Array.from({ length: 7 }, (_, i) => ({
        author: a,
        at: i < 4 ? same : `2026-11-2${i - 3}T08:00:00.000Z`,
      })),
      ...Array.from({ length: 3 }, () => ({ author: b, at: same })),
    ]);
    const into = await customerOfHandle(agent, 'time.line');
    const from = await customerOfHandle(agent, 'tim@social.example');
    await mergeCustomers(t.ctx, agent, { intoId: into.id, fromId: from.id });
    await addIdentity(t.ctx, agent, into.id, { kind: 'email', value: 'tim@line.example', verified: false });

    const full = await customerTimeline(t.ctx, agent, into.id, { limit: 200 });
    expect(full.nextCursor).toBeNull();
    expect(full.items.filter((i) => i.kind === 'mention')).toHaveLength(10);
    expect(full.items.filter((i) => i.kind === 'identity')).toHaveLength(3);
    expect(full.items.filter((i) => i.kind === 'merge')).toHaveLength(1);
    const times = full.items.map((i) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(full.items.find((i) => i.kind === 'mention')?.mention?.author?.handle).toBeDefined();

    const paged: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 20; guard++) {
      const page = await customerTimeline(t.ctx, agent, into.id, { limit: 3, cursor });
      paged.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(paged).toEqual(full.items.map((i) => i.id));
  });
});

describe('merge suggestions of one customer, page by page', () => {
  /** `n` customers of the workspace, ids ascending (a suggestion stores its pair ordered). */
  async function customers(actor: Actor, n: number) {
    const made = [];
    for (let i = 0; i < n; i++)
      made.push(
        await createCustomer(t.ctx, actor, {
          displayName: `Person ${i}`,
          email: `person-${i}-${newId()}@mail.example`,
          verified: false,
        }),
      );
    return made.map((c) => c.id).sort();
  }

  /** Stores an open suggestion of the pair (as the pipeline does: ordered, once). */
  async function suggest(workspaceId: string, x: string, y: string, confidence: number) {
    const [a, b] = x < y ? [x, y] : [y, x];
    const id = newId(t.ctx.now());
    await t.ctx.db
      .insertInto('identity_suggestions')
      .values({
        id,
        workspace_id: workspaceId,
        customer_id: a,
        other_customer_id: b,
        confidence,
        evidence: t.ctx.dialect.toJson([`Same display name (${confidence})`]),
        status: 'open',
        created_at: t.clock.now().toISOString(),
        decided_at: null,
        decided_by: null,
      })
      .execute();
    return id;
  }

  /** Every page of the query, in order, with the number of pages it took. */
  async function pages(actor: Actor, query: { limit: number; customerId?: string }) {
    const ids: string[] = [];
    let cursor: string | undefined;
    let count = 0;
    for (; count < 50; ) {
      const page = await suggestionsPage(t.ctx, actor, { ...query, cursor });
      count++;
      expect(page.items.length).toBeLessThanOrEqual(query.limit);
      ids.push(...page.items.map((s) => s.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { ids, count };
  }

  it('lists the suggestions where the customer is either side of the pair, and only open ones by default', async () => {
    const { ws, agent } = await setup();
    const [p0, p1, p2, p3] = (await customers(agent, 4)) as [string, string, string, string];
    const asOther = await suggest(ws.id, p0, p1, 0.6); // p1 is `other_customer_id`
    const asCustomer = await suggest(ws.id, p1, p2, 0.8); // p1 is `customer_id`
    const elsewhere = await suggest(ws.id, p2, p3, 0.3);
    const rejected = await suggest(ws.id, p1, p3, 0.9);
    await rejectSuggestion(t.ctx, agent, rejected);

    const ofP1 = await suggestionsPage(t.ctx, agent, { limit: 50, customerId: p1 });
    expect(ofP1.items.map((s) => s.id)).toEqual([asCustomer, asOther]);
    expect(ofP1.nextCursor).toBeNull();
    expect(ofP1.items.every((s) => s.customer.id === p1 || s.other.id === p1)).toBe(true);
    expect(ofP1.items[0]).toMatchObject({
      customer: { id: p1 },
      other: { id: p2 },
      confidence: 0.8,
      evidence: ['Same display name (0.8)'],
      status: 'open',
    });
    expect(
      (await suggestionsPage(t.ctx, agent, { limit: 50, customerId: p3 })).items.map((s) => s.id),
    ).toEqual([elsewhere]);
    expect(
      (await suggestionsPage(t.ctx, agent, { limit: 50, customerId: p1, status: 'rejected' })).items.map(
        (s) => s.id,
      ),
    ).toEqual([rejected]);
    expect((await suggestionsPage(t.ctx, agent, { limit: 50 })).items).toHaveLength(3);
    // Once p1 and p2 are one customer, the other suggestions naming p2 are moot and hidden.
    await acceptSuggestion(t.ctx, agent, asCustomer);
    expect(
      (await suggestionsPage(t.ctx, agent, { limit: 50, customerId: p1 })).items.map((s) => s.id),
    ).toEqual([asOther]);
    expect((await suggestionsPage(t.ctx, agent, { limit: 50, customerId: p2 })).items).toEqual([]);
  });

  it('pages through suggestions most confident first, ties included, with no duplicate and no gap', async () => {
    const { ws, agent } = await setup();
    const people = await customers(agent, 6);
    const confidences = [0.9, 0.6, 0.6, 0.6, 0.3, 0.3, 0.75, 0.6, 0.3, 0.45, 0.6, 0.3, 0.9, 0.6, 0.3];
    const stored: { id: string; confidence: number; pair: [string, string] }[] = [];
    let k = 0;
    for (const [i, x] of people.entries())
      for (const y of people.slice(i + 1)) {
        const confidence = confidences[k++] ?? 0.5;
        stored.push({ id: await suggest(ws.id, x, y, confidence), confidence, pair: [x, y] });
      }
    expect(stored).toHaveLength(15);
    const byRank = (list: typeof stored) =>
      [...list]
        .sort((a, b) => b.confidence - a.confidence || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
        .map((s) => s.id);

    const all = await pages(agent, { limit: 4 });
    expect(all.count).toBe(4);
    expect(all.ids).toEqual(byRank(stored));
    expect(new Set(all.ids).size).toBe(15);
    expect(all.ids).toEqual((await listSuggestions(t.ctx, agent)).map((s) => s.id));

    const first = people[0] as string;
    const ofFirst = await pages(agent, { limit: 2, customerId: first });
    expect(ofFirst.count).toBe(3);
    expect(ofFirst.ids).toEqual(byRank(stored.filter((s) => s.pair.includes(first))));
    // A page exactly full says there is no more: no empty trailing page.
    expect((await pages(agent, { limit: 5, customerId: first })).count).toBe(1);

    await expect(suggestionsPage(t.ctx, agent, { limit: 4, cursor: 'not-a-cursor' })).rejects.toMatchObject({
      code: 'validation_failed',
    });
  });

  it("never shows another workspace's suggestions, not even asked by one of its customers", async () => {
    const mine = await setup();
    const theirs = await setup();
    const [m0, m1] = (await customers(mine.agent, 2)) as [string, string];
    const [o0, o1, o2] = (await customers(theirs.agent, 3)) as [string, string, string];
    const own = await suggest(mine.ws.id, m0, m1, 0.6);
    const foreign = [
      await suggest(theirs.ws.id, o0, o1, 0.9),
      await suggest(theirs.ws.id, o1, o2, 0.6),
      await suggest(theirs.ws.id, o0, o2, 0.3),
    ];

    expect((await pages(mine.agent, { limit: 1 })).ids).toEqual([own]);
    expect((await suggestionsPage(t.ctx, mine.agent, { limit: 50, customerId: o1 })).items).toEqual([]);
    // A cursor taken from their list pages only through mine.
    const theirFirst = await suggestionsPage(t.ctx, theirs.agent, { limit: 1 });
    expect(theirFirst.nextCursor).not.toBeNull();
    const followed = await suggestionsPage(t.ctx, mine.agent, {
      limit: 50,
      cursor: theirFirst.nextCursor ?? undefined,
    });
    expect(followed.items.map((s) => s.id)).toEqual([own]);
    expect((await pages(theirs.agent, { limit: 2 })).ids.sort()).toEqual([...foreign].sort());
  });
});

describe('following a customer', () => {
  it('notifies followers of the customer’s new cases and leads, merges into them and identities added', async () => {
    const { agent, admin } = await setup();
    const ana = await createCustomer(t.ctx, admin, {
      displayName: 'Ana Follow',
      email: 'ana@follow.example',
      verified: true,
    });
    const dup = await createCustomer(t.ctx, admin, {
      displayName: 'A. Follow',
      email: 'a@follow.example',
      verified: false,
    });
    expect((await getCustomer(t.ctx, agent, ana.id)).following).toBe(false);
    await followRecord(t.ctx, agent, 'customer', ana.id);
    expect((await getCustomer(t.ctx, agent, ana.id)).following).toBe(true);

    // What each step told the follower: read after each, so every step has its own line.
    const news = async () => {
      const page = await listNotifications(t.ctx, agent, { limit: 20, unread: true });
      await markNotificationsRead(t.ctx, agent);
      return page.items.map((n) => [n.summary, n.count]);
    };
    const c = await createCase(t.ctx, admin, { subject: 'Seat upgrade', customerId: ana.id });
    expect(await news()).toEqual([[`Case ${c.number} opened: Seat upgrade`, 1]]);
    const lead = await createLead(t.ctx, admin, { customerId: ana.id, title: 'Family trip' });
    expect(await news()).toEqual([[`Lead ${lead.number} opened: Family trip`, 1]]);
    await mergeCustomers(t.ctx, admin, {
      intoId: ana.id,
      fromId: dup.id,
      evidence: 'Same person, says support',
    });
    expect(await news()).toEqual([['A. Follow merged into Ana Follow', 1]]);
    await addIdentity(t.ctx, admin, ana.id, { kind: 'phone', value: '+33 6 11 22 33 44', verified: false });
    expect(await news()).toEqual([['A phone number was added to the profile', 1]]);
    // The follower's own actions do not notify them.
    await createCase(t.ctx, agent, { subject: 'Agent-made', customerId: ana.id });
    expect(await news()).toEqual([]);

    const feed = await recordFeed(t.ctx, agent, 'customer', ana.id, { limit: 20 });
    expect(feed.items.map((e) => e.kind)).toEqual([
      'case_opened',
      'identity_added',
      'merged',
      'lead_opened',
      'case_opened',
      'identity_added', // the email the profile was created with
    ]);
  });
});

describe('removing an identity', () => {
  it('removes an email or phone, promotes another address to primary, and keeps social accounts', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [{ author: { id: 'rm1', handle: 'rita.m', name: 'Rita M' } }]);
    const rita = await customerOfHandle(agent, 'rita.m');
    await addIdentity(t.ctx, agent, rita.id, { kind: 'email', value: 'rita@old.example', verified: false });
    await addIdentity(t.ctx, agent, rita.id, { kind: 'email', value: 'rita@new.example', verified: true });
    await addIdentity(t.ctx, agent, rita.id, { kind: 'phone', value: '+33 6 98 76 54 32', verified: false });
    const before = await getCustomer(t.ctx, agent, rita.id);
    expect(before.primaryEmail).toBe('rita@old.example');
    const idOf = (kind: string, value?: string) =>
      before.identities.find((i) => i.kind === kind && (value === undefined || i.externalId === value))?.id ??
      '';

    await removeIdentity(t.ctx, agent, rita.id, idOf('email', 'rita@old.example'));
    await removeIdentity(t.ctx, agent, rita.id, idOf('phone'));
    const after = await getCustomer(t.ctx, agent, rita.id);
    expect(after.primaryEmail).toBe('rita@new.example');
    expect(after.identities.map((i) => i.externalId).sort()).toEqual(['bluesky:rm1', 'rita@new.example']);

    await expect(removeIdentity(t.ctx, agent, rita.id, idOf('social'))).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(removeIdentity(t.ctx, agent, rita.id, idOf('phone'))).rejects.toMatchObject({
      code: 'not_found',
    });
    const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
    await expect(
      removeIdentity(t.ctx, moderator, rita.id, idOf('email', 'rita@new.example')),
    ).rejects.toMatchObject({ code: 'forbidden' });
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'customer.identity_removed')
      .execute();
    expect(audit).toHaveLength(2);
  });
});
