import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from './crypto.ts';

const key = 'k'.repeat(40);

describe('secrets at rest', () => {
  it('round-trips and never stores the plaintext', () => {
    const stored = encryptSecret(key, 'mastodon-token-123');
    expect(stored).not.toContain('mastodon-token-123');
    expect(decryptSecret(key, stored)).toBe('mastodon-token-123');
    expect(encryptSecret(key, 'same')).not.toBe(encryptSecret(key, 'same'));
  });

  it('refuses a different key and a tampered value', () => {
    const stored = encryptSecret(key, 'secret');
    expect(() => decryptSecret('x'.repeat(40), stored)).toThrow(/SECRET_KEY/);
    const parts = stored.split('.');
    const tampered = [...parts.slice(0, 3), Buffer.from('other').toString('base64url')].join('.');
    expect(() => decryptSecret(key, tampered)).toThrow(/cannot be decrypted/);
  });
});
