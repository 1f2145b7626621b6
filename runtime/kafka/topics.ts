// Topic management: creates the topics a topology or service declares, or verifies the ones that
// already exist, and refuses to start when an existing topic conflicts with the declaration.
// Metadata comes from a short-lived producer connection (node-rdkafka's admin client has no
// describe call); creation goes through the admin client.

import Kafka from 'node-rdkafka';
import type { ConnectionConfig } from '../../core/config.js';
import { KafkaError } from '../../core/errors.js';
import { retry } from '../../core/retry.js';
import { kafkaError } from './kafka-errors.js';

/** 30 days: domain topics are the event store replay and client resume read from. */
export const DOMAIN_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface TopicSpec {
  name: string;
  partitions: number;
  /** @default 1 on a single broker; set 3 on a production cluster */
  replicationFactor?: number;
  /** Broker-side topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  config?: Record<string, string>;
}

/** A domain topic: 30 days of history. */
export function domainTopic(name: string, partitions: number, replicationFactor?: number): TopicSpec {
  return { name, partitions, replicationFactor, config: { 'retention.ms': String(DOMAIN_RETENTION_MS) } };
}

/** A changelog topic of a state store: compacted, so restore reads the latest value per key. */
export function changelogTopic(name: string, partitions: number, replicationFactor?: number): TopicSpec {
  return {
    name,
    partitions,
    replicationFactor,
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' },
  };
}

export interface TopicMetadata {
  name: string;
  partitions: number;
}

export class TopicManager {
  constructor(private readonly connection: ConnectionConfig) {}

  /** Partition counts of the topics that exist (all topics when `names` is omitted). */
  async describe(names?: readonly string[]): Promise<Map<string, TopicMetadata>> {
    const producer = new Kafka.Producer({
      'metadata.broker.list': this.connection.kafka.brokers,
      'client.id': `${this.connection.kafka.clientId}-metadata`,
      ...this.connection.kafka.librdkafka,
    } as Kafka.ProducerGlobalConfig);
    await new Promise<void>((resolve, reject) =>
      producer.connect({ timeout: 30_000 }, (err) =>
        err ? reject(kafkaError('KAFKA_CONNECTION', 'metadata connection failed', err)) : resolve(),
      ),
    );
    try {
      const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
        producer.getMetadata({ timeout: 10_000 }, (err, m) =>
          err ? reject(kafkaError('KAFKA_ADMIN', 'metadata request failed', err)) : resolve(m),
        ),
      );
      const out = new Map<string, TopicMetadata>();
      for (const t of metadata.topics) {
        if (names && !names.includes(t.name)) continue;
        if (t.partitions.length === 0) continue;
        out.set(t.name, { name: t.name, partitions: t.partitions.length });
      }
      return out;
    } finally {
      await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
    }
  }

  /**
   * Creates missing topics and checks existing ones. Throws `KafkaError('TOPIC_CONFLICT')` naming
   * the topic, the declared and the actual partition count when they differ.
   */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const existing = await this.describe(specs.map((s) => s.name));
    const conflicts: string[] = [];
    const missing: TopicSpec[] = [];
    for (const spec of specs) {
      const actual = existing.get(spec.name);
      if (!actual) missing.push(spec);
      else if (actual.partitions !== spec.partitions) {
        conflicts.push(
          `topic '${spec.name}' exists with ${actual.partitions} partition(s) but ${spec.partitions} are declared`,
        );
      }
    }
    if (conflicts.length > 0) {
      throw new KafkaError('TOPIC_CONFLICT', `refusing to start: ${conflicts.join('; ')}`, {
        context: { topic: specs[0]?.name },
      });
    }
    if (missing.length === 0) return;
    const admin = Kafka.AdminClient.create({
      'metadata.broker.list': this.connection.kafka.brokers,
      'client.id': `${this.connection.kafka.clientId}-admin`,
      ...this.connection.kafka.librdkafka,
    } as Kafka.GlobalConfig);
    try {
      for (const spec of missing) {
        await retry(
          () =>
            new Promise<void>((resolve, reject) =>
              admin.createTopic(
                {
                  topic: spec.name,
                  num_partitions: spec.partitions,
                  replication_factor: spec.replicationFactor ?? 1,
                  config: spec.config ?? {},
                } as Kafka.NewTopic,
                30_000,
                (err) => {
                  // 36 = TOPIC_ALREADY_EXISTS: another instance won the race; verified below.
                  if (!err || err.code === 36) resolve();
                  else
                    reject(
                      kafkaError('KAFKA_ADMIN', `could not create topic '${spec.name}'`, err, {
                        topic: spec.name,
                      }),
                    );
                },
              ),
            ),
          { retries: 3, initialDelayMs: 200 },
        );
      }
    } finally {
      admin.disconnect();
    }
    await this.waitForMetadata(missing);
  }

  /** Waits until every topic is visible with its partitions (creation is asynchronous in KRaft). */
  private async waitForMetadata(specs: readonly TopicSpec[]): Promise<void> {
    await retry(
      async () => {
        const seen = await this.describe(specs.map((s) => s.name));
        const absent = specs.filter((s) => seen.get(s.name)?.partitions !== s.partitions);
        if (absent.length > 0) {
          throw new KafkaError(
            'KAFKA_ADMIN',
            `topics not visible yet: ${absent.map((s) => s.name).join(', ')}`,
            { retriable: true },
          );
        }
      },
      { retries: 20, initialDelayMs: 100, maxDelayMs: 1000 },
    );
  }

  async delete(names: readonly string[]): Promise<void> {
    const admin = Kafka.AdminClient.create({
      'metadata.broker.list': this.connection.kafka.brokers,
      'client.id': `${this.connection.kafka.clientId}-admin`,
    } as Kafka.GlobalConfig);
    try {
      for (const name of names) {
        await new Promise<void>((resolve) => admin.deleteTopic(name, 30_000, () => resolve()));
      }
    } finally {
      admin.disconnect();
    }
  }
}
