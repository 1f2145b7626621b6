// The Kafka headers of a catalog event, made from its own envelope. Publishers and topology sinks
// both write them through `withEnvelopeHeaders`, so an event carries the same header set however
// it was produced, and consumers that route without decoding — the runtime's lane scheduler,
// `subscribe()`'s type pre-filter, the gateway — see the event that is actually in the value. A
// derived event never keeps the headers of the input it came from (STYLE practice 13). The
// priority comes from the catalog, never from the value or the caller.
//
// Only what is read without decoding is written: the type and priority (routing), the event id
// (idempotent consumers, the benchmark's probes) and the correlation id (`tmbus chain` matches on
// it). The causation id and the source stay in the value only (`tmbus chain` reads them from the
// decoded envelope): node-rdkafka copies every header across into C++ one by one, about 0.5-1 µs
// each, at every output. Values are strings (text): a header set costs one object and no Buffer —
// the ids are already strings in the value, and the producer hands strings to librdkafka as they
// are. This runs once per sink output, so a value that is not an event and inherited no envelope
// header keeps the inherited object as it is.

import { ENVELOPE_HEADER_NAMES, HEADERS } from '../core/headers.js';
import type { OutgoingHeaders, RecordHeaders } from '../core/record.js';
import { EVENT_TYPES, type EventType, priorityOf } from './catalog.js';

/** The envelope fields the headers are made from (a catalog event's `header`). */
export interface EnvelopeFields {
  readonly eventType: EventType;
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly source?: string | null;
}

const PRIORITY_OF = new Map<string, string>(EVENT_TYPES.map((type) => [type, priorityOf(type)]));
const ENVELOPE = new Set(ENVELOPE_HEADER_NAMES);

/**
 * The envelope of `value` when it is a catalog event (`{ header: { eventType, … } }` with a
 * catalog event type), otherwise undefined.
 */
export function envelopeOf(value: unknown): EnvelopeFields | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const header = (value as { header?: unknown }).header;
  if (typeof header !== 'object' || header === null) return undefined;
  const type = (header as { eventType?: unknown }).eventType;
  return typeof type === 'string' && PRIORITY_OF.has(type) ? (header as EnvelopeFields) : undefined;
}

/**
 * The headers of an event with envelope `envelope`: `tm-event-type`, `tm-priority` (the
 * catalog's), `tm-event-id` and `tm-correlation-id`; then every header of `extra` that is not an
 * envelope header (trace context, user headers). An envelope header in `extra` is ignored — it
 * cannot contradict the value — and so are `tm-causation-id` and `tm-source` an older publisher
 * wrote: they are read from the value.
 *
 * @example
 * producer.send({ topic, key, value: serde.serialize(event, { topic }), headers: withEnvelopeHeaders(event.header) });
 */
export function withEnvelopeHeaders(
  envelope: EnvelopeFields,
  extra?: RecordHeaders | OutgoingHeaders,
): OutgoingHeaders {
  const priority = PRIORITY_OF.get(envelope.eventType);
  if (!priority) throw new RangeError(`unknown event type '${envelope.eventType}'`);
  // HEADERS.eventType and HEADERS.priority written as literal keys: V8 builds such an object from
  // a template instead of adding computed properties one by one.
  const headers: OutgoingHeaders = {
    'tm-event-type': envelope.eventType,
    'tm-priority': priority,
  };
  if (envelope.eventId) headers[HEADERS.eventId] = envelope.eventId;
  if (envelope.correlationId) headers[HEADERS.correlationId] = envelope.correlationId;
  if (extra) for (const name in extra) if (!ENVELOPE.has(name)) headers[name] = extra[name]!;
  return headers;
}

function hasEnvelopeHeader(headers: OutgoingHeaders): boolean {
  for (const name of ENVELOPE_HEADER_NAMES) if (headers[name] !== undefined) return true;
  return false;
}

/** `headers` without envelope headers: the object itself when it holds none (no copy). */
export function withoutEnvelopeHeaders<H extends OutgoingHeaders>(headers: H): H {
  if (!hasEnvelopeHeader(headers)) return headers;
  const kept = {} as H;
  for (const name in headers) if (!ENVELOPE.has(name)) kept[name] = headers[name]!;
  return kept;
}

/**
 * The headers a topology writes with `value`, given those its record inherited from the input: a
 * catalog event gets its own envelope headers; anything else loses the inherited envelope headers
 * (they described the input). Other headers are kept. Returns `inherited` itself when nothing
 * changes.
 *
 * @example
 * out.emit({ topic, key, value: bytes, headers: outputHeaders(record.value, record.headers) });
 */
export function outputHeaders(value: unknown, inherited: RecordHeaders): OutgoingHeaders {
  const envelope = envelopeOf(value);
  return envelope ? withEnvelopeHeaders(envelope, inherited) : withoutEnvelopeHeaders(inherited);
}
