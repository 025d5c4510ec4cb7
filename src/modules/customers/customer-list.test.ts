import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { newId } from '../../ids.ts';
import { seededRandom } from '../../random.ts';
import { type CustomerSort, customerSorts, listCustomers } from './service.ts';

const t = setupTestDatabase();

type Stats = { influence: number | null; followers: number | null; mentions: number; last: string | null };

async function insertCustomer(workspaceId: string, name: string, mergedInto: string | null = null) {
  const now = t.ctx.now().toISOString();
  const id = newId(t.ctx.now());
  await t.ctx.db
    .insertInto('customers')
    .values({
      id,
      workspace_id: workspaceId,
      display_name: name,
      primary_email: null,
      avatar_url: null,
      bio: null,
      attributes: t.ctx.dialect.toJson({}),
      merged_into: mergedInto,
      website_domain: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return id;
}

async function insertStats(workspaceId: string, customerId: string, s: Stats) {
  await t.ctx.db
    .insertInto('customer_stats')
    .values({
      customer_id: customerId,
      workspace_id: workspaceId,
      mentions: s.mentions,
      positive: 0,
      negative: 0,
      neutral: s.mentions,
      followers: s.followers,
      influence: s.influence,
      last_mention_at: s.last,
      last_positive_at: null,
      last_negative_at: null,
      intent_purchase_intent: 0,
      intent_complaint: 0,
      intent_support_question: 0,
      intent_praise: 0,
      intent_idea: 0,
      intent_churn_risk: 0,
      intent_spam: 0,
      computed_at: t.ctx.now().toISOString(),
    })
    .execute();
}

/**
 * 40 customers whose figures repeat (so ties are ordered by id) and are often missing: some have
 * statistics with empty figures, some no statistics row at all (not yet counted).
 */
async function generated() {
  const ws = await buildWorkspace(t.ctx);
  const rnd = seededRandom(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  const expected: { id: string; name: string; stats: Stats | null }[] = [];
  for (let i = 0; i < 40; i++) {
    const name = i % 3 === 0 ? `Maya ${i}` : `Customer ${i}`;
    const id = await insertCustomer(ws.id, name);
    const stats: Stats | null =
      i % 7 === 3
        ? null
        : {
            influence: pick([null, 12.5, 40, 40, 77.25]),
            followers: pick([null, 0, 150, 150, 2400]),
            mentions: pick([0, 1, 1, 5]),
            last: pick([
              null,
              '2026-11-20T08:00:00.000Z',
              '2026-11-22T17:30:00.000Z',
              '2026-11-22T17:30:00.000Z',
            ]),
          };
    if (stats) await insertStats(ws.id, id, stats);
    expected.push({ id, name, stats });
  }
  // Neither a customer merged into another nor another workspace's customer is listed.
  const into = expected[0]?.id ?? '';
  const merged = await insertCustomer(ws.id, 'Maya merged', into);
  await insertStats(ws.id, merged, {
    influence: 99,
    followers: 99_999,
    mentions: 9,
    last: '2026-11-23T00:00:00.000Z',
  });
  const other = await buildWorkspace(t.ctx);
  const stranger = await insertCustomer(other.id, 'Maya elsewhere');
  await insertStats(other.id, stranger, {
    influence: 99,
    followers: 99_999,
    mentions: 9,
    last: '2026-11-23T00:00:00.000Z',
  });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  return { ws, agent, expected };
}

/** The order a person would expect, written out plainly: highest first, missing last, ties by newest id. */
function referenceOrder(rows: { id: string; stats: Stats | null }[], sort: CustomerSort): string[] {
  const byIdDesc = (a: { id: string }, b: { id: string }) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  if (sort === 'newest') return [...rows].sort(byIdDesc).map((r) => r.id);
  const value = (r: { stats: Stats | null }): number | string | null => {
    const s = r.stats;
    if (!s) return null;
    return sort === 'recent'
      ? s.last
      : sort === 'influence'
        ? s.influence
        : sort === 'followers'
          ? s.followers
          : s.mentions;
  };
  return [...rows]
    .sort((a, b) => {
      const x = value(a);
      const y = value(b);
      if (x === null || y === null) return x === y ? byIdDesc(a, b) : x === null ? 1 : -1;
      return x < y ? 1 : x > y ? -1 : byIdDesc(a, b);
    })
    .map((r) => r.id);
}

describe('the customer list in each order', () => {
  it('pages every order exactly as the reference order, with ties and missing figures, three at a time', async () => {
    const { agent, expected } = await generated();
    for (const sort of customerSorts) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listCustomers(t.ctx, agent.actor, { limit: 3, cursor, sort });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(seen, sort).toEqual(referenceOrder(expected, sort));
    }
  });

  it('keeps the order when searching', async () => {
    const { agent, expected } = await generated();
    const mayas = expected.filter((c) => c.name.startsWith('Maya'));
    for (const sort of ['influence', 'recent'] as const) {
      const page = await listCustomers(t.ctx, agent.actor, { limit: 50, search: 'maya', sort });
      expect(page.items.map((c) => c.id)).toEqual(referenceOrder(mayas, sort));
    }
  });

  it('takes the order through HTTP and answers 400 for an unknown order or a forged cursor', async () => {
    const { agent, expected } = await generated();
    const token = await buildToken(t.ctx, agent);
    const app = createApp(t.ctx);
    const res = await call(app, 'GET', '/api/v1/customers?sort=followers&limit=5', undefined, {
      bearer: token,
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
    expect(page.items.map((c) => c.id)).toEqual(referenceOrder(expected, 'followers').slice(0, 5));
    const next = await call(
      app,
      'GET',
      `/api/v1/customers?sort=followers&limit=5&cursor=${encodeURIComponent(page.nextCursor ?? '')}`,
      undefined,
      { bearer: token },
    );
    expect(((await next.json()) as { items: { id: string }[] }).items.map((c) => c.id)).toEqual(
      referenceOrder(expected, 'followers').slice(5, 10),
    );
    const unknown = await call(app, 'GET', '/api/v1/customers?sort=name', undefined, { bearer: token });
    expect(unknown.status).toBe(400);
    const forged = Buffer.from(JSON.stringify([JSON.stringify([{}, 'x'])])).toString('base64url');
    const bad = await call(app, 'GET', `/api/v1/customers?sort=influence&cursor=${forged}`, undefined, {
      bearer: token,
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });
});
