// Segments: dynamic segments (a rule over the profile, evaluated when asked) and static lists.

import { type Page, qs, request } from '../api.ts';
import type { CustomerSummary } from './customers.ts';

export type SegmentKind = 'dynamic' | 'static';
export type SegmentValue = string | number | boolean | string[];
export type SegmentCondition = {
  field: string;
  op: string;
  value?: SegmentValue;
  /** Events: within the last `days`. */
  days?: number;
  /** Events: at least `count` times. */
  count?: number;
  /** transactions.total: the currency of the amount, e.g. EUR. */
  currency?: string;
};
export type SegmentRule = { match: 'all' | 'any'; conditions: (SegmentCondition | SegmentRule)[] };
export type Segment = {
  id: string;
  name: string;
  description: string | null;
  kind: SegmentKind;
  /** null for static lists. */
  rule: SegmentRule | null;
  shared: boolean;
  ownerUserId: string | null;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
};
export type SegmentFieldGroup =
  | 'profile'
  | 'attributes'
  | 'social'
  | 'sentiment'
  | 'intents'
  | 'lifecycle'
  | 'transactions'
  | 'events'
  | 'lists';
export type SegmentFieldType = 'text' | 'number' | 'date' | 'boolean' | 'choice' | 'event' | 'list';
export type SegmentField = {
  field: string;
  label: string;
  group: SegmentFieldGroup;
  type: SegmentFieldType;
  ops: string[];
  choices?: { value: string; label: string }[];
};
export type SegmentInput = {
  name: string;
  description?: string | null;
  kind: SegmentKind;
  rule?: SegmentRule;
  shared?: boolean;
};
export type SegmentPatch = {
  name?: string;
  description?: string | null;
  rule?: SegmentRule;
  shared?: boolean;
};

const segmentPath = (id: string, rest = '') => `/api/v1/customers/segments/${encodeURIComponent(id)}${rest}`;

export const segmentsApi = {
  list: (cursor?: string, limit = 100) =>
    request<Page<Segment>>('GET', `/api/v1/customers/segments${qs({ cursor, limit })}`),
  /** Every visible segment, following the pages (for pickers). */
  all: async (): Promise<Segment[]> => {
    const out: Segment[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await segmentsApi.list(cursor, 200);
      out.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return out;
  },
  get: (id: string) => request<Segment>('GET', segmentPath(id)),
  create: (input: SegmentInput) => request<Segment>('POST', '/api/v1/customers/segments', input),
  update: (id: string, patch: SegmentPatch) => request<Segment>('PATCH', segmentPath(id), patch),
  remove: (id: string) => request<void>('DELETE', segmentPath(id)),
  fields: () => request<{ fields: SegmentField[] }>('GET', '/api/v1/customers/segments/fields'),
  preview: (rule: SegmentRule) =>
    request<{ count: number; sample: CustomerSummary[] }>('POST', '/api/v1/customers/segments/preview', {
      rule,
    }),
  members: (id: string, cursor?: string, limit = 50) =>
    request<Page<CustomerSummary>>('GET', segmentPath(id, `/members${qs({ cursor, limit })}`)),
  /** Static lists only. */
  addMembers: (id: string, customerIds: string[]) =>
    request<{ added: number }>('POST', segmentPath(id, '/members'), { customerIds }),
  /** Static lists only. */
  removeMember: (id: string, customerId: string) =>
    request<void>('DELETE', segmentPath(id, `/members/${encodeURIComponent(customerId)}`)),
};
