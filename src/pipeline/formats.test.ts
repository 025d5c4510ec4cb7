import { describe, expect, it } from 'vitest';
import { NormalizeError, normalize } from './formats.ts';
import { htmlToText } from './html.ts';

const received = '2026-11-23T10:00:00.000Z';

const jetstreamCreate = {
  did: 'did:plc:abc123',
  time_us: 1795400000123456,
  kind: 'commit',
  handle: 'maya.travels',
  commit: {
    rev: '3l',
    operation: 'create',
    collection: 'app.bsky.feed.post',
    rkey: '3kxyz',
    cid: 'bafy',
    record: {
      $type: 'app.bsky.feed.post',
      text: 'Where is my bag @demoairways? https://example.com/x',
      createdAt: '2026-11-23T09:59:58.000Z',
      langs: ['en-US'],
      reply: {
        root: { uri: 'at://did:plc:root/app.bsky.feed.post/1', cid: 'a' },
        parent: { uri: 'at://did:plc:parent/app.bsky.feed.post/2', cid: 'b' },
      },
      facets: [
        {
          index: { byteStart: 0, byteEnd: 5 },
          features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://example.com/x' }],
        },
      ],
    },
  },
};

describe('normalize: jetstream', () => {
  it('reads a Bluesky post with its reply links, language, handle and links', () => {
    const e = normalize('jetstream', JSON.stringify(jetstreamCreate), received);
    expect(e).toMatchObject({
      kind: 'upsert',
      channel: 'bluesky',
      externalId: 'at://did:plc:abc123/app.bsky.feed.post/3kxyz',
      url: 'https://bsky.app/profile/maya.travels/post/3kxyz',
      createdAt: '2026-11-23T09:59:58.000Z',
      language: 'en',
      replyTo: 'at://did:plc:parent/app.bsky.feed.post/2',
      threadRoot: 'at://did:plc:root/app.bsky.feed.post/1',
      urls: ['https://example.com/x'],
      author: { externalId: 'did:plc:abc123', handle: 'maya.travels' },
      edited: false,
    });
  });

  it('turns a delete commit into a delete of the same post', () => {
    const del = {
      ...jetstreamCreate,
      commit: { operation: 'delete', collection: 'app.bsky.feed.post', rkey: '3kxyz', rev: '3m' },
    };
    expect(normalize('jetstream', JSON.stringify(del), received)).toEqual({
      kind: 'delete',
      channel: 'bluesky',
      externalId: 'at://did:plc:abc123/app.bsky.feed.post/3kxyz',
      versionAt: new Date(Math.floor(1795400000123456 / 1000)).toISOString(),
    });
  });

  it('marks an update as edited', () => {
    const upd = {
      ...jetstreamCreate,
      time_us: jetstreamCreate.time_us + 5_000_000,
      commit: { ...jetstreamCreate.commit, operation: 'update' },
    };
    expect(normalize('jetstream', JSON.stringify(upd), received)).toMatchObject({
      kind: 'upsert',
      edited: true,
    });
  });
});

