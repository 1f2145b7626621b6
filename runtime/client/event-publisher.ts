// The service-facing producer: `publish(event)` checks the event against its family's Avro schema,
// encodes it in the Confluent wire format, keys it by the catalog's partition key, stamps the
// priority from the catalog, carries correlationId/causationId from the event being handled, and
// resolves once the broker has acknowledged it with the event as written and its position. One
// implementation over a transport: Kafka (librdkafka) or the in-process broker of the zero-setup
// demo. The record timestamp is the event's own `header.timestamp` (event time), so windows and
// joins see the same time on either.
//
// Correlation rules (enforced here):
// - `correlationId` defaults to the event's own `eventId` (a new chain starts);
// - publishing with `{ causedBy }` sets `correlationId` to the cause's and `causationId` to the
//   cause's `eventId`, whatever the caller put there;
// - `priority` always comes from the catalog for the event type.

import type { Tracer } from '@opentelemetry/api';
import type { ConnectionConfig } from '../../core/config.js';
import { BusError, SerdeError } from '../../core/errors.js';
import type { RecordHeaders } from '../../core/record.js';
import { CATALOG, type EventFamily, type EventType, familyOf, priorityOf } from '../../schemas/catalog.js';
import { withEnvelopeHeaders } from '../../schemas/envelope-headers.js';
import { type AvroSerde, familySerde, type SchemaRegistry } from '../../schemas/index.js';
import { injectContext, startSendSpan } from '../observability/tracing.js';
import { kafkaTransport } from '../transport/librdkafka/kafka-transport.js';
import type { DeliveryReport, Transport, TransportProducer } from '../transport/types.js';

/** The header fields every catalog event carries (the family's key field besides). */
export interface EventHeaderLike {
  eventId: string;
  correlationId: string;
  causationId?: string | null;
  eventType: EventType;
  priority: string;
  source: string;
  /** Event time, epoch ms: the record's timestamp. */
  timestamp?: number | bigint | Date;
}

export interface EventLike {
  header: EventHeaderLike;
}

/** What a cause must carry: the chain it belongs to and its own id. */
export interface CauseLike {
  readonly header: { readonly eventId: string; readonly correlationId: string };
}

/** An event as it was written (envelope stamped) and where it landed. */
export interface PublishedEvent<E = EventLike> extends DeliveryReport {
  readonly event: E;
}

/**
 * Applies the publisher's envelope rules to an event (a copy): `priority` from the catalog,
 * `source` when empty, and correlation — with a cause, its `correlationId` and `eventId` as
 * `causationId`; without one, the event's own `eventId` when it has no `correlationId`.
 *
 * @example
 * const fill = stampEnvelope(newFill, 'order-gateway', placed); // fill.header.causationId === placed.header.eventId
 */
export function stampEnvelope<E extends EventLike>(event: E, source: string, causedBy?: CauseLike): E {
  const header = { ...event.header, priority: priorityOf(event.header.eventType) };
  if (!header.source) header.source = source;
  if (causedBy) {
    header.correlationId = causedBy.header.correlationId;
    header.causationId = causedBy.header.eventId;
  } else if (!header.correlationId) header.correlationId = header.eventId;
  return { ...event, header };
}

export interface PublishOptions {
  /** The event being handled when this one was produced: sets correlationId and causationId. */
  causedBy?: CauseLike;
  /** Extra Kafka headers (e.g. `traceparent`); envelope (`tm-*`) headers always come from the event. */
  headers?: RecordHeaders;
  /** Overrides the family's domain topic. */
  topic?: string;
}

