// Kafka header names the bus writes and reads. Publishers set the event headers so the runtime can
// schedule by priority and the gateway can route without decoding; the runtime sets the
// dead-letter headers that say what failed, where and why.

export const HEADERS = {
  eventType: 'tm-event-type',
  priority: 'tm-priority',
  eventId: 'tm-event-id',
  correlationId: 'tm-correlation-id',
  causationId: 'tm-causation-id',
  source: 'tm-source',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

/**
 * The headers that describe a record's catalog event. They belong to the value they travel with:
 * publishers and topology sinks write them from that value's envelope (all but `tm-causation-id`
 * and `tm-source`, which stay in the value; see schemas/envelope-headers.ts), and a sink drops the
 * ones a record inherited from its input.
 */
export const ENVELOPE_HEADER_NAMES: readonly string[] = [
  HEADERS.eventType,
  HEADERS.priority,
  HEADERS.eventId,
  HEADERS.correlationId,
  HEADERS.causationId,
  HEADERS.source,
];

export const DEAD_LETTER_HEADERS = {
  errorCode: 'tm-dlq-error-code',
  errorMessage: 'tm-dlq-error-message',
  errorClass: 'tm-dlq-error-class',
  retriable: 'tm-dlq-retriable',
  stage: 'tm-dlq-stage',
  topic: 'tm-dlq-topic',
  partition: 'tm-dlq-partition',
  offset: 'tm-dlq-offset',
  timestamp: 'tm-dlq-timestamp',
  applicationId: 'tm-dlq-application-id',
} as const;
