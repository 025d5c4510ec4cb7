import { describe, expect, it } from 'vitest';
import { QuerySyntaxError } from './errors.ts';
import { compileQuery } from './matcher.ts';
import { parseQuery } from './parser.ts';
import { type MatchableItem, prepareItem } from './prepare.ts';
import { createQuerySet } from './query-set.ts';

const item = (text: string, more: Partial<MatchableItem> = {}): MatchableItem => ({
  text,
  authorHandle: 'maya.travels',
  language: 'en',
  channel: 'bluesky',
  urls: [],
  ...more,
});

const matches = (query: string, text: string, more: Partial<MatchableItem> = {}) =>
  compileQuery(query).matches(prepareItem(item(text, more)));

describe('terms', () => {
  it('matches whole words, case- and accent-insensitively', () => {
    expect(matches('refund', 'Still no REFUND from them')).toBe(true);
    expect(matches('air', 'demo airline')).toBe(false);
    expect(matches('café', 'best cafe in town')).toBe(true);
    expect(matches('CAFE', 'le Café est fermé')).toBe(true);
    expect(matches("don't", 'I don’t get it')).toBe(true);
  });

  it('matches hashtag bodies as words, but #tag only as a hashtag', () => {
    expect(matches('refund', 'waiting #refund')).toBe(true);
    expect(matches('#refund', 'waiting #Refund')).toBe(true);
    expect(matches('#refund', 'waiting for a refund')).toBe(false);
  });

  it('matches @mentions exactly or as the first labels of a domain handle', () => {
    expect(matches('@acmeair', 'hey @AcmeAir help')).toBe(true);
    expect(matches('@acmeair', 'hey @acmeair.bsky.social help')).toBe(true);
    expect(matches('@acmeair', 'hey @acmeairlines help')).toBe(false);
    expect(matches('@acmeair', 'acmeair without the at')).toBe(false);
  });

  it('matches trailing wildcards against word starts', () => {
    expect(matches('refund*', 'they refunded me')).toBe(true);
    expect(matches('refund*', 'refund')).toBe(true);
    expect(matches('refund*', 'no money back')).toBe(false);
    expect(matches('cancel*', '#cancellation policy')).toBe(true);
  });

  it('matches quoted phrases as consecutive words in order', () => {
    expect(matches('"money back"', 'I want my money back now')).toBe(true);
    expect(matches('"money back"', 'back to the money')).toBe(false);
    expect(matches('"where is my bag"', 'Where is my bag?!')).toBe(true);
    expect(matches('"say \\"hi\\""', 'say hi')).toBe(true);
  });

  it('treats a word that splits into several tokens as a phrase', () => {
    expect(matches('e-mail', 'send an e mail')).toBe(true);
    expect(matches('e-mail', 'mail me an e')).toBe(false);
  });
});

describe('boolean operators and precedence', () => {
  it('AND, OR, NOT and implicit AND', () => {
    expect(matches('refund AND late', 'late refund')).toBe(true);
    expect(matches('refund AND late', 'refund only')).toBe(false);
    expect(matches('refund OR late', 'late again')).toBe(true);
    expect(matches('refund late', 'refund only')).toBe(false);
    expect(matches('refund late', 'refund was late')).toBe(true);
    expect(matches('NOT spam', 'hello')).toBe(true);
    expect(matches('NOT spam', 'this is spam')).toBe(false);
    expect(matches('bag NOT found', 'bag lost')).toBe(true);
    expect(matches('bag NOT found', 'bag found')).toBe(false);
  });

  it('binds AND tighter than OR and NOT tighter than AND', () => {
    // a OR (b AND c)
    expect(matches('a1 OR b1 AND c1', 'a1')).toBe(true);
    expect(matches('a1 OR b1 AND c1', 'b1')).toBe(false);
    // (NOT a) OR b
    expect(matches('NOT a1 OR b1', 'a1 b1')).toBe(true);
    expect(matches('NOT a1 OR b1', 'a1')).toBe(false);
    // (a AND b) OR c with implicit AND
    expect(matches('a1 b1 OR c1', 'c1')).toBe(true);
    expect(matches('a1 b1 OR c1', 'a1')).toBe(false);
    expect(parseQuery('a OR b AND NOT c')).toEqual({
      type: 'or',
      children: [
        { type: 'term', value: 'a' },
        {
          type: 'and',
          children: [
            { type: 'term', value: 'b' },
            { type: 'not', child: { type: 'term', value: 'c' } },
          ],
        },
      ],
    });
  });

  it('groups with parentheses; lower-case and/or/not are plain words', () => {
    expect(matches('(a1 OR b1) AND c1', 'b1 c1')).toBe(true);
    expect(matches('(a1 OR b1) AND c1', 'b1')).toBe(false);
    expect(matches('rock and roll', 'rock and roll')).toBe(true);
    expect(matches('rock and roll', 'rock roll')).toBe(false);
  });
});

