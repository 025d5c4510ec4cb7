import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { WorkspaceView } from '../auth/schema.ts';
import {
  listQuarantine,
  quarantineFacets,
  resolveQuarantined,
  resolveQuarantinedMany,
} from './quarantine.ts';
import { QUARANTINE_BULK_LIMIT } from './quarantine-schema.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

type Item = {
  stage?: string;
  reason?: string;
  connectorId?: string | null;
  payload?: string;
  format?: string;
};

/** Puts items straight into the quarantine, as the worker does, and returns their ids in order. */
async function quarantine(ws: WorkspaceView, items: Item[]): Promise<number[]> {
  const rows = await t.ctx.db
    .insertInto('quarantine')
    .values(
      items.map((i, n) => ({
        workspace_id: ws.id,
        log_id: null,
        connector_id: i.connectorId === undefined ? 'conn-a' : i.connectorId,
        format: i.format ?? 'generic',
        stage: i.stage ?? 'normalize',
        reason: i.reason ?? 'text: required',
        payload: i.payload ?? `{"n":${n}}`,
        status: 'open' as const,
        created_at: t.clock.now().toISOString(),
        resolved_at: null,
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const many = (n: number, item: Item = {}) => Array.from({ length: n }, () => item);

const post = (externalId: string) =>
  JSON.stringify({
    channel: 'reviews',
    externalId,
    text: `Review ${externalId}`,
    author: { externalId: 'r-1', handle: 'reviewer' },
  });

async function logCount(ws: WorkspaceView): Promise<number> {
  const row = await t.ctx.db
    .selectFrom('ingest_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', ws.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe('quarantine list', () => {
  it('pages through every open item newest first with the total matching on each page, narrowed by stage, connector (or none) and reason', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'manager' });
    const normalize = await quarantine(ws, many(230));
    const analyze = await quarantine(ws, many(15, { stage: 'analyze', reason: 'model failed' }));
    const imported = await quarantine(ws, many(5, { connectorId: null, reason: 'bad date' }));
    const other = await buildWorkspace(t.ctx);
    await quarantine(other, many(7));

    const seen: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await listQuarantine(t.ctx, actor, { limit: 100, cursor });
      expect(page.total).toBe(250);
      seen.push(...page.items.map((i) => i.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([...normalize, ...analyze, ...imported].sort((a, b) => b - a));

    const byStage = await listQuarantine(t.ctx, actor, { limit: 10, stage: 'analyze' });
    expect(byStage.total).toBe(15);
    expect(byStage.items.map((i) => i.id)).toEqual(analyze.slice(-10).reverse());
    const none = await listQuarantine(t.ctx, actor, { limit: 50, connectorId: 'none' });
    expect(none).toMatchObject({ total: 5, nextCursor: null });
    expect(none.items.map((i) => i.id)).toEqual([...imported].reverse());
    expect((await listQuarantine(t.ctx, actor, { limit: 50, connectorId: 'conn-a' })).total).toBe(245);
    expect(
      (await listQuarantine(t.ctx, actor, { limit: 50, reason: 'bad date', stage: 'analyze' })).total,
    ).toBe(0);
    expect((await listQuarantine(t.ctx, actor, { limit: 50, status: 'dropped' })).total).toBe(0);
  });

  it('counts the items by stage, connector and reason, each under the other filters given', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    await quarantine(ws, many(4));
    await quarantine(ws, many(3, { stage: 'analyze', reason: 'model failed' }));
    await quarantine(ws, many(2, { connectorId: null, reason: 'bad date' }));

    expect(await quarantineFacets(t.ctx, actor, {})).toEqual({
      total: 9,
      stages: [
        { value: 'normalize', count: 6 },
        { value: 'analyze', count: 3 },
      ],
      connectors: [
        { value: 'conn-a', count: 7 },
        { value: null, count: 2 },
      ],
      reasons: [
        { value: 'text: required', count: 4 },
        { value: 'model failed', count: 3 },
        { value: 'bad date', count: 2 },
      ],
    });
    const inAnalyze = await quarantineFacets(t.ctx, actor, { stage: 'analyze' });
    expect(inAnalyze.total).toBe(9);
    // The stages are still all offered; connectors and reasons are those of the chosen stage.
    expect(inAnalyze.stages).toHaveLength(2);
    expect(inAnalyze.connectors).toEqual([{ value: 'conn-a', count: 3 }]);
    expect(inAnalyze.reasons).toEqual([{ value: 'model failed', count: 3 }]);
  });
});

describe('quarantine bulk retry and drop', () => {
  it('retries the open items listed by id back into the ingest log, leaving resolved items and those of another workspace alone', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'manager' });
    const [a, b, c] = await quarantine(ws, [
      { payload: post('q-1') },
      { payload: post('q-2') },
      { payload: post('q-3') },
    ]);
    const other = await buildWorkspace(t.ctx);
    const [foreign] = await quarantine(other, [{ payload: post('x-1') }]);
    await resolveQuarantinedMany(t.ctx, actor, 'drop', { ids: [c as number] });

    const result = await resolveQuarantinedMany(t.ctx, actor, 'retry', {
      ids: [a, b, c, foreign] as number[],
    });
    expect(result).toEqual({ resolved: 2, ids: [a, b], remaining: 0 });
    expect(await logCount(ws)).toBe(2);
    expect(await logCount(other)).toBe(0);
    const page = await listQuarantine(t.ctx, actor, { limit: 50, status: 'retried' });
    expect(page.items.map((i) => i.id)).toEqual([b, a]);
    expect((await listQuarantine(t.ctx, actor, { limit: 50, status: 'dropped' })).total).toBe(1);

    // The pipeline takes them in again: now they are stored.
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const stored = await t.ctx.db
      .selectFrom('mentions')
      .select('external_id')
      .where('workspace_id', '=', ws.id)
      .orderBy('external_id')
      .execute();
    expect(stored.map((m) => m.external_id)).toEqual(['q-1', 'q-2']);
  });

  it(`drops the open items matching a filter up to the id confirmed, ${QUARANTINE_BULK_LIMIT} a request, saying how many remain`, async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    const normalize = await quarantine(ws, many(QUARANTINE_BULK_LIMIT + 20));
    const analyze = await quarantine(ws, many(3, { stage: 'analyze' }));
    const maxId = Math.max(...analyze);
    // Quarantined after the person confirmed: not theirs to drop.
    const later = await quarantine(ws, many(2));

    const first = await resolveQuarantinedMany(t.ctx, actor, 'drop', {
      filter: { stage: 'normalize', maxId },
    });
    expect(first.resolved).toBe(QUARANTINE_BULK_LIMIT);
    expect(first.ids).toEqual(normalize.slice(0, QUARANTINE_BULK_LIMIT));
    expect(first.remaining).toBe(20);
    const second = await resolveQuarantinedMany(t.ctx, actor, 'drop', {
      filter: { stage: 'normalize', maxId },
    });
    expect(second).toEqual({ resolved: 20, ids: normalize.slice(QUARANTINE_BULK_LIMIT), remaining: 0 });

    const open = await listQuarantine(t.ctx, actor, { limit: 50 });
    expect(open.items.map((i) => i.id).sort((a, b) => a - b)).toEqual([...analyze, ...later]);
    expect(await logCount(ws)).toBe(0);
  });

  it('never takes an item twice when two requests retry the same filter at once', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    const ids = await quarantine(
      ws,
      Array.from({ length: 40 }, (_, n) => ({ payload: post(`c-${n}`) })),
    );
    const results = await Promise.all(
      [1, 2, 3].map(() => resolveQuarantinedMany(t.ctx, actor, 'retry', { filter: {} })),
    );
    const taken = results.flatMap((r) => r.ids).sort((a, b) => a - b);
    expect(taken).toEqual(ids);
    expect(await logCount(ws)).toBe(40);
  });

  it('leaves an item of a format no longer read open on a retry, for a drop', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    const [known, unknown] = await quarantine(ws, [{ payload: post('k-1') }, { format: 'gone' }]);
    expect(await resolveQuarantinedMany(t.ctx, actor, 'retry', { filter: {} })).toEqual({
      resolved: 1,
      ids: [known],
      remaining: 0,
    });
    expect(await resolveQuarantinedMany(t.ctx, actor, 'drop', { filter: {} })).toEqual({
      resolved: 1,
      ids: [unknown],
      remaining: 0,
    });
  });
});

