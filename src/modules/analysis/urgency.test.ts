import { describe, expect, it } from 'vitest';
import { detectIntents } from './intent.ts';
import { tokenize } from './tokenize.ts';
import type { IntentResult, SentimentResult } from './types.ts';
import { scoreUrgency } from './urgency.ts';

const neutral: SentimentResult = { label: 'neutral', score: 0, reasons: [] };
const mildlyNegative: SentimentResult = { label: 'negative', score: -0.3, reasons: [] };
const stronglyNegative: SentimentResult = { label: 'negative', score: -0.9, reasons: [] };
const positive: SentimentResult = { label: 'positive', score: 0.8, reasons: [] };
const other: IntentResult[] = [{ label: 'other', score: 1, reasons: [] }];
const complaint: IntentResult[] = [{ label: 'complaint', score: 0.9, reasons: [] }];

function urgency(
  text: string,
  opts: {
    intents?: IntentResult[];
    sentiment?: SentimentResult;
    followers?: number | null;
    priorContacts?: number;
  } = {},
) {
  const tokens = tokenize(text);
  return scoreUrgency({
    intents: opts.intents ?? other,
    sentiment: opts.sentiment ?? neutral,
    tokens,
    text,
    authorFollowers: opts.followers ?? null,
    ...(opts.priorContacts === undefined ? {} : { priorContacts: opts.priorContacts }),
  });
}

describe('scoreUrgency', () => {
  it('gives small talk from a small account no urgency', () => {
    const u = urgency('watching the game tonight with the lads');
    expect(u.score).toBeLessThan(10);
  });

  it('raises the score for a complaint and names it', () => {
    const base = urgency('my order is late');
    const withComplaint = urgency('my order is late', { intents: complaint });
    expect(withComplaint.score).toBeGreaterThan(base.score);
    expect(withComplaint.reasons).toContain('complaint');
  });

  it('ranks complaint above praise for the same author and sentiment strength', () => {
    const praise = urgency('thanks, lovely crew', {
      intents: [{ label: 'praise', score: 0.9, reasons: [] }],
    });
    const moan = urgency('where is my bag', { intents: complaint });
    expect(moan.score).toBeGreaterThan(praise.score);
  });

  it('raises the score with negative sentiment, more when strongly negative', () => {
    const n = urgency('the app crashed', { intents: complaint, sentiment: neutral }).score;
    const m = urgency('the app crashed', { intents: complaint, sentiment: mildlyNegative }).score;
    const s = urgency('the app crashed', { intents: complaint, sentiment: stronglyNegative });
    expect(m).toBeGreaterThan(n);
    expect(s.score).toBeGreaterThan(m);
    expect(s.reasons).toContain('strongly negative sentiment');
  });

  it('does not raise the score for positive sentiment', () => {
    expect(urgency('new phone day', { sentiment: positive }).score).toBe(urgency('new phone day').score);
  });

  it('raises the score for safety words and quotes them', () => {
    const u = urgency('the charger started to smoke and there were sparks', { intents: complaint });
    expect(u.score).toBeGreaterThan(
      urgency('the charger stopped working', { intents: complaint }).score + 25,
    );
    expect(u.reasons.some((r) => r.startsWith('safety:') && r.includes('"smoke"'))).toBe(true);
  });

  it('treats a medical emergency as urgent even without a complaint intent', () => {
    const u = urgency('my son had an allergic reaction to the meal, we are at the hospital');
    expect(u.score).toBeGreaterThanOrEqual(30);
  });

  it('does not treat praise slang ("is fire") as a safety issue', () => {
    const u = urgency('the new menu is fire');
    expect(u.reasons.some((r) => r.startsWith('safety'))).toBe(false);
  });

  it('raises the score for legal words and quotes them', () => {
    const plain = urgency('you took my money twice', { intents: complaint });
    const legal = urgency(
      'you took my money twice, my lawyer will hear about it and I am filing a chargeback',
      {
        intents: complaint,
      },
    );
    expect(legal.score).toBeGreaterThan(plain.score + 15);
    expect(legal.reasons.some((r) => r.startsWith('legal:') && r.includes('"lawyer"'))).toBe(true);
  });

  it('recognises GDPR and regulator complaints', () => {
    const u = urgency('I will report this GDPR breach to the regulator');
    expect(u.reasons.some((r) => r.includes('"gdpr"') && r.includes('"regulator"'))).toBe(true);
  });

  it('raises the score with the author’s reach, log-scaled, and says how big', () => {
    const none = urgency('where is my bag', { intents: complaint, followers: 120 });
    const k40 = urgency('where is my bag', { intents: complaint, followers: 40_000 });
    const m2 = urgency('where is my bag', { intents: complaint, followers: 2_000_000 });
    expect(k40.score).toBeGreaterThan(none.score);
    expect(m2.score).toBeGreaterThan(k40.score);
    // Log scale: fifty times the followers is far less than fifty times the points.
    expect(m2.score - none.score).toBeLessThan(3 * (k40.score - none.score));
    expect(k40.reasons).toContain('author has 40k followers');
    expect(m2.reasons).toContain('author has 2M followers');
  });

  it('raises the score for prior contacts and says how many', () => {
    const first = urgency('where is my bag', { intents: complaint, priorContacts: 0 });
    const fourth = urgency('where is my bag', { intents: complaint, priorContacts: 3 });
    expect(fourth.score).toBeGreaterThan(first.score);
    expect(fourth.reasons).toContain('contacted 3 times before');
  });

  it('raises the score for repeat-contact phrases', () => {
    const once = urgency('where is my bag', { intents: complaint });
    const again = urgency('third time I am asking, where is my bag', { intents: complaint });
    const waiting = urgency('still waiting for my bag', { intents: complaint });
    expect(again.score).toBeGreaterThan(once.score);
    expect(again.reasons).toContain('repeat contact: "third time"');
    expect(waiting.reasons).toContain('repeat contact: "still waiting"');
  });

  it('keeps spam low whatever its words', () => {
    const spam = urgency('URGENT emergency!! claim your prize now bit.ly/x', {
      intents: [{ label: 'spam', score: 0.98, reasons: [] }],
    });
    expect(spam.score).toBeLessThan(15);
  });

  it('caps the score at 100 and orders reasons by weight', () => {
    const u = urgency(
      'third time asking: the heater caught fire, smoke everywhere, my kid was injured. My lawyer will sue, GDPR request too',
      { intents: complaint, sentiment: stronglyNegative, followers: 5_000_000, priorContacts: 6 },
    );
    expect(u.score).toBe(100);
    expect(u.reasons[0]?.startsWith('safety:')).toBe(true);
    expect(u.reasons).toContain('complaint');
  });

  it('works end to end with detected intents: an angry repeat complaint outranks a question', () => {
    const text1 = 'been on hold 2 hours, still no refund. third time asking';
    const text2 = 'how much is the family plan?';
    const u1 = urgency(text1, {
      intents: detectIntents(tokenize(text1), text1, 'en'),
      sentiment: mildlyNegative,
    });
    const u2 = urgency(text2, { intents: detectIntents(tokenize(text2), text2, 'en') });
    expect(u1.score).toBeGreaterThan(u2.score);
    expect(u1.reasons).toContain('complaint');
  });
});
