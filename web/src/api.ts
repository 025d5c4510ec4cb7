// Typed client of the Rapport JSON API. Same origin, cookie session, CSRF header on writes.

export type Role = 'owner' | 'admin' | 'manager' | 'agent' | 'moderator';
export const roles: Role[] = ['owner', 'admin', 'manager', 'agent', 'moderator'];

export type User = {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: 'active' | 'deactivated';
  passwordChangeRequired: boolean;
  /** Lower-case skill names, for skill-based assignment by routing rules. */
  skills: string[];
  createdAt: string;
  lastLoginAt: string | null;
};
export type Workspace = { id: string; name: string; slug: string; timeZone: string; isDemo: boolean };
export type Session = { user: User; workspace: Workspace; csrfToken: string };
export type Token = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
};
export type Page<T> = { items: T[]; nextCursor: string | null };
export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | undefined,
    readonly retryAfterSeconds: number | undefined,
  ) {
    super(message);
  }

  /** Field messages of a validation error, by field path. */
  get fields(): Record<string, string> {
    const raw = this.details?.fields;
    // Validation errors list `{path, message}`; some service errors send a `{field: message}` map.
    if (Array.isArray(raw)) return Object.fromEntries((raw as FieldError[]).map((f) => [f.path, f.message]));
    if (raw && typeof raw === 'object') {
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    }
    return {};
  }
}

let csrfToken = '';

async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  /** Lets the request finish after the page is gone (a tab closed, another site opened). */
  options: { keepalive?: boolean } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = contentType;
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.keepalive ? { keepalive: true } : {}),
    body:
      body === undefined
        ? undefined
        : contentType === 'application/json'
          ? JSON.stringify(body)
          : String(body),
  });
  if (res.status === 204) return undefined as T;
  const data = (await res.json().catch(() => null)) as {
    error?: { code: string; message: string; details?: Record<string, unknown> };
  } | null;
  if (!res.ok) {
    const retry = Number(res.headers.get('retry-after') ?? data?.error?.details?.retryAfterSeconds);
    throw new ApiError(
      res.status,
      data?.error?.code ?? 'http_error',
      data?.error?.message ?? `Request failed (${res.status})`,
      data?.error?.details,
      Number.isFinite(retry) ? retry : undefined,
    );
  }
  return data as T;
}

function remember(session: Session): Session {
  csrfToken = session.csrfToken;
  return session;
}

export const api = {
  login: (email: string, password: string) =>
    request<Session>('POST', '/api/v1/auth/login', { email, password }).then(remember),
  session: () => request<Session>('GET', '/api/v1/auth/session').then(remember),
  logout: () =>
    request<void>('POST', '/api/v1/auth/logout').then(() => {
      csrfToken = '';
    }),
  changePassword: (currentPassword: string, newPassword: string) =>
    request<void>('POST', '/api/v1/auth/password', { currentPassword, newPassword }),
  listUsers: (cursor?: string) =>
    request<Page<User>>(
      'GET',
      `/api/v1/users?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    ),
  createUser: (input: { email: string; name: string; role: Role; password?: string; skills?: string[] }) =>
    request<{ user: User; temporaryPassword?: string }>('POST', '/api/v1/users', input),
  updateUser: (id: string, patch: Partial<Pick<User, 'name' | 'role' | 'status' | 'skills'>>) =>
    request<{ user: User }>('PATCH', `/api/v1/users/${encodeURIComponent(id)}`, patch),
  listTokens: () => request<{ items: Token[] }>('GET', '/api/v1/tokens'),
  createToken: (input: { name: string; expiresInDays?: number }) =>
    request<{ token: Token; secret: string }>('POST', '/api/v1/tokens', input),
  revokeToken: (id: string) => request<void>('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`),
};

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

function qs(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length ? `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}` : '';
}

export const listeningApi = {
  mentions: (filters: MentionFilters, cursor?: string) =>
    request<Page<Mention>>('GET', `/api/v1/mentions${qs({ ...filters, cursor, limit: 50 })}`),
  thread: (id: number) => request<{ mention: Mention; thread: Mention[] }>('GET', `/api/v1/mentions/${id}`),
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

export type Scored = { label: string; score: number; reasons: string[] };
export type Analysis = {
  language: string;
  languageConfidence: number;
  sentiment: Scored;
  intents: Scored[];
  topics: { id: string; name: string; score: number; reasons: string[] }[];
  classifiers: { classifierId: string; name: string; label: string; score: number }[];
  urgency: { score: number; reasons: string[] };
};
export type AnalyzeInput = {
  text: string;
  language?: string;
  authorFollowers?: number;
  priorContacts?: number;
};
export type Topic = {
  id: string;
  name: string;
  keywords: string[];
  examples: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};
export type TopicInput = { name: string; keywords: string[]; examples: string[]; enabled: boolean };
export type HeldOut = {
  method?: string;
  n?: number;
  accuracy?: number;
  macroF1?: number;
  inScopeAccuracy?: number | null;
  oosN?: number;
  oosRecall?: number | null;
};
export type Classifier = {
  id: string;
  name: string;
  labels: string[];
  enabled: boolean;
  heldOut: HeldOut | null;
  createdAt: string;
  updatedAt: string;
};

const at = (base: string, id: string) => `${base}/${encodeURIComponent(id)}`;

export const analysisApi = {
  analyze: (input: AnalyzeInput) => request<Analysis>('POST', '/api/v1/analysis/analyze', input),
  topics: () => request<{ items: Topic[] }>('GET', '/api/v1/analysis/topics'),
  createTopic: (input: TopicInput) => request<Topic>('POST', '/api/v1/analysis/topics', input),
  updateTopic: (id: string, patch: Partial<TopicInput>) =>
    request<Topic>('PATCH', at('/api/v1/analysis/topics', id), patch),
  deleteTopic: (id: string) => request<void>('DELETE', at('/api/v1/analysis/topics', id)),
  classifiers: () => request<{ items: Classifier[] }>('GET', '/api/v1/analysis/classifiers'),
  createClassifier: (input: { name: string; model: Record<string, unknown>; enabled: boolean }) =>
    request<Classifier>('POST', '/api/v1/analysis/classifiers', input),
  updateClassifier: (id: string, patch: { name?: string; enabled?: boolean }) =>
    request<Classifier>('PATCH', at('/api/v1/analysis/classifiers', id), patch),
  deleteClassifier: (id: string) => request<void>('DELETE', at('/api/v1/analysis/classifiers', id)),
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown, fallback = 0): number =>
  typeof v === 'number' && Number.isFinite(v) ? v : fallback;
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const reasonsOf = (v: unknown): string[] => list(v).filter((r): r is string => typeof r === 'string');

/**
 * A mention's stored analysis made whole: stored JSON from older versions may lack keys,
 * so the mention's own columns fill the gaps and anything unknown becomes empty.
 */
export function readAnalysis(
  m: Pick<Mention, 'analysis' | 'language' | 'sentiment' | 'intents' | 'urgency'>,
): Analysis {
  const a = obj(m.analysis);
  const sentiment = obj(a.sentiment);
  const urgency = obj(a.urgency);
  const storedIntents = list(a.intents).map(obj);
  return {
    language: str(a.language, m.language),
    languageConfidence: num(a.languageConfidence),
    sentiment: {
      label: str(sentiment.label, m.sentiment ?? 'und'),
      score: num(sentiment.score),
      reasons: reasonsOf(sentiment.reasons),
    },
    intents:
      storedIntents.length > 0
        ? storedIntents.map((i) => ({
            label: str(i.label, 'other'),
            score: num(i.score),
            reasons: reasonsOf(i.reasons),
          }))
        : m.intents.map((label) => ({ label, score: 0, reasons: [] })),
    topics: list(a.topics)
      .map(obj)
      .map((t) => ({
        id: str(t.id),
        name: str(t.name, 'topic'),
        score: num(t.score),
        reasons: reasonsOf(t.reasons),
      })),
    classifiers: list(a.classifiers)
      .map(obj)
      .map((c) => ({
        classifierId: str(c.classifierId),
        name: str(c.name, 'classifier'),
        label: str(c.label, 'none'),
        score: num(c.score),
      })),
    urgency: { score: num(urgency.score, m.urgency ?? 0), reasons: reasonsOf(urgency.reasons) },
  };
}

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}

