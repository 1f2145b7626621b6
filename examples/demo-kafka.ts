// The demo on the real stack: the same applications and services as the embedded demo
// (demo-apps.ts) on the librdkafka transport, with Avro registered in the schema registry —
// N `StreamsRuntime` instances per application when asked, sharing each application's group.

import type { ConnectionConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { changelogTopic, domainTopic, TopicManager } from '../runtime/kafka/topics.js';
import { kafkaTransport } from '../runtime/transport/librdkafka/kafka-transport.js';
import { HttpSchemaRegistry } from '../schemas/index.js';
import { startDemoApps } from './demo-apps.js';
import type { DemoConfig } from './demo-config.js';
import type { KafkaDemoHandle } from './demo-handle.js';
import { allTopics } from './topics.js';

/** Starts the demo against Kafka and the schema registry of `config.connection`. */
export async function startKafkaDemo(config: DemoConfig): Promise<KafkaDemoHandle> {
  const connection = config.connection as ConnectionConfig;
  if (!connection)
    throw new ConfigError('Kafka mode needs a connection (TMBUS_KAFKA_BROKERS, TMBUS_REGISTRY_URL)');
  const { topics, partitions, logger } = config;
  await new TopicManager(connection).ensure(
    allTopics(topics).map((name) =>
      name === topics.prices ? changelogTopic(name, partitions) : domainTopic(name, partitions),
    ),
  );
  const registry = new HttpSchemaRegistry({ url: connection.registry.url, logger });
  const apps = await startDemoApps(config, kafkaTransport(connection), registry);
  const { directory, plans, services, runtimes, metrics } = apps;
  return {
    mode: 'kafka',
    topics,
    laneTopics: topics.lanes,
    directory,
    symbols: services.marketData.symbols,
    registry,
    plans,
    services,
    connection,
    runtimes,
    metrics,
    topicNames: () => [
      ...allTopics(topics),
      ...Object.values(plans).flatMap((p) => [
        ...p.internalTopics.map((t) => t.name),
        `${p.applicationId}-dlq`,
      ]),
    ],
    stop: () => apps.stop(),
  };
}
