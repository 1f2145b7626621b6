import { describe, expect, it } from 'vitest';
import { parseConsumerPerformance, parseProducerPerformance } from '../../../bench/lib/perf-tools.js';

// Captured from kafka-tools 4.3.1 on the development broker.
const PRODUCER_OUTPUT = `Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.
SLF4J: Failed to load class "org.slf4j.impl.StaticLoggerBinder".
149311 records sent, 29862.2 records/sec (5.70 MB/sec), 110.3 ms avg latency, 738.0 ms max latency.
100000 records sent, 31446.540881 records/sec (6.00 MB/sec), 94.29 ms avg latency, 738.00 ms max latency, 84 ms 50th, 185 ms 95th, 255 ms 99th, 317 ms 99.9th.
`;

const CONSUMER_OUTPUT = `SLF4J: See http://www.slf4j.org/codes.html#StaticLoggerBinder for further details.
Warning: --messages is deprecated. Use --num-records instead.
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-11-24 03:56:12:324, 2026-11-24 03:56:13:653, 19.0735, 14.3518, 100000, 75244.5448, 801, 528, 36.1240, 189393.9394
`;

describe('ProducerPerformance output', () => {
  it('reads the final summary, not a progress line', () => {
    expect(parseProducerPerformance(PRODUCER_OUTPUT)).toEqual({
      steadyState: false,
      records: 100000,
      recordsPerSec: 31446.540881,
      mbPerSec: 6,
      avgLatencyMs: 94.29,
      maxLatencyMs: 738,
      p50Ms: 84,
      p95Ms: 185,
      p99Ms: 255,
      p999Ms: 317,
    });
  });

  it('prefers the steady-state summary of a run with warm-up records', () => {
    const out = `Warmup first 50000 records. Steady state results will print after the complete test summary.
200000 records sent, 128617.363344 records/sec (19.63 MB/sec), 51.33 ms avg latency, 522.00 ms max latency, 32 ms 50th, 117 ms 95th, 119 ms 99th, 123 ms 99.9th.
150000 steady state records sent, 286259.541985 records/sec (43.68 MB/sec), 62.18 ms avg latency, 123.00 ms max latency, 65 ms 50th, 117 ms 95th, 120 ms 99th, 123 ms 99.9th.
`;
    expect(parseProducerPerformance(out)).toMatchObject({
      steadyState: true,
      records: 150000,
      recordsPerSec: 286259.541985,
      mbPerSec: 43.68,
      maxLatencyMs: 123,
      p50Ms: 65,
      p999Ms: 123,
    });
  });

  it('refuses output without a summary, quoting it', () => {
    expect(() => parseProducerPerformance('Exception in thread "main" TimeoutException')).toThrow(
      /no ProducerPerformance summary.*TimeoutException/s,
    );
  });
});

describe('ConsumerPerformance output', () => {
  it('maps values by the header names', () => {
    const r = parseConsumerPerformance(CONSUMER_OUTPUT);
    expect(r.records).toBe(100000);
    expect(r.mb).toBeCloseTo(19.0735);
    expect(r.recordsPerSec).toBeCloseTo(75244.5448);
    expect(r.rebalanceMs).toBe(801);
    expect(r.fetchMs).toBe(528);
    expect(r.fetchRecordsPerSec).toBeCloseTo(189393.9394);
    expect(r.fetchMbPerSec).toBeCloseTo(36.124);
  });

  it('follows the columns when their order changes', () => {
    const reordered =
      'start.time, end.time, fetch.nMsg.sec, data.consumed.in.nMsg, data.consumed.in.MB, MB.sec, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec\nA, B, 5, 10, 1, 2, 3, 4, 6, 7\n';
    const r = parseConsumerPerformance(reordered);
    expect(r.fetchRecordsPerSec).toBe(5);
    expect(r.records).toBe(10);
    expect(r.fetchMbPerSec).toBe(7);
  });

  it('refuses output without the result line', () => {
    expect(() => parseConsumerPerformance('WARN timed out\n')).toThrow(/no ConsumerPerformance result/);
    expect(() => parseConsumerPerformance('start.time, end.time, nMsg.sec\nx, y, z\n')).toThrow(/column/);
  });
});
