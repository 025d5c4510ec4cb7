import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds then random bits, so ids sort by creation time
 * and keyset pagination over `id` follows insertion order. The random part is a v4 UUID's
 * (Node draws those from a cached pool of secure random bytes: a quarter of the cost of
 * `randomBytes` per id); its variant bits are already the ones v7 needs.
 */
export function newId(now: Date = new Date()): string {
  const ms = now.getTime().toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8, 12)}-7${randomUUID().slice(15)}`;
}

/** A URL-safe secret with `bytes` bytes of entropy. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex digest: enough for high-entropy secrets (session ids, API tokens), not for passwords. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
