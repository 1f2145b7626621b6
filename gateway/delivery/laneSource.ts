// Where a gateway's lane records come from, as `createGateway` sees it: something that starts,
// hands batches (highest lane first) to a sink, can be suspended while the fan-out could not reach
// other instances, reports the partitions it owns, and stops. On Kafka that is the `LaneConsumer`
// (one consumer group over the lane topics); the zero-setup demo injects a source over the
// embedded broker's `LaneFeed` (`gateway/embedded/`). The gateway code after it is the same.

import type { Logger } from '../../core/logger.js';
import type { Priority } from '../../schemas/catalog.js';
import type { GatewayConfig } from '../config.js';

export interface LaneRecord {
  priority: Priority;
  topic: string;
  partition: number;
  offset: number;
  value: Buffer | null;
  timestamp: number;
  /** W3C trace context of the record (`traceparent` header), continued by the emit span. */
  traceparent?: string;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What a lane source delivers to: the gateway's fan-out. */
export interface LaneSink {
  /** A batch, highest lane first; a source moves its position past it once the promise settles. */
  onBatch(records: LaneRecord[]): Promise<void>;
  /** Partitions taken away from this instance (forget per-partition state). */
  onRevoke?(partitions: TopicPartition[]): void;
}

/** A running supply of lane records. `LaneConsumer` is one. */
export interface LaneSource {
  start(): Promise<void>;
  /** Stops handing out batches without giving up the partitions (Redis outage). */
  suspend(suspended: boolean): void;
  /** Partitions this instance owns now. */
  assignment(): TopicPartition[];
  stop(): Promise<void>;
}

/**
 * Builds the lane source of one gateway instance, given where its batches go and the instance's
 * validated configuration and logger.
 *
 * @example
 * const laneSource: LaneSourceFactory = (sink, gw) => new LaneFeedSource(demo.lanes, sink, gw.config.lanes, gw.logger);
 * await createGateway(config, { laneSource, historyReader: new LaneFeedHistory(demo.lanes) });
 */
export type LaneSourceFactory = (
  sink: LaneSink,
  gateway: { config: GatewayConfig; logger: Logger },
) => LaneSource;
