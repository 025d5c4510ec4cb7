import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildToken, buildUser, buildWorkspace } from '../../../test/factories.ts';
import { call } from '../../../test/http.ts';
import type { AppContext } from '../../context.ts';
import { createApp } from '../../http/app.ts';
import { newId } from '../../ids.ts';
import { appendToLog } from '../../pipeline/ingest-log.ts';
import { processBatch } from '../../pipeline/worker.ts';
import type { Actor } from '../auth/roles.ts';
import { followRecord } from '../collaboration/feed.ts';
import { createChallenge, decideChallenge, submitEntry, voteEntry } from '../communities/challenges.ts';
import { setIdeaStatus, voteIdea } from '../communities/ideas.ts';
import { markMemberNotificationsRead, notifyIdeaStatusChanges } from '../communities/loop.ts';
import { insertMember } from '../communities/members-fixtures.ts';
import { buildDueDigests, type DigestItems } from '../communities/newsletter-digests.ts';
import { setNewsletterCadence, subscribeNewsletter } from '../communities/newsletters.ts';
import { createSpace } from '../communities/spaces.ts';
import { createThread, editPost, replyToThread } from '../communities/threads.ts';
import { createCase, updateCase } from '../inbox/cases.ts';
import { addNote } from '../inbox/replies.ts';
import { createLead } from '../sales/leads.ts';
import { createOpportunity } from '../sales/opportunities.ts';
import { answerSurvey, createSurvey, sendCaseSurvey } from '../surveys/service.ts';
import { fanOutEvents } from '../webhooks/delivery.ts';
import { createEndpoint } from '../webhooks/endpoints.ts';
import { listConsents, recordConsent } from './consents.ts';
import { eraseCustomer } from './erasure.ts';
import { exportCustomer } from './privacy.ts';
import {
  addIdentity,
  createAttributeDefinition,
  getCustomer,
  listCustomers,
  mergeCustomers,
  unmergeCustomers,
  updateCustomer,
} from './service.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

/**
 * Unique per person (the tests of this file share a database). Lower case: the scan compares
 * lower-cased text, and full-text indexes store lower-cased terms.
 */
let MARKER = 'unset';
let PHONE = 'unset';

async function drain() {
  while ((await processBatch(t.ctx)).claimed > 0) {
    // drain
  }
}

const post = (n: number, channel: string, author: Record<string, unknown>, text: string) => ({
  channel,
  externalId: `${channel}-post-${n}`,
  url: `https://${channel}.example/${MARKER}/${n}`,
  text,
  createdAt: '2026-11-20T10:00:00.000Z',
  author,
});

/**
 * A person with two social accounts (merged), an email, a bio, attributes, activity and
 * consents, every one carrying MARKER; plus a bystander whose data must survive the erasure.
 */
