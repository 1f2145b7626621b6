// Decodes any Confluent-framed Avro record by its writer schema, for consumers that do not know
// the schema up front: the gateway reading priority lanes (every family on one topic), dead-letter
// and replay tools. Records of a catalog family are read through the family's current schema
// (writer→reader resolution) and come out as typed `{ header, payload }` events; anything else
// comes out as avsc decodes it with the writer schema.

import type { Deserializer, RecordContext } from '../core/record.js';
import { avroTypeOf } from './avro-type.js';
import type { EventFamily } from './catalog.js';
import { canRead } from './compatibility.js';
import { DecodePlanCache } from './decode.js';
import { envelopeAdapter } from './envelope.js';
import type { FamilyValue } from './events.js';
import { FAMILY_RECORDS, FAMILY_SCHEMAS } from './generated/avro-schemas.js';
import type { SchemaRegistry } from './registry.js';
import { DEFAULT_MAX_RECORD_BYTES, peekSchemaId } from './wire-format.js';

/** A decoded record and what it was written with. */
export type DecodedRecord =
  | {
      [F in EventFamily]: { schemaId: number; recordName: string; family: F; value: FamilyValue<F> };
    }[EventFamily]
  | { schemaId: number; recordName: string | undefined; family: undefined; value: unknown };

export interface GenericAvroDecoderOptions {
  /** Largest record accepted, bytes. @default 1048588 */
  maxBytes?: number;
  /**
   * Read catalog family records as the current family schema and unwrap their payload. When a
   * writer cannot be resolved to it (e.g. a newer producer added an event type), the record is
   * decoded by its writer schema alone and reported with `family: undefined`.
   * @default true
   */
  resolveFamilies?: boolean;
  /** Shown in errors. @default "avro<generic>" */
  name?: string;
}

/** Decodes framed Avro of any schema id; same prepare/deserialize split as `AvroSerde`. */
export interface GenericAvroDecoder extends Deserializer<DecodedRecord> {
  readonly name: string;
  deserialize(bytes: Buffer, ctx: RecordContext): DecodedRecord;
  prepare(bytes: Buffer, ctx?: RecordContext): Promise<void>;
  isPrepared(bytes: Buffer): boolean;
}

const FAMILY_BY_RECORD = new Map(
  Object.entries(FAMILY_RECORDS).map(([family, record]) => [record, family as EventFamily]),
);

/**
 * @example
 * const decoder = createGenericAvroDecoder(registry);
 * await decoder.prepare(message.value);
 * const { family, value } = decoder.deserialize(message.value, { topic, partition, offset });
 * if (family === 'OrderEvent') value.header.symbol;
 */
export function createGenericAvroDecoder(
  registry: SchemaRegistry,
  options: GenericAvroDecoderOptions = {},
): GenericAvroDecoder {
  const name = options.name ?? 'avro<generic>';
  const resolveFamilies = options.resolveFamilies ?? true;
  const familyOfWriter = new Map<number, EventFamily | undefined>();
  const plans = new DecodePlanCache<unknown>(
    registry,
    (writer, writerId) => {
      const family = resolveFamilies && writer.name ? FAMILY_BY_RECORD.get(writer.name) : undefined;
      const reader = family ? avroTypeOf(FAMILY_SCHEMAS[family]) : undefined;
      if (family && reader && canRead(reader, writer)) {
        familyOfWriter.set(writerId, family);
        const resolver = reader === writer ? undefined : reader.createResolver(writer);
        return { writerId, writer, reader, resolver, adapter: envelopeAdapter(family) };
      }
      familyOfWriter.set(writerId, undefined);
      return { writerId, writer, reader: writer, resolver: undefined, adapter: undefined };
    },
    name,
    options.maxBytes ?? DEFAULT_MAX_RECORD_BYTES,
  );
  return {
    name,
    deserialize(bytes, ctx) {
      const { value, plan } = plans.decode(bytes, ctx);
      return {
        schemaId: plan.writerId,
        recordName: plan.writer.name,
        family: familyOfWriter.get(plan.writerId),
        value,
      } as DecodedRecord;
    },
    prepare: (bytes, ctx) => plans.prepare(bytes, ctx),
    isPrepared(bytes) {
      const id = peekSchemaId(bytes);
      return id === undefined || plans.has(id);
    },
  };
}