describe('NEAR', () => {
  it('NEAR/n allows at most n words between, in either order', () => {
    expect(matches('late NEAR/2 flight', 'late for my flight')).toBe(true);
    expect(matches('late NEAR/1 flight', 'late for my flight')).toBe(false);
    expect(matches('late NEAR/2 flight', 'the flight was late')).toBe(true);
    expect(matches('late NEAR/0 flight', 'late flight')).toBe(true);
  });

  it('NEAR/nf requires the left side first', () => {
    expect(matches('late NEAR/3f flight', 'late again flight')).toBe(true);
    expect(matches('late NEAR/3f flight', 'flight again late')).toBe(false);
  });

  it('takes OR-groups, phrases and wildcards as operands', () => {
    expect(matches('(late OR delayed) NEAR/3 (flight OR plane)', 'plane badly delayed')).toBe(true);
    expect(matches('"lost bag" NEAR/2 refund*', 'lost bag and refunds')).toBe(true);
    expect(matches('"lost bag" NEAR/2 refund*', 'lost bag, then after many days refunds')).toBe(false);
  });
});

describe('fields', () => {
  it('author: exact or prefix, case-insensitive, @ optional', () => {
    expect(matches('author:maya.travels', 'x')).toBe(true);
    expect(matches('author:@Maya.Travels', 'x')).toBe(true);
    expect(matches('author:maya*', 'x')).toBe(true);
    expect(matches('author:maya', 'x')).toBe(false);
  });

  it('lang:, channel:, url: and quoted values', () => {
    expect(matches('lang:en', 'x')).toBe(true);
    expect(matches('lang:FR', 'x')).toBe(false);
    expect(matches('channel:bluesky', 'x')).toBe(true);
    expect(matches('channel:mastodon', 'x')).toBe(false);
    expect(matches('url:example.com/case', 'x', { urls: ['https://Example.com/case/1'] })).toBe(true);
    expect(matches('url:example.org', 'x', { urls: ['https://example.com/'] })).toBe(false);
    expect(matches('author:"maya.travels" AND refund', 'refund please')).toBe(true);
  });
});