async function person() {
  MARKER = `zqx${Math.random().toString(36).slice(2, 10)}m`;
  PHONE = `+33 6 ${String(Math.floor(Math.random() * 1e8)).padStart(8, '0')}`;
  const ws = await buildWorkspace(t.ctx);
  const admin = await buildUser(t.ctx, ws, { role: 'admin' });
  const agent = await buildUser(t.ctx, ws, { role: 'agent' });
  const bsky = {
    externalId: `did:plc:${MARKER}`,
    handle: `${MARKER}.bsky.social`,
    displayName: `Ana ${MARKER.toUpperCase()} Silva`,
    profileUrl: `https://bsky.app/profile/${MARKER}.bsky.social`,
    avatarUrl: `https://cdn.example/${MARKER}.png`,
    followers: 120,
    // The words are the person's own (not their handle), so only scrubbing the bio removes them.
    bio: `Nurse in Porto, writes as Ana${MARKER}`,
    links: [{ label: `Ana${MARKER} shop`, url: 'https://shop.example/ana' }],
  };
  const masto = {
    externalId: `${MARKER}@mastodon.example`,
    handle: `${MARKER}@mastodon.example`,
    displayName: 'Ana S',
  };
  const bystander = { externalId: 'did:plc:bystander', handle: 'bystander.bsky.social', displayName: 'Bo' };
  const payloads = [
    post(1, 'bluesky', bsky, `I love this product, thanks! ${MARKER} says hi`),
    post(2, 'bluesky', bsky, `Still waiting for my refund, this is terrible. Signed ${MARKER}`),
    post(3, 'mastodon', masto, `Where can I buy the pro plan? ${MARKER}`),
    {
      ...post(4, 'bluesky', bystander, 'Great service from the team today'),
      url: 'https://bluesky.example/bo/4',
    },
  ];
  await appendToLog(
    t.ctx,
    [
      ...payloads,
      // Fails validation (no post id): quarantined with the person's account in its payload.
      { channel: 'bluesky', text: `broken ${MARKER}`, author: bsky },
    ].map((p) => ({
      workspaceId: ws.id,
      connectorId: null,
      format: 'generic' as const,
      payload: JSON.stringify(p),
    })),
  );
  await drain();
  const all = (await listCustomers(t.ctx, admin.actor, { limit: 50 })).items;
  const idOf = (handle: string) => {
    const c = all.find((x) => x.identities.some((i) => i.handle === handle));
    if (!c) throw new Error(`no customer for ${handle}`);
    return c.id;
  };
  const id = idOf(bsky.handle);
  const mastoId = idOf(masto.handle);
  const bystanderId = idOf(bystander.handle);
  await mergeCustomers(t.ctx, admin.actor, {
    intoId: id,
    fromId: mastoId,
    evidence: `Same person: ${MARKER} on both networks`,
  });
  await createAttributeDefinition(t.ctx, admin.actor, { key: 'nickname', label: 'Nickname', type: 'text' });
  await updateCustomer(t.ctx, admin.actor, id, {
    primaryEmail: `${MARKER}@example.com`,
    bio: `Traveller, ${MARKER} fan`,
    attributes: { nickname: `the ${MARKER}` },
  });
  await addIdentity(t.ctx, admin.actor, id, {
    kind: 'email',
    value: `${MARKER}.work@example.org`,
    verified: true,
  });
  await addIdentity(t.ctx, admin.actor, id, { kind: 'phone', value: PHONE, verified: false });
  await recordConsent(t.ctx, admin.actor, id, {
    purpose: 'marketing',
    channel: 'email',
    status: 'granted',
    source: 'signup form',
  });
  const now = t.clock.now().toISOString();
  await t.ctx.db
    .insertInto('customer_transactions')
    .values({
      id: newId(),
      workspace_id: ws.id,
      customer_id: id,
      external_id: 'order-1',
      kind: 'order',
      status: 'paid',
      amount_minor: 4200,
      currency: 'EUR',
      description: `Gift for ${MARKER}`,
      occurred_at: now,
      properties: t.ctx.dialect.toJson({ shipTo: `${MARKER} street 1` }),
      source: 'api',
      created_at: now,
    })
    .execute();
  await t.ctx.db
    .insertInto('customer_events')
    .values({
      id: newId(),
      workspace_id: ws.id,
      customer_id: id,
      name: 'page_view',
      occurred_at: now,
      properties: t.ctx.dialect.toJson({ path: `/u/${MARKER}` }),
      identity_kind: 'email',
      identity_value: `${MARKER}@example.com`,
      created_at: now,
    })
    .execute();
  // A webhook receiver gets the case and lead events (their payloads quote the person).
  await createEndpoint(
    { ...t.ctx, config: { ...t.ctx.config, webhooksAllowPrivateTargets: true } },
    admin.actor,
    { url: 'http://127.0.0.1:9/hooks', eventTypes: ['*'] },
  );
  // Service history: a case made from their refund post (its subject quotes it), a reply sent to
  // them, an internal note about them, a feed and a notification that quote them.
  const refund = await t.ctx.db
    .selectFrom('mentions')
    .select('id')
    .where('workspace_id', '=', ws.id)
    .where('text', 'like', 'Still waiting for my refund%')
    .executeTakeFirstOrThrow();
  const theCase = await createCase(t.ctx, agent.actor, {
    subject: `Refund for ${MARKER}`,
    mentionIds: [Number(refund.id)],
    customFields: { booking: `BK-${MARKER}` },
  });
  await followRecord(t.ctx, admin.actor, 'case', theCase.id);
  await addNote(t.ctx, agent.actor, theCase.id, { body: `Called ${MARKER}, card ends 4242` });
  await updateCase(t.ctx, agent.actor, theCase.id, { subject: `Refund for ${MARKER} (card)` });
  await t.ctx.db
    .insertInto('outbox_replies')
    .values({
      id: newId(),
      workspace_id: ws.id,
      case_id: theCase.id,
      mention_id: Number(refund.id),
      channel: 'email',
      visibility: 'private',
      recipient: `${MARKER}@example.com`,
      body: `Dear ${MARKER}, your refund is on its way`,
      status: 'sent',
      attempts: 1,
      next_attempt_at: null,
      last_error: null,
      // Message-IDs are made by Rapport (`<reply-id@domain>`), never from the person's data.
      external_id: `<${newId()}@airline.example>`,
      external_url: null,
      author_user_id: agent.user.id,
      created_at: now,
      sent_at: now,
    })
    .execute();
  // Their answer to the satisfaction survey the case sent, with a comment.
  const survey = await createSurvey(t.ctx, admin.actor, {
    name: 'CSAT',
    kind: 'csat',
    question: 'How did we do?',
    commentPrompt: 'Why?',
    delivery: 'link',
    trigger: 'manual',
  });
  const request = await sendCaseSurvey(t.ctx, agent.actor, theCase.id, { surveyId: survey.id });
  await answerSurvey(t.ctx, request.link.split('/').at(-1) ?? '', {
    score: 2,
    comment: `Slow, says ${MARKER}`,
  });
  // A lead about them, and their life in the community: a member of theirs, a thread they
  // opened, and an edit (the old text kept as a revision).
  const lead = await createLead(t.ctx, admin.actor, { customerId: id, title: `Group trip for ${MARKER}` });
  await createOpportunity(t.ctx, admin.actor, {
    leadId: lead.id,
    name: `${MARKER} family fares`,
    amountMinor: 90_000,
    currency: 'EUR',
  });
  const member = await insertMember(t.ctx, ws.id, { trustLevel: 2, username: `${MARKER}_m` });
  await t.ctx.db
    .updateTable('community_members')
    .set({ customer_id: id, display_name: `${MARKER} in the forum`, bio: `I am ${MARKER}` })
    .where('id', '=', member.memberId)
    .execute();
  const space = await createSpace(t.ctx, admin.actor, { slug: 'talk', title: 'Talk', kind: 'forum' });
  const thread = await createThread(t.ctx, member, {
    spaceId: space.id,
    title: `${MARKER} asks about seats`,
    body: `Hello, ${MARKER} here: window seats?`,
  });
  await editPost(t.ctx, member, thread.post.id, { body: `Hello again from ${MARKER}` });
  // What other members were told copies their words (a reply mentioning someone, their question's
  // title), and the email about the answer to their question holds their address.
  const neighbour = await insertMember(t.ctx, ws.id, { trustLevel: 2, username: 'neighbour' });
  const qa = await createSpace(t.ctx, admin.actor, { slug: 'help', title: 'Help', kind: 'qa' });
  const question = await createThread(t.ctx, member, {
    spaceId: qa.id,
    title: `${MARKER} asks about bags`,
    body: 'How many?',
  });
  await replyToThread(t.ctx, neighbour, question.thread.id, { body: 'One, 23 kg.' });
  const theirs = await createThread(t.ctx, neighbour, {
    spaceId: space.id,
    title: 'Meals',
    body: 'Any good?',
  });
  await replyToThread(t.ctx, member, theirs.thread.id, { body: `@neighbour ${MARKER} liked the curry.` });
  // What they were told: the answer to their question (read since), and an idea they voted for
  // changing status, in the app and by email (which holds their address and name).
  await markMemberNotificationsRead(t.ctx, member);
  t.clock.advance(1000);
  const ideas = await createSpace(t.ctx, admin.actor, { slug: 'ideas', title: 'Ideas', kind: 'ideas' });
  const idea = await createThread(t.ctx, neighbour, {
    spaceId: ideas.id,
    title: 'Quiet zone',
    body: 'Please',
  });
  await voteIdea(t.ctx, member, idea.thread.id);
  await setIdeaStatus(t.ctx, admin.actor, idea.thread.id, { status: 'planned', note: 'Next spring' });
  await notifyIdeaStatusChanges(t.ctx);
  // Community mail and news addressed to them and to the neighbour: the ideas board's daily
  // newsletter both subscribe to (each digest email holds its recipient's address), and a
  // challenge each of them won.
  await setNewsletterCadence(t.ctx, admin.actor, ideas.id, 'daily');
  await subscribeNewsletter(t.ctx, member, ideas.id);
  await subscribeNewsletter(t.ctx, neighbour, ideas.id);
  const opensAt = t.clock.now();
  const challenge = (question: string) =>
    createChallenge(t.ctx, admin.actor, {
      spaceId: ideas.id,
      question,
      reward: 'A free ticket',
      opensAt: opensAt.toISOString(),
      closesAt: new Date(opensAt.getTime() + 3_600_000).toISOString(),
    });
  const calm = await challenge('What would make trains calmer?');
  const snacks = await challenge('Which snack should we sell?');
  // Their entry's title carries MARKER: the ideas board's digest lists it, keeping a copy.
  const theirEntry = await submitEntry(t.ctx, member, calm.id, {
    title: `Phone-free carriage for ${MARKER}`,
    body: 'Phones off',
  });
  const otherEntry = await submitEntry(t.ctx, neighbour, snacks.id, { title: 'Pretzels', body: 'Salty' });
  // Each votes for the other's entry.
  await voteEntry(t.ctx, member, snacks.id, otherEntry.threadId, true);
  await voteEntry(t.ctx, neighbour, calm.id, theirEntry.threadId, true);
  t.clock.advance(24 * 3_600_000);
  await buildDueDigests(t.ctx);
  await decideChallenge(t.ctx, admin.actor, calm.id, { threadId: theirEntry.threadId, note: 'Lovely idea' });
  await decideChallenge(t.ctx, admin.actor, snacks.id, { threadId: otherEntry.threadId, note: 'Tasty' });
  await fanOutEvents(t.ctx);
  return {
    ws,
    admin,
    agent,
    id,
    mastoId,
    bystanderId,
    payloads,
    caseId: theCase.id,
    memberId: member.memberId,
    entryThreadId: theirEntry.threadId,
    otherEntryThreadId: otherEntry.threadId,
    calmId: calm.id,
    snacksId: snacks.id,
  };
}

