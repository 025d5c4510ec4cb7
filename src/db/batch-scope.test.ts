import type { Transaction } from 'kysely';
import { describe, expect, it } from 'vitest';
import { batchScopeOf, inBatchScope, memoIn } from './batch-scope.ts';
import type { DB } from './schema.ts';

// The scope keys on the transaction object alone, so any object stands in for one here.
const fakeTransaction = () => ({}) as Transaction<DB>;

describe('batch scope', () => {
  it('loads a memo once inside a scope and every time outside one', async () => {
    const trx = fakeTransaction();
    let loads = 0;
    const load = async () => ++loads;
    expect(await memoIn(trx, 'k', load)).toBe(1);
    expect(await memoIn(trx, 'k', load)).toBe(2);
    await inBatchScope(trx, async () => {
      expect(await memoIn(trx, 'k', load)).toBe(3);
      expect(await memoIn(trx, 'k', load)).toBe(3);
      expect(await memoIn(trx, 'other', load)).toBe(4);
    });
    expect(await memoIn(trx, 'k', load)).toBe(5);
  });

  it('runs the registered end work once, in order, after the batch and before returning', async () => {
    const trx = fakeTransaction();
    const done: string[] = [];
    const result = await inBatchScope(trx, async () => {
      const scope = batchScopeOf(trx);
      scope?.beforeEnd('a', () => async () => void done.push('a'));
      scope?.beforeEnd('b', () => async () => void done.push('b'));
      scope?.beforeEnd('a', () => async () => void done.push('a again'));
      done.push('batch');
      return 'result';
    });
    expect(result).toBe('result');
    expect(done).toEqual(['batch', 'a', 'b']);
    expect(batchScopeOf(trx)).toBeUndefined();
  });

  it('skips the end work and drops the scope when the batch fails', async () => {
    const trx = fakeTransaction();
    const done: string[] = [];
    await expect(
      inBatchScope(trx, async () => {
        batchScopeOf(trx)?.beforeEnd('a', () => async () => void done.push('a'));
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
    expect(done).toEqual([]);
    expect(batchScopeOf(trx)).toBeUndefined();
  });
});
