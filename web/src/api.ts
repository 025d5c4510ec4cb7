// Core of the typed client of the Rapport JSON API: same origin, cookie session, CSRF header on writes.
// Shared types, the fetch wrapper, auth, users and tokens; each feature's client is in api/<feature>.ts.

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

/** One API call: JSON both ways, the CSRF header on writes, an ApiError for any failure. */
export async function request<T>(
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

/** A query string of the params that are set (`''` when none is). */
export function qs(params: Record<string, string | number | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '');
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
}

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}
