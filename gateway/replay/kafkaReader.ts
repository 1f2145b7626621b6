// Reads history from the lane topics for resume: partition lists, watermarks (cached briefly for
// subscription cursors, fresh for replays) and offset ranges through assign + seek. One
// node-rdkafka consumer per gateway instance, outside the consumer group (it never commits), so
// replays never disturb the live fan-out's partition assignment.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { kafkaError } from '../../runtime/kafka/kafka-errors.js';
import { consumerConfig } from '../../runtime/kafka/librdkafka-config.js';
import { cursorKey } from '../client/protocol.js';

import type { HistoryMessage, HistoryReader, ReadRange, Watermarks } from './historyReader.js';

export type { ReadRange, Watermarks } from './historyReader.js';

interface WatermarkQueries {
  inflight?: { at: number; promise: Promise<Watermarks> };
  next?: Promise<Watermarks>;
}

export class KafkaReader implements HistoryReader {
  private readonly consumer: Kafka.KafkaConsumer;
  private partitionCache = new Map<string, { at: number; partitions: number[] }>();
  private watermarkCache = new Map<string, { at: number; value: Watermarks }>();
  private watermarkQueries = new Map<string, WatermarkQueries>();
  private eofs = new Map<string, number>();
  private reading = false;

  constructor(connection: ConnectionConfig, clientId: string, groupId: string, logger: Logger) {
    const conf = consumerConfig(connection, clientId, groupId, {
      'enable.auto.commit': false,
      'enable.partition.eof': true,
      'isolation.level': 'read_committed',
      'fetch.wait.max.ms': 20,
    });
    delete (conf as Record<string, unknown>)['partition.assignment.strategy'];
    this.consumer = new Kafka.KafkaConsumer(conf as Kafka.ConsumerGlobalConfig, {
      'auto.offset.reset': 'earliest',
    });
    this.consumer.on('partition.eof', (e) => this.eofs.set(cursorKey(e.topic, e.partition), e.offset));
    this.consumer.on('event.error', (e) => logger.warn({ err: e }, 'replay reader error'));
  }

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.consumer.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'replay reader could not connect', err)) : resolve(),
      ),
    );
    this.consumer.setDefaultConsumeTimeout(20);
  }

  /** Partition ids of a topic (cached for 30 s; an unknown topic has none). */
  async partitions(topic: string): Promise<number[]> {
    const cached = this.partitionCache.get(topic);
    if (cached && Date.now() - cached.at < 30_000) return cached.partitions;
    const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
      this.consumer.getMetadata({ topic, timeout: 10_000 }, (err, m) =>
        err ? reject(kafkaError('KAFKA_ADMIN', `metadata of '${topic}' failed`, err, { topic })) : resolve(m),
      ),
    );
    const partitions = (metadata.topics.find((t) => t.name === topic)?.partitions ?? [])
      .map((p) => p.id)
      .sort((a, b) => a - b);
    if (partitions.length > 0) this.partitionCache.set(topic, { at: Date.now(), partitions });
    return partitions;
  }

  /**
   * Low and high watermark of a partition as the broker saw them at some instant after
   * `notBefore` (epoch ms). Callers share broker requests: while one query is in flight, every
   * later caller waits for the single query that starts when it returns. A thousand clients
   * subscribing at once cost about one query per partition and round trip, not a thousand.
   */
  watermarks(topic: string, partition: number, notBefore: number): Promise<Watermarks> {
    const key = cursorKey(topic, partition);
    const cached = this.watermarkCache.get(key);
    if (cached && cached.at >= notBefore) return Promise.resolve(cached.value);
    const q = this.watermarkQueries.get(key) ?? {};
    this.watermarkQueries.set(key, q);
    if (q.inflight && q.inflight.at >= notBefore) return q.inflight.promise;
    if (q.next) return q.next;
    if (!q.inflight) return this.queryWatermarks(topic, partition, q).promise;
    // Started before this caller asked: queue one follow-up query for everyone who arrives now.
    q.next = q.inflight.promise
      .catch(() => undefined)
      .then(() => {
        q.next = undefined;
        return this.queryWatermarks(topic, partition, q).promise;
      });
    return q.next;
  }

  private queryWatermarks(
    topic: string,
    partition: number,
    q: WatermarkQueries,
  ): { at: number; promise: Promise<Watermarks> } {
    const key = cursorKey(topic, partition);
    const at = Date.now();
    const promise = new Promise<Watermarks>((resolve, reject) =>
      this.consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, o) =>
        err
          ? reject(kafkaError('KAFKA_CONSUME', 'watermark query failed', err, { topic, partition }))
          : resolve({ low: o.lowOffset, high: o.highOffset }),
      ),
    ).then(
      (value) => {
        const current = this.watermarkCache.get(key);
        if (!current || current.at < at) this.watermarkCache.set(key, { at, value });
        if (q.inflight?.promise === promise) q.inflight = undefined;
        return value;
      },
      (err: unknown) => {
        if (q.inflight?.promise === promise) q.inflight = undefined;
        throw err;
      },
    );
    q.inflight = { at, promise };
    return q.inflight;
  }

  /**
   * Reads every range to its end (or until the deadline), handing the messages to `onMessages`
   * in partition order, one consumed batch at a time. One read at a time: callers coalesce their requests (see ResumeService).
   */
  async read(
    ranges: readonly ReadRange[],
    deadline: number,
    onMessages: (m: HistoryMessage[]) => Promise<void>,
  ): Promise<void> {
    if (this.reading) throw new KafkaError('KAFKA_CONSUME', 'replay reader is busy');
    const open = new Map<string, ReadRange>();
    for (const r of ranges) if (r.to > r.from) open.set(cursorKey(r.topic, r.partition), r);
    if (open.size === 0) return;
    this.reading = true;
    this.eofs.clear();
    try {
      this.consumer.assign(
        [...open.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: r.from })),
      );
      while (open.size > 0) {
        if (Date.now() > deadline) {
          throw new KafkaError(
            'TIMEOUT',
            `replay did not reach the end of ${open.size} partition(s) in time`,
          );
        }
        const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
          this.consumer.consume(2000, (err, msgs) =>
            err ? reject(kafkaError('KAFKA_CONSUME', 'replay read failed', err)) : resolve(msgs),
          ),
        );
        const wanted: Kafka.Message[] = [];
        for (const m of messages) {
          const key = cursorKey(m.topic, m.partition);
          const range = open.get(key);
          if (!range || m.offset < range.from || m.offset >= range.to) continue;
          wanted.push(m);
          if (m.offset + 1 >= range.to) open.delete(key);
        }
        if (wanted.length > 0) await onMessages(wanted);
        // Transaction markers occupy offsets no message has: the end-of-partition event tells.
        for (const [key, eofOffset] of this.eofs) {
          const range = open.get(key);
          if (range && eofOffset >= range.to) open.delete(key);
        }
        if (messages.length === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      this.consumer.unassign();
      this.reading = false;
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.consumer.disconnect(() => resolve()));
  }
}
