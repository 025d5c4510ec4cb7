import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import { createApp } from '../../http/app.ts';
import { csvFromFile } from '../../pipeline/csv.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { createLead, updateLead } from '../sales/leads.ts';
import { recordConsent } from './consents.ts';
import { eraseCustomer } from './erasure.ts';
import {
  createCustomer,
  customerTimeline,
  getCustomer,
  listCustomers,
  mergeCustomers,
  unmergeCustomers,
} from './service.ts';
import { importTransactions } from './transactions-import.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

async function workspace() {
  const ws = await buildWorkspace(t.ctx);
  const admin = await buildUser(t.ctx, ws, { role: 'admin' });
  const tokens = {
    admin: await buildToken(t.ctx, admin),
    agent: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' })),
    moderator: await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' })),
  };
  const ana = await createCustomer(t.ctx, admin.actor, {
    displayName: 'Ana Ruiz',
    email: `ana-${ws.id}@example.test`,
    verified: true,
  });
  const ben = await createCustomer(t.ctx, admin.actor, {
    displayName: 'Ben Okafor',
    email: `ben-${ws.id}@example.test`,
    verified: false,
  });
  // Behaviour events are shown only with a profiling consent (tested on its own below).
  for (const c of [ana, ben]) await profiling(admin.actor, c.id);
  return { ws, actor: admin.actor, ana, ben, ...tokens };
}

