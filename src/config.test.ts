import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, withSecretKey } from './config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, logLevel: 'info' });
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the NATS server and stream the ingest log travels through, none by default', () => {
    expect(loadConfig({})).toMatchObject({ natsUrl: undefined, natsStream: 'RAPPORT_INGEST' });
    expect(
      loadConfig({ NATS_URL: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222', NATS_STREAM: 'ACME_INGEST' }),
    ).toMatchObject({ natsUrl: 'nats://10.0.0.5:4222,nats://10.0.0.6:4222', natsStream: 'ACME_INGEST' });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).databaseUrl).toBeUndefined();
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ SECRET_KEY: 'short' }, 'SECRET_KEY'],
    [{ NATS_URL: 'http://127.0.0.1:4222' }, 'NATS_URL'],
    [{ NATS_STREAM: 'rapport.ingest' }, 'NATS_STREAM'],
  ])('rejects %o with a message naming %s', (env, variable) => {
    expect(() => loadConfig(env)).toThrow(new RegExp(`${variable}:`));
  });
});

describe('withSecretKey', () => {
  it('generates a key in the data dir on first run, readable only by the owner, and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rapport-config-'));
    const first = withSecretKey(loadConfig({ DATA_DIR: dir }));
    const file = path.join(dir, 'secret.key');
    expect(first.secretKey).toBe(readFileSync(file, 'utf8'));
    expect((first.secretKey ?? '').length).toBeGreaterThanOrEqual(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(withSecretKey(loadConfig({ DATA_DIR: dir })).secretKey).toBe(first.secretKey);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prefers SECRET_KEY from the environment', () => {
    const key = 'k'.repeat(40);
    expect(withSecretKey(loadConfig({ SECRET_KEY: key })).secretKey).toBe(key);
  });
});
