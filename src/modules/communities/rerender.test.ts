import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/db.ts';
import { buildUser, buildWorkspace } from '../../../test/factories.ts';
import type { AppContext } from '../../context.ts';
import type { Actor } from '../auth/roles.ts';
import type { WorkspaceView } from '../auth/schema.ts';
import { contentAllowances, membersByUsername } from './access.ts';
import type { MemberActor } from './actors.ts';
import { communitiesCommands } from './commands.ts';
import { insertMember, insertPost, insertSpace } from './members-fixtures.ts';
import { mentionCandidates, renderMarkdown } from './render.ts';
import { renderedWith, rerenderPosts } from './rerender.ts';
import { createSpace } from './spaces.ts';
import { createThread, replyToThread } from './threads.ts';

// The command opens the database the environment names, as `rapport` does: here the fresh test
// database of whichever engine the suite runs on.
let db: TestDatabase;
let ctx: AppContext;
const saved = {
  DATA_DIR: process.env.DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  LOG_LEVEL: process.env.LOG_LEVEL,
  SECRET_KEY: process.env.SECRET_KEY,
};
let cliEnv: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  ctx = db.ctx;
  const sqlite = db.location.sqlitePath;
  cliEnv = {
    DATA_DIR: sqlite ? path.dirname(sqlite) : ctx.config.dataDir,
    DATABASE_URL: db.location.databaseUrl ?? '',
    SECRET_KEY: ctx.config.secretKey ?? '',
    LOG_LEVEL: 'silent',
  };
  for (const [k, v] of Object.entries(cliEnv)) {
    if (v) process.env[k] = v;
    else delete process.env[k];
  }
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await db?.close();
});

// What the renderer wrote before eaef2e2 (sanitize-html closed the element after a refused link
// with the `span` it had renamed the link to), reproduced with that version of render.ts.
const brokenMentions = {
  markdown: '[ok](https://example.com)\n@qa_one @sam.flies',
  html: '<p>ok\n<a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</span> <a href="/community/u/sam.flies" rel="nofollow ugc noopener" class="mention">@sam.flies</a></p>',
};
const brokenStrong = {
  markdown: 'Thanks @qa_one, see https://example.com and **this** @sam.flies',
  html: '<p>Thanks <a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a>, see https://example.com and <strong>this</span> <a href="/community/u/sam.flies" rel="nofollow ugc noopener" class="mention">@sam.flies</a></p>',
};

async function storedHtml(postId: number): Promise<string> {
  const row = await ctx.db
    .selectFrom('community_posts')
    .select('body_html')
    .where('id', '=', postId)
    .executeTakeFirstOrThrow();
  return row.body_html;
}

/** A post as an older version stored it: its Markdown with the HTML given. */
async function storeAsBefore(postId: number, markdown: string, html: string): Promise<void> {
  await ctx.db
    .updateTable('community_posts')
    .set({ body_markdown: markdown, body_html: html })
    .where('id', '=', postId)
    .execute();
}

/** What writing `markdown` as `member` renders now: their allowances, the members that exist. */
async function renderedNowBy(ws: WorkspaceView, member: MemberActor, markdown: string): Promise<string> {
  const members = await membersByUsername(ctx.db, ws.id, mentionCandidates(markdown));
  return renderMarkdown(markdown, {
    ...(await contentAllowances(ctx, ctx.db, member)),
    mentionable: new Set(members.keys()),
  }).html;
}

