/** The quick choices of the Snooze menu, in the browser's time zone: later today, tomorrow morning, next week. */
export function snoozeChoices(now: Date): { label: string; at: Date }[] {
  const morning = (daysAhead: number) => {
    const d = new Date(now);
    d.setDate(d.getDate() + daysAhead);
    d.setHours(9, 0, 0, 0);
    return d;
  };
  // Monday next week: 1 to 7 days ahead (a Monday snoozes to the Monday after).
  const toMonday = (8 - now.getDay()) % 7 || 7;
  return [
    { label: 'In 1 hour', at: new Date(now.getTime() + 3600_000) },
    { label: 'In 3 hours', at: new Date(now.getTime() + 3 * 3600_000) },
    { label: 'Tomorrow, 9:00', at: morning(1) },
    { label: 'Next Monday, 9:00', at: morning(toMonday) },
  ];
}

/** `YYYY-MM-DDTHH:MM` in the browser's time zone, as a `datetime-local` input holds it. */
export function localInputValue(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
