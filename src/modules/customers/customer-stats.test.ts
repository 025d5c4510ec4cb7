import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace, mentionRow } from '../../../test/factories.ts';
import { newId } from '../../ids.ts';
import { rebuildCustomerStats, refreshCustomerStats, refreshNewMentionStats } from './customer-stats.ts';
import { eraseCustomer } from './erasure.ts';
import { mergeCustomers, unmergeCustomers } from './service.ts';

const t = setupTestDatabase();

let seq = 0;

/** A customer with one Bluesky identity (and its author), returning both ids. */
async function customerWithAuthor(workspaceId: string, followers: number | null) {
  const { db, dialect } = t.ctx;
  const now = t.ctx.now().toISOString();
  const id = newId(t.ctx.now());
  const n = ++seq;
  await db
    .insertInto('customers')
    .values({
      id,
      workspace_id: workspaceId,
      display_name: `Customer ${n}`,
      primary_email: null,
      avatar_url: null,
      bio: null,
      attributes: dialect.toJson({}),
      merged_into: null,
      website_domain: null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const [author] = await db
    .insertInto('authors')
    .values({
      workspace_id: workspaceId,
      channel: 'bluesky',
      external_id: `did:plc:${n}`,
      handle: `c${n}.bsky.social`,
      display_name: null,
      followers,
      profile_url: null,
      avatar_url: null,
      updated_at: now,
    })
    .returning('id')
    .execute();
  const authorId = Number(author?.id);
  await db
    .insertInto('identities')
    .values({
      id: newId(t.ctx.now()),
      workspace_id: workspaceId,
      customer_id: id,
      kind: 'social',
      channel: 'bluesky',
      external_id: `did:plc:${n}`,
      handle: `c${n}.bsky.social`,
      handle_key: `c${n}`,
      author_id: authorId,
      verified: 0,
      source: 'pipeline',
      created_at: now,
    })
    .execute();
  return { id, authorId };
}

async function mention(
  workspaceId: string,
  authorId: number,
  sentiment: string,
  intents: string | null,
  at: string,
): Promise<number> {
  const n = ++seq;
  const [row] = await t.ctx.db
    .insertInto('mentions')
    .values(
      mentionRow(t.ctx, workspaceId, {
        channel: 'bluesky',
        external_id: `post-${n}`,
        author_id: authorId,
        created_at: at,
        sentiment,
        intents,
        urgency: 0,
      }),
    )
    .returning('id')
    .execute();
  return Number(row?.id);
}

async function stats(customerId: string) {
  return t.ctx.db
    .selectFrom('customer_stats')
    .selectAll()
    .where('customer_id', '=', customerId)
    .executeTakeFirst();
}

describe('customer stats', () => {
  it('counts live mentions by sentiment and intent, with reach, influence and last times', async () => {
    const ws = await buildWorkspace(t.ctx);
    const a = await customerWithAuthor(ws.id, 1200);
    await mention(ws.id, a.authorId, 'negative', 'complaint churn_risk', '2026-11-01T10:00:00.000Z');
    await mention(ws.id, a.authorId, 'negative', 'complaint', '2026-11-03T10:00:00.000Z');
    await mention(ws.id, a.authorId, 'positive', 'praise', '2026-11-02T10:00:00.000Z');
    const deleted = await mention(
      ws.id,
      a.authorId,
      'positive',
      'purchase_intent',
      '2026-11-04T10:00:00.000Z',
    );
    await t.ctx.db
      .updateTable('mentions')
      .set({ deleted_at: '2026-11-05T00:00:00.000Z' })
      .where('id', '=', deleted)
      .execute();
    await t.ctx.db
      .insertInto('author_influence')
      .values({
        workspace_id: ws.id,
        author_id: a.authorId,
        score: 63,
        pagerank: 0.1,
        in_degree: 1,
        out_degree: 0,
        followers: 1200,
        positive: 0,
        negative: 0,
        mentions: 0,
        reasons: t.ctx.dialect.toJson([]),
        computed_at: t.ctx.now().toISOString(),
      })
      .execute();
    await refreshCustomerStats(t.ctx.db, ws.id, [a.id], t.ctx.now());
    expect(await stats(a.id)).toMatchObject({
      mentions: 3,
      positive: 1,
      negative: 2,
      neutral: 0,
      followers: 1200,
      influence: 63,
      last_mention_at: '2026-11-03T10:00:00.000Z',
      last_positive_at: '2026-11-02T10:00:00.000Z',
      last_negative_at: '2026-11-03T10:00:00.000Z',
      intent_complaint: 2,
      intent_churn_risk: 1,
      intent_praise: 1,
      intent_purchase_intent: 0,
    });
  });

  it('counts new mentions incrementally past the watermark, and a rebuild drops deleted ones', async () => {
    const ws = await buildWorkspace(t.ctx);
    const a = await customerWithAuthor(ws.id, null);
    const b = await customerWithAuthor(ws.id, 10);
    await mention(ws.id, a.authorId, 'neutral', null, '2026-11-01T10:00:00.000Z');
    // First run: no watermark yet, so everything is counted.
    expect(await refreshNewMentionStats(t.ctx, ws.id)).toBe(2);
    expect((await stats(a.id))?.mentions).toBe(1);
    expect((await stats(b.id))?.mentions).toBe(0);
    const later = await mention(
      ws.id,
      b.authorId,
      'negative',
      'support_question',
      '2026-11-02T10:00:00.000Z',
    );
    // Only b wrote since: only b is refreshed.
    expect(await refreshNewMentionStats(t.ctx, ws.id)).toBe(1);
    expect(await stats(b.id)).toMatchObject({ mentions: 1, negative: 1, intent_support_question: 1 });
    expect(await refreshNewMentionStats(t.ctx, ws.id)).toBe(0);
    await t.ctx.db
      .updateTable('mentions')
      .set({ deleted_at: t.ctx.now().toISOString() })
      .where('id', '=', later)
      .execute();
    expect((await stats(b.id))?.mentions).toBe(1);
    expect(await rebuildCustomerStats(t.ctx, ws.id)).toEqual({ customers: 2 });
    expect((await stats(b.id))?.mentions).toBe(0);
  });

  it('follows merges, unmerges and erasures at once', async () => {
    const ws = await buildWorkspace(t.ctx);
    const { actor } = await buildUser(t.ctx, ws, { role: 'admin' });
    const a = await customerWithAuthor(ws.id, 5);
    const b = await customerWithAuthor(ws.id, 50);
    await mention(ws.id, a.authorId, 'positive', null, '2026-11-01T10:00:00.000Z');
    await mention(ws.id, b.authorId, 'negative', null, '2026-11-02T10:00:00.000Z');
    await rebuildCustomerStats(t.ctx, ws.id);
    const merge = await mergeCustomers(t.ctx, actor, { intoId: a.id, fromId: b.id });
    expect(await stats(a.id)).toMatchObject({ mentions: 2, positive: 1, negative: 1, followers: 50 });
    expect(await stats(b.id)).toMatchObject({ mentions: 0 });
    await unmergeCustomers(t.ctx, actor, merge.id);
    expect(await stats(a.id)).toMatchObject({ mentions: 1, negative: 0, followers: 5 });
    expect(await stats(b.id)).toMatchObject({ mentions: 1, negative: 1 });
    await eraseCustomer(t.ctx, actor, b.id, { reason: 'asked by the person' });
    expect(await stats(b.id)).toMatchObject({ mentions: 0, negative: 0, followers: null });
  });
});
