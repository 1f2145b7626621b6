// Operations toolkit of the bus: time-range replay (into a topic or by resetting a group),
// consumer-group lag, correlation-chain tracing, and the offset lookups underneath them. The CLI
// commands `tmbus replay | lag | chain` and the metrics exporter build on these functions.

export { type ChainTrace, type ChainTraceOptions, DOMAIN_TOPICS, traceCorrelation } from './chain.js';
export {
  buildEventChain,
  type ChainEvent,
  type ChainNode,
  type EventChain,
  type FormatChainOptions,
  formatEventChain,
} from './event-chain.js';
export {
  type GroupResetOptions,
  type GroupResetSummary,
  type PartitionReset,
  resetGroupToTime,
} from './group-reset.js';
export { consumerGroupLag, type GroupLag, type PartitionLag } from './lag.js';
export { OffsetLookup, partitionKey, type TopicPartition, type Watermarks } from './offset-lookup.js';
export { type OpsConnectionFlags, opsConnectionConfig } from './ops-connection.js';
export { type PartitionRange, type RangeReaderOptions, type RawRecord, readRanges } from './range-reader.js';
export {
  type PartitionReplay,
  type ReplayOptions,
  type ReplayProgress,
  type ReplaySummary,
  replayRange,
} from './replay.js';
export {
  defaultCheckpointDir,
  FileCheckpointStore,
  type ReplayCheckpoint,
  type ReplayCheckpointStore,
  remainingRanges,
  replayIdOf,
} from './replay-checkpoint.js';
export { formatTime, parseDuration, parseTimeSpec, type ResolvedTime } from './time-spec.js';