describe('quarantine audit', () => {
  it('records who dropped or retried which items, one entry per request, and nothing for a request that took none', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    const [one, two, three] = await quarantine(ws, [
      { reason: 'text: required' },
      { payload: post('a-1') },
      { payload: post('a-2') },
    ]);
    await resolveQuarantined(t.ctx, actor, one as number, 'drop');
    await resolveQuarantinedMany(t.ctx, actor, 'retry', { ids: [two as number, three as number] });
    await resolveQuarantinedMany(t.ctx, actor, 'drop', { ids: [two as number] });

    const entries = await t.ctx.db
      .selectFrom('audit_log')
      .select(['actor_user_id', 'action', 'target_type', 'target_id', 'details'])
      .where('workspace_id', '=', ws.id)
      .where('target_type', '=', 'quarantine')
      .orderBy('id')
      .execute();
    expect(entries.map((e) => [e.actor_user_id, e.action, e.target_type, e.target_id])).toEqual([
      [actor.userId, 'quarantine.dropped', 'quarantine', String(one)],
      [actor.userId, 'quarantine.retried', 'quarantine', '2 items'],
    ]);
    expect(t.ctx.dialect.parseJson(entries[0]?.details ?? '{}')).toEqual({
      stage: 'normalize',
      reason: 'text: required',
    });
    expect(t.ctx.dialect.parseJson(entries[1]?.details ?? '{}')).toEqual({ ids: [two, three] });
  });
});

