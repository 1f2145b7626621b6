// The gateway's lane source over the embedded broker's `LaneFeed`: the zero-setup demo's stand-in
// for the Kafka consumer group. Every appended lane record is handed to the fan-out in append
// order, batches ordered highest lane first by the same `LanePlanner` the Kafka consumer uses, one
// batch at a time (the next waits for the previous fan-out, as offsets do on Kafka). A single
// instance owns every partition: there is no group to share them with.

import type { Logger } from '../../core/logger.js';
import type { LaneRecord as FeedRecord, LaneFeed } from '../../runtime/transport/inprocess/lane-feed.js';
import type { GatewayConfig } from '../config.js';
import { LanePlanner } from '../delivery/lanePlanner.js';
import type { LaneRecord, LaneSink, LaneSource, TopicPartition } from '../delivery/laneSource.js';

function toRecord(r: FeedRecord): LaneRecord {
  const traceparent = r.headers.traceparent?.toString('utf8');
  return {
    priority: r.priority,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    key: r.key,
    value: r.value,
    timestamp: r.timestamp,
    headers: [r.headers],
    ...(traceparent ? { traceparent } : {}),
  };
}

/**
 * @example
 * const gateway = await createGateway(config, {
 *   laneSource: (sink, gw) => new LaneFeedSource(demo.lanes, sink, gw.config.lanes, gw.logger),
 *   historyReader: new LaneFeedHistory(demo.lanes),
 * });
 */
export class LaneFeedSource implements LaneSource {
  private readonly planner: LanePlanner;
  private unsubscribe: (() => void) | undefined;
  private queue: LaneRecord[] = [];
  private draining: Promise<void> | undefined;
  private suspended = false;

  constructor(
    private readonly feed: LaneFeed,
    private readonly sink: LaneSink,
    lanes: GatewayConfig['lanes'],
    private readonly logger: Logger,
  ) {
    this.planner = new LanePlanner(lanes);
  }

  async start(): Promise<void> {
    // Live from now on, like a new consumer group starting at `latest`: history is resume's job.
    this.unsubscribe ??= this.feed.subscribe((records) => {
      for (const r of records) this.queue.push(toRecord(r));
      this.drain();
    });
  }

  suspend(suspended: boolean): void {
    this.suspended = suspended;
    if (!suspended) this.drain();
  }

  assignment(): TopicPartition[] {
    return Object.values(this.feed.topics).flatMap((topic) =>
      this.feed.partitions(topic).map((partition) => ({ topic, partition })),
    );
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.queue = [];
    await this.draining;
  }

  private drain(): void {
    if (this.draining || this.suspended) return;
    this.draining = (async () => {
      while (this.queue.length > 0 && !this.suspended && this.unsubscribe) {
        const batch = this.planner.order(this.queue.splice(0, 500));
        try {
          await this.sink.onBatch(batch);
        } catch (err) {
          // As on Kafka: nothing after a record that could be neither delivered nor dead-lettered.
          this.logger.error({ err, records: batch.length }, 'lane fan-out failed: lane source halted');
          this.unsubscribe?.();
          this.unsubscribe = undefined;
          this.queue = [];
          this.sink.onHalt?.(err);
          return;
        }
      }
    })().finally(() => {
      this.draining = undefined;
    });
  }
}
