import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import type { MemberActor } from './actors.ts';
import { flagPost, reviewPost } from './flags.ts';
import { listMemberNotifications } from './loop.ts';
import { getMyProfile, updateMyProfile } from './members.ts';
import { insertMember } from './members-fixtures.ts';
import { deliverPostDeliveries, notifyAnswerAccepted, notifyPostWritten } from './post-notifications.ts';
import { closeSpace, createSpace } from './spaces.ts';
import { acceptAnswer, createThread, editPost, replyToThread, unacceptAnswer } from './threads.ts';

const t = setupTestDatabase();

const mails: { to: string[]; raw: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData: (stream, session, cb) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      mails.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        raw: Buffer.concat(chunks).toString('utf8'),
      });
      cb();
    });
  },
});
let smtpPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

let sequence = 0;

async function scene(opts: { mailer?: boolean } = {}) {
  const ws = await buildWorkspace(t.ctx);
  const owner = (await buildUser(t.ctx, ws, { role: 'owner' })).actor;
  const agent = (await buildUser(t.ctx, ws, { role: 'agent' })).actor;
  const moderator = (await buildUser(t.ctx, ws, { role: 'moderator' })).actor;
  if (opts.mailer !== false)
    await createConnector(t.ctx, owner, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
  sequence++;
  const forum = await createSpace(t.ctx, owner, { slug: `forum-${sequence}`, title: 'Forum', kind: 'forum' });
  const questions = await createSpace(t.ctx, owner, {
    slug: `questions-${sequence}`,
    title: 'Questions',
    kind: 'qa',
  });
  const member = () => insertMember(t.ctx, ws.id, { trustLevel: 2, username: `m${sequence}_${++sequence}` });
  const asker = await member();
  const answerer = await member();
  const other = await member();
  return { ws, owner, agent, moderator, forum, questions, asker, answerer, other };
}

async function usernameOf(m: MemberActor): Promise<string> {
  const row = await t.ctx.db
    .selectFrom('community_members')
    .select('username')
    .where('id', '=', m.memberId)
    .executeTakeFirstOrThrow();
  return row.username;
}

async function emailsOf(workspaceId: string) {
  return t.ctx.db
    .selectFrom('community_post_deliveries')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

async function notificationsOf(m: MemberActor) {
  return (await listMemberNotifications(t.ctx, m, { limit: 50 })).items;
}

async function ask(s: Awaited<ReturnType<typeof scene>>, title = 'How do I change my seat?') {
  return (await createThread(t.ctx, s.asker, { spaceId: s.questions.id, title, body: 'I booked online.' }))
    .thread.id;
}

describe('notifications about posts', () => {
  it('tells whoever started a thread about each reply by someone else, at the post, and not about their own', async () => {
    const s = await scene();
    const threadId = (
      await createThread(t.ctx, s.asker, {
        spaceId: s.forum.id,
        title: 'Favourite routes',
        body: 'Mine is LIS.',
      })
    ).thread.id;
    const reply = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Porto to **Madeira**, by far.' });
    await replyToThread(t.ctx, s.asker, threadId, { body: 'Good one.' });

    const told = await notificationsOf(s.asker);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      kind: 'post',
      threadId,
      postId: reply.post.id,
      title: `${reply.post.author?.name} replied in “Favourite routes”`,
      body: 'Porto to Madeira , by far.',
      reasons: ['started'],
      readAt: null,
    });
    expect(told[0]?.url).toBe(`${t.ctx.config.publicUrl}/community/${s.ws.slug}/t/${threadId}#p2`);
    // The replier is not told about their own reply, nor about the starter's answer to it (no thread of theirs, no mention).
    expect(await notificationsOf(s.answerer)).toHaveLength(0);
    // A forum thread's replies send no email: only questions do.
    expect(await emailsOf(s.ws.id)).toHaveLength(0);
  });

  it('tells the asker about every answer and emails them about the first one only, staff answers included', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const staff = await replyToThread(t.ctx, s.agent, threadId, {
      body: 'Open Manage booking and pick Seats.',
    });
    await replyToThread(t.ctx, s.answerer, threadId, { body: 'Or call the desk.' });

    const told = await notificationsOf(s.asker);
    expect(told.map((n) => [n.kind, n.reasons, n.title])).toEqual([
      [
        'post',
        ['asked'],
        `${(await getMyProfile(t.ctx, s.answerer)).displayName} answered “How do I change my seat?”`,
      ],
      ['post', ['asked'], `${staff.post.author?.name} answered “How do I change my seat?”`],
    ]);
    const emails = await emailsOf(s.ws.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      kind: 'first_answer',
      post_id: staff.post.id,
      member_id: s.asker.memberId,
      status: 'queued',
    });

    const before = mails.length;
    expect(await deliverPostDeliveries(t.ctx)).toBe(1);
    const sent = mails.slice(before);
    expect(sent).toHaveLength(1);
    const askerEmail = (await getMyProfile(t.ctx, s.asker)).email;
    expect(sent[0]?.to).toEqual([askerEmail]);
    expect(sent[0]?.raw).toContain(`${staff.post.author?.name} answered your question`);
    expect(sent[0]?.raw).toContain('Open Manage booking and pick Seats.');
    expect((await emailsOf(s.ws.id))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await deliverPostDeliveries(t.ctx)).toBe(0);
  });

  it('tells the members a post @mentions, once per post even when they are also the thread’s starter, never the author', async () => {
    const s = await scene();
    const threadId = (
      await createThread(t.ctx, s.asker, { spaceId: s.forum.id, title: 'Lounges', body: 'Which lounge?' })
    ).thread.id;
    const [asker, other, answerer] = await Promise.all([s.asker, s.other, s.answerer].map(usernameOf));
    const post = await replyToThread(t.ctx, s.answerer, threadId, {
      body: `@${other} and @${asker} know this; \`@${other}\` in code is no mention. Me: @${answerer}.`,
    });
    expect(await notificationsOf(s.other)).toMatchObject([
      {
        kind: 'post',
        postId: post.post.id,
        reasons: ['mentioned'],
        title: `${post.post.author?.name} mentioned you in “Lounges”`,
      },
    ]);
    expect(await notificationsOf(s.asker)).toMatchObject([
      { kind: 'post', postId: post.post.id, reasons: ['mentioned', 'started'] },
    ]);
    expect(await notificationsOf(s.answerer)).toHaveLength(0);
    // A mention in a thread's opening post tells the member too.
    const opened = await createThread(t.ctx, s.other, {
      spaceId: s.forum.id,
      title: 'Ask',
      body: `@${answerer}?`,
    });
    expect(await notificationsOf(s.answerer)).toMatchObject([
      { postId: opened.post.id, reasons: ['mentioned'] },
    ]);
  });

  it('tells a member an edit newly mentions, once, and nobody else about the edit', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const other = await usernameOf(s.other);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking.' });
    await editPost(t.ctx, s.answerer, answer.post.id, { body: `Manage booking, as @${other} said.` });
    await editPost(t.ctx, s.answerer, answer.post.id, { body: `Manage booking, as @${other} said before.` });
    expect(await notificationsOf(s.other)).toMatchObject([
      { kind: 'post', postId: answer.post.id, reasons: ['mentioned'] },
    ]);
    expect(await notificationsOf(s.asker)).toMatchObject([{ kind: 'post', reasons: ['asked'] }]);
    expect(await emailsOf(s.ws.id)).toHaveLength(1);
  });

  it('writes each notification and email once, however often the write is repeated', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const other = await usernameOf(s.other);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: `Seats page, @${other} knows.` });
    for (let i = 0; i < 3; i++)
      expect(
        await notifyPostWritten(t.ctx, t.ctx.db, s.ws.id, answer.post.id, answer.mentionedMemberIds),
      ).toEqual([]);
    await acceptAnswer(t.ctx, s.moderator, threadId, answer.post.id);
    expect(await notifyAnswerAccepted(t.ctx, t.ctx.db, s.moderator, answer.post.id)).toEqual([]);
    const rows = await t.ctx.db
      .selectFrom('community_member_notifications')
      .select(['member_id', 'kind'])
      .where('post_id', '=', answer.post.id)
      .orderBy('member_id')
      .orderBy('kind')
      .execute();
    expect(rows).toHaveLength(4);
    expect(new Set(rows.map((r) => `${r.member_id}:${r.kind}`)).size).toBe(4);
    expect((await emailsOf(s.ws.id)).map((e) => e.kind).sort()).toEqual([
      'answer_accepted',
      'first_answer',
      'your_answer_accepted',
    ]);
  });
});

