// The public entry of @trademaster/event-bus.
export * from './core/index.js';
export * from './schemas/catalog.js';
export { BusConsumer } from './runtime/kafka/consumer.js';
export { BusProducer } from './runtime/kafka/producer.js';
export { TopicManager, domainTopic, changelogTopic } from './runtime/kafka/topics.js';
export { PriorityLaneScheduler } from './runtime/lanes/priority-lane-scheduler.js';
export { StreamsRuntime, type StreamsRuntimeOptions, type ProcessingGuarantee } from './runtime/engine/streams-runtime.js';
export { Decision, type ErrorHandlers, type ErrorHandler } from './runtime/engine/error-handlers.js';