// Customers: profiles, identities, merges with evidence, influence, custom attributes.

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
  serviceHistory: {
    open: number;
    total: number;
    recent: {
      id: string;
      number: number;
      subject: string;
      status: string;
      priority: string;
      type: string;
      updatedAt: string;
    }[];
  };
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
  list: (search: string, cursor?: string, limit = 30, segment?: string) =>
    request<Page<CustomerSummary>>(
      'GET',
      `/api/v1/customers${qs({ search: search.trim(), segment, cursor, limit })}`,
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

// Segments: dynamic segments (a rule over the profile, evaluated when asked) and static lists.

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

// Inbox: cases, dispositions of mentions, teams, routing rules, presence (src/modules/inbox).

export const caseStatuses = ['new', 'open', 'pending_customer', 'on_hold', 'solved', 'closed'] as const;
export type CaseStatus = (typeof caseStatuses)[number];
export const casePriorities = ['urgent', 'high', 'normal', 'low'] as const;
export type CasePriority = (typeof casePriorities)[number];
export const caseTypes = ['question', 'complaint', 'feedback', 'lead', 'other'] as const;
export type CaseType = (typeof caseTypes)[number];
export const dismissReasons = ['noise', 'spam', 'not_actionable', 'duplicate'] as const;
export type DismissReason = (typeof dismissReasons)[number];
export type CaseFieldValue = string | number | boolean | null;
export type Case = {
  id: string;
  number: number;
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  assigneeUserId: string | null;
  teamId: string | null;
  customerId: string | null;
  channel: string | null;
  tags: string[];
  customFields: Record<string, CaseFieldValue>;
  mergedInto: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  firstResponseAt: string | null;
  solvedAt: string | null;
  closedAt: string | null;
  /** The SLA clocks (absent from older servers). */
  sla?: CaseSla[];
};
export const slaMetrics = ['first_response', 'next_response', 'resolution'] as const;
export type SlaMetric = (typeof slaMetrics)[number];
export type CaseSla = {
  metric: SlaMetric;
  policyId: string;
  status: 'running' | 'paused' | 'achieved' | 'breached' | 'stopped';
  /** While running (and once breached: the deadline). */
  dueAt: string | null;
  targetMinutes: number;
  warnedAt: string | null;
  breachedAt: string | null;
  achievedAt: string | null;
};
/** A case as the inbox list shows it: with its customer and the post that opened it. */
/** A shared segment the customer belongs to, shown as a badge. */
export type SegmentBadge = { id: string; name: string };
export type CaseCard = Case & {
  customer: CustomerSummary | null;
  /** Absent from older servers. */
  segments?: SegmentBadge[];
  firstMessage: {
    mentionId: number;
    channel: string;
    /** Up to 280 characters. */
    text: string;
    authorHandle: string | null;
    sentiment: string | null;
    intents: string[];
    urgency: number | null;
    createdAt: string;
  } | null;
};
export type Reply = {
  id: string;
  caseId: string;
  mentionId: number | null;
  channel: string;
  visibility: 'public' | 'private';
  recipient: string | null;
  body: string;
  /** cancelled: withdrawn before sending (a survey held after a solve that was undone). */
  status: 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  externalId: string | null;
  externalUrl: string | null;
  authorUserId: string | null;
  createdAt: string;
  sentAt: string | null;
};
export type ReplyInput = {
  body: string;
  visibility: 'public' | 'private';
  mentionId?: number;
  acknowledgement?: string;
};
export type CaseNote = {
  id: string;
  authorUserId: string;
  body: string;
  mentionUserIds: string[];
  createdAt: string;
};
export type CannedResponse = {
  id: string;
  name: string;
  body: string;
  shared: boolean;
  ownerUserId: string | null;
  createdAt: string;
  updatedAt: string;
};
export type CannedInput = { name: string; body: string; shared: boolean };
export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];
/** Opening windows ["09:00", "17:00"] per weekday ("24:00" ends a day), holidays as local dates. */
export type BusinessHoursInput = { week: Record<Weekday, [string, string][]>; holidays: string[] };
export type BusinessHours = BusinessHoursInput & { timeZone: string; openNow: boolean };
export type SlaBreachAction =
  | { type: 'escalate_priority' }
  | { type: 'reassign'; userId?: string; teamId?: string }
  | { type: 'notify'; userIds: string[] };
export type SlaPolicyInput = {
  name: string;
  enabled: boolean;
  conditions: { channels?: string[]; priorities?: CasePriority[]; types?: CaseType[]; segmentIds?: string[] };
  /** Minutes; open hours only when `businessHours`. */
  targets: { firstResponse?: number; nextResponse?: number; resolution?: number };
  businessHours: boolean;
  warnBeforeMinutes: number;
  breachActions: SlaBreachAction[];
};
export type SlaPolicy = SlaPolicyInput & {
  id: string;
  position: number;
  createdAt: string;
  updatedAt: string;
};
export type SlaReport = {
  since: string;
  metrics: {
    metric: SlaMetric;
    achieved: number;
    breached: number;
    running: number;
    /** achieved / (achieved + breached), 0..1 */
    attainment: number | null;
  }[];
};
export type Conversation = {
  id: string;
  channel: string;
  threadKey: string;
  customerId: string | null;
  preview: string;
  lastActivityAt: string;
  createdAt: string;
  /** Its stored posts, oldest first. */
  messages: Mention[];
};
export type CaseDetail = Case & {
  customer: CustomerSummary | null;
  /** Absent from older servers. */
  segments?: SegmentBadge[];
  conversations: Conversation[];
  following: boolean;
  /** The outbox: replies queued, sent or failed (absent from older servers). */
  replies?: Reply[];
  /** Internal notes, never shown to the customer (absent from older servers). */
  notes?: CaseNote[];
};
export type CaseFilters = {
  view?: 'all' | 'mine' | 'unassigned';
  /** Comma-separated statuses, or `active`. */
  status?: string;
  priority?: CasePriority;
  type?: CaseType;
  teamId?: string;
  assigneeUserId?: string;
  customerId?: string;
  channel?: string;
  tag?: string;
  /** Words of the subject, or #N for case N. */
  search?: string;
  number?: number;
  /** Only cases with a running SLA clock due within this many minutes (or overdue). */
  dueWithinMinutes?: number;
};
/** A saved view of the inbox: named filters of the case list, one's own or shared with the workspace. */
export type InboxView = {
  id: string;
  name: string;
  filters: CaseFilters;
  shared: boolean;
  ownerUserId: string;
  position: number;
  /** Whether you may rename, refilter, share or delete it. */
  editable: boolean;
  /** The cases it lists for you now, counted up to 1000 (`countCapped`: more than that). */
  count: number;
  countCapped: boolean;
  createdAt: string;
  updatedAt: string;
};
export type InboxViewInput = { name: string; filters: CaseFilters; shared?: boolean };
export type CasePatch = Partial<{
  subject: string;
  status: CaseStatus;
  priority: CasePriority;
  type: CaseType;
  assigneeUserId: string | null;
  teamId: string | null;
  customerId: string | null;
  tags: string[];
  customFields: Record<string, CaseFieldValue>;
}>;
export type CaseInput = {
  subject: string;
  type?: CaseType;
  priority?: CasePriority;
  customerId?: string;
  assigneeUserId?: string;
  teamId?: string;
  tags?: string[];
  mentionIds?: number[];
};
export type DispositionAction =
  | { action: 'create_case'; subject?: string; type?: CaseType; priority?: CasePriority }
  | { action: 'attach'; caseId: string }
  | { action: 'answered' }
  | { action: 'dismiss'; reason: DismissReason };
