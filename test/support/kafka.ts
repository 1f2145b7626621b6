// Small real-Kafka helpers for integration tests: produce raw records, read a topic to a count.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import type { RecordHeaders } from '../../core/record.js';
import { BusProducer } from '../../runtime/kafka/producer.js';

export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export async function produceAll(
  connection: ConnectionConfig,
  records: {
    topic: string;
    key: string;
    value: string | Buffer;
    headers?: RecordHeaders;
    partition?: number;
  }[],
): Promise<void> {
  const producer = new BusProducer({ connection });
  await producer.connect();
  try {
    await producer.sendAll(
      records.map((r) => ({
        ...r,
        key: Buffer.from(r.key),
        value: Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value),
      })),
    );
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads a topic from the start (no group commits) until `count` records (or, with `complete`, until
 * it says the records read so far are all that is awaited — e.g. every distinct value under
 * at-least-once, where duplicates would reach `count` early) or `timeoutMs`.
 */
export async function readTopic(
  connection: ConnectionConfig,
  topic: string,
  count: number,
  {
    timeoutMs = 60_000,
    isolation = 'read_committed',
    settleMs = 0,
    complete,
  }: {
    timeoutMs?: number;
    isolation?: string;
    settleMs?: number;
    complete?: (records: readonly ReadRecord[]) => boolean;
  } = {},
): Promise<ReadRecord[]> {
  const consumer = new Kafka.KafkaConsumer(
    {
      'metadata.broker.list': connection.kafka.brokers,
      'group.id': `reader-${Math.random().toString(36).slice(2)}`,
      'enable.auto.commit': false,
      'isolation.level': isolation,
    } as Kafka.ConsumerGlobalConfig,
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) =>
    consumer.connect({}, (err) => (err ? reject(err) : resolve())),
  );
  consumer.setDefaultConsumeTimeout(50);
  consumer.subscribe([topic]);
  const out: ReadRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  let settleUntil = 0;
  try {
    while (Date.now() < deadline) {
      const batch = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(1000, (err, m) => (err ? reject(err) : resolve(m))),
      );
      for (const m of batch) {
        const headers: Record<string, string> = {};
        for (const h of m.headers ?? []) for (const [k, v] of Object.entries(h)) headers[k] = String(v);
        out.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: String(m.key ?? ''),
          value: m.value as Buffer,
          headers,
        });
      }
      if (complete ? complete(out) : out.length >= count) {
        if (settleMs === 0) break;
        settleUntil ||= Date.now() + settleMs;
        if (Date.now() > settleUntil) break;
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
  return out;
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
