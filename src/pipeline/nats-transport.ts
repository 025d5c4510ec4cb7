/**
 * The ingest log's transport past one machine (docs/operations.md, Scaling out): connectors, the
 * webhook endpoint and imports publish raw items to a NATS JetStream stream instead of writing the
 * log table, and each worker relays what the stream holds into its database's log through one
 * durable consumer that all workers share. What the worker does after that is unchanged.
 *
 * Nothing is lost: a message is acknowledged only after its log entry has committed, so a worker
 * that dies first has it redelivered. Nothing is doubled: the entry keeps the message's id
 * (`ingest_log.transport_id`, unique), and a redelivered message whose entry exists is only
 * acknowledged. Items a connector reads again (it died after publishing, before saving its
 * cursor) are new messages, absorbed by the pipeline's idempotent writes as without NATS.
 */
import {
  AckPolicy,
  type JetStreamClient,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { newId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { formats } from './formats.ts';
import type { LogEntry } from './ingest-log.ts';

export type IngestTransport = {
  /** Publishes the entries; resolves once JetStream has stored every one of them. */
  publish(entries: LogEntry[], receivedAt: string): Promise<void>;
  /**
   * Up to `limit` messages: waits up to `waitMs` (at least 1 s, JetStream's minimum) for the
   * first, then takes what was already waiting behind it. An empty list when nothing came.
   */
  take(limit: number, waitMs: number): Promise<JsMsg[]>;
  /** The stream's name, which is also its subjects' prefix: `<stream>.<workspace id>`. */
  stream: string;
  close(): Promise<void>;
};

/** What a message carries: one log entry and when it was received. Validated when relayed. */
const envelopeSchema = z.object({
  workspaceId: z.string().min(1),
  connectorId: z.string().min(1).nullable(),
  format: z.enum(formats),
  payload: z.string(),
  cursor: z.string().nullable(),
  backfill: z.boolean(),
  receivedAt: z.iso.datetime({ offset: true }),
});
type Envelope = z.infer<typeof envelopeSchema>;

const PUBLISH_WINDOW = 256;

/**
 * The transport to the stream `stream` on the NATS server(s) at `url`. It connects on first use (a
 * command that never appends needs no NATS), and makes sure then that the stream exists (with
 * work-queue retention: a message leaves it once a worker has acknowledged it, since the
 * database's log keeps what arrived) and the workers' durable consumer too. A failed connection
 * is tried again on the next use.
 */
export function createIngestTransport(options: {
  url: string;
  stream: string;
  log: Logger;
  /** How long a message may stay unacknowledged before JetStream hands it to a worker again. */
  ackWaitMs?: number;
}): IngestTransport {
  const { stream, log } = options;
  const durable = `${stream}_workers`;
  const open = async () => {
    const nc: NatsConnection = await connect({
      servers: options.url.split(','),
      name: 'rapport',
      maxReconnectAttempts: -1,
    });
    const jsm = await jetstreamManager(nc);
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({
        name: stream,
        subjects: [`${stream}.>`],
        retention: RetentionPolicy.Workqueue,
        storage: StorageType.File,
      });
      log.info({ stream }, 'JetStream stream created for the ingest log');
    }
    // An existing consumer is kept as it is: an operator may have tuned it.
    await jsm.consumers.info(stream, durable).catch(() =>
      jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(options.ackWaitMs ?? 60_000),
        max_ack_pending: 20_000,
      }),
    );
    const js: JetStreamClient = jetstream(nc);
    return { nc, js, consumer: await js.consumers.get(stream, durable) };
  };
  let connecting: ReturnType<typeof open> | undefined;
  const connected = () => {
    connecting ??= open().catch((err) => {
      connecting = undefined;
      throw err;
    });
    return connecting;
  };
  return {
    stream,
    async publish(entries, receivedAt) {
      const { js } = await connected();
      // A window of publishes in flight at once: one round trip per entry would bound a connector
      // to a few thousand items a second on loopback.
      for (let i = 0; i < entries.length; i += PUBLISH_WINDOW) {
        await Promise.all(
          entries.slice(i, i + PUBLISH_WINDOW).map((e) => {
            const envelope: Envelope = {
              workspaceId: e.workspaceId,
              connectorId: e.connectorId,
              format: e.format,
              payload: e.payload,
              cursor: e.cursor ?? null,
              backfill: e.backfill ?? false,
              receivedAt,
            };
            return js.publish(`${stream}.${e.workspaceId}`, JSON.stringify(envelope), {
              msgID: newId(new Date(receivedAt)),
            });
          }),
        );
      }
    },
    async take(limit, waitMs) {
      const { consumer } = await connected();
      const first = await consumer.next({ expires: Math.max(1000, waitMs) });
      if (!first) return [];
      const taken = [first];
      const behind = Math.min(limit - 1, first.info.pending);
      if (behind > 0) {
        const more = await consumer.fetch({ max_messages: behind, expires: 1000 });
        for await (const m of more) taken.push(m);
      }
      return taken;
    },
    async close() {
      if (!connecting) return;
      const { nc } = await connecting.catch(() => ({ nc: undefined }));
      await nc?.drain().catch(() => nc.close());
    },
  };
}

