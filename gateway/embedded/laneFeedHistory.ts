// Resume history over the embedded broker's `LaneFeed`: the zero-setup demo's stand-in for
// `KafkaReader`. Reads are synchronous slices of the in-process partitions, handed over in chunks
// so one large replay yields to live delivery in between; the low watermark moves up when the
// broker drops old records, which `ResumeService` reports as a gap like Kafka retention.

import { KafkaError } from '../../core/errors.js';
import type { LaneFeed } from '../../runtime/transport/inprocess/lane-feed.js';
import type { HistoryMessage, HistoryReader, ReadRange, Watermarks } from '../replay/historyReader.js';

const CHUNK = 500;

/**
 * @example
 * await createGateway(config, { historyReader: new LaneFeedHistory(demo.lanes), laneSource });
 */
export class LaneFeedHistory implements HistoryReader {
  private reading = false;

  constructor(private readonly feed: LaneFeed) {}

  async connect(): Promise<void> {}

  async partitions(topic: string): Promise<number[]> {
    return this.feed.partitions(topic);
  }

  /** Always current: the in-process broker answers without a round trip. */
  async watermarks(topic: string, partition: number, _notBefore?: number): Promise<Watermarks> {
    const { low, high } = this.feed.watermarks(topic, partition);
    return { low, high };
  }

  async read(
    ranges: readonly ReadRange[],
    deadline: number,
    onMessages: (messages: HistoryMessage[]) => Promise<void>,
  ): Promise<void> {
    if (this.reading) throw new KafkaError('KAFKA_CONSUME', 'replay reader is busy');
    this.reading = true;
    try {
      for (const r of ranges) {
        let from = r.from;
        while (from < r.to) {
          if (Date.now() > deadline)
            throw new KafkaError('TIMEOUT', 'replay did not reach the end of its ranges in time');
          const records = this.feed.read(r.topic, r.partition, from, Math.min(CHUNK, r.to - from));
          if (records.length === 0) break; // nothing more kept (past the high watermark)
          const messages = records
            .filter((m) => m.offset < r.to)
            .map((m) => ({
              topic: m.topic,
              partition: m.partition,
              offset: m.offset,
              value: m.value,
              key: m.key,
              headers: [m.headers],
            }));
          if (messages.length > 0) await onMessages(messages);
          from = (records.at(-1)?.offset ?? from) + 1;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      this.reading = false;
    }
  }

  async close(): Promise<void> {}
}