export type Disposition = {
  mentionId: number;
  disposition: 'case' | 'lead' | 'answered' | 'dismissed';
  reason: string | null;
  caseId: string | null;
  at: string;
  by: string | null;
};
export type DispositionStats = {
  since: string;
  matched: number;
  disposed: number;
  /** 0..1 */
  share: number;
  byDisposition: { case: number; lead: number; answered: number; dismissed: number };
  minutesToDisposition: { p50: number | null; p90: number | null };
};
export type Assignee = { id: string; name: string; role: string; skills: string[] };
export type Team = { id: string; name: string; memberIds: string[]; createdAt: string };
export type Presence = { caseId: string; userId: string; name: string; state: 'viewing' | 'replying' };
export type CaseChange = { eventId: number; caseId: string; kind: string; actorUserId: string | null };

export const routingFields = [
  'channel',
  'query',
  'intent',
  'sentiment',
  'topic',
  'language',
  'urgency',
  'influence',
  'followers',
  'keywords',
  'segment',
  'lifecycle_stage',
  'business_hours',
  'customer_has_open_case',
  'case_exists',
  'case_priority',
  'case_type',
  'case_status',
  'case_assigned',
  'case_team',
  'case_tags',
  'changed',
  'hours_since',
  'survey_rating',
] as const;
export type RoutingField = (typeof routingFields)[number];
/** What a rule runs on: a stored post, a case created, a case updated, or time passing on a case. */
export const ruleEvents = ['mention_stored', 'case_created', 'case_updated', 'time_elapsed'] as const;
export type RuleEvent = (typeof ruleEvents)[number];
export const caseChanges = [
  'status',
  'priority',
  'type',
  'assignee',
  'team',
  'tags',
  'customer',
  'custom_fields',
  'customer_message',
  'agent_reply',
  'note',
  'survey_answer',
] as const;
/** How a survey answer reads on either scale (CSAT 1–2 / NPS 0–6 unhappy, … 4–5 / 9–10 happy). */
export const surveyRatings = ['unhappy', 'neutral', 'happy'] as const;
export const caseMoments = ['created', 'updated', 'solved', 'customer_message', 'agent_reply'] as const;
export type CaseMoment = (typeof caseMoments)[number];
export type RoutingCondition =
  | {
      field: 'channel' | 'query' | 'topic' | 'language' | 'segment' | 'case_team';
      op: 'in' | 'not_in';
      value: string[];
    }
  | { field: 'lifecycle_stage'; op: 'in' | 'not_in'; value: LifecycleStage[] }
  | {
      field:
        | 'intent'
        | 'sentiment'
        | 'case_priority'
        | 'case_type'
        | 'case_status'
        | 'changed'
        | 'survey_rating';
      op: 'in' | 'not_in';
      value: string[];
    }
  | { field: 'case_tags'; op: 'contains_any' | 'contains_none'; value: string[] }
  | { field: 'hours_since'; since: CaseMoment; op: 'gte' | 'lte'; value: number }
  | { field: 'urgency' | 'influence' | 'followers'; op: 'gte' | 'lte'; value: number }
  | { field: 'keywords'; op: 'contains_any' | 'contains_none'; value: string[] }
  | {
      field: 'customer_has_open_case' | 'case_exists' | 'business_hours' | 'case_assigned';
      op: 'is_true' | 'is_false';
    };
export const routingActionTypes = [
  'create_case',
  'set_priority',
  'set_type',
  'add_tags',
  'assign_team',
  'assign',
  'assign_agent',
  'send_reply',
  'create_lead',
  'notify',
  'dismiss',
  'set_status',
] as const;
export type RoutingActionType = (typeof routingActionTypes)[number];
export type RoutingAction =
  | { type: 'create_case'; caseType?: CaseType; priority?: CasePriority; attachToOpenCase?: boolean }
  | { type: 'set_priority'; value: CasePriority }
  | { type: 'set_type'; value: CaseType }
  | { type: 'add_tags'; value: string[] }
  | { type: 'assign_team'; teamId: string }
  | {
      type: 'assign';
      strategy: 'round_robin' | 'least_open';
      teamId?: string;
      /** Only people with all of these; `fallback` says what happens when nobody has them. */
      skills?: string[];
      fallback?: 'pool' | 'none';
    }
  | { type: 'assign_agent'; userId: string }
  | { type: 'send_reply'; cannedId: string }
  | { type: 'create_lead'; stage?: LeadStage; teamId?: string; ownerUserId?: string }
  | { type: 'notify'; userIds: string[] }
  | { type: 'dismiss'; reason: DismissReason }
  | { type: 'set_status'; value: Exclude<CaseStatus, 'new'> };
export type RoutingRuleInput = {
  name: string;
  enabled: boolean;
  /** mention_stored when absent. */
  event?: RuleEvent;
  match: 'all' | 'any';
  conditions: RoutingCondition[];
  actions: RoutingAction[];
};
export type RoutingRule = RoutingRuleInput & {
  event: RuleEvent;
  id: string;
  position: number;
  firedCount: number;
  lastFiredAt: string | null;
  createdAt: string;
  updatedAt: string;
};
export type RuleTest = {
  evaluated: number;
  matched: number;
  /** Rules on posts: how many of the latest posts were left out as history. */
  history?: number;
  samples: {
    mentionId: number;
    /** Rules on case events: the case tried (its subject is the text). */
    caseNumber?: number;
    text: string;
    channel: string;
    createdAt: string;
    reasons: string[];
  }[];
};

/** Roles that may configure the inbox: teams and routing rules. */
export const inboxConfigurers: Role[] = ['owner', 'admin', 'manager'];
/** Roles that may work cases and decide what becomes of mentions. */
export const inboxWorkers: Role[] = ['owner', 'admin', 'manager', 'agent'];

const casePath = (id: string, rest = '') => `/api/v1/cases/${encodeURIComponent(id)}${rest}`;

