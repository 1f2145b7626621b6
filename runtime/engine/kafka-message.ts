// node-rdkafka messages as the runtime needs them: the transport-neutral record a task takes, and
// the TradeMaster lane a record travels on (from its `tm-priority` header), the runtime's default
// `priorityOf`.

import type Kafka from 'node-rdkafka';
import { HEADERS } from '../../core/headers.js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import type { RawRecord } from '../../topology/plan.js';
import { fromNativeHeaders } from '../kafka/native-headers.js';
import type { TransportRecord } from '../transport/types.js';

export function toRawRecord(m: Kafka.Message): RawRecord {
  // Binary values the bus's producer sent base64-encoded come back as their bytes.
  const headers = fromNativeHeaders(m.headers);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: (m.key as Buffer | undefined) ?? null,
    value: m.value ?? null,
    timestamp: m.timestamp ?? Date.now(),
    headers,
  };
}

const LANE_BYTES = PRIORITIES.map((p) => ({ priority: p, bytes: Buffer.from(p) }));

/**
 * The lane of a record: its `tm-priority` header, STANDARD when absent or unknown (compared as
 * bytes: no string per record on the hot path).
 */
export function headerPriority(record: TransportRecord): Priority {
  const header = record.headers[HEADERS.priority];
  if (header === undefined) return 'STANDARD';
  for (const lane of LANE_BYTES)
    if (header.length === lane.bytes.length && header.equals(lane.bytes)) return lane.priority;
  return 'STANDARD';
}
