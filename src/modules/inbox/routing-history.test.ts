import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import { createQuery, listMentions } from '../listening/service.ts';
import { listCases } from './case-lists.ts';
import { testRule } from './case-rules.ts';
import { HISTORY_AFTER_DAYS } from './history.ts';
import { routeNewMentions } from './routing.ts';
import { saveRule } from './routing-rules.ts';

const t = setupTestDatabase();
const day = 24 * 3_600_000;

/** Stores one post per author, each written `daysOld` days before now (the moment it is stored). */
async function ingestAged(workspaceId: string, posts: { author: string; text: string; daysOld: number }[]) {
  await appendToLog(
    t.ctx,
    posts.map((p) => ({
      workspaceId,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify({
        channel: 'twitter',
        externalId: `aged-${p.author}`,
        text: p.text,
        createdAt: new Date(t.clock.now().getTime() - p.daysOld * day).toISOString(),
        author: { externalId: p.author, handle: p.author, displayName: p.author },
      }),
    })),
  );
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

describe('routing posts that arrive as history', () => {
  it('routes a post written 2 days before it was stored but passes over one written 30 days before, which is still stored, matched and attached to its customer', async () => {
    expect(HISTORY_AFTER_DAYS).toBe(14);
    const ws = await buildWorkspace(t.ctx);
    const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
    const query = await createQuery(t.ctx, manager, { name: 'Bags', query: 'bag', enabled: true });
    await saveRule(t.ctx, manager, {
      name: 'Every post about bags',
      conditions: [{ field: 'keywords', op: 'contains_any', value: ['bag'] }],
      actions: [{ type: 'create_case' }],
    });
    await ingestAged(ws.id, [
      { author: 'old', text: 'My bag is lost and nobody answers', daysOld: 30 },
      { author: 'recent', text: 'My bag is lost and nobody answers either', daysOld: 2 },
    ]);
    await routeNewMentions(t.ctx);

    const cases = (await listCases(t.ctx, manager, { view: 'all', limit: 10 })).items;
    expect(cases).toHaveLength(1);
    const mentions = (await listMentions(t.ctx, manager, { limit: 10 })).items;
    const old = mentions.find((m) => m.externalId === 'aged-old');
    const recent = mentions.find((m) => m.externalId === 'aged-recent');
    expect(recent?.disposition?.caseId).toBe(cases[0]?.id);
    // History is kept, analysed and matched, only not routed.
    expect(old).toMatchObject({ disposition: null, queryIds: [query.id] });
    expect(old?.sentiment).not.toBeNull();
    const identity = await t.ctx.db
      .selectFrom('identities')
      .innerJoin('authors', 'authors.id', 'identities.author_id')
      .select('identities.customer_id')
      .where('identities.workspace_id', '=', ws.id)
      .where('authors.handle', '=', 'old')
      .executeTakeFirst();
    expect(identity?.customer_id).toBeTruthy();
  });

  it('leaves posts that arrived as history out of a rule trial, and says how many', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = (await buildUser(t.ctx, ws, { role: 'manager' })).actor;
    await ingestAged(ws.id, [
      { author: 'old', text: 'My bag is lost and nobody answers', daysOld: 30 },
      { author: 'recent', text: 'My bag is lost and nobody answers either', daysOld: 2 },
      { author: 'other', text: 'Lovely flight today', daysOld: 1 },
    ]);
    const result = await testRule(
      t.ctx,
      manager,
      {
        name: 'Every post about bags',
        conditions: [{ field: 'keywords', op: 'contains_any', value: ['bag'] }],
        actions: [{ type: 'create_case' }],
      },
      100,
    );
    expect(result).toMatchObject({ evaluated: 2, matched: 1, history: 1 });
    expect(result.samples.map((s) => s.text)).toEqual(['My bag is lost and nobody answers either']);
  });
});
