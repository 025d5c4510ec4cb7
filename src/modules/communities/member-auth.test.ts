import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import { createConnector } from '../../connectors/service.ts';
import { createCustomer, customerTimeline, getCustomer } from '../customers/service.ts';
import {
  loginMember,
  logoutMember,
  memberFromSession,
  purgeExpiredMemberSessions,
  resendVerification,
  signUp,
  verifyEmail,
} from './member-auth.ts';
import { getMyProfile, updateMyProfile } from './members.ts';
import { insertPost, insertSpace } from './members-fixtures.ts';

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

/** The body of the last email sent to `to`, with quoted-printable soft breaks undone. */
function lastMailTo(to: string): string {
  const mail = mails.filter((m) => m.to.includes(to)).at(-1);
  if (!mail) throw new Error(`no mail to ${to}`);
  return mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
}

function tokenFrom(body: string): string {
  const match = /verify\?token=([A-Za-z0-9_-]+)/.exec(body);
  if (!match?.[1]) throw new Error('no verification link');
  return match[1];
}

async function community(withMailer = true) {
  const ws = await buildWorkspace(t.ctx);
  const owner = await buildUser(t.ctx, ws, { role: 'owner' });
  if (withMailer)
    await createConnector(t.ctx, owner.actor, {
      kind: 'email',
      name: 'Community mail',
      config: { host: '127.0.0.1', port: smtpPort, fromAddress: 'community@airline.example' },
    });
  return { ws, owner };
}

const password = 'a long enough password';

describe('sign-up and email verification', () => {
  it('emails a verification link through SMTP; the member signs in only after verifying', async () => {
    const { ws } = await community();
    const sent = await signUp(t.ctx, {
      workspace: ws.slug,
      email: 'Maya@Example.COM',
      username: 'maya',
      password,
    });
    expect(sent).toEqual({ verificationSent: true });
    const body = lastMailTo('maya@example.com');
    expect(body).toContain('Subject: Confirm your email');
    await expect(
      loginMember(t.ctx, { workspace: ws.slug, email: 'maya@example.com', password }),
    ).rejects.toMatchObject({ code: 'forbidden', details: { reason: 'email_not_verified' } });

    const verified = await verifyEmail(t.ctx, tokenFrom(body));
    const session = await loginMember(t.ctx, { workspace: ws.slug, email: 'MAYA@example.com', password });
    expect(session.memberId).toBe(verified.memberId);
    const resolved = await memberFromSession(t.ctx, session.sessionToken);
    expect(resolved?.member).toEqual({
      kind: 'member',
      memberId: verified.memberId,
      workspaceId: ws.id,
      trustLevel: 0,
    });
    expect(resolved?.csrfToken).toBe(session.csrfToken);
  });

  it('refuses a used, superseded or expired link', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'old@example.com', username: 'oldlink', password });
    const first = tokenFrom(lastMailTo('old@example.com'));
    await resendVerification(t.ctx, { workspace: ws.slug, email: 'old@example.com' });
    const second = tokenFrom(lastMailTo('old@example.com'));
    expect(second).not.toBe(first);
    await expect(verifyEmail(t.ctx, first)).rejects.toMatchObject({ code: 'bad_request' });
    await verifyEmail(t.ctx, second);
    await expect(verifyEmail(t.ctx, second)).rejects.toMatchObject({ code: 'bad_request' });

    await signUp(t.ctx, { workspace: ws.slug, email: 'late@example.com', username: 'late', password });
    const late = tokenFrom(lastMailTo('late@example.com'));
    t.clock.advance(24 * 3600_000 + 1);
    await expect(verifyEmail(t.ctx, late)).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('does not reveal that an email is a member: a second sign-up is answered alike and told by email', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'taken@example.com', username: 'first', password });
    await verifyEmail(t.ctx, tokenFrom(lastMailTo('taken@example.com')));
    const again = await signUp(t.ctx, {
      workspace: ws.slug,
      email: 'taken@example.com',
      username: 'second',
      password: 'another long password',
    });
    expect(again).toEqual({ verificationSent: true });
    expect(lastMailTo('taken@example.com')).toContain('You already have an account');
    // The original password still works; the second one never became anything.
    await loginMember(t.ctx, { workspace: ws.slug, email: 'taken@example.com', password });
    await expect(
      loginMember(t.ctx, {
        workspace: ws.slug,
        email: 'taken@example.com',
        password: 'another long password',
      }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('refuses a taken username, and sign-ups where the community cannot send email', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'a@example.com', username: 'samename', password });
    await expect(
      signUp(t.ctx, { workspace: ws.slug, email: 'b@example.com', username: 'SameName', password }),
    ).rejects.toMatchObject({ code: 'conflict' });
    const silent = await community(false);
    await expect(
      signUp(t.ctx, { workspace: silent.ws.slug, email: 'c@example.com', username: 'someone', password }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('answers a wrong password and an unknown email with the same error', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'pw@example.com', username: 'pwtest', password });
    await verifyEmail(t.ctx, tokenFrom(lastMailTo('pw@example.com')));
    const wrong = loginMember(t.ctx, {
      workspace: ws.slug,
      email: 'pw@example.com',
      password: 'wrong password!',
    });
    const unknown = loginMember(t.ctx, { workspace: ws.slug, email: 'nobody@example.com', password });
    await expect(wrong).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Email or password is incorrect',
    });
    await expect(unknown).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Email or password is incorrect',
    });
  });
});

