// What the dashboard shows, sampled once a second from the Prometheus registries of the runtime(s)
// and gateway(s) in this process: rates (from counter deltas), per-lane latency percentiles (from
// histogram bucket deltas, so they describe the last interval, not all time), consumer lag, gateway
// connections and deliveries, plus each topology's Mermaid graph.

import type { Registry } from 'prom-client';
import { PRIORITIES, PRIORITY_BUDGET_MS, type Priority } from '../../schemas/catalog.js';

export interface TopologyView {
  applicationId: string;
  mermaid: string;
  text: string;
}

export interface LaneView {
  processedPerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  budgetMs: number;
  deliveredPerSec: number;
}

export interface DashboardSnapshot {
  at: number;
  topologies: TopologyView[];
  recordsInPerSec: number;
  recordsOutPerSec: number;
  deadLettered: number;
  lanes: Record<Priority, LaneView>;
  lag: { group: string; topic: string; lag: number }[];
  gateway: { connections: number; subscriptions: number; deliveriesPerSec: number; refusals: number };
}

interface Sample {
  at: number;
  values: Map<string, number>;
}

type MetricJson = {
  name: string;
  type: string;
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
};

/** Flattens registries into `name{label=value,...}` → value (summed over registries). */
async function sample(registries: readonly Registry[]): Promise<Sample> {
  const values = new Map<string, number>();
  for (const registry of registries) {
    for (const metric of (await registry.getMetricsAsJSON()) as unknown as MetricJson[]) {
      for (const v of metric.values) {
        const labels = Object.entries(v.labels)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, val]) => `${k}=${val}`)
          .join(',');
        const key = `${v.metricName ?? metric.name}{${labels}}`;
        values.set(key, (values.get(key) ?? 0) + v.value);
      }
    }
  }
  return { at: Date.now(), values };
}

function sum(s: Sample, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  const wanted = Object.entries(match).map(([k, v]) => `${k}=${v}`);
  for (const [key, value] of s.values) {
    if (!key.startsWith(`${name}{`)) continue;
    if (wanted.every((w) => key.includes(w))) total += value;
  }
  return total;
}

/** Percentile (ms) from the bucket deltas of a seconds histogram, or null without observations. */
function percentile(
  now: Sample,
  before: Sample | undefined,
  name: string,
  lane: Priority,
  q: number,
): number | null {
  const buckets: { le: number; count: number }[] = [];
  for (const [key, value] of now.values) {
    if (!key.startsWith(`${name}_bucket{`) || !key.includes(`lane=${lane}`)) continue;
    const le = /le=([^,}]+)/.exec(key)?.[1];
    if (le === undefined) continue;
    buckets.push({
      le: le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le),
      count: value - (before?.values.get(key) ?? 0),
    });
  }
  buckets.sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const bucket = buckets.find((b) => b.count >= q * total);
  if (!bucket || !Number.isFinite(bucket.le)) return null;
  return Math.round(bucket.le * 1000 * 100) / 100;
}

export interface DashboardStateOptions {
  registries: readonly Registry[];
  topologies?: readonly TopologyView[];
  /** @default 1000 */
  intervalMs?: number;
}

export class DashboardState {
  private previous?: Sample;
  private latest: DashboardSnapshot;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: DashboardStateOptions) {
    this.latest = this.empty();
  }

  start(): void {
    if (this.timer) return;
    const tick = () => void this.refresh();
    tick();
    this.timer = setInterval(tick, this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  snapshot(): DashboardSnapshot {
    return this.latest;
  }

  /** Takes a sample and recomputes the snapshot against the previous one. */
  async refresh(): Promise<DashboardSnapshot> {
    const now = await sample(this.options.registries);
    const before = this.previous;
    const seconds = before ? Math.max(0.001, (now.at - before.at) / 1000) : 1;
    const rate = (name: string, match: Record<string, string> = {}) =>
      before ? Math.max(0, (sum(now, name, match) - sum(before, name, match)) / seconds) : 0;
    const lanes = {} as Record<Priority, LaneView>;
    for (const lane of PRIORITIES) {
      lanes[lane] = {
        processedPerSec: Math.round(rate('tmbus_end_to_end_latency_seconds_count', { lane })),
        p50Ms: percentile(now, before, 'tmbus_end_to_end_latency_seconds', lane, 0.5),
        p99Ms: percentile(now, before, 'tmbus_end_to_end_latency_seconds', lane, 0.99),
        budgetMs: PRIORITY_BUDGET_MS[lane],
        deliveredPerSec: Math.round(rate('tmbus_gateway_deliveries_total', { lane })),
      };
    }
    const lag = new Map<string, { group: string; topic: string; lag: number }>();
    for (const [key, value] of now.values) {
      if (!key.startsWith('tmbus_consumer_lag{')) continue;
      const group = /group=([^,}]+)/.exec(key)?.[1] ?? '';
      const topic = /topic=([^,}]+)/.exec(key)?.[1] ?? '';
      const entry = lag.get(`${group}/${topic}`) ?? { group, topic, lag: 0 };
      entry.lag += value;
      lag.set(`${group}/${topic}`, entry);
    }
    this.latest = {
      at: now.at,
      topologies: [...(this.options.topologies ?? [])],
      recordsInPerSec: Math.round(rate('tmbus_records_in_total')),
      recordsOutPerSec: Math.round(rate('tmbus_records_out_total')),
      deadLettered: sum(now, 'tmbus_records_dead_lettered_total'),
      lanes,
      lag: [...lag.values()],
      gateway: {
        connections: sum(now, 'tmbus_gateway_connections'),
        subscriptions: sum(now, 'tmbus_gateway_subscriptions'),
        deliveriesPerSec: Math.round(rate('tmbus_gateway_deliveries_total')),
        refusals: sum(now, 'tmbus_gateway_refusals_total'),
      },
    };
    this.previous = now;
    return this.latest;
  }

  private empty(): DashboardSnapshot {
    const lanes = {} as Record<Priority, LaneView>;
    for (const lane of PRIORITIES)
      lanes[lane] = {
        processedPerSec: 0,
        p50Ms: null,
        p99Ms: null,
        budgetMs: PRIORITY_BUDGET_MS[lane],
        deliveredPerSec: 0,
      };
    return {
      at: Date.now(),
      topologies: [...(this.options.topologies ?? [])],
      recordsInPerSec: 0,
      recordsOutPerSec: 0,
      deadLettered: 0,
      lanes,
      lag: [],
      gateway: { connections: 0, subscriptions: 0, deliveriesPerSec: 0, refusals: 0 },
    };
  }
}
