// `startDemo`: the TradeMaster demo in one call — the services publishing at configurable rates,
// and the example topologies processing their events onto the priority lanes — on the embedded
// in-process broker (the zero-setup `npm start` path) or on real Kafka with the schema registry
// (`mode: 'kafka'` or `TMBUS_DEMO_MODE=kafka`). The gateway is started by the caller from the
// returned handle: the lane topics, the account directory, and in embedded mode the `LaneFeed`.

import { type DemoConfig, resolveDemoConfig, type StartDemoOptions } from './demo-config.js';
import type { DemoHandle, EmbeddedDemoHandle, KafkaDemoHandle } from './demo-handle.js';

/**
 * Starts the demo.
 *
 * @example
 * const demo = await startDemo({ mode: 'embedded', rates: { orders: 8 } });
 * const stop = demo.lanes.subscribe((records) => console.log(records.length, 'lane records'));
 * // … later
 * stop();
 * await demo.stop();
 *
 * @example
 * // TMBUS_KAFKA_BROKERS=127.0.0.1:19092 TMBUS_REGISTRY_URL=http://127.0.0.1:18081/apis/ccompat/v7
 * const demo = await startDemo({ mode: 'kafka', runtimeInstances: 2, topicPrefix: 'demo-1.' });
 */
export function startDemo(options: StartDemoOptions & { mode: 'embedded' }): Promise<EmbeddedDemoHandle>;
export function startDemo(options: StartDemoOptions & { mode: 'kafka' }): Promise<KafkaDemoHandle>;
export function startDemo(options?: StartDemoOptions): Promise<DemoHandle>;
export async function startDemo(options: StartDemoOptions = {}): Promise<DemoHandle> {
  const config: DemoConfig = resolveDemoConfig(options);
  config.logger.info(
    {
      mode: config.mode,
      prefix: config.topics.prefix,
      instances: config.runtimeInstances,
      rates: config.rates,
    },
    'starting the TradeMaster demo',
  );
  // Each mode is loaded only when used. Both run StreamsRuntime, whose module loads node-rdkafka
  // (its default transport), so the embedded demo needs the native module installed even though it
  // never connects to a broker.
  if (config.mode === 'kafka') return (await import('./demo-kafka.js')).startKafkaDemo(config);
  return (await import('./demo-embedded.js')).startEmbeddedDemo(config);
}