describe('quarantine HTTP', () => {
  it('serves the total, the facets and bulk actions by ids or filter to managers, refusing agents and a request with both or neither', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const ids = await quarantine(ws, [...many(3), ...many(2, { stage: 'analyze' })]);

    const list = await call(app(), 'GET', '/api/v1/quarantine?stage=normalize&limit=2', undefined, {
      bearer: manager,
    });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: { id: number }[]; total: number; nextCursor: string | null };
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();

    const facets = await call(app(), 'GET', '/api/v1/quarantine/facets', undefined, { bearer: manager });
    expect(facets.status).toBe(200);
    expect(((await facets.json()) as { total: number }).total).toBe(5);

    const both = await call(
      app(),
      'POST',
      '/api/v1/quarantine/drop',
      { ids: [ids[0]], filter: {} },
      {
        bearer: manager,
      },
    );
    expect(both.status).toBe(400);
    expect((await call(app(), 'POST', '/api/v1/quarantine/drop', {}, { bearer: manager })).status).toBe(400);
    const tooMany = Array.from({ length: QUARANTINE_BULK_LIMIT + 1 }, (_, n) => n + 1);
    expect(
      (await call(app(), 'POST', '/api/v1/quarantine/drop', { ids: tooMany }, { bearer: manager })).status,
    ).toBe(400);

    for (const path of ['/api/v1/quarantine/facets', '/api/v1/quarantine'])
      expect((await call(app(), 'GET', path, undefined, { bearer: agent })).status).toBe(403);
    expect(
      (await call(app(), 'POST', '/api/v1/quarantine/retry', { filter: {} }, { bearer: agent })).status,
    ).toBe(403);

    const dropped = await call(
      app(),
      'POST',
      '/api/v1/quarantine/drop',
      { filter: { stage: 'analyze' } },
      { bearer: manager },
    );
    expect(dropped.status).toBe(200);
    expect(await dropped.json()).toEqual({ resolved: 2, ids: ids.slice(3), remaining: 0 });
    const single = await call(app(), 'POST', `/api/v1/quarantine/${ids[0]}/drop`, undefined, {
      bearer: manager,
    });
    expect(single.status).toBe(200);

    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    for (const path of ['/api/v1/quarantine/retry', '/api/v1/quarantine/drop', '/api/v1/quarantine/facets'])
      expect(doc.paths[path], path).toBeDefined();
    expect(doc.paths['/api/v1/quarantine']?.get).toBeDefined();
  });
});
