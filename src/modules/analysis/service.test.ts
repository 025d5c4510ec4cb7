import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../random.ts';
import { analyzeText } from './service.ts';
import { compileTopics } from './topics.ts';
import { intentLabels } from './types.ts';

const alphabet = [
  ...'abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ 0123456789 .,;:!?()"\'-_@#/\\*&%$<>[]{}|~^`',
  'ñ',
  'é',
  'ß',
  'ç',
  'ø',
  'ü',
  'こんにちは',
  '漢字',
  'Привет',
  'مرحبا',
  'שלום',
  '👍',
  '😡',
  '🇫🇷',
  '👨‍👩‍👧',
  '\u200d',
  '\ufe0f',
  '\u0000',
  '\u202e',
  '\t',
  '\n',
  '\r',
  'https://t.co/x',
  'www.',
  ':)',
  ':-(',
  '<3',
  'sooooo',
  'NOT',
  'but',
  'refund',
  'lawyer',
  'smoke',
  'cancel my account',
  'how much',
  '\ud800',
];

function randomText(rand: () => number): string {
  const length = Math.floor(rand() * (rand() < 0.05 ? 3000 : 60));
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
  return text;
}

describe('analyzeText', () => {
  it('never throws and always answers within its ranges, whatever the text', () => {
    const rand = seededRandom(42);
    const topics = compileTopics([
      {
        id: 't',
        name: 'Refunds',
        keywords: ['refund*', 'money back'],
        examples: ['I want my money back now'],
      },
    ]);
    for (let i = 0; i < 3000; i++) {
      const text = randomText(rand);
      const a = analyzeText(
        {
          text,
          declaredLanguage: rand() < 0.3 ? 'en' : null,
          authorFollowers: rand() < 0.5 ? Math.floor(rand() * 1e7) : null,
          priorContacts: Math.floor(rand() * 5),
        },
        { topics, classifiers: [] },
      );
      expect(a.language).toMatch(/^([a-z]{2,3}|und)$/);
      expect(a.languageConfidence).toBeGreaterThanOrEqual(0);
      expect(a.languageConfidence).toBeLessThanOrEqual(1);
      expect(['negative', 'neutral', 'positive', 'und']).toContain(a.sentiment.label);
      expect(Math.abs(a.sentiment.score)).toBeLessThanOrEqual(1);
      expect(a.intents.length).toBeGreaterThan(0);
      for (const intent of a.intents) {
        expect(intentLabels).toContain(intent.label);
        expect(intent.score).toBeGreaterThanOrEqual(0);
        expect(intent.score).toBeLessThanOrEqual(1);
      }
      expect(a.urgency.score).toBeGreaterThanOrEqual(0);
      expect(a.urgency.score).toBeLessThanOrEqual(100);
      expect(Number.isInteger(a.urgency.score)).toBe(true);
    }
  });

  it('says und for text with no language in it, and gives no sentiment to languages it does not model', () => {
    expect(
      analyzeText({ text: '👍👍 https://t.co/abc @someone', declaredLanguage: null, authorFollowers: null })
        .language,
    ).toBe('und');
    const german = analyzeText({
      text: 'Der Flug hatte drei Stunden Verspätung und niemand hat uns informiert',
      declaredLanguage: null,
      authorFollowers: null,
    });
    expect(german.language).toBe('de');
    // German has a hand-written lexicon (sentiment-foreign.ts); Italian has none.
    expect(german.sentiment).toMatchObject({ label: 'negative', reasons: ['"verspätung"'] });
    const italian = analyzeText({
      text: 'Il volo era in ritardo di tre ore e nessuno ci ha informato',
      declaredLanguage: null,
      authorFollowers: null,
    });
    expect(italian.language).toBe('it');
    expect(italian.sentiment).toEqual({ label: 'und', score: 0, reasons: [] });
  });
});
