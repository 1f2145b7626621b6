// What both demo modes run, the same way: the example topologies as `StreamsRuntime` instances
// (N per application sharing its consumer group) and the services publishing through
// `EventPublisher`, all over one transport — Kafka, or the in-process broker of the zero-setup demo.
// The runtimes share one `RuntimeMetrics`, so the dashboard's in/out rates, per-lane latency and
// lag are live in either mode.

import { Registry } from 'prom-client';
import { EventPublisher } from '../runtime/client/event-publisher.js';
import { StreamsRuntime } from '../runtime/engine/streams-runtime.js';
import { RuntimeMetrics } from '../runtime/observability/runtime-metrics.js';
import type { Transport } from '../runtime/transport/types.js';
import type { SchemaRegistry } from '../schemas/index.js';
import type { TopologyPlan } from '../topology/index.js';
import { AccountDirectory } from './accounts.js';
import type { DemoConfig } from './demo-config.js';
import { type DemoServices, startDemoServices } from './demo-services.js';
import { kafkaEventSink } from './sinks/kafka-sink.js';
import type { ApplicationName } from './topics.js';
import { buildDemoPlans, demoSerdes } from './topologies/index.js';

/** How long to wait for every application to own partitions before the services start. */
const READY_TIMEOUT_MS = 60_000;

export interface DemoApps {
  readonly directory: AccountDirectory;
  readonly plans: Readonly<Record<ApplicationName, TopologyPlan>>;
  readonly runtimes: readonly StreamsRuntime[];
  readonly services: DemoServices;
  /** The runtimes' Prometheus metrics (records in/out, lane latency, lag). */
  readonly metrics: Registry;
  stop(): Promise<void>;
}

/** Starts the applications, waits until each has a ready instance, then starts the services. */
export async function startDemoApps(
  config: DemoConfig,
  transport: Transport,
  registry: SchemaRegistry,
): Promise<DemoApps> {
  const { topics, logger } = config;
  const serdes = await demoSerdes(registry, topics);
  const directory = new AccountDirectory(config.accounts);
  const plans = buildDemoPlans({
    topics,
    serdes,
    directory,
    riskPolicy: config.riskPolicy,
    chainTimeoutMs: config.chainTimeoutMs,
  });
  const metricsRegistry = new Registry();
  const metrics = new RuntimeMetrics(metricsRegistry);
  const runtimesOf = new Map<ApplicationName, StreamsRuntime[]>();
  for (const [name, plan] of Object.entries(plans) as [ApplicationName, TopologyPlan][]) {
    runtimesOf.set(
      name,
      Array.from(
        { length: config.runtimeInstances },
        (_, i) =>
          new StreamsRuntime({
            transport,
            plan,
            instanceId: `demo-${i}`,
            commitIntervalMs: 100,
            defaultPartitions: config.partitions,
            logger,
            metrics,
          }),
      ),
    );
  }
  const runtimes = [...runtimesOf.values()].flat();
  const producer = transport.producer({ clientId: `${transport.clientId}-demo-services` });
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
        new EventPublisher({ transport, registry, source, producer, topics: topics.domain }),
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
    directory,
    plans,
    runtimes,
    services,
    metrics: metricsRegistry,
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
  while (waiting().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (waiting().length > 0)
    logger.warn({ applications: waiting() }, 'starting services before every application is ready');
}