/** Every (table.column) whose value, as lower-cased text, contains `needle`: every column of every table. */
async function columnsContaining(ctx: AppContext, needle: string): Promise<string[]> {
  const columns: { table: string; column: string }[] = [];
  if (ctx.dialect.name === 'sqlite') {
    const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(
      ctx.db,
    );
    for (const { name } of tables.rows) {
      const info = await sql<{ name: string }>`select name from pragma_table_info(${name})`.execute(ctx.db);
      for (const c of info.rows) columns.push({ table: name, column: c.name });
    }
  } else {
    const info = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
      where table_schema = 'public'
        and data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`.execute(
      ctx.db,
    );
    for (const r of info.rows) columns.push({ table: r.table_name, column: r.column_name });
  }
  expect(columns.length).toBeGreaterThan(50);
  const hits: string[] = [];
  for (const { table, column } of columns) {
    const found = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(table)}
      where lower(cast(${sql.ref(column)} as text)) like ${`%${needle}%`}`.execute(ctx.db);
    if (Number(found.rows[0]?.n ?? 0) > 0) hits.push(`${table}.${column}`);
  }
  return hits;
}

async function sentimentCounts(workspaceId: string) {
  const rows = await t.ctx.db
    .selectFrom('mentions')
    .select((eb) => ['sentiment', eb.fn.countAll<number>().as('n')])
    .where('workspace_id', '=', workspaceId)
    .groupBy('sentiment')
    .orderBy('sentiment')
    .execute();
  return rows.map((r) => ({ sentiment: r.sentiment, n: Number(r.n) }));
}