async function profiling(actor: Actor, customerId: string, status: 'granted' | 'withdrawn' = 'granted') {
  await recordConsent(t.ctx, actor, customerId, {
    purpose: 'profiling',
    channel: 'any',
    status,
    source: 'test',
  });
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

type Tx = {
  id: string;
  externalId: string | null;
  amountMinor: number;
  currency: string;
  customerId: string;
};
type Ev = { id: string; name: string; customerId: string; identity: { kind: string; value: string } };
type Page<T> = { items: T[]; nextCursor: string | null };

describe('transactions', () => {
  it('rejects invalid transactions with 400 naming the field', async () => {
    const { ana, agent } = await workspace();
    const post = (body: unknown) =>
      call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, body, { bearer: agent });
    const base = { amount: '12.50', currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z' };
    const cases: [unknown, string][] = [
      [{ ...base, currency: 'EURO' }, 'currency'],
      [{ ...base, currency: 'XYZ' }, 'currency'],
      [{ ...base, amount: '12.505' }, 'amount'],
      [{ ...base, amount: 'twelve' }, 'amount'],
      [{ ...base, amount: undefined }, 'amount'],
      [{ ...base, amountMinor: 1250 }, 'amount'],
      [{ ...base, occurredAt: 'yesterday' }, 'occurredAt'],
      [{ ...base, kind: 'gift' }, 'kind'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      const err = await json<{ error: { code: string; details: { fields: { path: string }[] } } }>(res, 400);
      expect(err.error.details.fields.map((f) => f.path)).toContain(field);
    }
    const yen = await json<Tx>(
      await post({ amount: '500', currency: 'jpy', occurredAt: '2026-11-20T10:00:00+09:00' }),
      201,
    );
    expect([yen.amountMinor, yen.currency]).toEqual([500, 'JPY']);
  });

  it('says why an amount is refused, once, and refuses a negative one pointing to refunds', async () => {
    const { ana, agent, actor } = await workspace();
    const post = (body: unknown) =>
      call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, body, { bearer: agent });
    const base = { currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z' };
    const refund = /^must not be negative: record money given back as kind "refund" with a positive amount$/;
    const cases: [unknown, string, RegExp][] = [
      [
        { ...base, amount: '1e3' },
        'amount',
        /^digits with an optional decimal point, such as 12\.50 \(no exponent/,
      ],
      [
        { ...base, amount: '99999999999999999999.99' },
        'amount',
        /^too large: at most 90071992547409\.91 EUR$/,
      ],
      [{ ...base, amount: '12.505' }, 'amount', /^at most 2 decimals for EUR$/],
      [{ ...base, currency: 'JPY', amount: '12.5' }, 'amount', /^no decimals for JPY$/],
      [{ ...base, amount: '-5' }, 'amount', refund],
      [{ ...base, kind: 'refund', amount: '-5' }, 'amount', refund],
      [{ ...base, amountMinor: -500 }, 'amountMinor', refund],
      [{ ...base, amountMinor: 2 ** 60 }, 'amountMinor', /^too large: at most 9007199254740991 minor units$/],
      [{ ...base, amountMinor: 12.5 }, 'amountMinor', /^a whole number of minor units/],
    ];
    for (const [body, path, message] of cases) {
      const err = await json<{ error: { details: { fields: { path: string; message: string }[] } } }>(
        await post(body),
        400,
      );
      expect(err.error.details.fields, JSON.stringify(body)).toEqual([
        { path, message: expect.stringMatching(message) },
      ]);
    }
    const returned = await json<Tx>(await post({ ...base, kind: 'refund', amount: '5' }), 201);
    expect(returned.amountMinor).toBe(500);
    expect((await getCustomer(t.ctx, actor, ana.id)).transactions.totalsByCurrency).toEqual([
      { currency: 'EUR', amountMinor: -500 },
    ]);

    // The CSV import reads amounts the same way and names the column.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-tx-')), 'orders.csv');
    writeFileSync(
      file,
      ['email,amount,currency,occurred_at', `${ana.primaryEmail},-5,EUR,2026-11-01T10:00:00Z`].join('\n'),
    );
    const summary = await importTransactions(t.ctx, actor, { source: await csvFromFile(file) });
    expect(summary.rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^amount: must not be negative/) },
    ]);
  });

  it('is idempotent on externalId: 201 the first time, 200 with the same transaction after', async () => {
    const { ana, agent } = await workspace();
    const body = {
      externalId: 'order-1001',
      amount: '12.5',
      currency: 'EUR',
      occurredAt: '2026-11-20T10:00:00Z',
    };
    const first = await json<Tx>(
      await call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, body, { bearer: agent }),
      201,
    );
    expect(first.amountMinor).toBe(1250);
    const again = await json<Tx>(
      await call(
        app(),
        'POST',
        `/api/v1/customers/${ana.id}/transactions`,
        { ...body, amount: '99' },
        { bearer: agent },
      ),
      200,
    );
    expect(again).toEqual(first);
    const list = await json<Page<Tx>>(
      await call(app(), 'GET', `/api/v1/customers/${ana.id}/transactions`, undefined, { bearer: agent }),
    );
    expect(list.items.map((i) => i.id)).toEqual([first.id]);
  });

  it('pages transactions newest first without gaps or duplicates and sums them on the profile', async () => {
    const { ana, agent } = await workspace();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const tx = await json<Tx>(
        await call(
          app(),
          'POST',
          `/api/v1/customers/${ana.id}/transactions`,
          {
            amountMinor: 1000 + i,
            currency: i % 2 ? 'USD' : 'EUR',
            kind: i === 6 ? 'refund' : 'order',
            // Three share one instant, so the id breaks the tie.
            occurredAt: `2026-11-${10 + Math.min(i, 4)}T08:00:00Z`,
          },
          { bearer: agent },
        ),
        201,
      );
      ids.push(tx.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Tx> = await json<Page<Tx>>(
        await call(
          app(),
          'GET',
          `/api/v1/customers/${ana.id}/transactions?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          undefined,
          { bearer: agent },
        ),
      );
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(ids));
    const profile = await json<{
      transactions: {
        count: number;
        totalsByCurrency: { currency: string; amountMinor: number }[];
        last: Tx[];
      };
    }>(await call(app(), 'GET', `/api/v1/customers/${ana.id}`, undefined, { bearer: agent }));
    expect(profile.transactions.count).toBe(7);
    expect(profile.transactions.totalsByCurrency).toEqual([
      { currency: 'EUR', amountMinor: 1000 + 1002 + 1004 - 1006 },
      { currency: 'USD', amountMinor: 1001 + 1003 + 1005 },
    ]);
    expect(profile.transactions.last).toHaveLength(5);
  });
});

describe('consent: what agents may see', () => {
  it('withholds behaviour events without a profiling consent, shows them with it, and withholds again on withdrawal', async () => {
    const { actor, agent, admin } = await workspace();
    const carla = await createCustomer(t.ctx, actor, {
      displayName: 'Carla',
      email: `carla-${actor.workspaceId}@example.test`,
      verified: false,
    });
    const posted = await json<{ accepted: number }>(
      await call(
        app(),
        'POST',
        '/api/v1/events',
        [
          { name: 'page_view', identity: { kind: 'customer', value: carla.id } },
          { name: 'checkout', identity: { kind: 'customer', value: carla.id } },
        ],
        { bearer: agent },
      ),
    );
    expect(posted.accepted).toBe(2);
    const view = async () => ({
      profile: await getCustomer(t.ctx, actor, carla.id),
      timeline: (await customerTimeline(t.ctx, actor, carla.id, { limit: 50 })).items.map((i) => i.kind),
      list: (await call(app(), 'GET', `/api/v1/customers/${carla.id}/events`, undefined, { bearer: agent }))
        .status,
    });
    let seen = await view();
    expect(seen.profile.events).toEqual({ count: 2, byName: [], withheld: true });
    expect(seen.timeline).not.toContain('event');
    expect(seen.list).toBe(403);
    await profiling(actor, carla.id);
    seen = await view();
    expect(seen.profile.events.withheld).toBe(false);
    expect(seen.profile.events.byName.map((e) => e.name).sort()).toEqual(['checkout', 'page_view']);
    expect(seen.timeline.filter((k) => k === 'event')).toHaveLength(2);
    expect(seen.list).toBe(200);
    await profiling(actor, carla.id, 'withdrawn');
    seen = await view();
    expect(seen.profile.events.withheld).toBe(true);
    expect(seen.list).toBe(403);
    // The person's own export has everything, consent or not.
    const exported = await call(app(), 'GET', `/api/v1/customers/${carla.id}/export`, undefined, {
      bearer: admin,
    });
    expect(((await exported.json()) as { events: unknown[] }).events).toHaveLength(2);
  });
});

describe('events', () => {
  async function withSocialAccount() {
    const w = await workspace();
    await appendToLog(t.ctx, [
      {
        workspaceId: w.ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify({
          channel: 'bluesky',
          externalId: `${w.ws.id}-post`,
          text: 'Loving the new app',
          author: {
            channel: 'bluesky',
            externalId: `did:plc:${w.ws.id}`,
            handle: `kim-${w.ws.id}.bsky.social`,
          },
        }),
      },
    ]);
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    return w;
  }

  it('keys events by email, social account or customer id; rejects unknown social accounts only', async () => {
    const { ws, ana, agent, actor } = await withSocialAccount();
    const newcomer = `new-${ws.id}@example.test`;
    const outcome = await json<{ accepted: number; rejected: { index: number; reason: string }[] }>(
      await call(
        app(),
        'POST',
        '/api/v1/events',
        [
          { name: 'page_view', identity: { kind: 'email', value: ana.primaryEmail?.toUpperCase() } },
          {
            name: 'app_open',
            identity: { kind: 'social', channel: 'bluesky', value: `kim-${ws.id}.bsky.social` },
          },
          { name: 'app_open', identity: { kind: 'social', channel: 'bluesky', value: 'nobody.bsky.social' } },
          {
            name: 'checkout',
            occurredAt: '2026-11-22T12:00:00Z',
            identity: { kind: 'customer', value: ana.id },
          },
          { name: 'signup', properties: { plan: 'pro' }, identity: { kind: 'email', value: newcomer } },
        ],
        { bearer: agent },
      ),
    );
    expect(outcome.accepted).toBe(4);
    expect(outcome.rejected).toEqual([
      { index: 2, reason: expect.stringContaining('nobody.bsky.social'), code: 'not_found' },
    ]);

    const anaEvents = await json<Page<Ev>>(
      await call(app(), 'GET', `/api/v1/customers/${ana.id}/events`, undefined, { bearer: agent }),
    );
    expect(anaEvents.items.map((e) => e.name).sort()).toEqual(['checkout', 'page_view']);
    const onlyCheckout = await json<Page<Ev>>(
      await call(app(), 'GET', `/api/v1/customers/${ana.id}/events?name=checkout`, undefined, {
        bearer: agent,
      }),
    );
    expect(onlyCheckout.items.map((e) => e.identity)).toEqual([{ kind: 'customer', value: ana.id }]);

    const found = await json<Page<{ id: string; primaryEmail: string }>>(
      await call(app(), 'GET', `/api/v1/customers?search=${encodeURIComponent(newcomer)}`, undefined, {
        bearer: agent,
      }),
    );
    expect(found.items).toHaveLength(1);
    await profiling(actor, found.items[0]?.id ?? '');
    const created = await json<{
      identities: { kind: string; source: string; externalId: string }[];
      events: { count: number; byName: { name: string; count: number }[] };
    }>(await call(app(), 'GET', `/api/v1/customers/${found.items[0]?.id}`, undefined, { bearer: agent }));
    expect(created.identities).toEqual([
      expect.objectContaining({ kind: 'email', source: 'api', externalId: newcomer }),
    ]);
    expect(created.events).toEqual({
      count: 1,
      byName: [expect.objectContaining({ name: 'signup', count: 1 })],
      withheld: false,
    });

    const kim = await json<Page<{ id: string }>>(
      await call(app(), 'GET', `/api/v1/customers?search=kim-${ws.id}`, undefined, { bearer: agent }),
    );
    await profiling(actor, kim.items[0]?.id ?? '');
    const kimEvents = await json<Page<Ev>>(
      await call(app(), 'GET', `/api/v1/customers/${kim.items[0]?.id}/events`, undefined, { bearer: agent }),
    );
    expect(kimEvents.items.map((e) => e.name)).toEqual(['app_open']);
  });

  it('answers 422 with the reason when no event can be stored', async () => {
    const { agent } = await workspace();
    const res = await call(
      app(),
      'POST',
      '/api/v1/events',
      { name: 'app_open', identity: { kind: 'social', channel: 'mastodon', value: 'ghost@example.social' } },
      { bearer: agent },
    );
    const body = await json<{ accepted: number; rejected: { index: number; reason: string }[] }>(res, 422);
    expect(body).toEqual({
      accepted: 0,
      rejected: [{ index: 0, reason: expect.stringContaining('ghost@example.social'), code: 'not_found' }],
    });
    const invalid = await call(
      app(),
      'POST',
      '/api/v1/events',
      { name: 'x', identity: { kind: 'social', value: 'a' } },
      { bearer: agent },
    );
    expect(invalid.status).toBe(400);
  });
});

describe('an erased customer', () => {
  it('refuses transactions and events about them with 409 conflict, as PATCH does, and stores nothing', async () => {
    const { ws, actor, ana, ben, agent } = await workspace();
    const alias = await createCustomer(t.ctx, actor, {
      displayName: 'Ana at work',
      email: `ana-work-${ws.id}@example.test`,
      verified: false,
    });
    await mergeCustomers(t.ctx, actor, { intoId: ana.id, fromId: alias.id });
    await eraseCustomer(t.ctx, actor, ana.id, { reason: 'GDPR art. 17 request #1' });
    const stored = async () => {
      const count = async (table: 'customer_transactions' | 'customer_events') =>
        Number(
          (
            await t.ctx.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('customer_id', 'in', [ana.id, alias.id])
              .executeTakeFirstOrThrow()
          ).n,
        );
      return [await count('customer_transactions'), await count('customer_events')];
    };
    const before = await stored();

    const patch = await json<{ error: { code: string } }>(
      await call(app(), 'PATCH', `/api/v1/customers/${ana.id}`, { bio: 'x' }, { bearer: agent }),
      409,
    );
    const order = { amount: '12.50', currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z' };
    const refused = await json<{ error: { code: string; message: string } }>(
      await call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, order, { bearer: agent }),
      409,
    );
    expect(refused.error.code).toBe(patch.error.code);
    expect(refused.error.message).toMatch(/was erased and cannot be changed/);

    // Keyed by the erased customer's id, or by the id of a customer merged into them.
    const events = await json<{
      accepted: number;
      rejected: { index: number; reason: string; code: string }[];
    }>(
      await call(
        app(),
        'POST',
        '/api/v1/events',
        [
          { name: 'page_view', identity: { kind: 'customer', value: ana.id } },
          { name: 'page_view', identity: { kind: 'customer', value: ben.id } },
          { name: 'page_view', identity: { kind: 'customer', value: alias.id } },
        ],
        { bearer: agent },
      ),
    );
    expect(events).toEqual({
      accepted: 1,
      rejected: [
        { index: 0, reason: expect.stringMatching(/was erased and cannot be changed/), code: 'conflict' },
        { index: 2, reason: expect.stringMatching(/was erased and cannot be changed/), code: 'conflict' },
      ],
    });
    const alone = await json<{ rejected: { code: string }[] }>(
      await call(
        app(),
        'POST',
        '/api/v1/events',
        { name: 'page_view', identity: { kind: 'customer', value: ana.id } },
        { bearer: agent },
      ),
      422,
    );
    expect(alone.rejected.map((r) => r.code)).toEqual(['conflict']);
    expect(await stored()).toEqual(before);
  });

  it('reports a CSV line whose address belongs to an erased customer and imports the others', async () => {
    const { ws, actor, ana, ben } = await workspace();
    const address = `ana-${ws.id}@example.test`;
    await eraseCustomer(t.ctx, actor, ana.id, { reason: 'GDPR art. 17 request #2' });
    // An erasure deletes the person's identities; an email identity still naming them is what a
    // write racing the erasure would meet.
    await t.ctx.db
      .insertInto('identities')
      .values({
        id: `${ana.id}-late`,
        workspace_id: ws.id,
        customer_id: ana.id,
        kind: 'email',
        channel: 'email',
        external_id: address,
        handle: address,
        handle_key: null,
        author_id: null,
        verified: 0,
        source: 'import',
        created_at: t.clock.now().toISOString(),
      })
      .execute();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-tx-')), 'orders.csv');
    writeFileSync(
      file,
      [
        'external_id,email,amount,currency,occurred_at',
        `E-1,${address},19.90,EUR,2026-11-01T10:00:00Z`,
        `E-2,${ben.primaryEmail},5.00,EUR,2026-11-02T10:00:00Z`,
      ].join('\n'),
    );
    const summary = await importTransactions(t.ctx, actor, { source: await csvFromFile(file) });
    expect(summary).toMatchObject({ read: 2, imported: 1, customersCreated: 0 });
    expect(summary.rejected).toEqual([
      { line: 2, reason: expect.stringMatching(/^email: Customer .* was erased and cannot be changed/) },
    ]);
    const onAna = await t.ctx.db
      .selectFrom('customer_transactions')
      .select('id')
      .where('customer_id', '=', ana.id)
      .execute();
    expect(onAna).toEqual([]);
  });
});

describe('event validation', () => {
  it('answers 400 naming the field of a malformed event and what it expects', async () => {
    const { ana, agent } = await workspace();
    const good = { name: 'page_view', identity: { kind: 'customer', value: ana.id } };
    const cases: [unknown, string, RegExp][] = [
      [{ name: 'page_view' }, 'identity', /^required: \{kind, value\} naming who the event is about$/],
      [
        { ...good, identity: { kind: 'fax', value: '+1 555' } },
        'identity.kind',
        /^one of email, social or customer$/,
      ],
      [{ ...good, identity: { kind: 'email' } }, 'identity.value', /^required: the email address/],
      [{ ...good, properties: 'str' }, 'properties', /^an object of named values/],
      [{ ...good, name: '' }, 'name', /^required: the event name/],
      [{ ...good, occurredAt: 42 }, 'occurredAt', /^an ISO-8601 date and time$/],
      [
        [good, { ...good, identity: { kind: 'fax', value: 'x' } }],
        '1.identity.kind',
        /^one of email, social/,
      ],
      [[], 'json', /^at least one event$/],
      [Array.from({ length: 501 }, () => good), 'json', /^at most 500 events in one request$/],
      ['"page_view"', 'json', /^an event \{name, identity\}, or an array of 1 to 500 of them$/],
    ];
    for (const [body, path, message] of cases) {
      const err = await json<{
        error: { code: string; message: string; details: { fields: { path: string; message: string }[] } };
      }>(await call(app(), 'POST', '/api/v1/events', body, { bearer: agent }), 400);
      expect(err.error.details.fields, JSON.stringify(body).slice(0, 80)).toEqual([
        { path, message: expect.stringMatching(message) },
      ]);
      expect(err.error.message).not.toContain('Invalid input');
    }
  });
});

describe('timeline, merges, roles and workspaces', () => {
  it('pages a timeline of mixed kinds without gaps or duplicates', async () => {
    const { ana, agent } = await workspace();
    for (let i = 0; i < 5; i++) {
      const at = `2026-11-2${i % 3}T09:00:00.000Z`;
      await json(
        await call(
          app(),
          'POST',
          `/api/v1/customers/${ana.id}/transactions`,
          { amountMinor: 100 * (i + 1), currency: 'EUR', occurredAt: at, description: `order ${i}` },
          { bearer: agent },
        ),
        201,
      );
      await json(
        await call(
          app(),
          'POST',
          '/api/v1/events',
          { name: `step_${i}`, occurredAt: at, identity: { kind: 'customer', value: ana.id } },
          { bearer: agent },
        ),
      );
    }
    const all = await json<Page<{ id: string; kind: string; at: string; summary: string }>>(
      await call(app(), 'GET', `/api/v1/customers/${ana.id}/timeline?limit=200`, undefined, {
        bearer: agent,
      }),
    );
    expect(all.items.filter((i) => i.kind === 'transaction')).toHaveLength(5);
    expect(all.items.filter((i) => i.kind === 'event')).toHaveLength(5);
    expect(all.items.find((i) => i.kind === 'transaction')?.summary).toMatch(
      /^Order €\d+\.00 \(completed\): order/,
    );
    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<{ id: string }> = await json<Page<{ id: string }>>(
          await call(
            app(),
            'GET',
            `/api/v1/customers/${ana.id}/timeline?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
            undefined,
            { bearer: agent },
          ),
        );
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(all.items.map((i) => i.id));
    }
  });

  it('carries transactions and events into a merge and puts back exactly those on unmerge', async () => {
    const { actor, ana, ben, agent } = await workspace();
    const post = async (customerId: string, externalId: string) =>
      json<Tx>(
        await call(
          app(),
          'POST',
          `/api/v1/customers/${customerId}/transactions`,
          { externalId, amount: '10', currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z' },
          { bearer: agent },
        ),
        201,
      );
    const event = async (customerId: string, name: string) =>
      json(
        await call(
          app(),
          'POST',
          '/api/v1/events',
          { name, identity: { kind: 'customer', value: customerId } },
          { bearer: agent },
        ),
      );
    await post(ana.id, `a1-${ana.id}`);
    await post(ben.id, `b1-${ben.id}`);
    await post(ben.id, `b2-${ben.id}`);
    await event(ana.id, 'ana_event');
    await event(ben.id, 'ben_event');
    const merge = await mergeCustomers(t.ctx, actor, { intoId: ana.id, fromId: ben.id });
    const merged = await getCustomer(t.ctx, actor, ana.id);
    expect([merged.transactions.count, merged.events.count]).toEqual([3, 2]);
    // Added to the survivor while merged (an event keyed by Ben's old id follows the merge): stays there.
    await post(ana.id, `a2-${ana.id}`);
    await event(ben.id, 'after_merge');
    await unmergeCustomers(t.ctx, actor, merge.id);
    const [a, b] = [await getCustomer(t.ctx, actor, ana.id), await getCustomer(t.ctx, actor, ben.id)];
    expect(a.transactions.last.map((x) => x.externalId).sort()).toEqual([`a1-${ana.id}`, `a2-${ana.id}`]);
    expect(b.transactions.last.map((x) => x.externalId).sort()).toEqual([`b1-${ben.id}`, `b2-${ben.id}`]);
    expect(a.events.byName.map((e) => e.name).sort()).toEqual(['after_merge', 'ana_event']);
    expect(b.events.byName.map((e) => e.name)).toEqual(['ben_event']);
  });

  it('lets a moderator read but not write, and keeps workspaces apart', async () => {
    const { ana, moderator, agent } = await workspace();
    const other = await workspace();
    const tx = { amount: '1', currency: 'EUR', occurredAt: '2026-11-20T10:00:00Z' };
    expect(
      (await call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, tx, { bearer: moderator }))
        .status,
    ).toBe(403);
    expect(
      (
        await call(
          app(),
          'POST',
          '/api/v1/events',
          { name: 'x', identity: { kind: 'customer', value: ana.id } },
          {
            bearer: moderator,
          },
        )
      ).status,
    ).toBe(403);
    expect(
      (await call(app(), 'GET', `/api/v1/customers/${ana.id}/events`, undefined, { bearer: moderator }))
        .status,
    ).toBe(200);

    // Another workspace cannot see, post to, or key events by this customer.
    for (const [method, path, body] of [
      ['GET', `/api/v1/customers/${ana.id}/transactions`, undefined],
      ['GET', `/api/v1/customers/${ana.id}/events`, undefined],
      ['POST', `/api/v1/customers/${ana.id}/transactions`, tx],
    ] as const)
      expect((await call(app(), method, path, body, { bearer: other.agent })).status).toBe(404);
    const keyed = await call(
      app(),
      'POST',
      '/api/v1/events',
      { name: 'x', identity: { kind: 'customer', value: ana.id } },
      {
        bearer: other.agent,
      },
    );
    expect(keyed.status).toBe(422);
    // The same externalId in two workspaces is two transactions.
    const same = { ...tx, externalId: 'shared-1' };
    await json(
      await call(app(), 'POST', `/api/v1/customers/${other.ana.id}/transactions`, same, {
        bearer: other.agent,
      }),
      201,
    );
    expect(
      (await call(app(), 'POST', `/api/v1/customers/${ana.id}/transactions`, same, { bearer: agent })).status,
    ).toBe(201);
  });
});

