// The librdkafka transport: thin adapters over the battle-tested BusConsumer, BusProducer and
// TopicManager. A fetched batch comes as records (through the addon `PackedRecord`s, whose bytes
// are read when first needed) and is handed over whole.

import type Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../../core/config.js';
import type { OutgoingRecord } from '../../../core/record.js';
import { BusConsumer } from '../../kafka/consumer.js';
import { BusProducer } from '../../kafka/producer.js';
import { TopicManager } from '../../kafka/topics.js';
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
import { KafkaChangelogReader } from './changelog-reader.js';

/** A transport over a Kafka cluster through node-rdkafka. */
export function kafkaTransport(connection: ConnectionConfig): Transport {
  return {
    kind: 'librdkafka',
    clientId: connection.kafka.clientId,
    member: (options) => new KafkaGroupMember(connection, options),
    producer: (options) => new KafkaTransportProducer(connection, options),
    admin: (): TransportAdmin => new TopicManager(connection),
    changelogReader: (groupId): ChangelogReader => new KafkaChangelogReader(connection, groupId),
  };
}

export class KafkaGroupMember implements GroupMember {
  readonly consumer: BusConsumer;

  constructor(connection: ConnectionConfig, o: GroupMemberOptions) {
    this.consumer = new BusConsumer({
      connection,
      groupId: o.groupId,
      clientId: o.clientId,
      topics: o.topics,
      batchSize: o.batchSize,
      isolationLevel: o.isolationLevel,
      assignmentStrategy: o.assignmentStrategy,
      // A fetch with nothing to return waits at the broker up to this long; it answers at once when
      // records arrive, so records wait no longer for it. At 10 ms (the bus's default) an idle
      // member cost the broker ~4% of a core in empty fetches. A partition resumed after
      // backpressure joins the next fetch, so it may wait this long: its queue still holds work.
      librdkafka: { 'fetch.wait.max.ms': 100, ...o.librdkafka },
      // Nothing runs on idle (no onIdle): an idle member waits for librdkafka's arrival signal,
      // waking on its own only four times a second instead of a hundred.
      idleWaitMs: 250,
      logger: o.logger,
      onAssign: o.onAssign ? async (partitions) => (await o.onAssign?.(partitions)) ?? undefined : undefined,
      onRevoke: o.onRevoke,
      onRecords: o.onBatch,
      onError: o.onError,
    });
  }

  /** The node-rdkafka consumer (transactions send its group metadata). */
  get native(): Kafka.KafkaConsumer {
    return this.consumer.native;
  }

  get rebalances(): number {
    return this.consumer.rebalances;
  }

  connect(): Promise<void> {
    return this.consumer.connect();
  }

  start(): void {
    this.consumer.start();
  }

  assignment(): TopicPartition[] {
    return this.consumer.assignment();
  }

  pause(partitions: TopicPartition[]): void {
    this.consumer.pause(partitions);
  }

  resume(partitions: TopicPartition[]): void {
    this.consumer.resume(partitions);
  }

  seek(tp: TopicPartitionOffset): void {
    this.consumer.seek(tp);
  }

  commit(offsets: TopicPartitionOffset[], sync?: boolean): void {
    this.consumer.commit(offsets, sync);
  }

  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]> {
    return this.consumer.committed(partitions);
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.consumer.exclusive(fn);
  }

  lag(): PartitionLagSample[] {
    const owned = this.consumer.assignment();
    if (owned.length === 0) return [];
    let positions: { topic: string; partition: number; offset?: number }[];
    try {
      positions = this.native.position(owned);
    } catch {
      return [];
    }
    const out: PartitionLagSample[] = [];
    for (const p of positions) {
      try {
        const { highOffset } = this.native.getWatermarkOffsets(p.topic, p.partition);
        if (highOffset < 0 || p.offset === undefined || p.offset < 0) continue;
        out.push({ topic: p.topic, partition: p.partition, lag: Math.max(0, highOffset - p.offset) });
      } catch {
        // no watermark cached yet for this partition
      }
    }
    return out;
  }

  close(): Promise<void> {
    return this.consumer.close();
  }
}

export class KafkaTransportProducer implements TransportProducer {
  readonly producer: BusProducer;

  constructor(connection: ConnectionConfig, o: TransportProducerOptions) {
    this.producer = new BusProducer({
      connection,
      clientId: o.clientId,
      transactionalId: o.transactionalId,
      reportOnlyErrors: o.reportOnlyErrors,
      librdkafka: o.librdkafka,
    });
  }

  get transactional(): boolean {
    return this.producer.transactional;
  }

  get reportsOnlyErrors(): boolean {
    return this.producer.reportsOnlyErrors;
  }

  get flushIsBarrier(): boolean {
    return this.producer.flushIsBarrier;
  }

  get inFlight(): number {
    return this.producer.inFlight;
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  send(record: OutgoingRecord<Buffer | string | null, Buffer | null>): Promise<DeliveryReport> {
    return this.producer.send(record);
  }

  produce(record: OutgoingRecord<Buffer | string | null, Buffer | null>, tag: number): void {
    this.producer.produce(record, tag);
  }

  expedite(): void {
    this.producer.expedite();
  }

  onDelivery(listener: (tag: number, error: unknown, count?: number) => void): void {
    this.producer.onDelivery(listener);
  }

  flush(timeoutMs?: number): Promise<void> {
    return this.producer.flush(timeoutMs);
  }

  beginTransaction(): Promise<void> {
    return this.producer.beginTransaction();
  }

  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], member: GroupMember): Promise<void> {
    return this.producer.sendOffsetsToTransaction(offsets, (member as KafkaGroupMember).native);
  }

  commitTransaction(): Promise<void> {
    return this.producer.commitTransaction();
  }

  abortTransaction(): Promise<void> {
    return this.producer.abortTransaction();
  }

  reinitialize(): Promise<void> {
    return this.producer.reinitialize();
  }

  disconnect(timeoutMs?: number): Promise<void> {
    return this.producer.disconnect(timeoutMs);
  }
}
