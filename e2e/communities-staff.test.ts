import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type AppContext, createContext } from '../src/context.ts';
import { type Database, openSqlite } from '../src/db/client.ts';
import { createHeavyReader } from '../src/db/heavy-read.ts';
import { createLogger } from '../src/log.ts';
import type { Actor } from '../src/modules/auth/roles.ts';
import type { MemberActor } from '../src/modules/communities/actors.ts';
import { flagPost } from '../src/modules/communities/flags.ts';
import { voteIdea } from '../src/modules/communities/ideas.ts';
import { listMemberNotifications, notifyIdeaStatusChanges } from '../src/modules/communities/loop.ts';
import { insertMember } from '../src/modules/communities/members-fixtures.ts';
import { createThread, replyToThread } from '../src/modules/communities/threads.ts';
import { createCase } from '../src/modules/inbox/cases.ts';
import { projectRoot } from '../src/project.ts';
import { artifacts, launchChromium } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * Issue #7, the staff side of the community in the web app: the owner creates a Q&A space and an
 * ideas space; member content written through the community services shows up; a moderator
 * restores a post the members' flags hid, and cannot reach the settings their role lacks; a
 * manager confirms a link suggestion ("requested in 1 conversation") and plans an idea with a
 * note, and every voter is told once.
 *
 * The server is the built one, as in the other browser tests, on a data directory this file
 * knows, so the test can write member content through the same service functions the member
 * routes call (members have no staff session to drive from the browser).
 */

let server: { url: string; password: string; dataDir: string; child: ChildProcess };
let browser: Browser;
let database: Database;
let ctx: AppContext;
let workspaceId = '';
let owner: Actor;
const password = 'a long new passphrase';
const moderatorPassword = 'the moderator chose this';
const managerPassword = 'the manager chose this one';
const members: Record<string, MemberActor> = {};
let questionThreadId = '';
let flaggedPostId = 0;
let ideaThreadId = '';
const ideaTitle = 'Kayak paddles as sports luggage';

async function startServer() {
  const entry = path.join(projectRoot, 'dist', 'src', 'main.js');
  if (!existsSync(entry)) throw new Error('Build first: npm run build');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rapport-e2e-community-'));
  const child = spawn(process.execPath, [entry, 'serve'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: '' },
  });
  let out = '';
  const ready = await new Promise<{ url: string; password: string }>((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      out += d;
      const url = /running at (\S+)/.exec(out)?.[1];
      const pw = /one-time password: (\S+)/.exec(out)?.[1];
      if (url && pw) resolve({ url, password: pw });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { ...ready, dataDir, child };
}

/** Creates a staff user as the signed-in owner; returns the one-time password. */
function createUser(page: Page, body: { email: string; name: string; role: string }): Promise<string> {
  return page.evaluate(async (input) => {
    const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
    const res = await fetch('/api/v1/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
      body: JSON.stringify(input),
    });
    return ((await res.json()) as { temporaryPassword: string }).temporaryPassword;
  }, body);
}

/** The status code of an API call made with the page's session. */
function statusOf(page: Page, method: string, url: string, body?: unknown): Promise<number> {
  return page.evaluate(
    async ({ method, url, body }) => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: body === undefined ? null : JSON.stringify(body),
      });
      return res.status;
    },
    { method, url, body },
  );
}

async function spaceIdBySlug(slug: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('community_spaces')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  return row.id;
}

const temporary: Record<string, string> = {};

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startServer();
  browser = await launchChromium();
  database = openSqlite(path.join(server.dataDir, 'rapport.sqlite'));
  ctx = createContext(
    database,
    createHeavyReader(database),
    loadConfig({ DATA_DIR: server.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: server.url }),
    createLogger({ logLevel: 'silent' }),
  );
  const ws = await ctx.db
    .selectFrom('workspaces')
    .select('id')
    .where('slug', '=', 'demo')
    .executeTakeFirstOrThrow();
  workspaceId = ws.id;
  const ownerRow = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', ownerEmail)
    .executeTakeFirstOrThrow();
  owner = { userId: ownerRow.id, workspaceId, role: 'owner', via: 'cli' };

  const page = await browser.newPage();
  await signIn(page, server.url, ownerEmail, server.password, password);
  temporary.moderator = await createUser(page, {
    email: 'mo@demo.rapport.local',
    name: 'Mo Derator',
    role: 'moderator',
  });
  temporary.manager = await createUser(page, {
    email: 'mia@demo.rapport.local',
    name: 'Mia Manager',
    role: 'manager',
  });
  await page.close();
});

