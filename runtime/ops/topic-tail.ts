// The read side of `tmbus tail`: which offsets to start from (the last N records, a point in time,
// an offset, earliest or latest), the records up to the end offsets captured when the tail
// starts, and — when following — every record produced after them until the signal aborts. Only
// assign/seek consumers are used: the tail never joins a consumer group and never commits, so
// pointing it at a production topic changes nothing for the services reading it.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { ConfigError, KafkaError } from '../../core/errors.js';
import { kafkaError } from '../kafka/kafka-errors.js';
import { consumerConfig } from '../kafka/librdkafka-config.js';
import { OffsetLookup, partitionKey, type TopicPartition } from './offset-lookup.js';
import { type PartitionRange, type RawRecord, readRanges, toRecord } from './range-reader.js';
import { parseTimeSpec } from './time-spec.js';

/** Where a tail starts in each partition. */
export type TailFrom =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: number }
  | { kind: 'time'; epochMs: number };

export interface TailOptions {
  connection: ConnectionConfig;
  topics: readonly string[];
  /** Only this partition of each topic. @default every partition */
  partition?: number;
  /**
   * Where to start: `earliest`, `latest`, `offset:<n>` (the same offset in every partition, clamped
   * to what the log holds), or a time (ISO-8601, `-15m`, epoch ms). Every record from there to the
   * end offsets is yielded, partition by partition in offset order. When absent, the last `count`
   * records are yielded instead.
   */
  from?: string;
  /**
   * Without `from`: the last `count` records over all the partitions, by Kafka timestamp (the
   * candidates are the last `count` offsets of each partition). @default 10
   */
  count?: number;
  /** After the end offsets captured at start, keep yielding new records until `signal` aborts. @default false */
  follow?: boolean;
  signal?: AbortSignal;
  /** @default "read_committed" */
  isolationLevel?: 'read_committed' | 'read_uncommitted';
  /** Instant relative times count back from. @default Date.now() */
  now?: number;
}

/**
 * Parses a `--from` argument.
 *
 * @throws ConfigError naming the accepted forms
 * @example
 * parseTailFrom('offset:42') // { kind: 'offset', offset: 42 }
 */
export function parseTailFrom(spec: string, now: number = Date.now()): TailFrom {
  const text = spec.trim();
  if (text === 'earliest') return { kind: 'earliest' };
  if (text === 'latest') return { kind: 'latest' };
  const offset = /^offset:(\d+)$/.exec(text);
  if (offset) return { kind: 'offset', offset: Number(offset[1]) };
  try {
    return { kind: 'time', epochMs: parseTimeSpec(text, now, 'from').epochMs };
  } catch {
    throw new ConfigError(
      `invalid --from '${spec}': use earliest, latest, offset:<n>, ISO-8601 (2024-05-01T09:30:00Z), ` +
        'a relative time (-15m, -2h, -1d) or epoch milliseconds (1714555800000)',
      { context: { configKey: 'from' } },
    );
  }
}

/**
 * Yields the records of a tail in batches: first the planned range (for the last-N form, one
 * batch ordered by timestamp), then, with `follow`, new records as they arrive.
 */
export async function* tailTopics(options: TailOptions): AsyncGenerator<RawRecord[]> {
  const count = options.count ?? 10;
  if (!Number.isInteger(count) || count <= 0)
    throw new ConfigError(`--count must be a positive integer, got ${count}`, {
      context: { configKey: 'count' },
    });
  const from = options.from === undefined ? undefined : parseTailFrom(options.from, options.now);
  const ranges = await planTail(options, from, count);
  const isolationLevel = options.isolationLevel ?? 'read_committed';
  if (from === undefined) {
    const candidates: RawRecord[] = [];
    for await (const batch of readRanges(options.connection, ranges, {
      signal: options.signal,
      isolationLevel,
    }))
      candidates.push(...batch);
    candidates.sort(
      (a, b) =>
        a.timestamp - b.timestamp ||
        a.topic.localeCompare(b.topic) ||
        a.partition - b.partition ||
        a.offset - b.offset,
    );
    if (candidates.length > 0) yield candidates.slice(-count);
  } else {
    yield* readRanges(options.connection, ranges, { signal: options.signal, isolationLevel });
  }
  if (options.follow && !options.signal?.aborted)
    yield* followPartitions(
      options.connection,
      ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.end })),
      { signal: options.signal, isolationLevel },
    );
}

/** The offset range of each selected partition, ending at its high watermark now. */
async function planTail(
  options: TailOptions,
  from: TailFrom | undefined,
  count: number,
): Promise<PartitionRange[]> {
  const lookup = await OffsetLookup.open(options.connection);
  try {
    let partitions = await lookup.partitionsOf(options.topics);
    if (options.partition !== undefined) {
      const missing = options.topics.filter(
        (t) => !partitions.some((tp) => tp.topic === t && tp.partition === options.partition),
      );
      if (missing.length > 0)
        throw new KafkaError(
          'KAFKA_ADMIN',
          `partition ${options.partition} not found in ${missing.join(', ')}`,
          {
            context: { topic: missing[0], partition: options.partition },
          },
        );
      partitions = partitions.filter((tp) => tp.partition === options.partition);
    }
    const marks = await lookup.watermarks(partitions);
    const times = from?.kind === 'time' ? await lookup.offsetsForTime(partitions, from.epochMs) : undefined;
    return partitions.map((tp) => {
      const { low, high } = marks.get(partitionKey(tp))!;
      const clamp = (o: number) => Math.min(Math.max(o, low), high);
      const start =
        from === undefined
          ? clamp(high - count)
          : from.kind === 'earliest'
            ? low
            : from.kind === 'latest'
              ? high
              : from.kind === 'offset'
                ? clamp(from.offset)
                : clamp(times!.get(partitionKey(tp))!);
      return { ...tp, start, end: high };
    });
  } finally {
    await lookup.close();
  }
}

/** Yields every record from `starts` on, as it arrives, until `signal` aborts. */
async function* followPartitions(
  connection: ConnectionConfig,
  starts: readonly (TopicPartition & { offset: number })[],
  options: { signal?: AbortSignal | undefined; isolationLevel: 'read_committed' | 'read_uncommitted' },
): AsyncGenerator<RawRecord[]> {
  // A throwaway group id that nothing is ever committed under: assign() needs none, librdkafka
  // insists on one.
  const conf = consumerConfig(
    connection,
    `${connection.kafka.clientId}-ops-tail`,
    `tmbus-ops-tail-${process.pid}-${Date.now()}`,
    { 'isolation.level': options.isolationLevel },
  );
  const consumer = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {
    'auto.offset.reset': 'earliest',
  });
  await new Promise<void>((resolve, reject) =>
    consumer.connect({ timeout: 30_000 }, (err) =>
      err ? reject(kafkaError('KAFKA_CONNECTION', 'tail consumer could not connect', err)) : resolve(),
    ),
  );
  // How long one poll waits for records: bounds both the print latency of a quiet topic and how
  // long Ctrl-C takes to be noticed.
  consumer.setDefaultConsumeTimeout(100);
  try {
    consumer.incrementalAssign(starts.map((s) => ({ ...s })));
    while (!options.signal?.aborted) {
      const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
        consumer.consume(1000, (err, m) =>
          err ? reject(kafkaError('KAFKA_CONSUME', 'tail read failed', err)) : resolve(m),
        ),
      );
      if (messages.length > 0) yield messages.map(toRecord);
    }
  } finally {
    await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
