import { describe, expect, it } from 'vitest';
import { schedulerClock } from '../../../processors/schedulerClock.js';
import { windowedAggregate } from '../../../processors/windowedAggregate.js';
import { TimeWindows } from '../../../processors/windows.js';
import { rec, scheduler, windowStore } from './support.js';

const sum = { initializer: () => 0, aggregator: (_k: string, v: number, acc: number) => acc + v };
const win = (key: string, start: number, size: number) => ({ key, window: { start, end: start + size } });

describe('windowedAggregate (marbles)', () => {
  it('TimeWindows computes tumbling and hopping window starts', () => {
    expect(TimeWindows.ofSizeWithNoGrace(10).windowStartsFor(25)).toEqual([20]);
    expect(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowStartsFor(25)).toEqual([20, 25]);
    expect(TimeWindows.ofSizeWithNoGrace(10).advanceBy(5).windowStartsFor(3)).toEqual([0]);
    expect(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11)).toThrow(/must not exceed the window size/);
  });

  it('tumbling windows emit every update by default and drop late records after grace', () => {
    const store = windowStore<string, number>(10);
    scheduler().run(({ cold, expectObservable }) => {
      // event times: 1, 4 (window 0), 12 (window 10), 3 (late: window 0 closed at 10 + grace 1 <= 12)
      const src = cold('a-b-c-d|', {
        a: rec('K', 1, 1),
        b: rec('K', 2, 4),
        c: rec('K', 5, 12),
        d: rec('K', 7, 3),
      });
      const op = windowedAggregate('WINDOW-AGGREGATE-0000000001', {
        store,
        windows: TimeWindows.ofSizeAndGrace(10, 1),
        ...sum,
      });
      expectObservable(src.pipe(op)).toBe('a-b-c--|', {
        a: rec(win('K', 0, 10), 1, 1),
        b: rec(win('K', 0, 10), 3, 4),
        c: rec(win('K', 10, 10), 5, 12),
      });
    });
    // the closed window was removed from the store
    expect(store.all().map((e) => e.key.window.start)).toEqual([10]);
  });

  it('hopping windows update every window containing the record', () => {
    const store = windowStore<string, number>(10);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a', { a: rec('K', 1, 7) });
      const op = windowedAggregate('WINDOW-AGGREGATE-0000000002', {
        store,
        windows: TimeWindows.ofSizeWithNoGrace(10).advanceBy(5),
        ...sum,
      });
      expectObservable(src.pipe(op)).toBe('(ab)', {
        a: rec(win('K', 0, 10), 1, 7),
        b: rec(win('K', 5, 10), 1, 7),
      });
    });
  });

  it("emit 'onWindowClose' emits only the final result, when stream time passes end + grace", () => {
    const store = windowStore<string, number>(10);
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c-d', {
        a: rec('K', 1, 1),
        b: rec('J', 2, 5),
        c: rec('K', 4, 9),
        d: rec('K', 8, 13),
      });
      const op = windowedAggregate('WINDOW-AGGREGATE-0000000003', {
        store,
        windows: TimeWindows.ofSizeAndGrace(10, 2),
        emit: 'onWindowClose',
        ...sum,
      });
      // window [0,10) closes at 10 + grace 2 = 12: d (t=13) passes it, emitting both keys' finals
      expectObservable(src.pipe(op)).toBe('------(xy)', {
        x: { key: win('J', 0, 10), value: 2, timestamp: 9, headers: {} },
        y: { key: win('K', 0, 10), value: 5, timestamp: 9, headers: {} },
      });
    });
  });

  it('closes windows on wall-clock time with no further input when given a clock', () => {
    const store = windowStore<string, number>(10);
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      // records at virtual times 0 and 3 carry event times 0 and 3; window [0,10) + grace 2 closes at t=12
      const src = cold('a--b', { a: rec('K', 1, 0), b: rec('K', 2, 3) });
      const op = windowedAggregate('WINDOW-AGGREGATE-0000000004', {
        store,
        windows: TimeWindows.ofSizeAndGrace(10, 2),
        emit: 'onWindowClose',
        wallClock: schedulerClock(s),
        ...sum,
      });
      expectObservable(src.pipe(op), '^ 50ms !').toBe('12ms x', {
        x: { key: win('K', 0, 10), value: 3, timestamp: 9, headers: {} },
      });
    });
    expect(store.size).toBe(0);
  });

  it('restored windows close on schedule after a restart', () => {
    const store = windowStore<string, number>(10);
    store.put('K', 0, 42);
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const op = windowedAggregate('WINDOW-AGGREGATE-0000000005', {
        store,
        windows: TimeWindows.ofSizeWithNoGrace(10),
        emit: 'onWindowClose',
        wallClock: schedulerClock(s),
        ...sum,
      });
      expectObservable(cold<never>('-').pipe(op), '^ 20ms !').toBe('10ms x', {
        x: { key: win('K', 0, 10), value: 42, timestamp: 9, headers: {} },
      });
    });
  });
});
