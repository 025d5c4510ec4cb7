import { describe, expect, it } from 'vitest';
import { localInputValue, snoozeChoices } from './snooze-times.ts';

describe('snoozeChoices', () => {
  it('offers an hour, three hours, tomorrow at nine and next Monday at nine, in local time', () => {
    // A Wednesday afternoon, local time.
    const now = new Date(2026, 11, 9, 15, 20);
    expect(snoozeChoices(now).map((c) => [c.label, localInputValue(c.at)])).toEqual([
      ['In 1 hour', '2026-12-09T16:20'],
      ['In 3 hours', '2026-12-09T18:20'],
      ['Tomorrow, 9:00', '2026-12-10T09:00'],
      ['Next Monday, 9:00', '2026-12-14T09:00'],
    ]);
  });
  it('snoozes a Monday to the Monday after, and a Sunday to the next day', () => {
    const monday = snoozeChoices(new Date(2026, 11, 7, 10, 0)).at(-1)?.at;
    expect(monday && localInputValue(monday)).toBe('2026-12-14T09:00');
    const sunday = snoozeChoices(new Date(2026, 11, 13, 10, 0)).at(-1)?.at;
    expect(sunday && localInputValue(sunday)).toBe('2026-12-14T09:00');
  });
});
