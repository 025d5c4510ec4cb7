import { z } from '@hono/zod-openapi';
import { AppError } from './errors.ts';

/** Query parameters shared by every list endpoint: keyset pagination, never OFFSET. */
export const pageQuery = z.object({
  cursor: z.string().max(200).optional().openapi({ description: 'Opaque cursor from the previous page' }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export type PageQuery = z.infer<typeof pageQuery>;

export type Page<T> = { items: T[]; nextCursor: string | null };

export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify([key])).toString('base64url');
}

export function decodeCursor(cursor: string): string | number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && (typeof parsed[0] === 'string' || typeof parsed[0] === 'number')) {
      return parsed[0];
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'Invalid cursor', {
    fields: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

/** A cursor over several columns (e.g. `[time, id]` when times can tie), opaque like the rest. */
export function encodeKeyCursor(key: readonly (string | number | null)[]): string {
  return encodeCursor(JSON.stringify(key));
}

/** The key of an `encodeKeyCursor` cursor when `valid` accepts it; otherwise the usual 400. */
export function decodeKeyCursor<K extends unknown[]>(cursor: string, valid: (key: unknown[]) => key is K): K {
  try {
    const parsed: unknown = JSON.parse(String(decodeCursor(cursor)));
    if (Array.isArray(parsed) && valid(parsed)) return parsed;
  } catch {
    // fall through to the error below
  }
  throw new AppError('validation_failed', 'Invalid cursor', {
    fields: [{ path: 'cursor', message: 'Invalid cursor' }],
  });
}

/**
 * Builds a page from `limit + 1` fetched rows: the extra row only says whether there is more. A
 * key of several columns makes an `encodeKeyCursor` cursor (read back with `decodeKeyCursor`).
 */
export function toPage<Row, T>(
  rows: Row[],
  limit: number,
  key: (row: Row) => string | number | readonly (string | number)[],
  map: (row: Row) => T,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const cursorOf = (k: string | number | readonly (string | number)[]) =>
    typeof k === 'object' ? encodeKeyCursor(k) : encodeCursor(k);
  return {
    items: items.map(map),
    nextCursor: rows.length > limit && last !== undefined ? cursorOf(key(last)) : null,
  };
}