afterAll(async () => {
  await browser?.close();
  await database?.close();
  if (server) {
    const exited = new Promise((r) => server.child.once('exit', r));
    server.child.kill('SIGTERM');
    await exited;
    rmSync(server.dataDir, { recursive: true, force: true });
  }
});

describe('communities staff app (issue #7)', () => {
  it('the owner creates a Q&A space and an ideas space', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Communities' }).click();
    await page.getByRole('heading', { name: 'Communities', level: 1 }).waitFor();
    expect(await page.title()).toBe('Communities · Rapport');

    for (const space of [
      { title: 'Trip questions', slug: 'trip-questions', kind: 'Q&A' },
      { title: 'Roadmap', slug: 'roadmap', kind: 'Ideas' },
    ]) {
      await page.getByRole('button', { name: 'New space' }).click();
      const form = page.getByRole('form', { name: 'New space' });
      await form.getByLabel('Title').fill(space.title);
      await form.getByLabel('Address').fill(space.slug);
      await form.getByLabel('Kind').selectOption({ label: space.kind });
      await form.getByRole('button', { name: 'Create space' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Space “${space.title}” created.` })
        .waitFor();
    }
    // A bad address comes back from the API next to the field.
    await page.getByRole('button', { name: 'New space' }).click();
    const form = page.getByRole('form', { name: 'New space' });
    await form.getByLabel('Title').fill('Bad');
    await form.getByLabel('Address').fill('Not An Address');
    await form.getByRole('button', { name: 'Create space' }).click();
    await expect.poll(() => form.getByLabel('Address').getAttribute('aria-invalid')).toBe('true');
    await form.getByRole('button', { name: 'Cancel' }).click();

    const rows = page.getByRole('table', { name: 'Spaces' }).getByRole('row');
    const help = rows.filter({ hasText: 'Trip questions' });
    expect(await help.getByRole('cell').nth(1).textContent()).toBe('Q&A');
    expect(await help.getByRole('link', { name: 'Trip questions' }).getAttribute('href')).toBe(
      '/community/demo/s/trip-questions',
    );
    expect(await rows.filter({ hasText: 'Roadmap' }).getByRole('cell').nth(1).textContent()).toBe('Ideas');

    // Trust levels: the API's validation error lands on the field it names.
    await page
      .getByRole('navigation', { name: 'Communities' })
      .getByRole('link', { name: 'Settings' })
      .click();
    const threshold = page.getByLabel('flag hide threshold', { exact: true });
    expect(await threshold.inputValue()).toBe('3');
    await threshold.fill('0');
    await page.getByRole('button', { name: 'Save trust levels' }).click();
    await page.getByRole('alert').filter({ hasText: 'The trust levels were not saved' }).waitFor();
    expect(await threshold.getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: path.join(artifacts, 'communities-staff-trust.png'), fullPage: true });
    await threshold.fill('3');
    await page.getByRole('button', { name: 'Save trust levels' }).click();
    await page.getByRole('status').filter({ hasText: 'Trust levels saved' }).waitFor();
    expect(await threshold.getAttribute('aria-invalid')).toBe('false');
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('shows member content written through the community services', async () => {
    const helpId = await spaceIdBySlug('trip-questions');
    const ideasId = await spaceIdBySlug('roadmap');
    members.asker = await insertMember(ctx, workspaceId, { trustLevel: 2, username: 'asker' });
    members.voter1 = await insertMember(ctx, workspaceId, { trustLevel: 2, username: 'voter_one' });
    members.voter2 = await insertMember(ctx, workspaceId, { trustLevel: 1, username: 'voter_two' });
    members.flagger1 = await insertMember(ctx, workspaceId, { trustLevel: 3, username: 'flagger_one' });
    members.flagger2 = await insertMember(ctx, workspaceId, { trustLevel: 3, username: 'flagger_two' });
    const m = (k: string) => members[k] as MemberActor;

    const question = await createThread(ctx, m('asker'), {
      spaceId: helpId,
      title: 'Can I take a folding bike as checked luggage?',
      body: 'Flying to **Lisbon** with a folding bike in a soft case.',
    });
    questionThreadId = question.thread.id;
    const reply = await replyToThread(ctx, m('voter1'), questionThreadId, {
      body: 'Yes, it travels as *standard checked luggage* up to 23 kg.',
    });
    flaggedPostId = reply.post.id;
    // Two regulars flag it (weight 2 each against the default threshold of 3): it hides itself.
    await flagPost(ctx, m('flagger1'), flaggedPostId, { reason: 'off_topic', note: 'looks like an ad' });
    const second = await flagPost(ctx, m('flagger2'), flaggedPostId, { reason: 'spam' });
    expect(second.hidden).toBe(true);

    const idea = await createThread(ctx, m('asker'), {
      spaceId: ideasId,
      title: ideaTitle,
      body: 'Please let kayak paddles travel as sports luggage, like skis and golf bags.',
    });
    ideaThreadId = idea.thread.id;
    await voteIdea(ctx, m('voter1'), ideaThreadId);
    await voteIdea(ctx, m('voter2'), ideaThreadId);
    // A customer asked for the same thing in a case: the link suggestion finds it by subject.
    await createCase(ctx, owner, { subject: 'Kayak paddles as sports luggage?' });

    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/communities`);
    const help = page
      .getByRole('table', { name: 'Spaces' })
      .getByRole('row')
      .filter({ hasText: 'Trip questions' });
    await help.waitFor();
    expect(await help.getByRole('cell').nth(3).textContent()).toBe('1');
    // The counts are what visitors can read: the hidden reply is left out (the moderation queue lists it).
    expect(await help.getByRole('cell').nth(4).textContent()).toBe('1');

    await page
      .getByRole('navigation', { name: 'Communities' })
      .getByRole('link', { name: 'Members' })
      .click();
    const flagger = page
      .getByRole('table', { name: 'Members' })
      .getByRole('row')
      .filter({ hasText: '@flagger_one' });
    await flagger.waitFor();
    expect(await flagger.getByRole('cell').nth(1).textContent()).toBe('3 · Regular');
    await page.screenshot({ path: path.join(artifacts, 'communities-staff-members.png'), fullPage: true });
    await page.close();
  });

  it('a moderator restores a flagged post from the queue and cannot reach the settings they lack', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, 'mo@demo.rapport.local', temporary.moderator ?? '', moderatorPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Communities' }).click();
    await page.getByRole('heading', { name: 'Communities', level: 1 }).waitFor();
    // Moderators close spaces but do not create them.
    await page.getByRole('button', { name: /Close… Trip questions/ }).waitFor();
    expect(await page.getByRole('button', { name: 'New space' }).count()).toBe(0);

    await page
      .getByRole('navigation', { name: 'Communities' })
      .getByRole('link', { name: 'Moderation' })
      .click();
    const item = page.getByRole('listitem', { name: 'Post 2 in Trip questions' });
    await item.waitFor();
    expect(await item.locator('.badge').textContent()).toBe('Hidden');
    // The post's server-sanitized HTML, with its emphasis.
    await item.locator('.post-body em').filter({ hasText: 'standard checked luggage' }).waitFor();
    const flags = item.getByRole('table', { name: /Flags on/ }).getByRole('row');
    expect(await flags.count()).toBe(3);
    expect(await flags.filter({ hasText: 'looks like an ad' }).getByRole('cell').nth(0).textContent()).toBe(
      'Off topic',
    );
    await page.screenshot({ path: path.join(artifacts, 'communities-staff-queue.png'), fullPage: true });

    await item.getByRole('button', { name: 'Restore post' }).click();
    await page.getByRole('status').filter({ hasText: 'Post 2 restored.' }).waitFor();
    expect(await page.getByRole('listitem', { name: 'Post 2 in Trip questions' }).count()).toBe(0);
    // Focus goes on to the card now in its place, not lost with the decided one.
    await expect
      .poll(() =>
        page.evaluate<string>('document.activeElement?.closest("li")?.getAttribute("aria-label") ?? ""'),
      )
      .toMatch(/^Post \d+ in /);
    const post = await ctx.db
      .selectFrom('community_posts')
      .select('hidden_at')
      .where('id', '=', flaggedPostId)
      .executeTakeFirstOrThrow();
    expect(post.hidden_at).toBeNull();

    // What must go for good (here a phone number) is deleted, after a second question.
    const leak = await replyToThread(ctx, members.voter2 as MemberActor, questionThreadId, {
      body: 'Call the desk manager at +351 912 345 678, she sorts it.',
    });
    await flagPost(ctx, members.flagger1 as MemberActor, leak.post.id, {
      reason: 'other',
      note: 'personal data',
    });
    await page.reload();
    const leaked = page.getByRole('listitem', { name: `Post ${leak.post.number} in Trip questions` });
    await leaked.getByRole('button', { name: 'Delete' }).click();
    await leaked.getByRole('button', { name: 'Yes, delete' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Post ${leak.post.number} deleted.` })
      .waitFor();
    const gone = await ctx.db
      .selectFrom('community_posts')
      .select(['deleted_at', 'body_markdown'])
      .where('id', '=', leak.post.id)
      .executeTakeFirstOrThrow();
    expect(gone.deleted_at).not.toBeNull();
    expect(gone.body_markdown).toBe('');
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('target_id', '=', String(leak.post.id))
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['community.post_deleted']);

    // Settings: sharing is theirs; trust levels (communities:manage) and the unanswered-question
    // rule (inbox) are not, in the UI and in the API.
    await page
      .getByRole('navigation', { name: 'Communities' })
      .getByRole('link', { name: 'Settings' })
      .click();
    await page.getByRole('heading', { name: 'Share a thread' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Trust levels' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Unanswered questions' }).count()).toBe(0);
    expect(await statusOf(page, 'GET', '/api/v1/communities/trust-config')).toBe(403);
    expect(await statusOf(page, 'GET', '/api/v1/communities/unanswered-policy')).toBe(403);
    expect(
      await statusOf(page, 'PUT', '/api/v1/communities/unanswered-policy', { enabled: false, hours: 5 }),
    ).toBe(403);
    expect(
      await statusOf(page, 'POST', '/api/v1/communities/spaces', {
        slug: 'mine',
        title: 'Mine',
        kind: 'forum',
      }),
    ).toBe(403);
    // The members page offers no leader grant to a moderator.
    await page
      .getByRole('navigation', { name: 'Communities' })
      .getByRole('link', { name: 'Members' })
      .click();
    await page.getByRole('table', { name: 'Members' }).waitFor();
    expect(await page.getByRole('button', { name: /Make leader/ }).count()).toBe(0);
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('a manager confirms a link suggestion and plans an idea with a note; each voter is told once', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(page, server.url, 'mia@demo.rapport.local', temporary.manager ?? '', managerPassword);
    await page.goto(`${server.url}/communities/ideas`);
    // The demo community has its own ideas space; the boards are a navigation of their own.
    await page
      .getByRole('navigation', { name: 'Idea boards' })
      .getByRole('link', { name: 'Roadmap' })
      .click();
    await page.getByRole('heading', { name: 'Ideas: Roadmap', level: 1 }).waitFor();
    const open = page.getByRole('region', { name: 'Open' });
    const card = open.getByRole('listitem').filter({ hasText: ideaTitle });
    await card.waitFor();
    expect(await card.textContent()).toContain('2 votes');
    await card.getByRole('button', { name: ideaTitle }).click();

    const detail = page.getByRole('complementary', { name: `Idea: ${ideaTitle}` });
    await detail.getByText('Requested in 0 conversations').waitFor();
    await detail.getByRole('button', { name: 'Find similar conversations' }).click();
    const suggestion = detail
      .getByRole('list', { name: 'Suggested links' })
      .getByRole('listitem')
      .filter({ hasText: 'Kayak paddles as sports luggage?' });
    await suggestion.waitFor();
    expect(await suggestion.textContent()).toContain('Kayak paddles as sports luggage?');
    expect(await suggestion.textContent()).toMatch(/Shared words: .*kayak/);
    await suggestion.getByRole('button', { name: /^Confirm/ }).click();
    await detail.getByText('Requested in 1 conversation', { exact: true }).waitFor();
    await card.getByText(/Requested in 1 conversation$/).waitFor();

    await detail.getByLabel('New status').selectOption({ label: 'Planned' });
    await detail.getByLabel('Note for the people who asked').fill('Coming in the spring release.');
    await detail.getByRole('button', { name: 'Change status' }).click();
    await page.getByRole('status').filter({ hasText: 'Status changed to Planned' }).waitFor();
    await page
      .getByRole('region', { name: 'Planned' })
      .getByRole('listitem')
      .filter({ hasText: ideaTitle })
      .waitFor();
    await detail
      .getByRole('list', { name: 'Status history' })
      .getByText('Coming in the spring release.')
      .waitFor();
    await page.screenshot({ path: path.join(artifacts, 'communities-staff-ideas.png'), fullPage: true });

    // The scheduler tells members every few seconds; running the fan-out here as well proves
    // that however many passes run, each voter hears of the change once.
    await notifyIdeaStatusChanges(ctx);
    await notifyIdeaStatusChanges(ctx);
    for (const key of ['voter1', 'voter2']) {
      const inbox = await listMemberNotifications(ctx, members[key] as MemberActor, { limit: 50 });
      const about = inbox.items.filter((n) => n.threadId === ideaThreadId);
      expect(about, key).toHaveLength(1);
      expect(about[0]?.reasons).toContain('voted');
      expect(`${about[0]?.title} ${about[0]?.body}`).toContain('Coming in the spring release.');
    }
    // A manager neither creates spaces nor edits trust levels.
    await page.goto(`${server.url}/communities/settings`);
    await page.getByRole('heading', { name: 'Unanswered questions' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Trust levels' }).count()).toBe(0);
    expect(scriptErrors).toEqual([]);
    await page.close();
  });

  it('an agent opens the community question of a case in the Questions panel and answers it there', async () => {
    const helpId = await spaceIdBySlug('trip-questions');
    // As the unanswered-question escalation makes it (bridges.ts): no conversation, the question's ids.
    const c = await createCase(ctx, owner, {
      subject: 'Community question unanswered for 24 h: Can I take a folding bike as checked luggage?',
      type: 'question',
      customFields: {
        community_thread_id: questionThreadId,
        community_space_id: helpId,
        community_url: `${server.url}/community/demo/t/${questionThreadId}`,
      },
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    const scriptErrors: string[] = [];
    page.on('pageerror', (e) => scriptErrors.push(e.message));
    await signIn(page, server.url, ownerEmail, password);
    await page.goto(`${server.url}/inbox/${c.id}`);
    const notice = page.getByText('This case has no conversations yet.');
    await notice.waitFor();
    expect(await page.getByRole('link', { name: /public page/ }).getAttribute('href')).toBe(
      `${server.url}/community/demo/t/${questionThreadId}`,
    );
    await page.getByRole('link', { name: 'answer it in Questions' }).click();
    const detail = page.getByRole('complementary', {
      name: 'Question: Can I take a folding bike as checked luggage?',
    });
    await detail.waitFor();
    expect(new URL(page.url()).pathname).toBe(`/communities/questions/${helpId}`);
    const postsCell = page
      .getByRole('row')
      .filter({ hasText: 'Can I take a folding bike as checked luggage?' })
      .locator('td[data-label="Posts"]');
    const postsBefore = Number(await postsCell.textContent());
    await detail.getByLabel('Your answer (Markdown)').fill('Yes: pack it in its soft case, up to 23 kg.');
    await detail.getByRole('button', { name: 'Post answer' }).click();
    await detail.getByRole('status').filter({ hasText: 'Answer posted.' }).waitFor();
    await detail.getByText('pack it in its soft case').waitFor();
    // The list counts the new answer without a reload.
    await expect.poll(async () => Number(await postsCell.textContent())).toBe(postsBefore + 1);
    await page.screenshot({ path: path.join(artifacts, 'communities-case-question.png'), fullPage: true });
    expect(scriptErrors).toEqual([]);
    await page.close();
  });
});
