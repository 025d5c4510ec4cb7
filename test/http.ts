import type { createApp } from '../src/http/app.ts';

type App = ReturnType<typeof createApp>;

export type Caller = { cookie?: string; csrf?: string; bearer?: string; ip?: string };

/** Sends a request through `app.request()` as a client at `ip` would, with optional auth. */
export async function call(
  app: App,
  method: string,
  path: string,
  body?: unknown,
  who: Caller = {},
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (who.cookie) headers.cookie = who.cookie;
  if (who.csrf) headers['x-csrf-token'] = who.csrf;
  if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  return app.request(path, init, { incoming: { socket: { remoteAddress: who.ip ?? '127.0.0.1' } } });
}

/** Signs in and returns the session cookie and CSRF token for later calls. */
export async function signIn(
  app: App,
  email: string,
  password: string,
): Promise<Required<Pick<Caller, 'cookie' | 'csrf'>>> {
  const res = await call(app, 'POST', '/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrfToken: string };
  return { cookie: setCookie.split(';')[0] ?? '', csrf: body.csrfToken };
}
