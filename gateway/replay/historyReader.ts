// What resume reads history through: partition lists, watermarks and offset ranges of the lane
// topics. `KafkaReader` is the Kafka implementation (assign + seek, outside the consumer group);
// the zero-setup demo injects one over the embedded broker's `LaneFeed` (`gateway/embedded/`).
// `ResumeService` only knows this interface.

import type { LaneHeaders } from '../delivery/laneSource.js';

/** A partition's readable range: offsets `[low, high)`. */
export interface Watermarks {
  low: number;
  high: number;
}

/** One partition range to read: offsets `from` (inclusive) to `to` (exclusive). */
export interface ReadRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

/**
 * One record read back: its position, its raw value (Confluent-framed Avro), and the key and
 * headers that place it on a channel when the value cannot be decoded.
 */
export interface HistoryMessage {
  topic: string;
  partition: number;
  offset: number;
  value: Buffer | null;
  key?: Buffer | string | null;
  headers?: LaneHeaders;
}

export interface HistoryReader {
  connect(): Promise<void>;
  /** Partition ids of a topic (an unknown topic has none). */
  partitions(topic: string): Promise<number[]>;
  /** Watermarks as seen at some instant after `notBefore` (epoch ms). */
  watermarks(topic: string, partition: number, notBefore: number): Promise<Watermarks>;
  /**
   * Reads every range to its end, or throws once `deadline` (epoch ms) passes, handing messages to
   * `onMessages` in partition order. One read at a time.
   */
  read(
    ranges: readonly ReadRange[],
    deadline: number,
    onMessages: (messages: HistoryMessage[]) => Promise<void>,
  ): Promise<void>;
  close(): Promise<void>;
}
