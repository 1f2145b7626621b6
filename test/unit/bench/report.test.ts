import { describe, expect, it } from 'vitest';
import { ratio, renderReport } from '../../../bench/lib/report.js';
import { type BenchReport, pipelineCeiling, sustained } from '../../../bench/lib/report-model.js';
import type { PhaseResult } from '../../../bench/lib/session.js';

const lat = (p50: number, p99: number, p999: number) => ({
  count: 100,
  p50,
  p99,
  p999,
  max: p999,
  mean: p50,
});

function phase(p: Partial<PhaseResult> & Pick<PhaseResult, 'system' | 'kind' | 'offered'>): PhaseResult {
  return {
    guarantee: 'at_least_once',
    sent: 100_000,
    expectedOutputs: 80_000,
    received: 80_000,
    lost: 0,
    duplicates: 0,
    complete: true,
    produceSeconds: 1,
    producedRate: 100_000,
    elapsedSeconds: 2.5,
    eventsPerSecond: 40_000,
    lanes: {},
    perTopic: {},
    loadAverage: 1,
    cpuMicrosPerEvent: 0,
    ...p,
  };
}

const report: BenchReport = {
  mode: 'quick',
  startedAt: '2026-11-24T04:00:00.000Z',
  durationSeconds: 300,
  machine: {
    cores: 2,
    cpuModel: 'Test CPU',
    memoryGiB: 8,
    os: 'Linux 6',
    node: 'v24.0.0',
    java: 'OpenJDK 17',
    kafka: '4.3.1',
    librdkafka: '2.12.0',
  },
  loadAverage: { start: [1.5, 1, 1], end: [1.9, 1, 1] },
  config: {
    rates: [10_000, 25_000],
    seconds: 8,
    burst: 100_000,
    criticalRate: 500,
    isolationSeconds: 6,
    guarantees: ['at_least_once'],
    systems: ['tmbus', 'kafka-streams'],
    peerThreads: 1,
  },
  ceiling: {
    recordSize: 190,
    records: 300_000,
    producerProps: { acks: 'all' },
    plain: {
      producer: {
        steadyState: true,
        records: 300_000,
        recordsPerSec: 200_000,
        mbPerSec: 36,
        avgLatencyMs: 5,
        maxLatencyMs: 50,
        p50Ms: 4,
        p95Ms: 9,
        p99Ms: 20,
        p999Ms: 40,
      },
      consumer: {
        mb: 57,
        records: 300_000,
        recordsPerSec: 150_000,
        mbPerSec: 28,
        rebalanceMs: 800,
        fetchMs: 1000,
        fetchRecordsPerSec: 300_000,
        fetchMbPerSec: 57,
      },
    },
  },
  phases: [
    phase({
      system: 'tmbus',
      kind: 'rate',
      offered: 10_000,
      eventsPerSecond: 9_800,
      cpuMicrosPerEvent: 42,
      lanes: { CRITICAL: lat(3, 12, 20), HIGH: lat(4, 30, 60) },
    }),
    phase({
      system: 'tmbus',
      kind: 'rate',
      offered: 25_000,
      eventsPerSecond: 9_000,
      lanes: { HIGH: lat(900, 4000, 5000) },
    }),
    phase({
      system: 'kafka-streams',
      kind: 'rate',
      offered: 10_000,
      eventsPerSecond: 9_900,
      cpuMicrosPerEvent: 21,
      lanes: { CRITICAL: lat(2, 6, 9), HIGH: lat(3, 10, 20) },
    }),
    phase({
      system: 'kafka-streams',
      kind: 'rate',
      offered: 25_000,
      eventsPerSecond: 24_800,
      lanes: { HIGH: lat(3, 15, 30) },
    }),
    phase({
      system: 'tmbus',
      kind: 'isolation-alone',
      offered: 500,
      lanes: { CRITICAL: lat(2, 5, 8) },
      appended: { CRITICAL: lat(1, 4, 6) },
    }),
    phase({
      system: 'tmbus',
      kind: 'isolation-background',
      offered: 5_500,
      lanes: { CRITICAL: lat(3, 10, 14), BACKGROUND: lat(50, 200, 300) },
      appended: { CRITICAL: lat(2, 5, 7) },
    }),
    phase({
      system: 'tmbus',
      kind: 'burst',
      offered: 0,
      eventsPerSecond: 40_000,
      duplicates: 12,
      cpuMicrosPerEvent: 30.5,
    }),
    phase({ system: 'kafka-streams', kind: 'burst', offered: 0, eventsPerSecond: 80_000 }),
  ],
  gateway: { measured: false, reason: 'no script' },
  errors: [],
};

