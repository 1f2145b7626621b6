// The TradeMaster lane a record travels on (from its `tm-priority` header): the runtime's default
// `priorityOf`. (A node-rdkafka message becomes a record in runtime/kafka/consumer.ts, `toRawRecord`.)

import { HEADERS } from '../../core/headers.js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import { PackedRecord } from '../kafka/native-batch.js';
import type { TransportRecord } from '../transport/types.js';

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
  if (record instanceof PackedRecord) {
    // Read in place: headers made here would wait in the lane queue with the record.
    const lane = LANE_BY_INITIAL.get(record.headerByte(HEADERS.priority));
    return lane !== undefined && record.headerIs(HEADERS.priority, lane.bytes) ? lane.priority : 'STANDARD';
  }
  const header = record.headers[HEADERS.priority];
  if (header === undefined || header.length === 0) return 'STANDARD';
  const lane = LANE_BY_INITIAL.get(header[0]!);
  if (lane === undefined || lane.bytes.length !== header.length) return 'STANDARD';
  for (let i = 1; i < header.length; i++) if (header[i] !== lane.bytes[i]) return 'STANDARD';
  return lane.priority;
}