describe('rerenderPosts', () => {
  let ws: WorkspaceView;
  let owner: Actor;
  let newcomer: MemberActor;
  let spaceId: string;

  beforeAll(async () => {
    ws = await buildWorkspace(ctx);
    owner = (await buildUser(ctx, ws, { role: 'owner' })).actor;
    await insertMember(ctx, ws.id, { username: 'qa_one' });
    await insertMember(ctx, ws.id, { username: 'sam.flies' });
    newcomer = await insertMember(ctx, ws.id, { trustLevel: 0 });
    spaceId = await insertSpace(ctx, ws.id);
  });

  it('repairs a newcomer’s post and reply stored with the stray </span> to what writing them renders now', async () => {
    const post = await insertPost(ctx, ws.id, { spaceId, authorMemberId: newcomer.memberId });
    const reply = await insertPost(ctx, ws.id, {
      spaceId,
      authorMemberId: newcomer.memberId,
      threadId: post.threadId,
    });
    await storeAsBefore(post.postId, brokenMentions.markdown, brokenMentions.html);
    await storeAsBefore(reply.postId, brokenStrong.markdown, brokenStrong.html);

    const summary = await rerenderPosts(ctx, { workspaceId: ws.id });

    expect(summary.changed).toBe(2);
    expect(summary.changedByWorkspace).toEqual({ [ws.id]: 2 });
    const repaired = await storedHtml(post.postId);
    expect(repaired).toBe(await renderedNowBy(ws, newcomer, brokenMentions.markdown));
    expect(repaired).toBe(
      '<p>ok\n<a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a> <a href="/community/u/sam.flies" rel="nofollow ugc noopener" class="mention">@sam.flies</a></p>',
    );
    expect(await storedHtml(reply.postId)).toBe(await renderedNowBy(ws, newcomer, brokenStrong.markdown));
    expect(await storedHtml(reply.postId)).toContain('<strong>this</strong>');
    // A second run finds nothing left to repair.
    expect((await rerenderPosts(ctx, { workspaceId: ws.id })).changed).toBe(0);
  });

  it('repairs staff questions, replies, ideas and articles, leaving posts already right as they are', async () => {
    const spaces = await Promise.all(
      (['qa', 'ideas', 'kb'] as const).map((kind) =>
        createSpace(ctx, owner, { slug: `r-${kind}`, title: `R ${kind}`, kind }),
      ),
    );
    const body = 'See [the guide](https://example.com/guide), @qa_one and **this** @sam.flies';
    const written = [];
    for (const s of spaces) {
      const opened = await createThread(ctx, owner, { spaceId: s.id, title: `In ${s.kind}`, body });
      written.push(opened.post);
      if (s.kind !== 'kb') written.push((await replyToThread(ctx, owner, opened.thread.id, { body })).post);
    }
    const untouched = await createThread(ctx, owner, { spaceId: spaces[0]?.id ?? '', title: 'Fine', body });
    const right = await storedHtml(untouched.post.id);
    for (const p of written)
      await storeAsBefore(p.id, body, (await storedHtml(p.id)).replace('</strong>', '</span>'));

    const summary = await rerenderPosts(ctx, { workspaceId: ws.id });

    expect(summary.changed).toBe(written.length);
    for (const p of written) expect(await storedHtml(p.id)).toBe(right);
    expect(await storedHtml(untouched.post.id)).toBe(right);
    expect(right).toContain('<a href="https://example.com/guide" rel="nofollow ugc noopener">the guide</a>');
  });

  it('keeps what a post could link and mention when it was written', async () => {
    // Written as a newcomer, who may not post links; trusted since. And "@zed" joined after.
    const promoted = await insertMember(ctx, ws.id, { trustLevel: 0 });
    const markdown = '[ok](https://spam.example) hello @zed and @qa_one';
    const old = (await renderedNowBy(ws, promoted, markdown)).replace('</a>', '</span>');
    const { postId } = await insertPost(ctx, ws.id, { spaceId, authorMemberId: promoted.memberId });
    await storeAsBefore(postId, markdown, old);
    await ctx.db
      .updateTable('community_members')
      .set({ trust_level: 4 })
      .where('id', '=', promoted.memberId)
      .execute();
    await insertMember(ctx, ws.id, { username: 'zed' });

    await rerenderPosts(ctx, { workspaceId: ws.id });

    expect(await storedHtml(postId)).toBe(
      '<p>ok hello @zed and <a href="/community/u/qa_one" rel="nofollow ugc noopener" class="mention">@qa_one</a></p>',
    );
  });

  it('leaves deleted posts alone, writes nothing on a dry run, and audits a real run', async () => {
    const other = await buildWorkspace(ctx);
    const otherSpace = await insertSpace(ctx, other.id);
    const author = await insertMember(ctx, other.id);
    const broken = await insertPost(ctx, other.id, { spaceId: otherSpace, authorMemberId: author.memberId });
    const deleted = await insertPost(ctx, other.id, { spaceId: otherSpace, authorMemberId: author.memberId });
    await storeAsBefore(broken.postId, brokenStrong.markdown, brokenStrong.html);
    await ctx.db
      .updateTable('community_posts')
      .set({ body_markdown: '', body_html: '', deleted_at: ctx.now().toISOString() })
      .where('id', '=', deleted.postId)
      .execute();

    const dry = await rerenderPosts(ctx, { workspaceId: other.id, dryRun: true });
    expect(dry).toEqual({ posts: 1, changed: 1, changedByWorkspace: { [other.id]: 1 } });
    expect(await storedHtml(broken.postId)).toBe(brokenStrong.html);

    await rerenderPosts(ctx, { workspaceId: other.id });
    expect(await storedHtml(broken.postId)).not.toContain('</span>');
    expect(await storedHtml(deleted.postId)).toBe('');
    const audit = await ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor_user_id', 'details'])
      .where('workspace_id', '=', other.id)
      .execute();
    expect(audit.map((a) => [a.action, a.actor_user_id])).toEqual([['community.posts_rerendered', 'cli']]);
    expect(ctx.dialect.parseJson(audit[0]?.details ?? '{}')).toEqual({ changed: 1 });
  });
});

