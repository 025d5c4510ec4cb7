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
    const list = (this.details?.fields ?? []) as FieldError[];
    return Object.fromEntries(list.map((f) => [f.path, f.message]));
  }
}

let csrfToken = '';

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
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
  createUser: (input: { email: string; name: string; role: Role; password?: string }) =>
    request<{ user: User; temporaryPassword?: string }>('POST', '/api/v1/users', input),
  updateUser: (id: string, patch: Partial<Pick<User, 'name' | 'role' | 'status'>>) =>
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
  language: string;
  createdAt: string;
  receivedAt: string;
  replyTo: string | null;
  threadRoot: string | null;
  engagement: Record<string, number>;
  sentiment: string | null;
  intents: string[];
  analysis: Record<string, unknown>;
  queryIds: string[];
  deleted: boolean;
  edited: boolean;
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
  updateConnector: (id: string, patch: { enabled?: boolean; name?: string }) =>
    request<Connector>('PATCH', `/api/v1/connectors/${encodeURIComponent(id)}`, patch),
  health: (id: string) =>
    request<ConnectorHealth>('GET', `/api/v1/connectors/${encodeURIComponent(id)}/health`),
  quarantine: (status = 'open') =>
    request<Page<QuarantinedItem>>('GET', `/api/v1/quarantine?status=${status}&limit=100`),
  resolve: (id: number, action: 'retry' | 'drop') =>
    request<QuarantinedItem>('POST', `/api/v1/quarantine/${id}/${action}`),
};

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}