export interface EventPublisherOptions {
  /** The Kafka cluster (the default transport's). Required unless `transport` or `producer` is given. */
  connection?: ConnectionConfig;
  /** Where events go. @default kafkaTransport(connection) */
  transport?: Transport;
  registry: SchemaRegistry;
  /** Name of the publishing service, written to `header.source` when empty. */
  source: string;
  /** Share a producer (e.g. the runtime's or a `BusProducer`); otherwise the publisher owns one. */
  producer?: Pick<TransportProducer, 'send'>;
  /** Topic per family, overriding the catalog's domain topics (tests, tenants). */
  topics?: Partial<Record<EventFamily, string>>;
  /** Starts a PRODUCER span per publish and writes its `traceparent` header. Off when absent. */
  tracer?: Tracer;
}

export class EventPublisher {
  private readonly producer: Pick<TransportProducer, 'send'>;
  private readonly owned?: TransportProducer;
  private readonly serdes = new Map<string, Promise<AvroSerde<unknown>>>();
  private connected?: Promise<void>;

  constructor(private readonly options: EventPublisherOptions) {
    if (options.producer) this.producer = options.producer;
    else {
      const transport = options.transport ?? (options.connection && kafkaTransport(options.connection));
      if (!transport)
        throw new BusError(
          'BAD_REQUEST',
          'EventPublisher needs a `connection`, a `transport` or a `producer`',
        );
      this.owned = transport.producer({ clientId: `${transport.clientId}-${options.source}` });
      this.producer = this.owned;
    }
  }

  /**
   * Publishes one event; resolves with the event as written and its position once acknowledged.
   *
   * @example
   * const placed = await publisher.publish(order);
   * await publisher.publish(fill, { causedBy: placed.event });
   */
  async publish<E extends EventLike>(event: E, options: PublishOptions = {}): Promise<PublishedEvent<E>> {
    this.connected ??= this.owned ? this.owned.connect() : Promise.resolve();
    await this.connected;
    const stamped = stampEnvelope(event, this.options.source, options.causedBy);
    const header = stamped.header;
    const type = header.eventType;
    const family = familyOf(type);
    const topic = options.topic ?? this.options.topics?.[family] ?? CATALOG[family].topic;
    const serde = await this.serdeOf(family, topic);
    const keyValue = (header as unknown as Record<string, unknown>)[CATALOG[family].keyField];
    if (typeof keyValue !== 'string' || keyValue.length === 0) {
      throw new SerdeError(
        'SERDE_ENCODE',
        `${type} needs header.${CATALOG[family].keyField} (its partition key)`,
        { context: { topic } },
      );
    }
    // Encoding first: an event that does not match its schema fails before anything is sent.
    const bytes = serde.serialize(stamped, { topic });
    const headers = withEnvelopeHeaders(header, options.headers);
    const time = Number(header.timestamp);
    const record = {
      topic,
      key: Buffer.from(keyValue),
      value: bytes,
      headers,
      timestamp: Number.isFinite(time) && time > 0 ? time : undefined,
    };
    if (!this.options.tracer) return { event: stamped, ...(await this.producer.send(record)) };
    const { span, ctx } = startSendSpan(this.options.tracer, { topic, key: keyValue });
    span.setAttribute('messaging.message.id', header.eventId);
    span.setAttribute('tm.event_type', type);
    span.setAttribute('tm.correlation_id', header.correlationId);
    injectContext(ctx, headers);
    try {
      const report = await this.producer.send(record);
      span.setAttribute('messaging.destination.partition.id', String(report.partition));
      span.setAttribute('messaging.kafka.offset', report.offset);
      return { event: stamped, ...report };
    } catch (e) {
      span.recordException(e as Error);
      span.setStatus({ code: 2 });
      throw e;
    } finally {
      span.end();
    }
  }

  private serdeOf(family: EventFamily, topic: string): Promise<AvroSerde<unknown>> {
    let serde = this.serdes.get(topic);
    if (!serde) {
      serde = familySerde(this.options.registry, family, { topic }) as Promise<AvroSerde<unknown>>;
      serde.catch(() => this.serdes.delete(topic));
      this.serdes.set(topic, serde);
    }
    return serde;
  }

  async close(): Promise<void> {
    if (this.owned && this.connected) await this.owned.disconnect();
  }
}
