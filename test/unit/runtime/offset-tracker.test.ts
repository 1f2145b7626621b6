import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../../runtime/engine/offset-tracker.js';

describe('OffsetTracker', () => {
  it('never commits past an unfinished record', () => {
    const t = new OffsetTracker();
    for (const o of [10, 11, 12, 13]) t.begin('p0', o);
    t.finish('p0', 11);
    t.finish('p0', 13);
    expect(t.committable('p0')).toBe(10);
    t.finish('p0', 10);
    expect(t.committable('p0')).toBe(12);
    t.finish('p0', 12);
    expect(t.committable('p0')).toBe(14);
  });

  it('reports an offset only when it moved since the last commit', () => {
    const t = new OffsetTracker();
    t.begin('p0', 0);
    t.finish('p0', 0);
    expect(t.committable('p0')).toBe(1);
    t.markCommitted('p0', 1);
    expect(t.committable('p0')).toBeUndefined();
    t.begin('p0', 1);
    expect(t.committable('p0')).toBeUndefined();
    t.finish('p0', 1);
    expect(t.committable('p0')).toBe(2);
  });

  it('keeps partitions apart and forgets revoked ones', () => {
    const t = new OffsetTracker();
    t.begin('a', 5);
    t.begin('b', 7);
    t.finish('b', 7);
    expect(t.committable('a')).toBe(5);
    expect(t.committable('b')).toBe(8);
    expect(t.inFlight('a')).toBe(1);
    t.forget('a');
    expect(t.committable('a')).toBeUndefined();
    expect(t.partitions()).toEqual(['b']);
  });

  it('ignores a late finish of a revoked partition or an abandoned record', () => {
    const t = new OffsetTracker();
    for (const o of [5, 6]) t.begin('a', o);
    t.forget('a');
    t.finish('a', 5);
    expect(t.committable('a')).toBeUndefined();
    expect(t.partitions()).toEqual([]);
    t.begin('b', 1);
    t.begin('b', 2);
    t.abandon('b', [2]);
    t.finish('b', 2);
    expect(t.committable('b')).toBe(1);
    t.finish('b', 1);
    expect(t.committable('b')).toBe(2);
  });

  it('agrees with a plain model over 20,000 records finished out of order, abandoned and read again', () => {
    // The model: the set of pending offsets; committable = the lowest pending, else one past the
    // highest finished, unless that is what was last committed.
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const t = new OffsetTracker();
    const pending = new Set<number>();
    let highest: number | undefined;
    let next = 0;
    let committed: number | undefined;
    const model = () =>
      pending.size > 0 ? Math.min(...pending) : highest === undefined ? undefined : highest + 1;
    for (let step = 0; step < 20_000; step++) {
      const r = random();
      if (r < 0.5 || pending.size === 0) {
        t.begin('p', next);
        pending.add(next++);
      } else if (r < 0.97) {
        // Mostly the oldest, sometimes any pending one.
        const list = [...pending];
        const o = random() < 0.7 ? Math.min(...list) : list[Math.floor(random() * list.length)]!;
        t.finish('p', o);
        pending.delete(o);
        highest = highest === undefined ? o : Math.max(highest, o);
      } else {
        // Abandon the newest few and read them again.
        const list = [...pending].sort((a, b) => a - b).slice(-3);
        t.abandon('p', list);
        for (const o of list) pending.delete(o);
        next = list[0]!;
      }
      t.finish('p', -1); // never begun: no effect
      expect(t.inFlight('p')).toBe(pending.size);
      const c = t.committable('p');
      const expected = model();
      expect(c).toBe(expected === committed ? undefined : expected);
      if (c !== undefined && random() < 0.1) {
        committed = c;
        t.markCommitted('p', c);
      }
    }
  });

  it('keeps its place across a long run finished in order (the finished prefix is dropped)', () => {
    const t = new OffsetTracker();
    for (let o = 100; o < 10_100; o++) t.begin('p', o);
    for (let o = 100; o < 5_200; o++) t.finish('p', o);
    expect(t.committable('p')).toBe(5_200);
    expect(t.inFlight('p')).toBe(4_900);
    t.finish('p', 9_000);
    t.finish('p', 5_100); // already finished
    expect(t.inFlight('p')).toBe(4_899);
    for (let o = 5_200; o < 9_000; o++) t.finish('p', o);
    expect(t.committable('p')).toBe(9_001);
    for (let o = 9_001; o < 10_100; o++) t.finish('p', o);
    expect(t.committable('p')).toBe(10_100);
    expect(t.inFlight('p')).toBe(0);
  });
});
