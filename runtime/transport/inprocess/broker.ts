// An in-process Kafka stand-in for the zero-setup demo and the test driver (the in-process transport): topics with partitions and
// offsets (keys placed by the Java-compatible murmur2 partitioner), append and fetch, committed
// offsets per consumer group, and consumers that subscribe, poll and get told about new records.
// Everything is synchronous and in memory. By default every record is kept; a long-running user
// (the zero-setup demo) bounds each partition with `maxRecordsPerPartition`: delete-policy topics
// drop their oldest records, compacted topics keep the latest record per key, and offsets never
// move (a fetch below the first kept offset starts at it, like `auto.offset.reset=earliest`).

import { type Clock, systemClock } from '../../../core/clock.js';
import { KafkaError } from '../../../core/errors.js';
import type { KafkaRecord, OutgoingHeaders, OutgoingRecord, RecordHeaders } from '../../../core/record.js';
import { javaPartition } from '../../../topology/partitioner.js';
import { ConsumerGroup, InProcessConsumer } from './consumer-group.js';

/** A record as stored: bytes, position, and a broker-wide append sequence (production order). */
export interface BrokerRecord extends KafkaRecord<Buffer | null, Buffer | null> {
  readonly sequence: number;
}

/** Where an appended record landed. */
export interface RecordPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface TopicSettings {
  /** @default the broker's `defaultPartitions` */
  readonly partitions?: number;
  /** Kept for inspection (e.g. `cleanup.policy`); not enforced. @default {} */
  readonly config?: Readonly<Record<string, string>>;
}

export interface InProcessBrokerOptions {
  /** Partitions of topics created without a count. @default 1 */
  readonly defaultPartitions?: number;
  /** Create a topic on first produce instead of failing. @default true */
  readonly autoCreateTopics?: boolean;
  /** Timestamps of records produced without one. @default the system clock */
  readonly clock?: Clock;
  /**
   * Records kept per partition. Past it (with some slack, so cleanup is amortized) a topic whose
   * `cleanup.policy` is `compact` keeps the latest record per key, any other drops its oldest.
   * @default unbounded
   */
  readonly maxRecordsPerPartition?: number;
}

/** One partition's records in offset order, and the offset the next record gets. */
interface PartitionLog {
  records: BrokerRecord[];
  next: number;
  /** Length at which the next cleanup runs. */
  cleanupAt: number;
}

interface Topic {
  readonly name: string;
  readonly partitions: PartitionLog[];
  readonly config: Readonly<Record<string, string>>;
  nextRoundRobin: number;
}

/**
 * The broker.
 *
 * @example
 * const broker = new InProcessBroker({ defaultPartitions: 3 });
 * broker.createTopic('tm.orders', { partitions: 6 });
 * broker.produce({ topic: 'tm.orders', key: Buffer.from('AAPL'), value: bytes });
 * const consumer = broker.consumer('tm-risk');
 * consumer.subscribe(['tm.orders']);
 * for (const record of consumer.poll()) handle(record);
 * consumer.commit();
 */
export class InProcessBroker {
  private readonly topics = new Map<string, Topic>();
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly committedOffsets = new Map<string, number>();
  private readonly appendListeners = new Set<(record: BrokerRecord) => void>();
  private readonly defaultPartitions: number;
  private readonly autoCreate: boolean;
  private readonly clock: Clock;
  private readonly maxRecords: number;
  private sequence = 0;

  constructor(options: InProcessBrokerOptions = {}) {
    this.defaultPartitions = options.defaultPartitions ?? 1;
    this.autoCreate = options.autoCreateTopics ?? true;
    this.clock = options.clock ?? systemClock();
    this.maxRecords = options.maxRecordsPerPartition ?? Number.POSITIVE_INFINITY;
  }

  /** Creates a topic; creating it again with the same partition count is a no-op. */
  createTopic(name: string, settings: TopicSettings = {}): void {
    const partitions = settings.partitions ?? this.defaultPartitions;
    if (!Number.isInteger(partitions) || partitions <= 0) {
      throw new KafkaError(
        'KAFKA_ADMIN',
        `topic '${name}' needs a positive partition count, got ${partitions}`,
        {
          context: { topic: name },
        },
      );
    }
    const existing = this.topics.get(name);
    if (existing) {
      if (existing.partitions.length === partitions) return;
      throw new KafkaError(
        'TOPIC_CONFLICT',
        `topic '${name}' exists with ${existing.partitions.length} partitions, not ${partitions}`,
        { context: { topic: name } },
      );
    }
    this.topics.set(name, {
      name,
      partitions: Array.from({ length: partitions }, () => ({
        records: [],
        next: 0,
        cleanupAt: cleanupThreshold(this.maxRecords),
      })),
      config: settings.config ?? {},
      nextRoundRobin: 0,
    });
    for (const group of this.groups.values()) group.rebalance();
  }

  hasTopic(name: string): boolean {
    return this.topics.has(name);
  }

  /** Names of every topic, sorted. */
  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  partitionCount(topic: string): number {
    return this.topic(topic).partitions.length;
  }

  topicConfig(topic: string): Readonly<Record<string, string>> {
    return this.topic(topic).config;
  }

