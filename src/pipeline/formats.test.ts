import { describe, expect, it } from 'vitest';
import { compileQuerySet } from '../modules/listening/queries-cache.ts';
import { linksInText, type NormalizedEvent, NormalizeError, normalize } from './formats.ts';
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

  it("takes the resolved profile's description as the bio, and keeps the stored one when the profile was not resolved", () => {
    const resolved = {
      ...jetstreamCreate,
      displayName: 'Maya',
      description: '  Travel writer.\nDMs open.  ',
    };
    expect(normalize('jetstream', JSON.stringify(resolved), received)).toMatchObject({
      author: { displayName: 'Maya', bio: 'Travel writer.\nDMs open.', links: null },
    });
    const long = { ...jetstreamCreate, description: 'x'.repeat(2500) };
    const e = normalize('jetstream', JSON.stringify(long), received);
    expect(e.kind === 'upsert' && e.author.bio?.length).toBe(2000);
    // No description: the connector did not resolve the profile, so nothing is known (null keeps).
    expect(normalize('jetstream', JSON.stringify(jetstreamCreate), received)).toMatchObject({
      author: { bio: null, links: null },
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

  it("reads the account's note as its bio (plain text) and its fields with a web address as links", () => {
    const account = {
      ...status.account,
      note: '<p>Cyclist &amp; <a href="https://mastodon.example/tags/travel" class="hashtag">#travel</a> fan.</p><p>He/him</p><script>alert(1)</script>',
      fields: [
        {
          name: 'Blog',
          value:
            '<a href="https://lucas.example/" rel="nofollow noopener me" target="_blank"><span class="invisible">https://</span>lucas.example/</a>',
          verified_at: '2026-01-02T03:04:05.000Z',
        },
        { name: 'Pronouns', value: 'he/him', verified_at: null },
        { name: 'Shop', value: '<a href="https://shop.example/lucas">shop.example/lucas</a>' },
        { name: 'Evil', value: '<a href="javascript:alert(1)">click</a>', verified_at: null },
        {
          name: 'Also evil',
          value: '<a href="data:text/html,x">x</a> <a href="https://later.example">y</a>',
        },
      ],
    };
    const e = normalize(
      'mastodon',
      JSON.stringify({ instance: 'mastodon.example', status: { ...status, account } }),
      received,
    );
    expect(e).toMatchObject({
      kind: 'upsert',
      author: {
        bio: 'Cyclist & #travel fan.\nHe/him',
        links: [
          { label: 'Blog', url: 'https://lucas.example/', verified: true },
          { label: 'Shop', url: 'https://shop.example/lucas', verified: false },
        ],
        verifiedLinks: ['https://lucas.example/'],
      },
    });
  });

  it('keeps at most 10 links and 2000 characters of bio; a status without note and fields keeps what is stored', () => {
    const fields = Array.from({ length: 14 }, (_, i) => ({
      name: `Link ${i}`,
      value: `<a href="https://l${i}.example/">l${i}</a>`,
    }));
    const account = { ...status.account, note: `<p>${'é'.repeat(3000)}</p>`, fields };
    const e = normalize(
      'mastodon',
      JSON.stringify({ instance: 'mastodon.example', status: { ...status, account } }),
      received,
    );
    if (e.kind !== 'upsert') throw new Error('expected an upsert');
    expect(e.author.bio).toHaveLength(2000);
    expect(e.author.links?.map((l) => l.label)).toEqual(Array.from({ length: 10 }, (_, i) => `Link ${i}`));
    // The fixture's account has neither: unknown, not empty (the author's stored bio and links stay).
    expect(
      normalize('mastodon', JSON.stringify({ instance: 'mastodon.example', status }), received),
    ).toMatchObject({ author: { bio: null, links: null } });
    // An empty note and no fields are what the account says: an empty bio, no links.
    expect(
      normalize(
        'mastodon',
        JSON.stringify({
          instance: 'mastodon.example',
          status: { ...status, account: { ...status.account, note: '', fields: [] } },
        }),
        received,
      ),
    ).toMatchObject({ author: { bio: '', links: [] } });
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

  it("reads the author's bio and links; a link that is not a web address is dropped, not the post", () => {
    const e = normalize(
      'generic',
      JSON.stringify({
        channel: 'webhook',
        externalId: 'w-2',
        text: 'hello',
        author: {
          externalId: 'u1',
          handle: 'someone',
          bio: 'Runs <b>a bakery</b> in Lyon',
          links: [
            { label: ' Shop ', url: 'https://bakery.example/' },
            { url: 'http://plain.example/me' },
            { label: 'Bad', url: 'javascript:alert(1)' },
            { label: 'Not a URL', url: 'bakery' },
          ],
        },
      }),
      received,
    );
    expect(e).toMatchObject({
      kind: 'upsert',
      author: {
        // Plain text as sent: it is shown as text, never as HTML.
        bio: 'Runs <b>a bakery</b> in Lyon',
        links: [
          { label: 'Shop', url: 'https://bakery.example/', verified: false },
          { label: null, url: 'http://plain.example/me', verified: false },
        ],
        verifiedLinks: [],
      },
    });
    const bare = normalize(
      'generic',
      JSON.stringify({
        channel: 'webhook',
        externalId: 'w-3',
        text: 'hi',
        author: { externalId: 'u1', handle: 'x' },
      }),
      received,
    );
    expect(bare).toMatchObject({ author: { bio: null, links: null } });
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
    [
      'a bio over 2000 characters',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        author: { externalId: 'a', handle: 'a', bio: 'b'.repeat(2001) },
      }),
      /^author\.bio:/,
    ],
    [
      'more than 10 links',
      JSON.stringify({
        channel: 'w',
        externalId: 'x',
        text: 'hi',
        author: {
          externalId: 'a',
          handle: 'a',
          links: Array.from({ length: 11 }, (_, i) => ({ url: `https://l${i}.example` })),
        },
      }),
      /^author\.links:/,
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

describe('links of a post, as `url:` queries see them', () => {
  /** Whether `query` matches the post as the pipeline's matching stage asks it (src/pipeline/content.ts). */
  const matches = (query: string, e: NormalizedEvent) => {
    if (e.kind !== 'upsert') throw new Error('expected a post');
    const set = compileQuerySet({ signature: query, queries: [{ id: 'q', source: query }] });
    const item = {
      text: e.text,
      authorHandle: e.author.handle,
      language: e.language,
      channel: e.channel,
      urls: e.urls,
    };
    return set.match(item).length === 1;
  };
  const generic = (url: string, text: string) =>
    normalize(
      'generic',
      JSON.stringify({
        channel: 'demo',
        externalId: 'd-1',
        url,
        text,
        author: { externalId: 'u', handle: 'u' },
      }),
      received,
    );

  it("never takes a generic post's own address (its permalink) as one of its links", () => {
    const e = generic('https://example.com/demo/reviews/1', 'Lovely crew, no link here');
    expect(e).toMatchObject({ url: 'https://example.com/demo/reviews/1', urls: [] });
    expect(matches('url:example.com/demo', e)).toBe(false);
  });

  it("takes the links written in a generic post's text, whatever its own address", () => {
    const e = generic('https://reviews.example/1', 'Help is at https://example.com/demo/help, thanks.');
    expect(e).toMatchObject({ urls: ['https://example.com/demo/help'] });
    expect(matches('url:example.com/demo', e)).toBe(true);
    expect(matches('url:reviews.example', e)).toBe(false);
  });

  it('leaves out the permalink of a Bluesky post and takes its facets, card and text links', () => {
    const record = {
      text: 'No link in this one',
      createdAt: '2026-11-23T09:59:58.000Z',
      embed: { $type: 'app.bsky.embed.external', external: { uri: 'https://cards.example/x' } },
    };
    const post = (r: typeof record) =>
      normalize(
        'jetstream',
        JSON.stringify({ ...jetstreamCreate, commit: { ...jetstreamCreate.commit, record: r } }),
        received,
      );
    const plain = post(record);
    expect(plain).toMatchObject({
      url: 'https://bsky.app/profile/maya.travels/post/3kxyz',
      urls: ['https://cards.example/x'],
    });
    expect(matches('url:bsky.app/profile/maya.travels', plain)).toBe(false);
    expect(matches('url:cards.example', plain)).toBe(true);
    const linked = post({ ...record, text: 'see https://example.com/demo/q' });
    expect(linked).toMatchObject({ urls: ['https://cards.example/x', 'https://example.com/demo/q'] });
    expect(matches('url:example.com/demo', linked)).toBe(true);
  });

  it('leaves out the permalink of a Mastodon status', () => {
    const status = {
      id: '9',
      uri: 'https://example.com/demo/statuses/9',
      url: 'https://example.com/demo/@ann/9',
      created_at: '2026-11-23T09:00:00.000Z',
      content: '<p>Nothing linked</p>',
      account: { id: '1', acct: 'ann' },
    };
    const m = normalize('mastodon', JSON.stringify({ instance: 'example.com', status }), received);
    expect(m).toMatchObject({ url: 'https://example.com/demo/@ann/9', urls: [] });
    expect(matches('url:example.com/demo', m)).toBe(false);
  });

  it('finds http and https links in text, without the punctuation that ends a sentence', () => {
    expect(
      linksInText('a https://x.example/p?q=1. b http://y.example, c ftp://z.example example.com/bare'),
    ).toEqual(['https://x.example/p?q=1', 'http://y.example']);
    expect(linksInText('no links')).toEqual([]);
  });
});

describe('htmlToText', () => {
  it('keeps line breaks, drops tags and scripts, decodes entities', () => {
    expect(htmlToText('<p>One &lt;two&gt;</p><p>Three<br/>four</p><script>alert(1)</script>')).toBe(
      'One <two>\nThree\nfour',
    );
  });
});
