// The TradeMaster examples: services, topologies and the demo, written as users of the library.
// `startDemo` is the entry point of `npm start`; the rest is exported for tests, tools and anyone
// building their own demo from the parts.
export { AccountDirectory, DEMO_ACCOUNTS, type DemoAccount, type TradingStyle } from './accounts.js';
export { startDemo } from './demo.js';
export {
  DEFAULT_BURST,
  DEFAULT_RATES,
  type DemoConfig,
  type DemoMode,
  type DemoRates,
  resolveDemoConfig,
  type StartDemoOptions,
} from './demo-config.js';
export type { DemoHandle, DemoHandleBase, EmbeddedDemoHandle, KafkaDemoHandle } from './demo-handle.js';
export { type DemoServices, startDemoServices } from './demo-services.js';
export { derivedId, type EnvelopeOptions, newEvent, uuidFrom } from './events.js';
export { createAgentService, DEMO_AGENTS } from './services/agent-service.js';
export { DEFAULT_SYMBOLS, MarketDataFeed, type Quote, type SymbolSpec } from './services/market-data-feed.js';
export { createNotificationService } from './services/notification-service.js';
export { PacedProducer } from './services/paced-producer.js';
export type { Burst, RateOptions } from './services/pacing.js';
export { createPlatformMonitor } from './services/platform-monitor.js';
export { TradingService } from './services/trading-service.js';
export type { EventSink, PublishedEvent, SinkFactory, SinkPublishOptions } from './sinks/event-sink.js';
export { APPLICATIONS, type ApplicationName, applicationId, type DemoTopics, demoTopics } from './topics.js';
export * from './topologies/index.js';
