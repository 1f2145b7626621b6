// Reads fixed offset ranges of partitions — the records of a replay or a chain scan — with a
// consumer assigned to exactly those partitions (no group membership, nothing committed), and
// stops each partition at its end offset. The end is detected from the consumer's position, not
// from seeing the record at end−1, because transaction markers and compaction leave offsets that
// never arrive as records.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import type { KafkaRecord } from '../../core/record.js';
import { kafkaError } from '../kafka/kafka-errors.js';
import { consumerConfig } from '../kafka/librdkafka-config.js';
import { fromNativeHeaders } from '../kafka/native-headers.js';
import { partitionKey, type TopicPartition } from './offset-lookup.js';

/** Offsets `[start, end)` of one partition. */
export interface PartitionRange extends TopicPartition {
  start: number;
  end: number;
}

/** A record as read by the ops tools: raw key and value bytes. */
export type RawRecord = KafkaRecord<Buffer | null, Buffer | null>;

export interface RangeReaderOptions {
  /** Records per consume call. @default 5000 */
  batchSize?: number;
  /** Stops reading between batches. */
  signal?: AbortSignal;
  /** Fails when no partition advances for this long (e.g. an open transaction holds the LSO), ms. @default 60000 */
  stallTimeoutMs?: number;
  /** @default "read_committed" */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
}

/**
 * Yields the records of `ranges` in batches (each partition in offset order) until every range is
 * read or `signal` aborts. Empty ranges are skipped without a fetch.
 */
export async function* readRanges(
  connection: ConnectionConfig,
  ranges: readonly PartitionRange[],
  options: RangeReaderOptions = {},
): AsyncGenerator<RawRecord[]> {
  const active = new Map(ranges.filter((r) => r.end > r.start).map((r) => [partitionKey(r), r]));
  if (active.size === 0) return;
  const conf = consumerConfig(
    connection,
    `${connection.kafka.clientId}-ops-reader`,
    `tmbus-ops-reader-${process.pid}-${Date.now()}`,
    { 'isolation.level': options.isolationLevel ?? 'read_committed', 'queued.min.messages': 100_000 },
  );
  // A range start that retention has deleted since it was planned (a checkpoint resumed days
  // later) reads on from the oldest record still there, instead of jumping to the end.
  const consumer = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {
    'auto.offset.reset': 'earliest',
  });
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 30_000 }, (err) =>
      err ? reject(kafkaError('KAFKA_CONNECTION', 'range reader could not connect', err)) : resolve(),
    ),
  );
  consumer.setDefaultConsumeTimeout(20);
  try {
    consumer.incrementalAssign(
      [...active.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: r.start })),
    );
    const stallTimeoutMs = options.stallTimeoutMs ?? 60_000;
    let lastProgress = Date.now();
    while (active.size > 0 && !options.signal?.aborted) {
      const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(options.batchSize ?? 5000, (err, m) =>
          err ? reject(kafkaError('KAFKA_CONSUME', 'range read failed', err)) : resolve(m),
        ),
      );
      const batch: RawRecord[] = [];
      for (const m of messages) {
        const range = active.get(partitionKey(m));
        if (range && m.offset >= range.start && m.offset < range.end) batch.push(toRecord(m));
      }
      if (messages.length > 0) lastProgress = Date.now();
      finishReadPartitions(consumer, active, messages);
      if (batch.length > 0) yield batch;
      if (active.size > 0 && Date.now() - lastProgress > stallTimeoutMs) {
        const stuck = [...active.values()].map((r) => `${partitionKey(r)} (end ${r.end})`).join(', ');
        throw new KafkaError('TIMEOUT', `no progress for ${stallTimeoutMs} ms reading ${stuck}`, {
          retriable: true,
          context: { topic: [...active.values()][0]!.topic },
        });
      }
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}

/** Pauses partitions whose position reached their end, so the broker stops sending them. */
function finishReadPartitions(
  consumer: Kafka.KafkaConsumer,
  active: Map<string, PartitionRange>,
  messages: readonly Kafka.Message[],
): void {
  const next = new Map<string, number>();
  for (const m of messages) next.set(partitionKey(m), m.offset + 1);
  const positions = consumer.position(
    [...active.values()].map((r) => ({ topic: r.topic, partition: r.partition })),
  );
  for (const p of positions) {
    const k = partitionKey(p);
    // position() lags behind the records just handed out until the next fetch; take the larger.
    if (Math.max(p.offset, next.get(k) ?? -1) >= active.get(k)!.end) {
      const done = active.get(k)!;
      active.delete(k);
      consumer.pause([{ topic: done.topic, partition: done.partition }]);
    }
  }
}

/** A node-rdkafka message as a `RawRecord` (last value of a repeated header name wins). */
export function toRecord(m: Kafka.Message): RawRecord {
  // Kafka allows repeated header names; the bus's RecordHeaders keeps the last one, as it does
  // everywhere else. Binary values the bus's producer sent base64-encoded come back as bytes.
  const headers = fromNativeHeaders(m.headers);
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset,
    key: m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key),
    value: m.value ?? null,
    timestamp: m.timestamp ?? 0,
    headers,
  };
}
