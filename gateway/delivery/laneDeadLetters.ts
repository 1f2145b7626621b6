// Where the gateway puts lane records it can never decode (garbage bytes, a schema id the registry
// says does not exist, a writer schema outside the catalog): the gateway's dead-letter topic,
// `<lanes.groupId>-dlq` by default, written through the runtime's dead-letter writer so the record
// keeps its key, value and headers byte for byte and gains the same `tm-dlq-*` headers a topology's
// dead letters carry. A record is dead-lettered before its offset is stored: a gateway that dies in
// between writes it again rather than lose it.

import type { ConnectionConfig } from '../../core/config.js';
import type { BusError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { DeadLetterWriter } from '../../runtime/client/dead-letter-writer.js';
import { type LaneRecord, toRecordHeaders } from './laneSource.js';

/** Stage named in `tm-dlq-stage` of the gateway's dead letters. */
export const GATEWAY_DECODE_STAGE = 'gateway-lane-decode';

export interface LaneDeadLetters {
  /** The dead-letter topic, when there is one (a standalone instance may only log). */
  readonly topic: string | undefined;
  /** Writes the record with its failure; resolves once it is durable (broker acknowledgement). */
  write(record: LaneRecord, error: BusError): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Kafka dead-letter topic of a gateway deployment (created on first use when missing).
 *
 * @example
 * const dlq = kafkaLaneDeadLetters(config.connection, `${config.lanes.groupId}-dlq`, config.lanes.groupId);
 */
export function kafkaLaneDeadLetters(
  connection: ConnectionConfig,
  topic: string,
  applicationId: string,
): LaneDeadLetters {
  const writer = new DeadLetterWriter({ connection, topic, applicationId });
  return {
    topic,
    async write(r, error) {
      await writer.write({
        record: {
          topic: r.topic,
          partition: r.partition,
          offset: r.offset,
          key: r.key,
          value: r.value,
          timestamp: r.timestamp,
          headers: toRecordHeaders(r.headers),
        },
        error,
        stage: GATEWAY_DECODE_STAGE,
        retriable: error.retriable,
        attempt: 1,
      });
    },
    close: () => writer.close(),
  };
}

/**
 * For an instance without Kafka (the embedded demo): the failure is logged with the record's
 * position, which stays readable in the in-process broker.
 */
export function loggedLaneDeadLetters(logger: Logger): LaneDeadLetters {
  return {
    topic: undefined,
    async write(r, error) {
      logger.error(
        { err: error, topic: r.topic, partition: r.partition, offset: r.offset },
        'undecodable lane record (no dead-letter topic in this mode)',
      );
    },
    async close() {},
  };
}
