import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildUser, buildWorkspace } from '../../test/factories.ts';
import { listQuarantine } from '../modules/listening/quarantine.ts';
import { listMentions, mentionThread } from '../modules/listening/service.ts';
import { projectRoot } from '../project.ts';
import { importFile, parseMapping } from './import.ts';

const t = setupTestDatabase();
const twcs = path.join(projectRoot, '..', 'shared', 'datasets', 'conversations', 'twcs-sample.csv');
const twcsMap =
  'externalId=tweet_id:int,author.externalId=author_id,author.handle=author_id,text=text,createdAt=created_at:date,replyTo=in_response_to_tweet_id:int';

describe('import', () => {
  it.skipIf(!existsSync(twcs))(
    'imports the Customer Support on Twitter sample with its threads intact, and counts a second run as duplicates (needs ../shared/datasets; skipped without it)',
    async () => {
      const ws = await buildWorkspace(t.ctx);
      const agent = await buildUser(t.ctx, ws);
      const progress: number[] = [];
      const first = await importFile(
        t.ctx,
        { file: twcs, format: 'csv', map: twcsMap, channel: 'twitter', workspaceId: ws.id },
        (p) => progress.push(p.read),
      );
      // Tweets from 2017: all history, stored but not routed.
      expect(first).toMatchObject({
        read: 5000,
        imported: 5000,
        history: 5000,
        duplicates: 0,
        quarantined: 0,
      });
      expect(progress.at(-1)).toBe(5000);
      const count = await t.ctx.db
        .selectFrom('mentions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', ws.id)
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(5000);

      // Tweet 2 answers 1, which answers 3, …: the conversation rooted at tweet 8 has 7 tweets.
      const two = await t.ctx.db
        .selectFrom('mentions')
        .select(['id', 'thread_root', 'reply_to'])
        .where('workspace_id', '=', ws.id)
        .where('external_id', '=', '2')
        .executeTakeFirstOrThrow();
      expect(two).toMatchObject({ reply_to: '1', thread_root: '8' });
      const thread = await mentionThread(t.ctx, agent.actor, Number(two.id));
      expect(thread.thread.map((m) => m.externalId).sort((a, b) => Number(a) - Number(b))).toEqual([
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '8',
      ]);

      const again = await importFile(t.ctx, {
        file: twcs,
        format: 'csv',
        map: twcsMap,
        channel: 'twitter',
        workspaceId: ws.id,
      });
      expect(again).toMatchObject({ read: 5000, imported: 0, duplicates: 5000, quarantined: 0 });
    },
  );

  it('imports JSON Lines, quarantining lines that are not JSON or not posts, and counting repeats in the file', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-import-')), 'posts.jsonl');
    const post = (id: string, text: string) =>
      JSON.stringify({ externalId: id, text, author: { externalId: 'a', handle: 'ann' } });
    writeFileSync(
      file,
      [
        post('j1', 'hello'),
        'not json at all',
        post('j2', 'world'),
        '',
        post('j1', 'hello'),
        '{"externalId":"j3"}',
      ].join('\n'),
    );
    const summary = await importFile(t.ctx, { file, format: 'jsonl', channel: 'import', workspaceId: ws.id });
    expect(summary).toMatchObject({ read: 5, imported: 2, duplicates: 1, quarantined: 2 });
    const mentions = await listMentions(t.ctx, owner.actor, { limit: 10 });
    expect(mentions.items.map((m) => m.externalId).sort()).toEqual(['j1', 'j2']);
    const quarantined = await listQuarantine(t.ctx, owner.actor, { limit: 10 });
    expect(quarantined.items.map((q) => q.reason.split(':')[0]).sort()).toEqual([
      'author',
      'payload is not JSON',
    ]);
  });

  it('counts the imported posts written more than 14 days before now as history, reading a column named with a dot', async () => {
    const ws = await buildWorkspace(t.ctx);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-import-')), 'aged.csv');
    const ago = (days: number) => new Date(t.clock.now().getTime() - days * 86_400_000).toISOString();
    writeFileSync(file, `id,user.name,body,at\nh1,ann,old news,${ago(30)}\nh2,ann,fresh news,${ago(2)}\n`);
    const summary = await importFile(t.ctx, {
      file,
      format: 'csv',
      map: 'externalId=id,author.handle=user.name,text=body,createdAt=at:date',
      channel: 'import',
      workspaceId: ws.id,
    });
    expect(summary).toMatchObject({ read: 2, imported: 2, history: 1, quarantined: 0 });
  });

  it('refuses a mapping naming a CSV column the header lacks before reading anything in', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-import-')), 'posts.csv');
    writeFileSync(file, ',tweet_id,author_id,text\n0,1,ann,hello\n1,2,bob,world\n');
    const run = () =>
      importFile(t.ctx, {
        file,
        format: 'csv',
        map: 'externalId=tweet_idd:int,author.handle=author_id,text=txt',
        channel: 'twitter',
        workspaceId: ws.id,
      });
    await expect(run()).rejects.toThrow(
      '--map externalId=tweet_idd: no column "tweet_idd"; the file\'s columns are: tweet_id, author_id, text\n' +
        '--map text=txt: no column "txt"; the file\'s columns are: tweet_id, author_id, text',
    );
    await expect(run()).rejects.toThrow(/no column "tweet_idd"/);
    expect((await listQuarantine(t.ctx, owner.actor, { limit: 10 })).items).toHaveLength(0);
    const logged = await t.ctx.db
      .selectFrom('ingest_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', ws.id)
      .executeTakeFirstOrThrow();
    expect(Number(logged.n)).toBe(0);
  });

  it('refuses a JSON Lines mapping naming a field no line has, but not one only later lines have', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildUser(t.ctx, ws, { role: 'owner' });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'rapport-import-')), 'posts.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ id: 'k1', body: 'first', user: { name: 'ann' } }),
        JSON.stringify({ id: 'k2', body: 'reply', user: { name: 'bob' }, parent: 'k1' }),
      ].join('\n'),
    );
    const options = { file, format: 'jsonl' as const, channel: 'import', workspaceId: ws.id };
    await expect(
      importFile(t.ctx, { ...options, map: 'externalId=idd,text=body,author.handle=user.nam' }),
    ).rejects.toThrow(
      '--map externalId=idd: no line of the file has "idd"; the first line\'s fields are: id, body, user\n' +
        '--map author.handle=user.nam: no line of the file has "user.nam"',
    );
    expect((await listQuarantine(t.ctx, owner.actor, { limit: 10 })).items).toHaveLength(0);
    const summary = await importFile(t.ctx, {
      ...options,
      map: 'externalId=id,text=body,author.handle=user.name,replyTo=parent',
    });
    expect(summary).toMatchObject({ read: 2, imported: 2, quarantined: 0 });
  });

  it('rejects an unknown mapping field or transform with a clear message', () => {
    expect(() => parseMapping('body=text')).toThrow(/unknown field "body"/);
    expect(() => parseMapping('text=text:upper')).toThrow(/unknown transform ":upper"/);
    expect(() => parseMapping('text=')).toThrow(/names no source column/);
    expect(parseMapping('createdAt=created_at:date')).toEqual([
      { target: 'createdAt', source: 'created_at', transform: 'date' },
    ]);
  });
});