describe('consent by purpose and channel', () => {
  it('keeps every change as history and shows the latest per purpose and channel as current, on the profile too', async () => {
    const { admin, agent, id } = await person();
    t.clock.advance(1000);
    await recordConsent(t.ctx, agent.actor, id, {
      purpose: 'marketing',
      channel: 'email',
      status: 'withdrawn',
    });
    await recordConsent(t.ctx, agent.actor, id, { purpose: 'support', channel: 'any', status: 'granted' });
    const { current, history } = await listConsents(t.ctx, agent.actor, id);
    expect(history.map((c) => [c.purpose, c.channel, c.status])).toEqual([
      ['marketing', 'email', 'granted'],
      ['marketing', 'email', 'withdrawn'],
      ['support', 'any', 'granted'],
    ]);
    expect(current.map((c) => [c.purpose, c.channel, c.status, c.recordedBy])).toEqual([
      ['marketing', 'email', 'withdrawn', agent.user.id],
      ['support', 'any', 'granted', agent.user.id],
    ]);
    expect((await getCustomer(t.ctx, admin.actor, id)).consents).toEqual(current);
  });

  it('records and lists consents through the API, validating purpose and channel', async () => {
    const { ws, id } = await person();
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const moderator = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'moderator' }));
    const path = `/api/v1/customers/${id}/consents`;
    const body = { purpose: 'research', channel: 'bluesky', status: 'granted', source: 'survey' };
    expect((await call(app(), 'POST', path, body, { bearer: agent })).status).toBe(201);
    expect((await call(app(), 'POST', path, { ...body, purpose: 'selling' }, { bearer: agent })).status).toBe(
      400,
    );
    expect((await call(app(), 'POST', path, body, { bearer: moderator })).status).toBe(403);
    const res = await call(app(), 'GET', path, undefined, { bearer: moderator });
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { current: { purpose: string }[]; history: unknown[] };
    expect(listed.current.map((c) => c.purpose)).toEqual(['marketing', 'research']);
    expect(listed.history).toHaveLength(2);
  });
});

