// The public entry of @trademaster/event-bus: the catalog and serdes, the topology DSL, the Kafka
// runtime and its service-facing client, operations helpers, and the gateway server. The test
// driver is the `./testing` export; the browser/Node client SDK is `./gateway/client`.
export * from './core/index.js';
export {
  type LmdbStoreOptions,
  LmdbStoreProvider,
  lmdbStoreProvider,
  lmdbTaskDirectory,
} from './processors/stores/lmdbStoreProvider.js';
export {
  EventPublisher,
  type EventPublisherOptions,
  type PublishOptions,
} from './runtime/client/event-publisher.js';
export { type Subscription, type SubscriptionFilter, subscribe } from './runtime/client/event-subscriber.js';
export {
  Decision,
  type ErrorHandler,
  type ErrorHandlers,
  type FailureContext,
} from './runtime/engine/error-handlers.js';
export { stopOnSignals } from './runtime/engine/signals.js';
export {
  type ProcessingGuarantee,
  StreamsRuntime,
  type StreamsRuntimeOptions,
} from './runtime/engine/streams-runtime.js';
export { BusConsumer, type BusConsumerOptions } from './runtime/kafka/consumer.js';
export { BusProducer, type BusProducerOptions, type DeliveryReport } from './runtime/kafka/producer.js';
export { changelogTopic, domainTopic, TopicManager, type TopicSpec } from './runtime/kafka/topics.js';
export {
  PriorityLaneScheduler,
  type PriorityLaneSchedulerOptions,
} from './runtime/lanes/priority-lane-scheduler.js';
export { type OpsServer, type OpsServerOptions, startOpsServer } from './runtime/observability/ops-server.js';
export { startTracing } from './runtime/observability/otel.js';
export { RuntimeMetrics } from './runtime/observability/runtime-metrics.js';
export {
  buildEventChain,
  consumerGroupLag,
  formatEventChain,
  parseDuration,
  parseTimeSpec,
  replayRange,
  resetGroupToTime,
  traceCorrelation,
} from './runtime/ops/index.js';
export * from './schemas/index.js';
export * from './topology/index.js';
export {
  avroEventDecoder,
  createGateway,
  type Gateway,
  type GatewayConfig,
  type GatewayConfigInput,
  type GatewayDependencies,
  GatewayMetrics,
} from './gateway/index.js';
export { DashboardState } from './gateway/dashboard/dashboard-state.js';
export { dashboardRoutes } from './gateway/dashboard/dashboard-routes.js';
export { registerGatewayMetrics } from './gateway/observability/gateway-prometheus.js';
