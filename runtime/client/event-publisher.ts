// The service-facing producer: `publish(event)` checks the event against its family's Avro schema,
// encodes it in the Confluent wire format, keys it by the catalog's partition key, stamps the
// priority from the catalog, carries correlationId/causationId from the event being handled, and
// resolves once the broker has acknowledged it.
//
// Correlation rules (enforced here):
// - `correlationId` defaults to the event's own `eventId` (a new chain starts);
// - publishing with `{ causedBy }` sets `correlationId` to the cause's and `causationId` to the
//   cause's `eventId`, whatever the caller put there;
// - `priority` always comes from the catalog for the event type.

import type { Tracer } from '@opentelemetry/api';
import type { ConnectionConfig } from '../../core/config.js';
import { SerdeError } from '../../core/errors.js';
import type { RecordHeaders } from '../../core/record.js';
import { CATALOG, type EventFamily, type EventType, familyOf, priorityOf } from '../../schemas/catalog.js';
import { withEnvelopeHeaders } from '../../schemas/envelope-headers.js';
import { type AvroSerde, familySerde, type SchemaRegistry } from '../../schemas/index.js';
import { BusProducer, type DeliveryReport } from '../kafka/producer.js';
import { injectContext, startSendSpan } from '../observability/tracing.js';

/** The header fields every catalog event carries (the family's key field besides). */
export interface EventHeaderLike {
  eventId: string;
  correlationId: string;
  causationId?: string | null;
  eventType: EventType;
  priority: string;
  source: string;
}

export interface EventLike {
  header: EventHeaderLike;
}

export interface PublishOptions {
  /** The event being handled when this one was produced: sets correlationId and causationId. */
  causedBy?: EventLike;
  /** Extra Kafka headers (e.g. `traceparent`); envelope (`tm-*`) headers always come from the event. */
  headers?: RecordHeaders;
  /** Overrides the family's domain topic. */
  topic?: string;
}

export interface EventPublisherOptions {
  connection: ConnectionConfig;
  registry: SchemaRegistry;
  /** Name of the publishing service, written to `header.source` when empty. */
  source: string;
  /** Share a producer (e.g. the runtime's); otherwise the publisher owns one. */
  producer?: BusProducer;
  /** Topic per family, overriding the catalog's domain topics (tests, tenants). */
  topics?: Partial<Record<EventFamily, string>>;
  /** Starts a PRODUCER span per publish and writes its `traceparent` header. Off when absent. */
  tracer?: Tracer;
}

export class EventPublisher {
  private readonly producer: BusProducer;
  private readonly ownsProducer: boolean;
  private readonly serdes = new Map<string, Promise<AvroSerde<unknown>>>();
  private connected?: Promise<void>;

  constructor(private readonly options: EventPublisherOptions) {
    this.ownsProducer = !options.producer;
    this.producer =
      options.producer ??
      new BusProducer({
        connection: options.connection,
        clientId: `${options.connection.kafka.clientId}-${options.source}`,
      });
  }

  /**
   * Publishes one event; resolves with its position once acknowledged by the broker.
   *
   * @example
   * await publisher.publish(fill, { causedBy: placedOrder });
   */
  async publish<E extends EventLike>(event: E, options: PublishOptions = {}): Promise<DeliveryReport> {
    this.connected ??= this.ownsProducer ? this.producer.connect() : Promise.resolve();
    await this.connected;
    const type = event.header.eventType;
    const family = familyOf(type);
    const header = { ...event.header, priority: priorityOf(type) };
    if (!header.source) header.source = this.options.source;
    if (options.causedBy) {
      header.correlationId = options.causedBy.header.correlationId;
      header.causationId = options.causedBy.header.eventId;
    } else if (!header.correlationId) header.correlationId = header.eventId;
    const value = { ...event, header };
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
    const bytes = serde.serialize(value, { topic });
    const headers = withEnvelopeHeaders(header, options.headers);
    if (!this.options.tracer)
      return this.producer.send({ topic, key: Buffer.from(keyValue), value: bytes, headers });
    const { span, ctx } = startSendSpan(this.options.tracer, { topic, key: keyValue });
    span.setAttribute('messaging.message.id', header.eventId);
    span.setAttribute('tm.event_type', type);
    span.setAttribute('tm.correlation_id', header.correlationId);
    injectContext(ctx, headers);
    try {
      const report = await this.producer.send({ topic, key: Buffer.from(keyValue), value: bytes, headers });
      span.setAttribute('messaging.destination.partition.id', String(report.partition));
      span.setAttribute('messaging.kafka.offset', report.offset);
      return report;
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
    if (this.ownsProducer && this.connected) await this.producer.disconnect();
  }
}
