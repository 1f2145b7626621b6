// The gateway's counters in one place: connections, deliveries, drops, refusals, replays. Plain
// numbers (no prom-client here) so the hot path stays a property increment; the observability
// issue exports `snapshot()` as Prometheus metrics (gateway_connections, gateway_deliveries_total…).

import type { Priority } from '../schemas/catalog.js';

export interface GatewayMetricsSnapshot {
  connectionsOpen: number;
  connectionsTotal: number;
  /** Events broadcast to a channel room by this instance, by lane. */
  deliveries: Record<Priority, number>;
  /** Records consumed from lane topics that could not be decoded or routed. */
  undeliverable: number;
  /** Market-data packets replaced by a newer one in a slow client's buffer. */
  conflated: number;
  /** Slow clients told to resume (their live delivery was stopped). */
  resumeRequired: number;
  /** Refusals by code (auth, authz, rate limit, bad request, …). */
  refusals: Record<string, number>;
  replays: number;
  replayedRecords: number;
  resumeGaps: number;
}

export class GatewayMetrics {
  connectionsOpen = 0;
  connectionsTotal = 0;
  readonly deliveries: Record<Priority, number> = { CRITICAL: 0, HIGH: 0, STANDARD: 0, BACKGROUND: 0 };
  undeliverable = 0;
  conflated = 0;
  resumeRequired = 0;
  readonly refusals: Record<string, number> = {};
  replays = 0;
  replayedRecords = 0;
  resumeGaps = 0;

  refused(code: string): void {
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  snapshot(): GatewayMetricsSnapshot {
    return {
      connectionsOpen: this.connectionsOpen,
      connectionsTotal: this.connectionsTotal,
      deliveries: { ...this.deliveries },
      undeliverable: this.undeliverable,
      conflated: this.conflated,
      resumeRequired: this.resumeRequired,
      refusals: { ...this.refusals },
      replays: this.replays,
      replayedRecords: this.replayedRecords,
      resumeGaps: this.resumeGaps,
    };
  }
}