describe('leads on the timeline', () => {
  it("shows the customer's leads, newest first, and pages through them", async () => {
    const { actor, ana, ben } = await workspace();
    const first = await createLead(t.ctx, actor, { customerId: ana.id, title: 'Group trip to Lisbon' });
    await updateLead(t.ctx, actor, first.id, { status: 'disqualified', disqualifyReason: 'Went by train' });
    t.clock.advance(60_000);
    const second = await createLead(t.ctx, actor, { customerId: ana.id, title: 'Corporate fares' });
    await createLead(t.ctx, actor, { customerId: ben.id, title: 'Not Ana' });
    const firstPage = await customerTimeline(t.ctx, actor, ana.id, { limit: 1 });
    expect(firstPage.items.map((i) => [i.kind, i.id, i.summary])).toEqual([
      ['lead', `lead:${second.id}`, `Lead ${second.number} opened: Corporate fares (now lead, open)`],
    ]);
    const rest = await customerTimeline(t.ctx, actor, ana.id, {
      limit: 50,
      cursor: firstPage.nextCursor ?? '',
    });
    expect(rest.items.filter((i) => i.kind === 'lead').map((i) => i.summary)).toEqual([
      `Lead ${first.number} opened: Group trip to Lisbon (now lead, disqualified)`,
    ]);
  });
});

