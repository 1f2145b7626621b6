import { map, merge } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { materialize } from '../../../processors/materialize.js';
import { type JoinSide, streamStreamJoin } from '../../../processors/streamStreamJoin.js';
import { streamTableJoin } from '../../../processors/streamTableJoin.js';
import { JoinWindows } from '../../../processors/windows.js';
import { kvStore, rec, scheduler, windowStore } from './support.js';

describe('materialize + streamTableJoin (marbles)', () => {
  it('enriches stream records with the latest table value; a tombstone removes the key', () => {
    const prices = kvStore<string, number>('prices');
    scheduler().run(({ cold, expectObservable }) => {
      const table = cold('p---q---r', { p: rec('AAPL', 100), q: rec('AAPL', 101), r: rec('AAPL', null) });
      const orders = cold('-a-b--c-d', {
        a: rec('MSFT', 5),
        b: rec('AAPL', 10),
        c: rec('AAPL', 20),
        d: rec('AAPL', 1),
      });
      const joined = orders.pipe(
        streamTableJoin('JOIN-0000000003', {
          table: prices,
          joiner: (qty: number, px: number | undefined) => qty * (px ?? 0),
        }),
      );
      expectObservable(table.pipe(materialize('TABLE-SOURCE-0000000001', prices))).toBe('p---q---r', {
        p: rec('AAPL', 100),
        q: rec('AAPL', 101),
        r: rec('AAPL', null),
      });
      // inner join: MSFT has no price; d arrives after the tombstone
      expectObservable(joined).toBe('---b--c--', { b: rec('AAPL', 1000), c: rec('AAPL', 2020) });
    });
  });

  it('a left join keeps records with no table value', () => {
    const prices = kvStore<string, number>('prices');
    scheduler().run(({ cold, expectObservable }) => {
      const orders = cold('a', { a: rec('MSFT', 5) });
      const joined = orders.pipe(
        streamTableJoin('JOIN-0000000004', {
          table: prices,
          leftJoin: true,
          joiner: (qty: number, px: number | undefined) => ({ qty, px: px ?? null }),
        }),
      );
      expectObservable(joined).toBe('a', { a: rec('MSFT', { qty: 5, px: null }) });
    });
  });
});

describe('streamStreamJoin (marbles)', () => {
  it('joins records of both sides within the join window, carrying the later timestamp', () => {
    const left = windowStore<string, string>(1, 'left', true);
    const right = windowStore<string, number>(1, 'right', true);
    scheduler().run(({ cold, expectObservable }) => {
      const orders = cold('a-----c', { a: rec('o1', 'placed', 100), c: rec('o2', 'placed', 300) });
      const fills = cold('--b-d---e', {
        b: rec('o1', 10, 104),
        d: rec('o1', 20, 200),
        e: rec('o2', 30, 303),
      });
      const tagged = merge(
        orders.pipe(map((record): JoinSide<string, string, number> => ({ side: 'left', record }))),
        fills.pipe(map((record): JoinSide<string, string, number> => ({ side: 'right', record }))),
      );
      const joined = tagged.pipe(
        streamStreamJoin('JOIN-0000000005', {
          leftStore: left,
          rightStore: right,
          windows: JoinWindows.ofTimeDifferenceAndGrace(10, 1000),
          joiner: (status: string, qty: number) => `${status}:${qty}`,
        }),
      );
      // d (t=200) is 100 ms after a: outside the 10 ms window
      expectObservable(joined).toBe('--b-----e', {
        b: rec('o1', 'placed:10', 104),
        e: rec('o2', 'placed:30', 303),
      });
    });
  });

  it('drops records older than window + grace and purges expired entries', () => {
    const left = windowStore<string, string>(1, 'left', true);
    const right = windowStore<string, number>(1, 'right', true);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c', {
        a: { side: 'left', record: rec('k', 'x', 1000) },
        b: { side: 'right', record: rec('k', 1, 5000) },
        c: { side: 'right', record: rec('k', 2, 995) },
      } as Record<string, JoinSide<string, string, number>>);
      const joined = src.pipe(
        streamStreamJoin('JOIN-0000000006', {
          leftStore: left,
          rightStore: right,
          windows: JoinWindows.ofTimeDifferenceWithNoGrace(10),
          joiner: (l: string, r: number) => `${l}${r}`,
        }),
      );
      expectObservable(joined).toBe('-----');
    });
    // stream time 5000: the left entry at 1000 is past retention (20 ms)
    expect(left.size).toBe(0);
    expect(right.all().map((e) => e.key.window.start)).toEqual([5000]);
  });
});
