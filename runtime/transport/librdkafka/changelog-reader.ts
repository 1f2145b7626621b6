// Restores state stores from their compacted changelog topics when a partition is assigned: reads
// the changelog partition from its start (or the task's checkpoint) to its end (read_committed, so aborted exactly-once
// writes are skipped) and replays every record into the store without re-logging it.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../../core/config.js';
import { BusError } from '../../../core/errors.js';
import type { StateStore } from '../../../topology/plan.js';
import { kafkaError } from '../../kafka/kafka-errors.js';
import type { ChangelogReader } from '../types.js';

export class KafkaChangelogReader implements ChangelogReader {
  private consumer?: Kafka.KafkaConsumer;
  /** One restore at a time: the restore consumer is assigned one changelog partition at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly connection: ConnectionConfig,
    private readonly groupId: string,
  ) {}

  private async connected(): Promise<Kafka.KafkaConsumer> {
    if (this.consumer) return this.consumer;
    const consumer = new Kafka.KafkaConsumer(
      {
        'metadata.broker.list': this.connection.kafka.brokers,
        'client.id': `${this.connection.kafka.clientId}-restore`,
        // Never subscribes or commits: the id only satisfies librdkafka.
        'group.id': `${this.groupId}-restore`,
        'enable.auto.commit': false,
        'enable.partition.eof': true,
        'isolation.level': 'read_committed',
        'fetch.wait.max.ms': 10,
        ...this.connection.kafka.librdkafka,
      } as Kafka.ConsumerGlobalConfig,
      { 'auto.offset.reset': 'earliest' },
    );
    await new Promise<void>((resolve, reject) =>
      consumer.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'restore consumer could not connect', err)) : resolve(),
      ),
    );
    consumer.setDefaultConsumeTimeout(50);
    consumer.setDefaultConsumeLoopTimeoutDelay(1);
    this.consumer = consumer;
    return consumer;
  }

  /** Replays `topic[partition]` from `from` (@default its start) into `store`; returns the records applied. */
  restore(topic: string, partition: number, store: StateStore, from = 0): Promise<number> {
    const run = this.queue.then(() => this.replay(topic, partition, store, from));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async replay(topic: string, partition: number, store: StateStore, from: number): Promise<number> {
    const consumer = await this.connected();
    const { lowOffset, highOffset } = await new Promise<Kafka.WatermarkOffsets>((resolve, reject) =>
      consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, offsets) =>
        err
          ? reject(kafkaError('KAFKA_CONSUME', `watermarks of changelog ${topic}[${partition}]`, err))
          : resolve(offsets),
      ),
    );
    // A checkpoint past the end belongs to another incarnation of the changelog (deleted, recreated,
    // truncated): the local copy cannot be trusted, and the task manager wipes it on the retry.
    if (from > highOffset)
      throw new BusError('STORE_FAILED', `checkpoint ${from} is beyond the changelog's end ${highOffset}`, {
        retriable: true,
        context: { topic, partition, offset: from },
      });
    // Compaction may have removed records below the checkpoint: reading on from the low mark is right.
    const start = Math.max(lowOffset, from);
    if (highOffset <= start) return 0;
    let applied = 0;
    let reachedEnd = false;
    const onEof = (eof: { topic: string; partition: number }) => {
      if (eof.topic === topic && eof.partition === partition) reachedEnd = true;
    };
    consumer.on('partition.eof', onEof);
    consumer.assign([{ topic, partition, offset: start }]);
    try {
      const deadline = Date.now() + 120_000;
      while (!reachedEnd) {
        if (Date.now() > deadline)
          throw kafkaError(
            'KAFKA_CONSUME',
            `restoring ${topic}[${partition}] timed out`,
            new Error('timeout'),
          );
        const messages = await new Promise<Kafka.Message[]>((resolve, reject) =>
          consumer.consume(1000, (err, m) =>
            err ? reject(kafkaError('KAFKA_CONSUME', `reading changelog ${topic}`, err)) : resolve(m),
          ),
        );
        for (const m of messages) {
          if (!m.key) continue;
          store.restore(m.key as Buffer, (m.value as Buffer | null) ?? null);
          applied++;
          if (m.offset >= highOffset - 1) reachedEnd = true;
        }
      }
    } finally {
      consumer.removeListener('partition.eof', onEof);
      consumer.unassign();
    }
    return applied;
  }

  async close(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (consumer) await new Promise<void>((resolve) => consumer.disconnect(() => resolve()));
  }
}