describe('CSV import of transactions', () => {
  it('imports by email, creates unknown customers, skips duplicates and reports bad lines by number', async () => {
    const { actor, ana, ws } = await workspace();
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-tx-')), 'orders.csv');
    const newcomer = `first-buyer-${ws.id}@example.test`;
    writeFileSync(
      file,
      [
        'Order ID,Buyer,Total,Cur,Date,Type,Note',
        `A-1,${ana.primaryEmail},19.90,EUR,2026-11-01 10:00:00,Order,Boots`,
        `A-2,${newcomer},5,usd,2026-11-02T08:00:00Z,subscription,Monthly`,
        'A-3,someone@example.test,12.345,EUR,2026-11-03T08:00:00Z,order,too many decimals',
        `A-1,${ana.primaryEmail},19.90,EUR,2026-11-01 10:00:00,order,same order again`,
        ',,1,EUR,2026-11-04T08:00:00Z,order,no email',
        `A-4,${ana.primaryEmail},3.00,EUR,2026-11-05T08:00:00Z,refund,"Returned, partly"`,
      ].join('\n'),
    );
    const map =
      'external_id=Order ID,email=Buyer,amount=Total,currency=Cur,occurred_at=Date,kind=Type,description=Note';
    const progress: number[] = [];
    const summary = await importTransactions(t.ctx, actor, { source: await csvFromFile(file), map }, (p) =>
      progress.push(p.read),
    );
    expect(summary).toMatchObject({ read: 6, imported: 3, duplicates: 1, customersCreated: 1 });
    expect(summary.rejected).toEqual([
      { line: 4, reason: expect.stringContaining('Total') },
      { line: 6, reason: expect.stringContaining('Buyer: missing') },
    ]);
    expect(progress.at(-1)).toBe(6);
    const profile = await getCustomer(t.ctx, actor, ana.id);
    expect(profile.transactions.totalsByCurrency).toEqual([{ currency: 'EUR', amountMinor: 1990 - 300 }]);
    const created = await listCustomers(t.ctx, actor, { limit: 5, search: newcomer });
    expect(created.items.map((c) => c.primaryEmail)).toEqual([newcomer]);

    const again = await importTransactions(t.ctx, actor, { source: await csvFromFile(file), map });
    expect(again).toMatchObject({ imported: 0, duplicates: 4, customersCreated: 0 });
    await expect(importTransactions(t.ctx, actor, { source: await csvFromFile(file) })).rejects.toThrow(
      /no column "email"/,
    );
  });

  it('imports an uploaded CSV over HTTP with the same rules; moderators and unreadable files are refused', async () => {
    const { ana, agent, moderator } = await workspace();
    const upload = (token: string, csv: string, query = '') =>
      app().request(`/api/v1/customers/transactions/import${query}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
        body: csv,
      });
    const csv = [
      'id,mail,amount,currency,occurred_at,kind',
      `B-1,${ana.primaryEmail},42.00,EUR,2026-11-10T09:00:00Z,order`,
      'B-2,,1.00,EUR,2026-11-10T09:00:00Z,order',
    ].join('\n');
    const summary = await json<{
      read: number;
      imported: number;
      rejected: { line: number; reason: string }[];
    }>(await upload(agent, csv, `?map=${encodeURIComponent('external_id=id,email=mail')}`));
    expect(summary).toMatchObject({ read: 2, imported: 1 });
    expect(summary.rejected).toEqual([{ line: 3, reason: 'mail: missing' }]);
    expect((await upload(moderator, csv)).status).toBe(403);
    const unreadable = await upload(agent, 'a,b\n"unclosed,2\n');
    expect(unreadable.status).toBe(400);
    expect(await unreadable.json()).toMatchObject({
      error: { message: expect.stringContaining('Not a readable CSV') },
    });
  });
});
