import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { setupTestDatabase } from '../../test/db.ts';
import { buildToken, buildUser, buildWorkspace, TEST_PASSWORD } from '../../test/factories.ts';
import { call, signIn } from '../../test/http.ts';
import { createLoginThrottle } from '../modules/auth/login-throttle.ts';
import { createApp } from './app.ts';

const t = setupTestDatabase();
const app = () => createApp(t.ctx);

type OpenApiDoc = { openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> };

describe('probes and documents', () => {
  it('answers /healthz and /readyz without authentication', async () => {
    expect((await call(app(), 'GET', '/healthz')).status).toBe(200);
    const ready = await call(app(), 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('publishes an OpenAPI 3.1 document and a readable reference', async () => {
    const res = await call(app(), 'GET', '/api/openapi.json');
    const doc = (await res.json()) as OpenApiDoc;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/users',
        '/api/v1/tokens',
        // Registered by hand (streams are not JSON routes), so written as mounted, not with the prefix.
        '/api/v1/inbox/stream',
        '/api/v1/mentions/stream',
      ]),
    );
    expect(Object.keys(doc.paths).filter((p) => !/^\/api\/v1\/(?!api\/)/.test(p))).toEqual([]);
    const page = await call(app(), 'GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/v1/users/{id}');
  });

  it('sends security headers and a request id', async () => {
    const res = await call(app(), 'GET', '/healthz');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
  });
});

describe('authentication', () => {
  it('answers 401 with the error shape on every non-public route of the OpenAPI document', async () => {
    const doc = (await (await call(app(), 'GET', '/api/openapi.json')).json()) as OpenApiDoc;
    let checked = 0;
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        if (op.security?.length === 0) continue; // deliberately public (sign-in)
        const verb = method.toUpperCase();
        const res = await call(app(), verb, path.replace(/\{[^}]+\}/g, 'x'), verb === 'GET' ? undefined : {});
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'unauthenticated' } });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('signs in with a cookie that is httpOnly and SameSite, and signs out', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const res = await call(app(), 'POST', '/api/v1/auth/login', {
      email: agent.user.email,
      password: TEST_PASSWORD,
    });
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^rapport_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const session = {
      cookie: cookie.split(';')[0] ?? '',
      csrf: ((await res.json()) as { csrfToken: string }).csrfToken,
    };
    const me = await call(app(), 'GET', '/api/v1/auth/session', undefined, session);
    expect(await me.json()).toMatchObject({
      user: { email: agent.user.email, role: 'agent' },
      workspace: { id: ws.id },
    });
    expect((await call(app(), 'POST', '/api/v1/auth/logout', undefined, session)).status).toBe(204);
    expect((await call(app(), 'GET', '/api/v1/auth/session', undefined, session)).status).toBe(401);
  });

  it('rejects a cookie-authenticated write without the CSRF token, and accepts it with the token', async () => {
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const session = await signIn(app(), agent.user.email, TEST_PASSWORD);
    const without = await call(app(), 'POST', '/api/v1/tokens', { name: 'x' }, { cookie: session.cookie });
    expect(without.status).toBe(403);
    expect(await without.json()).toMatchObject({ error: { code: 'csrf_failed' } });
    const wrong = await call(
      app(),
      'POST',
      '/api/v1/tokens',
      { name: 'x' },
      { cookie: session.cookie, csrf: 'nope' },
    );
    expect(wrong.status).toBe(403);
    expect((await call(app(), 'POST', '/api/v1/tokens', { name: 'x' }, session)).status).toBe(201);
  });

  it('accepts an API token as bearer, and rejects a revoked or unknown one with 401', async () => {
    const ws = await buildWorkspace(t.ctx);
    const manager = await buildUser(t.ctx, ws, { role: 'manager' });
    const token = await buildToken(t.ctx, manager);
    expect((await call(app(), 'GET', '/api/v1/users', undefined, { bearer: token })).status).toBe(200);
    const list = (await (
      await call(app(), 'GET', '/api/v1/tokens', undefined, { bearer: token })
    ).json()) as {
      items: { id: string }[];
    };
    const id = list.items[0]?.id ?? '';
    expect((await call(app(), 'DELETE', `/api/v1/tokens/${id}`, undefined, { bearer: token })).status).toBe(
      204,
    );
    expect((await call(app(), 'GET', '/api/v1/users', undefined, { bearer: token })).status).toBe(401);
    expect((await call(app(), 'GET', '/api/v1/users', undefined, { bearer: 'rpt_unknown' })).status).toBe(
      401,
    );
  });

  it('rate-limits sign-in per account and per IP with 429 and Retry-After', async () => {
    const limited = createApp(t.ctx, {
      throttle: createLoginThrottle({ perIp: 5, perAccount: 3, windowSeconds: 60 }),
    });
    const ws = await buildWorkspace(t.ctx);
    const agent = await buildUser(t.ctx, ws);
    const attempt = (email: string, password: string, ip: string) =>
      call(limited, 'POST', '/api/v1/auth/login', { email, password }, { ip });
    for (let i = 0; i < 3; i++)
      expect((await attempt(agent.user.email, 'wrong password', `10.0.0.${i}`)).status).toBe(401);
    const blocked = await attempt(agent.user.email, TEST_PASSWORD, '10.0.0.9');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await blocked.json()).toMatchObject({
      // A wait in words for the person at the form; the header and details keep the seconds.
      error: {
        code: 'rate_limited',
        message: 'Too many login attempts; try again in about 1 minute',
        details: { scope: 'account' },
      },
    });

    for (let i = 0; i < 5; i++) await attempt(`someone${i}@example.test`, 'x', '10.9.9.9');
    const fromIp = await attempt('another@example.test', 'x', '10.9.9.9');
    expect(fromIp.status).toBe(429);
    expect(await fromIp.json()).toMatchObject({ error: { code: 'rate_limited', details: { scope: 'ip' } } });
  });
});

