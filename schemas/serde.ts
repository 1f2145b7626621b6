// Avro serdes in the Confluent wire format over a `SchemaRegistry`. Creating one is async (it
// registers or looks up its schema); after that `serialize` and `deserialize` are synchronous and
// never touch the network. Records written with another schema id (older or newer producers) are
// read through avsc's writer→reader resolution once `prepare(bytes)` has fetched that writer.

import type avro from 'avsc';
import { ConfigError, SchemaRegistryError } from '../core/errors.js';
import type { RecordContext, Serde } from '../core/record.js';
import { type AvroSchemaJson, avroTypeOf, isAvroType } from './avro-type.js';
import { CATALOG, type EventFamily } from './catalog.js';
import { canRead, explainIncompatibility } from './compatibility.js';
import { DecodePlanCache, type ValueAdapter } from './decode.js';
import { encodeFramed } from './encode.js';
import { envelopeAdapter } from './envelope.js';
import type { FamilyValue } from './events.js';
import { FAMILY_SCHEMAS } from './generated/avro-schemas.js';
import type { SchemaRegistry } from './registry.js';
import { type SubjectNameStrategy, type SubjectStrategyName, subjectStrategy } from './subject.js';
import { DEFAULT_MAX_RECORD_BYTES, peekSchemaId } from './wire-format.js';

export interface AvroSerdeOptions {
  /** Topic the serde writes to and reads from; names the subject. */
  topic: string;
  /** Schema to write with and to read as. Pass JSON to register it exactly as written. */
  schema: AvroSchemaJson | avro.Type;
  /** How the subject is named. @default "topic" (TopicNameStrategy: `<topic>-value`) */
  subjectStrategy?: SubjectStrategyName | SubjectNameStrategy;
  /** Serde for record keys (`<topic>-key`) rather than values. @default false */
  isKey?: boolean;
  /**
   * Register the schema (after a compatibility check) when the serde is created. When false, the
   * schema must already be registered under the subject.
   * @default true
   */
  autoRegister?: boolean;
  /** Largest record accepted on read or produced on write, bytes. @default 1048588 */
  maxBytes?: number;
  /** Shown in `describe()` and errors. @default "avro<RecordName>" */
  name?: string;
}

/** A Confluent-framed Avro serde whose per-record path is synchronous. */
export interface AvroSerde<T> extends Serde<T> {
  /** Writer id of this serde's own schema. */
  readonly schemaId: number;
  /** Subject the schema is registered under. */
  readonly subject: string;
  /** Encodes `value`; throws `SerdeError` `SERDE_ENCODE` naming the bad field, or `SERDE_OVERSIZE`. */
  serialize(value: T, ctx: RecordContext): Buffer;
  /**
   * Decodes framed bytes. Sync: throws `SerdeError` `SERDE_UNKNOWN_SCHEMA` (`retriable: true`) when
   * the writer id is not cached yet, and `SERDE_MAGIC_BYTE` / `SERDE_TRUNCATED` / `SERDE_DECODE` /
   * `SERDE_OVERSIZE` (not retriable) for bad bytes, each with the record's topic/partition/offset.
   */
  deserialize(bytes: Buffer, ctx: RecordContext): T;
  /**
   * Fetches and caches the writer schema of these bytes if needed: the only async step. Rejects with
   * the same `SerdeError` as `deserialize` for a bad frame, `SERDE_UNKNOWN_SCHEMA` (not retriable)
   * for an id the registry does not have, or a retriable `SchemaRegistryError` when it is down.
   */
  prepare(bytes: Buffer, ctx?: RecordContext): Promise<void>;
  /** True when `deserialize(bytes)` will not need `prepare` first (cheap; no allocation). */
  isPrepared(bytes: Buffer): boolean;
}

/**
 * Creates an Avro serde for one schema, registering it under the subject of `topic`.
 *
 * @example
 * const serde = await createAvroSerde<Trade>(registry, { topic: 'trades', schema: tradeSchema });
 * const bytes = serde.serialize(trade, { topic: 'trades' });
 * await serde.prepare(bytes);            // no-op for records written with this schema
 * const back = serde.deserialize(bytes, { topic: 'trades', partition: 0, offset: 42 });
 */
