// What the engine needs of a message bus, and nothing more: a consumer-group member (rebalance
// hooks, batch delivery, pause/resume, seek, commits, lag), a producer (send with a delivery
// promise, flush, transactions with the consumer's offsets in them), topic administration and a
// changelog reader for restoring stores. Two implementations: librdkafka (a Kafka cluster) and
// in-process (an `InProcessBroker`, for the zero-setup demo and the test driver). Kafka Streams
// keeps the same seam between its StreamThread and the clients it is handed.
//
// Records cross the seam transport-neutral (`TransportRecord`: topic, partition, offset, key,
// value, timestamp, headers) and a batch at a time: the engine processes a batch synchronously and
// meets one async boundary per batch.

import type { Logger } from '../../core/logger.js';
import type { KafkaRecord, OutgoingRecord } from '../../core/record.js';
import type { StateStore } from '../../topology/plan.js';
import type { LibrdkafkaConfig } from '../kafka/librdkafka-config.js';
import type { TopicMetadata, TopicSpec } from '../kafka/topics.js';

/** A record as read from the bus. */
export type TransportRecord = KafkaRecord<Buffer | null, Buffer | null>;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

export interface DeliveryReport {
  topic: string;
  partition: number;
  offset: number;
}

export interface PartitionLagSample extends TopicPartition {
  /** High watermark minus the member's position. */
  lag: number;
}

export interface GroupMemberOptions {
  groupId: string;
  topics: readonly string[];
  clientId?: string;
  /** @default "cooperative-sticky" (librdkafka); the in-process group always spreads round-robin */
  assignmentStrategy?: 'cooperative-sticky' | 'range' | 'roundrobin';
  /** @default "read_committed" */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  /** Records handed over per batch. @default 2000 */
  batchSize?: number;
  /** librdkafka settings (ignored in-process). */
  librdkafka?: LibrdkafkaConfig;
  logger?: Logger;
  /**
   * Partitions newly assigned; they stay paused until the result settles (state restore). Those it
   * returns stay paused after (their task could not restore): the caller resumes them. A
   * synchronous result keeps an in-process assignment synchronous.
   */
  onAssign?: (
    partitions: TopicPartition[],
  ) => TopicPartition[] | Promise<TopicPartition[] | undefined> | undefined;
  /** Partitions about to be taken away; they are released once the promise settles (drain, commit). */
  onRevoke?: (partitions: TopicPartition[]) => Promise<void> | void;
  /** A batch of records; the next batch is fetched once the returned promise settles. */
  onBatch: (records: TransportRecord[]) => Promise<void> | void;
  onError?: (e: unknown) => void;
}

/** One member of a consumer group. */
export interface GroupMember {
  connect(): Promise<void>;
  /** Joins the group and starts delivering batches. */
  start(): void;
  /** Partitions this member owns now. */
  assignment(): TopicPartition[];
  /** Rebalances this member has been through. */
  readonly rebalances: number;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  /** Moves the fetch position of a (paused) partition: its records are read again. */
  seek(tp: TopicPartitionOffset): void;
  /** Commits `offset` = next record to read, per partition. Synchronous when `sync`. */
  commit(offsets: TopicPartitionOffset[], sync?: boolean): void;
  /** The group's committed offset of each partition (`offset` absent or negative when none). */
  committed(partitions: TopicPartition[]): Promise<TopicPartitionOffset[]>;
  /** Runs `fn` between rebalances and batches. */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
  /** Lag of each owned partition from cached watermarks (no broker round trip). */
  lag(): PartitionLagSample[];
  /** Stops delivering (after the current batch), revokes what it owns, leaves the group. */
  close(): Promise<void>;
  /**
   * Synchronous transports only (the test driver's): fetches one batch of at most `max` records
   * now and hands it to `onBatch`; returns its size.
   */
  pollOnce?(max?: number): number;
}

export interface TransportProducerOptions {
  clientId?: string;
  /** Makes the producer transactional (exactly-once). */
  transactionalId?: string;
  /**
   * Report only failed `produce`d records (Kafka's `delivery.report.only.error`): no report per
   * record, `flush` is the barrier, and `send` is unavailable. @default false
   */
  reportOnlyErrors?: boolean;
  librdkafka?: LibrdkafkaConfig;
}

export interface TransportProducer {
  readonly transactional: boolean;
  /**
   * Made with `reportOnlyErrors`: no report crosses per `produce`d record (`send` is unavailable).
   * Reports arrive counted per tag, or, when `flushIsBarrier`, only failures (tag -1).
   */
  readonly reportsOnlyErrors: boolean;
  /**
   * `produce`d records reach `onDelivery` only when they fail (tag -1), so `flush` is their barrier
   * (`send` may still report each). @default reportsOnlyErrors
   */
  readonly flushIsBarrier?: boolean;
  connect(): Promise<void>;
  /** Hands one record over; the promise settles on its delivery report. */
  send(record: OutgoingRecord<Buffer | string | null, Buffer | null>): Promise<DeliveryReport>;
  /**
   * Hands one record over with no promise (the hot path, like Kafka Streams' RecordCollector): its
   * delivery report goes to the `onDelivery` listener with `tag`.
   */
  produce(record: OutgoingRecord<Buffer | string | null, Buffer | null>, tag: number): void;
  /**
   * Hands what `produce` has batched on this side over to the client now, not at the end of the
   * current task (a CRITICAL record's outputs do not wait for the rest of a processing slice).
   */
  expedite(): void;
  /**
   * The one listener of `produce`d records' delivery reports: `error` set when not delivered;
   * `count` records of `tag` delivered at once when the producer counts them (default 1).
   */
  onDelivery(listener: (tag: number, error: unknown, count?: number) => void): void;
  /**
   * Resolves once everything handed over so far is acknowledged or reported failed (the failure's
   * report delivered first); rejects when `timeoutMs` passes first.
   */
  flush(timeoutMs?: number): Promise<void>;
  beginTransaction(): Promise<void>;
  /** Puts `member`'s offsets into the open transaction. */
  sendOffsetsToTransaction(offsets: TopicPartitionOffset[], member: GroupMember): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
  /** Replaces a fenced or failed transactional producer with a new one of the same id. */
  reinitialize(): Promise<void>;
  /** Records handed over and not yet acknowledged. */
  readonly inFlight: number;
  disconnect(timeoutMs?: number): Promise<void>;
}

export interface TransportAdmin {
  /** Creates missing topics, verifies existing ones against the spec. */
  ensure(specs: readonly TopicSpec[]): Promise<void>;
  /** Partition counts of the topics that exist (all when `names` is omitted). */
  describe(names?: readonly string[]): Promise<Map<string, TopicMetadata>>;
}

/** Replays changelog partitions into stores. */
export interface ChangelogReader {
  /**
   * Replays `topic[partition]` from offset `from` (a checkpoint; @default its start) to its end into
   * `store` without re-logging; returns the records applied (synchronously in-process).
   */
  restore(topic: string, partition: number, store: StateStore, from?: number): number | Promise<number>;
  close(): Promise<void>;
}

export interface Transport {
  readonly kind: 'librdkafka' | 'in-process';
  /** A client id prefix for this transport's clients. */
  readonly clientId: string;
  member(options: GroupMemberOptions): GroupMember;
  producer(options: TransportProducerOptions): TransportProducer;
  admin(): TransportAdmin;
  changelogReader(groupId: string): ChangelogReader;
}
