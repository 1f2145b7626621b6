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
});
