import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { type AppContext, createContext } from '../src/context.ts';
import { type Database, openSqlite } from '../src/db/client.ts';
import { createHeavyReader } from '../src/db/heavy-read.ts';
import { createLogger } from '../src/log.ts';
import type { MemberActor } from '../src/modules/communities/actors.ts';
import { submitEntry, voteEntry } from '../src/modules/communities/challenges.ts';
import { insertMember } from '../src/modules/communities/members-fixtures.ts';
import { buildDueDigests } from '../src/modules/communities/newsletter-digests.ts';
import { acceptAnswer, createThread, deletePost, replyToThread } from '../src/modules/communities/threads.ts';
import { artifacts, launchChromium, type StartedServer, startBuiltServer } from './server.ts';
import { ownerEmail, signIn } from './session.ts';

/**
 * Issue #7, the staff screens for challenges, newsletters, lists, knowledge-base promotion and
 * points. The owner opens a challenge and chooses its winner among the members' entries, sets a
 * space's digest cadence and sees the digest built, curates a list of members, makes an article
 * of an accepted answer, and gives a member points with a reason.
 *
 * Members have no staff session to drive from the browser, so their part (entries, votes, a
 * question and its answer) goes through the community services on the server's SQLite file, on a
 * clock this file sets: the challenge ran in the past, so it is closed by the server's real clock
 * and a winner can be chosen now.
 */

let server: StartedServer;
let browser: Browser;
let database: Database;
let ctx: AppContext;
let page: Page;
let clock: Date | null = null;
let workspaceId = '';
const password = 'a long new passphrase';
const scriptErrors: string[] = [];
const members: Record<string, MemberActor> = {};
const m = (key: string) => members[key] as MemberActor;
const HOUR = 3_600_000;

const question = 'Which route should we fly next summer?';
const winningIdea = 'Lisbon to the Azores';
const otherIdea = 'Porto to Edinburgh';

async function space(slug: string): Promise<{ id: string; title: string }> {
  return ctx.db
    .selectFrom('community_spaces')
    .select(['id', 'title'])
    .where('workspace_id', '=', workspaceId)
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
}

/** An instant as the value a `datetime-local` input takes, in the browser's (= this machine's) zone. */
function localInput(d: Date): string {
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function communitiesNav(name: string) {
  return page.getByRole('navigation', { name: 'Communities' }).getByRole('link', { name, exact: true });
}

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  server = await startBuiltServer();
  browser = await launchChromium();
  database = openSqlite(path.join(server.dataDir, 'rapport.sqlite'));
  ctx = createContext(
    database,
    createHeavyReader(database),
    loadConfig({ DATA_DIR: server.dataDir, LOG_LEVEL: 'silent', PUBLIC_URL: server.url }),
    createLogger({ logLevel: 'silent' }),
    () => clock ?? new Date(),
  );
  workspaceId = (
    await ctx.db.selectFrom('workspaces').select('id').where('slug', '=', 'demo').executeTakeFirstOrThrow()
  ).id;
  for (const username of ['azores_fan', 'edinburgh_fan', 'voter_a', 'voter_b'])
    members[username] = await insertMember(ctx, workspaceId, { trustLevel: 2, username });

  page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  page.on('pageerror', (err) => scriptErrors.push(err.message));
  await signIn(page, server.url, ownerEmail, server.password, password);
});

afterAll(async () => {
  await browser?.close();
  await database?.close();
  await server?.stop();
});

