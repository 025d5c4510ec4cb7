import { describe, expect, it } from 'vitest';
import {
  applyAttributes,
  customDomainOf,
  domainProvesEmail,
  handleKey,
  handlesProvenBy,
  isDistinctiveName,
  websiteDomainOf,
} from './rules.ts';

describe('resolution rules', () => {
  it('compares handles across networks without their network part', () => {
    expect(handleKey('bluesky', 'Maya.Travels.bsky.social')).toBe('maya.travels');
    expect(handleKey('bluesky', 'maya.travels')).toBe('maya.travels');
    expect(handleKey('mastodon', '@maya.travels@mastodon.example')).toBe('maya.travels');
    expect(handleKey('rss', 'maya.travels')).toBeNull();
    expect(handleKey('mastodon', 'al@x.example')).toBeNull();
  });

  it('treats only Bluesky handles outside bsky.social as domains their owner proved', () => {
    expect(customDomainOf('bluesky', 'maya.example.com')).toBe('maya.example.com');
    expect(customDomainOf('bluesky', 'maya.bsky.social')).toBeNull();
    expect(customDomainOf('mastodon', 'maya.example.com')).toBeNull();
    expect(customDomainOf('bluesky', 'tomk')).toBeNull();
  });

  it('lets a domain prove an email only as its domain or as the mailbox under it', () => {
    expect(domainProvesEmail('maya.example.com', 'maya@example.com')).toBe(true);
    expect(domainProvesEmail('maya.example', 'hello@maya.example')).toBe(true);
    expect(domainProvesEmail('bob.example.com', 'maya@example.com')).toBe(false);
    expect(domainProvesEmail('example.com', 'maya@mail.example.com')).toBe(false);
    expect(handlesProvenBy('Maya@Example.com')).toEqual(['example.com', 'maya.example.com']);
    expect(handlesProvenBy('maya+x@example.com')).toEqual(['example.com']);
  });

  it('reads the website domain from the attribute, without www', () => {
    expect(websiteDomainOf({ website: 'https://www.Maya.example/about' })).toBe('maya.example');
    expect(websiteDomainOf({ website: 'maya.example' })).toBe('maya.example');
    expect(websiteDomainOf({ website: 'not a url' })).toBeNull();
    expect(websiteDomainOf({ website: 3 })).toBeNull();
  });

  it('compares display names alone only when they have two words or more', () => {
    expect(isDistinctiveName('Maya Lindqvist')).toBe(true);
    expect(isDistinctiveName('Sam')).toBe(false);
  });
});

describe('attributes', () => {
  const defs = [
    { key: 'plan', type: 'choice' as const, choices: ['free', 'pro'] },
    { key: 'seats', type: 'number' as const, choices: [] },
    { key: 'renewal', type: 'date' as const, choices: [] },
    { key: 'vip', type: 'boolean' as const, choices: [] },
    { key: 'note', type: 'text' as const, choices: [] },
  ];

  it('accepts values that fit and removes nulls', () => {
    expect(
      applyAttributes(
        defs,
        { note: 'old', seats: 2 },
        {
          plan: 'pro',
          seats: 3.5,
          renewal: '2026-02-28',
          vip: false,
          note: null,
        },
      ),
    ).toEqual({ plan: 'pro', seats: 3.5, renewal: '2026-02-28', vip: false });
    expect(applyAttributes(defs, {}, { renewal: '2026-02-28T10:00:00.000Z' })).toEqual({
      renewal: '2026-02-28T10:00:00.000Z',
    });
  });

  it('names every attribute that does not fit', () => {
    expect(() =>
      applyAttributes(
        defs,
        {},
        { plan: 'gold', seats: '3', renewal: '2026-02-30', vip: 'yes', colour: 'red' },
      ),
    ).toThrow(
      expect.objectContaining({
        details: {
          fields: [
            { path: 'attributes.plan', message: 'must be one of "free", "pro"' },
            { path: 'attributes.seats', message: 'must be a number' },
            { path: 'attributes.renewal', message: expect.stringMatching(/ISO date/) },
            { path: 'attributes.vip', message: 'must be true or false' },
            { path: 'attributes.colour', message: 'is not a defined attribute' },
          ],
        },
      }),
    );
  });
});
