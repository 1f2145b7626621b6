// `@trademaster/event-bus/testing`: run topologies without Kafka — the test driver (StreamsRuntime
// on the in-process transport, driven synchronously) and the in-process broker under it, which
// lives with the in-process transport (the zero-setup demo runs on it too).
export {
  type BrokerRecord,
  InProcessBroker,
  type InProcessBrokerOptions,
  type RecordPosition,
  type TopicSettings,
} from '../transport/inprocess/broker.js';
export { InProcessConsumer, type TopicPartition } from '../transport/inprocess/consumer-group.js';
export {
  InProcessTransport,
  type InProcessTransportOptions,
} from '../transport/inprocess/inprocess-transport.js';
export { TopologyTestDriver, type TopologyTestDriverOptions } from './driver.js';
export type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore } from './storeViews.js';
export { type PipeOptions, TestInputTopic, TestOutputTopic, type TestRecord } from './testTopics.js';
