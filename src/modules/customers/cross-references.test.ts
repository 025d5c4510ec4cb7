import { describe, expect, it } from 'vitest';
import {
  type CrossReference,
  crossReferenceEvidence,
  detectCrossReferences,
  evidenceMentionId,
  type PostContext,
} from './cross-references.ts';

const onBluesky: PostContext = { channel: 'bluesky', authorHandle: 'ana.bsky.social' };
const onMastodon: PostContext = { channel: 'mastodon', authorHandle: 'ana@fosstodon.org' };
const onRss: PostContext = { channel: 'rss', authorHandle: 'ana-blog' };

/** What a reference names, without the phrase: `bluesky ana.dev`, `mastodon ~ana` (not exact), `email a@b`. */
const named = (r: CrossReference) =>
  r.kind === 'email' ? `email ${r.address}` : `${r.channel} ${r.exact ? '' : '~'}${r.handle}`;

const claims: [string, PostContext, string[]][] = [
  ['My other account is @ana@mastodon.social', onBluesky, ['mastodon ana@mastodon.social']],
  ['also on Bluesky as @ana.bsky.social', onMastodon, ['bluesky ana.bsky.social']],
  ['follow me on mastodon: @ana@fosstodon.org', onBluesky, ['mastodon ana@fosstodon.org']],
  ['New blog post is up (alt: @ana.dev)', onBluesky, ['bluesky ana.dev']],
  ["I'm @ana on Mastodon", onBluesky, ['mastodon ~ana']],
  ["I'm @ana_w on Mastodon too", onMastodon, ['mastodon ana_w@fosstodon.org']],
  ['Questions? email me at Ana@Example.com.', onBluesky, ['email ana@example.com']],
  ['my email is ana.w+news@example.org', onMastodon, ['email ana.w+news@example.org']],
  ['You can find me at @ana@hachyderm.io these days', onBluesky, ['mastodon ana@hachyderm.io']],
  ["I've moved to @ana@hachyderm.io, see you there", onBluesky, ['mastodon ana@hachyderm.io']],
  ['This account has moved to @ana@hachyderm.io.', onMastodon, ['mastodon ana@hachyderm.io']],
  ['Moved to Bluesky: @ana.dev', onMastodon, ['bluesky ana.dev']],
  ['my Mastodon account: @ana@mastodon.social', onBluesky, ['mastodon ana@mastodon.social']],
  ['my account on Bluesky is @ana.bsky.social', onMastodon, ['bluesky ana.bsky.social']],
  ['my bluesky: @ana.dev', onMastodon, ['bluesky ana.dev']],
  ['Other account: @ana_backup', onMastodon, ['mastodon ana_backup@fosstodon.org']],
  ['find me on Bluesky as @ana', onMastodon, ['bluesky ana.bsky.social']],
  ['my alt is @ana.alt.bsky.social', onBluesky, ['bluesky ana.alt.bsky.social']],
  ['reach me at ana@example.com or on Mastodon', onBluesky, ['email ana@example.com']],
  ['follow me on Mastodon: ana@mastodon.social', onBluesky, ['mastodon ana@mastodon.social']],
  ['find me at https://bsky.app/profile/ana.dev', onMastodon, ['bluesky ana.dev']],
  ['my other profile: https://mastodon.social/@ana', onBluesky, ['mastodon ana@mastodon.social']],
  ["I'm also on Bluesky as @ana.dev and on Mastodon: @ana@x.example", onRss, ['bluesky ana.dev']],
  [
    'My other account is @ana@mastodon.social. Email me at ana@example.com',
    onBluesky,
    ['mastodon ana@mastodon.social', 'email ana@example.com'],
  ],
  ['I am @ana.dev.', onMastodon, ['bluesky ana.dev']],
];

const notClaims: [string, PostContext][] = [
  ['thanks @bob.bsky.social', onBluesky],
  ['my friend @bob.bsky.social says hi', onBluesky],
  ['Great talk by @bob@mastodon.social today', onBluesky],
  ['follow @bob@mastodon.social for updates', onBluesky],
  ["I'm with @bob on this one", onBluesky],
  ["I'm @bob's biggest fan", onBluesky],
  ['Bob moved to @bob@hachyderm.io last week', onBluesky],
  ['email support@example.com for help', onBluesky],
  ['talk to my manager at bob@example.com', onBluesky],
  ['Not my account: @fake-ana.bsky.social', onBluesky],
  ["This isn't my alt: @ana2.bsky.social", onBluesky],
  ["Bob's alt: @bob2.bsky.social", onBluesky],
  ['your other account: @bob.bsky.social is suspended', onBluesky],
  ['find me and @bob at the booth', onBluesky],
  ['my favourite account is @bob.bsky.social', onBluesky],
  ['my reply to @bob.bsky.social got lost', onBluesky],
  ['My account was hacked, contact @support.bsky.social', onBluesky],
  ['my other account is great, but @bob.bsky.social is better', onBluesky],
  ['follow me, @bob!', onBluesky],
  ['also thanks to @bob.bsky.social', onBluesky],
  ['my website is https://ana.example/blog', onBluesky],
  ['my Mastodon account is @ana.bsky.social', onBluesky],
  ['I am @ana.bsky.social', onBluesky],
  ["I'm @ana on the other site", onRss],
];

describe('cross-references in posts', () => {
  it.each(claims)('%s → %j', (text, post, expected) => {
    expect(detectCrossReferences(text, post).map(named)).toEqual(expected);
  });

  it.each(notClaims)('%s → nothing', (text, post) => {
    expect(detectCrossReferences(text, post)).toEqual([]);
  });

  it('keeps the claiming phrase and names each account once', () => {
    const refs = detectCrossReferences(
      'My other account is @ana@mastodon.social (alt: @ana@mastodon.social)',
      onBluesky,
    );
    expect(refs).toEqual([
      {
        kind: 'account',
        channel: 'mastodon',
        handle: 'ana@mastodon.social',
        exact: true,
        phrase: 'My other account is @ana@mastodon.social',
      },
    ]);
  });

  it('writes evidence that names the post and reads its mention id back', () => {
    const line = crossReferenceEvidence({
      mentionId: 42,
      channelLabel: 'Bluesky',
      authorHandle: 'ana.bsky.social',
      url: 'https://bsky.app/profile/ana.bsky.social/post/3k',
      referenced: 'Mastodon account ana@mastodon.social',
      phrase: 'my other account is "@ana@mastodon.social"',
    });
    expect(line).toBe(
      'Cross-reference in a post: Bluesky account ana.bsky.social calls Mastodon account ana@mastodon.social its own: "my other account is \'@ana@mastodon.social\'" (mention 42, https://bsky.app/profile/ana.bsky.social/post/3k)',
    );
    expect(evidenceMentionId(line)).toBe(42);
    expect(evidenceMentionId('Same display name "Ana" (mention 42)')).toBeNull();
  });
});
