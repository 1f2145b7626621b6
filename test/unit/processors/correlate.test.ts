import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../core/clock.js';
import { correlate, type OpenChain } from '../../../processors/correlate.js';
import { schedulerClock } from '../../../processors/schedulerClock.js';
import { kvStore, rec, scheduler } from './support.js';

interface Ev {
  type: string;
  cid: string;
}
const ev = (type: string, cid: string): Ev => ({ type, cid });

function op(store = kvStore<string, OpenChain<Ev>>('chains'), clock: Clock) {
  return correlate<string, Ev>('CORRELATE-0000000001', {
    store,
    clock,
    correlationIdOf: (e) => e.cid,
    isComplete: (events) => events.at(-1)?.type === 'PNL_CHANGE',
    inactivityTimeoutMs: 100,
  });
}

describe('correlate (marbles)', () => {
  it('emits a chain when the completion rule holds', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const placed = ev('ORDER_PLACED', 'c1');
      const filled = ev('ORDER_FILLED', 'c1');
      const other = ev('ORDER_PLACED', 'c2');
      const pnl = ev('PNL_CHANGE', 'c1');
      const src = cold('a-b-c-d', {
        a: rec('AAPL', placed, 1),
        b: rec('u1', other, 2),
        c: rec('AAPL', filled, 3),
        d: rec('u1', pnl, 4),
      });
      expectObservable(src.pipe(op(undefined, schedulerClock(s))), '^ 50ms !').toBe('------x', {
        x: {
          key: 'c1',
          value: {
            correlationId: 'c1',
            events: [placed, filled, pnl],
            status: 'completed',
            startedAt: 0,
            closedAt: 6,
          },
          timestamp: 4,
          headers: {},
        },
      });
    });
  });

  it('closes a chain by inactivity on wall-clock time, with no further record', () => {
    const s = scheduler();
    const store = kvStore<string, OpenChain<Ev>>('chains');
    s.run(({ cold, expectObservable }) => {
      const placed = ev('ORDER_PLACED', 'c1');
      const filled = ev('ORDER_FILLED', 'c1');
      // last activity at frame 10 → deadline 110; the source stays silent (never completes)
      const src = cold('a 9ms b', { a: rec('AAPL', placed, 0), b: rec('AAPL', filled, 10) });
      expectObservable(src.pipe(op(store, schedulerClock(s))), '^ 500ms !').toBe('110ms x', {
        x: {
          key: 'c1',
          value: {
            correlationId: 'c1',
            events: [placed, filled],
            status: 'timedOut',
            startedAt: 0,
            closedAt: 110,
          },
          timestamp: 110,
          headers: {},
        },
      });
    });
    expect(store.size).toBe(0);
  });

  it('times chains out in deadline order, each on its own schedule', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const src = cold('a 19ms b 9ms c', {
        a: rec('k', ev('ORDER_PLACED', 'c1'), 0),
        b: rec('k', ev('ORDER_PLACED', 'c2'), 20),
        c: rec('k', ev('ORDER_FILLED', 'c1'), 30),
      });
      // c2 idle since 20 → 120; c1 idle since 30 → 130
      const keys = src.pipe(op(undefined, schedulerClock(s))).pipe(map((r) => r.key));
      expectObservable(keys, '^ 500ms !').toBe('120ms x 9ms y', { x: 'c2', y: 'c1' });
    });
  });

  it('re-arms timeouts for chains restored from the changelog', () => {
    const s = scheduler();
    const store = kvStore<string, OpenChain<Ev>>('chains');
    const changelog: [Buffer, Buffer | null][] = [];
    store.onChange((k, v) => changelog.push([k, v]));
    store.put('c9', {
      correlationId: 'c9',
      events: [ev('ORDER_PLACED', 'c9')],
      startedAt: 0,
      lastActivityAt: 0,
    });
    // replay the changelog into a fresh store, as the runtime does on rebalance
    const restored = kvStore<string, OpenChain<Ev>>('chains');
    for (const [k, v] of changelog) restored.restore(k, v);
    s.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('-').pipe(op(restored, schedulerClock(s))), '^ 200ms !').toBe('100ms x', {
        x: {
          key: 'c9',
          value: {
            correlationId: 'c9',
            events: [ev('ORDER_PLACED', 'c9')],
            status: 'timedOut',
            startedAt: 0,
            closedAt: 100,
          },
          timestamp: 100,
          headers: {},
        },
      });
    });
  });

  it('skips records without a correlation id', () => {
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const src = cold('a', { a: rec('k', ev('ORDER_PLACED', ''), 0) });
      expectObservable(src.pipe(op(undefined, schedulerClock(s))), '^ 500ms !').toBe('');
    });
  });
});
