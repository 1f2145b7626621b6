import { describe, expect, it } from 'vitest';
import { LaneLatency, newHistogram, SequenceTracker, summarize } from '../../../bench/lib/latency.js';

describe('latency percentiles', () => {
  it('gives exact percentiles of 1..1000 ms (3 significant digits cover them)', () => {
    const h = newHistogram();
    for (let v = 1; v <= 1000; v++) h.recordValue(v);
    expect(summarize(h)).toEqual({ count: 1000, p50: 500, p99: 990, p999: 999, max: 1000, mean: 500.5 });
  });

  it('reports a tail that a mean hides', () => {
    const h = newHistogram();
    for (let i = 0; i < 980; i++) h.recordValue(2);
    for (let i = 0; i < 20; i++) h.recordValue(400);
    const s = summarize(h)!;
    expect(s.p50).toBe(2);
    expect(s.p99).toBe(400);
    expect(s.mean).toBeCloseTo(9.96, 1);
  });

  it('is empty-safe and keeps lanes apart; sub-millisecond values count as 1 ms', () => {
    expect(summarize(newHistogram())).toBeUndefined();
    const lanes = new LaneLatency();
    lanes.record('CRITICAL', 0.2);
    lanes.record('CRITICAL', 3);
    lanes.record('BACKGROUND', 250);
    const s = lanes.summary();
    expect(Object.keys(s)).toEqual(['CRITICAL', 'BACKGROUND']);
    expect(s.CRITICAL).toMatchObject({ count: 2, p50: 1, max: 3 });
    expect(s.BACKGROUND?.p99).toBe(250);
    lanes.reset();
    expect(lanes.summary()).toEqual({});
  });

  it('clamps values above the trackable range instead of throwing', () => {
    const lanes = new LaneLatency();
    lanes.record('HIGH', 10_000_000);
    expect(lanes.summary().HIGH?.max).toBeGreaterThanOrEqual(599_000);
  });
});

describe('SequenceTracker', () => {
  it('counts distinct numbers, duplicates and what is missing', () => {
    const t = new SequenceTracker(10);
    for (const s of [0, 1, 2, 2, 5, 9, 9, 9]) t.mark(s);
    expect(t.distinct).toBe(5);
    expect(t.duplicates).toBe(3);
    expect(t.missingIn(0, 10)).toBe(5);
    expect(t.missingIn(0, 3)).toBe(0);
  });

  it('does not count numbers it cannot track as received', () => {
    const t = new SequenceTracker(4);
    for (const s of [-1, 4, 1.5, Number.NaN]) t.mark(s);
    expect(t.distinct).toBe(0);
    expect(t.outOfRange).toBe(4);
  });
});
