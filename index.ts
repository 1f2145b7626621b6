// The public entry of @trademaster/event-bus: the catalog and serdes, the topology DSL, the runtime
// over its transports (Kafka, in-process) and its service-facing client, operations helpers, and
// the gateway server. The test driver is the `./testing` export; the browser/Node client SDK is
// `./gateway/client`. Building blocks that are not API (the librdkafka clients, the lane
// scheduler, sample fixtures) are the `./internal` export, with no stability promise.
export * from './core/index.js';
export { dashboardRoutes } from './gateway/dashboard/dashboard-routes.js';
export { DashboardState } from './gateway/dashboard/dashboard-state.js';
export {
  avroEventDecoder,
  createGateway,
  type Gateway,
  type GatewayConfig,
  type GatewayConfigInput,
  type GatewayDependencies,
  GatewayMetrics,
} from './gateway/index.js';
export { registerGatewayMetrics } from './gateway/observability/gateway-prometheus.js';
export {
  type LmdbStoreOptions,
  LmdbStoreProvider,
  lmdbStoreProvider,
  lmdbTaskDirectory,
} from './processors/stores/lmdbStoreProvider.js';
export {
  type CauseLike,
  EventPublisher,
  type EventPublisherOptions,
  type PublishedEvent,
  type PublishOptions,
  stampEnvelope,
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
export { changelogTopic, domainTopic, TopicManager, type TopicSpec } from './runtime/kafka/topics.js';
export type { PriorityLaneSchedulerOptions } from './runtime/lanes/priority-lane-scheduler.js';
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
export { InProcessBroker, type InProcessBrokerOptions } from './runtime/transport/inprocess/broker.js';
export {
  InProcessTransport,
  type InProcessTransportOptions,
} from './runtime/transport/inprocess/inprocess-transport.js';
export { kafkaTransport } from './runtime/transport/librdkafka/kafka-transport.js';
export type {
  DeliveryReport,
  GroupMember,
  GroupMemberOptions,
  TopicPartition,
  TopicPartitionOffset,
  Transport,
  TransportAdmin,
  TransportProducer,
  TransportRecord,
} from './runtime/transport/types.js';
export {
  type AvroSchemaJson,
  type AvroSchemaObject,
  avroTypeOf,
  canonicalSchema,
} from './schemas/avro-type.js';
export type { Priority } from './schemas/catalog.js';
export * from './schemas/catalog.js';
export { type SchemasCommandOptions, schemasCommand } from './schemas/cli.js';
export { checkSchemaCompatibility, explainIncompatibility } from './schemas/compatibility.js';
export { type DecimalString, decodeDecimal, encodeDecimal, toDecimal } from './schemas/decimal.js';
export {
  type EnvelopeFields,
  envelopeOf,
  outputHeaders,
  withEnvelopeHeaders,
  withoutEnvelopeHeaders,
} from './schemas/envelope-headers.js';
export { createEventSerde, type EventSerde, type EventSerdeOptions } from './schemas/event-serde.js';
export {
  type EventOf,
  type FamilyValue,
  familyOfEvent,
  type HeaderOf,
  isEvent,
  isEventOneOf,
  isFamily,
  type PayloadOf,
  partitionKeyOf,
  type TradeMasterEvent,
} from './schemas/events.js';
export { FAMILY_RECORDS, FAMILY_SCHEMAS, PAYLOAD_RECORDS } from './schemas/generated/avro-schemas.js';
export type * from './schemas/generated/types.js';
export {
  createGenericAvroDecoder,
  type DecodedRecord,
  type GenericAvroDecoder,
  type GenericAvroDecoderOptions,
} from './schemas/generic-decoder.js';
export { HttpSchemaRegistry, type HttpSchemaRegistryOptions } from './schemas/http-registry.js';
export { InMemorySchemaRegistry, type InMemorySchemaRegistryOptions } from './schemas/memory-registry.js';
export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type CompatibilityReport,
  DEFAULT_COMPATIBILITY,
  type RegisteredSchema,
  type SchemaRegistry,
} from './schemas/registry.js';
export { money, price, quantity, ratio } from './schemas/samples.js';
export { type AvroSerde, type AvroSerdeOptions, createAvroSerde, familySerde } from './schemas/serde.js';
export {
  RecordNameStrategy,
  type SubjectContext,
  type SubjectNameStrategy,
  type SubjectStrategyName,
  TopicNameStrategy,
  TopicRecordNameStrategy,
} from './schemas/subject.js';
export { DEFAULT_MAX_RECORD_BYTES, MAGIC_BYTE, peekSchemaId } from './schemas/wire-format.js';
export * from './topology/index.js';
