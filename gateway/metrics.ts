// The gateway's counters in one place: connections, deliveries, drops, refusals, replays. Plain
// numbers (no prom-client here) so the hot path stays a property increment; the observability
// issue exports `snapshot()` as Prometheus metrics (gateway_connections, gateway_deliveries_total…).

import type { Priority } from '../schemas/catalog.js';

/** Upper bounds (ms) of the broadcast-lag buckets; the last bucket is everything above. */
export const LAG_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/**
 * Time from an event's own timestamp to its broadcast by the gateway, as a cumulative-ready
 * bucket histogram (Prometheus style): where end-to-end latency is spent before the sockets.
 */
export class LagHistogram {
  readonly counts = new Array<number>(LAG_BUCKETS_MS.length + 1).fill(0);
  sum = 0;
  total = 0;

  observe(ms: number): void {
    let i = 0;
    while (i < LAG_BUCKETS_MS.length && ms > LAG_BUCKETS_MS[i]!) i++;
    this.counts[i]!++;
    this.sum += ms;
    this.total++;
  }

  /** Upper bound of the bucket holding quantile `q` (Infinity beyond the last bound). */
  quantile(q: number): number {
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (this.total > 0 && seen >= q * this.total) return LAG_BUCKETS_MS[i] ?? Number.POSITIVE_INFINITY;
    }
    return 0;
  }
}

export interface GatewayMetricsSnapshot {
  connectionsOpen: number;
  connectionsTotal: number;
  /** Events broadcast to a channel room by this instance, by lane. */
  deliveries: Record<Priority, number>;
  /** Records consumed from lane topics that named no channel (or had no value). */
  undeliverable: number;
  /** Lane records that can never be decoded, written to the gateway's dead-letter topic. */
  deadLettered: number;
  /** Market-data packets replaced by a newer one in a slow client's buffer. */
  conflated: number;
  /** Slow clients told to resume (their live delivery was stopped). */
  resumeRequired: number;
  /** Refusals by code (auth, authz, rate limit, bad request, …). */
  refusals: Record<string, number>;
  replays: number;
  replayedRecords: number;
  resumeGaps: number;
  /** Event timestamp → broadcast, per lane: bucket counts over LAG_BUCKETS_MS, p50 and p99 bounds. */
  broadcastLagMs: Record<Priority, { counts: number[]; p50: number; p99: number }>;
}

export class GatewayMetrics {
  connectionsOpen = 0;
  connectionsTotal = 0;
  readonly deliveries: Record<Priority, number> = { CRITICAL: 0, HIGH: 0, STANDARD: 0, BACKGROUND: 0 };
  undeliverable = 0;
  deadLettered = 0;
  conflated = 0;
  resumeRequired = 0;
  readonly refusals: Record<string, number> = {};
  replays = 0;
  replayedRecords = 0;
  resumeGaps = 0;
  readonly broadcastLag: Record<Priority, LagHistogram> = {
    CRITICAL: new LagHistogram(),
    HIGH: new LagHistogram(),
    STANDARD: new LagHistogram(),
    BACKGROUND: new LagHistogram(),
  };

  refused(code: string): void {
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  snapshot(): GatewayMetricsSnapshot {
    return {
      connectionsOpen: this.connectionsOpen,
      connectionsTotal: this.connectionsTotal,
      deliveries: { ...this.deliveries },
      undeliverable: this.undeliverable,
      deadLettered: this.deadLettered,
      conflated: this.conflated,
      resumeRequired: this.resumeRequired,
      refusals: { ...this.refusals },
      replays: this.replays,
      replayedRecords: this.replayedRecords,
      resumeGaps: this.resumeGaps,
      broadcastLagMs: Object.fromEntries(
        Object.entries(this.broadcastLag).map(([lane, h]) => [
          lane,
          { counts: [...h.counts], p50: h.quantile(0.5), p99: h.quantile(0.99) },
        ]),
      ) as GatewayMetricsSnapshot['broadcastLagMs'],
    };
  }
}
