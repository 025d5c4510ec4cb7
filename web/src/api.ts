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

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';
}
