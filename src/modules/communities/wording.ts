import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { CommunityFlagReason } from '../../db/schema.ts';

/**
 * How the community says machine values to members: dates, waits, flag reasons and form field
 * problems in plain words. Shared by the services' messages (which the site shows as they are)
 * and the site's pages, so a member never reads an ISO timestamp, a count of seconds or a code.
 */

/** A zone Luxon knows, else UTC: a bad workspace setting must not break a page. */
function zoned(iso: string, timeZone: string | undefined): DateTime {
  const d = DateTime.fromJSDate(new Date(iso), { zone: timeZone ?? 'UTC' });
  return d.isValid ? d : DateTime.fromJSDate(new Date(iso), { zone: 'UTC' });
}

/**
 * "12 December 2026", or with `time` "12 December 2026, 14:30 UTC" (the zone named, since
 * members read from anywhere). In the workspace's time zone when given, else UTC.
 */
export function readableDate(iso: string, opts: { time?: boolean; timeZone?: string } = {}): string {
  const d = zoned(iso, opts.timeZone).setLocale('en-GB');
  if (Number.isNaN(d.toMillis())) return '';
  const date = d.toFormat('d LLLL yyyy');
  if (!opts.time) return date;
  const zone = d.zoneName === 'UTC' ? 'UTC' : d.toFormat('ZZZZ');
  return `${date}, ${d.toFormat('HH:mm')} ${zone}`;
}

export const flagReasonLabels: Record<CommunityFlagReason, string> = {
  spam: 'Spam',
  offensive: 'Offensive',
  off_topic: 'Off topic',
  other: 'Other',
};

/** A flag reason's label; an unknown code (a newer release's) reads as "Other". */
export function flagReasonLabel(reason: string): string {
  return flagReasonLabels[reason as CommunityFlagReason] ?? 'Other';
}

/**
 * One plain sentence per field that failed validation, in form order, from a per-form table of
 * what each field needs; zod's own wording ("String must contain at least 3 character(s)") is
 * never shown. A field missing from the table reads "Check <field>."
 */
export function fieldProblems(err: z.ZodError, needs: Record<string, string>): string {
  const fields = new Set(err.issues.map((i) => String(i.path[0] ?? '')));
  const known = Object.keys(needs).filter((f) => fields.has(f));
  const unknown = [...fields].filter((f) => !(f in needs)).map((f) => `Check ${f || 'the form'}.`);
  return [...known.map((f) => needs[f]), ...unknown].join(' ');
}

/** What a suspended member is told when they sign in or write. */
export function suspendedMessage(untilIso: string, timeZone?: string): string {
  return `Your account is suspended until ${readableDate(untilIso, { time: true, ...(timeZone ? { timeZone } : {}) })}`;
}

/**
 * What a "not found" page tells a member: the kind of thing missing, without the id or slug the
 * service put in its message (an internal ULID means nothing to a reader).
 */
export function notFoundText(message: string): string {
  if (/^No member @/.test(message)) return 'There is no member with this name in this community.';
  if (/^No community member /.test(message)) return 'There is no such member in this community.';
  if (/^No (community )?space /.test(message))
    return 'There is no such space here: it may have been closed, or the address is wrong.';
  if (/^No community /.test(message)) return 'There is no community at this address.';
  if (/^No (thread|idea) /.test(message))
    return 'There is no such thread here: it may have been removed or hidden, or the address is wrong.';
  if (/^No (such )?post/.test(message))
    return 'There is no such post here: it may have been removed or hidden, or the address is wrong.';
  return 'There is no page at this address.';
}
