import { describe, expect, it } from 'vitest';
import { customerLatestPost } from './reply-target.ts';

const post = (id: number, handle: string | null, channel = 'bluesky') => ({
  id,
  channel,
  author: handle === null ? null : { handle },
});
const customer = { identities: [{ channel: 'bluesky', handle: 'jules.bsky.social' }] };

describe('customerLatestPost', () => {
  it("takes the customer's latest post over later replies by others and our own", () => {
    const posts = [
      post(1, 'jules.bsky.social'),
      post(2, 'jules.bsky.social'),
      post(3, 'greta.example'),
      post(4, 'brand.example'),
    ];
    expect(customerLatestPost(posts, customer)?.id).toBe(2);
  });

  it('matches a handle on its own channel only', () => {
    expect(customerLatestPost([post(1, 'jules.bsky.social', 'mastodon')], customer)).toBeUndefined();
  });

  it('finds none without a customer or a post of theirs', () => {
    expect(customerLatestPost([post(1, 'greta.example')], null)).toBeUndefined();
    expect(customerLatestPost([post(1, null)], customer)).toBeUndefined();
  });
});
