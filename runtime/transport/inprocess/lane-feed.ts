// What a gateway needs of the embedded broker, and nothing more: the four priority-lane topics'
// records with their Kafka-style positions (topic, partition, offset), a live feed of new appends,
// and reads of one partition from an offset for loss-free resume. On Kafka a gateway gets the same
// from its consumer group and a replay reader; behind this interface the embedded demo's gateway
// code does not need to know which one it runs on.
//
// The broker may bound its partitions (`maxRecordsPerPartition`): the low watermark then moves up
// like Kafka's under retention, and a cursor below it is behind retention (a gap to report).

import { PRIORITIES, type Priority } from '../../../schemas/catalog.js';
import type { BrokerRecord, InProcessBroker } from './broker.js';

/** One record of a lane topic: raw Avro bytes (Confluent framing) and their position. */
export interface LaneRecord {
  readonly priority: Priority;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;
  readonly headers: Readonly<Record<string, Buffer>>;
}

/** A partition's readable range: offsets `[low, high)`. */
export interface LaneWatermarks {
  readonly low: number;
  readonly high: number;
}

/**
 * The lane topics of an embedded broker, as a gateway reads them.
 *
 * @example
 * const feed = createLaneFeed(broker, laneTopics);
 * const stop = feed.subscribe((records) => fanOut(records));           // live
 * const missed = feed.read(laneTopics.CRITICAL, 0, cursor.offset + 1);  // resume
 */
export interface LaneFeed {
  /** Lane topic of each priority. */
  readonly topics: Readonly<Record<Priority, string>>;
  /** Partition ids of a lane topic (empty for a topic that does not exist). */
  partitions(topic: string): number[];
  /** `low`: the first offset still kept; `high`: the offset the next record will get. */
  watermarks(topic: string, partition: number): LaneWatermarks;
  /**
   * Records of one partition from `fromOffset` (inclusive), at most `max`, in offset order; from
   * the low watermark when `fromOffset` is below it.
   */
  read(topic: string, partition: number, fromOffset: number, max?: number): LaneRecord[];
  /**
   * Calls `listener` with every record appended to a lane topic from now on, in append order,
   * batched per macrotask (never inside the producer's call, so a slow listener cannot stall the
   * topologies). Returns an unsubscribe function.
   */
  subscribe(listener: (records: LaneRecord[]) => void): () => void;
}

/**
 * A `LaneFeed` over `broker`'s lane topics.
 *
 * @example
 * const feed = createLaneFeed(demo.broker, demo.laneTopics);
 */
export function createLaneFeed(
  broker: InProcessBroker,
  topics: Readonly<Record<Priority, string>>,
): LaneFeed {
  const priorityOf = new Map<string, Priority>(PRIORITIES.map((p) => [topics[p], p]));
  const toLaneRecord = (r: BrokerRecord, priority: Priority): LaneRecord => ({
    priority,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    value: r.value,
    timestamp: r.timestamp,
    headers: r.headers,
  });
  return {
    topics,
    partitions(topic) {
      if (!broker.hasTopic(topic)) return [];
      return Array.from({ length: broker.partitionCount(topic) }, (_, i) => i);
    },
    watermarks(topic, partition) {
      if (!broker.hasTopic(topic)) return { low: 0, high: 0 };
      return { low: broker.startOffset(topic, partition), high: broker.endOffset(topic, partition) };
    },
    read(topic, partition, fromOffset, max) {
      const priority = priorityOf.get(topic);
      if (priority === undefined || !broker.hasTopic(topic)) return [];
      return broker
        .fetch(topic, partition, Math.max(0, fromOffset), max)
        .map((r) => toLaneRecord(r, priority));
    },
    subscribe(listener) {
      let pending: LaneRecord[] = [];
      let timer: NodeJS.Immediate | undefined;
      const flush = () => {
        timer = undefined;
        const batch = pending;
        pending = [];
        listener(batch);
      };
      const unsubscribe = broker.onAppend((record) => {
        const priority = priorityOf.get(record.topic);
        if (priority === undefined) return;
        pending.push(toLaneRecord(record, priority));
        timer ??= setImmediate(flush);
      });
      return () => {
        unsubscribe();
        if (timer) clearImmediate(timer);
        pending = [];
      };
    },
  };
}
