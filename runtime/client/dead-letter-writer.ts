// The dead-letter topic of a subscription (`<groupId>-dlq` by default). Opened on the first record
// that needs it, so a subscription that never fails creates no topic and no producer: the topic is
// created if missing (one partition, domain retention, as the runtime's), an existing one is used
// as it is.

import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import { deadLetterRecord, type FailureContext } from '../engine/error-handlers.js';
import { BusProducer, type DeliveryReport } from '../kafka/producer.js';
import { DOMAIN_RETENTION_MS, TopicManager } from '../kafka/topics.js';

export interface DeadLetterWriterOptions {
  connection: ConnectionConfig;
  topic: string;
  /** Written to `tm-dlq-application-id`: the subscription's group. */
  applicationId: string;
  /** Replication factor of the topic when it has to be created. @default 1 */
  replicationFactor?: number;
}

export class DeadLetterWriter {
  private producer?: Promise<BusProducer>;
  private closed = false;

  constructor(private readonly options: DeadLetterWriterOptions) {}

  get topic(): string {
    return this.options.topic;
  }

  /** Writes the failed record with its `tm-dlq-*` headers; resolves on the broker's acknowledgement. */
  async write(failure: FailureContext): Promise<DeliveryReport> {
    if (!this.producer) {
      // A failed open (broker down) is forgotten, so the caller's retry opens again.
      this.producer = this.open();
      this.producer.catch(() => (this.producer = undefined));
    }
    const producer = await this.producer;
    return producer.send(deadLetterRecord(this.options.topic, this.options.applicationId, failure));
  }

  async close(): Promise<void> {
    this.closed = true;
    const producer = await this.producer?.catch(() => undefined);
    await producer?.disconnect();
  }

  private async open(): Promise<BusProducer> {
    const { connection, topic } = this.options;
    const topics = new TopicManager(connection);
    if (!(await topics.describe([topic])).has(topic)) {
      await topics.ensure([
        {
          name: topic,
          partitions: 1,
          replicationFactor: this.options.replicationFactor ?? 1,
          config: { 'retention.ms': String(DOMAIN_RETENTION_MS) },
        },
      ]);
    }
    const producer = new BusProducer({ connection, clientId: `${connection.kafka.clientId}-dlq` });
    await producer.connect();
    if (this.closed) {
      await producer.disconnect();
      throw new KafkaError('SHUTDOWN', 'dead-letter writer closed', { context: { topic } });
    }
    return producer;
  }
}
