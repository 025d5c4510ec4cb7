import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { trainClassifier } from './classifier.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

/** A small travel-support classifier with out-of-scope examples, trained in the test. */
function smallModel() {
  const examples = [
    ...[
      'where is my suitcase',
      'my bag did not arrive',
      'lost luggage at the airport',
      'baggage never showed up',
      'my luggage is missing',
      'the carousel had no bags for our flight',
      'suitcase lost on connection',
      'bag delayed again',
      'still no sign of my luggage',
      'they lost my checked bag',
    ].map((text) => ({ text, label: 'baggage' })),
    ...[
      'I want my money back',
      'refund for the cancelled flight',
      'when will the refund arrive',
      'please refund my ticket',
      'still waiting for a refund',
      'how do I get reimbursed',
      'refund request for booking',
      'money back for the trip',
      'the refund never came',
      'cancelled flight refund please',
    ].map((text) => ({ text, label: 'refund' })),
    ...[
      'what is the weather like',
      'tell me a joke',
      'who won the match',
      'play some music',
      'what time is it in tokyo',
      'recipe for pancakes',
      'how tall is everest',
      'set an alarm',
      'best pizza nearby',
      'translate hello',
    ].map((text) => ({ text, label: 'oos' })),
  ];
  return trainClassifier(examples, { name: 'support-topics', seed: 1 });
}

async function workspaceWithTokens() {
  const ws = await buildWorkspace(t.ctx);
  const manager = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'manager' }));
  const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
  return { ws, manager, agent };
}

