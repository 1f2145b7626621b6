// Public surface of the schemas layer: the TradeMaster event catalog as Avro schemas and
// TypeScript types, schema registry clients, and serdes in the Confluent wire format.
// Everything not exported here is internal and may change without notice.

export { type AvroSchemaJson, type AvroSchemaObject, avroTypeOf, canonicalSchema } from './avro-type.js';
// The catalog's Priority and the Avro enum's generated Priority are the same union (tested); name the catalog one.
export type { Priority } from './catalog.js';
/** The event catalog: families, event types, priorities, partition keys, domain and lane topics. */
export * from './catalog.js';
export { type SchemasCommandOptions, schemasCommand } from './cli.js';
export { checkSchemaCompatibility, explainIncompatibility } from './compatibility.js';

export { type DecimalString, decodeDecimal, encodeDecimal, toDecimal } from './decimal.js';
/** The `tm-*` Kafka headers of a catalog event, made from its own envelope. */
export {
  type EnvelopeFields,
  envelopeOf,
  outputHeaders,
  withEnvelopeHeaders,
  withoutEnvelopeHeaders,
} from './envelope-headers.js';
export { createEventSerde, type EventSerde, type EventSerdeOptions } from './event-serde.js';
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
} from './events.js';
/** The Avro schemas of the families as data, and the record name of each payload. */
export { FAMILY_RECORDS, FAMILY_SCHEMAS, PAYLOAD_RECORDS } from './generated/avro-schemas.js';
/** Every record and enum of the Avro catalog as TypeScript, generated from `schemas/avro/*.avsc`. */
export type * from './generated/types.js';
export {
  createGenericAvroDecoder,
  type DecodedRecord,
  type GenericAvroDecoder,
  type GenericAvroDecoderOptions,
} from './generic-decoder.js';
export { HttpSchemaRegistry, type HttpSchemaRegistryOptions } from './http-registry.js';
export { InMemorySchemaRegistry, type InMemorySchemaRegistryOptions } from './memory-registry.js';
export {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  type CompatibilityReport,
  DEFAULT_COMPATIBILITY,
  type RegisteredSchema,
  type SchemaRegistry,
} from './registry.js';
export { money, price, quantity, ratio, type SampleOverrides, sampleEvent } from './samples.js';
export { type AvroSerde, type AvroSerdeOptions, createAvroSerde, familySerde } from './serde.js';
export {
  RecordNameStrategy,
  type SubjectContext,
  type SubjectNameStrategy,
  type SubjectStrategyName,
  TopicNameStrategy,
  TopicRecordNameStrategy,
} from './subject.js';
export { DEFAULT_MAX_RECORD_BYTES, MAGIC_BYTE, peekSchemaId } from './wire-format.js';
