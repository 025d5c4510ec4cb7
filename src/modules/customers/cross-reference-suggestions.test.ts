import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, storePosts } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { forgetCachedAuthors } from '../listening/store.ts';
import { eraseCustomer } from './erasure.ts';
import {
  acceptSuggestion,
  addIdentity,
  createCustomer,
  listCustomers,
  listSuggestions,
  rejectSuggestion,
} from './service.ts';

const t = setupTestDatabase();

type Author = { id: string; handle: string; name: string; channel: 'bluesky' | 'mastodon' };
type Post = { externalId: string; author: Author; text: string; url?: string };

const ana: Author = { id: 'ana', handle: 'ana.bsky.social', name: 'Ana Costa', channel: 'bluesky' };
const xana: Author = { id: 'xana', handle: 'xana@mastodon.social', name: 'A. C.', channel: 'mastodon' };
const bob: Author = { id: 'bob', handle: 'bob.bsky.social', name: 'Bob Marsh', channel: 'bluesky' };

async function drain() {
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

/** Appends generic posts (same external id and time on a second call: a redelivery) and drains the log. */
async function ingest(workspaceId: string, posts: Post[]) {
  await appendToLog(
    t.ctx,
    posts.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: p.author.channel,
        externalId: p.externalId,
        url: p.url ?? null,
        text: p.text,
        createdAt: '2026-11-23T08:00:00.000Z',
        author: {
          externalId: `${p.author.channel}:${p.author.id}`,
          handle: p.author.handle,
          displayName: p.author.name,
        },
      }),
    })),
  );
  await drain();
}

/** Runs the whole ingest log through the pipeline again, as after a restore or a consumer reset. */
async function replayLog(workspaceId: string) {
  await t.ctx.db
    .updateTable('ingest_log')
    .set({ processed_at: null })
    .where('workspace_id', '=', workspaceId)
    .execute();
  forgetCachedAuthors(t.ctx.db);
  await drain();
}

async function setup() {
  const ws = await buildWorkspace(t.ctx);
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  return { ws, agent };
}

async function customerOf(actor: Actor, handle: string) {
  const found = (await listCustomers(t.ctx, actor, { limit: 200 })).items.filter((c) =>
    c.identities.some((i) => i.handle === handle),
  );
  expect(found).toHaveLength(1);
  return found[0] as NonNullable<(typeof found)[0]>;
}

