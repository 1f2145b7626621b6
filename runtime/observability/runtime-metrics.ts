// Prometheus metrics of the runtime (prom-client), named by Prometheus conventions: `_total` for
// counters, base units (seconds) for latencies, labels for topic, stage and priority lane. One
// instance per runtime, registered in a registry the caller owns (no global default registry), so
// several runtimes and a gateway can share one /metrics endpoint or keep their own.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { PRIORITY_BUDGET_MS, type Priority } from '../../schemas/catalog.js';

/** Buckets around the lane budgets (25 ms … 500 ms), from 0.5 ms to 5 s. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

/** Tasks of one application per lifecycle state (zeros included, so an alert on FAILED > 0 has a series). */
export interface TaskStateCounts {
  application: string;
  counts: Readonly<Record<string, number>>;
}

/** One store of one task (see the engine's StoreStats). */
export interface StoreMetrics {
  taskId: string;
  store: string;
  entries: number;
  restoredRecords: number;
  restoreMs: number;
}

export class RuntimeMetrics {
  readonly recordsIn: Counter<'topic'>;
  readonly recordsOut: Counter<'topic'>;
  readonly deadLettered: Counter<'topic' | 'stage' | 'code'>;
  readonly processingLatency: Histogram<'lane'>;
  readonly endToEndLatency: Histogram<'lane'>;
  readonly sloBreaches: Counter<'lane'>;
  readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  readonly rebalances: Counter<'group'>;
  readonly transactions: Counter<'result'>;
  readonly commitLatency: Histogram<'guarantee'>;
  readonly queued: Gauge<'group'>;
  readonly stageRecords: Counter<'application' | 'stage'>;
  readonly tasks: Gauge<'application' | 'state'>;
  private readonly stageSources: (() => { application: string; counts: ReadonlyMap<string, number> })[] = [];
  private readonly lagSources: (() => PartitionLag[])[] = [];
  private readonly taskSources: (() => TaskStateCounts)[] = [];
  private readonly storeSources: (() => { application: string; stores: StoreMetrics[] })[] = [];
  readonly storeEntries: Gauge<'application' | 'task' | 'store'>;
  readonly storeRestoreRecords: Gauge<'application' | 'task' | 'store'>;
  readonly storeRestoreSeconds: Gauge<'application' | 'task' | 'store'>;
  readonly storeRestoreRate: Gauge<'application' | 'task' | 'store'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.recordsIn = new Counter({
      name: 'tmbus_records_in_total',
      help: 'Records consumed by the runtime',
      labelNames: ['topic'],
      registers,
    });
    this.recordsOut = new Counter({
      name: 'tmbus_records_out_total',
      help: 'Records produced by the runtime (acknowledged)',
      labelNames: ['topic'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'tmbus_records_dead_lettered_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['topic', 'stage', 'code'],
      registers,
    });
    this.processingLatency = new Histogram({
      name: 'tmbus_processing_latency_seconds',
      help: 'Time from a record entering its lane queue to its outputs being acknowledged',
      labelNames: ['lane'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.endToEndLatency = new Histogram({
      name: 'tmbus_end_to_end_latency_seconds',
      help: "Time from a record's create timestamp to its outputs being acknowledged",
      labelNames: ['lane'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.sloBreaches = new Counter({
      name: 'tmbus_lane_slo_breaches_total',
      help: "Records whose end-to-end latency exceeded their lane's budget",
      labelNames: ['lane'],
      registers,
    });
    const metrics = this;
    this.consumerLag = new Gauge({
      name: 'tmbus_consumer_lag',
      help: 'High watermark minus position, per partition',
      labelNames: ['group', 'topic', 'partition'],
      registers,
      collect() {
        // Computed at scrape time from the consumer's cached watermarks: no broker round trip.
        this.reset();
        for (const source of metrics.lagSources) {
          for (const l of source())
            this.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
        }
      },
    });
    this.rebalances = new Counter({
      name: 'tmbus_rebalances_total',
      help: 'Consumer group rebalances seen by this member',
      labelNames: ['group'],
      registers,
    });
    this.transactions = new Counter({
      name: 'tmbus_transactions_total',
      help: 'Exactly-once transactions by result',
      labelNames: ['result'],
      registers,
    });
    this.commitLatency = new Histogram({
      name: 'tmbus_commit_latency_seconds',
      help: 'Time a commit took: waiting for the outputs to be acknowledged (at-least-once: a producer flush), then the offsets or the transaction',
      labelNames: ['guarantee'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.stageRecords = new Counter({
      name: 'tmbus_stage_records_total',
      help: 'Records emitted by each topology stage (sources: records read; sinks: records written)',
      labelNames: ['application', 'stage'],
      registers,
      collect() {
        // Counted in plain maps on the hot path; turned into series at scrape time.
        this.reset();
        for (const source of metrics.stageSources) {
          const { application, counts } = source();
          for (const [stage, n] of counts) this.inc({ application, stage }, n);
        }
      },
    });
    this.tasks = new Gauge({
      name: 'tmbus_tasks',
      help: 'Tasks owned by this instance, by lifecycle state (CREATED, RESTORING, RUNNING, SUSPENDED, FAILED)',
      labelNames: ['application', 'state'],
      registers,
      collect() {
        // Read from the task manager at scrape time: a state change costs nothing on the hot path.
        this.reset();
        for (const source of metrics.taskSources) {
          const { application, counts } = source();
          for (const [state, n] of Object.entries(counts)) this.inc({ application, state }, n);
        }
      },
    });
    // Store gauges: read from the task manager at scrape time.
    const storeGauge = (name: string, help: string, value: (s: StoreMetrics) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['application', 'task', 'store'],
        registers,
        collect() {
          this.reset();
          for (const source of metrics.storeSources) {
            const { application, stores } = source();
            for (const s of stores) this.set({ application, task: s.taskId, store: s.store }, value(s));
          }
        },
      });
    this.storeEntries = storeGauge(
      'tmbus_store_entries',
      'Entries held by each store of each task',
      (s) => s.entries,
    );
    this.storeRestoreRecords = storeGauge(
      'tmbus_store_restore_records',
      'Changelog records applied by the last restore of each store (only the tail after a checkpoint)',
      (s) => s.restoredRecords,
    );
    this.storeRestoreSeconds = storeGauge(
      'tmbus_store_restore_seconds',
      'Duration of the last restore of each store',
      (s) => s.restoreMs / 1000,
    );
    this.storeRestoreRate = storeGauge(
      'tmbus_store_restore_records_per_second',
      'Changelog records per second of the last restore of each store',
      (s) => (s.restoreMs > 0 ? (s.restoredRecords * 1000) / s.restoreMs : 0),
    );
    this.queued = new Gauge({
      name: 'tmbus_records_queued',
      help: 'Records waiting in the priority lanes',
      labelNames: ['group'],
      registers,
    });
  }

  /** Registers per-stage counts of one application (read at each scrape). */
  addStageSource(source: () => { application: string; counts: ReadonlyMap<string, number> }): void {
    this.stageSources.push(source);
  }

  /** Registers the task-state counts of one application (read at each scrape). */
  addTaskSource(source: () => TaskStateCounts): void {
    this.taskSources.push(source);
  }

  /** Registers the stores of one application's tasks (read at each scrape). */
  addStoreSource(source: () => { application: string; stores: StoreMetrics[] }): void {
    this.storeSources.push(source);
  }

  /** Registers a function that reports lag per owned partition (called at each scrape). */
  addLagSource(source: () => PartitionLag[]): void {
    this.lagSources.push(source);
  }

  /** One record finished: its lane, time in the runtime and time since its create timestamp. */
  recordDone(lane: Priority, queueMs: number, endToEndMs: number): void {
    this.processingLatency.observe({ lane }, queueMs / 1000);
    this.endToEndLatency.observe({ lane }, endToEndMs / 1000);
    if (endToEndMs > PRIORITY_BUDGET_MS[lane]) this.sloBreaches.inc({ lane });
  }
}