export const inboxApi = {
  cases: (filters: CaseFilters, cursor?: string, limit = 30) =>
    request<Page<CaseCard>>('GET', `/api/v1/cases${qs({ ...filters, cursor, limit })}`),
  get: (id: string) => request<CaseDetail>('GET', casePath(id)),
  create: (input: CaseInput) => request<Case>('POST', '/api/v1/cases', input),
  update: (id: string, patch: CasePatch) => request<Case>('PATCH', casePath(id), patch),
  /** Merges `fromCaseId` into `id`. */
  merge: (id: string, fromCaseId: string) => request<Case>('POST', casePath(id, '/merge'), { fromCaseId }),
  split: (id: string, conversationIds: string[], subject?: string) =>
    request<Case>('POST', casePath(id, '/split'), { conversationIds, ...(subject ? { subject } : {}) }),
  attachMention: (id: string, mentionId: number) =>
    request<Case>('POST', casePath(id, '/mentions'), { mentionId }),
  setPresence: (id: string, state: Presence['state']) =>
    request<void>('PUT', casePath(id, '/presence'), { state }),
  // Sent as the page goes away too, so colleagues stop seeing someone who closed the tab.
  clearPresence: (id: string) =>
    request<void>('DELETE', casePath(id, '/presence'), undefined, undefined, { keepalive: true }),
  dispose: (mentionId: number, input: DispositionAction) =>
    request<Disposition>('POST', `/api/v1/mentions/${mentionId}/disposition`, input),
  dispositionStats: (days = 7) =>
    request<DispositionStats>('GET', `/api/v1/inbox/dispositions${qs({ days })}`),
  assignees: () => request<{ items: Assignee[] }>('GET', '/api/v1/inbox/assignees'),
  teams: () => request<{ items: Team[] }>('GET', '/api/v1/teams'),
  createTeam: (input: { name: string; memberIds: string[] }) => request<Team>('POST', '/api/v1/teams', input),
  saveTeam: (id: string, input: { name: string; memberIds: string[] }) =>
    request<Team>('PUT', `/api/v1/teams/${encodeURIComponent(id)}`, input),
  deleteTeam: (id: string) => request<void>('DELETE', `/api/v1/teams/${encodeURIComponent(id)}`),
  rules: () => request<{ items: RoutingRule[] }>('GET', '/api/v1/routing-rules'),
  createRule: (input: RoutingRuleInput) => request<RoutingRule>('POST', '/api/v1/routing-rules', input),
  saveRule: (id: string, input: RoutingRuleInput) =>
    request<RoutingRule>('PUT', `/api/v1/routing-rules/${encodeURIComponent(id)}`, input),
  deleteRule: (id: string) => request<void>('DELETE', `/api/v1/routing-rules/${encodeURIComponent(id)}`),
  reorderRules: (ids: string[]) =>
    request<{ items: RoutingRule[] }>('PUT', '/api/v1/routing-rules/order', { ids }),
  testRule: (input: RoutingRuleInput, limit = 500) =>
    request<RuleTest>('POST', `/api/v1/routing-rules/test${qs({ limit })}`, input),
  /** One public reply (two with a private reply and its acknowledgement), queued in the outbox. */
  reply: (id: string, input: ReplyInput) =>
    request<{ items: Reply[] }>('POST', casePath(id, '/replies'), input),
  retryReply: (id: string, replyId: string) =>
    request<Reply>('POST', casePath(id, `/replies/${encodeURIComponent(replyId)}/retry`)),
  addNote: (id: string, input: { body: string; mentionUserIds: string[] }) =>
    request<CaseNote>('POST', casePath(id, '/notes'), input),
  canned: () => request<{ items: CannedResponse[]; variables: string[] }>('GET', '/api/v1/canned-responses'),
  createCanned: (input: CannedInput) => request<CannedResponse>('POST', '/api/v1/canned-responses', input),
  saveCanned: (id: string, input: CannedInput) =>
    request<CannedResponse>('PUT', `/api/v1/canned-responses/${encodeURIComponent(id)}`, input),
  deleteCanned: (id: string) => request<void>('DELETE', `/api/v1/canned-responses/${encodeURIComponent(id)}`),
  renderCanned: (id: string, caseId: string) =>
    request<{ text: string }>('POST', `/api/v1/canned-responses/${encodeURIComponent(id)}/render`, {
      caseId,
    }),
  businessHours: () => request<BusinessHours>('GET', '/api/v1/inbox/business-hours'),
  setBusinessHours: (input: BusinessHoursInput) =>
    request<BusinessHours>('PUT', '/api/v1/inbox/business-hours', input),
  slaPolicies: () => request<{ items: SlaPolicy[] }>('GET', '/api/v1/sla-policies'),
  createSlaPolicy: (input: SlaPolicyInput) => request<SlaPolicy>('POST', '/api/v1/sla-policies', input),
  saveSlaPolicy: (id: string, input: SlaPolicyInput) =>
    request<SlaPolicy>('PUT', `/api/v1/sla-policies/${encodeURIComponent(id)}`, input),
  deleteSlaPolicy: (id: string) => request<void>('DELETE', `/api/v1/sla-policies/${encodeURIComponent(id)}`),
  reorderSlaPolicies: (ids: string[]) =>
    request<{ items: SlaPolicy[] }>('PUT', '/api/v1/sla-policies/order', { ids }),
  slaReport: (days = 30) => request<SlaReport>('GET', `/api/v1/inbox/sla-report${qs({ days })}`),
  views: () => request<{ items: InboxView[] }>('GET', '/api/v1/inbox/views'),
  createView: (input: InboxViewInput) => request<InboxView>('POST', '/api/v1/inbox/views', input),
  updateView: (id: string, patch: Partial<InboxViewInput>) =>
    request<InboxView>('PATCH', `/api/v1/inbox/views/${encodeURIComponent(id)}`, patch),
  deleteView: (id: string) => request<void>('DELETE', `/api/v1/inbox/views/${encodeURIComponent(id)}`),
  reorderViews: (scope: 'personal' | 'shared', ids: string[]) =>
    request<{ items: InboxView[] }>('PUT', '/api/v1/inbox/views/order', { scope, ids }),
};

// Collaboration: record feeds, follows, notifications (src/modules/collaboration).

export type RecordType = 'case' | 'lead' | 'customer';
export type RecordEvent = {
  id: number;
  recordType: RecordType;
  recordId: string;
  kind: string;
  actorUserId: string | null;
  data: Record<string, unknown>;
  createdAt: string;
};
export type Notification = {
  id: number;
  recordType: RecordType;
  recordId: string;
  eventId: number;
  summary: string;
  createdAt: string;
  readAt: string | null;
};

const recordPath = (type: RecordType, id: string, rest: string) =>
  `/api/v1/records/${type}/${encodeURIComponent(id)}${rest}`;

export const collaborationApi = {
  feed: (type: RecordType, id: string, cursor?: string, limit = 50) =>
    request<Page<RecordEvent>>('GET', recordPath(type, id, `/feed${qs({ cursor, limit })}`)),
  follow: (type: RecordType, id: string) => request<void>('PUT', recordPath(type, id, '/follow')),
  unfollow: (type: RecordType, id: string) => request<void>('DELETE', recordPath(type, id, '/follow')),
  notifications: (unread = false, limit = 20) =>
    request<Page<Notification> & { unreadCount: number }>(
      'GET',
      `/api/v1/notifications${qs({ unread: unread ? 'true' : undefined, limit })}`,
    ),
  markRead: (ids?: number[]) =>
    request<{ marked: number }>('POST', '/api/v1/notifications/read', ids ? { ids } : {}),
};

// Outbound webhooks: endpoints, secrets, the delivery log (src/modules/webhooks).

export type WebhookEndpoint = {
  id: string;
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
  consecutiveFailures: number;
  failingSince: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
};
export type WebhookEndpointInput = {
  url: string;
  description: string;
  eventTypes: string[];
  enabled: boolean;
};
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';
export type WebhookDelivery = {
  id: number;
  endpointId: string;
  eventId: number | null;
  messageId: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  lastResponse: string | null;
  createdAt: string;
};
export type WebhookAttempt = {
  id: number;
  attemptedAt: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  response: string | null;
};
export type WebhookDeliveryDetail = WebhookDelivery & { payload: string; attemptLog: WebhookAttempt[] };
/** Who may manage webhooks (`webhooks:manage`). */
export const webhookManagers: Role[] = ['owner', 'admin'];

const webhookPath = (id: string, rest = '') => `/api/v1/webhooks/${encodeURIComponent(id)}${rest}`;

