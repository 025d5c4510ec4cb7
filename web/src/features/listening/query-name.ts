import type { ListeningQuery } from '../../api/listening.ts';

/** How the service compares query names: "Brand ", "brand" and "BRAND" are one name. */
export function queryNameKey(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

/**
 * The other query that already has `name`, if any, so the editor can say so before saving. Like
 * the service, it lets a query keep its own name (even one it shares with an older duplicate).
 */
export function queryNamedLike(
  queries: readonly ListeningQuery[],
  name: string,
  editing: ListeningQuery | null,
): ListeningQuery | undefined {
  const key = queryNameKey(name);
  if (key === '' || (editing && queryNameKey(editing.name) === key)) return undefined;
  return queries.find((q) => q.id !== editing?.id && queryNameKey(q.name) === key);
}
