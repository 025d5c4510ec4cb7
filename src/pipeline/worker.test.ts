import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildUser, buildWorkspace } from '../../test/factories.ts';
import { createConnector } from '../connectors/service.ts';
import { analyzeContent } from '../modules/analysis/service.ts';
import { listQuarantine, resolveQuarantined } from '../modules/listening/quarantine.ts';
import { createQuery, listMentions, mentionThread, previewQuery } from '../modules/listening/service.ts';
import { forgetCachedAuthors } from '../modules/listening/store.ts';
import type { GenericPost } from './formats.ts';
import { appendToLog } from './ingest-log.ts';
import { processBatch } from './worker.ts';

const t = setupTestDatabase();

async function drain() {
  while ((await processBatch(t.ctx, 100)).claimed > 0) {
    // keep going until the log is empty
  }
}

const post = (externalId: string, text: string, extra: Partial<GenericPost> = {}): GenericPost => ({
  channel: 'webhook',
  externalId,
  text,
  createdAt: '2026-11-20T10:00:00.000Z',
  author: { externalId: 'u-1', handle: 'someone', followers: 10 },
  ...extra,
});

async function append(
  workspaceId: string,
  format: 'generic' | 'jetstream' | 'mastodon',
  payloads: unknown[],
) {
  await appendToLog(
    t.ctx,
    payloads.map((p) => ({
      workspaceId,
      connectorId: null,
      format,
      payload: typeof p === 'string' ? p : JSON.stringify(p),
    })),
  );
}