describe('notifications about accepted answers', () => {
  it('tells and emails the answerer when the asker accepts, and neither tells nor emails the asker about their own act', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking, then Seats.' });
    await acceptAnswer(t.ctx, s.asker, threadId, answer.post.id);
    expect(await notificationsOf(s.answerer)).toMatchObject([
      {
        kind: 'answer_accepted',
        postId: answer.post.id,
        reasons: ['answered'],
        title: 'Your answer to “How do I change my seat?” was accepted',
      },
    ]);
    expect((await notificationsOf(s.asker)).map((n) => n.kind)).toEqual(['post']);
    expect((await emailsOf(s.ws.id)).map((e) => [e.kind, e.member_id]).sort()).toEqual([
      ['first_answer', s.asker.memberId],
      ['your_answer_accepted', s.answerer.memberId],
    ]);
  });

  it('emails the answer’s author exactly once, through accepting again and accept, withdraw, accept', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking, then Seats.' });
    await acceptAnswer(t.ctx, s.asker, threadId, answer.post.id);
    await acceptAnswer(t.ctx, s.asker, threadId, answer.post.id);
    await unacceptAnswer(t.ctx, s.asker, threadId);
    await acceptAnswer(t.ctx, s.moderator, threadId, answer.post.id);
    const toAnswerer = (await emailsOf(s.ws.id)).filter((e) => e.member_id === s.answerer.memberId);
    const answererEmail = (await getMyProfile(t.ctx, s.answerer)).email;
    expect(toAnswerer).toMatchObject([
      {
        kind: 'your_answer_accepted',
        recipient: answererEmail,
        subject: expect.stringContaining('Your answer was accepted'),
      },
    ]);
    expect(toAnswerer[0]?.body).toContain('Your answer to “How do I change my seat?” was accepted');
    expect(toAnswerer[0]?.body).toContain(`/t/${threadId}#p2`);
    expect(toAnswerer[0]?.body).toContain('because you answered the question');
    const before = mails.length;
    await deliverPostDeliveries(t.ctx);
    const sent = mails.slice(before).filter((m) => m.to[0] === answererEmail);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.raw).toContain('Your answer was accepted');
  });

  it('emails no answerer who turned emails about replies off, and not the asker who answered themself twice', async () => {
    const s = await scene();
    await updateMyProfile(t.ctx, s.answerer, { emailReplies: false });
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking, then Seats.' });
    await acceptAnswer(t.ctx, s.moderator, threadId, answer.post.id);
    // The in-app notification still comes; the asker has their own email about the acceptance.
    expect(await notificationsOf(s.answerer)).toMatchObject([{ kind: 'answer_accepted' }]);
    expect((await emailsOf(s.ws.id)).filter((e) => e.member_id === s.answerer.memberId)).toEqual([]);

    const own = await ask(s, 'Can I pick a seat for free?');
    const mine = await replyToThread(t.ctx, s.asker, own, { body: 'Found it: only on long haul.' });
    await acceptAnswer(t.ctx, s.moderator, own, mine.post.id);
    expect(
      (await emailsOf(s.ws.id)).filter((e) => e.thread_id === own).map((e) => [e.kind, e.member_id]),
    ).toEqual([['answer_accepted', s.asker.memberId]]);
  });

  it('does not email a member moderator who accepts their own answer', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking, then Seats.' });
    await t.ctx.db
      .insertInto('community_space_moderators')
      .values({
        space_id: s.questions.id,
        member_id: s.answerer.memberId,
        workspace_id: s.ws.id,
        created_by: null,
        created_at: t.ctx.now().toISOString(),
      })
      .execute();
    // Their own act: neither told nor emailed; the asker is.
    await acceptAnswer(t.ctx, s.answerer, threadId, answer.post.id);
    expect(await notificationsOf(s.answerer)).toEqual([]);
    expect((await emailsOf(s.ws.id)).map((e) => [e.kind, e.member_id]).sort()).toEqual([
      ['answer_accepted', s.asker.memberId],
      ['first_answer', s.asker.memberId],
    ]);
  });

  it('tells and emails the asker when a moderator accepts, and an accepted answer changed since is not emailed', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const first = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking, then Seats.' });
    const second = await replyToThread(t.ctx, s.other, threadId, { body: 'The app has a seat map.' });
    t.clock.advance(1000);
    await acceptAnswer(t.ctx, s.moderator, threadId, first.post.id);
    expect(await notificationsOf(s.asker)).toMatchObject([
      {
        kind: 'answer_accepted',
        postId: first.post.id,
        reasons: ['asked'],
        title: 'An answer to “How do I change my seat?” was accepted',
      },
      { kind: 'post', postId: second.post.id },
      { kind: 'post', postId: first.post.id },
    ]);
    expect(await notificationsOf(s.answerer)).toMatchObject([
      { kind: 'answer_accepted', reasons: ['answered'] },
    ]);
    // Accepting again tells nobody twice; accepting another answer is news about that one.
    for (const post of [second, first, second]) {
      t.clock.advance(1000);
      await acceptAnswer(t.ctx, s.moderator, threadId, post.post.id);
    }
    expect((await notificationsOf(s.asker)).filter((n) => n.kind === 'answer_accepted')).toHaveLength(2);
    const toAsker = async () => (await emailsOf(s.ws.id)).filter((e) => e.member_id === s.asker.memberId);
    expect((await toAsker()).map((e) => [e.kind, e.post_id])).toEqual([
      ['first_answer', first.post.id],
      ['answer_accepted', first.post.id],
      ['answer_accepted', second.post.id],
    ]);
    // Each answer's author is emailed about theirs.
    expect(
      (await emailsOf(s.ws.id))
        .filter((e) => e.member_id !== s.asker.memberId)
        .map((e) => [e.kind, e.member_id]),
    ).toEqual([
      ['your_answer_accepted', s.answerer.memberId],
      ['your_answer_accepted', s.other.memberId],
    ]);
    const before = mails.length;
    await deliverPostDeliveries(t.ctx);
    const emails = await toAsker();
    expect(emails.map((e) => e.status)).toEqual(['sent', 'skipped', 'sent']);
    expect(emails[1]?.last_error).toBe('The answer is no longer the accepted one');
    const askerEmail = (await getMyProfile(t.ctx, s.asker)).email;
    const sent = mails.slice(before).filter((m) => m.to[0] === askerEmail);
    expect(sent.map((m) => m.raw.includes('was accepted'))).toEqual([false, true]);
  });
});