describe('sessions', () => {
  it('ends a session on logout and after 14 days without use, and purges expired ones', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 's@example.com', username: 'sessions', password });
    await verifyEmail(t.ctx, tokenFrom(lastMailTo('s@example.com')));
    const a = await loginMember(t.ctx, { workspace: ws.slug, email: 's@example.com', password });
    const b = await loginMember(t.ctx, { workspace: ws.slug, email: 's@example.com', password });
    await logoutMember(t.ctx, a.sessionToken);
    expect(await memberFromSession(t.ctx, a.sessionToken)).toBeNull();
    expect(await memberFromSession(t.ctx, b.sessionToken)).not.toBeNull();
    t.clock.advance(14 * 24 * 3600_000 + 1);
    expect(await memberFromSession(t.ctx, b.sessionToken)).toBeNull();
    expect(await purgeExpiredMemberSessions(t.ctx)).toBeGreaterThanOrEqual(1);
  });
});

describe('members are identities of customers', () => {
  it('gives a verified member a customer with their email and a community identity', async () => {
    const { ws, owner } = await community();
    await signUp(t.ctx, {
      workspace: ws.slug,
      email: 'new.person@example.com',
      username: 'newperson',
      displayName: 'New Person',
      password,
    });
    const { memberId, customerId } = await verifyEmail(
      t.ctx,
      tokenFrom(lastMailTo('new.person@example.com')),
    );
    const customer = await getCustomer(t.ctx, owner.actor, customerId);
    expect(customer.displayName).toBe('New Person');
    expect(customer.identities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'social',
          channel: 'community',
          externalId: memberId,
          handle: 'newperson',
        }),
        expect.objectContaining({ kind: 'email', externalId: 'new.person@example.com', verified: true }),
      ]),
    );
    const profile = await getMyProfile(t.ctx, {
      kind: 'member',
      memberId,
      workspaceId: ws.id,
      trustLevel: 0,
    });
    expect(profile.customerId).toBe(customerId);
  });

  it('joins the customer who already has that verified email, by a merge with evidence shown on the timeline', async () => {
    const { ws, owner } = await community();
    const known = await createCustomer(t.ctx, owner.actor, {
      displayName: 'Known Customer',
      email: 'known@example.com',
      verified: true,
    });
    await signUp(t.ctx, { workspace: ws.slug, email: 'known@example.com', username: 'known', password });
    const { memberId, customerId } = await verifyEmail(t.ctx, tokenFrom(lastMailTo('known@example.com')));
    expect(customerId).toBe(known.id);
    const customer = await getCustomer(t.ctx, owner.actor, known.id);
    expect(customer.identities.map((i) => `${i.channel}:${i.externalId}`)).toEqual(
      expect.arrayContaining([`community:${memberId}`, 'email:known@example.com']),
    );
    const timeline = await customerTimeline(t.ctx, owner.actor, known.id, { limit: 20 });
    const merge = timeline.items.find((i) => i.kind === 'merge');
    expect(merge?.summary).toContain('Same verified email known@example.com');
    expect(merge?.summary).toContain('@known');
  });

  it("shows the member's community posts on the customer's timeline, paged with the rest", async () => {
    const { ws, owner } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'poster@example.com', username: 'poster', password });
    const { memberId, customerId } = await verifyEmail(t.ctx, tokenFrom(lastMailTo('poster@example.com')));
    const spaceId = await insertSpace(t.ctx, ws.id);
    t.clock.advance(60_000);
    const first = await insertPost(t.ctx, ws.id, {
      spaceId,
      authorMemberId: memberId,
      body: 'Where is gate B12?',
    });
    t.clock.advance(60_000);
    await insertPost(t.ctx, ws.id, {
      spaceId,
      authorMemberId: memberId,
      threadId: first.threadId,
      body: 'Found it',
    });
    const page1 = await customerTimeline(t.ctx, owner.actor, customerId, { limit: 2 });
    expect(page1.items.map((i) => i.summary)).toEqual([
      'Community reply in "A thread": Found it',
      'Community thread in "A thread": Where is gate B12?',
    ]);
    const page2 = await customerTimeline(t.ctx, owner.actor, customerId, {
      limit: 10,
      cursor: page1.nextCursor ?? '',
    });
    expect(page2.items.map((i) => i.kind)).not.toContain('community_post');
    expect(page2.items.some((i) => i.summary.includes('Community account poster added'))).toBe(true);
  });

  it('suggests rather than merges when the other customer has the email unverified', async () => {
    const { ws, owner } = await community();
    const typed = await createCustomer(t.ctx, owner.actor, {
      displayName: 'Typed By An Agent',
      email: 'typed@example.com',
      verified: false,
    });
    await signUp(t.ctx, { workspace: ws.slug, email: 'typed@example.com', username: 'typed', password });
    const { customerId } = await verifyEmail(t.ctx, tokenFrom(lastMailTo('typed@example.com')));
    expect(customerId).not.toBe(typed.id);
    const suggestions = await t.ctx.db
      .selectFrom('identity_suggestions')
      .selectAll()
      .where('workspace_id', '=', ws.id)
      .execute();
    expect(suggestions).toHaveLength(1);
    expect([suggestions[0]?.customer_id, suggestions[0]?.other_customer_id].sort()).toEqual(
      [customerId, typed.id].sort(),
    );
  });
});

describe('profile', () => {
  it('updates the display name and bio, and shows what the trust level unlocks', async () => {
    const { ws } = await community();
    await signUp(t.ctx, { workspace: ws.slug, email: 'p@example.com', username: 'profile', password });
    const { memberId } = await verifyEmail(t.ctx, tokenFrom(lastMailTo('p@example.com')));
    const me = { kind: 'member' as const, memberId, workspaceId: ws.id, trustLevel: 0 };
    const updated = await updateMyProfile(t.ctx, me, { displayName: 'Pat', bio: 'Frequent flyer' });
    expect(updated).toMatchObject({
      username: 'profile',
      displayName: 'Pat',
      bio: 'Frequent flyer',
      trustLevel: 0,
      rank: 'Newcomer',
      points: 0,
      emailVerified: true,
      permissions: { postLinks: false, createSpaces: false, postLimit: { posts: 3, windowMinutes: 10 } },
    });
  });
});