async function mentionRows(workspaceId: string) {
  return t.ctx.db
    .selectFrom('mentions')
    .select(['external_id', 'text', 'deleted_at', 'version_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('external_id')
    .execute();
}

describe('pipeline', () => {
  it('stores one mention per post whatever the duplicates and the delivery order', async () => {
    const ws = await buildWorkspace(t.ctx);
    const v1 = post('p-1', 'first version', { updatedAt: '2026-11-20T10:00:00.000Z' });
    const v2 = post('p-1', 'second version', { updatedAt: '2026-11-20T10:05:00.000Z' });
    // The newer edit arrives first, the original twice, in two separate batches.
    await append(ws.id, 'generic', [v2, v1, post('p-2', 'other post')]);
    await drain();
    await append(ws.id, 'generic', [v1, v2, post('p-2', 'other post')]);
    await drain();
    const rows = await mentionRows(ws.id);
    expect(rows.map((r) => [r.external_id, r.text])).toEqual([
      ['p-1', 'second version'],
      ['p-2', 'other post'],
    ]);
  });

  it('applies a Bluesky delete: the text is gone and a replay of the create does not bring it back', async () => {
    const ws = await buildWorkspace(t.ctx);
    const create = {
      did: 'did:plc:abc',
      time_us: 1795400000000000,
      kind: 'commit',
      commit: {
        operation: 'create',
        collection: 'app.bsky.feed.post',
        rkey: 'r1',
        record: { text: 'my bag is lost', createdAt: '2026-11-20T10:00:00.000Z' },
      },
    };
    const del = {
      ...create,
      time_us: 1795400005000000,
      commit: { operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'r1' },
    };
    await append(ws.id, 'jetstream', [create]);
    await drain();
    expect((await mentionRows(ws.id))[0]?.text).toBe('my bag is lost');
    await append(ws.id, 'jetstream', [del]);
    await drain();
    await append(ws.id, 'jetstream', [create]);
    await drain();
    const [row] = await mentionRows(ws.id);
    expect(row?.text).toBe('');
    expect(row?.deleted_at).not.toBeNull();
  });

  it('keeps the links a Bluesky post carries beside its shortened text, for the app and the query preview, until it is deleted', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
    const create = {
      did: 'did:plc:links',
      time_us: 1795400000000000,
      kind: 'commit',
      commit: {
        operation: 'create',
        collection: 'app.bsky.feed.post',
        rkey: 'l1',
        record: {
          // Bluesky shows a long link shortened; the full address is only in the facet.
          text: 'Read this before you fly example.com/fees/2026-bag… and https://blog.example/p',
          createdAt: '2026-11-20T10:00:00.000Z',
          facets: [
            {
              index: { byteStart: 25, byteEnd: 50 },
              features: [
                { $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/fees/2026-baggage-rules' },
              ],
            },
            {
              index: { byteStart: 0, byteEnd: 4 },
              features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'javascript:alert(1)' }],
            },
          ],
          embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://cards.example/fees' } },
        },
      },
    };
    await append(ws.id, 'jetstream', [create]);
    await drain();
    const [m] = (await listMentions(t.ctx, admin, { limit: 10 })).items;
    expect(m?.links).toEqual([
      'https://blog.example/p',
      'https://example.com/fees/2026-baggage-rules',
      'https://cards.example/fees',
    ]);
    const preview = await previewQuery(t.ctx, admin, {
      query: 'url:example.com/fees/2026-baggage',
      sample: 100,
    });
    expect(preview.matched).toBe(1);
    expect((await previewQuery(t.ctx, admin, { query: 'url:cards.example', sample: 100 })).matched).toBe(1);

    await append(ws.id, 'jetstream', [
      {
        ...create,
        time_us: 1795400005000000,
        commit: { operation: 'delete', collection: 'app.bsky.feed.post', rkey: 'l1' },
      },
    ]);
    await drain();
    const row = await t.ctx.db
      .selectFrom('mentions')
      .select(['text', 'links'])
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ text: '', links: null });
  });

  it('applies a Mastodon delete that arrives before its status', async () => {
    const ws = await buildWorkspace(t.ctx);
    const status = {
      id: '42',
      uri: 'https://m.example/statuses/42',
      created_at: '2026-11-20T10:00:00.000Z',
      content: '<p>cancel my account</p>',
      account: { id: '7', acct: 'lena' },
    };
    await append(ws.id, 'mastodon', [
      { instance: 'm.example', deleted: '42' },
      { instance: 'm.example', status },
    ]);
    await drain();
    await append(ws.id, 'mastodon', [{ instance: 'm.example', status }]);
    await drain();
    const rows = await mentionRows(ws.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ external_id: 'm.example/42', text: '' });
  });

  it('quarantines a malformed item with its stage and reason and stores the rest of the batch', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await append(ws.id, 'generic', [
      post('ok-1', 'fine'),
      '{"channel": "webhook", "externalId": ',
      post('ok-2', 'also fine'),
      { channel: 'webhook', externalId: 'x', text: 'no author' },
    ]);
    await drain();
    expect((await mentionRows(ws.id)).map((r) => r.external_id)).toEqual(['ok-1', 'ok-2']);
    const quarantined = await listQuarantine(t.ctx, owner.actor, { limit: 10 });
    expect(quarantined.items.map((q) => [q.stage, q.reason.split(':')[0]])).toEqual([
      ['normalize', 'author'],
      ['normalize', 'payload is not JSON'],
    ]);
    const dropped = await resolveQuarantined(t.ctx, owner.actor, quarantined.items[0]?.id ?? 0, 'drop');
    expect(dropped.status).toBe('dropped');
    await expect(resolveQuarantined(t.ctx, owner.actor, dropped.id, 'retry')).rejects.toMatchObject({
      code: 'conflict',
    });
    expect((await listQuarantine(t.ctx, owner.actor, { limit: 10 })).items).toHaveLength(1);
  });

  it('records which listening queries matched, filterable and searchable', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const refunds = await createQuery(t.ctx, manager.actor, {
      name: 'Refunds',
      query: 'refund* NOT spam',
      enabled: true,
    });
    await createQuery(t.ctx, manager.actor, {
      name: 'Praise',
      query: 'thanks OR "lovely crew"',
      enabled: true,
    });
    await append(ws.id, 'generic', [
      post('m-1', 'Still waiting for my refund'),
      post('m-2', 'thanks, lovely crew today'),
      post('m-3', 'refunds are spam'),
    ]);
    await drain();
    const all = await listMentions(t.ctx, manager.actor, { limit: 10 });
    expect(all.items.map((m) => [m.externalId, m.queryIds.length])).toEqual([
      ['m-3', 0],
      ['m-2', 1],
      ['m-1', 1],
    ]);
    const onlyRefunds = await listMentions(t.ctx, manager.actor, { limit: 10, queryId: refunds.id });
    expect(onlyRefunds.items.map((m) => m.externalId)).toEqual(['m-1']);
    const searched = await listMentions(t.ctx, manager.actor, { limit: 10, search: 'lovely CREW' });
    expect(searched.items.map((m) => m.externalId)).toEqual(['m-2']);
  });

  it('keeps from a firehose connector only posts matching a query and what continues them; another connector keeps all', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    await createQuery(t.ctx, owner.actor, { name: 'Brand', query: 'acme', enabled: true });
    // With the brand's account for replies: posts naming it are kept even without a query's words.
    const firehose = await createConnector(t.ctx, owner.actor, {
      kind: 'bluesky',
      name: 'Firehose',
      config: { account: { identifier: 'flyacme.bsky.social' } },
      secret: 'app-password',
    });
    expect(firehose.connector.config).toMatchObject({ keep: 'matching' });
    const everything = await createConnector(t.ctx, owner.actor, {
      kind: 'bluesky',
      name: 'Our accounts',
      config: { keep: 'all' },
    });
    const from = async (connectorId: string, items: unknown[]) => {
      await appendToLog(
        t.ctx,
        items.map((p) => ({
          workspaceId: ws.id,
          connectorId,
          format: 'generic' as const,
          payload: JSON.stringify(p),
        })),
      );
      let passedOver = 0;
      for (;;) {
        const r = await processBatch(t.ctx, 100);
        if (r.claimed === 0) return passedOver;
        passedOver += r.passedOver;
      }
    };
    const bsky = (id: string, text: string, extra: Partial<GenericPost> = {}) =>
      post(id, text, { channel: 'bluesky', ...extra });
    const deleted = (id: string) => ({ channel: 'bluesky', externalId: id, deleted: true });

    expect(
      await from(firehose.connector.id, [
        bsky('a', 'Acme lost my bag'),
        bsky('b', 'Nice weather in Lisbon today'),
        bsky('c', 'Any news on it?', { replyTo: 'a', threadRoot: 'a' }),
        bsky('g', '@FlyAcme.bsky.social where is my suitcase?'),
      ]),
    ).toBe(1);
    expect((await mentionRows(ws.id)).map((m) => m.external_id)).toEqual(['a', 'c', 'g']);

    // Later: a reply deeper in the thread, an edit that no longer names the brand, deletes of a
    // stored post and of one never stored (no tombstone for it).
    expect(
      await from(firehose.connector.id, [
        bsky('d', 'Still waiting', { replyTo: 'c', threadRoot: 'a' }),
        bsky('a', 'They lost my bag', { updatedAt: '2026-11-20T11:00:00.000Z' }),
        bsky('e', 'Unrelated chatter'),
        deleted('c'),
        deleted('b'),
      ]),
    ).toBe(2);
    expect(
      (await mentionRows(ws.id)).map((m) => [
        m.external_id,
        m.text,
        m.deleted_at === null ? 'live' : 'deleted',
      ]),
    ).toEqual([
      ['a', 'They lost my bag', 'live'],
      ['c', '', 'deleted'],
      ['d', 'Still waiting', 'live'],
      ['g', '@FlyAcme.bsky.social where is my suitcase?', 'live'],
    ]);

    expect(await from(everything.connector.id, [bsky('f', 'Our own timeline, no brand name')])).toBe(0);
    expect((await mentionRows(ws.id)).map((m) => m.external_id)).toEqual(['a', 'c', 'd', 'f', 'g']);
    const counted = await t.ctx.db
      .selectFrom('connectors')
      .select(['name', 'items_passed_over'])
      .where('workspace_id', '=', ws.id)
      .orderBy('name')
      .execute();
    expect(counted.map((c) => [c.name, Number(c.items_passed_over)])).toEqual([
      ['Firehose', 3],
      ['Our accounts', 0],
    ]);
    // What was passed over is still in the ingest log, processed.
    const logged = await t.ctx.db
      .selectFrom('ingest_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws.id)
      .where('processed_at', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(10);
  });

  it('rejects a query with a syntax error, giving the position', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    await expect(
      createQuery(t.ctx, manager.actor, { name: 'Bad', query: 'refund AND', enabled: true }),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      details: { position: 10 },
    });
    const agent = await buildUser(t.ctx, ws, { role: 'agent' });
    await expect(
      createQuery(t.ctx, agent.actor, { name: 'x', query: 'x', enabled: true }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('reconstructs a thread from reply links, and keeps workspaces apart', async () => {
    const ws = await buildWorkspace(t.ctx);
    const other = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const outsider = await buildUser(t.ctx, other);
    await append(ws.id, 'generic', [
      post('t-1', 'where is my bag', { createdAt: '2026-11-20T10:00:00.000Z' }),
      post('t-2', 'same here', { replyTo: 't-1', createdAt: '2026-11-20T10:01:00.000Z' }),
      post('t-3', 'found it', { replyTo: 't-2', threadRoot: 't-1', createdAt: '2026-11-20T10:02:00.000Z' }),
    ]);
    await drain();
    const [reply] = (await listMentions(t.ctx, agent.actor, { limit: 1 })).items;
    const thread = await mentionThread(t.ctx, agent.actor, reply?.id ?? 0);
    expect(thread.thread.map((m) => m.externalId)).toEqual(['t-1', 't-2', 't-3']);
    await expect(mentionThread(t.ctx, outsider.actor, reply?.id ?? 0)).rejects.toMatchObject({
      code: 'not_found',
    });
    expect((await listMentions(t.ctx, outsider.actor, { limit: 10 })).items).toEqual([]);
  });

  it('writes an author again only when the profile changed, and keeps the latest values', async () => {
    const ws = await buildWorkspace(t.ctx);
    const author = (followers: number | null, displayName?: string) => ({
      externalId: 'a-1',
      handle: 'frequent',
      followers,
      ...(displayName ? { displayName } : {}),
    });
    const authorRow = () =>
      t.ctx.db
        .selectFrom('authors')
        .select(['followers', 'display_name', 'updated_at'])
        .where('workspace_id', '=', ws.id)
        .executeTakeFirstOrThrow();

    t.clock.set('2026-11-20T10:00:00.000Z');
    await append(ws.id, 'generic', [post('c-1', 'one', { author: author(100, 'Frequent Poster') })]);
    await drain();
    t.clock.set('2026-11-20T11:00:00.000Z');
    // Same profile (a missing name keeps the stored one): no write, so updated_at stays.
    await append(ws.id, 'generic', [post('c-2', 'two', { author: author(100) })]);
    await drain();
    expect(await authorRow()).toEqual({
      followers: 100,
      display_name: 'Frequent Poster',
      updated_at: '2026-11-20T10:00:00.000Z',
    });
    t.clock.set('2026-11-20T12:00:00.000Z');
    await append(ws.id, 'generic', [post('c-3', 'three', { author: author(250) })]);
    await drain();
    expect(await authorRow()).toEqual({
      followers: 250,
      display_name: 'Frequent Poster',
      updated_at: '2026-11-20T12:00:00.000Z',
    });
    const authorIds = await t.ctx.db
      .selectFrom('mentions')
      .select('author_id')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(new Set(authorIds.map((r) => r.author_id)).size).toBe(1);
  });

  it("keeps an author's bio and links when a later post omits them, and replaces them when one sends them", async () => {
    const ws = await buildWorkspace(t.ctx);
    const author = (profile: { bio?: string; links?: { label?: string; url: string }[] } = {}) => ({
      externalId: 'a-bio',
      handle: 'baker',
      ...profile,
    });
    const authorRow = async () => {
      const row = await t.ctx.db
        .selectFrom('authors')
        .select(['bio', 'links', 'updated_at'])
        .where('workspace_id', '=', ws.id)
        .executeTakeFirstOrThrow();
      return { ...row, links: row.links === null ? null : t.ctx.dialect.parseJson(row.links) };
    };
    const shop = { label: 'Shop', url: 'https://bakery.example/' };

    t.clock.set('2026-11-20T10:00:00.000Z');
    await append(ws.id, 'generic', [
      post('b-1', 'one', { author: author({ bio: 'Bakes bread', links: [shop] }) }),
    ]);
    await drain();
    const first = {
      bio: 'Bakes bread',
      links: [{ label: 'Shop', url: 'https://bakery.example/', verified: false }],
      updated_at: '2026-11-20T10:00:00.000Z',
    };
    expect(await authorRow()).toEqual(first);

    // A post without the profile: nothing to write (the cached author is unchanged) …
    t.clock.set('2026-11-20T11:00:00.000Z');
    await append(ws.id, 'generic', [post('b-2', 'two', { author: author() })]);
    await drain();
    expect(await authorRow()).toEqual(first);
    // … and, written without the cache (another process, a restart), the stored ones stay.
    forgetCachedAuthors(t.ctx.db);
    await append(ws.id, 'generic', [post('b-3', 'three', { author: author() })]);
    await drain();
    expect(await authorRow()).toEqual({ ...first, updated_at: '2026-11-20T11:00:00.000Z' });

    // Within one batch, the later post without them does not undo the earlier one's.
    t.clock.set('2026-11-20T12:00:00.000Z');
    await append(ws.id, 'generic', [
      post('b-4', 'four', { author: author({ bio: 'Bakes bread and cakes', links: [] }) }),
      post('b-5', 'five', { author: author() }),
    ]);
    await drain();
    expect(await authorRow()).toEqual({
      bio: 'Bakes bread and cakes',
      links: [],
      updated_at: '2026-11-20T12:00:00.000Z',
    });

    // Sent again: replaced, the cache knows the new values (the same profile again writes nothing).
    t.clock.set('2026-11-20T13:00:00.000Z');
    await append(ws.id, 'generic', [post('b-6', 'six', { author: author({ bio: '', links: [shop] }) })]);
    await drain();
    const latest = { ...first, bio: '', updated_at: '2026-11-20T13:00:00.000Z' };
    expect(await authorRow()).toEqual(latest);
    t.clock.set('2026-11-20T14:00:00.000Z');
    await append(ws.id, 'generic', [post('b-7', 'seven', { author: author({ bio: '', links: [shop] }) })]);
    await drain();
    expect(await authorRow()).toEqual(latest);
  });

  it('quarantines a post that makes the analysis fail, with its stage and reason, and stores the others', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    await append(ws.id, 'generic', [
      post('ok-1', 'fine post'),
      post('bad-1', 'BOOM'),
      post('ok-2', 'another'),
    ]);
    const failing = {
      analyze: (...args: Parameters<typeof analyzeContent>) => {
        if (args[0].text === 'BOOM') throw new Error('analyser blew up');
        return analyzeContent(...args);
      },
    };
    while ((await processBatch(t.ctx, 100, { stages: failing })).claimed > 0) {
      // drain
    }
    expect((await mentionRows(ws.id)).map((m) => m.external_id)).toEqual(['ok-1', 'ok-2']);
    const open = await listQuarantine(t.ctx, manager.actor, { limit: 10, status: 'open' });
    expect(open.items.map((q) => ({ stage: q.stage, reason: q.reason }))).toEqual([
      { stage: 'analyze', reason: 'analyser blew up' },
    ]);
    expect(JSON.parse(open.items[0]?.payload ?? '{}')).toMatchObject({ externalId: 'bad-1' });
  });
});
