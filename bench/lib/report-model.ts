// The result of one `npm run bench`, as written to bench/results/bench-<time>.json, and the two
// verdicts the report and the scenarios share: was a fixed rate sustained, and what is the
// pipeline's ceiling.

import type { Guarantee, SystemName } from '../sut/systems.js';
import type { MachineInfo } from './machine.js';
import type { ConsumerPerfResult, ProducerPerfResult } from './perf-tools.js';
import type { PhaseResult } from './session.js';

export interface CeilingRun {
  producer?: ProducerPerfResult;
  consumer?: ConsumerPerfResult;
  error?: string;
}

export interface CeilingReport {
  recordSize: number;
  records: number;
  producerProps: Record<string, string | number>;
  plain: CeilingRun;
  /** Transactional producer (commit every 100 ms) and read_committed consumer. */
  transactional?: CeilingRun;
}

export type GatewayReport =
  | { measured: false; reason: string }
  | {
      measured: true;
      connections: number;
      deliveriesPerMinute?: number;
      p50Ms?: number;
      p99Ms?: number;
      heapMiB?: number;
      rssMiB?: number;
      command: string;
      raw: unknown;
    };

export interface ProfileReport {
  file: string;
  /** Share of sampled time per function (self time), highest first. */
  top: { functionName: string; location: string; selfPercent: number }[];
  /** Self time grouped by where the code lives (ours, node-rdkafka, avsc, rxjs, node internals…). */
  byArea: { area: string; selfPercent: number }[];
}

export interface BenchReport {
  mode: 'quick' | 'full';
  startedAt: string;
  durationSeconds: number;
  machine: MachineInfo;
  /** The code measured: commit, and whether runtime/, topology/, processors/ or schemas/ had local changes. */
  code?: { commit: string; dirty: boolean };
  loadAverage: { start: number[]; end: number[] };
  config: {
    rates: number[];
    seconds: number;
    burst: number;
    criticalRate: number;
    isolationSeconds: number;
    guarantees: Guarantee[];
    systems: SystemName[];
    peerThreads: number;
  };
  ceiling?: CeilingReport;
  phases: PhaseResult[];
  gateway: GatewayReport;
  profile?: ProfileReport;
  errors: string[];
}

/** A fixed-rate phase kept up: complete, and at least 90% of the offered rate came through. */
export function sustained(p: PhaseResult | undefined): boolean {
  return Boolean(
    p && !p.skipped && p.complete && p.eventsPerSecond >= 0.9 * Math.min(p.offered, p.producedRate),
  );
}

/** The pipeline's ceiling: it must both consume and produce, so the slower of the two perf tools. */
export function pipelineCeiling(c: CeilingRun | undefined): number | undefined {
  const produce = c?.producer?.recordsPerSec;
  const consume = c?.consumer?.fetchRecordsPerSec;
  if (produce === undefined || consume === undefined) return produce ?? consume;
  return Math.min(produce, consume);
}
