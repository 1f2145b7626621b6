// Reads a whole topic with a plain node-rdkafka consumer, independent of the ops code under test,
// keeping what replay must preserve: partition, key, value, headers and the record timestamp.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../../../core/config.js';

export interface DumpedRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
  timestamp: number;
  headers: Record<string, string>;
}

/** Reads `topic` from the start until `count` records arrived and `settleMs` passed without more. */
export async function dumpTopic(
  connection: ConnectionConfig,
  topic: string,
  count: number,
  { timeoutMs = 60_000, settleMs = 1000 }: { timeoutMs?: number; settleMs?: number } = {},
): Promise<DumpedRecord[]> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': connection.kafka.brokers,
      'group.id': `dump-${Math.random().toString(36).slice(2)}`,
      'enable.auto.commit': false,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({}, (err) => (err ? reject(err) : resolve())),
  );
  consumer.setDefaultConsumeTimeout(50);
  consumer.subscribe([topic]);
  const out: DumpedRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  let lastArrival = Date.now();
  try {
    while (Date.now() < deadline) {
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(5000, (err, m) => (err ? reject(err) : resolve(m))),
      );
      if (batch.length > 0) lastArrival = Date.now();
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = String(v);
        out.push({
          partition: m.partition,
          offset: m.offset,
          key: String(m.key ?? ''),
          value: String(m.value ?? ''),
          timestamp: m.timestamp ?? 0,
          headers,
        });
      }
      if (out.length >= count && Date.now() - lastArrival >= settleMs) break;
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

/** Count of records per partition. */
export function countByPartition(records: readonly { partition: number }[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const r of records) counts[r.partition] = (counts[r.partition] ?? 0) + 1;
  return counts;
}
