// The zero-setup demo: the in-process broker, an in-memory schema registry, and the same
// applications and services as on Kafka (demo-apps.ts) on the in-process transport. No Java, Kafka
// or Redis.

import { InProcessBroker } from '../runtime/transport/inprocess/broker.js';
import { InProcessTransport } from '../runtime/transport/inprocess/inprocess-transport.js';
import { createLaneFeed } from '../runtime/transport/inprocess/lane-feed.js';
import { InMemorySchemaRegistry } from '../schemas/index.js';
import { startDemoApps } from './demo-apps.js';
import type { DemoConfig } from './demo-config.js';
import type { EmbeddedDemoHandle } from './demo-handle.js';
import { allTopics } from './topics.js';

/** Starts the demo in this process. */
export async function startEmbeddedDemo(config: DemoConfig): Promise<EmbeddedDemoHandle> {
  const { topics, partitions } = config;
  const broker = new InProcessBroker({
    defaultPartitions: partitions,
    maxRecordsPerPartition: config.retainRecordsPerPartition,
  });
  for (const topic of allTopics(topics)) {
    const compacted = topic === topics.prices;
    broker.createTopic(topic, { partitions, config: compacted ? { 'cleanup.policy': 'compact' } : {} });
  }
  const registry = new InMemorySchemaRegistry();
  const apps = await startDemoApps(config, new InProcessTransport({ broker }), registry);
  return {
    mode: 'embedded',
    topics,
    laneTopics: topics.lanes,
    symbols: apps.services.marketData.symbols,
    registry,
    broker,
    lanes: createLaneFeed(broker, topics.lanes),
    ...pick(apps),
  };
}

function pick(apps: Awaited<ReturnType<typeof startDemoApps>>) {
  const { directory, plans, services, runtimes, metrics } = apps;
  return { directory, plans, services, runtimes, metrics, stop: () => apps.stop() };
}
