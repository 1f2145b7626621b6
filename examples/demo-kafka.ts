// The demo on the real stack: the same services and topologies as the embedded demo, publishing
// through `EventPublisher` (Avro registered in the schema registry) and processed by
// `StreamsRuntime` instances — N per application when asked, sharing each application's consumer
// group. Loaded only in Kafka mode, so the zero-setup path never touches librdkafka.

import type { ConnectionConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { EventPublisher } from '../runtime/client/event-publisher.js';
import { StreamsRuntime } from '../runtime/engine/streams-runtime.js';
import { BusProducer } from '../runtime/kafka/producer.js';
import { changelogTopic, domainTopic, TopicManager } from '../runtime/kafka/topics.js';
import { HttpSchemaRegistry } from '../schemas/index.js';
import type { TopologyPlan } from '../topology/index.js';
import { AccountDirectory } from './accounts.js';
import type { DemoConfig } from './demo-config.js';
import type { KafkaDemoHandle } from './demo-handle.js';
import { startDemoServices } from './demo-services.js';
import { kafkaEventSink } from './sinks/kafka-sink.js';
import { type ApplicationName, allTopics } from './topics.js';
import { buildDemoPlans, demoSerdes } from './topologies/index.js';

/** How long to wait for every application to own partitions before the services start. */
const READY_TIMEOUT_MS = 60_000;

/** Starts the demo against Kafka and the schema registry of `config.connection`. */
export async function startKafkaDemo(config: DemoConfig): Promise<KafkaDemoHandle> {
  const connection = config.connection as ConnectionConfig;
  if (!connection)
    throw new ConfigError('Kafka mode needs a connection (TMBUS_KAFKA_BROKERS, TMBUS_REGISTRY_URL)');
  const { topics, partitions, logger } = config;
  const topicManager = new TopicManager(connection);
  await topicManager.ensure(
    allTopics(topics).map((name) =>
      name === topics.prices ? changelogTopic(name, partitions) : domainTopic(name, partitions),
    ),
  );
  const registry = new HttpSchemaRegistry({ url: connection.registry.url, logger });
  const serdes = await demoSerdes(registry, topics);
  const directory = new AccountDirectory(config.accounts);
  const plans = buildDemoPlans({
    topics,
    serdes,
    directory,
    riskPolicy: config.riskPolicy,
    chainTimeoutMs: config.chainTimeoutMs,
  });
  const runtimesOf = new Map<ApplicationName, StreamsRuntime[]>();
  for (const [name, plan] of Object.entries(plans) as [ApplicationName, TopologyPlan][]) {
    runtimesOf.set(
      name,
      Array.from(
        { length: config.runtimeInstances },
        (_, i) =>
          new StreamsRuntime({ connection, plan, instanceId: `demo-${i}`, commitIntervalMs: 100, logger }),
      ),
    );
  }
  const runtimes = [...runtimesOf.values()].flat();
  const producer = new BusProducer({ connection, clientId: `${connection.kafka.clientId}-demo-services` });
  try {
    await Promise.all(runtimes.map((r) => r.start()));
    await waitUntilReady(runtimesOf, logger);
    await producer.connect();
  } catch (e) {
    await Promise.allSettled(runtimes.map((r) => r.stop()));
    throw e;
  }
  const healthOf = (name: ApplicationName) => () =>
    runtimesOf.get(name)?.some((r) => r.ready) ? ('HEALTHY' as const) : ('DEGRADED' as const);
  const services = await startDemoServices(
    config,
    (source) =>
      kafkaEventSink(
        new EventPublisher({ connection, registry, source, producer, topics: topics.domain }),
        source,
      ),
    {
      'risk-engine': healthOf('risk'),
      'portfolio-service': healthOf('portfolio'),
      'lane-router': healthOf('laneRouter'),
    },
  );
  let stopping: Promise<void> | undefined;
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
    topicNames: () => [
      ...allTopics(topics),
      ...Object.values(plans).flatMap((p) => [
        ...p.internalTopics.map((t) => t.name),
        `${p.applicationId}-dlq`,
      ]),
    ],
    stop() {
      stopping ??= (async () => {
        await services.stop();
        await producer.disconnect();
        await Promise.all(runtimes.map((r) => r.stop()));
      })();
      return stopping;
    },
  };
}

/** Waits until each application has a ready instance; late ones are logged, not fatal. */
async function waitUntilReady(
  runtimesOf: ReadonlyMap<ApplicationName, readonly StreamsRuntime[]>,
  logger: DemoConfig['logger'],
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  const waiting = () => [...runtimesOf].filter(([, rs]) => !rs.some((r) => r.ready)).map(([name]) => name);
  while (waiting().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (waiting().length > 0)
    logger.warn({ applications: waiting() }, 'starting services before every application is ready');
}
