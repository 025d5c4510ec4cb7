import { describe, expect, it } from 'vitest';
import { publicRouteMatcher } from './authenticate.ts';

describe('publicRouteMatcher', () => {
  const isPublic = publicRouteMatcher(['POST /api/v1/ingest/{connectorId}', 'POST /api/v1/auth/login']);

  it('matches exact paths and one segment per parameter, for the given method only', () => {
    expect(isPublic('POST', '/api/v1/auth/login')).toBe(true);
    expect(isPublic('POST', '/api/v1/ingest/0190-abc')).toBe(true);
    expect(isPublic('GET', '/api/v1/ingest/0190-abc')).toBe(false);
    expect(isPublic('POST', '/api/v1/ingest/a/b')).toBe(false);
    expect(isPublic('POST', '/api/v1/ingest/')).toBe(false);
    expect(isPublic('POST', '/api/v1/auth/loginx')).toBe(false);
    expect(isPublic('POST', '/api/v1/auth/login/')).toBe(false);
  });
});
