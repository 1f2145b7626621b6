// `EventSink` over the library's `EventPublisher` (Avro against the schema registry, catalog key,
// priority and correlation headers, acknowledged by the broker) on either transport: the publisher
// returns the event as written.

import type { EventPublisher } from '../../runtime/client/event-publisher.js';
import type { EventSink } from './event-sink.js';

/**
 * Wraps a publisher as a sink.
 *
 * @example
 * const sink = kafkaEventSink(new EventPublisher({ connection, registry, source: 'order-gateway' }), 'order-gateway');
 */
export function kafkaEventSink(publisher: EventPublisher, _source?: string): EventSink {
  return {
    publish: (event, options = {}) => publisher.publish(event, options),
    close: () => publisher.close(),
  };
}
