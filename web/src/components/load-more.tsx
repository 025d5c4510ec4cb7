import { useState } from 'react';

type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * The "More …" button under a keyset-paged list: shown while there is a next page, it loads the
 * page after `cursor` (once at a time) and hands it to `onPage`.
 */
export function LoadMore<T>({
  cursor,
  label,
  load,
  onPage,
  onError,
}: {
  cursor: string | null;
  label: string;
  load(after: string): Promise<Page<T>>;
  onPage(page: Page<T>): void;
  onError(err: unknown): void;
}) {
  const [busy, setBusy] = useState(false);
  if (!cursor) return null;
  return (
    <button
      type="button"
      className="secondary load-more"
      disabled={busy}
      onClick={() => {
        setBusy(true);
        load(cursor)
          .then(onPage)
          .catch(onError)
          .finally(() => setBusy(false));
      }}
    >
      {label}
    </button>
  );
}