describe('authorization and tenancy', () => {
  it('answers 403 when an agent or moderator calls an admin route', async () => {
    const ws = await buildWorkspace(t.ctx);
    for (const role of ['agent', 'moderator'] as const) {
      const bearer = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role }));
      const create = await call(
        app(),
        'POST',
        '/api/v1/users',
        { email: `n-${role}@example.test`, name: 'N', role: 'agent' },
        { bearer },
      );
      expect(create.status).toBe(403);
      expect(await create.json()).toMatchObject({ error: { code: 'forbidden' } });
      expect((await call(app(), 'GET', '/api/v1/users', undefined, { bearer })).status).toBe(403);
      expect((await call(app(), 'GET', '/api/v1/audit-log', undefined, { bearer })).status).toBe(403);
    }
  });

  it('never lets a token of workspace A read or change workspace B', async () => {
    const a = await buildWorkspace(t.ctx);
    const b = await buildWorkspace(t.ctx);
    const ownerA = await buildToken(t.ctx, await buildUser(t.ctx, a, { role: 'owner' }));
    const agentB = await buildUser(t.ctx, b);
    const users = (await (
      await call(app(), 'GET', '/api/v1/users?limit=200', undefined, { bearer: ownerA })
    ).json()) as {
      items: { id: string }[];
    };
    expect(users.items.map((u) => u.id)).not.toContain(agentB.user.id);
    const patch = await call(
      app(),
      'PATCH',
      `/api/v1/users/${agentB.user.id}`,
      { role: 'admin' },
      { bearer: ownerA },
    );
    expect(patch.status).toBe(404);
    const audit = (await (
      await call(app(), 'GET', '/api/v1/audit-log/export', undefined, { bearer: ownerA })
    ).json()) as {
      items: { targetId: string }[];
    };
    expect(audit.items.length).toBeGreaterThan(0);
    expect(audit.items.map((e) => e.targetId)).not.toContain(agentB.user.id);
  });

  it('lets an admin create a user who then signs in with the returned one-time password', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const res = await call(
      app(),
      'POST',
      '/api/v1/users',
      { email: 'Fresh@Example.test', name: 'Fresh', role: 'agent' },
      { bearer: admin },
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { user: { email: string }; temporaryPassword: string };
    expect(body.user.email).toBe('fresh@example.test');
    const session = await signIn(app(), 'fresh@example.test', body.temporaryPassword);
    const me = (await (await call(app(), 'GET', '/api/v1/auth/session', undefined, session)).json()) as {
      user: { passwordChangeRequired: boolean };
    };
    expect(me.user.passwordChangeRequired).toBe(true);
    const changed = await call(
      app(),
      'POST',
      '/api/v1/auth/password',
      { currentPassword: body.temporaryPassword, newPassword: 'my own long password' },
      session,
    );
    expect(changed.status).toBe(204);
    const dup = await call(
      app(),
      'POST',
      '/api/v1/users',
      { email: 'fresh@example.test', name: 'Again', role: 'agent' },
      { bearer: admin },
    );
    expect(dup.status).toBe(409);
  });
});

