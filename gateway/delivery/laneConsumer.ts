// The gateway's one Kafka consumer: every instance joins the same group over the four lane topics,
// so each record is consumed by exactly one instance and fanned out once through the adapter. One
// node-rdkafka KafkaConsumer per instance (never per socket), batch `consume(n)` with a short
// timeout, lanes ordered and pre-empted by the LanePlanner, offsets stored after the fan-out
// (at-least-once: a record handed to a dead instance is consumed again by its successor, and the
// client SDK drops the duplicate by position).

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import type { Logger } from '../../core/logger.js';
import { consumerConfig } from '../../runtime/kafka/librdkafka-config.js';
import { kafkaError } from '../../runtime/kafka/producer.js';
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

const ERR_ASSIGN = -175;
const ERR_REVOKE = -174;

export class LaneConsumer implements LaneSource {
  private readonly consumer: Kafka.KafkaConsumer;
  private readonly priorityOf = new Map<string, Priority>();
  private readonly assigned = new Map<string, TopicPartition>();
  private readonly stored = new Map<string, { topic: string; partition: number; offset: number }>();
  private readonly planner: LanePlanner;
  private readonly pausedLanes = new Set<Priority>();
  private running = false;
  /** Connected and not yet stopped (a halted consumer still has to commit and leave the group). */
  private open = false;
  private suspended = false;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(private readonly options: LaneConsumerOptions) {
    for (const p of PRIORITIES) this.priorityOf.set(options.lanes.topics[p], p);
    this.planner = new LanePlanner(options.lanes);
    const conf = consumerConfig(options.connection, options.clientId, options.lanes.groupId, {
      // Auto-commit of explicitly stored offsets: only records already fanned out are committed.
      'enable.auto.commit': true,
      'enable.auto.offset.store': false,
      'auto.commit.interval.ms': 1000,
      'session.timeout.ms': 6000,
      'isolation.level': 'read_committed',
      // consume(n) keeps waiting up to the timeout per message until n arrive: at a trickle a
      // batch would take seconds to fill. An end-of-partition event makes node-rdkafka return
      // within 1 ms once it has caught up, so live records leave at once and backlogs still batch.
      'enable.partition.eof': true,
      rebalance_cb: (err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]) =>
        this.onRebalance(err, assignment),
      ...options.lanes.librdkafka,
    });
    this.consumer = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {
      'auto.offset.reset': options.lanes.startFrom,
    });
    this.consumer.on('event.error', (e) => options.logger.warn({ err: e }, 'lane consumer error'));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'lane consumer could not connect', err)) : resolve(),
      ),
    );
    this.consumer.setDefaultConsumeLoopTimeoutDelay(1);
    this.consumer.setDefaultConsumeTimeout(this.options.lanes.consumeTimeoutMs);
    this.consumer.subscribe(PRIORITIES.map((p) => this.options.lanes.topics[p]));
    this.open = true;
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Stops fetching without leaving the group (Redis outage: nothing could be fanned out). */
  suspend(suspended: boolean): void {
    this.suspended = suspended;
  }

  /** Partitions this instance owns. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()];
  }

  async stop(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.running = false;
    await this.loopDone;
    this.commitStored([...this.stored.values()]);
    // The revoke that disconnecting triggers must not commit again (the handle is closing).
    this.stored.clear();
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      if (this.suspended) {
        await sleep(20);
        continue;
      }
      let messages: Kafka.Message[];
      try {
        messages = await new Promise((resolve, reject) =>
          this.consumer.consume(this.options.lanes.batchSize, (err, msgs) =>
            err ? reject(err) : resolve(msgs),
          ),
        );
      } catch (err) {
        if (!this.running) break;
        this.options.logger.warn({ err }, 'lane consume failed');
        await sleep(100);
        continue;
      }
      const counts: Partial<Record<Priority, number>> = {};
      if (messages.length > 0) {
        const records = this.planner.order(messages.map((m) => this.toRecord(m)));
        for (const r of records) counts[r.priority] = (counts[r.priority] ?? 0) + 1;
        try {
          await this.options.onBatch(records);
        } catch (err) {
          // Nothing past the failed record may be committed: keep what went out before it, stop
          // fetching, and let the owner of the process decide (the CLI exits; a new owner re-reads).
          this.options.logger.error({ err }, 'lane batch failed: lane consumer halted');
          this.storeOffsets(deliveredBefore(records, err));
          this.running = false;
          this.options.onHalt?.(err);
          break;
        }
        this.storeOffsets(records);
      } else {
        await new Promise((r) => setImmediate(r));
      }
      this.applyPauses(this.planner.observe(counts, Date.now()));
    }
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

  private storeOffsets(records: LaneRecord[]): void {
    const next = new Map<string, { topic: string; partition: number; offset: number }>();
    for (const r of records)
      next.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
    const owned = [...next.entries()].filter(([k]) => this.assigned.has(k));
    if (owned.length === 0) return;
    try {
      this.consumer.offsetsStore(owned.map(([, v]) => v));
      for (const [k, v] of owned) this.stored.set(k, v);
    } catch (err) {
      this.options.logger.warn({ err }, 'offset store failed (partition revoked meanwhile)');
    }
  }

  private applyPauses(decision: { pause: Priority[]; resume: Priority[] }): void {
    for (const lane of decision.pause) this.pausedLanes.add(lane);
    for (const lane of decision.resume) this.pausedLanes.delete(lane);
    const of = (lanes: Priority[]) =>
      this.assignment().filter((tp) => lanes.includes(this.priorityOf.get(tp.topic)!));
    if (decision.pause.length > 0) this.consumer.pause(of(decision.pause));
    if (decision.resume.length > 0) this.consumer.resume(of(decision.resume));
  }

  private onRebalance(err: Kafka.LibrdKafkaError, assignment: Kafka.Assignment[]): void {
    const tps = assignment.map((a) => ({ topic: a.topic, partition: a.partition }));
    try {
      if (err.code === ERR_ASSIGN) {
        this.consumer.incrementalAssign(assignment);
        for (const tp of tps) this.assigned.set(`${tp.topic}:${tp.partition}`, tp);
        const paused = tps.filter((tp) => this.pausedLanes.has(this.priorityOf.get(tp.topic)!));
        if (paused.length > 0) this.consumer.pause(paused);
        this.options.logger.info({ partitions: tps }, 'lane partitions assigned');
      } else if (err.code === ERR_REVOKE) {
        const keys = tps.map((tp) => `${tp.topic}:${tp.partition}`);
        // Commit what was fanned out before the partitions move, so the next owner repeats little.
        if (this.running)
          this.commitStored(keys.map((k) => this.stored.get(k)).filter((v) => v !== undefined));
        for (const k of keys) {
          this.assigned.delete(k);
          this.stored.delete(k);
        }
        this.options.onRevoke?.(tps);
        this.consumer.incrementalUnassign(assignment);
        this.options.logger.info({ partitions: tps }, 'lane partitions revoked');
      } else {
        this.options.logger.warn({ err }, 'lane rebalance error');
      }
    } catch (e) {
      this.options.logger.error({ err: e }, 'lane rebalance handling failed');
    }
  }

  private commitStored(offsets: { topic: string; partition: number; offset: number }[]): void {
    if (offsets.length === 0) return;
    try {
      this.consumer.commitSync(offsets);
    } catch (err) {
      this.options.logger.warn({ err }, 'lane offset commit failed');
    }
  }
}

const NO_HEADERS: LaneHeaders = [];

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function traceparentOf(m: Kafka.Message): string | undefined {
  if (!m.headers) return undefined;
  for (const h of m.headers) if ('traceparent' in h) return String(h.traceparent);
  return undefined;
}