  /**
   * Appends a record. Without an explicit partition, a keyed record goes to
   * `javaPartition(key, partitions)` and a keyless one round-robin.
   */
  produce(record: OutgoingRecord<Buffer | null, Buffer | null>): RecordPosition {
    if (!this.topics.has(record.topic)) {
      if (!this.autoCreate) {
        throw new KafkaError('KAFKA_PRODUCE', `unknown topic '${record.topic}'`, {
          context: { topic: record.topic },
        });
      }
      this.createTopic(record.topic);
    }
    const topic = this.topic(record.topic);
    const count = topic.partitions.length;
    let partition = record.partition;
    if (partition === undefined) {
      partition = record.key ? javaPartition(record.key, count) : topic.nextRoundRobin++ % count;
    } else if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
      throw new KafkaError('KAFKA_PRODUCE', `topic '${record.topic}' has no partition ${partition}`, {
        context: { topic: record.topic, partition },
      });
    }
    const log = topic.partitions[partition] as PartitionLog;
    const stored: BrokerRecord = {
      topic: record.topic,
      partition,
      offset: log.next++,
      key: record.key,
      value: record.value,
      timestamp: record.timestamp ?? this.clock.now(),
      headers: record.headers ? asReadHeaders(record.headers) : {},
      sequence: this.sequence++,
    };
    log.records.push(stored);
    if (log.records.length >= log.cleanupAt) this.cleanUp(topic, log);
    for (const listener of this.appendListeners) listener(stored);
    return { topic: record.topic, partition, offset: stored.offset };
  }

  /**
   * Records of one partition from `offset` on (at most `max`); from the first kept record when
   * `offset` is below it.
   */
  fetch(topic: string, partition: number, offset: number, max = Number.POSITIVE_INFINITY): BrokerRecord[] {
    const { records } = this.log(topic, partition);
    const from = firstAtOrAfter(records, offset);
    return records.slice(from, from + max);
  }

  /** The offset the next record of the partition will get. */
  endOffset(topic: string, partition: number): number {
    return this.log(topic, partition).next;
  }

  /** The offset of the first record still kept (equal to `endOffset` when none is). */
  startOffset(topic: string, partition: number): number {
    const log = this.log(topic, partition);
    return log.records[0]?.offset ?? log.next;
  }

  /** Calls `listener` after every append; returns an unsubscribe function. */
  onAppend(listener: (record: BrokerRecord) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** Commits `offset` (the next offset to read) for a group. */
  commit(groupId: string, topic: string, partition: number, offset: number): void {
    this.committedOffsets.set(`${groupId}\u0000${topic}\u0000${partition}`, offset);
  }

  /** The group's committed offset, if any. */
  committed(groupId: string, topic: string, partition: number): number | undefined {
    return this.committedOffsets.get(`${groupId}\u0000${topic}\u0000${partition}`);
  }

  /** A new member of consumer group `groupId`. */
  consumer(groupId: string): InProcessConsumer {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new ConsumerGroup(groupId, this);
      this.groups.set(groupId, group);
    }
    return new InProcessConsumer(group, this);
  }

  /** Drops the oldest records, or compacts to the latest per key on compacted topics. */
  private cleanUp(topic: Topic, log: PartitionLog): void {
    if (topic.config['cleanup.policy']?.includes('compact')) {
      const latest = new Map<string, number>();
      for (const [i, r] of log.records.entries()) {
        latest.set(r.key === null ? `\u0000null${i}` : r.key.toString('latin1'), i);
      }
      const keep = new Set(latest.values());
      log.records = log.records.filter((_, i) => keep.has(i));
    } else {
      log.records = log.records.slice(log.records.length - this.maxRecords);
    }
    // Many distinct keys can keep a compacted log above the bound: wait for it to grow again.
    log.cleanupAt = Math.max(cleanupThreshold(this.maxRecords), 2 * log.records.length);
  }

  private log(topic: string, partition: number): PartitionLog {
    const log = this.topic(topic).partitions[partition];
    if (!log) {
      throw new KafkaError('KAFKA_CONSUME', `topic '${topic}' has no partition ${partition}`, {
        context: { topic, partition },
      });
    }
    return log;
  }

  private topic(name: string): Topic {
    const topic = this.topics.get(name);
    if (!topic)
      throw new KafkaError('KAFKA_CONSUME', `unknown topic '${name}'`, { context: { topic: name } });
    return topic;
  }
}

/** Cleanup runs at a quarter past the bound, so its cost spreads over many appends. */
function cleanupThreshold(max: number): number {
  return max === Number.POSITIVE_INFINITY ? max : Math.max(max + 1, Math.ceil(max * 1.25));
}

/** Index of the first record whose offset is `>= offset` (records are in offset order). */
function firstAtOrAfter(records: readonly BrokerRecord[], offset: number): number {
  if (records.length === 0 || (records[0] as BrokerRecord).offset >= offset) return 0;
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((records[mid] as BrokerRecord).offset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Headers as a consumer reads them: text values written as strings come back as Buffers, as on Kafka. */
function asReadHeaders(headers: OutgoingHeaders): RecordHeaders {
  let strings = false;
  for (const name in headers) if (typeof headers[name] === 'string') strings = true;
  if (!strings) return headers as RecordHeaders;
  const out: RecordHeaders = {};
  for (const name in headers) {
    const value = headers[name]!;
    out[name] = typeof value === 'string' ? Buffer.from(value) : value;
  }
  return out;
}