describe('what members are not told', () => {
  it('hides the notification of a post hidden by moderation, shows it again when restored, and drops its email', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, {
      body: 'Buy cheap watches at example.com',
    });
    expect((await listMemberNotifications(t.ctx, s.asker, { limit: 10 })).unread).toBe(1);
    expect((await flagPost(t.ctx, s.moderator, answer.post.id, { reason: 'spam' })).hidden).toBe(true);
    const hidden = await listMemberNotifications(t.ctx, s.asker, { limit: 10 });
    expect(hidden).toMatchObject({ items: [], unread: 0 });
    // Written again while hidden (a retry): nothing new.
    expect(await notifyPostWritten(t.ctx, t.ctx.db, s.ws.id, answer.post.id, [])).toEqual([]);
    await deliverPostDeliveries(t.ctx);
    expect(await emailsOf(s.ws.id)).toMatchObject([
      { status: 'skipped', last_error: 'The post is hidden, deleted or no longer readable by members' },
    ]);
    await reviewPost(t.ctx, s.moderator, answer.post.id, 'restore');
    expect((await listMemberNotifications(t.ctx, s.asker, { limit: 10 })).unread).toBe(1);
  });

  it('tells nobody about posts in a space members cannot read, and hides the ones written before it closed', async () => {
    const s = await scene();
    const threadId = await ask(s);
    const answer = await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking.' });
    await closeSpace(t.ctx, s.owner, s.questions.id, 'Moved to the help centre');
    expect(await listMemberNotifications(t.ctx, s.asker, { limit: 10 })).toMatchObject({
      items: [],
      unread: 0,
    });
    // A notification written for a post there now (a retry, a late mention) is not written at all.
    expect(await notifyPostWritten(t.ctx, t.ctx.db, s.ws.id, answer.post.id, [s.other.memberId])).toEqual([]);
    expect(await notificationsOf(s.other)).toHaveLength(0);
  });

  it('emails nobody without a verified address or who turned emails about replies off, and says so when it changed since', async () => {
    const s = await scene();
    await t.ctx.db
      .updateTable('community_members')
      .set({ email_verified_at: null })
      .where('id', '=', s.other.memberId)
      .execute();
    const unverified = (
      await createThread(t.ctx, s.other, { spaceId: s.questions.id, title: 'Pets?', body: 'Can my cat fly?' })
    ).thread.id;
    await replyToThread(t.ctx, s.answerer, unverified, { body: 'In the cabin, under 8 kg.' });

    expect((await getMyProfile(t.ctx, s.asker)).emailReplies).toBe(true);
    expect((await updateMyProfile(t.ctx, s.asker, { emailReplies: false })).emailReplies).toBe(false);
    const off = await ask(s, 'Baggage allowance?');
    await replyToThread(t.ctx, s.answerer, off, { body: '23 kg.' });
    expect(await emailsOf(s.ws.id)).toHaveLength(0);
    // The in-app notifications still come.
    expect(await notificationsOf(s.asker)).toHaveLength(1);
    expect(await notificationsOf(s.other)).toHaveLength(1);

    await updateMyProfile(t.ctx, s.asker, { emailReplies: true });
    const on = await ask(s, 'Meals?');
    await replyToThread(t.ctx, s.answerer, on, { body: 'On long haul.' });
    await updateMyProfile(t.ctx, s.asker, { emailReplies: false });
    await deliverPostDeliveries(t.ctx);
    expect(await emailsOf(s.ws.id)).toMatchObject([
      { status: 'skipped', last_error: 'The member turned off emails about replies' },
    ]);
  });

  it('skips the email, saying why, when the workspace has no community mail connector', async () => {
    const s = await scene({ mailer: false });
    const threadId = await ask(s);
    await replyToThread(t.ctx, s.answerer, threadId, { body: 'Manage booking.' });
    await deliverPostDeliveries(t.ctx);
    expect(await emailsOf(s.ws.id)).toMatchObject([
      { status: 'skipped', last_error: 'No email connector (SMTP) to send community mail' },
    ]);
  });
});