export async function createAvroSerde<T>(
  registry: SchemaRegistry,
  options: AvroSerdeOptions,
): Promise<AvroSerde<T>> {
  return buildSerde<T>(registry, options, undefined);
}

/**
 * The serde of a catalog family on its domain topic: values are `{ header, payload }` unions.
 *
 * @example
 * const orders = await familySerde(registry, 'OrderEvent');       // topic tm.orders, subject tm.orders-value
 * const bytes = orders.serialize(sampleEvent('ORDER_FILLED'), { topic: 'tm.orders' });
 */
export async function familySerde<F extends EventFamily>(
  registry: SchemaRegistry,
  family: F,
  options: Partial<Omit<AvroSerdeOptions, 'schema'>> = {},
): Promise<AvroSerde<FamilyValue<F>>> {
  if (!(family in FAMILY_SCHEMAS)) {
    throw new ConfigError(
      `unknown event family '${String(family)}' (accepted: ${Object.keys(FAMILY_SCHEMAS).join(', ')})`,
    );
  }
  return buildSerde<FamilyValue<F>>(
    registry,
    { topic: CATALOG[family].topic, name: `avro<${family}>`, ...options, schema: FAMILY_SCHEMAS[family] },
    envelopeAdapter(family),
  );
}

async function buildSerde<T>(
  registry: SchemaRegistry,
  options: AvroSerdeOptions,
  adapter: ValueAdapter<T> | undefined,
): Promise<AvroSerde<T>> {
  const json = isAvroType(options.schema)
    ? (options.schema.schema({ exportAttrs: true }) as AvroSchemaJson)
    : options.schema;
  let type: avro.Type;
  try {
    type = avroTypeOf(json);
  } catch (e) {
    throw new ConfigError(`invalid Avro schema for topic '${options.topic}': ${(e as Error).message}`, {
      cause: e,
      context: { configKey: 'schema', topic: options.topic },
    });
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_RECORD_BYTES;
  const name = options.name ?? `avro<${type.name?.slice(type.name.lastIndexOf('.') + 1) ?? type.typeName}>`;
  const subject = subjectStrategy(options.subjectStrategy)({
    topic: options.topic,
    recordName: type.name,
    isKey: options.isKey ?? false,
  });
  const schemaId =
    options.autoRegister === false
      ? await lookup(registry, subject, json)
      : await registry.register(subject, json);

  const plans = new DecodePlanCache<T>(
    registry,
    (writer, writerId) => {
      if (!canRead(type, writer))
        throw new Error(explainIncompatibility(type, writer, 'BACKWARD').join('; '));
      return { writerId, writer, reader: type, resolver: type.createResolver(writer), adapter };
    },
    name,
    maxBytes,
  );
  plans.seed({ writerId: schemaId, writer: type, reader: type, resolver: undefined, adapter });
  const target = { type, schemaId, serde: name, maxBytes, adapter };

  return {
    name,
    schemaId,
    subject,
    serialize: (value, ctx) => encodeFramed(target, value, ctx),
    deserialize: (bytes, ctx) => plans.decode(bytes, ctx).value,
    prepare: (bytes, ctx) => plans.prepare(bytes, ctx),
    isPrepared: (bytes) => {
      const id = peekSchemaId(bytes);
      return id === undefined || plans.has(id);
    },
  };
}

async function lookup(registry: SchemaRegistry, subject: string, schema: AvroSchemaJson): Promise<number> {
  const id = await registry.lookupId(subject, schema);
  if (id === undefined) {
    throw new SchemaRegistryError(
      'SCHEMA_NOT_FOUND',
      `schema is not registered under subject '${subject}' and autoRegister is off: register it first (tmbus schemas register)`,
      { context: { subject } },
    );
  }
  return id;
}
