// `@trademaster/event-bus/testing`: run topologies without Kafka — the test driver and the
// in-process broker under it (also used by the zero-setup demo).
export {
  type BrokerRecord,
  InProcessBroker,
  type InProcessBrokerOptions,
  type RecordPosition,
  type TopicSettings,
} from './broker.js';
export { InProcessConsumer, type TopicPartition } from './consumerGroup.js';
export { TopologyTestDriver, type TopologyTestDriverOptions } from './driver.js';
export type { ReadOnlyKeyValueStore, ReadOnlySessionStore, ReadOnlyWindowStore } from './storeViews.js';
export { type PipeOptions, TestInputTopic, TestOutputTopic, type TestRecord } from './testTopics.js';
