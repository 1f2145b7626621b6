// The topology DSL's public surface: the builder and its handles, options, window definitions,
// serdes, the partitioner, the build catalog, and the runtime plan contract.
export type { CorrelatedChain } from '../processors/correlate.js';
export type { StreamRecord } from '../processors/record.js';
export type { Where } from '../processors/where.js';
export { type EmitStrategy, JoinWindows, SessionWindows, TimeWindows } from '../processors/windows.js';
export type { BuildOptions } from './compile.js';
export { TopologyBuilder, topology } from './dsl/builder.js';
export type { CorrelateStageOptions } from './dsl/correlateStage.js';
export { KGroupedStream } from './dsl/grouped.js';
export { KStream, type PipedStream } from './dsl/kstream.js';
export { KTable } from './dsl/ktable.js';
export type * from './dsl/options.js';
export {
  BranchedKStream,
  type EventTypeOfValue,
  type NarrowToEventType,
  type RoutedByEventType,
} from './dsl/routing.js';
export type { PipeOptions } from './dsl/stages.js';
export { SessionWindowedKStream, TimeWindowedKStream } from './dsl/windowed.js';
export { validateName } from './names.js';
export {
  DEFAULT_PARTITIONER,
  javaPartition,
  keyPlacement,
  murmur2,
  PARTITIONERS,
  type PartitionerName,
} from './partitioner.js';
export type * from './plan.js';
export { jsonSerde, Serdes, stringSerde, windowedSerde } from './serdes.js';
export { type TopicCatalog, type TopicInfo, tradeMasterTopics } from './topicCatalog.js';
