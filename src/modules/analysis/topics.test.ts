import { describe, expect, it } from 'vitest';
import { tokenize } from './tokenize.ts';
import { compileTopics } from './topics.ts';

const topics = compileTopics([
  {
    id: 'bags',
    name: 'Baggage',
    keywords: ['lost luggage', 'baggage', 'bag*', '#wheresmybag'],
    examples: ['my suitcase never arrived at the carousel', 'the suitcase came back with a broken handle'],
  },
  {
    id: 'refunds',
    name: 'Refunds',
    keywords: ['refund', 'money back', 'chargeback'],
    examples: ['still waiting for my money after the cancelled flight'],
  },
  { id: 'wifi', name: 'Wi-Fi', keywords: ['wifi', 'wi-fi', 'internet on board'], examples: [] },
]);

const ids = (text: string) => topics.match(tokenize(text)).map((m) => m.id);

describe('topics', () => {
  it('matches single keywords, folding plurals and case', () => {
    expect(ids('Three REFUNDS requested and nothing')).toEqual(['refunds']);
    expect(ids('the wifi is down again')).toEqual(['wifi']);
  });

  it('matches phrases only with their words in order', () => {
    expect(ids('lost luggage at JFK')).toEqual(['bags']);
    expect(ids('I want my money back')).toEqual(['refunds']);
    expect(ids('back to the money pit')).toEqual([]);
  });

  it('matches wildcard keywords and hashtags', () => {
    expect(ids('where are my bags??')).toEqual(['bags']);
    expect(ids('#WheresMyBag day 3')).toEqual(['bags']);
  });

  it('matches a text close to an example without any keyword, and explains which example', () => {
    const [match] = topics.match(tokenize('Suitcase never arrived, carousel empty'));
    expect(match?.id).toBe('bags');
    expect(match?.reasons[0]).toMatch(/^like example "my suitcase never arrived/);
    expect(match?.score).toBeGreaterThan(0.45);
    expect(match?.score).toBeLessThan(1);
  });

  it('does not match on a single shared common word', () => {
    expect(ids('my flight was great')).toEqual([]);
    expect(ids('waiting for the bus')).toEqual([]);
  });

  it('gives several topics when several apply, keyword matches first', () => {
    const matches = topics.match(tokenize('refund for my lost luggage please, and the wifi was broken'));
    expect(matches.map((m) => m.id).sort()).toEqual(['bags', 'refunds', 'wifi']);
    expect(matches.every((m) => m.reasons[0]?.startsWith('keyword'))).toBe(true);
  });

  it('returns nothing when the workspace has no topics', () => {
    expect(compileTopics([]).match(tokenize('refund please'))).toEqual([]);
  });
});