export const webhooksApi = {
  eventTypes: () => request<{ items: string[] }>('GET', '/api/v1/webhooks/event-types'),
  endpoints: () => request<{ items: WebhookEndpoint[] }>('GET', '/api/v1/webhooks'),
  create: (input: WebhookEndpointInput) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/api/v1/webhooks', input),
  update: (id: string, patch: Partial<WebhookEndpointInput>) =>
    request<WebhookEndpoint>('PATCH', webhookPath(id), patch),
  remove: (id: string) => request<void>('DELETE', webhookPath(id)),
  rotateSecret: (id: string) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', webhookPath(id, '/rotate-secret')),
  ping: (id: string) => request<WebhookDeliveryDetail>('POST', webhookPath(id, '/ping')),
  deliveries: (filters: {
    status?: WebhookDeliveryStatus;
    endpointId?: string;
    cursor?: string;
    limit?: number;
  }) => request<Page<WebhookDelivery>>('GET', `/api/v1/webhooks/deliveries${qs({ limit: 50, ...filters })}`),
  delivery: (id: number) => request<WebhookDeliveryDetail>('GET', `/api/v1/webhooks/deliveries/${id}`),
  redeliver: (id: number) =>
    request<WebhookDeliveryDetail>('POST', `/api/v1/webhooks/deliveries/${id}/redeliver`),
};

// Satisfaction surveys: CSAT and NPS sent when a case is solved, answered on a public page (src/modules/surveys).

/** csat: a score of 1..5; nps: 0..10. */
export type SurveyKind = 'csat' | 'nps';
export const surveyKinds: SurveyKind[] = ['csat', 'nps'];
export type SurveyTrigger = 'case_solved' | 'manual';
export const surveyTriggers: SurveyTrigger[] = ['case_solved', 'manual'];
/** reply: a public reply in the case's thread; private: Mastodon direct or email; link: nothing is sent, agents copy the link. */
export type SurveyDelivery = 'reply' | 'private' | 'link';
export const surveyDeliveries: SurveyDelivery[] = ['reply', 'private', 'link'];
export type SurveyView = {
  id: string;
  name: string;
  kind: SurveyKind;
  question: string;
  commentPrompt: string | null;
  trigger: SurveyTrigger;
  delivery: SurveyDelivery;
  cooldownDays: number;
  expiresDays: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
};
export type SurveyInput = {
  name: string;
  kind: SurveyKind;
  question: string;
  commentPrompt?: string | null;
  trigger?: SurveyTrigger;
  delivery?: SurveyDelivery;
  /** 0..365, 7 when absent: no new survey to a customer surveyed this recently. */
  cooldownDays?: number;
  /** 1..90, 14 when absent: how long the link can be answered. */
  expiresDays?: number;
  enabled?: boolean;
};
export type SurveyRequestStatus = 'sent' | 'queued' | 'not_sent' | 'answered' | 'expired' | 'withdrawn';
export type SurveyRequestView = {
  id: string;
  surveyId: string;
  surveyName: string;
  kind: SurveyKind;
  caseId: string | null;
  caseNumber: number | null;
  customerId: string | null;
  /** The public answer page (server-rendered, outside this app). */
  link: string;
  status: SurveyRequestStatus;
  /** A survey a solve queued is held until then: reopening the case before withdraws it. */
  heldUntil: string | null;
  deliveryError: string | null;
  score: number | null;
  comment: string | null;
  answeredAt: string | null;
  expiresAt: string;
  createdAt: string;
};
export type SurveyResults = {
  surveyId: string;
  kind: SurveyKind;
  days: number;
  sent: number;
  answered: number;
  /** 0..1 */
  responseRate: number | null;
  average: number | null;
  /** Every score of the scale, in order. */
  distribution: { score: number; count: number }[];
  /** csat only: the share (0..1) of answers scoring 4 or 5. */
  csat: number | null;
  /** nps only: -100..100. */
  nps: number | null;
};
export type SurveyAnswerView = {
  requestId: string;
  customerId: string | null;
  customerName: string | null;
  caseId: string | null;
  caseNumber: number | null;
  score: number;
  comment: string | null;
  answeredAt: string;
};
/** Who may create and change surveys; agents read them. */
export const surveyManagers: Role[] = ['owner', 'admin', 'manager'];
/** The top of a survey kind's scale (its bottom is 1 for CSAT, 0 for NPS). */
export const surveyScaleMax = (kind: SurveyKind) => (kind === 'csat' ? 5 : 10);

const surveyPath = (id: string, rest = '') => `/api/v1/surveys/${encodeURIComponent(id)}${rest}`;

export const surveysApi = {
  list: () => request<{ items: SurveyView[] }>('GET', '/api/v1/surveys'),
  create: (input: SurveyInput) => request<SurveyView>('POST', '/api/v1/surveys', input),
  update: (id: string, patch: Partial<SurveyInput>) => request<SurveyView>('PATCH', surveyPath(id), patch),
  results: (id: string, days = 30) =>
    request<SurveyResults>('GET', surveyPath(id, `/results${qs({ days })}`)),
  /** Newest first. */
  answers: (id: string, cursor?: string, limit = 20) =>
    request<Page<SurveyAnswerView>>('GET', surveyPath(id, `/answers${qs({ limit, cursor })}`)),
  /** The case's survey requests, newest first; `now` is the server's clock, to count a `heldUntil` down from. */
  forCase: (caseId: string) =>
    request<{ items: SurveyRequestView[]; now: string }>('GET', casePath(caseId, '/surveys')),
  /** Sends a survey for the case now (the enabled case_solved one unless `surveyId` says which). */
  sendForCase: (caseId: string, surveyId?: string) =>
    request<SurveyRequestView>('POST', casePath(caseId, '/survey'), surveyId ? { surveyId } : {}),
};

// Sales: leads, lifecycle stages, scoring, handoff, opportunities, the pipeline (src/modules/sales).