describe('export', () => {
  it('contains everything held about the person and is audited', async () => {
    const { ws, admin, id, mastoId, memberId, entryThreadId, otherEntryThreadId, calmId, snacksId } =
      await person();
    const data = await exportCustomer(t.ctx, admin.actor, id);
    expect(data.customers.map((c) => c.id).sort()).toEqual([id, mastoId].sort());
    expect(data.profile.primaryEmail).toBe(`${MARKER}@example.com`);
    expect(data.profile.bio).toContain(MARKER);
    expect(data.profile.attributes).toEqual({ nickname: `the ${MARKER}` });
    expect(data.identities.map((i) => i.kind).sort()).toEqual(['email', 'phone', 'social', 'social']);
    expect(data.authors.map((a) => a.handle).sort()).toEqual([
      `${MARKER}.bsky.social`,
      `${MARKER}@mastodon.example`,
    ]);
    expect(data.authors.find((a) => a.handle === `${MARKER}.bsky.social`)).toMatchObject({
      bio: `Nurse in Porto, writes as Ana${MARKER}`,
      links: [{ label: `Ana${MARKER} shop`, url: 'https://shop.example/ana', verified: false }],
    });
    expect(data.profile.social.find((s) => s.channel === 'bluesky')).toMatchObject({
      bio: `Nurse in Porto, writes as Ana${MARKER}`,
      links: [{ label: `Ana${MARKER} shop` }],
    });
    expect(data.mentions.map((m) => m.text)).toEqual([
      expect.stringContaining('I love this product'),
      expect.stringContaining('refund'),
      expect.stringContaining('pro plan'),
    ]);
    expect(data.mentions[0]).toMatchObject({
      url: `https://bluesky.example/${MARKER}/1`,
      created_at: '2026-11-20T10:00:00.000Z',
      analysis: { sentiment: { label: 'positive' } },
    });
    expect(data.merges).toHaveLength(1);
    expect(data.merges[0]?.evidence).toEqual([expect.stringContaining(MARKER)]);
    expect(data.consents.current).toHaveLength(1);
    expect(data.transactions).toMatchObject([
      { description: `Gift for ${MARKER}`, amount_minor: expect.anything() },
    ]);
    expect(data.events).toMatchObject([{ name: 'page_view', properties: { path: `/u/${MARKER}` } }]);
    expect(data.leads).toMatchObject([
      { title: `Group trip for ${MARKER}`, opportunities: [{ name: `${MARKER} family fares` }] },
    ]);
    expect(data.community.members).toMatchObject([{ username: `${MARKER}_m`, bio: `I am ${MARKER}` }]);
    expect(data.community.members[0]).not.toHaveProperty('password_hash');
    expect(data.surveys).toMatchObject([{ survey: 'CSAT', score: 2, comment: `Slow, says ${MARKER}` }]);
    expect(data.community.threads.map((th) => th.title).sort()).toEqual([
      `Phone-free carriage for ${MARKER}`,
      `${MARKER} asks about bags`,
      `${MARKER} asks about seats`,
    ]);
    const posts = data.community.posts.map((p) => p.body_markdown);
    expect(posts).toHaveLength(4);
    expect(posts).toEqual(
      expect.arrayContaining([
        'Phones off',
        `@neighbour ${MARKER} liked the curry.`,
        'How many?',
        `Hello again from ${MARKER}`,
      ]),
    );
    // What they were told in the community and the community emails queued for them.
    expect(
      data.community.notifications.map((n) => [n.kind, n.title, n.reasons, n.read_at !== null /* read */]),
    ).toEqual([
      ['post', expect.stringMatching(new RegExp(`answered “${MARKER} asks about bags”$`)), ['asked'], true],
      ['idea_status', '“Quiet zone” is now planned', ['voted'], false],
    ]);
    expect(data.community.notifications[1]).toMatchObject({
      body: 'Next spring',
      created_at: expect.any(String),
    });
    expect(data.community.emails).toMatchObject([
      {
        table: 'community_post_deliveries',
        kind: 'first_answer',
        recipient: `${MARKER}_m@members.example`,
        subject: expect.stringContaining('answered your question'),
        status: 'queued',
      },
      {
        table: 'community_loop_deliveries',
        kind: 'email',
        recipient: `${MARKER}_m@members.example`,
        subject: expect.stringContaining('Quiet zone'),
      },
    ]);
    // Their newsletter subscription and digest email, and their challenge win; not the neighbour's.
    expect(data.community.newsletterSubscriptions).toMatchObject([
      { member_id: memberId, unsubscribed_at: null },
    ]);
    expect(data.community.newsletterEmails).toMatchObject([
      { member_id: memberId, recipient: `${MARKER}_m@members.example`, status: 'queued', cadence: 'daily' },
    ]);
    expect(data.community.challengeNotifications).toMatchObject([
      {
        member_id: memberId,
        kind: 'challenge_won',
        title: 'Your idea won the challenge “What would make trains calmer?”',
        body: 'Reward: A free ticket\n\nLovely idea',
      },
    ]);
    // The idea they entered in a challenge (which it won) and their vote on the neighbour's entry;
    // not the neighbour's entry nor the neighbour's vote on theirs.
    expect(data.community.challengeEntries).toEqual([
      {
        thread_id: entryThreadId,
        challenge_id: calmId,
        member_id: memberId,
        challenge: 'What would make trains calmer?',
        title: `Phone-free carriage for ${MARKER}`,
        body_markdown: 'Phones off',
        vote_count: 1,
        url: `${t.ctx.config.publicUrl}/community/${ws.slug}/t/${entryThreadId}`,
        status: 'won',
        created_at: expect.any(String),
      },
    ]);
    expect(data.community.challengeVotes).toEqual([
      {
        thread_id: otherEntryThreadId,
        challenge_id: snacksId,
        member_id: memberId,
        challenge: 'Which snack should we sell?',
        title: 'Pretzels',
        created_at: expect.any(String),
      },
    ]);
    expect(data.cases).toMatchObject([
      {
        subject: `Refund for ${MARKER} (card)`,
        custom_fields: { booking: `BK-${MARKER}` },
        conversations: [{ preview: expect.stringContaining('Still waiting for my refund') }],
        replies: [{ body: `Dear ${MARKER}, your refund is on its way` }],
        notes: [{ body: `Called ${MARKER}, card ends 4242` }],
      },
    ]);
    const audit = await t.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'target_id'])
      .where('workspace_id', '=', admin.actor.workspaceId)
      .where('action', '=', 'customer.export')
      .execute();
    expect(audit).toEqual([{ action: 'customer.export', target_id: id }]);
  });

  it('is refused to an agent (403) and given to an admin through the API', async () => {
    const { ws, id } = await person();
    const agent = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'agent' }));
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const refused = await call(app(), 'GET', `/api/v1/customers/${id}/export`, undefined, { bearer: agent });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const res = await call(app(), 'GET', `/api/v1/customers/${id}/export`, undefined, { bearer: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain(`customer-${id}.json`);
    const body = (await res.json()) as {
      format: string;
      mentions: unknown[];
      community: {
        notifications: { kind: string }[];
        emails: { kind: string }[];
        newsletterEmails: { recipient: string }[];
        challengeNotifications: { kind: string }[];
        challengeEntries: { status: string }[];
        challengeVotes: { title: string }[];
      };
    };
    expect(body.format).toBe('rapport.customer-export');
    expect(body.mentions).toHaveLength(3);
    expect(body.community.notifications.map((n) => n.kind)).toEqual(['post', 'idea_status']);
    expect(body.community.emails.map((e) => e.kind)).toEqual(['first_answer', 'email']);
    expect(body.community.newsletterEmails.map((e) => e.recipient)).toEqual([`${MARKER}_m@members.example`]);
    expect(body.community.challengeNotifications.map((n) => n.kind)).toEqual(['challenge_won']);
    expect(body.community.challengeEntries.map((e) => e.status)).toEqual(['won']);
    expect(body.community.challengeVotes.map((v) => v.title)).toEqual(['Pretzels']);
  });
});