describe('normalize: mastodon', () => {
  const status = {
    id: '1133',
    uri: 'https://mastodon.example/users/lucas/statuses/1133',
    url: 'https://mastodon.example/@lucas/1133',
    created_at: '2026-11-23T09:00:00.000Z',
    edited_at: null,
    content:
      '<p>Still waiting for my refund from <span class="h-card"><a href="https://mastodon.example/@demoairways" class="u-url mention">@<span>demoairways</span></a></span> &amp; nobody answers.<br>Details: <a href="https://example.com/case/88172">example.com/case/88172</a> <a href="https://mastodon.example/tags/refund" class="mention hashtag">#<span>refund</span></a></p>',
    language: 'en',
    in_reply_to_id: '1100',
    replies_count: 2,
    reblogs_count: 1,
    favourites_count: 5,
    account: {
      id: '77',
      acct: 'lucas',
      display_name: 'Lucas Martin',
      followers_count: 540,
      url: 'https://mastodon.example/@lucas',
    },
  };

  it('reads a status: text from HTML, instance-qualified ids and handle, links without mentions and tags', () => {
    const e = normalize('mastodon', JSON.stringify({ instance: 'mastodon.example', status }), received);
    expect(e).toMatchObject({
      kind: 'upsert',
      channel: 'mastodon',
      externalId: 'mastodon.example/1133',
      text: 'Still waiting for my refund from @demoairways & nobody answers.\nDetails: example.com/case/88172 #refund',
      replyTo: 'mastodon.example/1100',
      urls: ['https://example.com/case/88172'],
      author: { externalId: 'mastodon.example/77', handle: 'lucas@mastodon.example', followers: 540 },
      engagement: { likes: 5, reposts: 1, replies: 2, quotes: 0 },
    });
  });

  it('drops addresses that are not web addresses, keeping the status', () => {
    const odd = {
      ...status,
      url: 'javascript:alert(1)',
      uri: 'tag:mastodon.example,2026:objectId=1133',
      account: { ...status.account, url: 'data:text/html,<b>x</b>' },
    };
    const e = normalize('mastodon', JSON.stringify({ instance: 'mastodon.example', status: odd }), received);
    expect(e).toMatchObject({ kind: 'upsert', url: null, author: { profileUrl: null } });
  });

  it('uses edited_at as the version of an edit, and reads deletes', () => {
    const edited = { ...status, edited_at: '2026-11-23T09:05:00.000Z' };
    expect(
      normalize('mastodon', JSON.stringify({ instance: 'mastodon.example', status: edited }), received),
    ).toMatchObject({
      versionAt: '2026-11-23T09:05:00.000Z',
      edited: true,
    });
    expect(
      normalize('mastodon', JSON.stringify({ instance: 'mastodon.example', deleted: '1133' }), received),
    ).toEqual({
      kind: 'delete',
      channel: 'mastodon',
      externalId: 'mastodon.example/1133',
      versionAt: received,
    });
  });
});

describe('normalize: generic', () => {
  it('fills defaults and collects links from the text', () => {
    const e = normalize(
      'generic',
      JSON.stringify({
        channel: 'webhook',
        externalId: 'w-1',
        text: 'see https://example.com/a and http://x.example/b',
        author: { externalId: 'u1', handle: 'someone' },
      }),
      received,
    );
    expect(e).toMatchObject({
      createdAt: received,
      versionAt: received,
      urls: ['https://example.com/a', 'http://x.example/b'],
    });
  });

  it.each([
    ['not JSON', '{"channel":', /payload is not JSON/],
    ['no author', JSON.stringify({ channel: 'webhook', externalId: 'x', text: 'hi' }), /author: required/],
    [
      'empty text',
      JSON.stringify({
        channel: 'webhook',
        externalId: 'x',
        text: '  ',
        author: { externalId: 'a', handle: 'a' },
      }),
      /text: required/,
    ],
    [
      'bad channel',
      JSON.stringify({
        channel: 'Web Hook',
        externalId: 'x',
        text: 'hi',
        author: { externalId: 'a', handle: 'a' },
      }),
      /^channel:/,
    ],
    [
      'bad date',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        createdAt: 'yesterday',
        author: { externalId: 'a', handle: 'a' },
      }),
      /^createdAt:/,
    ],
    [
      'bad followers',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        author: { externalId: 'a', handle: 'a', followers: -3 },
      }),
      /^author\.followers:/,
    ],
    [
      'a post address that is not a web address',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        url: 'javascript:alert(1)',
        author: { externalId: 'a', handle: 'a' },
      }),
      /^url: .*http or https/,
    ],
    [
      'a profile address that is not a web address',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        author: { externalId: 'a', handle: 'a', profileUrl: 'data:text/html,<script>alert(1)</script>' },
      }),
      /^author\.profileUrl:/,
    ],
    ['an array', '[1,2]', /\(root\)/],
  ])('rejects %s with a reason naming the problem', (_label, payload, reason) => {
    expect(() => normalize('generic', payload, received)).toThrow(NormalizeError);
    expect(() => normalize('generic', payload, received)).toThrow(reason);
  });

  it('rejects an unknown format', () => {
    expect(() => normalize('carrier-pigeon', '{}', received)).toThrow(/unknown format/);
  });
});

describe('htmlToText', () => {
  it('keeps line breaks, drops tags and scripts, decodes entities', () => {
    expect(htmlToText('<p>One &lt;two&gt;</p><p>Three<br/>four</p><script>alert(1)</script>')).toBe(
      'One <two>\nThree\nfour',
    );
  });
});