export const leadStages = [
  'subscriber',
  'lead',
  'marketing_qualified',
  'sales_qualified',
  'opportunity',
  'customer',
  'evangelist',
] as const;
export type LeadStage = (typeof leadStages)[number];
export type LeadStatus = 'open' | 'won' | 'disqualified';
export type HandoffStatus = 'none' | 'pending' | 'accepted' | 'rejected';
export const opportunityStages = [
  'qualification',
  'needs_analysis',
  'proposal',
  'negotiation',
  'closed_won',
  'closed_lost',
] as const;
export type OpportunityStage = (typeof opportunityStages)[number];
export const contactChannels = ['email', 'phone', 'meeting', 'social', 'message', 'other'] as const;
export type ContactChannel = (typeof contactChannels)[number];
export type LeadHandoff = {
  status: HandoffStatus;
  fromUserId: string | null;
  toUserId: string | null;
  note: string | null;
  at: string | null;
  decidedAt: string | null;
  /** Why it was rejected. */
  reason: string | null;
  firstContactAt: string | null;
  handoffToFirstContactMs: number | null;
};
export type Lead = {
  id: string;
  number: number;
  customerId: string;
  title: string;
  stage: LeadStage;
  status: LeadStatus;
  disqualifyReason: string | null;
  ownerUserId: string | null;
  teamId: string | null;
  source: 'rule' | 'agent' | 'import';
  sourceMentionId: number | null;
  sourceRuleId: string | null;
  caseId: string | null;
  fitScore: number;
  engagementScore: number;
  /** 0..100: fit (≤ 50) + engagement (≤ 50). */
  score: number;
  scoredAt: string | null;
  handoff: LeadHandoff;
  closedAt: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
};
export type LeadPerson = { id: string; name: string };
export type LeadCard = Lead & {
  owner: LeadPerson | null;
  customer: { id: string; displayName: string; handle: string | null };
};
export type ScoreContribution = {
  kind: string;
  group: 'fit' | 'engagement';
  label: string;
  points: number;
  at: string | null;
  decayedPoints: number;
};
export type ScoreExplanation = {
  fit: number;
  engagement: number;
  score: number;
  fitCapped: boolean;
  engagementCapped: boolean;
  halfLifeDays: number;
  /** Behaviour events were not counted: no profiling consent. */
  behaviourWithheld: boolean;
  contributions: ScoreContribution[];
  /** The smallest contributions, summed, beyond the first 30. */
  omitted: { count: number; decayedPoints: number };
};
export type Opportunity = {
  id: string;
  leadId: string;
  customerId: string;
  name: string;
  /** In the currency's minor unit (cents). */
  amountMinor: number;
  currency: string;
  stage: OpportunityStage;
  expectedCloseOn: string | null;
  ownerUserId: string | null;
  lostReason: string | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
};
export type LeadDetail = Lead & {
  owner: LeadPerson | null;
  customer: CustomerSummary | null;
  segments: { id: string; name: string }[];
  explanation: ScoreExplanation;
  mentions: Mention[];
  opportunities: Opportunity[];
  following: boolean;
};
export type LeadFilters = {
  stage?: LeadStage;
  status?: LeadStatus | 'all';
  /** `me`, `none` or a user id. */
  owner?: string;
  handoff?: 'pending_for_me' | 'pending' | 'accepted' | 'rejected' | 'none';
  customerId?: string;
  /** Words of the title, or #N for lead N. */
  q?: string;
  sort?: 'newest' | 'score';
};
export type LeadInput = {
  customerId: string;
  title: string;
  stage?: LeadStage;
  ownerUserId?: string;
  teamId?: string;
  mentionIds?: number[];
  caseId?: string;
};
export type LeadPatch = Partial<{
  title: string;
  stage: LeadStage;
  ownerUserId: string | null;
  teamId: string | null;
  status: 'open' | 'disqualified';
  disqualifyReason: string;
}>;
export type OpportunityInput = {
  leadId: string;
  name: string;
  amountMinor: number;
  currency: string;
  stage?: 'qualification' | 'needs_analysis' | 'proposal' | 'negotiation';
  /** YYYY-MM-DD */
  expectedCloseOn?: string;
  ownerUserId?: string;
};
export type OpportunityPatch = Partial<{
  name: string;
  amountMinor: number;
  currency: string;
  stage: OpportunityStage;
  expectedCloseOn: string | null;
  ownerUserId: string | null;
  lostReason: string;
}>;
export type SalesPipeline = {
  stages: { stage: LeadStage; count: number; leads: LeadCard[] }[];
  opportunities: {
    stage: OpportunityStage;
    count: number;
    amounts: { currency: string; amountMinor: number }[];
  }[];
  handoffs: {
    pending: number;
    pendingForMe: number;
    accepted: number;
    rejected: number;
    awaitingFirstContact: number;
    handoffToFirstContactMs: { count: number; median: number | null; p90: number | null };
  };
};
export type SalesOwner = { id: string; name: string; role: string };
export type FitAttributeRule =
  | { key: string; op: 'eq'; value: string | number | boolean; points: number }
  | { key: string; op: 'in'; value: (string | number)[]; points: number }
  | { key: string; op: 'gte' | 'lte'; value: number | string; points: number };
export type ScoringConfig = {
  halfLifeDays: number;
  fit: { attributes: FitAttributeRule[]; segments: { segmentId: string; points: number }[] };
  engagement: {
    purchaseIntentMention: number;
    mention: number;
    positiveMention: number;
    reply: number;
    brandReply: number;
    influence: number;
    /** Behaviour event name → points. */
    events: Record<string, number>;
  };
  notableChange: number;
};
/** Roles that see and work leads (`sales:read`, `sales:work`). */
export const salesWorkers: Role[] = ['owner', 'admin', 'manager', 'agent'];
/** Roles that may change the scoring rules and decide handoffs for others (`sales:configure`). */
export const salesConfigurers: Role[] = ['owner', 'admin', 'manager'];

const leadPath = (id: string, rest = '') => `/api/v1/sales/leads/${encodeURIComponent(id)}${rest}`;

export const salesApi = {
  leads: (filters: LeadFilters, cursor?: string, limit = 50) =>
    request<Page<LeadCard>>('GET', `/api/v1/sales/leads${qs({ ...filters, cursor, limit })}`),
  lead: (id: string) => request<LeadDetail>('GET', leadPath(id)),
  createLead: (input: LeadInput) => request<Lead>('POST', '/api/v1/sales/leads', input),
  updateLead: (id: string, patch: LeadPatch) => request<Lead>('PATCH', leadPath(id), patch),
  handoff: (id: string, input: { toUserId: string; note: string }) =>
    request<Lead>('POST', leadPath(id, '/handoff'), input),
  accept: (id: string) => request<Lead>('POST', leadPath(id, '/accept')),
  reject: (id: string, reason: string) => request<Lead>('POST', leadPath(id, '/reject'), { reason }),
  contact: (id: string, input: { channel: ContactChannel; note?: string }) =>
    request<Lead>('POST', leadPath(id, '/contact'), input),
  rescore: (id: string) => request<Lead>('POST', leadPath(id, '/rescore')),
  opportunities: (
    filters: { stage?: OpportunityStage; leadId?: string; owner?: string; open?: 'true' | 'false' },
    cursor?: string,
    limit = 50,
  ) => request<Page<Opportunity>>('GET', `/api/v1/sales/opportunities${qs({ ...filters, cursor, limit })}`),
  createOpportunity: (input: OpportunityInput) =>
    request<Opportunity>('POST', '/api/v1/sales/opportunities', input),
  updateOpportunity: (id: string, patch: OpportunityPatch) =>
    request<Opportunity>('PATCH', `/api/v1/sales/opportunities/${encodeURIComponent(id)}`, patch),
  pipeline: (query: { top?: number; owner?: string } = {}) =>
    request<SalesPipeline>('GET', `/api/v1/sales/pipeline${qs(query)}`),
  owners: () => request<{ items: SalesOwner[] }>('GET', '/api/v1/sales/owners'),
  scoring: () => request<ScoringConfig>('GET', '/api/v1/sales/scoring'),
  saveScoring: (config: ScoringConfig) => request<ScoringConfig>('PUT', '/api/v1/sales/scoring', config),
};

// ---- Communities (staff): spaces, moderation, members and trust, ideas, loop and bridges ----

export type SpaceKind = 'forum' | 'qa' | 'ideas' | 'kb' | 'announcements';
export type SpacePurpose = 'objective' | 'task' | 'impromptu';
export type IdeaStatus =
  | 'open'
  | 'under_review'
  | 'planned'
  | 'in_progress'
  | 'done'
  | 'declined'
  | 'duplicate';
