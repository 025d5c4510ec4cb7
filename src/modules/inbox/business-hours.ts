import { DateTime } from 'luxon';

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/** Opening windows per weekday as local "HH:MM" pairs (end may be "24:00"), holidays as local dates. */
export type Calendar = {
  timeZone: string;
  week: Record<Weekday, [string, string][]>;
  holidays: string[];
};

const DAY_MS = 86_400_000;
/** Far enough for any SLA target; a calendar with no open hour at all never reaches its deadline. */
const MAX_DAYS = 3 * 366;

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
};

/** The open intervals (UTC ms) of the local day that `day` (a start of day in the zone) is. */
function openIntervals(cal: Calendar, day: DateTime): [number, number][] {
  if (cal.holidays.includes(day.toISODate() ?? '')) return [];
  const name = weekdays[day.weekday - 1] as Weekday;
  return cal.week[name].map(([from, to]) => {
    // Built from wall-clock minutes so a DST change inside a window is handled by the zone.
    const start = day.plus({ minutes: minutesOf(from) }).toMillis();
    const end =
      to === '24:00' ? day.plus({ days: 1 }).toMillis() : day.plus({ minutes: minutesOf(to) }).toMillis();
    return [start, end];
  });
}

function startOfLocalDay(cal: Calendar, at: number): DateTime {
  return DateTime.fromMillis(at, { zone: cal.timeZone }).startOf('day');
}

/** Whether the business is open at `at`. */
export function isOpen(cal: Calendar, at: Date): boolean {
  const t = at.getTime();
  return openIntervals(cal, startOfLocalDay(cal, t)).some(([s, e]) => t >= s && t < e);
}

/** Open milliseconds between `from` and `to` (0 when `to` is not after `from`). */
export function businessMsBetween(cal: Calendar, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  let total = 0;
  let day = startOfLocalDay(cal, a);
  for (let i = 0; i < MAX_DAYS && day.toMillis() < b; i++, day = day.plus({ days: 1 })) {
    for (const [s, e] of openIntervals(cal, day)) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
  }
  return total;
}

/**
 * The instant that is `ms` open milliseconds after `from` (from itself when `ms` is 0 and it is
 * open); null when the calendar has no open time within three years.
 */
export function addBusinessMs(cal: Calendar, from: Date, ms: number): Date | null {
  let left = Math.max(0, ms);
  const a = from.getTime();
  let day = startOfLocalDay(cal, a);
  for (let i = 0; i < MAX_DAYS; i++, day = day.plus({ days: 1 })) {
    for (const [s, e] of openIntervals(cal, day)) {
      const start = Math.max(s, a);
      if (e <= start) continue;
      if (start + left <= e) return new Date(start + left);
      left -= e - start;
    }
  }
  return null;
}

/** Always open: SLA targets counted in calendar time. */
export const alwaysOpen: Calendar = {
  timeZone: 'UTC',
  week: Object.fromEntries(weekdays.map((d) => [d, [['00:00', '24:00']]])) as Calendar['week'],
  holidays: [],
};

/** Plain-time arithmetic for calendar-time targets (no day walk). */
export function addMs(from: Date, ms: number): Date {
  return new Date(from.getTime() + ms);
}

export const ONE_DAY_MS = DAY_MS;
