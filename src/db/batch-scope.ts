import type { Transaction } from 'kysely';
import type { DB } from './schema.ts';

/**
 * A transaction that does the same small steps for many items (routing a batch of 1,000 posts).
 * Inside it, reads that cannot change before it ends are made once (`memo`), and writes that
 * nothing in it reads back (feed events) are held and written together just before it commits
 * (`beforeEnd`). Each statement is a round trip, and on PostgreSQL the round trips, not the
 * work, were most of routing's cost.
 *
 * Code shared with ordinary requests asks `batchScopeOf(trx)` and behaves as before when the
 * transaction has no scope.
 */
export type BatchScope = {
  /** `load()` once per key for the rest of the transaction. */
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
  /** Work to finish inside the transaction after the batch's own, in the order registered. */
  beforeEnd(key: string, create: () => () => Promise<void>): void;
  /** State a module keeps for the length of the transaction (e.g. the held feed events). */
  state<T>(key: string, create: () => T): T;
};

const scopes = new WeakMap<Transaction<DB>, BatchScope>();

/** The scope `trx` was opened with by `inBatchScope`, if any. */
export function batchScopeOf(trx: unknown): BatchScope | undefined {
  return scopes.get(trx as Transaction<DB>);
}

/**
 * Runs `work` with a batch scope on `trx`, then the work the scope collected (still inside the
 * transaction, so a failure there rolls everything back like any other statement's).
 */
export async function inBatchScope<T>(trx: Transaction<DB>, work: () => Promise<T>): Promise<T> {
  const memos = new Map<string, Promise<unknown>>();
  const states = new Map<string, unknown>();
  const finish = new Map<string, () => Promise<void>>();
  scopes.set(trx, {
    memo: <V>(key: string, load: () => Promise<V>) => {
      let p = memos.get(key);
      if (!p) {
        p = load();
        memos.set(key, p);
      }
      return p as Promise<V>;
    },
    beforeEnd: (key, create) => {
      if (!finish.has(key)) finish.set(key, create());
    },
    state: <V>(key: string, create: () => V) => {
      if (!states.has(key)) states.set(key, create());
      return states.get(key) as V;
    },
  });
  try {
    const result = await work();
    for (const end of finish.values()) await end();
    return result;
  } finally {
    scopes.delete(trx);
  }
}

/** `load()` once per key in a batch-scoped transaction; every time elsewhere. */
export function memoIn<T>(trx: unknown, key: string, load: () => Promise<T>): Promise<T> {
  const scope = batchScopeOf(trx);
  return scope ? scope.memo(key, load) : load();
}