export type CommunitySpace = {
  id: string;
  slug: string;
  title: string;
  description: string;
  kind: SpaceKind;
  purpose: SpacePurpose;
  endsAt: string | null;
  closedAt: string | null;
  closedReason: string | null;
  readOnly: 'closed' | 'archived' | null;
  threadCount: number;
  postCount: number;
  lastPostAt: string | null;
  createdByMemberId: string | null;
  createdByUserId: string | null;
  createdAt: string;
  updatedAt: string;
};
export type SpaceInput = {
  slug: string;
  title: string;
  description?: string;
  kind: SpaceKind;
  purpose?: SpacePurpose;
  endsAt?: string;
};
export type SpacePatch = { title?: string; description?: string; endsAt?: string | null };
export type CommunityAuthor = { type: 'member' | 'staff'; id: string; name: string; username: string | null };
export type CommunityThread = {
  id: string;
  spaceId: string;
  title: string;
  kind: 'discussion' | 'question' | 'idea' | 'article' | 'announcement';
  author: CommunityAuthor | null;
  ideaStatus: IdeaStatus | null;
  duplicateOfThreadId: string | null;
  voteCount: number;
  acceptedPostId: number | null;
  sourcePostId: number | null;
  postCount: number;
  lastPostNumber: number;
  lastPostAt: string;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  hidden: boolean;
};
export type CommunityPost = {
  id: number;
  threadId: string;
  number: number;
  author: CommunityAuthor | null;
  bodyMarkdown: string;
  /** Sanitized on the server (render.ts); the only HTML the app inserts as HTML. */
  bodyHtml: string;
  replyToNumber: number | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  hidden: boolean;
  accepted: boolean;
  likeCount: number;
};
export type CommunityThreadPage = {
  space: CommunitySpace;
  thread: CommunityThread;
  posts: Page<CommunityPost>;
};
export type CommunityFlag = {
  id: string;
  postId: number;
  reason: string;
  weight: number;
  flaggedBy: { kind: 'member' | 'staff' | 'system'; memberId?: string; userId?: string };
  note: string | null;
  createdAt: string;
  resolution: 'agreed' | 'disagreed' | null;
};
export type ReviewItem = {
  postId: number;
  threadId: string;
  spaceId: string;
  postNumber: number;
  authorMemberId: string | null;
  excerpt: string;
  hidden: boolean;
  score: number;
  flags: CommunityFlag[];
};
export type CommunityMemberProfile = {
  id: string;
  username: string;
  displayName: string;
  bio: string | null;
  trustLevel: number;
  rank: string;
  points: number;
  joinedAt: string;
  email: string | null;
  emailVerified: boolean;
  customerId: string | null;
  suspendedUntil: string | null;
  stats: Record<string, number>;
  moderatesSpaces: string[];
};
export type TrustConfig = {
  level1: { topicsEntered: number; postsRead: number; minutesReading: number };
  level2: {
    daysVisited: number;
    likesGiven: number;
    likesReceived: number;
    topicsRepliedTo: number;
    postsRead: number;
    minutesReading: number;
  };
  level3: Record<string, number>;
  unlocks: {
    postLinks: number;
    postImages: number;
    createSpaces: number;
    flagWeights: number[];
    flagHideThreshold: number;
    postLimits: { level0: number; level1: number | null; windowMinutes: number };
  };
};
export type IdeaStatusChange = {
  id: number;
  threadId: string;
  fromStatus: IdeaStatus | null;
  toStatus: IdeaStatus;
  note: string;
  duplicateOfThreadId: string | null;
  changedByUserId: string | null;
  createdAt: string;
};
export type IdeaLink = {
  id: string;
  threadId: string;
  targetType: 'mention' | 'case';
  mentionId: number | null;
  caseId: string | null;
  status: 'suggested' | 'confirmed' | 'rejected';
  score: number;
  sharedTerms: string[];
  target: {
    text: string;
    channel: string | null;
    customerId: string | null;
    caseNumber: number | null;
    url: string | null;
  };
  confirmedBy: string | null;
  decidedAt: string | null;
  createdAt: string;
};
export type IdeaLinks = { threadId: string; requestedIn: number; items: IdeaLink[] };
export type UnansweredPolicy = { enabled: boolean; hours: number };
export type CommunityShare = {
  id: string;
  threadId: string;
  channel: 'bluesky' | 'mastodon';
  text: string;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  attempts: number;
  lastError: string | null;
  externalId: string | null;
  externalUrl: string | null;
  createdBy: string | null;
  createdAt: string;
  sentAt: string | null;
};
/** `communities:moderate`: queue, suspensions, idea statuses, closing spaces, shares. */
export const communityModerators: Role[] = ['owner', 'admin', 'manager', 'moderator'];
/** `communities:manage`: create and change spaces, trust configuration, leaders, space moderators. */
export const communityManagers: Role[] = ['owner', 'admin'];
/** Idea links and the unanswered policy show conversations (`inbox:read`); changing the policy is `inbox:configure`. */
export const communityLoopReaders: Role[] = ['owner', 'admin', 'manager', 'agent'];
export const communityLoopConfigurers: Role[] = ['owner', 'admin', 'manager'];

const cm = (rest: string) => `/api/v1/communities${rest}`;
const enc = encodeURIComponent;

export const communitiesApi = {
  spaces: (cursor?: string) =>
    request<Page<CommunitySpace>>('GET', cm(`/spaces${qs({ cursor, limit: 100 })}`)),
  createSpace: (input: SpaceInput) => request<CommunitySpace>('POST', cm('/spaces'), input),
  updateSpace: (id: string, patch: SpacePatch) =>
    request<CommunitySpace>('PATCH', cm(`/spaces/${enc(id)}`), patch),
  closeSpace: (id: string, reason: string) =>
    request<CommunitySpace>('POST', cm(`/spaces/${enc(id)}/close`), { reason }),
  reopenSpace: (id: string) => request<CommunitySpace>('POST', cm(`/spaces/${enc(id)}/reopen`)),
  setSpaceModerator: (spaceId: string, memberId: string, moderator: boolean) =>
    request<{ moderatesSpaces: string[] }>(
      moderator ? 'PUT' : 'DELETE',
      cm(`/spaces/${enc(spaceId)}/moderators/${enc(memberId)}`),
    ),
  threads: (spaceId: string, sort: 'activity' | 'votes' = 'activity', cursor?: string) =>
    request<Page<CommunityThread>>(
      'GET',
      cm(`/spaces/${enc(spaceId)}/threads${qs({ sort, cursor, limit: 100 })}`),
    ),
  thread: (id: string, cursor?: string) =>
    request<CommunityThreadPage>('GET', cm(`/threads/${enc(id)}${qs({ cursor, limit: 100 })}`)),
  /** Replies in a thread as the signed-in staff member (an answer to a question). */
  reply: (threadId: string, body: string) =>
    request<CommunityWritten>('POST', cm(`/threads/${enc(threadId)}/posts`), { body }),
  reviewQueue: (cursor?: string) =>
    request<Page<ReviewItem>>('GET', cm(`/moderation/queue${qs({ cursor, limit: 50 })}`)),
  /** Deletes a post (a moderator: anyone's; audited). Post 1 deletes the whole thread. */
  deletePost: (postId: number) => request<void>('DELETE', cm(`/posts/${postId}`)),
  review: (postId: number, decision: 'agree' | 'restore') =>
    request<{ hidden: boolean; resolvedFlags: number }>('POST', cm(`/moderation/posts/${postId}/review`), {
      decision,
    }),
  members: (cursor?: string) =>
    request<Page<CommunityMemberProfile>>('GET', cm(`/members${qs({ cursor, limit: 100 })}`)),
  suspend: (memberId: string, until: string | null) =>
    request<CommunityMemberProfile>('PUT', cm(`/members/${enc(memberId)}/suspension`), { until }),
  setLeader: (memberId: string, leader: boolean) =>
    request<{ trustLevel: number }>('PUT', cm(`/members/${enc(memberId)}/leader`), { leader }),
  trustConfig: () => request<TrustConfig>('GET', cm('/trust-config')),
  saveTrustConfig: (config: TrustConfig) => request<TrustConfig>('PUT', cm('/trust-config'), config),
  setIdeaStatus: (threadId: string, status: Exclude<IdeaStatus, 'duplicate'>, note: string) =>
    request<CommunityThread>('POST', cm(`/threads/${enc(threadId)}/status`), { status, note }),
  mergeIdea: (threadId: string, intoThreadId: string, note: string) =>
    request<CommunityThread>('POST', cm(`/threads/${enc(threadId)}/merge`), { intoThreadId, note }),
  statusChanges: (threadId: string) =>
    request<IdeaStatusChange[]>('GET', cm(`/threads/${enc(threadId)}/status-changes`)),
  ideaLinks: (threadId: string) => request<IdeaLinks>('GET', cm(`/ideas/${enc(threadId)}/links`)),
  suggestIdeaLinks: (threadId: string) =>
    request<IdeaLinks>('POST', cm(`/ideas/${enc(threadId)}/links/suggest`)),
  linkIdea: (threadId: string, target: { caseId: string } | { mentionId: number }) =>
    request<IdeaLink>('POST', cm(`/ideas/${enc(threadId)}/links`), target),
  decideIdeaLink: (linkId: string, action: 'confirm' | 'reject') =>
    request<IdeaLink>('POST', cm(`/idea-links/${enc(linkId)}/${action}`)),
  unansweredPolicy: () => request<UnansweredPolicy>('GET', cm('/unanswered-policy')),
  saveUnansweredPolicy: (policy: UnansweredPolicy) =>
    request<UnansweredPolicy>('PUT', cm('/unanswered-policy'), policy),
  shares: (threadId: string) => request<CommunityShare[]>('GET', cm(`/threads/${enc(threadId)}/shares`)),
  share: (threadId: string, input: { channel: 'bluesky' | 'mastodon'; text?: string }) =>
    request<CommunityShare>('POST', cm(`/threads/${enc(threadId)}/shares`), input),
};