describe('community staff screens for challenges, newsletters, lists, articles and points (issue #7)', () => {
  it('opens a challenge, and chooses the winner among the entries once it closed', async () => {
    const ideas = await space('ideas');
    await page.goto(`${server.url}/communities`);
    await communitiesNav('Challenges').click();
    await page.getByRole('heading', { name: 'Community challenges', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New challenge' }).click();
    const form = page.getByRole('form', { name: 'New challenge' });
    await form.getByLabel('Ideas space').selectOption({ label: ideas.title });
    await form.getByLabel('Question').fill(question);
    await form.getByLabel('Reward').fill('Two return tickets');
    // Closing before opening: the API's refusal lands on the field it names.
    const now = Date.now();
    await form.getByLabel('Opens at').fill(localInput(new Date(now - 72 * HOUR)));
    await form.getByLabel('Closes at').fill(localInput(new Date(now - 96 * HOUR)));
    await form.getByRole('button', { name: 'Open challenge' }).click();
    await expect.poll(() => form.getByLabel('Closes at').getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').textContent()).toContain('closesAt must be after opensAt');
    // It ran over the last three days and closed an hour ago.
    await form.getByLabel('Closes at').fill(localInput(new Date(now - HOUR)));
    await form.getByRole('button', { name: 'Open challenge' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Challenge “${question}”` })
      .waitFor();

    const challenge = await ctx.db
      .selectFrom('community_challenges')
      .select(['id', 'space_id', 'reward'])
      .where('question', '=', question)
      .executeTakeFirstOrThrow();
    expect(challenge).toMatchObject({ space_id: ideas.id, reward: 'Two return tickets' });
    // The members' part, while it was open: two entries, three votes.
    clock = new Date(now - 48 * HOUR);
    const win = await submitEntry(ctx, m('azores_fan'), challenge.id, {
      title: winningIdea,
      body: 'Twice a week in summer, please.',
    });
    const other = await submitEntry(ctx, m('edinburgh_fan'), challenge.id, {
      title: otherIdea,
      body: 'For the festival in August.',
    });
    await voteEntry(ctx, m('voter_a'), challenge.id, win.threadId, true);
    await voteEntry(ctx, m('voter_b'), challenge.id, win.threadId, true);
    await voteEntry(ctx, m('voter_a'), challenge.id, other.threadId, true);
    clock = null;

    // Opened afresh: the table shows the entries counted by the server.
    await page.goto(`${server.url}/communities/challenges`);
    const row = page
      .getByRole('table', { name: 'Challenges' })
      .getByRole('row')
      .filter({ hasText: question });
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('Closed, waiting for a winner');
    expect(await row.getByRole('cell').nth(4).textContent()).toBe('2');
    await row.getByRole('button', { name: question }).click();
    const detail = page.getByRole('complementary', { name: `Challenge: ${question}` });
    const entries = detail.getByRole('table', { name: 'Entries' }).getByRole('row');
    await entries.nth(2).waitFor();
    // Most votes first.
    expect(await entries.nth(1).getByRole('cell').nth(0).textContent()).toBe(winningIdea);
    expect(await entries.nth(1).getByRole('cell').nth(2).textContent()).toBe('2');
    expect(await entries.nth(2).getByRole('cell').nth(0).textContent()).toBe(otherIdea);
    expect(await entries.nth(2).getByRole('cell').nth(2).textContent()).toBe('1');
    await detail.getByLabel('Note for the winner').fill('Flights start in June.');
    await detail.getByRole('button', { name: `Choose as winner ${winningIdea}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Winner chosen for “${question}”` })
      .waitFor();
    await detail.getByText(`Winner: ${winningIdea}`).waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('Decided');
    expect(await detail.getByRole('button', { name: /Choose as winner/ }).count()).toBe(0);
    await page.screenshot({ path: path.join(artifacts, 'communities-extras-challenge.png'), fullPage: true });

    expect(await page.getByRole('alert').allTextContents()).toEqual([]);

    const told = await ctx.db
      .selectFrom('community_challenge_notifications')
      .select(['member_id'])
      .where('challenge_id', '=', challenge.id)
      .execute();
    expect(told).toEqual([{ member_id: m('azores_fan').memberId }]);
  });

  it('sets a space’s digest cadence and lists the digests built', async () => {
    // The demo's Q&A space already sends a weekly digest; the forum sends none yet.
    const forum = await space('travel-talk');
    await communitiesNav('Newsletters').click();
    await page.getByRole('heading', { name: 'Community newsletters', level: 1 }).waitFor();
    const cadence = page.getByLabel(`Cadence of ${forum.title}`, { exact: true });
    await expect.poll(() => cadence.inputValue()).toBe('off');
    await cadence.selectOption({ label: 'Weekly' });
    await page.getByRole('button', { name: `Save cadence of ${forum.title}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `The ${forum.title} newsletter goes out weekly.` })
      .waitFor();
    const saved = await ctx.db
      .selectFrom('community_newsletters')
      .select('cadence')
      .where('space_id', '=', forum.id)
      .executeTakeFirstOrThrow();
    expect(saved.cadence).toBe('weekly');

    // A week and a day later the scheduler builds the week's digests: this one and the Q&A space's.
    clock = new Date(Date.now() + 8 * 24 * HOUR);
    expect(await buildDueDigests(ctx)).toBe(2);
    clock = null;
    await page.getByRole('button', { name: `Digests of ${forum.title}` }).click();
    const digests = page.getByRole('table', { name: `Digests of ${forum.title}` }).getByRole('row');
    await digests.nth(1).waitFor();
    expect(await digests.count()).toBe(2);
    expect(await digests.nth(1).getByRole('cell').nth(1).textContent()).toBe('Weekly');
    expect(await digests.nth(1).getByRole('cell').nth(3).textContent()).toBe('0');
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  });

  it('creates a list of members, adds one and sees their activity', async () => {
    await communitiesNav('Lists').click();
    await page.getByRole('heading', { name: 'Community lists', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New list' }).click();
    const form = page.getByRole('form', { name: 'New list' });
    await form.getByLabel('Name').fill('Route scouts');
    await form.getByLabel('Description').fill('Members with good ideas for new routes.');
    expect(await form.getByLabel('People on it').inputValue()).toBe('members');
    await form.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('status').filter({ hasText: 'List “Route scouts” created.' }).waitFor();

    const detail = page.getByRole('complementary', { name: 'List: Route scouts' });
    await detail.getByText('Nobody is on this list yet.').waitFor();
    await detail.getByLabel('Member to add').selectOption({ value: m('azores_fan').memberId });
    await detail.getByRole('button', { name: 'Add to list' }).click();
    await page.getByRole('status').filter({ hasText: '@azores_fan added to “Route scouts”.' }).waitFor();
    const people = detail.getByRole('table', { name: 'People on Route scouts' }).getByRole('row');
    await people.nth(1).waitFor();
    expect(await people.count()).toBe(2);
    expect(await people.nth(1).getByRole('cell').nth(0).textContent()).toContain('@azores_fan');
    // Their entry is their community activity.
    const entryLink = detail
      .getByRole('region', { name: 'Activity' })
      .getByRole('link', { name: winningIdea });
    await entryLink.waitFor();
    // It opens the idea on the public site.
    expect(new URL((await entryLink.getAttribute('href')) ?? '', server.url).pathname).toMatch(
      /^\/community\/demo\/t\/[^/]+$/,
    );
    await page.screenshot({ path: path.join(artifacts, 'communities-extras-list.png'), fullPage: true });
    const row = page
      .getByRole('table', { name: 'Lists' })
      .getByRole('row')
      .filter({ hasText: 'Route scouts' });
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('1');

    expect(await page.getByRole('alert').allTextContents()).toEqual([]);

    const list = await ctx.db
      .selectFrom('community_lists')
      .select(['id', 'kind', 'visibility'])
      .where('name', '=', 'Route scouts')
      .executeTakeFirstOrThrow();
    expect(list).toMatchObject({ kind: 'members', visibility: 'public' });
    const onIt = await ctx.db
      .selectFrom('community_list_entries')
      .select('member_id')
      .where('list_id', '=', list.id)
      .execute();
    expect(onIt).toEqual([{ member_id: m('azores_fan').memberId }]);
  });

  it('makes a knowledge-base article of an accepted answer, once', async () => {
    const ask = await space('ask');
    const help = await space('help');
    const asked = await createThread(ctx, m('voter_a'), {
      spaceId: ask.id,
      title: 'Can I carry a surfboard to the Azores?',
      body: 'Flying in July with a 7 ft board.',
    });
    const answer = await replyToThread(ctx, m('azores_fan'), asked.thread.id, {
      body: 'Yes: book it as **sports equipment** up to 2.3 m, at least a day before.',
    });
    await acceptAnswer(ctx, m('voter_a'), asked.thread.id, answer.post.id);

    await communitiesNav('Questions').click();
    await page.getByRole('heading', { name: `Questions: ${ask.title}`, level: 1 }).waitFor();
    const row = page
      .getByRole('table', { name: 'Questions' })
      .getByRole('row')
      .filter({ hasText: 'Can I carry a surfboard to the Azores?' });
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Yes');
    await row.getByRole('button', { name: 'Can I carry a surfboard to the Azores?' }).click();
    const detail = page.getByRole('complementary', {
      name: 'Question: Can I carry a surfboard to the Azores?',
    });
    const accepted = detail.getByRole('listitem', { name: 'Accepted answer' });
    // The answer's server-sanitized HTML.
    await accepted.locator('.post-body strong').filter({ hasText: 'sports equipment' }).waitFor();
    const form = accepted.getByRole('form', { name: 'Make an article' });
    expect(await form.getByLabel('Knowledge base').locator('option:checked').textContent()).toBe(help.title);
    await form.getByLabel('Article title').fill('Surfboards as sports equipment');
    await form.getByRole('button', { name: 'Make an article' }).click();
    await accepted.getByRole('status').filter({ hasText: 'Article created:' }).waitFor();
    const link = accepted.getByRole('link', { name: 'Surfboards as sports equipment' });
    const article = await ctx.db
      .selectFrom('community_threads')
      .select(['id', 'space_id', 'kind', 'author_member_id'])
      .where('source_post_id', '=', answer.post.id)
      .execute();
    expect(article).toEqual([
      {
        id: expect.any(String),
        space_id: help.id,
        kind: 'article',
        author_member_id: m('azores_fan').memberId,
      },
    ]);
    expect(await link.getAttribute('href')).toBe(`/community/demo/t/${article[0]?.id}`);
    await page.screenshot({ path: path.join(artifacts, 'communities-extras-article.png'), fullPage: true });
    // Opened again, the answer is known as that article and offers no second one.
    await page.reload();
    await detail
      .getByRole('listitem', { name: 'Accepted answer' })
      .getByText('This answer is the article')
      .waitFor();
    expect(await detail.getByRole('form', { name: 'Make an article' }).count()).toBe(0);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  });

  it('gives a member points with a reason and shows them in the ledger', async () => {
    await communitiesNav('Members').click();
    const row = page
      .getByRole('table', { name: 'Members' })
      .getByRole('row')
      .filter({ hasText: '@edinburgh_fan' });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toMatch(/^0\b/);
    await row.getByRole('button', { name: 'Points of @edinburgh_fan' }).click();
    const panel = page.getByRole('region', { name: /Points of @edinburgh_fan/ });
    await panel.getByText('No points yet.').waitFor();
    const form = panel.getByRole('form', { name: 'Give or take points from @edinburgh_fan' });

    // Taking more than they have is refused on the field.
    await form.getByLabel('Points (a minus sign takes them back)').fill('-5');
    await form.getByLabel('Reason').fill('Test');
    await form.getByRole('button', { name: 'Record points' }).click();
    await expect
      .poll(() => form.getByLabel('Points (a minus sign takes them back)').getAttribute('aria-invalid'))
      .toBe('true');

    await form.getByLabel('Points (a minus sign takes them back)').fill('60');
    await form.getByLabel('Reason').fill('Won the summer route challenge');
    await form.getByRole('button', { name: 'Record points' }).click();
    await page
      .getByRole('status')
      .filter({
        hasText: '@edinburgh_fan: +60 points (Won the summer route challenge). Now 60 points, Contributor.',
      })
      .waitFor();
    const ledger = panel.getByRole('table', { name: 'Points ledger' }).getByRole('row');
    expect(await ledger.count()).toBe(2);
    expect(await ledger.nth(1).getByRole('cell').nth(1).textContent()).toBe('+60');
    expect(await ledger.nth(1).getByRole('cell').nth(2).textContent()).toBe(
      'By staff: Won the summer route challenge',
    );
    expect(await row.getByRole('cell').nth(2).textContent()).toMatch(/^60\b/);
    expect(await row.getByRole('cell').nth(3).textContent()).toBe('Contributor');
    await page.screenshot({ path: path.join(artifacts, 'communities-extras-points.png'), fullPage: true });

    const member = await ctx.db
      .selectFrom('community_members')
      .select(['points', 'rank'])
      .where('id', '=', m('edinburgh_fan').memberId)
      .executeTakeFirstOrThrow();
    expect({ points: Number(member.points), rank: member.rank }).toEqual({ points: 60, rank: 'Contributor' });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  it('reads an accepted answer’s points taken back, when its author deletes it, as such in the ledger', async () => {
    const ask = await space('ask');
    const asked = await createThread(ctx, m('voter_a'), {
      spaceId: ask.id,
      title: 'Can I bring skis?',
      body: 'Two pairs.',
    });
    const answer = await replyToThread(ctx, m('voter_b'), asked.thread.id, {
      body: 'Yes, as sports luggage.',
    });
    await acceptAnswer(ctx, m('voter_a'), asked.thread.id, answer.post.id);
    await deletePost(ctx, m('voter_b'), answer.post.id);

    await page.reload();
    const row = page.getByRole('table', { name: 'Members' }).getByRole('row').filter({ hasText: '@voter_b' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Points of @voter_b' }).click();
    const panel = page.getByRole('region', { name: /Points of @voter_b/ });
    const ledger = panel.getByRole('table', { name: 'Points ledger' }).getByRole('row');
    await ledger.nth(2).waitFor();
    const cells = async (n: number) => (await ledger.nth(n).getByRole('cell').allTextContents()).slice(1);
    // Newest first: the taken-back line reads as what happened, the award as the award.
    expect([await cells(1), await cells(2)]).toEqual([
      ['-15', 'Accepted answer withdrawn, replaced, hidden or deleted'],
      ['+15', 'Accepted answer'],
    ]);
    expect(await row.getByRole('cell').nth(2).textContent()).toMatch(/^0\b/);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  it('answers a community question from the staff Questions panel, as the staff member', async () => {
    const ask = await space('ask');
    const asked = await createThread(ctx, m('voter_b'), {
      spaceId: ask.id,
      title: 'Is a folding bike sports luggage?',
      body: 'It folds into a bag.',
    });
    await page.goto(`${server.url}/communities/questions`);
    await page
      .getByRole('table', { name: 'Questions' })
      .getByRole('button', { name: 'Is a folding bike sports luggage?' })
      .click();
    const detail = page.getByRole('complementary', { name: 'Question: Is a folding bike sports luggage?' });
    const form = detail.getByRole('form', { name: 'Answer the question' });
    await form
      .getByLabel('Your answer (Markdown)')
      .fill('Yes, folded in its bag it flies as **sports luggage**.');
    await form.getByRole('button', { name: 'Post answer' }).click();
    await form.getByRole('status').getByText('Answer posted.').waitFor();
    await detail.getByRole('listitem', { name: 'Post 2' }).locator('.post-body strong').waitFor();
    const post = await ctx.db
      .selectFrom('community_posts')
      .innerJoin('users', 'users.id', 'community_posts.author_user_id')
      .select(['users.email', 'community_posts.number'])
      .where('community_posts.thread_id', '=', asked.thread.id)
      .where('community_posts.number', '=', 2)
      .executeTakeFirstOrThrow();
    expect(post.email).toBe(ownerEmail);
    expect(await form.getByLabel('Your answer (Markdown)').inputValue()).toBe('');
  });

  it('shows an agent the same screens read-only', async () => {
    const temporary = await page.evaluate(async () => {
      const session = (await (await fetch('/api/v1/auth/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ email: 'ada@demo.rapport.local', name: 'Ada Agent', role: 'agent' }),
      });
      return ((await res.json()) as { temporaryPassword: string }).temporaryPassword;
    });
    const agent = await browser.newPage({ viewport: { width: 1400, height: 950 } });
    agent.on('pageerror', (err) => scriptErrors.push(err.message));
    await signIn(agent, server.url, 'ada@demo.rapport.local', temporary, 'the agent picked this one');
    const ask = await space('ask');

    await agent.goto(`${server.url}/communities/challenges`);
    await agent.getByRole('table', { name: 'Challenges' }).getByRole('button', { name: question }).click();
    await agent
      .getByRole('complementary', { name: `Challenge: ${question}` })
      .getByText('Winner:')
      .waitFor();
    expect(await agent.getByRole('button', { name: 'New challenge' }).count()).toBe(0);

    await agent.goto(`${server.url}/communities/newsletters`);
    const row = agent
      .getByRole('table', { name: 'Newsletters' })
      .getByRole('row')
      .filter({ hasText: ask.title });
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('Weekly');
    expect(await agent.getByLabel(`Cadence of ${ask.title}`).count()).toBe(0);

    await agent.goto(`${server.url}/communities/questions`);
    await agent.getByRole('button', { name: 'Can I carry a surfboard to the Azores?' }).click();
    await agent
      .getByRole('listitem', { name: 'Accepted answer' })
      .getByText('This answer is the article')
      .waitFor();

    await agent.goto(`${server.url}/communities/members`);
    await agent.getByRole('button', { name: 'Points of @edinburgh_fan' }).click();
    const ledger = agent.getByRole('table', { name: 'Points ledger' }).getByRole('row');
    await ledger.nth(1).waitFor();
    expect(await ledger.count()).toBe(2);
    expect(await agent.getByRole('form', { name: /Give or take points/ }).count()).toBe(0);
    expect(await agent.getByRole('alert').allTextContents()).toEqual([]);
    await agent.close();
    expect(scriptErrors).toEqual([]);
  });
});
