// The embedded runtime: topologies, publishers and a gateway feed on the in-process broker, for
// the zero-setup demo (`npm start`) — no Java, Kafka or Redis. It shares the plan/Task contract
// with the Kafka runtime (runtime/engine) and nothing else; production runs on `StreamsRuntime`.
export {
  type CauseLike,
  EmbeddedEventPublisher,
  type EmbeddedEventPublisherOptions,
  type EmbeddedPublishOptions,
  type PublishedEvent,
  stampEnvelope,
} from './embedded-publisher.js';
export {
  type EmbeddedErrorDecision,
  type EmbeddedRuntimeOptions,
  EmbeddedStreamsRuntime,
} from './embedded-runtime.js';
export { createLaneFeed, type LaneFeed, type LaneRecord, type LaneWatermarks } from './lane-feed.js';
export { ensurePlanTopics } from './plan-topics.js';
