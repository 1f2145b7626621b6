import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../processors/aggregate.js';
import { count } from '../../../processors/count.js';
import { reduce } from '../../../processors/reduce.js';
import { kvStore, rec, scheduler } from './support.js';

describe('aggregate / count / reduce (marbles)', () => {
  it('count emits the running count per key and keeps it in the store', () => {
    const store = kvStore<string, number>();
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d|', {
        a: rec('AAPL', 1),
        b: rec('MSFT', 2),
        c: rec('AAPL', 3),
        d: rec('AAPL', null),
      });
      expectObservable(src.pipe(count<string, number | null>('COUNT-0000000001', { store }))).toBe(
        'a-b-c--|',
        {
          a: rec('AAPL', 1),
          b: rec('MSFT', 1),
          c: rec('AAPL', 2),
        },
      );
    });
    expect(store.all()).toEqual([
      { key: 'AAPL', value: 2 },
      { key: 'MSFT', value: 1 },
    ]);
  });

  it('aggregate folds values from the initializer and continues from a restored store', () => {
    const store = kvStore<string, { qty: number; notional: number }>();
    store.put('AAPL', { qty: 10, notional: 1000 });
    scheduler().run(({ cold, expectObservable }) => {
      const fills = cold('a-b|', {
        a: rec('AAPL', { qty: 5, px: 100 }),
        b: rec('MSFT', { qty: 1, px: 400 }),
      });
      const op = aggregate('AGGREGATE-0000000002', {
        store,
        initializer: () => ({ qty: 0, notional: 0 }),
        aggregator: (_k: string, f: { qty: number; px: number }, p) => ({
          qty: p.qty + f.qty,
          notional: p.notional + f.qty * f.px,
        }),
      });
      expectObservable(fills.pipe(op)).toBe('a-b|', {
        a: rec('AAPL', { qty: 15, notional: 1500 }),
        b: rec('MSFT', { qty: 1, notional: 400 }),
      });
    });
  });

  it('reduce stores the first value as is and combines the next ones', () => {
    const store = kvStore<string, number>();
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c|', { a: rec('AAPL', 101), b: rec('AAPL', 99), c: rec('AAPL', 105) });
      expectObservable(
        src.pipe(reduce('REDUCE-0000000003', { store, reducer: (hi, p) => Math.max(hi, p) })),
      ).toBe('a-b-c|', { a: rec('AAPL', 101), b: rec('AAPL', 101), c: rec('AAPL', 105) });
    });
  });
});
