import { decodeHTML } from 'entities';

/**
 * Plain text of a small HTML fragment (Mastodon statuses, feed summaries): block ends and <br>
 * become line breaks, tags are dropped, entities decoded. Not a sanitizer: the result is text.
 */
export function htmlToText(html: string): string {
  const withBreaks = html
    .replace(/<\s*br\s*\/?>/gi, '\n')
    .replace(/<\/\s*(p|div|li|blockquote|h[1-6])\s*>/gi, '\n')
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<[^>]*>/g, '');
  return decodeHTML(withBreaks)
    .replace(/[ \t\f\v]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Links in an HTML fragment's href attributes. */
export function hrefs(html: string): string[] {
  return [...html.matchAll(/href\s*=\s*"([^"]+)"/gi)].map((m) => decodeHTML(m[1] ?? ''));
}