describe('analysis API', () => {
  it('analyses a text with explanations for any signed-in role, and refuses anonymous callers', async () => {
    const { agent } = await workspaceWithTokens();
    const res = await call(
      app(),
      'POST',
      '/api/v1/analysis/analyze',
      { text: 'Been on hold for 2 hours and still no refund. Where is my bag??', authorFollowers: 40_000 },
      { bearer: agent },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      language: string;
      sentiment: { label: string; reasons: string[] };
      intents: { label: string; reasons: string[] }[];
      urgency: { score: number; reasons: string[] };
    };
    expect(body.language).toBe('en');
    expect(body.sentiment.label).toBe('negative');
    expect(body.intents.map((i) => i.label)).toContain('complaint');
    expect(body.intents.find((i) => i.label === 'complaint')?.reasons.length).toBeGreaterThan(0);
    expect(body.urgency.score).toBeGreaterThan(30);
    expect(body.urgency.reasons.join(' ')).toMatch(/complaint/);

    expect((await call(app(), 'POST', '/api/v1/analysis/analyze', { text: 'hi' })).status).toBe(401);
    const bad = await call(app(), 'POST', '/api/v1/analysis/analyze', { text: '' }, { bearer: agent });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('lets a manager create, change and delete topics; an agent may only read them', async () => {
    const { manager, agent } = await workspaceWithTokens();
    const created = await call(
      app(),
      'POST',
      '/api/v1/analysis/topics',
      { name: 'Baggage', keywords: ['lost luggage', 'bag*'], examples: ['my suitcase never arrived'] },
      { bearer: manager },
    );
    expect(created.status).toBe(201);
    const topic = (await created.json()) as { id: string; keywords: string[]; enabled: boolean };
    expect(topic).toMatchObject({ keywords: ['lost luggage', 'bag*'], enabled: true });

    const denied = await call(
      app(),
      'POST',
      '/api/v1/analysis/topics',
      { name: 'X', keywords: ['x'] },
      { bearer: agent },
    );
    expect(denied.status).toBe(403);
    const empty = await call(
      app(),
      'POST',
      '/api/v1/analysis/topics',
      { name: 'Empty' },
      { bearer: manager },
    );
    expect(empty.status).toBe(400);

    const patched = await call(
      app(),
      'PATCH',
      `/api/v1/analysis/topics/${topic.id}`,
      { keywords: ['baggage'], enabled: false },
      { bearer: manager },
    );
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ keywords: ['baggage'], enabled: false });

    const list = await call(app(), 'GET', '/api/v1/analysis/topics', undefined, { bearer: agent });
    expect(((await list.json()) as { items: unknown[] }).items).toHaveLength(1);
    expect(
      (await call(app(), 'DELETE', `/api/v1/analysis/topics/${topic.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(204);
    expect(
      (await call(app(), 'DELETE', `/api/v1/analysis/topics/${topic.id}`, undefined, { bearer: manager }))
        .status,
    ).toBe(404);
  });

  it('keeps topics and classifiers of one workspace out of another', async () => {
    const a = await workspaceWithTokens();
    const b = await workspaceWithTokens();
    const created = await call(
      app(),
      'POST',
      '/api/v1/analysis/topics',
      { name: 'A only', keywords: ['a'] },
      { bearer: a.manager },
    );
    const { id } = (await created.json()) as { id: string };
    const list = await call(app(), 'GET', '/api/v1/analysis/topics', undefined, { bearer: b.agent });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    expect(
      (await call(app(), 'PATCH', `/api/v1/analysis/topics/${id}`, { name: 'mine' }, { bearer: b.manager }))
        .status,
    ).toBe(404);
  });

  it('accepts a trained classifier model, rejects a file that is not one, and lists it without weights', async () => {
    const { manager, agent } = await workspaceWithTokens();
    const bad = await call(
      app(),
      'POST',
      '/api/v1/analysis/classifiers',
      { name: 'Broken', model: { format: 'something-else' } },
      { bearer: manager },
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /Not a classifier model/,
    );

    const created = await call(
      app(),
      'POST',
      '/api/v1/analysis/classifiers',
      { name: 'Support topics', model: smallModel() },
      { bearer: manager },
    );
    expect(created.status).toBe(201);
    const view = (await created.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ name: 'Support topics', labels: ['baggage', 'refund'], enabled: true });
    expect(view).not.toHaveProperty('model');

    const list = await call(app(), 'GET', '/api/v1/analysis/classifiers', undefined, { bearer: agent });
    expect(((await list.json()) as { items: { name: string }[] }).items.map((c) => c.name)).toEqual([
      'Support topics',
    ]);
    expect(
      (await call(app(), 'DELETE', `/api/v1/analysis/classifiers/${view.id}`, undefined, { bearer: agent }))
        .status,
    ).toBe(403);
  });

  it('stores language, sentiment, intents, topics, classes and urgency on every mention, filterable', async () => {
    const { ws, manager, agent } = await workspaceWithTokens();
    const topicRes = await call(
      app(),
      'POST',
      '/api/v1/analysis/topics',
      { name: 'Baggage', keywords: ['luggage', 'bag', 'suitcase'] },
      { bearer: manager },
    );
    const topic = (await topicRes.json()) as { id: string };
    const classifierRes = await call(
      app(),
      'POST',
      '/api/v1/analysis/classifiers',
      { name: 'Support topics', model: smallModel() },
      { bearer: manager },
    );
    const classifier = (await classifierRes.json()) as { id: string };

    const post = (externalId: string, text: string, followers: number) => ({
      channel: 'webhook',
      externalId,
      text,
      createdAt: '2026-11-23T08:00:00.000Z',
      author: { externalId: `a-${externalId}`, handle: `h${externalId}`, followers },
    });
    await appendToLog(
      t.ctx,
      [
        post('1', 'They lost my luggage again and nobody answers. Where is my bag??', 52_000),
        post('2', 'Thanks, lovely crew on the flight to Lisbon today!', 120),
        post('3', '¿Cuánto cuesta el plan familiar para cuatro personas?', 40),
      ].map((p) => ({
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify(p),
      })),
    );
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }

    const all = await call(app(), 'GET', '/api/v1/mentions?limit=10', undefined, { bearer: agent });
    const mentions = (
      (await all.json()) as {
        items: {
          externalId: string;
          language: string;
          sentiment: string;
          intents: string[];
          topicIds: string[];
          urgency: number;
          analysis: { classifiers: { label: string }[]; urgency: { reasons: string[] } };
        }[];
      }
    ).items;
    const byId = new Map(mentions.map((m) => [m.externalId, m]));
    const lost = byId.get('1');
    expect(lost).toMatchObject({ language: 'en', sentiment: 'negative', topicIds: [topic.id] });
    expect(lost?.intents).toContain('complaint');
    expect(lost?.analysis.classifiers[0]?.label).toBe('baggage');
    expect(lost?.analysis.urgency.reasons.join(' ')).toMatch(/52k|followers/);
    const thanks = byId.get('2');
    expect(thanks).toMatchObject({ sentiment: 'positive', topicIds: [] });
    expect(thanks?.intents).toContain('praise');
    expect((thanks?.urgency ?? 100) < (lost?.urgency ?? 0)).toBe(true);
    // A Spanish question with no sentiment word: read with the Spanish lexicon, neutral.
    expect(byId.get('3')).toMatchObject({ language: 'es', sentiment: 'neutral' });

    const filtered = async (query: string) =>
      (
        (await (
          await call(app(), 'GET', `/api/v1/mentions?${query}`, undefined, { bearer: agent })
        ).json()) as {
          items: { externalId: string }[];
        }
      ).items.map((m) => m.externalId);
    expect(await filtered(`topic=${topic.id}`)).toEqual(['1']);
    expect(await filtered(`class=${classifier.id}:baggage`)).toEqual(['1']);
    expect(await filtered('intent=praise')).toEqual(['2']);
    expect(await filtered(`minUrgency=${lost?.urgency}`)).toContain('1');
    expect(await filtered(`minUrgency=${lost?.urgency}`)).not.toContain('2');
  });
});
