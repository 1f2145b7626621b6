// Offset questions an operator asks of the cluster — where does time T start in each partition,
// where does each partition end, what has a group committed — answered by one short-lived
// consumer that never subscribes, so it never joins (and never rebalances) the group it asks
// about. Its commits carry no member id: the broker accepts them only while the group has no
// members, which is exactly the "group must be inactive" rule of an offset reset.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import { kafkaError } from '../kafka/kafka-errors.js';
import { consumerConfig } from '../kafka/librdkafka-config.js';
import { TopicManager } from '../kafka/topics.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Watermarks {
  /** First offset still in the log. */
  low: number;
  /** Offset the next produced record will get (log end). */
  high: number;
}

/** `topic:partition`, the key of every per-partition map in the ops tools. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.topic}:${tp.partition}`;
}

// librdkafka's logical "end" offset, answered by offsets-for-times when no record is that late.
const OFFSET_END = -1;
// Refusals of a commit without a member id while the group has members: UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS, and STALE_MEMBER_EPOCH for KIP-848 groups.
const GROUP_ACTIVE_CODES = new Set([25, 22, 27, 113]);
const TIMEOUT_MS = 30_000;

/** A non-member consumer for offset lookups and group offset commits. Close it when done. */
export class OffsetLookup {
  private constructor(
    private readonly connection: ConnectionConfig,
    readonly native: Kafka.KafkaConsumer,
    readonly groupId: string,
  ) {}

  /**
   * Connects a lookup client. `groupId` is the group whose offsets `committed`/`commit` read and
   * write; without it a throwaway id is used (nothing is committed under it).
   */
  static async open(connection: ConnectionConfig, groupId?: string): Promise<OffsetLookup> {
    const group = groupId ?? `tmbus-ops-lookup-${process.pid}-${Date.now()}`;
    const conf = consumerConfig(connection, `${connection.kafka.clientId}-ops`, group, {
      // Log end offsets, not the last stable offset: lag and replay ranges count every record.
      'isolation.level': 'read_uncommitted',
    });
    const native = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {});
    await new Promise<void>((resolve, reject) =>
      native.connect({ timeout: TIMEOUT_MS }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'ops consumer could not connect', err)) : resolve(),
      ),
    );
    return new OffsetLookup(connection, native, group);
  }

  /** Every partition of `topics`; throws `KafkaError` naming the topics that do not exist. */
  async partitionsOf(topics: readonly string[]): Promise<TopicPartition[]> {
    const found = await new TopicManager(this.connection).describe(topics);
    const missing = topics.filter((t) => !found.has(t));
    if (missing.length > 0) {
      throw new KafkaError('KAFKA_ADMIN', `topic(s) not found: ${missing.join(', ')}`, {
        context: { topic: missing[0] },
      });
    }
    return topics.flatMap((topic) =>
      Array.from({ length: found.get(topic)!.partitions }, (_, partition) => ({ topic, partition })),
    );
  }

  /** Every partition of every topic except Kafka's internal ones (`__consumer_offsets`, …). */
  async allPartitions(): Promise<TopicPartition[]> {
    const all = await new TopicManager(this.connection).describe();
    return [...all.values()]
      .filter((t) => !t.name.startsWith('__'))
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((t) => Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition })));
  }

  /** Low and high watermark of each partition, queried from the partition leaders. */
  async watermarks(partitions: readonly TopicPartition[]): Promise<Map<string, Watermarks>> {
    const entries = await Promise.all(
      partitions.map(
        (tp) =>
          new Promise<[string, Watermarks]>((resolve, reject) =>
            this.native.queryWatermarkOffsets(tp.topic, tp.partition, TIMEOUT_MS, (err, w) =>
              err
                ? reject(kafkaError('KAFKA_ADMIN', 'watermark query failed', err, tp))
                : resolve([partitionKey(tp), { low: w.lowOffset, high: w.highOffset }]),
            ),
          ),
      ),
    );
    return new Map(entries);
  }

  /**
   * First offset whose record timestamp is at or after `epochMs`, per partition. A partition with
   * no such record answers its high watermark (the position a reader would wait at).
   */
  async offsetsForTime(partitions: readonly TopicPartition[], epochMs: number): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map();
    const found = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      this.native.offsetsForTimes(
        partitions.map((tp) => ({ ...tp, offset: epochMs })),
        TIMEOUT_MS,
        (err, offsets) =>
          err ? reject(kafkaError('KAFKA_ADMIN', 'offsets-for-times lookup failed', err)) : resolve(offsets),
      ),
    );
    const atEnd = found.filter((o) => o.offset === OFFSET_END);
    const ends = atEnd.length > 0 ? await this.watermarks(atEnd) : new Map<string, Watermarks>();
    return new Map(
      found.map((o) => [
        partitionKey(o),
        o.offset === OFFSET_END ? ends.get(partitionKey(o))!.high : o.offset,
      ]),
    );
  }

  /** The group's committed offset (next record to read) per partition; `null` when none. */
  async committed(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    if (partitions.length === 0) return new Map();
    const offsets = await new Promise<Kafka.TopicPartitionOffset[]>((resolve, reject) =>
      this.native.committed([...partitions], TIMEOUT_MS, (err, tps) =>
        err
          ? reject(
              kafkaError('KAFKA_CONSUME', `committed offsets of group '${this.groupId}' unavailable`, err),
            )
          : resolve(tps),
      ),
    );
    return new Map(
      offsets.map((o) => [partitionKey(o), typeof o.offset !== 'number' || o.offset < 0 ? null : o.offset]),
    );
  }

  /**
   * Commits `offsets` for the group in one request. The broker refuses a commit without a member
   * id while the group has members (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION): that refusal is
   * turned into a clear error, and nothing is changed.
   */
  commit(offsets: readonly (TopicPartition & { offset: number })[]): void {
    if (offsets.length === 0) return;
    try {
      this.native.commitSync([...offsets]);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== undefined && GROUP_ACTIVE_CODES.has(code)) {
        throw new KafkaError(
          'KAFKA_CONSUME',
          `consumer group '${this.groupId}' is active (it has members); stop its consumers before ` +
            'resetting its offsets',
          { cause: err, context: { group: this.groupId } },
        );
      }
      throw kafkaError('KAFKA_CONSUME', `offset commit for group '${this.groupId}' failed`, err);
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.native.disconnect(() => resolve()));
  }
}
