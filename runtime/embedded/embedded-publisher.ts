// The embedded twin of `EventPublisher` (runtime/client): the same envelope rules — catalog
// priority, correlation carried from the cause, the catalog partition key as record key, the same
// Kafka headers, Avro in the Confluent wire format — appended to an `InProcessBroker` instead of
// Kafka. Services written against a small publish interface run unchanged on either.

import type { RecordHeaders } from '../../core/record.js';
import { CATALOG, type EventFamily, familyOf, priorityOf } from '../../schemas/catalog.js';
import { withEnvelopeHeaders } from '../../schemas/envelope-headers.js';
import { partitionKeyOf, type TradeMasterEvent } from '../../schemas/events.js';
import type { SchemaRegistry } from '../../schemas/registry.js';
import { type AvroSerde, familySerde } from '../../schemas/serde.js';
import type { InProcessBroker } from '../testing/broker.js';

/** What a cause must carry: the chain it belongs to and its own id. */
export interface CauseLike {
  readonly header: { readonly eventId: string; readonly correlationId: string };
}

/** Options of one publish. */
export interface EmbeddedPublishOptions {
  /** The event being handled when this one was produced: sets correlationId and causationId. */
  readonly causedBy?: CauseLike;
  /** Extra record headers; envelope (`tm-*`) headers always come from the event. @default {} */
  readonly headers?: RecordHeaders;
  /** Overrides the family's topic. @default the publisher's topic of the family */
  readonly topic?: string;
}

/** An event as it was written (envelope stamped) and where it landed. */
export interface PublishedEvent<E extends TradeMasterEvent = TradeMasterEvent> {
  readonly event: E;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface EmbeddedEventPublisherOptions {
  readonly broker: InProcessBroker;
  /** Registry the Avro serdes register with (usually an `InMemorySchemaRegistry`). */
  readonly registry: SchemaRegistry;
  /** Name of the publishing service, written to `header.source` when empty. */
  readonly source: string;
  /** Topic per family. @default the catalog's domain topics */
  readonly topics?: Partial<Record<EventFamily, string>>;
}

/**
 * Applies the publisher's envelope rules to an event (a copy): `priority` from the catalog,
 * `source` when empty, and correlation — with a cause, its `correlationId` and `eventId` as
 * `causationId`; without one, the event's own `eventId` when it has no `correlationId`.
 * `EventPublisher` enforces the same rules on Kafka, so a caller can know the stamped event before
 * the broker acknowledges it.
 *
 * @example
 * const fill = stampEnvelope(newFill, 'order-gateway', placed); // fill.header.causationId === placed.header.eventId
 */
export function stampEnvelope<E extends TradeMasterEvent>(event: E, source: string, causedBy?: CauseLike): E {
  const header = { ...event.header, priority: priorityOf(event.header.eventType) } as E['header'] & {
    correlationId: string;
    causationId: string | null;
  };
  if (!header.source) header.source = source;
  if (causedBy) {
    header.correlationId = causedBy.header.correlationId;
    header.causationId = causedBy.header.eventId;
  } else if (!header.correlationId) header.correlationId = header.eventId;
  return { ...event, header };
}

/**
 * Publishes catalog events to the in-process broker.
 *
 * @example
 * const publisher = new EmbeddedEventPublisher({ broker, registry, source: 'order-gateway' });
 * const placed = await publisher.publish(order);
 * await publisher.publish(fill, { causedBy: placed.event });
 */
export class EmbeddedEventPublisher {
  private readonly serdes = new Map<string, Promise<AvroSerde<TradeMasterEvent>>>();

  constructor(private readonly options: EmbeddedEventPublisherOptions) {}

  /** Stamps, encodes and appends one event; resolves with the stamped event and its position. */
  async publish<E extends TradeMasterEvent>(
    event: E,
    options: EmbeddedPublishOptions = {},
  ): Promise<PublishedEvent<E>> {
    const stamped = stampEnvelope(event, this.options.source, options.causedBy);
    const header = stamped.header;
    const family = familyOf(header.eventType);
    const topic = options.topic ?? this.options.topics?.[family] ?? CATALOG[family].topic;
    const serde = await this.serdeOf(family, topic);
    // Encoding first: an event that does not match its schema fails here, before anything is appended.
    const value = serde.serialize(stamped, { topic });
    const headers = withEnvelopeHeaders(header, options.headers);
    const position = this.options.broker.produce({
      topic,
      key: Buffer.from(partitionKeyOf(stamped)),
      value,
      headers,
      timestamp: Number(header.timestamp),
    });
    return { event: stamped, ...position };
  }

  /** Nothing to release; present so it fits where an `EventPublisher` fits. */
  async close(): Promise<void> {}

  private serdeOf(family: EventFamily, topic: string): Promise<AvroSerde<TradeMasterEvent>> {
    let serde = this.serdes.get(topic);
    if (!serde) {
      serde = familySerde(this.options.registry, family, { topic }) as unknown as Promise<
        AvroSerde<TradeMasterEvent>
      >;
      serde.catch(() => this.serdes.delete(topic));
      this.serdes.set(topic, serde);
    }
    return serde;
  }
}
