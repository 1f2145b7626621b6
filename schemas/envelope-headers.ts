// The Kafka headers of a catalog event, made from its own envelope. Publishers and topology sinks
// both write them through `withEnvelopeHeaders`, so an event carries the same header set however
// it was produced, and consumers that route without decoding — the runtime's lane scheduler,
// `subscribe()`'s type pre-filter, the gateway — see the event that is actually in the value. A
// derived event never keeps the headers of the input it came from (STYLE practice 13). The
// priority comes from the catalog, never from the value or the caller.
//
// Values are UTF-8 text. This runs once per sink output, so the common cases avoid work: a value
// that is not an event and inherited no envelope header keeps the inherited object as it is, and
// the type and priority bytes of each event type are made once.

import { ENVELOPE_HEADER_NAMES, HEADERS } from '../core/headers.js';
import type { RecordHeaders } from '../core/record.js';
import { EVENT_TYPES, type EventType, priorityOf } from './catalog.js';

/** The envelope fields the headers are made from (a catalog event's `header`). */
export interface EnvelopeFields {
  readonly eventType: EventType;
  readonly eventId: string;
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly source?: string | null;
}

// Shared across records: nothing writes into a header Buffer once made.
const TYPE_BYTES = new Map<string, { readonly type: Buffer; readonly priority: Buffer }>();
for (const type of EVENT_TYPES)
  TYPE_BYTES.set(type, { type: Buffer.from(type), priority: Buffer.from(priorityOf(type)) });

const ENVELOPE = new Set(ENVELOPE_HEADER_NAMES);

// Sources are a handful of service names: their bytes are made once too (bounded, in case a
// producer puts something per-record there).
const SOURCE_BYTES = new Map<string, Buffer>();
function sourceBytes(source: string): Buffer {
  let bytes = SOURCE_BYTES.get(source);
  if (!bytes) {
    bytes = Buffer.from(source);
    if (SOURCE_BYTES.size < 256) SOURCE_BYTES.set(source, bytes);
  }
  return bytes;
}

/**
 * The envelope of `value` when it is a catalog event (`{ header: { eventType, … } }` with a
 * catalog event type), otherwise undefined.
 */
export function envelopeOf(value: unknown): EnvelopeFields | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const header = (value as { header?: unknown }).header;
  if (typeof header !== 'object' || header === null) return undefined;
  const type = (header as { eventType?: unknown }).eventType;
  return typeof type === 'string' && TYPE_BYTES.has(type) ? (header as EnvelopeFields) : undefined;
}

/**
 * The headers of an event with envelope `envelope`: `tm-event-type`, `tm-priority` (the
 * catalog's), `tm-event-id`, `tm-correlation-id`, and `tm-causation-id` / `tm-source` when the
 * envelope has them; then every header of `extra` that is not an envelope header (trace context,
 * user headers). An envelope header in `extra` is ignored: it cannot contradict the value.
 *
 * @example
 * producer.send({ topic, key, value: serde.serialize(event, { topic }), headers: withEnvelopeHeaders(event.header) });
 */
export function withEnvelopeHeaders(envelope: EnvelopeFields, extra?: RecordHeaders): RecordHeaders {
  const bytes = TYPE_BYTES.get(envelope.eventType);
  if (!bytes) throw new RangeError(`unknown event type '${envelope.eventType}'`);
  const headers: RecordHeaders = {
    [HEADERS.eventType]: bytes.type,
    [HEADERS.priority]: bytes.priority,
  };
  if (envelope.eventId) headers[HEADERS.eventId] = Buffer.from(envelope.eventId);
  if (envelope.correlationId) headers[HEADERS.correlationId] = Buffer.from(envelope.correlationId);
  if (envelope.causationId) headers[HEADERS.causationId] = Buffer.from(envelope.causationId);
  if (envelope.source) headers[HEADERS.source] = sourceBytes(envelope.source);
  if (extra) for (const name in extra) if (!ENVELOPE.has(name)) headers[name] = extra[name]!;
  return headers;
}

function hasEnvelopeHeader(headers: RecordHeaders): boolean {
  for (const name of ENVELOPE_HEADER_NAMES) if (headers[name] !== undefined) return true;
  return false;
}

/** `headers` without envelope headers: the object itself when it holds none (no copy). */
export function withoutEnvelopeHeaders(headers: RecordHeaders): RecordHeaders {
  if (!hasEnvelopeHeader(headers)) return headers;
  const kept: RecordHeaders = {};
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
export function outputHeaders(value: unknown, inherited: RecordHeaders): RecordHeaders {
  const envelope = envelopeOf(value);
  return envelope ? withEnvelopeHeaders(envelope, inherited) : withoutEnvelopeHeaders(inherited);
}
