// Where a gateway's lane records come from, as `createGateway` sees it: something that starts,
// hands batches (highest lane first) to a sink, can be suspended while the fan-out could not reach
// other instances, reports the partitions it owns, and stops. On Kafka that is the `LaneConsumer`
// (one consumer group over the lane topics); the zero-setup demo injects a source over the
// embedded broker's `LaneFeed` (`gateway/embedded/`). The gateway code after it is the same.

import type Kafka from 'node-rdkafka';
import type { Logger } from '../../core/logger.js';
import type { RecordHeaders } from '../../core/record.js';
import { fromNativeHeaders } from '../../runtime/kafka/native-headers.js';
import type { Priority } from '../../schemas/catalog.js';
import type { GatewayConfig } from '../config.js';

export interface LaneRecord {
  priority: Priority;
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  /**
   * The record's Kafka headers as the source holds them (not copied per record): read only when a
   * record cannot be decoded, to route its gap notice and to dead-letter it byte for byte.
   */
  headers: LaneHeaders;
  /** W3C trace context of the record (`traceparent` header), continued by the emit span. */
  traceparent?: string;
}

/**
 * Kafka headers as sources hold them: node-rdkafka's list of one-entry objects, or the embedded
 * feed's single object wrapped in a list. Values are bytes; the gateway never re-encodes them.
 */
export type LaneHeaders = readonly Readonly<Record<string, Buffer | string>>[];

/** The last value of a text header `name` (Kafka's "last one wins"), as bytes. */
export function laneHeader(headers: LaneHeaders, name: string): Buffer | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const value = headers[i]![name];
    if (value !== undefined) return typeof value === 'string' ? Buffer.from(value) : value;
  }
  return undefined;
}

/**
 * The headers as one `RecordHeaders` object (last value per name), with the bytes the producer
 * sent: values that crossed node-rdkafka base64-encoded (`tm-binary-headers`) are decoded back.
 */
export function toRecordHeaders(headers: LaneHeaders): RecordHeaders {
  return fromNativeHeaders(headers as Kafka.MessageHeader[]);
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
  /**
   * The source stopped for good after `onBatch` rejected (a record could be neither delivered nor
   * dead-lettered): it kept the positions of the records before the failed one and handed out
   * nothing after it, so the next owner of the partitions starts at the failed record.
   */
  onHalt?(error: unknown): void;
}

/**
 * Where to resume after `onBatch` rejected with `error`: the records of the batch before the one
 * the error names (its topic/partition/offset context), or none when it names none.
 */
export function deliveredBefore(records: readonly LaneRecord[], error: unknown): LaneRecord[] {
  const ctx = (error as { context?: { topic?: string; partition?: number; offset?: number | string } })
    ?.context;
  if (!ctx || ctx.topic === undefined || ctx.partition === undefined || ctx.offset === undefined) return [];
  const at = records.findIndex(
    (r) => r.topic === ctx.topic && r.partition === ctx.partition && r.offset === Number(ctx.offset),
  );
  return at < 0 ? [] : records.slice(0, at);
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
