// The zero-setup demo: the in-process broker, an in-memory schema registry, the example topologies
// on the embedded runner (real time, wall-clock punctuation) and the services publishing through
// the embedded publisher. No Java, Kafka or Redis; the same services and topologies run on Kafka
// in demo-kafka.ts.

import { createLaneFeed, EmbeddedEventPublisher, EmbeddedStreamsRuntime } from '../runtime/embedded/index.js';
import { InProcessBroker } from '../runtime/testing/index.js';
import { InMemorySchemaRegistry } from '../schemas/index.js';
import { AccountDirectory } from './accounts.js';
import type { DemoConfig } from './demo-config.js';
import type { EmbeddedDemoHandle } from './demo-handle.js';
import { startDemoServices } from './demo-services.js';
import { type ApplicationName, allTopics } from './topics.js';
import { buildDemoPlans, demoSerdes } from './topologies/index.js';

/** Starts the demo in this process. */
export async function startEmbeddedDemo(config: DemoConfig): Promise<EmbeddedDemoHandle> {
  const { topics, partitions, logger } = config;
  const broker = new InProcessBroker({
    defaultPartitions: partitions,
    maxRecordsPerPartition: config.retainRecordsPerPartition,
  });
  for (const topic of allTopics(topics)) {
    const compacted = topic === topics.prices;
    broker.createTopic(topic, { partitions, config: compacted ? { 'cleanup.policy': 'compact' } : {} });
  }
  const registry = new InMemorySchemaRegistry();
  const serdes = await demoSerdes(registry, topics);
  const directory = new AccountDirectory(config.accounts);
  const plans = buildDemoPlans({
    topics,
    serdes,
    directory,
    riskPolicy: config.riskPolicy,
    chainTimeoutMs: config.chainTimeoutMs,
  });
  const runtimes: EmbeddedStreamsRuntime[] = [];
  const runtimesOf = new Map<ApplicationName, EmbeddedStreamsRuntime[]>();
  for (const [name, plan] of Object.entries(plans) as [ApplicationName, (typeof plans)[ApplicationName]][]) {
    const instances = Array.from(
      { length: config.runtimeInstances },
      () => new EmbeddedStreamsRuntime({ broker, plan, partitions, logger }),
    );
    runtimesOf.set(name, instances);
    runtimes.push(...instances);
  }
  await Promise.all(runtimes.map((r) => r.start()));
  const healthOf = (name: ApplicationName) => () =>
    runtimesOf.get(name)?.some((r) => r.running) ? ('HEALTHY' as const) : ('UNHEALTHY' as const);
  const services = await startDemoServices(
    config,
    (source) => new EmbeddedEventPublisher({ broker, registry, source, topics: topics.domain }),
    {
      'risk-engine': healthOf('risk'),
      'portfolio-service': healthOf('portfolio'),
      'lane-router': healthOf('laneRouter'),
    },
  );
  let stopping: Promise<void> | undefined;
  return {
    mode: 'embedded',
    topics,
    laneTopics: topics.lanes,
    directory,
    symbols: services.marketData.symbols,
    registry,
    plans,
    services,
    broker,
    lanes: createLaneFeed(broker, topics.lanes),
    runtimes,
    stop() {
      stopping ??= (async () => {
        await services.stop();
        await Promise.all(runtimes.map((r) => r.stop()));
      })();
      return stopping;
    },
  };
}
