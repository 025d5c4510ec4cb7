import { type ReactNode, useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api.ts';

/** An item of a list that runs top to bottom, the first that applies winning: routing rules, SLA policies. */
export type OrderedItem = { id: string; name: string; enabled: boolean };

/** How a page reads, reorders and switches its items on the API. */
export type OrderedStore<T extends OrderedItem> = {
  load(): Promise<{ items: T[] }>;
  reorder(ids: string[]): Promise<{ items: T[] }>;
  /** Saves the item unchanged but for `enabled`. */
  setEnabled(item: T, enabled: boolean): Promise<T>;
  /** Said when the list cannot be read and the API gave no reason. */
  loadError: string;
};

export type OrderedListState<T extends OrderedItem> = ReturnType<typeof useOrderedList<T>>;

/**
 * The list, the item being edited (or 'new'), and the page's error and status lines, with moving
 * an item up or down and switching it on or off. `store` must be stable (defined at module level):
 * the list is read again whenever it changes.
 */
export function useOrderedList<T extends OrderedItem>(store: OrderedStore<T>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [editing, setEditing] = useState<T | 'new' | null>(null);
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');

  const reload = useCallback(async () => {
    try {
      setItems((await store.load()).items);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : store.loadError);
    }
  }, [store]);
  useEffect(() => {
    void reload();
  }, [reload]);

  async function move(index: number, delta: number) {
    if (!items) return;
    const ids = items.map((x) => x.id);
    const [id] = ids.splice(index, 1);
    if (!id) return;
    ids.splice(index + delta, 0, id);
    setError('');
    try {
      setItems((await store.reorder(ids)).items);
      setMessage(
        `“${items[index]?.name}” moved ${delta < 0 ? 'up' : 'down'} to position ${index + delta + 1}.`,
      );
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not reorder.');
    }
  }

  async function toggle(item: T) {
    setError('');
    try {
      const saved = await store.setEnabled(item, !item.enabled);
      setItems((prev) => prev?.map((x) => (x.id === saved.id ? saved : x)) ?? prev);
      setMessage(`“${saved.name}” ${saved.enabled ? 'enabled' : 'disabled'}.`);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not save.');
    }
  }

  /** The editor closed: say what it did, if anything, and read the list again. */
  function doneEditing(text?: string) {
    setEditing(null);
    if (text) setMessage(text);
    void reload();
  }

  return { items, editing, setEditing, error, message, setMessage, move, toggle, doneEditing };
}

/** The page's error (an alert, only when there is one) and status line (always there, for screen readers). */
export function OrderedListMessages({ error, message }: { error: string; message: string }) {
  return (
    <>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <p role="status" className="success-inline">
        {message}
      </p>
    </>
  );
}

/**
 * The editor (or the "New …" button) above the numbered list, each item with its Enabled switch,
 * up and down buttons and Edit for managers, or its state for the others.
 */
export function OrderedList<T extends OrderedItem>({
  list,
  canManage,
  label,
  empty,
  newLabel,
  editor,
  children,
}: {
  list: OrderedListState<T>;
  canManage: boolean;
  /** The list's accessible name, saying in what order it runs. */
  label: string;
  /** Said when there is no item yet. */
  empty: string;
  newLabel: string;
  /** The editor of `item`, or of a new one when null. */
  editor(item: T | null): ReactNode;
  /** What the item says of itself, beside its position. */
  children(item: T): ReactNode;
}) {
  const { items, editing, setEditing, move, toggle } = list;
  return (
    <>
      {editing
        ? editor(editing === 'new' ? null : editing)
        : canManage && (
            <div className="row">
              <button type="button" onClick={() => setEditing('new')}>
                {newLabel}
              </button>
            </div>
          )}
      {items === null ? (
        <p className="muted">Loading…</p>
      ) : items.length === 0 ? (
        <p className="notice">{empty}</p>
      ) : (
        <ol className="rule-list" aria-label={label}>
          {items.map((item, i) => (
            <li key={item.id} className={item.enabled ? 'card rule-item' : 'card rule-item off'}>
              <span className="rule-position" aria-hidden="true">
                {i + 1}
              </span>
              <div className="rule-main">{children(item)}</div>
              {canManage ? (
                <div className="rule-controls">
                  <label className="check">
                    <input type="checkbox" checked={item.enabled} onChange={() => void toggle(item)} />
                    Enabled<span className="visually-hidden">: {item.name}</span>
                  </label>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === 0}
                    aria-label={`Move ${item.name} up`}
                    onClick={() => void move(i, -1)}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="secondary compact"
                    disabled={i === items.length - 1}
                    aria-label={`Move ${item.name} down`}
                    onClick={() => void move(i, 1)}
                  >
                    ↓
                  </button>
                  <button type="button" className="secondary compact" onClick={() => setEditing(item)}>
                    Edit<span className="visually-hidden"> {item.name}</span>
                  </button>
                </div>
              ) : (
                <span className={item.enabled ? 'pill ok' : 'pill off'}>
                  {item.enabled ? 'enabled' : 'disabled'}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
