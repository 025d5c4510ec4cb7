import { type Case, type CaseFilters, type CaseSort, casePriorities } from '../../api/inbox.ts';

type Ordered = Pick<Case, 'id' | 'number' | 'priority' | 'waitingSince' | 'sla'>;

/** The order a list with these filters has: the one named, else due first for the due-soon filter, else newest first. */
export const sortOf = (f: Pick<CaseFilters, 'sort' | 'dueWithinMinutes'>): CaseSort =>
  f.sort ?? (f.dueWithinMinutes !== undefined ? 'due' : 'newest');

/** The earliest due time of a case's running clocks (what the due order sorts by), or null. */
function dueOf(c: Ordered): string | null {
  let due: string | null = null;
  for (const s of c.sla ?? [])
    if (s.status === 'running' && s.dueAt && (due === null || s.dueAt < due)) due = s.dueAt;
  return due;
}

/**
 * The order the server lists cases in for `sort` (src/modules/inbox/case-lists.ts), so that cards
 * changed or added live take the place a fresh load would give them.
 */
export function compareCases(sort: CaseSort): (a: Ordered, b: Ordered) => number {
  switch (sort) {
    case 'oldest':
      return (a, b) => a.number - b.number;
    case 'priority':
      return (a, b) =>
        casePriorities.indexOf(a.priority) - casePriorities.indexOf(b.priority) || a.number - b.number;
    case 'waiting':
      return (a, b) => {
        const [x, y] = [a.waitingSince ?? null, b.waitingSince ?? null];
        if (x !== null && y !== null) return x < y ? -1 : x > y ? 1 : a.number - b.number;
        if (x !== null || y !== null) return x !== null ? -1 : 1;
        return b.number - a.number;
      };
    case 'due':
      // Only cases with a running clock are listed; one without (changed since) goes last.
      return (a, b) => {
        const [x, y] = [dueOf(a), dueOf(b)];
        if (x !== y) return x === null ? 1 : y === null ? -1 : x < y ? -1 : 1;
        return a.number - b.number;
      };
    default:
      return (a, b) => b.number - a.number;
  }
}

/**
 * The loaded cards with `card` put in its place (replacing its earlier copy). While more pages
 * remain (`more`), a card that sorts after the last loaded one is left for the page that holds
 * it, so that loading on neither skips nor repeats it.
 */
export function placeCard<C extends Ordered>(loaded: C[], card: C, sort: CaseSort, more: boolean): C[] {
  const cmp = compareCases(sort);
  const rest = loaded.filter((c) => c.id !== card.id);
  const last = rest[rest.length - 1];
  if (more && last && cmp(card, last) > 0) return rest;
  return [...rest, card].sort(cmp);
}

/** A further page joined to the loaded cards; a card that moved down into it is kept where the page has it. */
export function appendPage<C extends Ordered>(loaded: C[], page: C[]): C[] {
  const onPage = new Set(page.map((c) => c.id));
  return [...loaded.filter((c) => !onPage.has(c.id)), ...page];
}
