// The gateway's one Kafka consumer: every instance joins the same group over the four lane topics,
// so each record is consumed by exactly one instance and fanned out once through the adapter. It
// is a client of the runtime's `BusConsumer` (one consume loop and one rebalance protocol for the
// whole bus) that adds what the gateway needs on top: lanes ordered and pre-empted by the
// LanePlanner, offsets stored only after the fan-out and auto-committed (at-least-once: a record
// handed to a dead instance is consumed again by its successor, and the client SDK drops the
// duplicate by position), and a halt that keeps nothing past a record that failed.

import type Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { BusConsumer, type TopicPartitionOffset } from '../../runtime/kafka/consumer.js';
import { consumeBatch } from '../../runtime/kafka/native-batch.js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import type { GatewayConfig } from '../config.js';
import { LanePlanner } from './lanePlanner.js';

import {
  deliveredBefore,
  type LaneHeaders,
  type LaneRecord,
  type LaneSource,
  type TopicPartition,
} from './laneSource.js';

export type { LaneRecord, TopicPartition } from './laneSource.js';

export interface LaneConsumerOptions {
  connection: ConnectionConfig;
  lanes: GatewayConfig['lanes'];
  clientId: string;
  logger: Logger;
  /** A batch, highest lane first; offsets are stored once the promise settles. */
  onBatch(records: LaneRecord[]): Promise<void>;
  /** Partitions taken away from this instance (forget per-partition state). */
  onRevoke?(partitions: TopicPartition[]): void;
  /** The consumer stopped after `onBatch` rejected (see `LaneSink.onHalt`). */
  onHalt?(error: unknown): void;
}

export class LaneConsumer implements LaneSource {
  private readonly bus: BusConsumer;
  private readonly priorityOf = new Map<string, Priority>();
  /** Offsets stored (fanned out) per owned partition, committed at once when it is revoked. */
  private readonly stored = new Map<string, TopicPartitionOffset>();
  private readonly planner: LanePlanner;
  private readonly pausedLanes = new Set<Priority>();
  /** Connected and not yet stopped (a halted consumer still has to commit and leave the group). */
  private open = false;
  /** `onBatch` rejected: nothing more is handed out, whatever `suspend` says. */
  private halted = false;

  constructor(private readonly options: LaneConsumerOptions) {
    const { lanes, logger } = options;
    for (const p of PRIORITIES) this.priorityOf.set(lanes.topics[p], p);
    this.planner = new LanePlanner(lanes);
    this.bus = new BusConsumer({
      connection: options.connection,
      groupId: lanes.groupId,
      topics: PRIORITIES.map((p) => lanes.topics[p]),
      clientId: options.clientId,
      batchSize: lanes.batchSize,
      consumeTimeoutMs: lanes.consumeTimeoutMs,
      idleSleepMs: 0,
      // On the native path: wait for arrivals, and age pauses (onIdle) at least this often.
      idleWaitMs: lanes.consumeTimeoutMs,
      isolationLevel: 'read_committed',
      autoOffsetReset: lanes.startFrom,
      librdkafka: {
        // Auto-commit of explicitly stored offsets: only records already fanned out are committed.
        'enable.auto.commit': true,
        'enable.auto.offset.store': false,
        'auto.commit.interval.ms': 1000,
        'session.timeout.ms': 6000,
        // node-rdkafka's consume(n) keeps waiting up to the timeout per message until n arrive: at
        // a trickle a batch would take seconds to fill. An end-of-partition event makes it return
        // within 1 ms once it has caught up, so live records leave at once and backlogs still batch.
        // The addon's reads wait only for the first record, so with it the events are only cost: a
        // wake-up per caught-up fetch, and records popped one by one (see BusConsumer).
        'enable.partition.eof': !consumeBatch.available(),
        ...lanes.librdkafka,
      },
      logger,
      onAssign: async (tps) => this.pausedOf(tps),
      onRevoke: (tps) => this.onRevoke(tps),
      onBatch: (messages) => this.onBatch(messages),
      // Pauses age out while only paused lanes have records (the others return nothing).
      onIdle: () => this.applyPauses(this.planner.observe({}, Date.now())),
      onError: (err) => logger.warn({ err }, 'lane consumer error'),
    });
  }

  async start(): Promise<void> {
    await this.bus.connect();
    this.open = true;
    this.bus.start();
  }

