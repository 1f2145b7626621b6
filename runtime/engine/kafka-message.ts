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

/** The lanes by the first letter of their name (CRITICAL, HIGH, STANDARD, BACKGROUND differ in it). */
const LANE_BY_INITIAL = new Map<number, { priority: Priority; bytes: Buffer }>(
  PRIORITIES.map((p) => [p.charCodeAt(0), { priority: p, bytes: Buffer.from(p) }]),
);
if (LANE_BY_INITIAL.size !== PRIORITIES.length)
  throw new Error('lane names must differ in their first letter');

/**
 * The lane of a record: its `tm-priority` header, STANDARD when absent or unknown (compared as
 * bytes in JS: no string and no native call per record on the hot path).
 */
export function headerPriority(record: TransportRecord): Priority {
  const header = record.headers[HEADERS.priority];
  if (header === undefined || header.length === 0) return 'STANDARD';
  const lane = LANE_BY_INITIAL.get(header[0]!);
  if (lane === undefined || lane.bytes.length !== header.length) return 'STANDARD';
  for (let i = 1; i < header.length; i++) if (header[i] !== lane.bytes[i]) return 'STANDARD';
  return lane.priority;
}
