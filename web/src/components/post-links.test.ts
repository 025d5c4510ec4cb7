import { describe, expect, it } from 'vitest';
import { shortLink } from './post-links.tsx';

describe('shortLink', () => {
  it('shows host and path without the scheme, www or a trailing slash, shortened with an ellipsis', () => {
    expect(shortLink('https://www.example.com/')).toBe('example.com');
    expect(shortLink('http://blog.example/p?q=1')).toBe('blog.example/p?q=1');
    const long = shortLink('https://example.com/fees/2026-baggage-rules-for-every-route-we-fly', 24);
    expect(long).toBe('example.com/fees/2026-b…');
    expect(long).toHaveLength(24);
  });
});
