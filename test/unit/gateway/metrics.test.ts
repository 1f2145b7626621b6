import { describe, expect, it } from 'vitest';
import { GatewayMetrics, LAG_BUCKETS_MS, LagHistogram } from '../../../gateway/metrics.js';

describe('gateway metrics', () => {
  it('buckets broadcast lag and reports bucket-bound quantiles', () => {
    const h = new LagHistogram();
    for (const ms of [0, 1, 3, 3, 4, 8, 20, 20, 40, 20_000]) h.observe(ms);
    expect(h.total).toBe(10);
    expect(h.counts[0]).toBe(2); // ≤ 1 ms
    expect(h.counts[LAG_BUCKETS_MS.length]).toBe(1); // beyond the last bound
    expect(h.quantile(0.5)).toBe(5);
    expect(h.quantile(0.99)).toBe(Number.POSITIVE_INFINITY);
    expect(new LagHistogram().quantile(0.5)).toBe(0);
  });

  it('snapshots plain copies of every counter', () => {
    const m = new GatewayMetrics();
    m.refused('RATE_LIMITED');
    m.refused('RATE_LIMITED');
    m.deliveries.CRITICAL++;
    m.broadcastLag.CRITICAL.observe(7);
    const s = m.snapshot();
    m.deliveries.CRITICAL++;
    expect(s.refusals).toEqual({ RATE_LIMITED: 2 });
    expect(s.deliveries.CRITICAL).toBe(1);
    expect(s.broadcastLagMs.CRITICAL).toMatchObject({ p50: 10, p99: 10 });
  });
});