async function mentionId(workspaceId: string, externalId: string) {
  const row = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('external_id', '=', externalId)
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

async function suggestionRows(workspaceId: string) {
  return t.ctx.db
    .selectFrom('identity_suggestions')
    .select(['id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .execute();
}

const pair = (s: { customer: { id: string }; other: { id: string } }) => [s.customer.id, s.other.id].sort();

describe('cross-references in posts suggest merges', () => {
  it('suggests the author and the holder of the account the post calls its own, once, with the post as evidence', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [{ externalId: 'x-1', author: xana, text: 'Lisbon this week, anyone around?' }]);
    await ingest(ws.id, [
      {
        externalId: 'a-1',
        author: ana,
        url: 'https://bsky.app/profile/ana.bsky.social/post/a1',
        text: 'Hello! My other account is @xana@mastodon.social, same person.',
      },
    ]);
    const a = await customerOf(agent, 'ana.bsky.social');
    const x = await customerOf(agent, 'xana@mastodon.social');
    const open = await listSuggestions(t.ctx, agent);
    expect(open).toHaveLength(1);
    const [s] = open;
    expect(pair(s as NonNullable<typeof s>)).toEqual([a.id, x.id].sort());
    expect(s?.confidence).toBe(0.6);
    const id = await mentionId(ws.id, 'a-1');
    expect(s?.evidence).toEqual([
      `Cross-reference in a post: Bluesky account ana.bsky.social calls Mastodon account xana@mastodon.social its own: "My other account is @xana@mastodon.social" (mention ${id}, https://bsky.app/profile/ana.bsky.social/post/a1)`,
    ]);
    // Only a suggestion: both customers are still there, nothing was merged.
    expect(
      await t.ctx.db.selectFrom('customer_merges').select('id').where('workspace_id', '=', ws.id).execute(),
    ).toEqual([]);

    // A redelivery of the post and a replay of the whole log create nothing new.
    await ingest(ws.id, [
      {
        externalId: 'a-1',
        author: ana,
        url: 'https://bsky.app/profile/ana.bsky.social/post/a1',
        text: 'Hello! My other account is @xana@mastodon.social, same person.',
      },
    ]);
    await replayLog(ws.id);
    const after = await listSuggestions(t.ctx, agent);
    expect(after).toHaveLength(1);
    expect(after[0]?.evidence).toEqual(s?.evidence);
    expect(await suggestionRows(ws.id)).toHaveLength(1);

    // Accepting merges the pair with the post as evidence.
    const merge = await acceptSuggestion(t.ctx, agent, s?.id ?? '');
    expect(merge.evidence).toEqual(s?.evidence);
  });

  it('does not suggest a rejected pair again, whether the same post is replayed or a new one says it again', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { externalId: 'x-1', author: xana, text: 'Hello from the fediverse' },
      { externalId: 'a-1', author: ana, text: 'my other account is @xana@mastodon.social' },
    ]);
    const [s] = await listSuggestions(t.ctx, agent);
    expect(s).toBeDefined();
    await rejectSuggestion(t.ctx, agent, s?.id ?? '');
    await replayLog(ws.id);
    await ingest(ws.id, [
      { externalId: 'a-2', author: ana, text: 'Reminder: my other account is @xana@mastodon.social' },
    ]);
    expect(await listSuggestions(t.ctx, agent)).toEqual([]);
    const rejected = await listSuggestions(t.ctx, agent, 'rejected');
    expect(rejected.map((r) => r.id)).toEqual([s?.id]);
    expect(rejected[0]?.evidence).toEqual(s?.evidence);
    expect(await suggestionRows(ws.id)).toHaveLength(1);
  });

  it('takes a plain mention of someone else, a possessive or a negation as no evidence', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [{ externalId: 'b-1', author: bob, text: 'Morning all' }]);
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'thanks @bob.bsky.social for the tip!' },
      { externalId: 'a-2', author: ana, text: "I'm @bob.bsky.social's biggest fan" },
      { externalId: 'a-3', author: ana, text: 'Not my account: @bob.bsky.social' },
      { externalId: 'a-4', author: ana, text: 'Bob moved to @bob.bsky.social last week' },
    ]);
    expect(await listCustomers(t.ctx, agent, { limit: 10 }).then((r) => r.items)).toHaveLength(2);
    expect(await suggestionRows(ws.id)).toEqual([]);
  });

  it('suggests the customer holding an email address the post calls its own', async () => {
    const { ws, agent } = await setup();
    const crm = await createCustomer(t.ctx, agent, {
      displayName: 'Ana C. (CRM)',
      email: 'ana@example.com',
      verified: false,
    });
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'Questions about the trip? Email me at Ana@Example.com.' },
    ]);
    const a = await customerOf(agent, 'ana.bsky.social');
    const open = await listSuggestions(t.ctx, agent);
    expect(open).toHaveLength(1);
    expect(pair(open[0] as NonNullable<(typeof open)[0]>)).toEqual([a.id, crm.id].sort());
    expect(open[0]?.confidence).toBe(0.6);
    expect(open[0]?.evidence[0]).toContain(
      'Bluesky account ana.bsky.social calls email ana@example.com its own: "Email me at Ana@Example.com"',
    );
  });

  it('suggests both holders when one post names an address and an account', async () => {
    const { ws, agent } = await setup();
    const crm = await createCustomer(t.ctx, agent, {
      displayName: 'Ana C. (CRM)',
      email: 'ana@example.com',
      verified: true,
    });
    await ingest(ws.id, [{ externalId: 'x-1', author: xana, text: 'Hello from the fediverse' }]);
    await ingest(ws.id, [
      {
        externalId: 'a-1',
        author: ana,
        text: 'My other account is @xana@mastodon.social. Email me at ana@example.com',
      },
    ]);
    const a = await customerOf(agent, 'ana.bsky.social');
    const x = await customerOf(agent, 'xana@mastodon.social');
    const open = await listSuggestions(t.ctx, agent);
    expect(open.map(pair).sort()).toEqual([[a.id, crm.id].sort(), [a.id, x.id].sort()].sort());
  });

  it('raises the confidence when both accounts call each other their own, listing both posts', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { externalId: 'x-1', author: xana, text: 'Hello from the fediverse' },
      { externalId: 'a-1', author: ana, text: 'my other account is @xana@mastodon.social' },
    ]);
    // A later batch: the other side claims the first account back.
    await ingest(ws.id, [{ externalId: 'x-2', author: xana, text: 'Also on Bluesky as @ana.bsky.social' }]);
    const open = await listSuggestions(t.ctx, agent);
    expect(open).toHaveLength(1);
    expect(open[0]?.confidence).toBe(0.75);
    const [a1, x2] = [await mentionId(ws.id, 'a-1'), await mentionId(ws.id, 'x-2')];
    expect(open[0]?.evidence).toEqual([
      expect.stringContaining(`(mention ${a1})`),
      expect.stringContaining(
        `Mastodon account xana@mastodon.social calls Bluesky account ana.bsky.social its own: "Also on Bluesky as @ana.bsky.social" (mention ${x2})`,
      ),
    ]);
    // The same post again adds nothing.
    await replayLog(ws.id);
    expect((await listSuggestions(t.ctx, agent))[0]?.evidence).toHaveLength(2);
  });

  it('keeps a reference to an account nobody holds yet and suggests when that account first posts', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'my other account is @xana@mastodon.social' },
    ]);
    expect(await suggestionRows(ws.id)).toEqual([]);
    expect(await pendingRows(ws.id)).toEqual([
      { mention_id: await mentionId(ws.id, 'a-1'), target_channel: 'mastodon', target_key: 'xana' },
    ]);
    await ingest(ws.id, [{ externalId: 'x-1', author: xana, text: 'first post here' }]);
    const a = await customerOf(agent, 'ana.bsky.social');
    const x = await customerOf(agent, 'xana@mastodon.social');
    const open = await listSuggestions(t.ctx, agent);
    expect(open).toHaveLength(1);
    expect(pair(open[0] as NonNullable<(typeof open)[0]>)).toEqual([a.id, x.id].sort());
    expect(open[0]?.confidence).toBe(0.6);
    expect(open[0]?.evidence).toEqual([
      `Cross-reference in a post: Bluesky account ana.bsky.social calls Mastodon account xana@mastodon.social its own: "my other account is @xana@mastodon.social" (mention ${await mentionId(ws.id, 'a-1')})`,
    ]);
    expect(await pendingRows(ws.id)).toEqual([]);

    // Later posts about the same pair only add evidence; a replay adds nothing.
    await ingest(ws.id, [
      { externalId: 'a-2', author: ana, text: 'Follow me on Mastodon: @xana@mastodon.social' },
      { externalId: 'a-3', author: ana, text: '(alt: @xana@mastodon.social)' },
    ]);
    await replayLog(ws.id);
    const after = await listSuggestions(t.ctx, agent);
    expect(after).toHaveLength(1);
    expect(after[0]?.evidence).toHaveLength(3);
  });

  it('keeps waiting when an account with the same handle key but another server appears', async () => {
    const { ws } = await setup();
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'my other account is @xana@mastodon.social' },
    ]);
    const other: Author = { id: 'xana2', handle: 'xana@fosstodon.org', name: 'Xana', channel: 'mastodon' };
    await ingest(ws.id, [{ externalId: 'o-1', author: other, text: 'hello' }]);
    expect(await suggestionRows(ws.id)).toEqual([]);
    expect(await pendingRows(ws.id)).toHaveLength(1);
    await ingest(ws.id, [{ externalId: 'x-1', author: xana, text: 'first post here' }]);
    expect(await suggestionRows(ws.id)).toHaveLength(1);
    expect(await pendingRows(ws.id)).toEqual([]);
  });

  it('suggests when an email address a post called its own is later added to a customer', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'Questions about the trip? Email me at ana@example.com' },
    ]);
    expect(await pendingRows(ws.id)).toEqual([
      { mention_id: await mentionId(ws.id, 'a-1'), target_channel: 'email', target_key: 'ana@example.com' },
    ]);
    const crm = await createCustomer(t.ctx, agent, {
      displayName: 'Ana (CRM)',
      email: 'ana.costa@corp.example',
      verified: false,
    });
    expect(await suggestionRows(ws.id)).toEqual([]);
    await addIdentity(t.ctx, agent, crm.id, { kind: 'email', value: 'Ana@Example.com', verified: false });
    const a = await customerOf(agent, 'ana.bsky.social');
    const open = await listSuggestions(t.ctx, agent);
    expect(open).toHaveLength(1);
    expect(pair(open[0] as NonNullable<(typeof open)[0]>)).toEqual([a.id, crm.id].sort());
    expect(open[0]?.evidence[0]).toContain(
      'Bluesky account ana.bsky.social calls email ana@example.com its own',
    );
    expect(await pendingRows(ws.id)).toEqual([]);
  });

  it('forgets the reference when its post is deleted at the source, and when its author is erased', async () => {
    const { ws, agent } = await setup();
    await ingest(ws.id, [
      { externalId: 'a-1', author: ana, text: 'my other account is @xana@mastodon.social' },
      { externalId: 'a-2', author: ana, text: 'Email me at ana@example.com' },
    ]);
    expect(await pendingRows(ws.id)).toHaveLength(2);
    await storePosts(t.ctx, ws.id, [
      { channel: 'bluesky', externalId: 'a-1', deleted: true, updatedAt: '2026-11-24T08:00:00.000Z' },
    ]);
    expect((await pendingRows(ws.id)).map((r) => r.target_key)).toEqual(['ana@example.com']);
    await ingest(ws.id, [{ externalId: 'x-1', author: xana, text: 'first post here' }]);
    expect(await suggestionRows(ws.id)).toEqual([]);

    const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
    await eraseCustomer(t.ctx, owner, (await customerOf(agent, 'ana.bsky.social')).id, { reason: 'asked' });
    expect(await pendingRows(ws.id)).toEqual([]);
  });
});

async function pendingRows(workspaceId: string) {
  return (
    await t.ctx.db
      .selectFrom('pending_cross_references')
      .select(['mention_id', 'target_channel', 'target_key'])
      .where('workspace_id', '=', workspaceId)
      .orderBy('target_key')
      .execute()
  ).map((r) => ({ ...r, mention_id: Number(r.mention_id) }));
}
