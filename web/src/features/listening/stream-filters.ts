import type { MentionFilters } from '../../api/listening.ts';

/**
 * The address parameter of each filter of the listening view, so a reload, Back or a shared link
 * shows the same stream: `/listening?query=…&channel=bluesky&urgency=70&q=refund`. The search is
 * `q`, as on the customers page.
 */
export const streamFilterParams = {
  queryId: 'query',
  channel: 'channel',
  language: 'language',
  sentiment: 'sentiment',
  intent: 'intent',
  topic: 'topic',
  class: 'class',
  minUrgency: 'urgency',
  search: 'q',
} as const satisfies Record<keyof Required<MentionFilters>, string>;

const keys = Object.keys(streamFilterParams) as (keyof MentionFilters)[];

/** The filters an address names; empty parameters name none. */
export function filtersFromParams(params: URLSearchParams): MentionFilters {
  const filters: MentionFilters = {};
  for (const key of keys) {
    const value = params.get(streamFilterParams[key])?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

/** The address's parameters with one filter set (or removed when empty); other parameters stay. */
export function withStreamFilter(
  params: URLSearchParams,
  key: keyof MentionFilters,
  value: string,
): URLSearchParams {
  const next = new URLSearchParams(params);
  const trimmed = value.trim();
  if (trimmed) next.set(streamFilterParams[key], trimmed);
  else next.delete(streamFilterParams[key]);
  return next;
}
