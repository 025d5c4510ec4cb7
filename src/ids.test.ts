import { describe, expect, it } from 'vitest';
import { newId, sha256 } from './ids.ts';

describe('newId', () => {
  it('produces RFC 9562 version-7 UUIDs', () => {
    expect(newId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('puts the creation time, in milliseconds, in the first 48 bits', () => {
    const at = new Date('2026-12-03T14:30:00.123Z');
    expect(Number.parseInt(newId(at).replace('-', '').slice(0, 12), 16)).toBe(at.getTime());
  });

  it('gives different ids at the same millisecond', () => {
    const at = new Date('2026-12-03T14:30:00.123Z');
    expect(new Set(Array.from({ length: 1000 }, () => newId(at))).size).toBe(1000);
  });

  it('sorts ids by their creation time', () => {
    const earlier = newId(new Date('2026-01-01T00:00:00Z'));
    const later = newId(new Date('2026-01-01T00:00:00.001Z'));
    expect(earlier < later).toBe(true);
  });
});

describe('sha256', () => {
  it('returns the hex digest', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