describe('erasure', () => {
  it('removes the person from every text column of every table, keeps aggregates, and records it', async () => {
    const { ws, admin, id, bystanderId, memberId } = await person();
    const toldThem = () =>
      t.ctx.db
        .selectFrom('community_member_notifications')
        .select('kind')
        .where('member_id', '=', memberId)
        .orderBy('kind')
        .execute();
    const ideaNews = () =>
      t.ctx.db
        .selectFrom('community_member_notifications')
        .select('member_id')
        .where('workspace_id', '=', ws.id)
        .where('kind', '=', 'idea_status')
        .execute();
    expect(await toldThem()).toEqual([{ kind: 'idea_status' }, { kind: 'post' }]);
    // Newsletter emails and challenge wins, by recipient: theirs and the neighbour's.
    const mailAndWins = async () => ({
      newsletterEmails: (
        await t.ctx.db
          .selectFrom('community_newsletter_deliveries')
          .select('member_id')
          .where('workspace_id', '=', ws.id)
          .execute()
      ).map((d) => d.member_id === memberId),
      challengeWins: (
        await t.ctx.db
          .selectFrom('community_challenge_notifications')
          .select('member_id')
          .where('workspace_id', '=', ws.id)
          .execute()
      ).map((n) => n.member_id === memberId),
    });
    expect(await mailAndWins()).toEqual({
      newsletterEmails: expect.arrayContaining([true, false]),
      challengeWins: expect.arrayContaining([true, false]),
    });
    const holding = await columnsContaining(t.ctx, MARKER);
    expect(holding.length).toBeGreaterThan(10);
    expect(holding).toContain('webhook_deliveries.payload');
    expect(holding).toEqual(
      expect.arrayContaining(['authors.bio', 'authors.links', 'community_newsletter_digests.items']),
    );
    const before = await sentimentCounts(ws.id);
    expect(before.reduce((s, r) => s + r.n, 0)).toBe(4);

    const token = await buildToken(t.ctx, admin);
    const res = await call(
      app(),
      'POST',
      `/api/v1/customers/${id}/erase`,
      { reason: 'GDPR art. 17 request' },
      { bearer: token },
    );
    expect(res.status, await res.clone().text()).toBe(200);
    const erasure = (await res.json()) as { id: string; counts: Record<string, number> };
    expect(erasure.counts).toMatchObject({
      customers: 2,
      identities: 4,
      authors: 2,
      mentions: 3,
      ingestLog: 4,
      quarantine: 1,
      merges: 1,
      transactions: 1,
      events: 1,
      cases: 1,
      leads: 1,
      communityMembers: 1,
      surveyAnswers: 1,
    });

    expect(await columnsContaining(t.ctx, MARKER)).toEqual([]);
    expect(await columnsContaining(t.ctx, PHONE.replace(/\D/g, '').slice(-8))).toEqual([]);
    // What they were told goes (even news quoting nobody's words, like an idea's new status);
    // what others were told about the idea stays.
    expect(await toldThem()).toEqual([]);
    const ideaNewsLeft = await ideaNews();
    expect(ideaNewsLeft).toHaveLength(1);
    expect(ideaNewsLeft[0]?.member_id).not.toBe(memberId);
    // Their newsletter email and challenge win go; the neighbour's stay.
    expect(await mailAndWins()).toEqual({ newsletterEmails: [false], challengeWins: [false] });
    expect(await sentimentCounts(ws.id)).toEqual(before);

    const profile = await getCustomer(t.ctx, admin.actor, id);
    expect(profile).toMatchObject({
      displayName: 'Erased customer',
      primaryEmail: null,
      bio: null,
      attributes: {},
    });
    expect(profile.identities).toEqual([]);
    expect(profile.consents).toHaveLength(1);
    // The case stays for the figures (number, status, times), without their words.
    const kept = await t.ctx.db
      .selectFrom('cases')
      .select(['number', 'status', 'subject'])
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ number: 1, status: 'new', subject: 'Case of an erased customer' });
    const bystander = await getCustomer(t.ctx, admin.actor, bystanderId);
    expect(bystander.displayName).toBe('Bo');
    expect(bystander.mentionCount).toBe(1);

    const record = await t.ctx.db
      .selectFrom('customer_erasures')
      .selectAll()
      .where('id', '=', erasure.id)
      .executeTakeFirstOrThrow();
    expect(record).toMatchObject({
      customer_id: id,
      requested_by: admin.user.id,
      reason: 'GDPR art. 17 request',
    });
    const actions = await t.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('workspace_id', '=', ws.id)
      .where('action', '=', 'customer.erase')
      .execute();
    expect(actions).toHaveLength(1);
    await expect(eraseCustomer(t.ctx, admin.actor, id, { reason: 'again' })).rejects.toMatchObject({
      code: 'conflict',
    });
    const merge = profile.merges[0];
    expect(merge).toBeDefined();
    await expect(unmergeCustomers(t.ctx, admin.actor, merge?.id ?? '')).rejects.toMatchObject({
      code: 'conflict',
    });
    // The erased profile says so and is read-only.
    expect((await getCustomer(t.ctx, admin.actor, id)).erasedAt).not.toBeNull();
    await expect(updateCustomer(t.ctx, admin.actor, id, { displayName: 'Back again' })).rejects.toMatchObject(
      {
        code: 'conflict',
      },
    );
    await expect(
      addIdentity(t.ctx, admin.actor, id, { kind: 'email', value: 'new@example.com', verified: false }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('retitles their threads in newsletter digests already built, as their threads are, and leaves others’ items', async () => {
    const { ws, admin, id, entryThreadId, otherEntryThreadId } = await person();
    const digestTitles = async () => {
      const digests = await t.ctx.db
        .selectFrom('community_newsletter_digests')
        .select('items')
        .where('workspace_id', '=', ws.id)
        .execute();
      expect(digests).toHaveLength(1);
      const items = t.ctx.dialect.parseJson<DigestItems>(digests[0]?.items);
      return {
        raw: JSON.stringify(items),
        titles: new Map(
          [...items.top, ...items.answered, ...items.articles, ...items.ideaUpdates].map((i) => [
            i.threadId,
            i.title,
          ]),
        ),
      };
    };
    const before = await digestTitles();
    expect(before.titles.get(entryThreadId)).toBe(`Phone-free carriage for ${MARKER}`);
    expect(before.raw).toContain(MARKER);

    await eraseCustomer(t.ctx, admin.actor, id, { reason: 'GDPR art. 17 request' });

    const after = await digestTitles();
    expect(after.raw.toLowerCase()).not.toContain(MARKER);
    expect(after.raw).not.toContain('Phone-free carriage');
    expect(after.titles.get(entryThreadId)).toBe('A thread by an erased member');
    expect(after.titles.get(otherEntryThreadId)).toBe('Pretzels');
    expect([...after.titles.values()]).toContain('Quiet zone');
  });

  it('erases the text of their challenge entries like their posts, keeping entries, votes and the win', async () => {
    const { ws, admin, id, entryThreadId, otherEntryThreadId, calmId } = await person();
    const entry = async (threadId: string) => {
      const row = await t.ctx.db
        .selectFrom('community_challenge_entries as e')
        .innerJoin('community_threads as th', 'th.id', 'e.thread_id')
        .innerJoin('community_posts as p', 'p.thread_id', 'th.id')
        .select(['th.title', 'p.body_markdown', 'p.body_html', 'e.vote_count'])
        .where('e.thread_id', '=', threadId)
        .where('p.number', '=', 1)
        .executeTakeFirstOrThrow();
      return { ...row, vote_count: Number(row.vote_count) };
    };
    expect(await entry(entryThreadId)).toMatchObject({
      title: `Phone-free carriage for ${MARKER}`,
      body_markdown: 'Phones off',
      vote_count: 1,
    });

    await eraseCustomer(t.ctx, admin.actor, id, { reason: 'GDPR art. 17 request' });

    expect(await entry(entryThreadId)).toEqual({
      title: 'A thread by an erased member',
      body_markdown: 'This post was removed at its author’s request.',
      body_html: '<p>This post was removed at its author’s request.</p>',
      vote_count: 1,
    });
    expect(await entry(otherEntryThreadId)).toMatchObject({
      title: 'Pretzels',
      body_markdown: 'Salty',
      vote_count: 1,
    });
    const votes = await t.ctx.db
      .selectFrom('community_challenge_votes')
      .select('thread_id')
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(votes.map((v) => v.thread_id).sort()).toEqual([entryThreadId, otherEntryThreadId].sort());
    const challenge = await t.ctx.db
      .selectFrom('community_challenges')
      .select('winner_thread_id')
      .where('id', '=', calmId)
      .executeTakeFirstOrThrow();
    expect(challenge.winner_thread_id).toBe(entryThreadId);
  });

  it('does not bring the text back when the source redelivers a post; the account comes back as a new customer', async () => {
    const { ws, admin, id, payloads } = await person();
    await eraseCustomer(t.ctx, admin.actor, id, { reason: 'request' });
    const replayed = payloads[1];
    if (!replayed) throw new Error('no payload');
    await appendToLog(t.ctx, [
      { workspaceId: ws.id, connectorId: null, format: 'generic', payload: JSON.stringify(replayed) },
    ]);
    await drain();
    const mention = await t.ctx.db
      .selectFrom('mentions')
      .select(['text', 'url', 'deleted_at'])
      .where('workspace_id', '=', ws.id)
      .where('external_id', '=', replayed.externalId)
      .executeTakeFirstOrThrow();
    expect(mention).toMatchObject({ text: '', url: null });
    expect(mention.deleted_at).not.toBeNull();
    const erased = await getCustomer(t.ctx, admin.actor, id);
    expect(erased.displayName).toBe('Erased customer');
    expect(erased.identities).toEqual([]);
    const returning = (await listCustomers(t.ctx, admin.actor, { limit: 50, search: MARKER })).items;
    expect(returning).toHaveLength(1);
    expect(returning[0]?.id).not.toBe(id);
    expect(returning[0]?.mentionCount).toBe(0);
  });

  it('is refused to an agent (403) and changes nothing', async () => {
    const { ws, agent, id } = await person();
    const token = await buildToken(t.ctx, agent);
    const res = await call(
      app(),
      'POST',
      `/api/v1/customers/${id}/erase`,
      { reason: 'x' },
      { bearer: token },
    );
    expect(res.status).toBe(403);
    await expect(eraseCustomer(t.ctx, agent.actor as Actor, id, { reason: 'x' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const admin = (await buildUser(t.ctx, ws, { role: 'admin' })).actor;
    expect((await getCustomer(t.ctx, admin, id)).bio).toContain(MARKER);
  });
});

/** The CLI as an operator runs it, on the test's database. */
function runCli(args: string[]) {
  const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
  const { sqlitePath, databaseUrl } = t.location;
  const dataDir = sqlitePath ? path.dirname(sqlitePath) : mkdtempSync(path.join(tmpdir(), 'rapport-cli-'));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: databaseUrl ?? '', LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      if (!sqlitePath) rmSync(dataDir, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    });
  });
}

describe('privacy at the command line', () => {
  it('exports a customer to a file and erases them', async () => {
    const { ws, admin, id } = await person();
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-export-'));
    try {
      const out = path.join(dir, 'export.json');
      const exported = await runCli(['customers', 'export', id, '--workspace', ws.slug, '--out', out]);
      expect(exported.code, exported.stderr).toBe(0);
      const data = JSON.parse(readFileSync(out, 'utf8')) as {
        customerId: string;
        mentions: { text: string }[];
        community: { newsletterEmails: { recipient: string }[]; challengeNotifications: unknown[] };
      };
      expect(data.customerId).toBe(id);
      expect(data.mentions.map((m) => m.text).join(' ')).toContain(MARKER);
      expect(data.community.newsletterEmails.map((e) => e.recipient)).toEqual([
        `${MARKER}_m@members.example`,
      ]);
      expect(data.community.challengeNotifications).toHaveLength(1);

      const missingReason = await runCli(['customers', 'erase', id, '--workspace', ws.slug]);
      expect(missingReason.code).toBe(2);
      const erased = await runCli([
        'customers',
        'erase',
        id,
        '--workspace',
        ws.slug,
        '--reason',
        'asked by email',
      ]);
      expect(erased.code, erased.stderr).toBe(0);
      expect(erased.stdout).toContain('3 mentions');
      expect((await getCustomer(t.ctx, admin.actor, id)).displayName).toBe('Erased customer');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