describe('renderedWith', () => {
  it('reads links, images and mentions back from stored HTML', () => {
    expect(renderedWith(brokenMentions.html)).toEqual({
      allowLinks: false,
      allowImages: false,
      mentionable: new Set(['qa_one', 'sam.flies']),
    });
    expect(
      renderedWith(
        '<p><a href="https://example.com" rel="nofollow ugc noopener">x</a> <img src="https://i.example/a.png" alt="a" /> <a href="/community/u/Ana%zz" class="mention">@Ana</a></p>',
      ),
    ).toEqual({ allowLinks: true, allowImages: true, mentionable: new Set() });
  });
});

describe('rapport communities rerender', () => {
  async function run(args: string[]): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    try {
      const command = communitiesCommands['communities rerender'];
      if (!command) throw new Error('no command');
      return { code: await command.run(args), out: lines.join('\n') };
    } finally {
      spy.mockRestore();
    }
  }

  it('repairs the posts of the workspace named, and only counts on a dry run', async () => {
    const ws = await buildWorkspace(ctx);
    const space = await insertSpace(ctx, ws.id);
    const author = await insertMember(ctx, ws.id);
    for (const username of ['qa_one', 'sam.flies']) await insertMember(ctx, ws.id, { username });
    const { postId } = await insertPost(ctx, ws.id, { spaceId: space, authorMemberId: author.memberId });
    await storeAsBefore(postId, brokenStrong.markdown, brokenStrong.html);

    const dry = await run(['--workspace', ws.slug, '--dry-run']);
    expect(dry).toEqual({
      code: 0,
      out: '1 posts rendered again: 1 would change (dry run, nothing written).',
    });
    expect(await storedHtml(postId)).toBe(brokenStrong.html);

    const real = await run(['--workspace', ws.slug, '--json']);
    expect(real.code).toBe(0);
    expect(JSON.parse(real.out)).toEqual({
      posts: 1,
      changed: 1,
      changedByWorkspace: { [ws.id]: 1 },
      dryRun: false,
    });
    expect(await storedHtml(postId)).toBe(await renderedNowBy(ws, author, brokenStrong.markdown));
  });

  it('is a command of `rapport`, on every workspace without --workspace', async () => {
    const main = path.join(import.meta.dirname, '..', '..', 'main.ts');
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', main, 'communities', 'rerender', '--dry-run'],
        {
          env: { ...process.env, ...cliEnv },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^\d+ posts rendered again: 0 would change \(dry run, nothing written\)\.\n$/);
  });
});
