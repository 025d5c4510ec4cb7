import { type ReactNode, useEffect, useRef, useState } from 'react';
import type { Page } from '../../api.ts';
import { LoadMore } from '../../components/load-more.tsx';
import { messageOf } from './communities-bits.tsx';

/**
 * A keyset-paged list: its first page, read again whenever `reloadKey` changes, then each next
 * page appended by the "More …" button. `error` says what could not be read; the page may set it
 * for its own actions on the list too.
 */
export function usePagedList<T>(
  load: (after?: string) => Promise<Page<T>>,
  loadError: string,
  reloadKey: unknown = null,
) {
  const [items, setItems] = useState<T[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState('');
  // The latest `load` (pages pass a new closure each render); only `reloadKey` says when to read again.
  const latestLoad = useRef(load);
  latestLoad.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: reloadKey is what asks for the first page again
  useEffect(() => {
    latestLoad
      .current()
      .then((p) => {
        setItems(p.items);
        setCursor(p.nextCursor);
      })
      .catch((err) => setError(messageOf(err, loadError)));
  }, [reloadKey, loadError]);
  const appendPage = (p: Page<T>) => {
    setItems((prev) => [...(prev ?? []), ...p.items]);
    setCursor(p.nextCursor);
  };
  return { items, setItems, cursor, error, setError, load, appendPage };
}

export type PagedList<T> = ReturnType<typeof usePagedList<T>>;

/** `item` in place of the one with its id, or first when the list does not hold it yet. */
export function upserted<T extends { id: string }>(list: T[] | null, item: T): T[] {
  return list?.some((x) => x.id === item.id)
    ? list.map((x) => (x.id === item.id ? item : x))
    : [item, ...(list ?? [])];
}

/** "Loading…" (unless there is an error), `empty` when there is nothing, else the items; then "More …". */
export function PagedItems<T>({
  list,
  empty,
  moreLabel,
  children,
}: {
  list: PagedList<T>;
  empty: string;
  moreLabel: string;
  children(items: T[]): ReactNode;
}) {
  const { items, error } = list;
  return (
    <>
      {items === null ? (
        !error && <p className="loading">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">{empty}</p>
      ) : (
        children(items)
      )}
      <LoadMore
        cursor={list.cursor}
        label={moreLabel}
        load={list.load}
        onPage={list.appendPage}
        onError={(err) => list.setError(messageOf(err, 'Could not load more.'))}
      />
    </>
  );
}
