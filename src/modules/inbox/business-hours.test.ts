import { describe, expect, it } from 'vitest';
import { addBusinessMs, businessMsBetween, type Calendar, isOpen } from './business-hours.ts';

const H = 3_600_000;
const nineToFive: Calendar['week'] = {
  mon: [['09:00', '17:00']],
  tue: [['09:00', '17:00']],
  wed: [
    ['09:00', '12:00'],
    ['13:00', '17:00'],
  ],
  thu: [['09:00', '17:00']],
  fri: [['09:00', '17:00']],
  sat: [],
  sun: [],
};
const lisbon: Calendar = { timeZone: 'Europe/Lisbon', week: nineToFive, holidays: ['2026-12-25'] };
const newYork: Calendar = { timeZone: 'America/New_York', week: nineToFive, holidays: [] };

describe('business hours', () => {
  it('knows when the business is open, in its own time zone', () => {
    // 2026-12-02 is a Wednesday; Lisbon is UTC+0 in winter, New York UTC-5.
    expect(isOpen(lisbon, new Date('2026-12-02T10:00:00Z'))).toBe(true);
    expect(isOpen(lisbon, new Date('2026-12-02T12:30:00Z'))).toBe(false); // lunch
    expect(isOpen(newYork, new Date('2026-12-02T10:00:00Z'))).toBe(false); // 05:00 there
    expect(isOpen(newYork, new Date('2026-12-02T15:00:00Z'))).toBe(true);
    expect(isOpen(lisbon, new Date('2026-12-25T10:00:00Z'))).toBe(false); // holiday (a Friday)
    expect(isOpen(lisbon, new Date('2026-12-05T10:00:00Z'))).toBe(false); // Saturday
  });

  it('adds open time across the evening, the weekend and a holiday', () => {
    // Thursday 24 Dec 16:00 + 2 open hours: 1 h on Thursday, Friday is Christmas, weekend, 1 h on Monday.
    expect(addBusinessMs(lisbon, new Date('2026-12-24T16:00:00Z'), 2 * H)?.toISOString()).toBe(
      '2026-12-28T10:00:00.000Z',
    );
    // Starting before opening counts from opening.
    expect(addBusinessMs(lisbon, new Date('2026-12-02T06:00:00Z'), 4 * H)?.toISOString()).toBe(
      '2026-12-02T14:00:00.000Z', // 09–12 then 13–14 after lunch
    );
    expect(
      addBusinessMs(
        { ...lisbon, week: { ...nineToFive, mon: [], tue: [], wed: [], thu: [], fri: [] } },
        new Date(),
        H,
      ),
    ).toBeNull();
  });

  it('measures open time between two instants, and the two operations agree', () => {
    expect(
      businessMsBetween(lisbon, new Date('2026-12-24T16:00:00Z'), new Date('2026-12-28T10:00:00Z')),
    ).toBe(2 * H);
    expect(
      businessMsBetween(lisbon, new Date('2026-12-02T18:00:00Z'), new Date('2026-12-02T08:00:00Z')),
    ).toBe(0);
    const from = new Date('2026-11-30T11:17:00Z');
    for (const hours of [1, 5, 9, 23, 40]) {
      const due = addBusinessMs(newYork, from, hours * H);
      expect(due).not.toBeNull();
      expect(businessMsBetween(newYork, from, due ?? from)).toBe(hours * H);
    }
  });

  it('keeps wall-clock hours across a daylight-saving change', () => {
    // New York moves to EDT on Sunday 8 March 2026: Monday 09:00 local is 13:00 UTC, the Friday before 14:00 UTC.
    expect(isOpen(newYork, new Date('2026-03-06T14:00:00Z'))).toBe(true);
    expect(isOpen(newYork, new Date('2026-03-09T13:00:00Z'))).toBe(true);
    expect(isOpen(newYork, new Date('2026-03-09T12:59:00Z'))).toBe(false);
    // Friday 16:30 EST + 1 h: 30 min on Friday, 30 min from Monday 09:00 EDT.
    expect(addBusinessMs(newYork, new Date('2026-03-06T21:30:00Z'), H)?.toISOString()).toBe(
      '2026-03-09T13:30:00.000Z',
    );
  });
});
