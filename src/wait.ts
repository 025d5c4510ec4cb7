// How the app tells a person how long to wait (a rate limit, a throttle): in words, never a
// count of seconds.

/** A wait as a person says it: "less than a minute", "about 10 minutes", "about 2 hours". */
export function readableWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return 'less than a minute';
  const unit = (n: number, word: string) => `about ${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 3600) return unit(Math.min(59, Math.round(s / 60)) || 1, 'minute');
  if (s < 86_400) return unit(Math.min(23, Math.round(s / 3600)), 'hour');
  return unit(Math.round(s / 86_400), 'day');
}
