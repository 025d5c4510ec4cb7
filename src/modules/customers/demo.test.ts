import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { demoPost } from '../../connectors/demo/demo-stream.ts';
import { seedDemoWorkspace } from '../../demo/seed.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { listCases } from '../inbox/case-lists.ts';
import { dispositionStats } from '../inbox/dispositions.ts';
import { routeNewMentions } from '../inbox/routing.ts';
import { refreshNewMentionStats } from './customer-stats.ts';
import { listSegments } from './segments.ts';
import { getCustomer, listCustomers, listSuggestions } from './service.ts';

const t = setupTestDatabase();

describe('demo workspace', () => {
  it('shows an automatically linked multi-channel customer and a cross-network suggestion out of the box', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor: owner } = await buildUser(t.ctx, ws, { role: 'owner' });
    await seedDemoWorkspace(t.ctx, owner);
    const start = Date.parse('2026-11-16T09:00:00.000Z');
    await appendToLog(
      t.ctx,
      Array.from({ length: 400 }, (_, i) => ({
        workspaceId: ws.id,
        connectorId: null,
        format: 'generic' as const,
        payload: JSON.stringify(demoPost(7, i, new Date(start + i * 60_000))),
      })),
    );
    while ((await processBatch(t.ctx)).claimed > 0) {
      // drain
    }
    const [carlos] = (await listCustomers(t.ctx, owner, { limit: 50, search: 'Carlos' })).items;
    const profile = await getCustomer(t.ctx, owner, carlos?.id ?? '');
    expect(profile.identities.map((i) => `${i.channel}:${i.handle ?? i.externalId}`).sort()).toEqual([
      'bluesky:carlos.ruiz.example',
      'email:carlos@ruiz.example',
    ]);
    expect(profile.mentionCount).toBeGreaterThan(0);
    expect(profile.attributes).toMatchObject({ plan: 'gold', vip: true });
    expect(profile.merges[0]?.evidence).toEqual([
      'Bluesky handle carlos.ruiz.example is a domain the customer owns (verified email carlos@ruiz.example)',
    ]);
    // The social bin shows what the account says about itself.
    expect(profile.social).toEqual([
      expect.objectContaining({
        handle: 'carlos.ruiz.example',
        bio: expect.stringContaining('Product designer'),
        links: [{ label: 'Portfolio', url: 'https://example.com/demo/carlos-ruiz', verified: false }],
      }),
    ]);
    const maya = (await listSuggestions(t.ctx, owner)).find(
      (s) => s.customer.displayName === 'Maya Lindqvist',
    );
    expect(maya?.confidence).toBe(0.6);
    expect(maya?.evidence).toContain(
      'Same handle "maya.travels" on Bluesky (maya.travels) and Mastodon (maya.travels@mastodon.example)',
    );
    // Tom names his Mastodon account in a post: a suggestion with that post as the evidence.
    const tom = (await listSuggestions(t.ctx, owner)).find((s) =>
      [s.customer.displayName, s.other.displayName].includes('T. Kowalski'),
    );
    expect([tom?.customer.displayName, tom?.other.displayName].sort()).toEqual([
      'T. Kowalski',
      'Tom Kowalski',
    ]);
    expect(tom?.evidence).toEqual([
      expect.stringMatching(
        /^Cross-reference in a post: Bluesky account tomk calls Mastodon account tkowalski@social\.example its own: "My other account is @tkowalski@social\.example"/,
      ),
    ]);

    // Segments: once the scheduler's 30-second refresh has counted the backfill, none is empty.
    await refreshNewMentionStats(t.ctx, ws.id);
    const segments = (await listSegments(t.ctx, owner, { limit: 50 })).items;
    expect(Object.fromEntries(segments.map((s) => [s.name, s.memberCount > 0]))).toEqual({
      'Beta testers': true,
      'Paying customers': true,
      'Purchase intent on Bluesky': true,
      'Unhappy and influential': true,
    });
    expect(segments.find((s) => s.name === 'Beta testers')?.memberCount).toBe(3);

    // The inbox: the rules routed the backfill into cases (complaints, leads), spam was dismissed,
    // and every case has its SLA clocks.
    expect(await routeNewMentions(t.ctx)).toBe(400);
    const cases = (await listCases(t.ctx, owner, { view: 'all', limit: 200 })).items;
    expect(cases.some((c) => c.type === 'complaint' && c.tags.includes('complaint'))).toBe(true);
    expect(cases.some((c) => c.type === 'lead' && c.tags.includes('sales'))).toBe(true);
    expect(cases.every((c) => c.sla.some((k) => k.metric === 'first_response'))).toBe(true);
    expect(cases.filter((c) => c.type === 'complaint').every((c) => c.teamId !== null)).toBe(true);
    const stats = await dispositionStats(t.ctx, owner, 30);
    expect(stats.byDisposition.case).toBeGreaterThan(0);
  });
});
