// node-rdkafka messages as the runtime needs them: the raw record a task takes, the lane a record
// travels on (from its `tm-priority` header), and lag per owned partition from the consumer's
// cached watermarks.

import type Kafka from 'node-rdkafka';
import { HEADERS } from '../../core/headers.js';
import { PRIORITIES, type Priority } from '../../schemas/catalog.js';
import type { RawRecord } from '../../topology/plan.js';
import type { BusConsumer } from '../kafka/consumer.js';
import { fromNativeHeaders } from '../kafka/native-headers.js';
import type { PartitionLag } from '../observability/runtime-metrics.js';

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

/** The lane of a record: its `tm-priority` header, STANDARD when absent or unknown. */
export function headerPriority(m: Kafka.Message): Priority {
  const header = m.headers?.find((h) => HEADERS.priority in h)?.[HEADERS.priority];
  const value = header === undefined ? undefined : String(header);
  return value && (PRIORITIES as readonly string[]).includes(value) ? (value as Priority) : 'STANDARD';
}

/** High watermark minus position for each partition the consumer owns (no broker round trip). */
export function consumerLag(consumer: BusConsumer, group: string): PartitionLag[] {
  const owned = consumer.assignment();
  if (owned.length === 0) return [];
  let positions: { topic: string; partition: number; offset?: number }[];
  try {
    positions = consumer.native.position(owned);
  } catch {
    return [];
  }
  const out: PartitionLag[] = [];
  for (const p of positions) {
    try {
      const { highOffset } = consumer.native.getWatermarkOffsets(p.topic, p.partition);
      if (highOffset < 0 || p.offset === undefined || p.offset < 0) continue;
      out.push({ group, topic: p.topic, partition: p.partition, lag: Math.max(0, highOffset - p.offset) });
    } catch {
      // no watermark cached yet for this partition
    }
  }
  return out;
}
