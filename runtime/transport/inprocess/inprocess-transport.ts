// The in-process transport: the engine's consumer-group member, producer, admin and changelog
// reader over an `InProcessBroker`. Delivery is batch-at-a-time as on Kafka: in real time (the
// demo) a batch is fetched on the macrotask after an append, and the next once the engine has taken
// it; driven manually (the test driver) `pollOnce` fetches and hands a batch over synchronously.
// Rebalance hooks run synchronously when they return synchronously, so a driver's tasks exist as
// soon as it subscribes. Transactions put offsets in at commit; writes are not rolled back on
// abort, so exactly-once holds on Kafka only.

import { BusError } from '../../../core/errors.js';
import type { OutgoingRecord } from '../../../core/record.js';
import type { StateStore } from '../../../topology/plan.js';
import type { TopicMetadata, TopicSpec } from '../../kafka/topics.js';
import type {
  ChangelogReader,
  DeliveryReport,
  GroupMember,
  GroupMemberOptions,
  PartitionLagSample,
  TopicPartition,
  TopicPartitionOffset,
  Transport,
  TransportAdmin,
  TransportProducer,
  TransportProducerOptions,
} from '../types.js';
import { InProcessBroker } from './broker.js';
import type { InProcessConsumer } from './consumer-group.js';

export interface InProcessTransportOptions {
  /** @default a new `InProcessBroker` */
  broker?: InProcessBroker;
  /** @default "tmbus" */
  clientId?: string;
  /**
   * Members deliver only when `pollOnce` is called (the test driver's synchronous draining).
   * @default false (delivery on the event loop)
   */
  manual?: boolean;
}

/** A transport over an in-process broker. */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process';
  readonly broker: InProcessBroker;
  readonly clientId: string;
  private readonly manual: boolean;

  constructor(options: InProcessTransportOptions = {}) {
    this.broker = options.broker ?? new InProcessBroker();
    this.clientId = options.clientId ?? 'tmbus';
    this.manual = options.manual ?? false;
  }

  member(options: GroupMemberOptions): InProcessGroupMember {
    return new InProcessGroupMember(this.broker, options, this.manual);
  }

  producer(options: TransportProducerOptions): TransportProducer {
    return new InProcessProducer(
      this.broker,
      Boolean(options.transactionalId),
      options.reportOnlyErrors === true,
    );
  }

  admin(): TransportAdmin {
    const broker = this.broker;
    return {
      async ensure(specs: readonly TopicSpec[]) {
        for (const s of specs) broker.createTopic(s.name, { partitions: s.partitions, config: s.config });
      },
      async describe(names?: readonly string[]) {
        const out = new Map<string, TopicMetadata>();
        for (const name of names ?? broker.topicNames())
          if (broker.hasTopic(name)) out.set(name, { name, partitions: broker.partitionCount(name) });
        return out;
      },
    };
  }

  changelogReader(_groupId?: string): ChangelogReader {
    const broker = this.broker;
    return {
      restore(topic: string, partition: number, store: StateStore, from = 0): number {
        if (!broker.hasTopic(topic)) return 0;
        const end = broker.endOffset(topic, partition);
        if (from > end)
          throw new BusError('STORE_FAILED', `checkpoint ${from} is beyond the changelog's end ${end}`, {
            retriable: true,
            context: { topic, partition, offset: from },
          });
        let applied = 0;
        for (const r of broker.fetch(topic, partition, from)) {
          if (!r.key) continue;
          store.restore(r.key, r.value);
          applied++;
        }
        return applied;
      },
      close: async () => undefined,
    };
  }
}

const keyOf = (tp: TopicPartition) => `${tp.topic}:${tp.partition}`;

export class InProcessGroupMember implements GroupMember {
  private consumer?: InProcessConsumer;
  private stopListening?: () => void;
  private running = false;
  private scheduled = false;
  private delivering?: Promise<void>;
  /** Rebalance hooks and exclusive sections still running; delivery waits for them. */
  private busy = 0;
  private chain: Promise<void> = Promise.resolve();
  rebalances = 0;

  constructor(
    private readonly broker: InProcessBroker,
    private readonly o: GroupMemberOptions,
    private readonly manual: boolean,
  ) {}

  async connect(): Promise<void> {}

  start(): void {
    if (this.consumer) return;
    const consumer = this.broker.consumer(this.o.groupId);
    this.consumer = consumer;
    this.running = true;
    // Registered before subscribing: joining the group assigns partitions synchronously.
    consumer.onAssignment((assigned, revoked) => this.rebalance(assigned, revoked));
    this.stopListening = consumer.onRecords(() => this.schedule());
    consumer.subscribe(this.o.topics);
    this.schedule();
  }

  assignment(): TopicPartition[] {
    return this.consumer?.assignment().map((tp) => ({ topic: tp.topic, partition: tp.partition })) ?? [];
  }

  pause(partitions: TopicPartition[]): void {
    this.consumer?.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    if (partitions.length === 0) return;
    this.consumer?.resume(partitions);
    this.schedule();
  }

  seek(tp: TopicPartitionOffset): void {
    // librdkafka's logical "beginning" (-2) and "end" (-1) offsets.
    const offset =
      tp.offset === -2
        ? this.broker.startOffset(tp.topic, tp.partition)
        : tp.offset === -1
          ? this.broker.endOffset(tp.topic, tp.partition)
          : tp.offset;
    this.consumer?.seek(tp.topic, tp.partition, offset);
    this.schedule();
  }

  commit(offsets: TopicPartitionOffset[]): void {
    for (const o of offsets) this.broker.commit(this.o.groupId, o.topic, o.partition, o.offset);
  }

