// Listening: mentions, listening queries, connectors and their health, the quarantine of bad items.

import { type Page, qs, request } from '../api.ts';
import type { Disposition } from './inbox.ts';

export type Author = {
  id: number;
  channel: string;
  handle: string;
  displayName: string | null;
  followers: number | null;
  profileUrl: string | null;
  avatarUrl: string | null;
};
export type Mention = {
  id: number;
  channel: string;
  externalId: string;
  url: string | null;
  text: string;
  /** The web addresses the post links to: in its text, then beside it (facets, cards). */
  links?: string[];
  language: string;
  createdAt: string;
  receivedAt: string;
  replyTo: string | null;
  threadRoot: string | null;
  engagement: Record<string, number>;
  sentiment: string | null;
  intents: string[];
  /** 0..100, null before analysis existed. */
  urgency: number | null;
  topicIds: string[];
  /** The full analysis; older mentions may lack some keys, so read it through `readAnalysis`. */
  analysis: Record<string, unknown>;
  queryIds: string[];
  deleted: boolean;
  edited: boolean;
  /** What became of the mention; null while undecided. */
  disposition: Disposition | null;
  author: Author | null;
};
export type ListeningQuery = {
  id: string;
  name: string;
  query: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};
export type MentionFilters = {
  queryId?: string;
  channel?: string;
  language?: string;
  sentiment?: string;
  intent?: string;
  /** A topic id. */
  topic?: string;
  /** A custom classifier's answer, `classifierId:label`. */
  class?: string;
  /** 0..100 */
  minUrgency?: string;
  search?: string;
};
export type Preview = {
  sampled: number;
  matched: number;
  perDay: { day: string; count: number }[];
  examples: Mention[];
};
export type Connector = {
  id: string;
  kind: string;
  name: string;
  config: Record<string, unknown>;
  enabled: boolean;
  hasSecret: boolean;
  state: string;
  lastItemAt: string | null;
  lastError: string | null;
  errorCount: number;
  itemsTotal: number;
  itemsPassedOver: number;
  cursor: string | null;
};
export type ConnectorHealth = {
  id: string;
  state: string;
  lastItemAt: string | null;
  lagSeconds: number | null;
  itemsPerMinute: number;
  errorCount: number;
  lastError: string | null;
  silent: boolean;
};
export type QuarantinedItem = {
  id: number;
  connectorId: string | null;
  format: string;
  stage: string;
  reason: string;
  payload: string;
  status: string;
  createdAt: string;
};

/** What narrows the quarantine; `connectorId: 'none'` is what file imports brought. */
export type QuarantineFilter = {
  status?: 'open' | 'retried' | 'dropped';
  stage?: string;
  connectorId?: string;
  reason?: string;
};
type Facet<V> = { value: V; count: number }[];
export type QuarantineFacets = {
  total: number;
  stages: Facet<string>;
  connectors: Facet<string | null>;
  reasons: Facet<string>;
};

export const listeningApi = {
  mentions: (filters: MentionFilters, cursor?: string) =>
    request<Page<Mention>>('GET', `/api/v1/mentions${qs({ ...filters, cursor, limit: 50 })}`),
  thread: (id: number) => request<{ mention: Mention; thread: Mention[] }>('GET', `/api/v1/mentions/${id}`),
  /** Where the browser downloads the mentions the filters select (a link: the session cookie goes with it). */
  exportUrl: (filters: MentionFilters, format: 'csv' | 'jsonl' = 'csv') =>
    `/api/v1/mentions/export${qs({ ...filters, format })}`,
  queries: () => request<{ items: ListeningQuery[] }>('GET', '/api/v1/listening/queries'),
  createQuery: (input: { name: string; query: string; enabled: boolean }) =>
    request<ListeningQuery>('POST', '/api/v1/listening/queries', input),
  updateQuery: (id: string, patch: Partial<Pick<ListeningQuery, 'name' | 'query' | 'enabled'>>) =>
    request<ListeningQuery>('PATCH', `/api/v1/listening/queries/${encodeURIComponent(id)}`, patch),
  deleteQuery: (id: string) => request<void>('DELETE', `/api/v1/listening/queries/${encodeURIComponent(id)}`),
  preview: (query: string) =>
    request<Preview>('POST', '/api/v1/listening/queries/preview', { query, sample: 2000 }),
  /** The known channels, then every other channel the workspace's stored mentions came from. */
  channels: () => request<{ items: string[] }>('GET', '/api/v1/listening/channels'),
  volumes: (days = 14) =>
    request<{ items: { queryId: string; day: string; count: number }[] }>(
      'GET',
      `/api/v1/listening/volumes?days=${days}`,
    ),
  connectors: () => request<{ items: Connector[] }>('GET', '/api/v1/connectors'),
  createConnector: (input: {
    kind: string;
    name: string;
    config?: Record<string, unknown>;
    secret?: string;
  }) => request<{ connector: Connector; secret?: string }>('POST', '/api/v1/connectors', input),
  updateConnector: (
    id: string,
    patch: { enabled?: boolean; name?: string; config?: Record<string, unknown> },
  ) => request<Connector>('PATCH', `/api/v1/connectors/${encodeURIComponent(id)}`, patch),
  deleteConnector: (id: string) => request<void>('DELETE', `/api/v1/connectors/${encodeURIComponent(id)}`),
  health: (id: string) =>
    request<ConnectorHealth>('GET', `/api/v1/connectors/${encodeURIComponent(id)}/health`),
  /**
   * A page of the quarantine, newest first, with how many items match in all; `cursor` (a page's
   * `nextCursor`) for the page after it.
   */
  quarantine: (filter: QuarantineFilter = {}, cursor?: string) =>
    request<Page<QuarantinedItem> & { total: number }>(
      'GET',
      `/api/v1/quarantine${qs({ ...filter, cursor, limit: 100 })}`,
    ),
  /** How the items of a status spread over stages, connectors (null: file imports) and reasons. */
  quarantineFacets: (filter: QuarantineFilter = {}) =>
    request<QuarantineFacets>('GET', `/api/v1/quarantine/facets${qs(filter)}`),
  resolve: (id: number, action: 'retry' | 'drop') =>
    request<QuarantinedItem>('POST', `/api/v1/quarantine/${id}/${action}`),
  /** Retries or drops open items by id, or up to 1,000 matching a filter (send again while `remaining` > 0). */
  resolveMany: (
    action: 'retry' | 'drop',
    which: { ids: number[] } | { filter: Omit<QuarantineFilter, 'status'> & { maxId?: number } },
  ) =>
    request<{ resolved: number; ids: number[]; remaining: number }>(
      'POST',
      `/api/v1/quarantine/${action}`,
      which,
    ),
};