describe('bad input', () => {
  it('answers 400 with the error shape naming the invalid fields', async () => {
    const ws = await buildWorkspace(t.ctx);
    const admin = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'admin' }));
    const res = await call(
      app(),
      'POST',
      '/api/v1/users',
      { email: 'not-an-email', name: '', role: 'emperor' },
      { bearer: admin },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { fields: { path: string }[] } };
    };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.fields.map((f) => f.path).sort()).toEqual(['email', 'name', 'role']);
    expect(body.error.message).toContain('email');
  });

  it.each([
    ['malformed JSON', 'POST', '/api/v1/users', '{"email": '],
    ['a JSON array', 'POST', '/api/v1/users', '[]'],
    ['a string', 'POST', '/api/v1/tokens', '"token"'],
    ['a too-long name', 'POST', '/api/v1/tokens', JSON.stringify({ name: 'x'.repeat(500) })],
    ['a negative expiry', 'POST', '/api/v1/tokens', JSON.stringify({ name: 'x', expiresInDays: -1 })],
    ['an empty patch', 'PATCH', '/api/v1/users/abc', '{}'],
    ['a huge limit', 'GET', '/api/v1/users?limit=100000', undefined],
    ['a bad cursor', 'GET', '/api/v1/users?cursor=@@@', undefined],
  ])('answers 400, never 500, for %s', async (_label, method, path, body) => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'owner' }));
    const res = await call(app(), method, path, body, { bearer: owner });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: {
        code: expect.stringMatching(/^(validation_failed|bad_request)$/),
        message: expect.any(String),
      },
    });
  });

  it('answers 413 for a body over 1 MiB and 404 for an unknown API route', async () => {
    const ws = await buildWorkspace(t.ctx);
    const owner = await buildToken(t.ctx, await buildUser(t.ctx, ws, { role: 'owner' }));
    const big = await call(
      app(),
      'POST',
      '/api/v1/tokens',
      { name: 'x'.repeat(2 * 1024 * 1024) },
      { bearer: owner },
    );
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    const missing = await call(app(), 'GET', '/api/v1/nothing-here', undefined, { bearer: owner });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('the web app', () => {
  // A built app as the build leaves it: hashed assets with Brotli and gzip copies beside them.
  const webDir = mkdtempSync(path.join(tmpdir(), 'rapport-web-'));
  afterAll(() => rmSync(webDir, { recursive: true, force: true }));
  mkdirSync(path.join(webDir, 'assets'));
  writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><div id="root"></div>');
  const script = `console.log(${JSON.stringify('rapport '.repeat(500))});`;
  writeFileSync(path.join(webDir, 'assets', 'app-Ab12.js'), script);
  writeFileSync(path.join(webDir, 'assets', 'app-Ab12.js.br'), brotliCompressSync(script));
  writeFileSync(path.join(webDir, 'assets', 'app-Ab12.js.gz'), gzipSync(script));
  const web = () => createApp(t.ctx, { webDir });
  const get = (p: string, encodings?: string) =>
    web().request(p, { headers: encodings ? { 'accept-encoding': encodings } : {} });

  it('sends a hashed asset compressed when the browser accepts it, cached for good', async () => {
    const res = await get('/assets/app-Ab12.js', 'gzip, deflate, br');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBeLessThan(script.length / 10);
    expect(brotliDecompressSync(body).toString()).toBe(script);

    const gz = await get('/assets/app-Ab12.js', 'gzip');
    expect(gz.headers.get('content-encoding')).toBe('gzip');

    const plain = await get('/assets/app-Ab12.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(script);
  });

  it('answers 404 for an asset the build does not have, and the app for any other page', async () => {
    const missing = await get('/assets/app-Old9.js', 'br');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('cache-control')).toBeNull();
    expect(await missing.text()).not.toContain('<div id="root">');

    const page = await get('/inbox/123');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(await page.text()).toContain('<div id="root">');
  });
});