  async committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return partitions.map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      offset: this.broker.committed(this.o.groupId, tp.topic, tp.partition) ?? -1001,
    }));
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    this.busy++;
    const run = this.chain.then(fn);
    this.chain = run.then(
      () => this.idle(),
      () => this.idle(),
    );
    return run;
  }

  lag(): PartitionLagSample[] {
    const consumer = this.consumer;
    if (!consumer) return [];
    return consumer.assignment().map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      lag: Math.max(
        0,
        this.broker.endOffset(tp.topic, tp.partition) - (consumer.position(tp.topic, tp.partition) ?? 0),
      ),
    }));
  }

  pollOnce(max = this.o.batchSize ?? 2000): number {
    const consumer = this.consumer;
    if (!consumer || !this.running || this.busy > 0 || this.delivering) return 0;
    const batch = consumer.poll(max);
    if (batch.length === 0) return 0;
    const taken = this.o.onBatch(batch);
    if (taken) {
      // Backpressure: the next batch waits until the engine has room.
      this.delivering = taken.then(
        () => {
          this.delivering = undefined;
          this.schedule();
        },
        (e: unknown) => {
          this.delivering = undefined;
          this.o.onError?.(e);
          this.schedule();
        },
      );
    }
    return batch.length;
  }

  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopListening?.();
    await this.delivering;
    await this.chain;
    const owned = this.assignment();
    if (this.o.onRevoke && owned.length > 0) await this.o.onRevoke(owned);
    this.consumer?.close();
  }

  private idle(): void {
    this.busy--;
    this.schedule();
  }

  private schedule(): void {
    if (this.manual || !this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.pollOnce() > 0 && !this.delivering) this.schedule();
    });
  }

  /** Runs the hooks now when nothing is pending (synchronously if they are), else after it. */
  private rebalance(assigned: TopicPartition[], revoked: TopicPartition[]): void {
    this.rebalances++;
    this.consumer?.pause(assigned);
    const run = (): Promise<void> | undefined => {
      const revoking = revoked.length > 0 ? this.o.onRevoke?.(revoked) : undefined;
      if (revoking) return revoking.then(() => this.assign(assigned));
      return this.assign(assigned);
    };
    if (this.busy === 0) {
      const pending = run();
      if (!pending) return void this.schedule();
      this.busy++;
      this.chain = pending.then(
        () => this.idle(),
        (e: unknown) => {
          this.o.onError?.(e);
          this.idle();
        },
      );
      return;
    }
    this.busy++;
    this.chain = this.chain
      .then(run)
      .catch((e: unknown) => this.o.onError?.(e))
      .then(() => this.idle());
  }

  private assign(partitions: TopicPartition[]): Promise<void> | undefined {
    if (partitions.length === 0) return undefined;
    const resume = (held?: TopicPartition[]) => {
      const keep = new Set((held ?? []).map(keyOf));
      this.consumer?.resume(partitions.filter((p) => !keep.has(keyOf(p))));
    };
    let held: ReturnType<NonNullable<GroupMemberOptions['onAssign']>>;
    try {
      held = this.o.onAssign?.(partitions);
    } catch (e) {
      resume();
      throw e;
    }
    if (held instanceof Promise)
      return held.then(resume, (e: unknown) => {
        resume();
        throw e;
      });
    resume(held);
    return undefined;
  }
}

class InProcessProducer implements TransportProducer {
  readonly inFlight = 0;
  private pending?: { offsets: TopicPartitionOffset[]; member: GroupMember };

  constructor(
    private readonly broker: InProcessBroker,
    readonly transactional: boolean,
    readonly reportsOnlyErrors: boolean,
  ) {}

  async connect(): Promise<void> {}

  send(record: OutgoingRecord<Buffer | string | null, Buffer | null>): Promise<DeliveryReport> {
    if (this.reportsOnlyErrors)
      return Promise.reject(
        new BusError('BAD_REQUEST', 'send() needs delivery reports: this producer reports only errors'),
      );
    try {
      const key = typeof record.key === 'string' ? Buffer.from(record.key) : record.key;
      return Promise.resolve(
        this.broker.produce(key === record.key ? (record as never) : { ...record, key }),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private deliveryListener?: (tag: number, error: unknown, count?: number) => void;

  produce(record: OutgoingRecord<Buffer | string | null, Buffer | null>, tag: number): void {
    let error: unknown;
    try {
      const key = typeof record.key === 'string' ? Buffer.from(record.key) : record.key;
      this.broker.produce(key === record.key ? (record as never) : { ...record, key });
    } catch (e) {
      error = e;
    }
    if (this.reportsOnlyErrors) {
      if (error !== undefined) this.deliveryListener?.(-1, error);
    } else this.deliveryListener?.(tag, error);
  }

  /** Nothing waits here: `produce` appends at once. */
  expedite(): void {}

  onDelivery(listener: (tag: number, error: unknown, count?: number) => void): void {
    this.deliveryListener = listener;
  }

  async flush(): Promise<void> {}

  async beginTransaction(): Promise<void> {
    this.pending = undefined;
  }

  async sendOffsetsToTransaction(offsets: TopicPartitionOffset[], member: GroupMember): Promise<void> {
    this.pending = { offsets, member };
  }

  async commitTransaction(): Promise<void> {
    const pending = this.pending;
    this.pending = undefined;
    pending?.member.commit(pending.offsets, true);
  }

  async abortTransaction(): Promise<void> {
    this.pending = undefined;
  }

  async reinitialize(): Promise<void> {
    this.pending = undefined;
  }

  async disconnect(): Promise<void> {}
}