describe('malformed queries', () => {
  it.each([
    ['', 0, 'a term, phrase, field or "("'],
    ['   ', 3, 'a term, phrase, field or "("'],
    ['refund AND', 10, 'a term, phrase, field or "("'],
    ['OR refund', 0, 'a term, phrase, field or "("'],
    ['refund AND OR late', 11, 'a term, phrase, field or "("'],
    ['NOT', 3, 'a term, phrase, field or "("'],
    ['refund NOT', 10, 'a term, phrase, field or "("'],
    ['(refund', 7, '")"'],
    ['(refund OR late', 15, '")"'],
    ['refund)', 6, 'a matching "(" before this ")"'],
    ['()', 1, 'a term, phrase, field or "("'],
    ['((a)', 4, '")"'],
    ['"money back', 0, 'a closing "'],
    ['refund "unterminated', 7, 'a closing "'],
    ['""', 0, 'words inside the quotes'],
    ['" !! "', 0, 'words inside the quotes'],
    ['late NEAR/ flight', 10, 'a number after NEAR/ (e.g. NEAR/3 or NEAR/3f)'],
    ['late NEAR/x flight', 10, 'a number after NEAR/ (e.g. NEAR/3 or NEAR/3f)'],
    ['late NEAR flight', 10, 'a number after NEAR/ (e.g. NEAR/3 or NEAR/3f)'],
    ['late NEAR/101 flight', 10, 'a distance from 0 to 100'],
    ['late NEAR/3', 11, 'a term, phrase, field or "("'],
    ['late NEAR/3 flight NEAR/2 plane', 19, 'AND, OR or ")" (NEAR cannot be chained)'],
    ['(a AND b) NEAR/3 c', 0, 'a term, phrase or parenthesised OR of terms around NEAR'],
    ['a NEAR/3 lang:en', 9, 'a term, phrase or parenthesised OR of terms around NEAR'],
    ['*', 0, 'a single word before *'],
    ['*refund', 0, 'a * only at the end of a word'],
    ['re*fund', 2, 'a * only at the end of a word'],
    ['r*', 0, 'at least 2 characters before *'],
    ['foo:bar', 0, 'a field (author:, lang:, channel:, url:)'],
    ['lang:', 5, 'a value after lang:'],
    ['author:"', 7, 'a closing "'],
    ['!!!', 0, 'a word (letters or digits)'],
    ['x'.repeat(2001), 2000, 'at most 2000 characters'],
    [`${'('.repeat(33)}a${')'.repeat(33)}`, 32, 'at most 32 nested parentheses'],
  ])('%j fails at position %i expecting %s', (query, position, expected) => {
    let error: unknown;
    try {
      parseQuery(query);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(QuerySyntaxError);
    expect((error as QuerySyntaxError).position).toBe(position);
    expect((error as QuerySyntaxError).expected).toBe(expected);
    expect((error as QuerySyntaxError).message).toContain(`at position ${position}`);
  });
});

describe('query set', () => {
  it('returns the ids of matching queries in the order given', () => {
    const set = createQuerySet([
      { id: 'brand', source: '@demoairways OR "demo airways"' },
      { id: 'bags', source: 'bag* NOT found' },
      { id: 'not-spam', source: 'NOT (buy AND followers)' },
      { id: 'french', source: 'lang:fr' },
    ]);
    expect(set.match(item('Where is my bag @demoairways?'))).toEqual(['brand', 'bags', 'not-spam']);
    expect(set.match(item('buy followers now'))).toEqual([]);
    expect(set.match(item('Vol annulé', { language: 'fr' }))).toEqual(['not-spam', 'french']);
  });

  it('returns exactly what evaluating every query one by one returns (300 queries × 300 items)', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const vocab = [
      'refund',
      'late',
      'flight',
      'bag',
      'lost',
      'crew',
      'great',
      'cancel',
      'delay',
      'money',
      'back',
      'seat',
    ];
    const pick = () => vocab[Math.floor(rand() * vocab.length)] as string;
    const atom = (): string => {
      const r = rand();
      if (r < 0.45) return pick();
      if (r < 0.55) return `${pick().slice(0, 3)}*`;
      if (r < 0.65) return `"${pick()} ${pick()}"`;
      if (r < 0.72) return `#${pick()}`;
      if (r < 0.78) return `${pick()} NEAR/${Math.floor(rand() * 3)}${rand() < 0.5 ? 'f' : ''} ${pick()}`;
      if (r < 0.84) return rand() < 0.5 ? 'lang:en' : 'channel:mastodon';
      return `(${pick()} OR ${pick()})`;
    };
    const query = (): string => {
      const parts = [atom()];
      const n = Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) parts.push(rand() < 0.3 ? 'OR' : rand() < 0.5 ? 'AND' : 'AND NOT', atom());
      return (rand() < 0.1 ? 'NOT ' : '') + parts.join(' ');
    };
    const queries = Array.from({ length: 300 }, (_, i) => ({ id: `q${i}`, source: query() }));
    const set = createQuerySet(queries);
    const compiled = queries.map((q) => ({ id: q.id, c: compileQuery(q.source) }));
    let total = 0;
    for (let i = 0; i < 300; i++) {
      const words = Array.from({ length: 3 + Math.floor(rand() * 10) }, () =>
        rand() < 0.1 ? `#${pick()}` : pick(),
      );
      const it = item(words.join(' '), {
        language: rand() < 0.5 ? 'en' : 'es',
        channel: rand() < 0.5 ? 'bluesky' : 'mastodon',
      });
      const expected = compiled.filter((q) => q.c.matches(prepareItem(it))).map((q) => q.id);
      expect(set.match(it)).toEqual(expected);
      total += expected.length;
    }
    expect(total).toBeGreaterThan(300); // the generated data exercises matches, not only misses
  });
});
