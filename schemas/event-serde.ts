// One serde for topics that carry events of several families: the priority-lane topics between
// the runtime and the gateway. Each family keeps its own schema lineage on the topic through
// TopicRecordNameStrategy (`tm.lane.critical-com.trademaster.events.risk.RiskEvent`), which is
// how Confluent serializers put several record types on one topic.

import type { RecordContext, Serde } from '../core/record.js';
import { EVENT_FAMILIES, type EventFamily, familyOf } from './catalog.js';
import type { TradeMasterEvent } from './events.js';
import { createGenericAvroDecoder } from './generic-decoder.js';
import type { SchemaRegistry } from './registry.js';
import { type AvroSerde, type AvroSerdeOptions, familySerde } from './serde.js';
import { FRAME_HEADER_BYTES, serdeError, writeFrameHeader } from './wire-format.js';

export interface EventSerdeOptions extends Partial<Omit<AvroSerdeOptions, 'schema' | 'isKey'>> {
  topic: string;
  /** Families the topic may carry; their schemas are registered up front. @default every family */
  families?: readonly EventFamily[];
}

/** A serde of any catalog event, with the prepare/deserialize split of `AvroSerde`. */
export interface EventSerde extends Serde<TradeMasterEvent> {
  /** Writer schema id of each family on this topic. */
  readonly schemaIds: Readonly<Partial<Record<EventFamily, number>>>;
  deserialize(bytes: Buffer, ctx: RecordContext): TradeMasterEvent;
  prepare(bytes: Buffer, ctx?: RecordContext): Promise<void>;
  isPrepared(bytes: Buffer): boolean;
}

/**
 * @example
 * const lane = await createEventSerde(registry, { topic: laneTopic('CRITICAL') });
 * producer.produce(lane.serialize(sampleEvent('MARGIN_CALL'), { topic: laneTopic('CRITICAL') }));
 */
export async function createEventSerde(
  registry: SchemaRegistry,
  options: EventSerdeOptions,
): Promise<EventSerde> {
  const families = options.families ?? EVENT_FAMILIES;
  const { families: _omit, ...serdeOptions } = options;
  const serdes = new Map<EventFamily, AvroSerde<TradeMasterEvent>>();
  for (const family of families) {
    const serde = await familySerde(registry, family, { subjectStrategy: 'topic-record', ...serdeOptions });
    serdes.set(family, serde as unknown as AvroSerde<TradeMasterEvent>);
  }
  const name = `avro<TradeMasterEvent@${options.topic}>`;
  const decoder = createGenericAvroDecoder(registry, { name, maxBytes: options.maxBytes });
  // Warm the decoder with our own writer ids so records this serde wrote never need prepare().
  for (const serde of serdes.values()) await decoder.prepare(frameHeaderOf(serde.schemaId));
  return {
    name,
    schemaIds: Object.fromEntries([...serdes].map(([family, serde]) => [family, serde.schemaId])),
    serialize(event, ctx) {
      const type = (event as { header?: { eventType?: string } } | null)?.header?.eventType;
      let family: EventFamily;
      try {
        family = familyOf(type as TradeMasterEvent['header']['eventType']);
      } catch {
        throw serdeError(
          'SERDE_ENCODE',
          `cannot encode ${name}: header.eventType ${JSON.stringify(type)} is not a catalog event type`,
          ctx,
          { serde: name, field: 'header.eventType' },
        );
      }
      const serde = serdes.get(family);
      if (!serde) {
        throw serdeError(
          'SERDE_ENCODE',
          `cannot encode ${name}: ${family} is not carried by ${options.topic} (families: ${families.join(', ')})`,
          ctx,
          { serde: name },
        );
      }
      return serde.serialize(event, ctx);
    },
    deserialize(bytes, ctx) {
      const decoded = decoder.deserialize(bytes, ctx);
      if (decoded.family === undefined) {
        throw serdeError(
          'SERDE_DECODE',
          `record ${decoded.recordName ?? '(unnamed)'} (schema id ${decoded.schemaId}) is not a TradeMaster event this version can read`,
          ctx,
          { serde: name, schemaId: decoded.schemaId },
        );
      }
      return decoded.value as TradeMasterEvent;
    },
    prepare: (bytes, ctx) => decoder.prepare(bytes, ctx),
    isPrepared: (bytes) => decoder.isPrepared(bytes),
  };
}

function frameHeaderOf(schemaId: number): Buffer {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  writeFrameHeader(header, schemaId);
  return header;
}