/** A message's id as its publisher set it (JetStream's `Nats-Msg-Id`), else its stream position. */
function messageId(m: JsMsg): string {
  return m.headers?.get('Nats-Msg-Id') || `seq:${m.info.stream}:${m.seq}`;
}

/**
 * Writes the messages' entries to the log in one transaction, each once (by message id), without
 * acknowledging them. A message that is not an entry is quarantined in the workspace its subject
 * names with the reason; one whose workspace no longer exists is left out (its data went with it).
 * Returns how many entries were written.
 */
export async function writeRelayed(ctx: AppContext, stream: string, messages: JsMsg[]): Promise<number> {
  if (messages.length === 0) return 0;
  const entries: { id: string; e: Envelope }[] = [];
  const refused: { id: string; workspaceId: string; body: string; reason: string }[] = [];
  for (const m of messages) {
    const id = messageId(m);
    const body = m.string();
    let parsed: z.ZodSafeParseResult<Envelope>;
    try {
      parsed = envelopeSchema.safeParse(JSON.parse(body));
    } catch {
      refused.push({ id, workspaceId: workspaceOfSubject(m.subject, stream), body, reason: 'not JSON' });
      continue;
    }
    if (parsed.success) entries.push({ id, e: parsed.data });
    else
      refused.push({
        id,
        workspaceId: workspaceOfSubject(m.subject, stream),
        body,
        reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; '),
      });
  }
  return ctx.db.transaction().execute(async (trx) => {
    const named = [
      ...new Set([...entries.map((x) => x.e.workspaceId), ...refused.map((r) => r.workspaceId)]),
    ];
    const existing = new Set(
      (await trx.selectFrom('workspaces').select('id').where('id', 'in', named).execute()).map((w) => w.id),
    );
    const known = entries.filter((x) => existing.has(x.e.workspaceId));
    const quarantined = refused.filter((r) => existing.has(r.workspaceId));
    const gone = messages.length - known.length - quarantined.length;
    if (gone > 0) ctx.log.warn({ messages: gone }, 'ingest messages for a workspace that no longer exists');
    const rows = known.map(({ id, e }) => ({
      workspace_id: e.workspaceId,
      connector_id: e.connectorId,
      format: e.format,
      payload: e.payload,
      cursor: e.cursor,
      received_at: e.receivedAt,
      processed_at: null,
      backfill: e.backfill ? 1 : 0,
      transport_id: id,
    }));
    let written = 0;
    if (rows.length > 0) {
      const inserted = await trx
        .insertInto('ingest_log')
        .values(rows)
        .onConflict((oc) => oc.column('transport_id').where('transport_id', 'is not', null).doNothing())
        .returning('id')
        .execute();
      written = inserted.length;
    }
    const now = ctx.now().toISOString();
    for (const r of quarantined) {
      ctx.log.error({ messageId: r.id, reason: r.reason }, 'ingest message quarantined: not a log entry');
      await trx
        .insertInto('quarantine')
        .values({
          workspace_id: r.workspaceId,
          log_id: null,
          connector_id: null,
          format: 'generic',
          stage: 'transport',
          reason: `The message ${r.id} is not a log entry: ${r.reason}`,
          payload: r.body,
          status: 'open',
          created_at: now,
          resolved_at: null,
        })
        .execute();
    }
    return written;
  });
}

function workspaceOfSubject(subject: string, stream: string): string {
  return subject.startsWith(`${stream}.`) ? subject.slice(stream.length + 1) : '';
}

/** Writes the messages' entries to the log (see `writeRelayed`), then acknowledges them. */
export async function relayToLog(
  ctx: AppContext,
  transport: Pick<IngestTransport, 'stream'>,
  messages: JsMsg[],
): Promise<number> {
  const written = await writeRelayed(ctx, transport.stream, messages);
  for (const m of messages) m.ack();
  return written;
}

/**
 * The worker's relay: takes batches from the stream and writes them to the log, calling
 * `onRelayed` (the worker's wake-up) after each. A batch that cannot be written is handed back
 * (`nak`) and taken again after a second; it is never acknowledged unwritten.
 */
export function startRelay(
  ctx: AppContext,
  transport: IngestTransport,
  options: { batchSize?: number; onRelayed?: () => void } = {},
): { stop(): Promise<void> } {
  const batchSize = options.batchSize ?? 500;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      let batch: JsMsg[] = [];
      try {
        batch = await transport.take(batchSize, 1000);
        if (batch.length === 0) continue;
        await relayToLog(ctx, transport, batch);
        options.onRelayed?.();
      } catch (err) {
        if (stopped) break;
        ctx.log.error({ err, messages: batch.length }, 'relaying from JetStream failed; retrying');
        for (const m of batch) m.nak(1000);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
