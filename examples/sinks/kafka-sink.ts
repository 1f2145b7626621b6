// The Kafka implementation of `EventSink`: the library's `EventPublisher` (Avro against the schema
// registry, catalog key, priority and correlation headers, acknowledged by the broker). The
// publisher does not return the event it wrote, so the envelope is stamped here first with the
// same rules (`stampEnvelope`); the publisher re-applies them to an already stamped event, which
// changes nothing.

import type { EventPublisher } from '../../runtime/client/event-publisher.js';
import { stampEnvelope } from '../../runtime/embedded/index.js';
import type { EventSink } from './event-sink.js';

/**
 * Wraps a publisher as a sink.
 *
 * @example
 * const sink = kafkaEventSink(new EventPublisher({ connection, registry, source: 'order-gateway' }), 'order-gateway');
 */
export function kafkaEventSink(publisher: EventPublisher, source: string): EventSink {
  return {
    async publish(event, options = {}) {
      const stamped = stampEnvelope(event, source, options.causedBy);
      const report = await publisher.publish(stamped, options);
      return { event: stamped, topic: report.topic, partition: report.partition, offset: report.offset };
    },
    close: () => publisher.close(),
  };
}
