// Where fetched records enter the runtime and how each partition's flow is controlled: records are
// queued per partition on their lane (tables first), a partition whose queue is full is paused, and
// when all queues together are full (`maxQueued`) every partition whose next record waits on a lane
// below CRITICAL is paused until half of them are processed — the consume loop goes on reading the
// others, so a CRITICAL record on a partition with no backlog still reaches its lane at once instead of waiting in
// librdkafka's queue behind a backlog of market data (only at twice `maxQueued` does the consume
// loop itself wait). A partition whose task is not running
// (restoring, failed) stays paused and is read again from its first unprocessed record once its
// task runs — never a record of it is finished without its task.

import type { Clock } from '../../core/clock.js';
import type { Priority } from '../../schemas/catalog.js';
import type { PriorityLaneScheduler, ScheduledItem } from '../lanes/priority-lane-scheduler.js';
import type { RuntimeMetrics } from '../observability/runtime-metrics.js';
import type { GroupMember, TopicPartition, TransportRecord } from '../transport/types.js';
import { type OffsetTracker, partitionOfKey } from './offset-tracker.js';

type Message = TransportRecord;

export interface PartitionIntakeOptions {
  applicationId: string;
  consumer: GroupMember;
  /** The lane of a record that is not a table's. */
  priorityOf: (record: TransportRecord) => Priority;
  scheduler: PriorityLaneScheduler<Message>;
  tracker: OffsetTracker;
  clock: Clock;
  tableTopics: ReadonlySet<string>;
  conflateTopics: ReadonlySet<string>;
  maxQueuedPerPartition: number;
  maxQueued: number;
  metrics?: RuntimeMetrics;
  /** Records are waiting: processing may go on. */
  kick: () => void;
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

export class PartitionIntake {
  private readonly paused = new Set<string>();
  /** Of `paused`, those paused because all queues together were full. */
  private readonly overflow = new Set<string>();
  /** Partitions whose task is not running, paused; the offset to read them again from, if known. */
  private readonly held = new Map<string, number | undefined>();
  private capacityWaiters: (() => void)[] = [];
  /** One partition key string per partition, reused: the maps keyed by it hash it once. */
  private readonly keys = new Map<string, string[]>();

  constructor(private readonly o: PartitionIntakeOptions) {}

  private partitionKey(topic: string, partition: number): string {
    let perPartition = this.keys.get(topic);
    if (!perPartition) {
      perPartition = [];
      this.keys.set(topic, perPartition);
    }
    let key = perPartition[partition];
    if (key === undefined) {
      key = `${topic}:${partition}`;
      perPartition[partition] = key;
    }
    return key;
  }

