// Customers: profiles, identities, merges with evidence, influence, custom attributes.

import { type Page, qs, type Role, request } from '../api.ts';
import type { CaseHistory } from './inbox.ts';
import type { Mention } from './listening.ts';
import type { SurveyKind } from './surveys.ts';

export type IdentityKind = 'social' | 'email' | 'phone';
export type Identity = {
  id: string;
  kind: IdentityKind;
  channel: string;
  externalId: string;
  handle: string | null;
  verified: boolean;
  source: 'pipeline' | 'agent' | 'import' | 'api';
  createdAt: string;
};
/** The orders of the customer list (the API's `sort`), with what the list's menu calls them. */
export const customerSorts = {
  newest: 'Newest',
  recent: 'Recently active',
  influence: 'Most influential',
  followers: 'Most followers',
  mentions: 'Most mentions',
} as const;
export type CustomerSort = keyof typeof customerSorts;

export type CustomerSummary = {
  id: string;
  displayName: string;
  avatarUrl: string | null;
  primaryEmail: string | null;
  identities: { kind: IdentityKind; channel: string; handle: string | null }[];
  /** The largest follower count over the customer's social identities. */
  followers: number | null;
  mentionCount: number;
  lastSeenAt: string | null;
  /** 0..100 */
  influence: number | null;
  /** Older servers do not send it. */
  lifecycleStage?: LifecycleStage | null;
};
export const lifecycleStages = [
  'subscriber',
  'lead',
  'marketing_qualified',
  'sales_qualified',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;
export type LifecycleStage = (typeof lifecycleStages)[number];
export type AttributeValue = string | number | boolean | null;
export type SocialAccount = {
  channel: string;
  handle: string;
  displayName: string | null;
  followers: number | null;
  profileUrl: string | null;
  /** The account's bio on its network, plain text (absent from older servers). */
  bio?: string | null;
  /** The links of the account's profile, http(s) only (absent from older servers). */
  links?: SocialLink[];
  mentions: number;
  lastMentionAt: string | null;
};
export type SocialLink = { label: string | null; url: string; verified: boolean };
export type Merge = {
  id: string;
  intoId: string;
  fromId: string;
  fromName: string;
  evidence: string[];
  actorUserId: string | null;
  createdAt: string;
  undoneAt: string | null;
};
export type CustomerProfile = Omit<CustomerSummary, 'identities' | 'influence'> & {
  /** Whether you follow this customer (absent from older servers). */
  following?: boolean;
  bio: string | null;
  attributes: Record<string, AttributeValue>;
  createdAt: string;
  updatedAt: string;
  identities: Identity[];
  social: SocialAccount[];
  sentiment: { negative: number; neutral: number; positive: number };
  intents: Record<string, number>;
  influence: { score: number; pagerank: number; reasons: string[] } | null;
  /** Merges into this customer, newest first. */
  merges: Merge[];
  transactions: TransactionsBin;
  events: EventsBin;
  /** Current consent state per purpose and channel. */
  consents: Consent[];
  /** The customer's cases: open and in all, the 5 latest. */
  serviceHistory: CaseHistory;
  erasedAt: string | null;
};
export const consentPurposes = ['marketing', 'support', 'research', 'profiling'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];
export type ConsentStatus = 'granted' | 'withdrawn';
/** A channel name the server accepts for a consent: `email`, `bluesky`, … or `any`. */
export const consentChannelPattern = /^[a-z][a-z0-9_-]{0,39}$/;
export type Consent = {
  id: number;
  purpose: ConsentPurpose;
  /** email, bluesky, mastodon, … or `any` */
  channel: string;
  status: ConsentStatus;
  source: string | null;
  recordedBy: string | null;
  recordedAt: string;
};
export type ConsentInput = {
  purpose: ConsentPurpose;
  channel: string;
  status: ConsentStatus;
  source?: string;
};
/** Counts of what an erasure removed or anonymised, by kind of row. */
export type ErasureCounts = Record<string, number>;
export type Erasure = {
  id: string;
  customerId: string;
  reason: string;
  counts: ErasureCounts;
  createdAt: string;
};
/** The `rapport.customer-export` document (docs/customers.md, Export). */
export type CustomerExport = { format: string; version: number } & Record<string, unknown>;
export type CustomerTransaction = {
  id: string;
  customerId: string;
  externalId: string | null;
  kind: 'order' | 'subscription' | 'refund' | 'other';
  status: string;
  /** In the currency's minor unit (cents). */
  amountMinor: number;
  currency: string;
  description: string | null;
  occurredAt: string;
  properties: Record<string, unknown>;
  source: 'api' | 'import';
  createdAt: string;
};
export type TransactionsBin = {
  count: number;
  /** Net of refunds. */
  totalsByCurrency: { currency: string; amountMinor: number }[];
  /** Up to 5, newest first. */
  last: CustomerTransaction[];
};
export type EventsBin = {
  count: number;
  byName: { name: string; count: number; lastAt: string }[];
  /** No profiling consent: the count is shown, the events are not. */
  withheld: boolean;
};
export type MergeSuggestion = {
  id: string;
  customer: CustomerSummary;
  other: CustomerSummary;
  /** 0..1 */
  confidence: number;
  evidence: string[];
  status: 'open' | 'accepted' | 'rejected';
  createdAt: string;
};
export type TimelineItem = {
  id: string;
  kind:
    | 'mention'
    | 'merge'
    | 'unmerge'
    | 'identity'
    | 'transaction'
    | 'event'
    | 'case'
    | 'reply'
    | 'lead'
    | 'community_post'
    | 'survey_answer';
  at: string;
  summary: string;
  mention: Mention | null;
  /** `survey_answer` items: the answer given. */
  survey?: TimelineSurveyAnswer;
};
export type TimelineSurveyAnswer = {
  surveyId: string;
  name: string;
  kind: SurveyKind;
  score: number;
  scaleMax: number;
  comment: string | null;
  caseId: string | null;
  caseNumber: number | null;
};
export type AttributeType = 'text' | 'number' | 'date' | 'boolean' | 'choice';
export const attributeTypes: AttributeType[] = ['text', 'number', 'date', 'boolean', 'choice'];
export type AttributeDefinition = {
  id: string;
  key: string;
  label: string;
  type: AttributeType;
  choices: string[];
  createdAt: string;
};
export type InfluencerKind = 'influencers' | 'advocates' | 'detractors';
export type Influencer = { customer: CustomerSummary; score: number; pagerank: number; reasons: string[] };
export type CustomerPatch = {
  displayName?: string;
  primaryEmail?: string | null;
  bio?: string | null;
  attributes?: Record<string, AttributeValue>;
  lifecycleStage?: LifecycleStage | null;
};

const customer = (id: string, rest = '') => `/api/v1/customers/${encodeURIComponent(id)}${rest}`;

export type ContactImportSummary = {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  merged: number;
  pendingLinks: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

export type TransactionImportSummary = {
  read: number;
  imported: number;
  duplicates: number;
  customersCreated: number;
  rejected: { line: number; reason: string }[];
  elapsedMs: number;
};

export const customersApi = {
  /** A contacts CSV: the identities on one line are one person (docs/customers.md). */
  importContacts: async (file: File) =>
    request<ContactImportSummary>(
      'POST',
      `/api/v1/customers/import${qs({ name: file.name })}`,
      await file.text(),
      'text/csv',
    ),
  /** A transactions CSV (orders, subscriptions, refunds), `map` naming its columns (docs/customers.md). */
  importTransactions: async (file: File, map?: string) =>
    request<TransactionImportSummary>(
      'POST',
      `/api/v1/customers/transactions/import${qs({ map })}`,
      await file.text(),
      'text/csv',
    ),
  /** `segment` restricts the list to the members of a segment or static list. */
  list: (search: string, cursor?: string, limit = 30, segment?: string, sort?: CustomerSort) =>
    request<Page<CustomerSummary>>(
      'GET',
      `/api/v1/customers${qs({ search: search.trim(), segment, sort, cursor, limit })}`,
    ),
  get: (id: string) => request<CustomerProfile>('GET', customer(id)),
  update: (id: string, patch: CustomerPatch) => request<CustomerProfile>('PATCH', customer(id), patch),
  addIdentity: (id: string, input: { kind: 'email' | 'phone'; value: string; verified?: boolean }) =>
    request<Identity>('POST', customer(id, '/identities'), input),
  removeIdentity: (id: string, identityId: string) =>
    request<void>('DELETE', customer(id, `/identities/${encodeURIComponent(identityId)}`)),
  timeline: (id: string, cursor?: string, limit = 20) =>
    request<Page<TimelineItem>>('GET', customer(id, `/timeline${qs({ cursor, limit })}`)),
  /** Merges `from` into `id`. */
  merge: (id: string, input: { from: string; evidence?: string }) =>
    request<Merge>('POST', customer(id, '/merge'), input),
  unmerge: (mergeId: string) =>
    request<{ into: CustomerSummary; restored: CustomerSummary }>(
      'POST',
      `/api/v1/customers/merges/${encodeURIComponent(mergeId)}/unmerge`,
    ),
  /** Most confident first; `customerId`: only those where that customer is either side of the pair. */
  suggestions: (
    query: { status?: MergeSuggestion['status']; customerId?: string; cursor?: string; limit?: number } = {},
  ) =>
    request<Page<MergeSuggestion>>(
      'GET',
      `/api/v1/customers/suggestions${qs({ status: 'open', limit: 50, ...query })}`,
    ),
  acceptSuggestion: (id: string) =>
    request<Merge>('POST', `/api/v1/customers/suggestions/${encodeURIComponent(id)}/accept`),
  rejectSuggestion: (id: string) =>
    request<MergeSuggestion>('POST', `/api/v1/customers/suggestions/${encodeURIComponent(id)}/reject`),
  attributes: () => request<{ items: AttributeDefinition[] }>('GET', '/api/v1/customers/attributes'),
  createAttribute: (input: { key: string; label: string; type: AttributeType; choices?: string[] }) =>
    request<AttributeDefinition>('POST', '/api/v1/customers/attributes', input),
  deleteAttribute: (id: string) =>
    request<void>('DELETE', `/api/v1/customers/attributes/${encodeURIComponent(id)}`),
  influencers: (kind: InfluencerKind, limit = 25) =>
    request<{ items: Influencer[] }>('GET', `/api/v1/customers/influencers${qs({ kind, limit })}`),
  /** The current state per purpose and channel, and every change (oldest first). */
  consents: (id: string) =>
    request<{ current: Consent[]; history: Consent[] }>('GET', customer(id, '/consents')),
  recordConsent: (id: string, input: ConsentInput) =>
    request<Consent>('POST', customer(id, '/consents'), input),
  /** Everything held about the person (owner, admin; audited). */
  exportCustomer: (id: string) => request<CustomerExport>('GET', customer(id, '/export')),
  /** Irreversible (owner, admin; audited). */
  erase: (id: string, reason: string) => request<Erasure>('POST', customer(id, '/erase'), { reason }),
};

/** Roles that may change customers (edit, identities, merges, suggestions). */
export const customerWriters: Role[] = ['owner', 'admin', 'manager', 'agent'];
/** Roles that may define custom attributes. */
export const attributeManagers: Role[] = ['owner', 'admin'];
/** Roles that may export and erase a customer's personal data. */
export const privacyManagers: Role[] = ['owner', 'admin'];
