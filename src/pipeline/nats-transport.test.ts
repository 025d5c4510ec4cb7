import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterEach, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildWorkspace } from '../../test/factories.ts';
import { createConnector } from '../connectors/service.ts';
import type { AppContext } from '../context.ts';
import { newId } from '../ids.ts';
import { appendToLog, type LogEntry } from './ingest-log.ts';
import {
  createIngestTransport,
  type IngestTransport,
  relayToLog,
  startRelay,
  writeRelayed,
} from './nats-transport.ts';
import { processBatch } from './worker.ts';

// Against the NATS server with JetStream that CI starts (.ci/run sets TEST_NATS_URL); each test
// has its own stream, deleted afterwards.
const natsUrl = process.env.TEST_NATS_URL;
const t = setupTestDatabase();

const post = (workspaceId: string, externalId: string, text = `post ${externalId}`): LogEntry => ({
  workspaceId,
  connectorId: null,
  format: 'generic',
  payload: JSON.stringify({
    channel: 'webhook',
    externalId,
    text,
    author: { externalId: 'u-1', handle: 'someone' },
  }),
});

const count = async (table: 'ingest_log' | 'mentions' | 'quarantine', workspaceId: string) =>
  Number(
    (
      await t.ctx.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe.skipIf(!natsUrl)('the ingest log through NATS JetStream', () => {
  const opened: IngestTransport[] = [];
  const streams: string[] = [];
  const open = async (stream: string, ackWaitMs?: number) => {
    const transport = createIngestTransport({
      url: natsUrl as string,
      stream,
      log: t.ctx.log,
      ...(ackWaitMs ? { ackWaitMs } : {}),
    });
    opened.push(transport);
    return transport;
  };
  const newStream = () => {
    const name = `RAPPORT_TEST_${newId(new Date()).replaceAll('-', '')}`;
    streams.push(name);
    return name;
  };
  const drain = async (ctx: AppContext, transport: IngestTransport) => {
    for (;;) {
      const batch = await transport.take(100, 1000);
      if (batch.length === 0) return;
      await relayToLog(ctx, transport, batch);
    }
  };

  afterEach(async () => {
    for (const transport of opened.splice(0)) await transport.close();
    const nc = await connect({ servers: natsUrl as string });
    const jsm = await jetstreamManager(nc);
    for (const name of streams.splice(0)) await jsm.streams.delete(name).catch(() => false);
    await nc.close();
  });

  it('publishes appends instead of writing the log, saves the cursor after, and the relayed entries become one mention each', async () => {
    const ws = await buildWorkspace(t.ctx);
    const transport = await open(newStream());
    const ctx: AppContext = { ...t.ctx, ingest: transport };
    const connectorId = (
      await createConnector(
        t.ctx,
        { workspaceId: ws.id, role: 'owner' },
        { kind: 'webhook', name: 'Webhook' },
      )
    ).connector.id;

    await appendToLog(ctx, [post(ws.id, 'a'), post(ws.id, 'b'), post(ws.id, 'c')], {
      connectorId,
      cursor: 'after-c',
    });
    expect(await count('ingest_log', ws.id)).toBe(0);
    const saved = await t.ctx.db
      .selectFrom('connectors')
      .select(['cursor', 'items_total'])
      .where('id', '=', connectorId)
      .executeTakeFirstOrThrow();
    expect(saved).toEqual({ cursor: 'after-c', items_total: 3 });

    await drain(ctx, transport);
    const log = await t.ctx.db
      .selectFrom('ingest_log')
      .select(['payload', 'received_at', 'transport_id', 'processed_at'])
      .where('workspace_id', '=', ws.id)
      .orderBy('id')
      .execute();
    expect(log.map((r) => (JSON.parse(r.payload) as { externalId: string }).externalId)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(new Set(log.map((r) => r.transport_id)).size).toBe(3);
    expect(log.every((r) => r.processed_at === null)).toBe(true);
    expect(new Date(log[0]?.received_at as string).toISOString()).toBe(t.clock.now().toISOString());

    while ((await processBatch(ctx, 100)).claimed > 0) {
      // drain the log
    }
    const texts = await t.ctx.db
      .selectFrom('mentions')
      .select('text')
      .where('workspace_id', '=', ws.id)
      .orderBy('external_id')
      .execute();
    expect(texts.map((m) => m.text)).toEqual(['post a', 'post b', 'post c']);
  });

  it('writes a message once when the worker died after writing it and before acknowledging it', async () => {
    const ws = await buildWorkspace(t.ctx);
    const stream = newStream();
    const first = await open(stream, 1500);
    const ctx: AppContext = { ...t.ctx, ingest: first };
    await appendToLog(ctx, [post(ws.id, 'x'), post(ws.id, 'y')]);

    const taken = await first.take(10, 1000);
    expect(taken).toHaveLength(2);
    expect(await writeRelayed(t.ctx, stream, taken)).toBe(2);
    // The process dies here: its connection goes without acknowledging anything.
    await first.close();

    const second = await open(stream, 1500);
    // Redelivered once their acknowledgement is overdue, not necessarily in one batch.
    const again = [];
    for (let i = 0; i < 5 && again.length < 2; i++) again.push(...(await second.take(10, 3000)));
    expect(again.map((m) => m.redelivered)).toEqual([true, true]);
    expect(await relayToLog(t.ctx, second, again)).toBe(0);
    expect(await count('ingest_log', ws.id)).toBe(2);
    // Acknowledged now: nothing comes back.
    expect(await second.take(10, 2500)).toEqual([]);
  });

  it('quarantines a message that is not a log entry with its reason, and relays the rest of its batch', async () => {
    const ws = await buildWorkspace(t.ctx);
    const stream = newStream();
    const transport = await open(stream);
    const ctx: AppContext = { ...t.ctx, ingest: transport };
    await appendToLog(ctx, [post(ws.id, 'before')]);
    const nc = await connect({ servers: natsUrl as string });
    const { jetstream } = await import('@nats-io/jetstream');
    const js = jetstream(nc);
    await js.publish(`${stream}.${ws.id}`, '{"workspaceId": "oops"');
    await js.publish(`${stream}.${ws.id}`, JSON.stringify({ workspaceId: ws.id, payload: 42 }));
    await nc.close();
    await appendToLog(ctx, [post(ws.id, 'after')]);

    await drain(ctx, transport);
    expect(await count('ingest_log', ws.id)).toBe(2);
    const held = await t.ctx.db
      .selectFrom('quarantine')
      .select(['stage', 'reason', 'payload', 'log_id'])
      .where('workspace_id', '=', ws.id)
      .orderBy('id')
      .execute();
    expect(held).toHaveLength(2);
    expect(held.every((q) => q.stage === 'transport' && q.log_id === null)).toBe(true);
    expect(held[0]?.reason).toMatch(/is not a log entry: not JSON$/);
    expect(held[0]?.payload).toBe('{"workspaceId": "oops"');
    expect(held[1]?.reason).toMatch(/payload: .*string/);
  });

  it('relays in the background and wakes the worker, with several relays sharing the stream without doubling', async () => {
    const ws = await buildWorkspace(t.ctx);
    const stream = newStream();
    const a = await open(stream);
    const b = await open(stream);
    let wakes = 0;
    const relays = [
      startRelay(t.ctx, a, { batchSize: 50, onRelayed: () => wakes++ }),
      startRelay(t.ctx, b, { batchSize: 50, onRelayed: () => wakes++ }),
    ];
    const ctx: AppContext = { ...t.ctx, ingest: a };
    await appendToLog(
      ctx,
      Array.from({ length: 400 }, (_, i) => post(ws.id, `p-${i}`)),
    );
    for (let i = 0; i < 100 && (await count('ingest_log', ws.id)) < 400; i++)
      await new Promise((r) => setTimeout(r, 100));
    await Promise.all(relays.map((r) => r.stop()));
    expect(await count('ingest_log', ws.id)).toBe(400);
    const distinct = await t.ctx.db
      .selectFrom('ingest_log')
      .select((eb) => eb.fn.count<number>('payload').distinct().as('n'))
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(Number(distinct.n)).toBe(400);
    expect(wakes).toBeGreaterThanOrEqual(8);
  });
});
