// `@trademaster/event-bus/internal`: building blocks the public API is made of — the librdkafka
// clients, the priority-lane scheduler, the engine's transport adapters and sample fixtures for
// tests and benchmarks. No stability promise: they change with the engine.

export { type SampleOverrides, sampleEvent } from '../schemas/samples.js';
export { BusConsumer, type BusConsumerOptions } from './kafka/consumer.js';
export { BusProducer, type BusProducerOptions } from './kafka/producer.js';
export {
  PriorityLaneScheduler,
  type PriorityLaneSchedulerOptions,
} from './lanes/priority-lane-scheduler.js';
export {
  InProcessGroupMember,
  InProcessTransport,
} from './transport/inprocess/inprocess-transport.js';
export { createLaneFeed, type LaneFeed, type LaneRecord } from './transport/inprocess/lane-feed.js';
export { KafkaChangelogReader } from './transport/librdkafka/changelog-reader.js';
export { KafkaGroupMember, KafkaTransportProducer } from './transport/librdkafka/kafka-transport.js';