// ---- Communities (staff): challenges, newsletters, lists, knowledge-base promotion, points ----

export type ChallengeState = 'upcoming' | 'open' | 'closed' | 'decided';
export type CommunityChallenge = {
  id: string;
  spaceId: string;
  question: string;
  description: string;
  reward: string;
  opensAt: string;
  closesAt: string;
  state: ChallengeState;
  entryCount: number;
  winnerThreadId: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  createdAt: string;
};
export type ChallengeInput = {
  spaceId: string;
  question: string;
  description?: string;
  reward?: string;
  opensAt: string;
  closesAt: string;
};
export type ChallengeEntry = {
  threadId: string;
  title: string;
  author: CommunityAuthor | null;
  votes: number;
  voted: boolean | null;
  winner: boolean;
  createdAt: string;
};
export type NewsletterCadence = 'daily' | 'weekly' | 'off';
export type NewsletterSettings = {
  spaceId: string;
  cadence: NewsletterCadence;
  subscribers: number;
  updatedAt: string | null;
};
export type NewsletterDigest = {
  id: string;
  spaceId: string;
  cadence: 'daily' | 'weekly';
  periodStart: string;
  periodEnd: string;
  itemCount: number;
  deliveries: { queued: number; sent: number; failed: number; skipped: number };
  createdAt: string;
};
export type CommunityList = {
  id: string;
  name: string;
  description: string;
  kind: 'members' | 'customers';
  visibility: 'public' | 'private';
  owner: { type: 'member' | 'staff'; id: string };
  entryCount: number;
  followerCount: number;
  following: boolean | null;
  createdAt: string;
  updatedAt: string;
};
export type CommunityListInput = {
  name: string;
  description?: string;
  kind: 'members' | 'customers';
  visibility: 'public' | 'private';
};
export type CommunityListPatch = { name?: string; description?: string; visibility?: 'public' | 'private' };
export type CommunityListEntry = {
  type: 'member' | 'customer';
  id: string;
  name: string;
  username: string | null;
  addedAt: string;
};
export type CommunityListActivity = {
  type: 'post' | 'mention';
  id: number;
  at: string;
  text: string;
  url: string | null;
  channel: string;
  threadId: string | null;
  threadTitle: string | null;
  postNumber: number | null;
  memberId: string | null;
  customerId: string | null;
};
export type PointsLedgerEntry = {
  id: number;
  points: number;
  reason: string;
  ref: string;
  createdAt: string;
};
export type PointsAdjustment = { entry: PointsLedgerEntry; points: number; rank: string };
export type CommunityWritten = { thread: CommunityThread; post: CommunityPost; mentionedMemberIds: string[] };
/** `customers:manage`: may change public customer lists (lists.ts). */
export const customerListEditors: Role[] = ['owner', 'admin', 'manager', 'agent'];

export const communityExtrasApi = {
  challenges: (query: { spaceId?: string; state?: ChallengeState; cursor?: string } = {}) =>
    request<Page<CommunityChallenge>>('GET', cm(`/challenges${qs({ ...query, limit: 100 })}`)),
  createChallenge: (input: ChallengeInput) => request<CommunityChallenge>('POST', cm('/challenges'), input),
  challengeEntries: (id: string, cursor?: string) =>
    request<Page<ChallengeEntry>>('GET', cm(`/challenges/${enc(id)}/entries${qs({ cursor, limit: 100 })}`)),
  chooseWinner: (id: string, threadId: string, note: string) =>
    request<CommunityChallenge>('POST', cm(`/challenges/${enc(id)}/winner`), { threadId, note }),
  newsletter: (spaceId: string) =>
    request<NewsletterSettings>('GET', cm(`/spaces/${enc(spaceId)}/newsletter`)),
  setNewsletter: (spaceId: string, cadence: NewsletterCadence) =>
    request<NewsletterSettings>('PUT', cm(`/spaces/${enc(spaceId)}/newsletter`), { cadence }),
  digests: (spaceId: string, cursor?: string) =>
    request<Page<NewsletterDigest>>(
      'GET',
      cm(`/spaces/${enc(spaceId)}/newsletter/digests${qs({ cursor, limit: 50 })}`),
    ),
  lists: (cursor?: string) => request<Page<CommunityList>>('GET', cm(`/lists${qs({ cursor, limit: 100 })}`)),
  createList: (input: CommunityListInput) => request<CommunityList>('POST', cm('/lists'), input),
  updateList: (id: string, patch: CommunityListPatch) =>
    request<CommunityList>('PATCH', cm(`/lists/${enc(id)}`), patch),
  deleteList: (id: string) => request<void>('DELETE', cm(`/lists/${enc(id)}`)),
  followList: (id: string, follow: boolean) =>
    request<CommunityList>(follow ? 'PUT' : 'DELETE', cm(`/lists/${enc(id)}/follow`)),
  listEntries: (id: string, cursor?: string) =>
    request<Page<CommunityListEntry>>('GET', cm(`/lists/${enc(id)}/entries${qs({ cursor, limit: 100 })}`)),
  addListEntry: (id: string, entry: { memberId: string } | { customerId: string }) =>
    request<CommunityList>('POST', cm(`/lists/${enc(id)}/entries`), entry),
  removeListEntry: (id: string, type: 'member' | 'customer', entryId: string) =>
    request<CommunityList>('DELETE', cm(`/lists/${enc(id)}/entries/${type}/${enc(entryId)}`)),
  listActivity: (id: string, cursor?: string) =>
    request<Page<CommunityListActivity>>('GET', cm(`/lists/${enc(id)}/activity${qs({ cursor, limit: 25 })}`)),
  promoteAnswer: (postId: number, kbSpaceId: string, title?: string) =>
    request<CommunityWritten>('POST', cm(`/posts/${postId}/promote`), {
      kbSpaceId,
      ...(title ? { title } : {}),
    }),
  pointsLedger: (memberId: string, cursor?: string) =>
    request<Page<PointsLedgerEntry>>(
      'GET',
      cm(`/members/${enc(memberId)}/points${qs({ cursor, limit: 50 })}`),
    ),
  adjustPoints: (memberId: string, points: number, reason: string) =>
    request<PointsAdjustment>('POST', cm(`/members/${enc(memberId)}/points`), { points, reason }),
};
