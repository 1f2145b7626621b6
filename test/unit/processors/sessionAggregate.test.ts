import { describe, expect, it } from 'vitest';
import { schedulerClock } from '../../../processors/schedulerClock.js';
import { sessionAggregate } from '../../../processors/sessionAggregate.js';
import { SessionWindows } from '../../../processors/windows.js';
import { rec, scheduler, sessionStore } from './support.js';

const counting = {
  initializer: () => 0,
  aggregator: (_k: string, _v: string, n: number) => n + 1,
  merger: (_k: string, a: number, b: number) => a + b,
};
const session = (key: string, start: number, end: number) => ({ key, window: { start, end } });

describe('sessionAggregate (marbles)', () => {
  it('extends a session within the gap, starts a new one after it, and merges bridged sessions', () => {
    const store = sessionStore<string, number>();
    scheduler().run(({ cold, expectObservable }) => {
      // gap 5: t=0 and t=4 share a session; t=20 starts another; t=16 (out of order) extends it back
      const src = cold('a-b-c-d', {
        a: rec('u', 'x', 0),
        b: rec('u', 'x', 4),
        c: rec('u', 'x', 20),
        d: rec('u', 'x', 16),
      });
      const op = sessionAggregate('SESSION-AGGREGATE-0000000001', {
        store,
        windows: SessionWindows.ofInactivityGapAndGrace(5, 100),
        ...counting,
      });
      expectObservable(src.pipe(op)).toBe('a-b-c-d', {
        a: rec(session('u', 0, 0), 1, 0),
        b: rec(session('u', 0, 4), 2, 4),
        c: rec(session('u', 20, 20), 1, 20),
        d: rec(session('u', 16, 20), 2, 16),
      });
    });
    expect(store.all().map((e) => [e.key.window, e.value])).toEqual([
      [{ start: 0, end: 4 }, 2],
      [{ start: 16, end: 20 }, 2],
    ]);
  });

  it('a record between two sessions merges them with the merger', () => {
    const store = sessionStore<string, number>();
    scheduler().run(({ cold, expectObservable }) => {
      const src = cold('a-b-c', { a: rec('u', 'x', 0), b: rec('u', 'x', 8), c: rec('u', 'x', 4) });
      const op = sessionAggregate('SESSION-AGGREGATE-0000000002', {
        store,
        windows: SessionWindows.ofInactivityGapAndGrace(5, 100),
        ...counting,
      });
      expectObservable(src.pipe(op)).toBe('a-b-c', {
        a: rec(session('u', 0, 0), 1, 0),
        b: rec(session('u', 8, 8), 1, 8),
        c: rec(session('u', 0, 8), 3, 4),
      });
    });
    expect(store.size).toBe(1);
  });

  it("emit 'onWindowClose' emits a session once when wall-clock passes end + gap + grace", () => {
    const store = sessionStore<string, number>();
    const s = scheduler();
    s.run(({ cold, expectObservable }) => {
      const src = cold('a-b', { a: rec('u', 'x', 0), b: rec('u', 'x', 2) });
      const op = sessionAggregate('SESSION-AGGREGATE-0000000003', {
        store,
        windows: SessionWindows.ofInactivityGapAndGrace(5, 3),
        emit: 'onWindowClose',
        wallClock: schedulerClock(s),
        ...counting,
      });
      // closes at 2 + 5 + 3 = 10
      expectObservable(src.pipe(op), '^ 30ms !').toBe('10ms x', {
        x: { key: session('u', 0, 2), value: 2, timestamp: 2, headers: {} },
      });
    });
  });
});