  /** Stops fetching without leaving the group (Redis outage: nothing could be fanned out). */
  suspend(suspended: boolean): void {
    if (!this.halted) this.bus.suspend(suspended);
  }

  /** Partitions this instance owns. */
  assignment(): TopicPartition[] {
    return this.bus.assignment();
  }

  /** Stops after the current batch, commits what was fanned out and leaves the group. */
  async stop(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    // BusConsumer.close revokes every owned partition first (committing it below), then disconnects.
    await this.bus.close();
    this.stored.clear();
  }

  private async onBatch(messages: Kafka.Message[]): Promise<void> {
    const records = this.planner.order(messages.map((m) => this.toRecord(m)));
    const counts: Partial<Record<Priority, number>> = {};
    for (const r of records) counts[r.priority] = (counts[r.priority] ?? 0) + 1;
    try {
      await this.options.onBatch(records);
    } catch (err) {
      // Nothing past the failed record may be committed: keep what went out before it, stop
      // fetching, and let the owner of the process decide (the CLI exits; a new owner re-reads).
      this.options.logger.error({ err }, 'lane batch failed: lane consumer halted');
      this.storeOffsets(deliveredBefore(records, err));
      this.halted = true;
      this.bus.suspend(true);
      this.options.onHalt?.(err);
      return;
    }
    this.storeOffsets(records);
    this.applyPauses(this.planner.observe(counts, Date.now()));
  }

  private toRecord(m: Kafka.Message): LaneRecord {
    return {
      priority: this.priorityOf.get(m.topic) ?? 'BACKGROUND',
      topic: m.topic,
      partition: m.partition,
      offset: m.offset,
      key: typeof m.key === 'string' ? Buffer.from(m.key) : (m.key ?? null),
      value: m.value ?? null,
      timestamp: m.timestamp ?? Date.now(),
      headers: (m.headers ?? NO_HEADERS) as LaneHeaders,
      traceparent: traceparentOf(m),
    };
  }

  /** Stores the position after each partition's last record of `records`, for owned partitions. */
  private storeOffsets(records: readonly LaneRecord[]): void {
    if (records.length === 0) return;
    const next = new Map<string, TopicPartitionOffset>();
    for (const r of records)
      next.set(key(r), { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    // A partition revoked while its batch was out is the next owner's to commit.
    const owned = new Set(this.bus.assignment().map(key));
    const offsets = [...next.values()].filter((tp) => owned.has(key(tp)));
    try {
      this.bus.storeOffsets(offsets);
      for (const tp of offsets) this.stored.set(key(tp), tp);
    } catch (err) {
      this.options.logger.warn({ err }, 'offset store failed (partition revoked meanwhile)');
    }
  }

  private applyPauses(decision: { pause: Priority[]; resume: Priority[] }): void {
    if (decision.pause.length === 0 && decision.resume.length === 0) return;
    for (const lane of decision.pause) this.pausedLanes.add(lane);
    for (const lane of decision.resume) this.pausedLanes.delete(lane);
    const of = (lanes: Priority[]) =>
      this.bus.assignment().filter((tp) => lanes.includes(this.priorityOf.get(tp.topic)!));
    this.bus.pause(of(decision.pause));
    this.bus.resume(of(decision.resume));
  }

  /** New partitions of a paused lane stay paused (BusConsumer resumes the others). */
  private pausedOf(tps: TopicPartition[]): TopicPartition[] {
    return tps.filter((tp) => this.pausedLanes.has(this.priorityOf.get(tp.topic)!));
  }

  private onRevoke(tps: TopicPartition[]): void {
    const keys = tps.map(key);
    // Commit what was fanned out before the partitions move, so the next owner repeats little.
    const offsets = keys.map((k) => this.stored.get(k)).filter((v) => v !== undefined);
    try {
      this.bus.commit(offsets, true);
    } catch (err) {
      this.options.logger.warn({ err }, 'lane offset commit failed');
    }
    for (const k of keys) this.stored.delete(k);
    this.options.onRevoke?.(tps);
  }
}

const NO_HEADERS: LaneHeaders = [];

function key(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

function traceparentOf(m: Kafka.Message): string | undefined {
  if (!m.headers) return undefined;
  for (const h of m.headers) if ('traceparent' in h) return String(h.traceparent);
  return undefined;
}
