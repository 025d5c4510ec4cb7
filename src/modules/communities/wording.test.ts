import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readableWait } from '../../wait.ts';
import { fieldProblems, flagReasonLabel, readableDate, suspendedMessage } from './wording.ts';

describe('how the community says machine values to members', () => {
  it('writes dates as people read them, in UTC or the workspace time zone, with the zone named when the time is shown', () => {
    expect(readableDate('2026-12-12T14:30:00.000Z')).toBe('12 December 2026');
    expect(readableDate('2026-12-12T14:30:00.000Z', { time: true })).toBe('12 December 2026, 14:30 UTC');
    // London is on UTC+1 in summer: the day and the hour move, and the zone says so.
    expect(readableDate('2026-07-01T23:30:00.000Z', { time: true, timeZone: 'Europe/London' })).toBe(
      '2 July 2026, 00:30 BST',
    );
    // A zone the workspace mistyped falls back to UTC rather than failing the page.
    expect(readableDate('2026-12-12T14:30:00.000Z', { time: true, timeZone: 'Mars/Olympus' })).toBe(
      '12 December 2026, 14:30 UTC',
    );
    expect(readableDate('not a date')).toBe('');
    expect(suspendedMessage('2026-12-12T14:30:00.000Z')).toBe(
      'Your account is suspended until 12 December 2026, 14:30 UTC',
    );
  });

  it('says a wait in rounded minutes, hours or days, never in seconds', () => {
    expect(readableWait(12)).toBe('less than a minute');
    expect(readableWait(60)).toBe('about 1 minute');
    expect(readableWait(598)).toBe('about 10 minutes');
    expect(readableWait(3599)).toBe('about 59 minutes');
    expect(readableWait(3600)).toBe('about 1 hour');
    expect(readableWait(2 * 3600 + 100)).toBe('about 2 hours');
    expect(readableWait(3 * 86_400)).toBe('about 3 days');
  });

  it('names flag reasons by their labels', () => {
    expect(flagReasonLabel('off_topic')).toBe('Off topic');
    expect(flagReasonLabel('spam')).toBe('Spam');
    expect(flagReasonLabel('something_new')).toBe('Other');
  });

  it("says what each failing field needs, in form order, instead of zod's wording", () => {
    const schema = z.object({ email: z.email(), username: z.string().min(3), extra: z.string() });
    const err = schema.safeParse({ email: 'nope', username: 'ab', extra: 1 }).error;
    if (!err) throw new Error('expected a validation error');
    const text = fieldProblems(err, {
      username: 'Choose a username of 3 to 30 characters.',
      email: 'Enter your email address.',
    });
    expect(text).toBe('Choose a username of 3 to 30 characters. Enter your email address. Check extra.');
    expect(text).not.toMatch(/character\(s\)|Invalid|expected/);
  });
});