describe('ratios and verdicts', () => {
  it('formats ratios with sensible precision and refuses missing sides', () => {
    expect(ratio(50_000, 100_000)).toBe('0.50×');
    expect(ratio(150_000, 100_000)).toBe('1.50×');
    expect(ratio(30, 2)).toBe('15×');
    expect(ratio(1, 300)).toBe('0.0033×');
    expect(ratio(undefined, 1)).toBe('–');
    expect(ratio(1, 0)).toBe('–');
  });

  it('takes the slower perf tool as the pipeline ceiling', () => {
    expect(pipelineCeiling(report.ceiling!.plain)).toBe(200_000);
    expect(pipelineCeiling({ consumer: report.ceiling!.plain.consumer })).toBe(300_000);
    expect(pipelineCeiling(undefined)).toBeUndefined();
  });

  it('calls a rate sustained only when complete and within 10% of what was offered', () => {
    expect(sustained(report.phases[0])).toBe(true);
    expect(sustained(report.phases[1])).toBe(false);
    expect(sustained({ ...report.phases[0]!, complete: false })).toBe(false);
    // The load generator itself fell short: judged against what it produced.
    expect(sustained({ ...report.phases[1]!, producedRate: 9_500 })).toBe(true);
  });
});

describe('renderReport', () => {
  const md = renderReport(report);
  const lines = md.split('\n');

  it('puts our figure, the peer, the ceiling and the ratios in one throughput row', () => {
    expect(lines).toContain(
      '| max: burst of 100,000 caught up | ALOS | 40,000 | 80,000 | 200,000 | 0.20× | 0.50× |',
    );
    expect(lines).toContain(
      '| highest fixed rate sustained (of 10,000, 25,000) | ALOS | 10,000 | 25,000 | 200,000 | 0.050× | 0.40× |',
    );
  });

  it('shows per-lane latency per system, the p99 ratio, and whether the rate was kept', () => {
    expect(lines).toContain(
      '| ALOS | 10,000 | TMBus | 9,800 | 42.0 | 3 / 12 / 20 | 4 / 30 / 60 | – | – | ok |',
    );
    expect(lines).toContain(
      '| ALOS | 10,000 | p99 TMBus ÷ KS | 0.99× | 2.00× | 2.00× | 3.00× | – | – | latency < 1× = TMBus faster |',
    );
    expect(lines).toContain(
      '| ALOS | 25,000 | TMBus | 9,000 | – | – | 900 / 4000 / 5000 | – | – | fell behind |',
    );
    expect(md).toContain('TMBus ALOS at 10,000/s, p99 vs SLO: CRITICAL meets (12 ms), HIGH meets (30 ms).');
  });

  it('reports isolation, burst counts, the ceiling tools, the machine and an unmeasured gateway honestly', () => {
    expect(lines).toContain(
      '| ALOS | TMBus | 2 / 5 / 8 | 3 / 10 / 14 | 2.00× | 4 → 5 (1.25×) | 50 / 200 / 300 | ok / ok |',
    );
    expect(md).toMatch(
      /\| ALOS \| TMBus \| 100,000 \| 80,000 \| 80,000 \| 0 \| 12 \| 1 \| 2.5 \| 40,000 \| 30.5 \| – \| ok \|/,
    );
    expect(md).toContain('| plain ProducerPerformance | 300,000 × 190 B | 200,000 | 36.0 |');
    expect(md).toContain('2 × Test CPU, 8 GiB');
    expect(md).toContain('1.5 / 1 / 1 at start');
    expect(md).toContain('NOT MEASURED: no script');
    expect(md).not.toContain('## Errors');
  });

  it('adds the 2-workers vs 2-stream-threads burst row when those systems ran', () => {
    const scaled = renderReport({
      ...report,
      config: { ...report.config, systems: ['tmbus', 'kafka-streams', 'tmbus-w2', 'kafka-streams-t2'] },
      phases: [
        ...report.phases,
        phase({ system: 'tmbus-w2', kind: 'burst', offered: 0, eventsPerSecond: 60_000 }),
        phase({ system: 'kafka-streams-t2', kind: 'burst', offered: 0, eventsPerSecond: 100_000 }),
      ],
    });
    expect(scaled.split('\n')).toContain(
      '| burst, 2 workers vs 2 stream threads (1 worker: 40,000; 1.50× of it) | ALOS | 60,000 | 100,000 | 200,000 | 0.30× | 0.60× |',
    );
    expect(scaled).toContain('| ALOS | TMBus, 2 workers | 100,000 |');
  });
});
