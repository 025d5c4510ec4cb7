import { encodeCursor } from '../../pagination.ts';

/** Posts per thread page on the community site; pages follow each other in steps of this many post numbers. */
export const POSTS_PER_PAGE = 20;

/**
 * The query (`?cursor=…`, or nothing for the first page) of the thread page that holds post
 * `number`: the same page the pager reaches, so a link to a late post opens where it is.
 */
export function pageQueryOf(number: number): string {
  const start = Math.floor((Math.max(1, number) - 1) / POSTS_PER_PAGE) * POSTS_PER_PAGE;
  return start > 0 ? `?cursor=${encodeCursor(start)}` : '';
}
