// The public entry of @trademaster/event-bus: the catalog and serdes, the topology DSL, the Kafka
// runtime and its service-facing client, operations helpers, and the gateway server. The test
// driver is the `./testing` export; the browser/Node client SDK is `./gateway/client`.
export * from './core/index.js';
export * from './schemas/index.js';
export * from './topology/index.js';
export { EventPublisher, type EventPublisherOptions, type PublishOptions } from './runtime/client/event-publisher.js';
export { subscribe, type Subscription, type SubscriptionFilter } from './runtime/client/event-subscriber.js';
export { BusConsumer, type BusConsumerOptions } from './runtime/kafka/consumer.js';
export { BusProducer, type BusProducerOptions, type DeliveryReport } from './runtime/kafka/producer.js';
export { changelogTopic, domainTopic, TopicManager, type TopicSpec } from './runtime/kafka/topics.js';
export { PriorityLaneScheduler, type PriorityLaneSchedulerOptions } from './runtime/lanes/priority-lane-scheduler.js';
export { StreamsRuntime, type StreamsRuntimeOptions, type ProcessingGuarantee } from './runtime/engine/streams-runtime.js';
export { Decision, type ErrorHandler, type ErrorHandlers, type FailureContext } from './runtime/engine/error-handlers.js';
export { stopOnSignals } from './runtime/engine/signals.js';
export { RuntimeMetrics } from './runtime/observability/runtime-metrics.js';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './runtime/observability/ops-server.js';
export { startTracing } from './runtime/observability/otel.js';
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