  /** Queues a fetched batch; the consume loop awaits the result before fetching more. */
  accept(messages: Message[]): Promise<void> | undefined {
    const { scheduler, tracker, conflateTopics, maxQueuedPerPartition } = this.o;
    const now = this.o.clock.now();
    const toPause: TopicPartition[] = [];
    let topic: string | undefined;
    let partition = -1;
    let pk = '';
    for (const m of messages) {
      if (m.topic !== topic || m.partition !== partition) {
        topic = m.topic;
        partition = m.partition;
        pk = this.partitionKey(topic, partition);
      }
      tracker.begin(pk, m.offset);
      const conflationKey = conflateTopics.has(m.topic) && m.key ? m.key.toString('latin1') : undefined;
      scheduler.enqueue(pk, m, this.priorityOf(m), now, conflationKey);
      if (!this.paused.has(pk) && scheduler.depth(pk) >= maxQueuedPerPartition) {
        this.paused.add(pk);
        toPause.push({ topic: m.topic, partition: m.partition });
      }
    }
    if (scheduler.pending >= this.o.maxQueued) {
      for (const pk of scheduler.queuesBelowCritical()) {
        if (this.paused.has(pk)) continue;
        this.paused.add(pk);
        this.overflow.add(pk);
        toPause.push(partitionOfKey(pk));
      }
    }
    this.o.consumer.pause(toPause);
    const metrics = this.o.metrics;
    if (metrics) {
      const perTopic = new Map<string, number>();
      for (const m of messages) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
      for (const [topic, n] of perTopic) metrics.recordsIn.inc({ topic }, n);
      metrics.queued.set({ group: this.o.applicationId }, scheduler.pending);
    }
    this.o.kick();
    // Backpressure: the consume loop awaits this before fetching more (records of partitions paused
    // meanwhile can still come from librdkafka's queue).
    if (scheduler.pending < 2 * this.o.maxQueued) return;
    return new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Lets the consume loop fetch again once the queues are below `maxQueued` (or at once when `force`). */
  releaseCapacity(force = false): void {
    if (this.capacityWaiters.length === 0 || (this.o.scheduler.pending > this.o.maxQueued && !force)) return;
    const waiters = this.capacityWaiters;
    this.capacityWaiters = [];
    for (const w of waiters) w();
  }

  /**
   * Resumes partitions paused for a full queue once it is half drained, and those paused for full
   * queues altogether once those are half drained (not those held).
   */
  resumeDrained(): void {
    if (this.paused.size === 0) return;
    const resume: TopicPartition[] = [];
    const overflowDrained = this.o.scheduler.pending < this.o.maxQueued / 2;
    for (const pk of this.paused) {
      if (this.overflow.has(pk) && !overflowDrained) continue;
      if (this.o.scheduler.depth(pk) < this.o.maxQueuedPerPartition / 2 && !this.held.has(pk)) {
        this.paused.delete(pk);
        this.overflow.delete(pk);
        resume.push(partitionOfKey(pk));
      }
    }
    this.o.consumer.resume(resume);
  }

  /** These partitions' tasks are not running: they stay paused (the consumer did not resume them). */
  hold(partitions: TopicPartition[]): TopicPartition[] {
    for (const tp of partitions) this.held.set(keyOf(tp), undefined);
    return partitions;
  }

  /**
   * A record of a partition whose task is not running. Its queue is dropped, its records no longer
   * hold commits back, and it is read again from the earliest of them once the task runs.
   */
  orphan(item: ScheduledItem<Message>, m: Message): void {
    const pk = `${m.topic}:${m.partition}`;
    const dropped = this.o.scheduler.drop(pk).flatMap((i) => i.values);
    const offsets = [...item.values, ...dropped].map((v) => v.offset);
    this.o.tracker.abandon(pk, offsets);
    const earliest = this.held.get(pk);
    const from = Math.min(earliest ?? Number.POSITIVE_INFINITY, ...offsets);
    this.held.set(pk, from);
    const tp = { topic: m.topic, partition: m.partition };
    this.o.consumer.pause([tp]);
    if (from !== earliest) this.o.consumer.seek({ ...tp, offset: from });
    this.releaseCapacity();
  }

  /** Their tasks run now: read them (again). */
  running(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.held.delete(keyOf(tp));
    this.o.consumer.resume(partitions.filter((tp) => !this.paused.has(keyOf(tp))));
    this.o.kick();
  }

  /** Forgets partitions (revoked, or rewound to their last commit): queued records are dropped unprocessed. */
  forget(partitions: readonly TopicPartition[], tracked = true): void {
    for (const tp of partitions) {
      const pk = keyOf(tp);
      this.o.scheduler.drop(pk);
      this.paused.delete(pk);
      this.overflow.delete(pk);
      this.held.delete(pk);
      if (tracked) this.o.tracker.forget(pk);
    }
    this.releaseCapacity();
  }

  private priorityOf(m: Message): Priority {
    // Tables first: a join should see the latest table value before the stream record.
    return this.o.tableTopics.has(m.topic) ? 'CRITICAL' : this.o.priorityOf(m);
  }
}
