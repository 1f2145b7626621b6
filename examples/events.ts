// Building catalog events the way a service would: a fresh envelope (id, type, the catalog's
// priority, time, source, partition key) around a typed payload. Correlation is left to the
// publisher (`causedBy`), which owns those rules; topologies that derive events set it from the
// event they derive from, with ids derived deterministically so a reprocessed record (at-least-once)
// produces the same event id and clients can drop the duplicate.

import { createHash, randomUUID } from 'node:crypto';
import {
  CATALOG,
  type EventOf,
  type EventType,
  familyOf,
  type PayloadOf,
  priorityOf,
} from '../schemas/index.js';

/** Envelope fields a caller may set; the rest are filled in. */
export interface EnvelopeOptions {
  /** Producing service. */
  readonly source: string;
  /** Event time, epoch ms. @default Date.now() */
  readonly timestamp?: number;
  /** @default a random UUID */
  readonly eventId?: string;
  /** The event this one derives from: correlation and causation are taken from it. */
  readonly derivedFrom?: { readonly eventId: string; readonly correlationId: string };
}

/**
 * A new event of `type`, keyed by `key` (the value of the family's partition key field).
 *
 * @example
 * const placed = newEvent('ORDER_PLACED', 'AAPL', payload, { source: 'order-gateway' });
 */
export function newEvent<T extends EventType>(
  type: T,
  key: string,
  payload: PayloadOf<T>,
  options: EnvelopeOptions,
): EventOf<T> {
  const family = familyOf(type);
  const eventId = options.eventId ?? randomUUID();
  const header = {
    eventId,
    correlationId: options.derivedFrom?.correlationId ?? eventId,
    causationId: options.derivedFrom?.eventId ?? null,
    eventType: type,
    priority: priorityOf(type),
    timestamp: options.timestamp ?? Date.now(),
    source: options.source,
    version: 1,
    [CATALOG[family].keyField]: key,
  };
  return { header, payload } as unknown as EventOf<T>;
}

/** A deterministic UUID (RFC 4122 version 5 layout) derived from `seed`. */
export function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const variant = ((Number.parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/**
 * The id of an event derived from `cause`: the same cause and kind always give the same id.
 *
 * @example
 * derivedId(fill, 'RISK_LIMIT_BREACH') // stable across reprocessing of `fill`
 */
export function derivedId(cause: { readonly eventId: string }, kind: string): string {
  return uuidFrom(`${cause.eventId}/${kind}`);
}
