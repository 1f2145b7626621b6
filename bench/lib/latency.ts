// Latency bookkeeping of the benchmark probe: one hdr histogram per priority lane (milliseconds,
// 1 ms to 10 min at 3 significant digits), summarised as count / p50 / p99 / p99.9 / max, and a
// sequence tracker that proves no event was lost (and counts duplicates) by the unique sequence
// number the load generator stamps on every event.

import * as hdr from 'hdr-histogram-js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Percentiles of a histogram, or undefined when it is empty. */
export function summarize(h: hdr.Histogram): LatencySummary | undefined {
  if (h.totalCount === 0) return undefined;
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: Math.round(h.mean * 10) / 10,
  };
}

export type LaneSummaries = Partial<Record<Priority, LatencySummary>>;

/** Per-lane latency histograms. Values below 1 ms are recorded as 1 ms (clock resolution). */
export class LaneLatency {
  private readonly histograms = new Map<Priority, hdr.Histogram>(PRIORITIES.map((p) => [p, newHistogram()]));

  record(lane: Priority, ms: number): void {
    this.histograms.get(lane)!.recordValue(Math.min(600_000, Math.max(1, Math.round(ms))));
  }

  summary(): LaneSummaries {
    const out: LaneSummaries = {};
    for (const [lane, h] of this.histograms) {
      const s = summarize(h);
      if (s) out[lane] = s;
    }
    return out;
  }

  reset(): void {
    for (const h of this.histograms.values()) h.reset();
  }
}

/**
 * Which sequence numbers were seen: `distinct` grows once per number, `duplicates` counts
 * re-deliveries (legitimate under at-least-once after a retry, never under exactly-once).
 */
export class SequenceTracker {
  private readonly seen: Uint8Array;
  distinct = 0;
  duplicates = 0;
  outOfRange = 0;

  constructor(capacity: number) {
    this.seen = new Uint8Array(capacity);
  }

  mark(seq: number): void {
    if (!Number.isInteger(seq) || seq < 0 || seq >= this.seen.length) {
      this.outOfRange++;
      return;
    }
    if (this.seen[seq] === 1) this.duplicates++;
    else {
      this.seen[seq] = 1;
      this.distinct++;
    }
  }

  /** How many of `[from, to)` were never seen. */
  missingIn(from: number, to: number): number {
    let missing = 0;
    for (let i = Math.max(0, from); i < Math.min(to, this.seen.length); i++)
      if (this.seen[i] === 0) missing++;
    return missing;
  }
}
