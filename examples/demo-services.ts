// Starts the TradeMaster services of the demo against whatever sinks the mode provides: the
// market-data feed first (its snapshot puts a price on every symbol before the first order can
// fill), then the trading desk quoting off it, then agents, notifications and the platform monitor.
// Every service gets its own sink, so `header.source` names it.

import type { HealthStatus } from '../schemas/index.js';
import type { DemoConfig } from './demo-config.js';
import { createAgentService } from './services/agent-service.js';
import { MarketDataFeed } from './services/market-data-feed.js';
import { createNotificationService } from './services/notification-service.js';
import type { PacedProducer } from './services/paced-producer.js';
import { createPlatformMonitor } from './services/platform-monitor.js';
import { SeededRandom } from './services/random.js';
import { TradingService } from './services/trading-service.js';
import type { EventSink, SinkFactory } from './sinks/event-sink.js';

/** The running services. */
export interface DemoServices {
  readonly marketData: MarketDataFeed;
  readonly trading: TradingService;
  readonly agents: PacedProducer;
  readonly notifications: PacedProducer;
  readonly monitor: PacedProducer;
  /** Events published per service so far. */
  published(): Readonly<Record<string, number>>;
  /** Stops every service and closes its sink. */
  stop(): Promise<void>;
}

/**
 * Creates the services and starts them unless `config.services` is false.
 *
 * @example
 * const services = await startDemoServices(config, (source) => new EventPublisher({ transport, registry, source }), probes);
 */
export async function startDemoServices(
  config: DemoConfig,
  sinkFor: SinkFactory,
  probes: Readonly<Record<string, () => HealthStatus>>,
): Promise<DemoServices> {
  const { rates, logger, seed } = config;
  const sinks: EventSink[] = [];
  const sink = (source: string) => {
    const s = sinkFor(source);
    sinks.push(s);
    return s;
  };
  const marketData = new MarketDataFeed({
    sink: sink('market-data-feed'),
    symbols: config.symbols,
    rate: { ratePerSecond: rates.marketData, burst: config.burst },
    seed,
    logger,
  });
  const trading = new TradingService({
    sink: sink('order-gateway'),
    symbols: marketData.symbols,
    quote: (symbol) => marketData.quote(symbol),
    accounts: config.accounts,
    rate: { ratePerSecond: rates.orders },
    seed: seed + 1,
    logger,
  });
  const agents = createAgentService({
    sink: sink('agent-orchestrator'),
    rate: { ratePerSecond: rates.agents },
    seed: seed + 2,
    logger,
  });
  const notifications = createNotificationService({
    sink: sink('notification-service'),
    rate: { ratePerSecond: rates.notifications },
    accounts: config.accounts,
    seed: seed + 3,
    logger,
  });
  const monitorSink = sink('platform-monitor');
  const { service: monitor, monitor: platform } = createPlatformMonitor({
    sink: monitorSink,
    rate: { ratePerSecond: rates.health },
    random: new SeededRandom(seed + 4),
    probes: {
      ...probes,
      'market-data-feed': () =>
        marketData.stats.failed > marketData.stats.published / 10 ? 'DEGRADED' : 'HEALTHY',
      'order-gateway': () => 'HEALTHY',
    },
    counters: {
      'orders.placed': () => trading.stats.placed,
      'orders.rejected': () => trading.stats.rejected,
      'orders.fills': () => trading.stats.fills,
      'market.events': () => marketData.stats.published,
    },
    logger,
  });
  const all = { marketData, trading, agents, notifications, monitor };
  if (config.services) {
    await marketData.start();
    trading.start();
    agents.start();
    notifications.start();
    await monitorSink.publish(platform.maintenanceNotice(Date.now()));
    monitor.start();
  }
  return {
    ...all,
    published: () => ({
      'market-data-feed': marketData.stats.published,
      'order-gateway': trading.stats.published,
      'agent-orchestrator': agents.stats.published,
      'notification-service': notifications.stats.published,
      'platform-monitor': monitor.stats.published,
    }),
    async stop() {
      await Promise.all([
        marketData.stop(),
        trading.stop(),
        agents.stop(),
        notifications.stop(),
        monitor.stop(),
      ]);
      await Promise.all(sinks.map((s) => s.close()));
    },
  };
}
