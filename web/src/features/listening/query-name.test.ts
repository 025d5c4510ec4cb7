import { describe, expect, it } from 'vitest';
import type { ListeningQuery } from '../../api/listening.ts';
import { queryNamedLike } from './query-name.ts';

const query = (id: string, name: string): ListeningQuery => ({
  id,
  name,
  query: 'x',
  enabled: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

describe('queryNamedLike', () => {
  const brand = query('q1', 'Brand mentions');
  const delays = query('q2', 'Delays');
  const queries = [brand, delays];

  it('finds the query that has the name already, ignoring case and surrounding spaces', () => {
    expect(queryNamedLike(queries, '  brand MENTIONS ', null)).toBe(brand);
    expect(queryNamedLike(queries, 'Brand', null)).toBeUndefined();
    expect(queryNamedLike(queries, '   ', null)).toBeUndefined();
  });

  it('lets a query keep its own name, and be renamed to another that is free', () => {
    expect(queryNamedLike(queries, 'BRAND mentions', brand)).toBeUndefined();
    expect(queryNamedLike(queries, 'delays', brand)).toBe(delays);
    // An older duplicate (saved before names were checked) can still be saved under its name.
    const twin = query('q3', 'delays');
    expect(queryNamedLike([...queries, twin], 'delays', twin)).toBeUndefined();
  });
});
